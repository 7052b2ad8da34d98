// Proves generated router rules (forward chain, DNAT of the control port, FTP helper with NAT) with real traffic through a third namespace.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { generateRules, type RulesOptions } from '../../src/firewall/index.js';
import { peer, pythonHas, requireCondition } from '../helpers/peers.js';
import { canUseNetns, delNs, must, newNs, stopChild, veth } from './ns.js';
import { fetch, intruderRace, makeFixture, probe, startDecoys, startFtpServer, type DataMode, type FtpFixture } from './ftp-peers.js';

const CLIENT = '10.99.0.2';
const PUBLIC = '10.99.0.1'; // the router's outside address
const INSIDE_GW = '10.99.1.1';
const SERVER = '10.99.1.2'; // private, behind DNAT
const OPENED = { min: 50000, max: 50100 };
const SERVER_PASV = { min: 50000, max: 50099 };

const env = canUseNetns();
const havePeers = !!peer('curl') && pythonHas('pyftpdlib');

interface Case {
  name: string;
  options: RulesOptions;
  format: 'nftables' | 'iptables';
  /** address the server advertises in PASV replies (undefined = its private address) */
  masquerade?: string;
  expect: Partial<Record<DataMode, boolean>>;
  decoyInside: 'OPEN' | 'TIMEOUT';
  /** the client has no route to the private network (a real outside client; active modes are then not tried) */
  noPrivateRoute?: boolean;
  /** no NAT: the client connects to the server's own address through the router */
  direct?: boolean;
  /** what an intruder (another address on the client's side) sees on a passive port announced to the client */
  intruder?: 'TIMEOUT';
}

const router = (o: Partial<RulesOptions>): RulesOptions => ({
  role: 'router', nat: true, serverAddress: SERVER, ifaceIn: 'rin', ifaceOut: 'rout', pasvPorts: OPENED, standalone: true, allowPorts: [22], ...o,
});

const CASES: Case[] = [
  {
    name: 'nftables router, static: DNAT of 21 and the passive range, server advertises the public address',
    format: 'nftables', options: router({}), masquerade: PUBLIC,
    expect: { EPSV: true, PASV: true, EPRT: true, PORT: true }, decoyInside: 'OPEN',
  },
  {
    name: 'nftables router, static, but the server advertises its private address: PASV fails, EPSV works (scenario 6a)',
    format: 'nftables', options: router({ modes: ['passive'] }), noPrivateRoute: true,
    expect: { PASV: false, EPSV: true }, decoyInside: 'OPEN',
  },
  {
    name: 'nftables router, FTP helper with NAT: only port 21 forwarded, the kernel rewrites the private PASV address',
    format: 'nftables', options: router({ helper: true }),
    expect: { EPSV: true, PASV: true, EPRT: true, PORT: true }, decoyInside: 'TIMEOUT',
  },
  {
    name: 'nftables router without NAT, only port 21 open plus the FTP helper (scenario 5)',
    format: 'nftables', options: router({ nat: false, helper: true }), direct: true,
    expect: { EPSV: true, PASV: true, EPRT: true, PORT: true }, decoyInside: 'TIMEOUT', intruder: 'TIMEOUT',
  },
  {
    name: 'iptables router, FTP helper with NAT, client without a route to the private network: the PASV address must be rewritten',
    format: 'iptables', options: router({ helper: true, modes: ['passive'] }), noPrivateRoute: true,
    expect: { PASV: true, EPSV: true }, decoyInside: 'TIMEOUT',
  },
];

