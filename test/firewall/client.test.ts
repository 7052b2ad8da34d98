// Proves generated client-side rules with real traffic: the client host's firewall from `--role client`, pyftpdlib unfiltered.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { generateRules, type RulesOptions } from '../../src/firewall/index.js';
import { peer, pythonHas, requireCondition } from '../helpers/peers.js';
import { canUseNetns, delNs, linkPair, must, newNs, stopChild } from './ns.js';
import { fetch, list, makeFixture, probe, startDecoys, startFtpServer, type DataMode, type FtpFixture } from './ftp-peers.js';

const SERVER = '10.99.0.1';
const CLIENT = '10.99.0.2';
/** A service on the client inside its ephemeral range (where active-mode data connections arrive). */
const CLIENT_SERVICE = 45000;

const env = canUseNetns();
const havePeers = !!peer('curl') && pythonHas('pyftpdlib');

interface Case {
  name: string;
  format: 'nftables' | 'iptables';
  options: RulesOptions;
  expect: Partial<Record<DataMode, boolean>>;
  /** what a connection from the server host with source port 20 to the client's service sees */
  fromPort20: 'OPEN' | 'TIMEOUT';
}

const client = (o: Partial<RulesOptions>): RulesOptions => ({ role: 'client', serverAddress: SERVER, standalone: true, allowPorts: [22], ...o });

const CASES: Case[] = [
  {
    name: 'nftables client, passive only (scenario 3: active hangs at the data connection)',
    format: 'nftables', options: client({ modes: ['passive'] }),
    expect: { EPSV: true, PASV: true, EPRT: false }, fromPort20: 'TIMEOUT',
  },
  {
    name: 'nftables client, static active from port 20: works, but anyone using source port 20 reaches the client\'s ephemeral ports',
    format: 'nftables', options: client({ modes: ['active'], activeSourcePort: 20 }),
    expect: { EPRT: true, PORT: true, EPSV: false }, fromPort20: 'OPEN',
  },
  {
    name: 'nftables client, FTP helper (scenario 4: both modes work, nothing else gets in)',
    format: 'nftables', options: client({ helper: true }),
    expect: { EPSV: true, PASV: true, EPRT: true, PORT: true }, fromPort20: 'TIMEOUT',
  },
  {
    name: 'iptables client, FTP helper (assigned in the raw OUTPUT chain)',
    format: 'iptables', options: client({ helper: true }),
    expect: { EPSV: true, EPRT: true }, fromPort20: 'TIMEOUT',
  },
];

describe('generated client-side rules with real FTP traffic', { concurrency: false }, () => {
  for (const c of CASES) {
    describe(c.name, { concurrency: false }, () => {
      let fx: FtpFixture | undefined;
      const nss: string[] = [];
      const procs: ChildProcess[] = [];
      let ready = false;
      let text = '';
      let cli = '';
      let srv = '';

      before(async () => {
        if (!env.ok || !havePeers) return;
        fx = makeFixture();
        srv = newNs('s');
        cli = newNs('c');
        nss.push(srv, cli);
        linkPair(srv, cli, SERVER, CLIENT);
        text = generateRules(c.options, c.format).text;
        if (c.format === 'nftables') must(['ip', 'netns', 'exec', cli, 'nft', '-f', '-'], text);
        else must(['ip', 'netns', 'exec', cli, 'iptables-restore'], text);
        procs.push(await startFtpServer(srv, fx, SERVER, { min: 50000, max: 50100 }, true));
        procs.push(await startDecoys(cli, fx, CLIENT, [CLIENT_SERVICE]));
        ready = true;
      });

      after(() => {
        for (const p of procs) stopChild(p);
        for (const n of nss) delNs(n);
        fx?.cleanup();
      });

      const gate = (t: { skip(m?: string): void }) =>
        requireCondition(t, env.ok, env.why) &&
        requireCondition(t, havePeers, 'curl and Debian python3 with pyftpdlib (apt-get install curl python3-pyftpdlib)') &&
        ready;

      for (const [mode, works] of Object.entries(c.expect) as [DataMode, boolean][]) {
        it(`${mode} RETR ${works ? 'transfers the file (SHA-256 verified)' : 'fails'}`, (t) => {
          if (!gate(t)) return;
          const r = fetch(cli, fx!, SERVER, mode, CLIENT, works ? 12 : 6);
          const why = `curl exit ${r.curlExit} after ${r.ms} ms: ${r.stderr.trim()}\n--- client rules ---\n${text}`;
          if (works) assert.ok(r.ok, `expected ${mode} to work; ${why}`);
          else {
            assert.equal(r.ok, false, `expected ${mode} to fail; ${why}`);
            // the seeds' symptom: the control connection works (login, PORT/EPRT accepted), the data never arrives
            if (mode === 'EPRT' || mode === 'PORT') assert.equal(r.curlExit, 28, `expected a timeout (hang), ${why}`);
          }
        });
      }

      if (c.expect.EPSV === false && (c.expect.EPRT || c.expect.PORT)) {
        it('LIST arrives in active mode', (t) => {
          if (!gate(t)) return;
          assert.ok(list(cli, SERVER, CLIENT)?.includes('f.bin'));
        });
      }

      it(`a connection from the server host with source port 20 to a client service on port ${CLIENT_SERVICE} is ${c.fromPort20 === 'OPEN' ? 'let in (the seeds\' "very dangerous" case 3)' : 'dropped'}`, (t) => {
        if (!gate(t)) return;
        assert.equal(probe(srv, fx!, CLIENT, CLIENT_SERVICE, 2, 20), c.fromPort20);
      });

      it(`from any other source port it is dropped`, (t) => {
        if (!gate(t)) return;
        assert.equal(probe(srv, fx!, CLIENT, CLIENT_SERVICE, 2, 4444), 'TIMEOUT');
      });
    });
  }
});
