// Golden tests: pf, Cisco, H3C and Windows output compared byte for byte with test/firewall/golden/ (UPDATE_GOLDEN=1 rewrites them).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateRules, type Format, type RulesOptions } from '../../src/firewall/index.js';
import { repoRoot } from '../helpers/peers.js';

const DIR = join(repoRoot(), 'test', 'firewall', 'golden');
const UPDATE = process.env.UPDATE_GOLDEN === '1';

/** The seeds' example server (192.168.10.1) and typical client and router setups. */
const CASES: { name: string; options: RulesOptions; formats: Format[] }[] = [
  { name: 'server-passive', options: { role: 'server', modes: ['passive'], serverAddress: '192.168.10.1' }, formats: ['pf', 'cisco', 'h3c', 'windows'] },
  {
    name: 'server-active20-standalone',
    options: { role: 'server', modes: ['active'], activeSourcePort: 20, serverAddress: '192.168.10.1', standalone: true, allowPorts: [22], ifaceIn: 'GigabitEthernet1/0/2', ifaceOut: 'GigabitEthernet1/0/1' },
    formats: ['pf', 'cisco', 'h3c', 'windows'],
  },
  { name: 'server-both-standalone', options: { role: 'server', serverAddress: '192.168.10.1', clientNet: '198.51.100.0/24', standalone: true, allowPorts: [22], allowOutPorts: [53] }, formats: ['pf', 'cisco', 'h3c', 'windows'] },
  { name: 'server-helper', options: { role: 'server', helper: true, serverAddress: '192.168.10.1' }, formats: ['pf', 'cisco', 'h3c', 'windows'] },
  { name: 'client-both', options: { role: 'client', serverAddress: '198.51.100.7' }, formats: ['pf', 'cisco', 'h3c', 'windows'] },
  { name: 'router-nat', options: { role: 'router', nat: true, serverAddress: '10.0.0.5', clientNet: '10.1.0.0/24', ifaceIn: 'em1', ifaceOut: 'em0', standalone: true, allowPorts: [22] }, formats: ['pf', 'cisco', 'h3c'] },
  { name: 'router-helper', options: { role: 'router', helper: true, nat: true, clientNet: '10.1.0.0/24', ifaceIn: 'em1', ifaceOut: 'em0' }, formats: ['pf', 'cisco', 'h3c'] },
];

const EXT: Record<Format, string> = { nftables: 'nft', iptables: 'rules', pf: 'pf.conf', cisco: 'cisco.txt', h3c: 'h3c.txt', windows: 'ps1' };

describe('golden output (pf, cisco, h3c, windows)', () => {
  if (UPDATE) mkdirSync(DIR, { recursive: true });
  for (const c of CASES) {
    for (const f of c.formats) {
      const file = join(DIR, `${c.name}.${EXT[f]}`);
      it(`${c.name} as ${f} matches golden/${c.name}.${EXT[f]}`, () => {
        const { text } = generateRules(c.options, f);
        if (UPDATE) {
          writeFileSync(file, text);
          return;
        }
        assert.ok(existsSync(file), `missing golden file ${file}: run UPDATE_GOLDEN=1 node --test dist/test/firewall/golden.test.js and review it`);
        assert.equal(text, readFileSync(file, 'utf8'), `output differs from ${file} (if intended: UPDATE_GOLDEN=1, then review the diff)`);
      });
    }
  }
});
