// The explicit relaxations of the bounce and data-theft protections (allow_foreign_active, allow_privileged_active,
// allow_foreign_passive): refused by default, and each one, set through its YAML key, really opens exactly its own door.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { once } from 'node:events';
import { FtpServer } from '../../src/server/index.js';
import { applyRaw, type ServerConfig } from '../../src/server/config.js';
import type { LogEvent } from '../../src/server/log.js';
import { parseEpsvReply, parsePasvReply } from '../../src/protocol/host-port.js';
import { RawFtp } from '../helpers/raw-ftp.js';
import { requireCondition } from '../helpers/peers.js';
import { tempDir, randomFile, sha256, sha256File, type TempDir } from '../helpers/files.js';

const SIZE = 65537;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** `p`, or null when it has not settled within `ms` (the timer does not keep the process alive). */
const within = <T>(p: Promise<T>, ms: number) => Promise.race([p, new Promise<null>((r) => setTimeout(r, ms, null).unref())]);

/** A listener that records every connection: who connected and every byte it sent. */
interface Sink { server: Server; port: number; conns: { from: string; data: Promise<Buffer> }[]; close(): void }
async function sink(host: string, port = 0): Promise<Sink> {
  const conns: Sink['conns'] = [];
  const server = createServer((s: Socket) => {
    const parts: Buffer[] = [];
    s.on('data', (d: Buffer) => parts.push(d));
    s.on('error', () => {});
    conns.push({ from: s.remoteAddress ?? '', data: once(s, 'close').then(() => Buffer.concat(parts)) });
  });
  await new Promise<void>((res, rej) => { server.once('error', rej); server.listen({ host, port, exclusive: true }, () => res()); });
  return { server, port: (server.address() as { port: number }).port, conns, close: () => server.close() };
}

/** A listener on a port below 1024 of `host`, or undefined when this process may not bind one. */
async function privilegedSink(host: string): Promise<Sink | undefined> {
  for (let p = 1023; p > 900; p--) {
    try { return await sink(host, p); } catch { /* in use or not permitted */ }
  }
  return undefined;
}

/** A passive data connection, optionally from another local source address; `done` has every byte received. */
function dataFrom(port: number, localAddress?: string): { sock: Socket; done: Promise<Buffer> } {
  const sock = connect({ port, host: '127.0.0.1', localAddress });
  const parts: Buffer[] = [];
  sock.on('data', (d: Buffer) => parts.push(d));
  sock.on('error', () => {});
  return { sock, done: once(sock, 'close').then(() => Buffer.concat(parts)) };
}

const portCmd = (host: string, port: number) => `PORT ${host.split('.').join(',')},${port >> 8},${port & 255}`;
const eprtCmd = (host: string, port: number) => `EPRT |1|${host}|${port}|`;

let dir: TempDir;
let sha = '';
const logs: Record<string, LogEvent[]> = {};
const servers: Record<string, { server: FtpServer; port: number }> = {};

/** A server configured through the YAML keys (as a config file would), logging into logs[name]. */
async function start(name: string, yamlKeys: Record<string, unknown>, pasv: string, dataTimeout: number): Promise<void> {
  const cfg: Partial<ServerConfig> = {};
  applyRaw(cfg, { listen: '127.0.0.1:0', root: dir.path, user: 'u:p', pasv_ports: pasv, data_timeout: dataTimeout, ...yamlKeys }, 'yaml');
  logs[name] = [];
  const server = new FtpServer({ ...cfg, root: dir.path, logger: (e) => logs[name].push(e) });
  const [{ port }] = await server.listen();
  servers[name] = { server, port };
}

async function session(name: string): Promise<RawFtp> {
  const c = await RawFtp.connect(servers[name].port);
  await c.login();
  assert.equal((await c.cmd('TYPE I')).code, 200);
  return c;
}

