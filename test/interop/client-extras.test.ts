// Interop gaps of the client: EPRT→PORT and EPSV→PASV against a real server that does not know the extended commands,
// the CLI's --active-address/--active-ports as the server sees them, `ftpgate/client` imported by package name, and the
// doctor's cause and fix for a refused passive port and for an active connection that never arrives.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Client, ModeMemory } from '../../src/client/index.js';
import { FtpServer } from '../../src/server/index.js';
import type { LogEvent } from '../../src/server/log.js';
import { startThirdPartyServer, thirdPartyAvailable, freePort } from '../helpers/third-party-servers.js';
import { repoRoot, run, describeRun } from '../helpers/peers.js';
import { requirePeer } from '../client/helpers/pyftpd.js';
import { startFakeServer } from '../client/helpers/fake-server.js';
import { tempDir, randomFile, sha256File } from '../helpers/files.js';

const MAIN = resolve(dirname(fileURLToPath(import.meta.url)), '../../src/cli/main.js');
const pySkip = requirePeer(thirdPartyAvailable('pyftpdlib'), 'pyftpdlib (python3-pyftpdlib)');
// Port ranges of this file: passive 55100-55199 (servers), active 55200-55299 (client).
const work = tempDir('fg-extras-');
const serverRoot = tempDir('fg-extras-root-');
let ftpgate: FtpServer;
let ftpgatePort: number;
const serverLog: LogEvent[] = [];

before(async () => {
  ftpgate = new FtpServer({
    listen: [{ host: '127.0.0.1', port: 0 }],
    root: serverRoot.path,
    users: [{ name: 'u', password: 'p', write: true }],
    pasvPorts: { min: 55150, max: 55169 },
    logger: (e) => { serverLog.push(e); },
  });
  await ftpgate.listen();
  ftpgatePort = ftpgate.addresses()[0].port;
});
after(async () => {
  await ftpgate?.close();
  serverRoot.cleanup();
  work.cleanup();
});

function cli(args: string[], cwd?: string) {
  return run(process.execPath, [MAIN, ...args], { cwd, timeoutMs: 60_000, env: { ...process.env, FTPGATE_CACHE_DIR: join(work.path, `cache-${Math.random()}`) } });
}

/** pyftpdlib's DEBUG lines of the protocol, without the timestamp/session prefix: `<- EPRT |1|…|`, `-> 500 …`. */
function protocolLines(log: string): string[] {
  return log.split('\n').map((l) => /\] \S+-\[[^\]]*\] ((?:<-|->) .*)$/.exec(l)?.[1]).filter((l): l is string => l !== undefined);
}

function portOf(hostPort6: string): { host: string; port: number } {
  const n = hostPort6.split(',').map(Number);
  return { host: n.slice(0, 4).join('.'), port: n[4] * 256 + n[5] };
}

