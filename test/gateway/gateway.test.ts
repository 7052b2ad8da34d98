// The FTP gateway (ALG) with real clients (curl, lftp, ftplib) and real servers behind it: every client mode against
// both upstream modes (translation), SHA-256 on every file, and each SECURITY rule of the gateway on raw sockets.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { once } from 'node:events';
import { mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { FtpServer } from '../../src/server/index.js';
import { FtpGateway, filterFeatures } from '../../src/gateway/index.js';
import { parseEpsvReply, parsePasvReply } from '../../src/protocol/host-port.js';
import type { LogEvent } from '../../src/server/log.js';
import { peer, requirePeer, run, describeRun } from '../helpers/peers.js';
import { tempDir, randomFile, sha256File, sha256, ODD_SIZES, MiB, type TempDir } from '../helpers/files.js';
import { RawFtp } from '../helpers/raw-ftp.js';
import { makeCert, startThirdPartyServer, thirdPartyAvailable, type ThirdPartyKind } from '../helpers/third-party-servers.js';

const USER = 'u';
const PASS = 'p';

let root: TempDir;
let local: TempDir;
let server: FtpServer;
let natServer: FtpServer;
const gateways: Record<string, { gw: FtpGateway; port: number; log: LogEvent[] }> = {};

async function startGateway(name: string, upstreamPort: number, opts: Partial<ConstructorParameters<typeof FtpGateway>[0]>, pasv: { min: number; max: number }) {
  const log: LogEvent[] = [];
  const gw = new FtpGateway({ listen: [{ host: '127.0.0.1', port: 0 }], upstream: { host: '127.0.0.1', port: upstreamPort }, pasvPorts: pasv, logger: (e) => log.push(e), dataTimeoutMs: 5000, ...opts });
  const [a] = await gw.listen();
  gateways[name] = { gw, port: a.port, log };
  return gateways[name];
}

before(async () => {
  root = tempDir('fg-gw-root-');
  local = tempDir('fg-gw-local-');
  const cert = makeCert(local.path);
  server = new FtpServer({
    listen: [{ host: '127.0.0.1', port: 0 }], root: root.path, users: [{ name: USER, password: PASS, write: true }],
    pasvPorts: { min: 56000, max: 56049 }, tlsCert: cert.cert, tlsKey: cert.key,
  });
  const [s] = await server.listen();
  // A server that advertises an address nobody can reach (behind NAT without a passive address).
  natServer = new FtpServer({
    listen: [{ host: '127.0.0.1', port: 0 }], root: root.path, users: [{ name: USER, password: PASS, write: true }],
    pasvPorts: { min: 56050, max: 56099 }, pasvAddress: '10.255.255.1',
  });
  const [n] = await natServer.listen();
  await startGateway('passive', s.port, { upstreamMode: 'passive' }, { min: 56100, max: 56149 });
  await startGateway('active', s.port, { upstreamMode: 'active', activePorts: { min: 56150, max: 56199 } }, { min: 56200, max: 56249 });
  await startGateway('nat', n.port, { upstreamMode: 'passive' }, { min: 56250, max: 56299 });
});

after(async () => {
  for (const g of Object.values(gateways)) await g.gw.close();
  await server?.close();
  await natServer?.close();
  root?.cleanup();
  local?.cleanup();
});

const url = (gw: string, path = '') => `ftp://${USER}:${PASS}@127.0.0.1:${gateways[gw].port}/${path}`;

const CURL_MODES: Record<string, string[]> = {
  EPSV: [],
  PASV: ['--disable-epsv'],
  EPRT: ['-P', '127.0.0.1'],
  PORT: ['-P', '127.0.0.1', '--disable-eprt'],
};

async function curl(args: string[], timeoutMs = 60_000) {
  const full = ['-sS', '-v', '--max-time', String(timeoutMs / 1000 - 5), ...args];
  const r = await run(peer('curl')!, full, { timeoutMs });
  assert.equal(r.code, 0, describeRun('curl', full, r));
  return r;
}

const dataEvents = (gw: string) => gateways[gw].log.filter((e) => e.event === 'data');

for (const upstream of ['passive', 'active'] as const) {
  for (const [mode, opts] of Object.entries(CURL_MODES)) {
    test(`gateway, client ${mode} → server ${upstream}: curl upload, download and LIST of ${[...ODD_SIZES, '8 MiB'].join(', ')} bytes, SHA-256 equal`, async (t) => {
      if (!requirePeer(t, 'curl')) return;
      for (const size of [...ODD_SIZES, 8 * MiB]) {
        const name = `gw-${upstream}-${mode}-${size}.bin`;
        const src = join(local.path, name);
        const sha = await randomFile(src, size);
        const before = dataEvents(upstream).length;
        const up = await curl([...opts, '-T', src, url(upstream, name)]);
        assert.match(up.stderr, /< 226/);
        assert.equal(await sha256File(join(root.path, name)), sha, `server copy of ${name}`);
        const back = join(local.path, name + '.back');
        await curl([...opts, '-o', back, url(upstream, name)]);
        assert.equal(await sha256File(back), sha, `download of ${name}`);
        // The gateway really translated: the client's mode on one side, the configured mode on the other.
        const ev = dataEvents(upstream).slice(before);
        assert.equal(ev.length, 2, JSON.stringify(ev));
        for (const e of ev) {
          assert.equal(e.clientMode, mode.endsWith('SV') ? 'passive' : 'active');
          assert.equal(e.upstream, upstream === 'passive' ? 'EPSV' : 'EPRT');
          assert.equal(e.ok, true);
        }
        assert.equal(ev[0].toServer, size);
        assert.equal(ev[1].toClient, size);
      }
      const list = await curl([...opts, url(upstream)]);
      assert.match(list.stdout, new RegExp(`gw-${upstream}-${mode}-1000003\\.bin`));
      const cmd = { EPSV: /> EPSV/, PASV: /> PASV/, EPRT: /> EPRT \|1\|127\.0\.0\.1\|/, PORT: /> PORT 127,0,0,1,/ }[mode]!;
      assert.match(list.stderr, cmd);
    });
  }
}

test('gateway: curl resume both ways (-C -) through the gateway', async (t) => {
  if (!requirePeer(t, 'curl')) return;
  const name = 'gw-resume.bin';
  const src = join(local.path, name);
  const sha = await randomFile(src, 3 * MiB + 17);
  await curl(['-T', src, url('passive', name)]);
  const part = join(local.path, name + '.part');
  writeFileSync(part, Buffer.alloc(0));
  // download the first MiB with a range, then resume the rest
  await curl(['-r', '0-1048575', '-o', part, url('passive', name)]);
  await curl(['-C', '-', '-P', '127.0.0.1', '-o', part, url('passive', name)]);
  assert.equal(await sha256File(part), sha);
});

test('gateway: lftp mirror -R and mirror with 3 parallel connections, passive-mode on and off', async (t) => {
  const lftp = requirePeer(t, 'lftp');
  if (!lftp) return;
  for (const passive of ['on', 'off']) {
    const tree = join(local.path, `tree-${passive}`);
    mkdirSync(join(tree, 'sub'), { recursive: true });
    const shas: Record<string, string> = {};
    for (const [i, size] of [0, 1, 65537, 2 * MiB].entries()) shas[`sub/f${i}`] = await randomFile(join(tree, 'sub', `f${i}`), size);
    shas['top.bin'] = await randomFile(join(tree, 'top.bin'), 777_777);
    const script = `set ftp:passive-mode ${passive}; set net:max-retries 1; mirror -R -P 3 ${tree} /lftp-${passive}; mirror -P 3 /lftp-${passive} ${tree}-back; quit`;
    const r = await run(lftp, ['-u', `${USER},${PASS}`, '-e', script, `127.0.0.1:${gateways.passive.port}`], { timeoutMs: 120_000 });
    assert.equal(r.code, 0, describeRun('lftp', [script], r));
    for (const [rel, sha] of Object.entries(shas)) {
      assert.equal(await sha256File(join(root.path, `lftp-${passive}`, rel)), sha, `server ${rel}`);
      assert.equal(await sha256File(join(`${tree}-back`, rel)), sha, `back ${rel}`);
    }
  }
});

test('gateway: Python ftplib active and passive, mlsd(), retrbinary(rest=)', async (t) => {
  const py = requirePeer(t, 'python3');
  if (!py) return;
  const sha = await randomFile(join(root.path, 'ftplib.bin'), 1_000_003);
  const script = `
import ftplib, hashlib, sys
port = int(sys.argv[1])
for pasv in (True, False):
    f = ftplib.FTP(); f.connect('127.0.0.1', port, timeout=20); f.login('${USER}', '${PASS}'); f.set_pasv(pasv)
    names = [n for n, facts in f.mlsd() if facts.get('type') == 'file']
    assert 'ftplib.bin' in names, names
    h = hashlib.sha256(); f.retrbinary('RETR ftplib.bin', h.update); print('full', pasv, h.hexdigest())
    parts = []; f.retrbinary('RETR ftplib.bin', parts.append, rest=1000000); print('tail', pasv, len(b''.join(parts)))
    f.quit()
`;
  const r = await run(py, ['-c', script, String(gateways.active.port)], { timeoutMs: 60_000 });
  assert.equal(r.code, 0, describeRun('python3', ['-c', '…'], r));
  for (const p of ['True', 'False']) {
    assert.match(r.stdout, new RegExp(`full ${p} ${sha}`));
    assert.match(r.stdout, new RegExp(`tail ${p} 3\\b`));
  }
});

test('gateway: a server that advertises an unreachable private address still works (the gateway connects to its control address)', async (t) => {
  if (!requirePeer(t, 'curl')) return;
  const name = 'gw-nat.bin';
  const sha = await randomFile(join(root.path, name), 100_001);
  const back = join(local.path, name);
  await curl(['--disable-epsv', '-o', back, url('nat', name)]);
  assert.equal(await sha256File(back), sha);
});

const THIRD: ThirdPartyKind[] = ['vsftpd', 'pure-ftpd', 'pyftpdlib'];
for (const kind of THIRD) {
  test(`gateway in front of ${kind}: curl passive and active, upload and download, SHA-256 equal`, async (t) => {
    if (!requirePeer(t, 'curl')) return;
    if (!thirdPartyAvailable(kind)) {
      if (process.env.CI === 'true') assert.fail(`${kind} is not installed (the test command installs it)`);
      t.skip(`${kind} not installed`);
      return;
    }
    const base = 56300 + THIRD.indexOf(kind) * 30;
    const srv = await startThirdPartyServer(kind, { pasvPorts: { min: base, max: base + 9 } });
    const g = await startGateway(`3p-${kind}`, srv.port, { upstreamMode: 'passive' }, { min: base + 10, max: base + 19 });
    const gUrl = (p: string) => `ftp://${srv.user}:${srv.password}@127.0.0.1:${g.port}/${p}`;
    try {
      for (const [mode, opts] of Object.entries(CURL_MODES)) {
        const name = `${kind}-${mode}.bin`;
        const src = join(local.path, name);
        const sha = await randomFile(src, 1 * MiB + 3);
        await curl([...opts, '-T', src, gUrl(name)]);
        assert.equal(await sha256File(join(srv.root, name)), sha, `${kind} server copy (${mode})`);
        const back = join(local.path, name + '.back');
        await curl([...opts, '-o', back, gUrl(name)]);
        assert.equal(await sha256File(back), sha, `${kind} download (${mode})`);
      }
    } finally {
      await g.gw.close();
      await srv.stop();
    }
  });
}

// ---- security ----------------------------------------------------------------------------------------------

async function login(port: number, localAddress?: string): Promise<RawFtp> {
  const c = await RawFtp.connect(port, '127.0.0.1', localAddress);
  await c.login(USER, PASS);
  return c;
}

/** A listener that records whether anybody connected. */
async function trap(host: string): Promise<{ server: Server; port: number; hits: () => number }> {
  let hits = 0;
  const server = createServer((s) => { hits++; s.destroy(); });
  server.listen(0, host);
  await once(server, 'listening');
  return { server, port: (server.address() as { port: number }).port, hits: () => hits };
}

test('gateway SECURITY: PORT/EPRT to a foreign address or a port below 1024 → 504, nothing is dialled', async () => {
  const c = await login(gateways.passive.port);
  const foreign = await trap('127.0.0.2');
  try {
    const p = foreign.port;
    let r = await c.cmd(`PORT 127,0,0,2,${p >> 8},${p & 255}`);
    assert.equal(r.code, 504, r.message);
    assert.match(r.message, /not your address/);
    r = await c.cmd(`EPRT |1|127.0.0.2|${p}|`);
    assert.equal(r.code, 504);
    r = await c.cmd('PORT 127,0,0,1,0,21');
    assert.equal(r.code, 504);
    assert.match(r.message, /below 1024/);
    r = await c.cmd('RETR nothing-set-up');
    assert.equal(r.code, 425, 'a refused PORT leaves no data connection set up');
    await new Promise((res) => setTimeout(res, 200));
    assert.equal(foreign.hits(), 0, 'the gateway never connected to the foreign address');
  } finally {
    c.close();
    foreign.server.close();
  }
});

test('gateway SECURITY: a passive connection from another address is refused; the real client still gets the file; the port closes afterwards', async () => {
  const sha = await randomFile(join(root.path, 'steal.bin'), 300_000);
  for (const verb of ['PASV', 'EPSV']) {
    const c = await login(gateways.passive.port);
    try {
      assert.equal((await c.cmd('TYPE I')).code, 200);
      const r = await c.cmd(verb);
      const port = verb === 'PASV' ? parsePasvReply(r.message).port : parseEpsvReply(r.message);
      // the thief, from 127.0.0.2, is first
      const thief = connect({ host: '127.0.0.1', port, localAddress: '127.0.0.2' });
      let stolen = 0;
      thief.on('data', (d) => { stolen += d.length; });
      thief.on('error', () => {});
      await once(thief, 'close');
      const data = connect({ host: '127.0.0.1', port });
      const chunks: Buffer[] = [];
      data.on('data', (d) => chunks.push(d));
      const closed = once(data, 'close');
      const pre = await c.cmd('RETR steal.bin');
      assert.equal(pre.code, 150);
      const fin = await c.next();
      await closed;
      assert.equal(fin?.code, 226);
      assert.equal(stolen, 0);
      assert.equal(sha256(Buffer.concat(chunks)), sha);
      assert.ok(gateways.passive.log.some((e) => e.event === 'security' && e.rule === 'passive-foreign-peer' && e.from === '127.0.0.2'));
      // exactly the negotiated connection: once used, the passive port is closed
      const late = connect({ host: '127.0.0.1', port });
      const err = await once(late, 'error').then(([e]) => e as NodeJS.ErrnoException);
      assert.equal(err.code, 'ECONNREFUSED');
    } finally {
      c.close();
    }
  }
});

test('gateway SECURITY: AUTH TLS is refused with 534 and FEAT hides AUTH/PBSZ/PROT (the gateway must read the control channel)', async () => {
  const c = await login(gateways.passive.port);
  try {
    const feat = await c.cmd('FEAT');
    assert.equal(feat.code, 211);
    assert.doesNotMatch(feat.message, /AUTH|PBSZ|PROT/);
    assert.match(feat.message, /EPRT/);
    assert.match(feat.message, /EPSV/);
    const r = await c.cmd('AUTH TLS');
    assert.equal(r.code, 534);
    assert.equal((await c.cmd('PROT P')).code, 503);
    assert.equal((await c.cmd('NOOP')).code, 200, 'the session goes on in clear text');
  } finally {
    c.close();
  }
});

test('gateway SECURITY: a 1 MiB line → 500 and disconnect; a CR inside a line → 501, never forwarded', async () => {
  const c = await login(gateways.passive.port);
  try {
    const r = await c.cmd('NOOP\rDELE x');
    assert.equal(r.code, 501);
    c.sock.write('A'.repeat(1024 * 1024));
    const r2 = await c.next();
    assert.equal(r2?.code, 500);
    assert.equal(await c.next(), null, 'the gateway closed the connection');
  } finally {
    c.close();
  }
});

test('gateway: a client data connection that cannot be made → 425 naming the address; an existing file on the server is not touched', async () => {
  const name = 'keep.bin';
  const sha = await randomFile(join(root.path, name), 200_000);
  const c = await login(gateways.passive.port);
  const closed = await trap('127.0.0.1');
  const p = closed.port;
  closed.server.close(); // nothing listens there any more
  await once(closed.server, 'close');
  try {
    assert.equal((await c.cmd(`PORT 127,0,0,1,${p >> 8},${p & 255}`)).code, 200);
    const r = await c.cmd(`STOR ${name}`);
    assert.equal(r.code, 425, r.message);
    assert.match(r.message, new RegExp(`127\\.0\\.0\\.1:${p}.*refused`));
    await new Promise((res) => setTimeout(res, 300));
    assert.equal((await c.cmd('NOOP')).code, 200, 'the session is still in step with the server');
    assert.equal(await sha256File(join(root.path, name)), sha, 'the old file is intact');
    assert.deepEqual(readdirSync(root.path).filter((f) => f.includes('keep.bin') && f !== name), [], 'no temporary left behind');
    assert.equal(statSync(join(root.path, name)).size, 200_000);
  } finally {
    c.close();
  }
});

test('gateway: no data set-up → 425; unreachable server → 421 naming it; per-address connection limit → 421', async () => {
  const c = await login(gateways.passive.port);
  assert.equal((await c.cmd('LIST')).code, 425);
  // a transfer the server refuses outright: its 550 is relayed, the gateway's listener is closed, the session goes on
  for (const setup of ['EPSV', 'PASV']) {
    const r = await c.cmd(setup);
    const port = setup === 'PASV' ? parsePasvReply(r.message).port : parseEpsvReply(r.message);
    assert.equal((await c.cmd('RETR no-such-file')).code, 550);
    const late = connect({ host: '127.0.0.1', port });
    assert.equal((await once(late, 'error').then(([e]) => e as NodeJS.ErrnoException)).code, 'ECONNREFUSED');
  }
  assert.equal((await c.cmd('NOOP')).code, 200);
  c.close();
  const dead = await trap('127.0.0.1');
  const deadPort = dead.port;
  dead.server.close();
  await once(dead.server, 'close');
  const g = await startGateway('dead', deadPort, { maxConnectionsPerIp: 2 }, { min: 56400, max: 56409 });
  const d = await RawFtp.connect(g.port);
  const r = await d.next();
  assert.equal(r?.code, 421);
  assert.match(r!.message, new RegExp(`127\\.0\\.0\\.1:${deadPort}: connection refused`));
  d.close();
  const limited = await startGateway('limited', (server.addresses()[0]).port, { maxConnectionsPerIp: 2 }, { min: 56410, max: 56419 });
  const a = await login(limited.port);
  const b = await login(limited.port);
  const third = await RawFtp.connect(limited.port);
  const r3 = await third.next();
  assert.equal(r3?.code, 421);
  assert.match(r3!.message, /limit 2/);
  for (const x of [a, b, third]) x.close();
});

test('filterFeatures: drops TLS features, adds EPRT/EPSV once, leaves other replies alone', () => {
  const r = filterFeatures({ code: 211, message: '', lines: ['211-Features:', ' AUTH TLS', ' PBSZ', ' PROT', ' EPSV', ' MLST type*;', '211 End'] });
  assert.deepEqual(r.lines, ['211-Features:', ' EPSV', ' MLST type*;', ' EPRT', '211 End']);
  const plain = { code: 500, message: 'no', lines: ['500 no'] };
  assert.equal(filterFeatures(plain), plain);
});

test('gateway: NOOP and STAT during a transfer are answered at once; ABOR stops a transfer (426 then 226); the session goes on', async () => {
  const sha = await randomFile(join(root.path, 'slow.bin'), 32 * MiB);
  const c = await login(gateways.passive.port);
  try {
    assert.equal((await c.cmd('TYPE I')).code, 200);
    let r = await c.cmd('EPSV');
    const data = connect({ host: '127.0.0.1', port: parseEpsvReply(r.message) });
    data.pause(); // a slow reader: the transfer stays in flight
    await once(data, 'connect');
    assert.equal((await c.cmd('RETR slow.bin')).code, 150);
    r = await c.cmd('NOOP');
    assert.equal(r.code, 200, `NOOP during the transfer: ${r.code} ${r.message}`);
    r = await c.cmd('STAT');
    assert.ok([211, 212, 213].includes(r.code), `STAT during the transfer: ${r.code} ${r.message}`);
    const chunks: Buffer[] = [];
    data.on('data', (d) => chunks.push(d));
    const closed = once(data, 'close');
    data.resume();
    const fin = await c.next(30_000);
    assert.equal(fin?.code, 226);
    await closed;
    assert.equal(sha256(Buffer.concat(chunks)), sha);

    // ABOR in the middle of a transfer
    r = await c.cmd('EPSV');
    const d2 = connect({ host: '127.0.0.1', port: parseEpsvReply(r.message) });
    d2.pause();
    d2.on('error', () => {});
    await once(d2, 'connect');
    assert.equal((await c.cmd('RETR slow.bin')).code, 150);
    const a1 = await c.cmd('ABOR');
    const a2 = await c.next();
    // RFC 959: 426 for the aborted transfer, then 2xx for ABOR (225 when the server had already seen the reset)
    assert.equal(a1.code, 426, a1.message);
    assert.ok(a2 && [225, 226].includes(a2.code), `${a2?.code} ${a2?.message}`);
    d2.destroy();
    assert.equal((await c.cmd('NOOP')).code, 200);
    assert.equal((await c.cmd('SIZE slow.bin')).code, 213);
  } finally {
    c.close();
  }
});

test('gateway: IPv6 clients reach an IPv4 server (EPSV and EPRT |2| over [::1], family translated); PASV over IPv6 is refused with a hint', async (t) => {
  if (!requirePeer(t, 'curl')) return;
  const log: LogEvent[] = [];
  const gw = new FtpGateway({ listen: [{ host: '::1', port: 0 }], upstream: { host: '127.0.0.1', port: server.addresses()[0].port }, pasvPorts: { min: 56420, max: 56439 }, logger: (e) => log.push(e) });
  const [a] = await gw.listen();
  try {
    const name = 'gw-v6.bin';
    const src = join(local.path, name);
    const sha = await randomFile(src, 1_000_003);
    const u6 = (p: string) => `ftp://${USER}:${PASS}@[::1]:${a.port}/${p}`;
    for (const mode of [[], ['-P', '::1']]) {
      await curl([...mode, '-T', src, u6(name)]);
      assert.equal(await sha256File(join(root.path, name)), sha);
      const back = join(local.path, name + '.v6');
      const r = await curl([...mode, '-o', back, u6(name)]);
      assert.equal(await sha256File(back), sha);
      assert.match(r.stderr, mode.length ? /> EPRT \|2\|::1\|/ : /> EPSV/);
    }
    const c = await RawFtp.connect(a.port, '::1');
    await c.login(USER, PASS);
    const r = await c.cmd('PASV');
    assert.equal(r.code, 501);
    assert.match(r.message, /use EPSV/);
    c.close();
    assert.ok(log.some((e) => e.event === 'data' && e.client === '::1' && e.upstream === 'EPSV' && e.ok === true));
  } finally {
    await gw.close();
  }
});

test('gateway: the server\'s 226 for a small file reaches a late-connecting passive client only after the data', async () => {
  const sha = await randomFile(join(root.path, 'late.bin'), 5000);
  const c = await login(gateways.passive.port);
  try {
    assert.equal((await c.cmd('TYPE I')).code, 200);
    const r = await c.cmd('EPSV');
    assert.equal((await c.cmd('RETR late.bin')).code, 150);
    let finAt = 0;
    c.sock.on('data', (d: Buffer | string) => { if (String(d).startsWith('226')) finAt = Date.now(); });
    // the server has long sent its data and 226 to the gateway; the client has not even connected
    await new Promise((res) => setTimeout(res, 500));
    assert.equal(finAt, 0, 'a 226 before the data connection would tell the client "done" for nothing');
    const data = connect({ host: '127.0.0.1', port: parseEpsvReply(r.message) });
    const chunks: Buffer[] = [];
    data.on('data', (d) => chunks.push(d));
    const closed = once(data, 'close');
    const fin = await c.next(10_000);
    assert.equal(fin?.code, 226);
    await closed;
    assert.equal(sha256(Buffer.concat(chunks)), sha);
  } finally {
    c.close();
  }
});