/** Send a PORT/EPRT the server must accept, RETR the test file, and return what `target` received. */
async function activeRetr(c: RawFtp, cmd: string, target: Sink): Promise<{ from: string; data: Buffer }> {
  const before = target.conns.length;
  const r = await c.cmd(cmd);
  assert.equal(r.code, 200, `${cmd} -> ${r.code} ${r.message}`);
  const pre = await c.cmd('RETR data.bin');
  assert.equal(pre.code, 150, `RETR after ${cmd} -> ${pre.code} ${pre.message}`);
  const fin = await c.next(15_000);
  assert.equal(fin?.code, 226, `RETR after ${cmd} ended ${fin?.code} ${fin?.message}`);
  assert.equal(target.conns.length, before + 1, `no connection reached the ${cmd} target`);
  const conn = target.conns[before];
  return { from: conn.from, data: await conn.data };
}

/** Send a PORT/EPRT the server must refuse: 504, and the next transfer has no data connection (425). */
async function refusedActive(c: RawFtp, cmd: string): Promise<void> {
  const r = await c.cmd(cmd);
  assert.deepEqual([r.code, /FTP bounce protection/.test(r.message)], [504, true], `${cmd} -> ${r.code} ${r.message}`);
  assert.equal((await c.cmd('RETR data.bin')).code, 425, `RETR after refused ${cmd}`);
}

before(async () => {
  dir = tempDir('fg-relax-');
  sha = await randomFile(join(dir.path, 'data.bin'), SIZE);
  await start('default', {}, '55100-55124', 1);
  await start('foreignActive', { allow_foreign_active: true }, '55125-55149', 5);
  await start('privilegedActive', { allow_privileged_active: 'yes' }, '55150-55174', 5);
  await start('foreignPassive', { allow_foreign_passive: true }, '55175-55199', 5);
});

after(async () => {
  for (const { server } of Object.values(servers)) await server.close(100);
  dir?.cleanup();
});

test('defaults: PORT/EPRT to 127.0.0.2 or to a port < 1024 get 504 and nothing connects; a passive connection from 127.0.0.2 is dropped and RETR gets 425', async () => {
  assert.deepEqual([servers.default.server.config.allowForeignActive, servers.default.server.config.allowPrivilegedActive, servers.default.server.config.allowForeignPassive], [false, false, false]);
  const foreign = await sink('127.0.0.2');
  const low = await privilegedSink('127.0.0.1');
  const lowPort = low?.port ?? 1000;
  const c = await session('default');
  try {
    for (const cmd of [portCmd('127.0.0.2', foreign.port), eprtCmd('127.0.0.2', foreign.port), portCmd('127.0.0.1', lowPort), eprtCmd('127.0.0.1', lowPort)]) {
      await refusedActive(c, cmd);
    }
    // passive: only 127.0.0.2 connects
    const p = await c.cmd('PASV');
    assert.equal(p.code, 227);
    const thief = dataFrom(parsePasvReply(p.message).port, '127.0.0.2');
    const stolen = await within(thief.done, 5000);
    assert.ok(stolen !== null, 'the connection from 127.0.0.2 was left open');
    assert.equal(stolen.length, 0);
    const t0 = Date.now();
    const r = await c.cmd('RETR data.bin', 10_000);
    assert.equal(r.code, 425, `RETR with only a foreign passive connection -> ${r.code} ${r.message}`);
    assert.ok(Date.now() - t0 >= 900, 'the 425 came before data_timeout (1 s)');
    assert.ok(logs.default.some((e) => e.event === 'security' && e.rule === 'passive-foreign-peer' && e.from === '127.0.0.2'), 'no security log event for the foreign passive peer');
    assert.equal((await c.cmd('NOOP')).code, 200);
    await sleep(300);
    assert.equal(foreign.conns.length, 0, 'the server connected to 127.0.0.2');
    assert.equal(low?.conns.length ?? 0, 0, `the server connected to privileged port ${lowPort}`);
  } finally {
    c.close();
    foreign.close();
    low?.close();
  }
});