test('pyftpdlib without EPRT (500 not understood): active mode uses PORT, SHA-256 both ways; the server saw EPRT refused once, then PORT', { skip: pySkip }, async () => {
  const srv = await startThirdPartyServer('pyftpdlib', { pasvPorts: { min: 55100, max: 55109 }, removeCommands: ['EPRT'], protocolLog: true });
  const clientLog: string[] = [];
  try {
    const c = await Client.connect({ host: srv.host, port: srv.port, user: srv.user, password: srv.password, mode: 'active',
      activePorts: { min: 55200, max: 55219 }, modeMemory: new ModeMemory(), log: (l) => clientLog.push(l) });
    try {
      const src = join(work.path, 'eprt-up.bin');
      const hash = await randomFile(src, 1_000_003);
      await c.putFile(src, 'eprt.bin');
      assert.deepEqual(c.lastData, { kind: 'active', command: 'PORT', fellBackFrom: undefined });
      assert.equal(await sha256File(join(srv.root, 'eprt.bin')), hash, 'server copy');
      await c.getFile('eprt.bin', join(work.path, 'eprt-back.bin'));
      assert.equal(c.lastData?.command, 'PORT');
      assert.equal(await sha256File(join(work.path, 'eprt-back.bin')), hash, 'downloaded copy');
    } finally {
      await c.close();
    }
    const lines = protocolLines(srv.log());
    const eprt = lines.findIndex((l) => l.startsWith('<- EPRT '));
    assert.ok(eprt >= 0, `server never saw EPRT:\n${lines.join('\n')}`);
    assert.equal(lines[eprt + 1], '-> 500 Command "EPRT" not understood.');
    const ports = lines.map((l, i) => [l, i] as const).filter(([l]) => l.startsWith('<- PORT '));
    assert.equal(ports.length, 2, `one PORT per transfer:\n${lines.join('\n')}`);
    assert.ok(ports[0][1] > eprt + 1, 'PORT came after the refused EPRT');
    for (const [line, i] of ports) {
      const hp = portOf(line.slice('<- PORT '.length));
      assert.equal(hp.host, '127.0.0.1');
      assert.ok(hp.port >= 55200 && hp.port <= 55219, `PORT port ${hp.port} in --active-ports`);
      assert.match(lines[i + 1], /^-> 200 /, `PORT accepted: ${lines[i + 1]}`);
    }
    assert.equal(lines.filter((l) => l.startsWith('<- EPRT ')).length, 1, 'EPRT is not tried again on the same connection');
    // The client's own trace tells the same story.
    const trace = clientLog.join('\n');
    assert.match(trace, /> EPRT \|1\|127\.0\.0\.1\|552[01]\d\|\n< 500 Command "EPRT" not understood\.\n> PORT 127,0,0,1,\d+,\d+\n< 200 /);
  } finally {
    await srv.stop();
  }
});

test('pyftpdlib without EPSV (500 not understood): passive mode uses PASV for LIST and RETR, SHA-256; the server saw EPSV refused once, then PASV', { skip: pySkip }, async () => {
  const srv = await startThirdPartyServer('pyftpdlib', { pasvPorts: { min: 55110, max: 55119 }, removeCommands: ['EPSV'], protocolLog: true });
  try {
    const hash = await randomFile(join(srv.root, 'epsv.bin'), 654_321);
    const c = await Client.connect({ host: srv.host, port: srv.port, user: srv.user, password: srv.password, mode: 'passive', modeMemory: new ModeMemory() });
    try {
      const list = await c.list('');
      assert.deepEqual(list.map((e) => [e.name, e.size]), [['epsv.bin', 654_321]]);
      assert.deepEqual(c.lastData, { kind: 'passive', command: 'PASV', fellBackFrom: undefined });
      await c.getFile('epsv.bin', join(work.path, 'epsv.bin'));
      assert.equal(c.lastData?.command, 'PASV');
      assert.equal(c.notes.pasvMismatch, false);
      assert.equal(await sha256File(join(work.path, 'epsv.bin')), hash);
    } finally {
      await c.close();
    }
    const lines = protocolLines(srv.log());
    const epsv = lines.indexOf('<- EPSV');
    assert.ok(epsv >= 0, `server never saw EPSV:\n${lines.join('\n')}`);
    assert.equal(lines[epsv + 1], '-> 500 Command "EPSV" not understood.');
    const pasv = lines.map((l, i) => [l, i] as const).filter(([l]) => l === '<- PASV');
    assert.equal(pasv.length, 2, `one PASV per transfer:\n${lines.join('\n')}`);
    assert.ok(pasv[0][1] > epsv + 1);
    for (const [, i] of pasv) assert.match(lines[i + 1], /^-> 227 Entering passive mode \(127,0,0,1,\d+,\d+\)\.$/i);
    assert.equal(lines.filter((l) => l === '<- EPSV').length, 1, 'EPSV is not tried again on the same connection');
  } finally {
    await srv.stop();
  }
});