describe('generated router rules with real FTP traffic (client | router | server behind DNAT)', { concurrency: false }, () => {
  for (const c of CASES) {
    describe(c.name, { concurrency: false }, () => {
      let fx: FtpFixture | undefined;
      const nss: string[] = [];
      const procs: ChildProcess[] = [];
      let ready = false;
      let text = '';
      let cli = '';

      before(async () => {
        if (!env.ok || !havePeers) return;
        fx = makeFixture();
        cli = newNs('c');
        const rtr = newNs('r');
        const srv = newNs('s');
        nss.push(cli, rtr, srv);
        veth(cli, 'cout', CLIENT, rtr, 'rout', PUBLIC);
        must(['ip', '-n', cli, 'addr', 'add', '10.99.0.3/24', 'dev', 'cout']); // the intruder's address
        veth(rtr, 'rin', INSIDE_GW, srv, 'sin', SERVER);
        must(['ip', '-n', srv, 'route', 'add', 'default', 'via', INSIDE_GW]);
        // the server's active connections come from its private address (no SNAT): the client routes replies back
        if (!c.noPrivateRoute) must(['ip', '-n', cli, 'route', 'add', '10.99.1.0/24', 'via', PUBLIC]);
        must(['ip', 'netns', 'exec', rtr, 'sysctl', '-qw', 'net.ipv4.ip_forward=1']);
        text = generateRules(c.options, c.format).text;
        if (c.format === 'nftables') must(['ip', 'netns', 'exec', rtr, 'nft', '-f', '-'], text);
        else must(['ip', 'netns', 'exec', rtr, 'iptables-restore'], text);
        procs.push(await startFtpServer(srv, fx, SERVER, SERVER_PASV, true, c.masquerade));
        procs.push(await startDecoys(srv, fx, SERVER, [40000, 50100]));
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
        it(`${mode} RETR via the ${c.direct ? 'router' : 'public address'} ${works ? 'transfers the file (SHA-256 verified)' : 'fails'}`, (t) => {
          if (!gate(t)) return;
          // curl ignores the PASV address by default (--ftp-skip-pasv-ip); trust it like classic clients do
          const r = fetch(cli, fx!, c.direct ? SERVER : PUBLIC, mode, CLIENT, works ? 12 : 6, ['--no-ftp-skip-pasv-ip']);
          const why = `curl exit ${r.curlExit} after ${r.ms} ms: ${r.stderr.trim()}\n--- router rules ---\n${text}`;
          if (works) assert.ok(r.ok, `expected ${mode} to work; ${why}`);
          else assert.equal(r.ok, false, `expected ${mode} to fail; ${why}`);
        });
      }

      it('a decoy on the server outside the forwarded ports is unreachable from outside', (t) => {
        if (!gate(t)) return;
        assert.equal(probe(cli, fx!, c.direct ? SERVER : PUBLIC, 40000), 'TIMEOUT');
      });

      if (c.intruder) {
        it('an intruder trying the passive port announced to the client is dropped, and the client\'s transfer still completes', (t) => {
          if (!gate(t)) return;
          const r = intruderRace(cli, fx!, c.direct ? SERVER : PUBLIC, '10.99.0.3');
          assert.equal(r.intruder, c.intruder, r.raw);
          assert.ok(r.transferOk, r.raw);
        });
      }

      it(`a listener on port 50100 of the server (inside the passive range, never announced) is ${c.decoyInside === 'OPEN' ? 'reachable (static DNAT of the range)' : 'unreachable (helper: only announced ports)'}`, (t) => {
        if (!gate(t)) return;
        assert.equal(probe(cli, fx!, c.direct ? SERVER : PUBLIC, 50100), c.decoyInside);
      });
    });
  }
});

// Scenario 7: clients behind many-to-one NAT (masquerade). Without the helper the client's PORT names its private address
// and the server refuses it; with the helper the kernel rewrites PORT/EPRT and expects the server's connection.
const LAN_CLIENT = '10.99.2.2';
const LAN_GW = '10.99.2.1';
const WAN_ROUTER = '10.99.0.1';
const WAN_SERVER = '10.99.0.2';

const MASQ_CASES: { name: string; format: 'nftables' | 'iptables'; helper: boolean; expect: Partial<Record<DataMode, boolean>> }[] = [
  { name: 'nftables router, masquerade without helper: passive works, active fails (foreign PORT address refused)', format: 'nftables', helper: false, expect: { EPSV: true, PASV: true, EPRT: false, PORT: false } },
  { name: 'nftables router, masquerade with the FTP helper: active works too', format: 'nftables', helper: true, expect: { EPSV: true, PASV: true, EPRT: true, PORT: true } },
  { name: 'iptables router, masquerade with the FTP helper', format: 'iptables', helper: true, expect: { PASV: true, PORT: true } },
];

describe('generated router rules for clients behind masquerade (client | router | server)', { concurrency: false }, () => {
  for (const c of MASQ_CASES) {
    describe(c.name, { concurrency: false }, () => {
      let fx: FtpFixture | undefined;
      const nss: string[] = [];
      const procs: ChildProcess[] = [];
      let ready = false;
      let text = '';
      let cli = '';

      before(async () => {
        if (!env.ok || !havePeers) return;
        fx = makeFixture();
        cli = newNs('c');
        const rtr = newNs('r');
        const srv = newNs('s');
        nss.push(cli, rtr, srv);
        veth(cli, 'cin', LAN_CLIENT, rtr, 'rin', LAN_GW);
        veth(rtr, 'rout', WAN_ROUTER, srv, 'sout', WAN_SERVER);
        must(['ip', '-n', cli, 'route', 'add', 'default', 'via', LAN_GW]);
        must(['ip', 'netns', 'exec', rtr, 'sysctl', '-qw', 'net.ipv4.ip_forward=1']);
        text = generateRules({ role: 'router', nat: true, helper: c.helper, clientNet: '10.99.2.0/24', ifaceIn: 'rin', ifaceOut: 'rout', standalone: true }, c.format).text;
        if (c.format === 'nftables') must(['ip', 'netns', 'exec', rtr, 'nft', '-f', '-'], text);
        else must(['ip', 'netns', 'exec', rtr, 'iptables-restore'], text);
        procs.push(await startFtpServer(srv, fx, WAN_SERVER, SERVER_PASV, true));
        ready = true;
      });

      after(() => {
        for (const p of procs) stopChild(p);
        for (const n of nss) delNs(n);
        fx?.cleanup();
      });

      for (const [mode, works] of Object.entries(c.expect) as [DataMode, boolean][]) {
        it(`${mode} RETR from behind the NAT ${works ? 'transfers the file (SHA-256 verified)' : 'fails'}`, (t) => {
          if (!(requireCondition(t, env.ok, env.why) && requireCondition(t, havePeers, 'curl and python3-pyftpdlib') && ready)) return;
          const r = fetch(cli, fx!, WAN_SERVER, mode, LAN_CLIENT, works ? 12 : 6);
          const why = `curl exit ${r.curlExit} after ${r.ms} ms: ${r.stderr.trim()}\n--- router rules ---\n${text}`;
          if (works) assert.ok(r.ok, `expected ${mode} to work; ${why}`);
          else assert.equal(r.ok, false, `expected ${mode} to fail; ${why}`);
        });
      }
    });
  }
});