test('allow_foreign_active: PORT and EPRT to 127.0.0.2 get 200 and the file arrives there; ports < 1024 stay refused', async () => {
  assert.equal(servers.foreignActive.server.config.allowForeignActive, true);
  const foreign = await sink('127.0.0.2');
  const c = await session('foreignActive');
  try {
    for (const cmd of [portCmd('127.0.0.2', foreign.port), eprtCmd('127.0.0.2', foreign.port)]) {
      const got = await activeRetr(c, cmd, foreign);
      assert.equal(got.from, '127.0.0.1', 'the data connection did not come from the server');
      assert.equal(got.data.length, SIZE);
      assert.equal(sha256(got.data), sha, `${cmd}: wrong data`);
    }
    await refusedActive(c, portCmd('127.0.0.2', 1000));
    await refusedActive(c, eprtCmd('127.0.0.1', 1000));
    assert.ok(!logs.foreignActive.some((e) => e.rule === 'active-foreign-address'), 'foreign address logged as refused although allowed');
  } finally {
    c.close();
    foreign.close();
  }
});

test('allow_privileged_active: PORT and EPRT to a port < 1024 of the client get 200 and the server connects there; foreign addresses stay refused', async (t) => {
  assert.equal(servers.privilegedActive.server.config.allowPrivilegedActive, true);
  const low = await privilegedSink('127.0.0.1');
  if (!requireCondition(t, low !== undefined, 'binding a port below 1024 on 127.0.0.1 (needs root or CAP_NET_BIND_SERVICE)')) return;
  const foreign = await sink('127.0.0.2');
  const c = await session('privilegedActive');
  try {
    for (const cmd of [portCmd('127.0.0.1', low!.port), eprtCmd('127.0.0.1', low!.port)]) {
      const got = await activeRetr(c, cmd, low!);
      assert.equal(sha256(got.data), sha, `${cmd}: wrong data`);
    }
    await refusedActive(c, portCmd('127.0.0.2', foreign.port));
    await refusedActive(c, eprtCmd('127.0.0.2', foreign.port));
    await sleep(300);
    assert.equal(foreign.conns.length, 0, 'the server connected to 127.0.0.2');
  } finally {
    c.close();
    low!.close();
    foreign.close();
  }
});

test('allow_foreign_passive: PASV and EPSV data connections from 127.0.0.2 carry RETR and STOR; foreign PORT stays refused', async () => {
  assert.equal(servers.foreignPassive.server.config.allowForeignPassive, true);
  const c = await session('foreignPassive');
  try {
    for (const verb of ['PASV', 'EPSV'] as const) {
      const r = await c.cmd(verb);
      assert.equal(r.code, verb === 'PASV' ? 227 : 229);
      const dport = verb === 'PASV' ? parsePasvReply(r.message).port : parseEpsvReply(r.message);
      const d = dataFrom(dport, '127.0.0.2');
      await once(d.sock, 'connect');
      assert.equal(d.sock.localAddress, '127.0.0.2');
      assert.equal((await c.cmd('RETR data.bin')).code, 150);
      assert.equal((await c.next(15_000))?.code, 226);
      const got = await d.done;
      assert.equal(got.length, SIZE);
      assert.equal(sha256(got), sha, `${verb} from 127.0.0.2: wrong data`);
    }
    // upload from the foreign address too
    const payload = Buffer.from('uploaded from 127.0.0.2\n'.repeat(1000));
    const e = await c.cmd('EPSV');
    const up = dataFrom(parseEpsvReply(e.message), '127.0.0.2');
    await once(up.sock, 'connect');
    assert.equal((await c.cmd('STOR from-foreign.txt')).code, 150);
    up.sock.end(payload);
    assert.equal((await c.next(15_000))?.code, 226);
    assert.equal(await sha256File(join(dir.path, 'from-foreign.txt')), sha256(payload));
    assert.ok(!logs.foreignPassive.some((ev) => ev.rule === 'passive-foreign-peer'), 'foreign passive peer logged as refused although allowed');
    await refusedActive(c, portCmd('127.0.0.2', 40000));
  } finally {
    c.close();
  }
});