test('cli get --mode active --active-address --active-ports: EPRT/PORT name that address and a port in the range (ftpgate server log, pyftpdlib log)', async (t) => {
  const hash = await randomFile(join(serverRoot.path, 'act.bin'), 777_777);
  const url = `ftp://u:p@127.0.0.1:${ftpgatePort}`;
  const commandsSince = (from: number) => serverLog.slice(from).filter((e) => e.event === 'command').map((e) => String(e.line));

  let from = serverLog.length;
  const ok = await cli(['get', '--mode', 'active', '--active-address', '127.0.0.1', '--active-ports', '55220-55229', `${url}/act.bin`, join(work.path, 'act.bin')]);
  assert.equal(ok.code, 0, describeRun('ftpgate get', [], ok));
  assert.match(ok.stderr, /data connection: active \(EPRT\)\n/);
  assert.equal(await sha256File(join(work.path, 'act.bin')), hash);
  const eprt = commandsSince(from).filter((l) => l.startsWith('EPRT '));
  assert.equal(eprt.length, 1, commandsSince(from).join('\n'));
  const m = /^EPRT \|1\|127\.0\.0\.1\|(\d+)\|$/.exec(eprt[0]);
  assert.ok(m, eprt[0]);
  assert.ok(Number(m[1]) >= 55220 && Number(m[1]) <= 55229, `EPRT port ${m[1]} within 55220-55229`);

  // Another address is announced as given (so the flag is not just the default): the server refuses it as a bounce.
  from = serverLog.length;
  const foreign = await cli(['get', '--mode', 'active', '--active-address', '127.0.0.2', '--active-ports', '55230-55239', `${url}/act.bin`, join(work.path, 'act2.bin')]);
  assert.equal(foreign.code, 6, describeRun('ftpgate get', [], foreign));
  const sent = commandsSince(from).filter((l) => /^(EPRT|PORT) /.test(l));
  assert.equal(sent.length, 2, `EPRT refused (504), then PORT: ${sent.join(' | ')}`);
  const e2 = /^EPRT \|1\|127\.0\.0\.2\|(\d+)\|$/.exec(sent[0]);
  assert.ok(e2 && Number(e2[1]) >= 55230 && Number(e2[1]) <= 55239, sent[0]);
  const p2 = /^PORT (.*)$/.exec(sent[1]);
  assert.ok(p2, sent[1]);
  const hp = portOf(p2[1]);
  assert.equal(hp.host, '127.0.0.2');
  assert.ok(hp.port >= 55230 && hp.port <= 55239, `PORT port ${hp.port} within 55230-55239`);
  assert.ok(serverLog.slice(from).some((e) => e.event === 'security' && e.rule === 'active-foreign-address' && e.target === '127.0.0.2'));
  assert.ok(!existsSync(join(work.path, 'act2.bin')), 'no local file when no data connection was made');

  if (pySkip) { t.diagnostic('PORT form against pyftpdlib skipped: ' + pySkip); return; }
  // The PORT form of both flags, against a real server that only knows PORT.
  const srv = await startThirdPartyServer('pyftpdlib', { pasvPorts: { min: 55120, max: 55129 }, removeCommands: ['EPRT'], protocolLog: true });
  try {
    const h3 = await randomFile(join(srv.root, 'p.bin'), 123_457);
    const r = await cli(['get', '--mode', 'active', '--active-address', '127.0.0.1', '--active-ports', '55240-55249', `${srv.url}p.bin`, join(work.path, 'p.bin')]);
    assert.equal(r.code, 0, describeRun('ftpgate get', [], r) + srv.log());
    assert.match(r.stderr, /data connection: active \(PORT\)\n/);
    assert.equal(await sha256File(join(work.path, 'p.bin')), h3);
    const lines = protocolLines(srv.log());
    const port = lines.filter((l) => l.startsWith('<- PORT '));
    assert.equal(port.length, 1, lines.join('\n'));
    const php = portOf(port[0].slice('<- PORT '.length));
    assert.equal(php.host, '127.0.0.1');
    assert.ok(php.port >= 55240 && php.port <= 55249, `PORT port ${php.port} within 55240-55249`);
  } finally {
    await srv.stop();
  }
});

