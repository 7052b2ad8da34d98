// `ftpgate rules` as a command: rules on stdout, warnings on stderr, --config, exit code 2 with a message naming the option.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot, requireCondition, run } from '../helpers/peers.js';
import { canUseNetns, delNs, inNs, must, newNs, startIn, stopChild } from './ns.js';

const env = canUseNetns();

const MAIN = join(repoRoot(), 'dist', 'src', 'cli', 'main.js');
const rules = (args: string[]) => run(process.execPath, [MAIN, 'rules', ...args], { timeoutMs: 30_000 });

describe('ftpgate rules (command line)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fgr-cli-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('prints nftables rules on stdout and the pitfalls on stderr only', async () => {
    const r = await rules(['--role', 'server', '--modes', 'passive', '--pasv-ports', '50000-50100', '--max-connections', '200', '--ephemeral-range', '32768-60999']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^#!\/usr\/sbin\/nft -f/);
    assert.match(r.stdout, /add rule inet filter input tcp sport 1024-65535 tcp dport 50000-50100 ct state new,established accept comment "ch3\/4 data out \(passive\)/);
    assert.ok(!r.stdout.includes('warning:'));
    assert.match(r.stderr, /^warning: passive range 50000-50100 has 101 ports for up to 200 connections/m);
    assert.match(r.stderr, /^warning: passive range 50000-50100 overlaps the ephemeral port range 32768-60999/m);
  });

  it('--config derives control port, passive range, active source port and the connection limit from the server YAML', async () => {
    const cfg = join(dir, 'server.yaml');
    writeFileSync(cfg, 'listen: ["0.0.0.0:2121"]\npasv_ports: "30000-30049"\nactive_source_port: 20\nmax_connections: 100\nroot: /srv/ftp\n');
    const r = await rules(['--config', cfg, '--format', 'iptables', '--standalone']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /--dport 2121 .*ch1\/4 control: client -> server:2121/);
    assert.match(r.stdout, /--dport 30000:30049 /);
    assert.match(r.stdout, /--sport 20 --dport 1024:65535 -m conntrack --ctstate NEW,ESTABLISHED/);
    assert.match(r.stderr, /50 ports for up to 100 connections/);
  });

  it('--listening-ports: a service inside the passive range is reported', async () => {
    const r = await rules(['--pasv-ports', '30000-30999', '--listening-ports', '22,30306']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /port 30306 inside the passive range 30000-30999/);
  });

  it('--listening-ports auto reads `ss -ltn` of the host it runs on (here: a namespace with a service inside the range)', async (t) => {
    if (!requireCondition(t, env.ok, env.why)) return;
    const ns = newNs('l');
    try {
      must(['ip', '-n', ns, 'link', 'set', 'lo', 'up']);
      const listener = await startIn(ns, ['/usr/bin/python3', '-c', 'import socket,time; s=socket.socket(); s.bind(("127.0.0.1", 30306)); s.listen(); print("READY", flush=True); time.sleep(60)'], 'READY');
      try {
        const r = inNs(ns, [process.execPath, MAIN, 'rules', '--pasv-ports', '30000-30999', '--listening-ports', 'auto']);
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stderr, /port 30306 inside the passive range 30000-30999/);
      } finally {
        stopChild(listener);
      }
    } finally {
      delNs(ns);
    }
  });

  const bad: [string[], RegExp][] = [
    [['--pasv-ports', '60000-50000'], /^ftpgate rules: --pasv-ports: "60000-50000" must satisfy 1 <= MIN <= MAX <= 65535/],
    [['--role', 'firewall'], /--role: "firewall" is not a role; use server, client or router/],
    [['--format', 'ufw'], /--format: "ufw" is not a format; use one of nftables, iptables, pf, cisco, h3c, windows/],
    [['--modes', 'active,sideways'], /--modes: "sideways" is not a mode/],
    [['--active-source-port', '21'], /--active-source-port: "21" must be 20 or ephemeral/],
    [['--role', 'router'], /--role router: needs --server-address .* and\/or --client-net/],
    [['--config', '/nonexistent/ftpgate.yaml'], /--config: cannot read \/nonexistent\/ftpgate.yaml: ENOENT/],
    [['--no-such-flag'], /unknown option '--no-such-flag'/],
  ];
  for (const [args, re] of bad) {
    it(`exit code 2 and a message naming the option for: ${args.join(' ')}`, async () => {
      const r = await rules(args);
      assert.equal(r.code, 2, `stdout: ${r.stdout}\nstderr: ${r.stderr}`);
      assert.match(r.stderr, re);
      assert.equal(r.stdout, '');
    });
  }
});