test('package export: `ftpgate/client` imported by package name from the repository root lists and downloads (SHA-256)', async () => {
  const hash = await randomFile(join(serverRoot.path, 'pkg.bin'), 300_007);
  const script = `
import { Client, ModeMemory, FtpgateError, ErrorCodes } from 'ftpgate/client';
import { createHash } from 'node:crypto';
import { Writable } from 'node:stream';
const out = { resolved: import.meta.resolve('ftpgate/client'), server: import.meta.resolve('ftpgate/server'), protocol: import.meta.resolve('ftpgate/protocol') };
const c = await Client.connect(process.env.FG_URL, { modeMemory: new ModeMemory() });
try {
  out.names = (await c.list('')).map((e) => e.name).sort();
  const h = createHash('sha256');
  await c.get('pkg.bin', new Writable({ write(chunk, _e, cb) { h.update(chunk); cb(); } }));
  out.sha = h.digest('hex');
  out.kind = c.lastData.kind;
  out.missing = await c.get('no-such.bin', new Writable({ write(_c, _e, cb) { cb(); } })).then(() => 'resolved', (e) => (e instanceof FtpgateError) + ' ' + e.code + ' ' + (e.code === ErrorCodes.CLIENT_REPLY));
} finally {
  await c.close();
}
out.internal = await import('ftpgate/dist/src/client/client.js').then(() => 'imported', (e) => e.code);
console.log(JSON.stringify(out));
`;
  const r = await run(process.execPath, ['--input-type=module', '-e', script], {
    cwd: repoRoot(), timeoutMs: 30_000, env: { ...process.env, FG_URL: `ftp://u:p@127.0.0.1:${ftpgatePort}/` },
  });
  assert.equal(r.code, 0, describeRun('node -e', [], r));
  const out = JSON.parse(r.stdout.trim().split('\n').pop()!);
  const dist = (p: string) => pathToFileURL(join(repoRoot(), 'dist/src', p)).href;
  assert.equal(out.resolved, dist('client/index.js'), 'self-reference resolves through "exports" to the built client');
  assert.equal(out.server, dist('server/index.js'));
  assert.equal(out.protocol, dist('protocol/index.js'));
  assert.ok(existsSync(join(repoRoot(), 'dist/src/client/index.d.ts')), 'types next to the exported entry (TypeScript consumers)');
  assert.ok(out.names.includes('pkg.bin'), JSON.stringify(out.names));
  assert.equal(out.sha, hash);
  assert.equal(out.kind, 'passive');
  assert.equal(out.missing, 'true FTPGATE_ERR_CLIENT_REPLY true', 'errors from the package are FtpgateError with a stable code');
  assert.equal(out.internal, 'ERR_PACKAGE_PATH_NOT_EXPORTED', 'only the exported entry points are reachable');
});

test('doctor: passive port refused (RST) and active connection never arriving — rows, causes and fixes (fake server)', async () => {
  const closed = await freePort();
  const hi = Math.floor(closed / 256);
  const lo = closed % 256;
  const fake = await startFakeServer({
    // Announces a port where nothing listens: the client's connect gets a RST.
    PASV: (_a, s) => s.reply(`227 Entering Passive Mode (127,0,0,1,${hi},${lo})\r\n`),
    EPSV: (_a, s) => s.reply(`229 Entering Extended Passive Mode (|||${closed}|)\r\n`),
    // Accepts the active address but never connects (as when a client firewall drops the SYN) and never replies again.
    PORT: (_a, s) => s.reply('200 PORT ok\r\n'),
    EPRT: (_a, s) => s.reply('200 EPRT ok\r\n'),
    LIST: (_a, s) => s.reply('150 Opening data connection\r\n'),
  });
  try {
    const url = `ftp://u:p@127.0.0.1:${fake.port}/`;
    const r = await cli(['doctor', '--data-timeout', '1', '--active-ports', '55250-55259', url]);
    const text = r.stdout;
    assert.equal(r.code, 6, 'no data connection works at all\n' + describeRun('ftpgate doctor', [], r));
    assert.match(text, /^TLS:\s+not offered/m);
    const refusedRow = (cmd: string) => new RegExp(`^no\\s+passive\\s+${cmd}\\s+FAIL\\s+passive data connection \\(${cmd}\\) to 127\\.0\\.0\\.1:${closed} failed: cannot connect to 127\\.0\\.0\\.1:${closed}: connection refused$`, 'm');
    assert.match(text, refusedRow('PASV'));
    assert.match(text, refusedRow('EPSV'));
    assert.match(text, /^no\s+active\s+PORT\s+FAIL\s+the server did not connect to our active-mode port within 1000 ms \(PORT\)/m);
    assert.match(text, /^no\s+active\s+EPRT\s+FAIL\s+the server did not connect to our active-mode port within 1000 ms \(EPRT\)/m);

    const findings = text.slice(text.indexOf('Findings:'));
    const passive = /^\d\. PASV, EPSV: the passive data connection to 127\.0\.0\.1 was refused\n {3}likely cause: (.*)\n {3}fix: (.*)$/m.exec(findings);
    assert.ok(passive, findings);
    assert.match(passive[1], /nothing accepts connections on the passive port the server announced/);
    assert.match(passive[1], /firewall in front of the server rejects connections to its passive port range/);
    assert.match(passive[2], /^open the passive port range on the server firewall and configure the same range in the server/);
    assert.match(passive[2], /nft add rule inet filter input tcp dport 50000-50100 accept/);
    assert.match(passive[2], /vsftpd `pasv_min_port=50000`/);
    assert.match(passive[2], /ftpgate serve `--pasv-ports 50000-50100`/);
    assert.doesNotMatch(findings, /got no answer/, 'a refusal is not reported as silently dropped');

    const active = /^\d\. PORT, EPRT: the server never connected back to us\n {3}likely cause: (.*)\n {3}fix: (.*)$/m.exec(findings);
    assert.ok(active, findings);
    assert.match(active[1], /a firewall or NAT in front of this client drops inbound connections/);
    assert.match(active[2], /^use passive mode/);
    assert.match(active[2], /allow inbound TCP from the server to a fixed port range on this client/);
    // the fix names the range the user gave, not a made-up one
    assert.match(active[2], /nft add rule inet filter input ip saddr 127\.0\.0\.1 tcp dport 55250-55259 accept/);
    assert.match(active[2], /`--active-ports 55250-55259`/);
    assert.match(active[2], /behind NAT also forward that range and pass `--active-address PUBLIC_IP`/);
    assert.match(text, /No data connection worked in any mode/);

    // The active probes announced our range; the passive probes never sent a transfer command (the connect failed first).
    const sent = fake.received.filter((l) => /^(EPRT|PORT|PASV|EPSV|LIST)\b/.test(l));
    assert.ok(sent.some((l) => /^EPRT \|1\|127\.0\.0\.1\|5525\d\|$/.test(l)), sent.join(' | '));
    assert.ok(sent.some((l) => { const m = /^PORT (.*)$/.exec(l); return !!m && portOf(m[1]).port >= 55250 && portOf(m[1]).port <= 55259; }), sent.join(' | '));
    assert.equal(sent.filter((l) => l === 'LIST').length, 2, `LIST only after PORT and EPRT: ${sent.join(' | ')}`);

    const json = await cli(['doctor', '--json', '--data-timeout', '1', '--active-ports', '55250-55259', url]);
    const report = JSON.parse(json.stdout) as { probes: Array<{ tls: boolean; command: string; ok: boolean; failure?: string }> };
    assert.deepEqual(report.probes.map((p) => [p.tls, p.command, p.ok, p.failure]), [
      [false, 'PASV', false, 'refused'], [false, 'EPSV', false, 'refused'], [false, 'PORT', false, 'no-connection'], [false, 'EPRT', false, 'no-connection'],
    ]);
  } finally {
    await fake.close();
  }
});
