// Security over raw sockets: bounce (PORT/EPRT foreign or <1024), passive theft from another address, root escape (.. and symlinks), long lines, pre-login commands.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { FtpServer } from '../../src/server/index.js';
import { parseReplies, type ParsedReply } from '../../src/protocol/reply.js';
import { parseEpsvReply, parsePasvReply } from '../../src/protocol/host-port.js';
import { repoRoot } from '../helpers/peers.js';
import { tempDir, randomFile, sha256, MiB, type TempDir } from '../helpers/files.js';

const PASV = { min: 52300, max: 52349 };
const CLI_PASV = { min: 52350, max: 52399 };
const USER = 'sec';
const PASS = 'sec-pw';

/** Minimal FTP control client over a raw socket: send lines, read parsed replies, see when the server closes. */
class RawFtp {
  private buf = '';
  private replies: ParsedReply[] = [];
  private waiters: ((r: ParsedReply | null) => void)[] = [];
  closed = false;
  readonly closedP: Promise<void>;
  private constructor(readonly sock: Socket) {
    sock.setEncoding('latin1');
    sock.on('data', (d: string) => {
      this.buf += d;
      const { messages, rest } = parseReplies(this.buf);
      this.buf = rest;
      for (const m of messages) {
        const w = this.waiters.shift();
        if (w) w(m);
        else this.replies.push(m);
      }
    });
    sock.on('error', () => {});
    this.closedP = new Promise((res) => sock.once('close', () => {
      this.closed = true;
      for (const w of this.waiters.splice(0)) w(null);
      res();
    }));
  }

  static async open(port: number, host = '127.0.0.1', localAddress?: string): Promise<RawFtp> {
    const s = connect({ port, host, localAddress });
    await once(s, 'connect');
    const c = new RawFtp(s);
    const greet = await c.read();
    assert.equal(greet?.code, 220, 'greeting');
    return c;
  }

  /** Next reply, or null when the connection closed first. Rejects after timeoutMs. */
  read(timeoutMs = 10_000): Promise<ParsedReply | null> {
    const r = this.replies.shift();
    if (r) return Promise.resolve(r);
    if (this.closed) return Promise.resolve(null);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('no reply within ' + timeoutMs + ' ms')), timeoutMs);
      this.waiters.push((x) => { clearTimeout(t); resolve(x); });
    });
  }

  send(line: string): void {
    this.sock.write(line + '\r\n', 'latin1');
  }

  async cmd(line: string): Promise<ParsedReply> {
    this.send(line);
    const r = await this.read();
    if (!r) throw new Error(`connection closed after ${line}`);
    return r;
  }

  async login(user = USER, pass = PASS): Promise<void> {
    assert.equal((await this.cmd(`USER ${user}`)).code, 331);
    assert.equal((await this.cmd(`PASS ${pass}`)).code, 230);
  }

  close(): void {
    this.sock.destroy();
  }
}

/** A TCP listener that records every connection attempt (to prove NO connection arrives). */
async function trap(host: string, port = 0): Promise<{ server: Server; port: number; hits: string[] }> {
  const hits: string[] = [];
  const server = createServer((s) => { hits.push(`${s.remoteAddress}:${s.remotePort}`); s.destroy(); });
  await new Promise<void>((res, rej) => { server.once('error', rej); server.listen(port, host, () => res()); });
  return { server, port: (server.address() as { port: number }).port, hits };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Open a passive data connection; `done` resolves with everything received once it closes. */
function openData(port: number, host = '127.0.0.1', localAddress?: string): { sock: Socket; done: Promise<Buffer> } {
  const sock = connect({ port, host, localAddress });
  const chunks: Buffer[] = [];
  sock.on('data', (c: Buffer) => chunks.push(c));
  sock.on('error', () => {});
  return { sock, done: once(sock, 'close').then(() => Buffer.concat(chunks)) };
}

let base: TempDir;
let root: string;
let server: FtpServer;
let port = 0;
const secret = 'TOP SECRET outside the root\n';

before(async () => {
  base = tempDir('fg-srv-sec-');
  root = join(base.path, 'root');
  mkdirSync(join(root, 'sub/deeper'), { recursive: true });
  mkdirSync(join(base.path, 'outside'));
  writeFileSync(join(base.path, 'outside', 'secret.txt'), secret);
  writeFileSync(join(base.path, 'secret.txt'), secret);
  writeFileSync(join(root, 'public.txt'), 'public\n');
  // SECURITY: symlinks inside the root pointing outside it.
  symlinkSync(join(base.path, 'outside'), join(root, 'link-out'));
  symlinkSync(join(base.path, 'secret.txt'), join(root, 'file-link'));
  symlinkSync('../secret.txt', join(root, 'sub', 'rel-link'));
  server = new FtpServer({
    listen: [{ host: '127.0.0.1', port: 0 }],
    root,
    users: [{ name: USER, password: PASS, write: true }],
    pasvPorts: PASV,
    dataTimeout: 5,
  });
  await server.listen();
  port = server.addresses()[0].port;
});

after(async () => {
  await server?.close();
  base?.cleanup();
});

test('commands before login get 530 (and no data connection is set up)', async () => {
  const c = await RawFtp.open(port);
  try {
    const cmds = ['PWD', 'CWD /', 'CDUP', 'LIST', 'NLST', 'MLSD', 'MLST public.txt', 'RETR public.txt', 'STOR x.txt', 'APPE x.txt',
      'DELE public.txt', 'MKD newdir', 'RMD sub', 'RNFR public.txt', 'SIZE public.txt', 'MDTM public.txt', 'PASV', 'EPSV',
      'PORT 127,0,0,1,200,10', 'EPRT |1|127.0.0.1|51210|', 'REST 10', 'SITE CHMOD 777 public.txt'];
    for (const cmd of cmds) {
      const r = await c.cmd(cmd);
      assert.equal(r.code, 530, `${cmd} before USER -> ${r.code} ${r.message}`);
    }
    // STAT may report the server status before login (as pyftpdlib does), but never list a directory.
    const st = await c.cmd('STAT /');
    assert.ok(st.code === 530 || !st.message.includes('public.txt'), `STAT / before login listed the root: ${st.message}`);
    // After USER but before PASS: still not logged in.
    assert.equal((await c.cmd(`USER ${USER}`)).code, 331);
    for (const cmd of ['PWD', 'LIST', 'RETR public.txt', 'EPSV', 'STOR y.txt']) {
      const r = await c.cmd(cmd);
      assert.equal(r.code, 530, `${cmd} after USER without PASS -> ${r.code} ${r.message}`);
    }
    // A wrong password does not log in either.
    assert.equal((await c.cmd('PASS wrong')).code, 530);
    assert.equal((await c.cmd('PWD')).code, 530);
    assert.ok(!existsSync(join(root, 'x.txt')) && !existsSync(join(root, 'y.txt')) && !existsSync(join(root, 'newdir')));
    assert.ok(existsSync(join(root, 'public.txt')));
  } finally {
    c.close();
  }
});

test('PORT/EPRT to a foreign address -> 5xx and no connection attempt arrives there', async () => {
  // 127.0.0.2 is a different address than the control peer 127.0.0.1 (both on loopback).
  const t4 = await trap('127.0.0.2');
  const t6 = await trap('::1');
  const c = await RawFtp.open(port);
  try {
    await c.login();
    const p = t4.port;
    const attempts = [
      `PORT 127,0,0,2,${p >> 8},${p & 255}`,
      `EPRT |1|127.0.0.2|${p}|`,
      `EPRT |2|::1|${t6.port}|`,
      `PORT 10,255,255,1,${p >> 8},${p & 255}`,
    ];
    for (const cmd of attempts) {
      const r = await c.cmd(cmd);
      assert.ok(r.code >= 500 && r.code < 600, `${cmd} -> ${r.code} ${r.message} (expected 5xx)`);
      // The contract: 504 for a foreign IPv4 target (an IPv6 target from an IPv4 client may get 522).
      if (!cmd.startsWith('EPRT |2|')) assert.equal(r.code, 504, `${cmd} -> ${r.code} ${r.message}`);
      // A transfer must not use the refused address.
      const x = await c.cmd('LIST');
      assert.ok(x.code >= 400, `LIST after refused ${cmd} -> ${x.code} ${x.message}`);
      if (x.code === 150 || x.code === 125) await c.read();
    }
    await sleep(1000);
    assert.deepEqual(t4.hits, [], 'the server connected to the foreign address 127.0.0.2');
    assert.deepEqual(t6.hits, [], 'the server connected to the foreign address ::1');
    // The session is still usable: a legitimate active transfer to the real client address works.
    const ok = await trap('127.0.0.1');
    ok.server.removeAllListeners('connection');
    const got: Buffer[] = [];
    const dataDone = new Promise<void>((res) => ok.server.once('connection', (s: Socket) => {
      s.on('data', (d: Buffer) => got.push(d));
      s.on('close', () => res());
    }));
    assert.equal((await c.cmd('TYPE I')).code, 200);
    assert.equal((await c.cmd(`EPRT |1|127.0.0.1|${ok.port}|`)).code, 200);
    assert.ok([125, 150].includes((await c.cmd('RETR public.txt')).code));
    assert.equal((await c.read())?.code, 226);
    await dataDone;
    assert.equal(Buffer.concat(got).toString(), 'public\n');
    ok.server.close();
  } finally {
    c.close();
    t4.server.close();
    t6.server.close();
  }
});

test('PORT/EPRT to a privileged port (< 1024) of the client address -> 5xx and no connection attempt', async () => {
  // We are root in the test environment, so we can listen on a low port to catch an attempt.
  let low: Awaited<ReturnType<typeof trap>> | undefined;
  for (let p = 1023; p > 900 && !low; p--) {
    try { low = await trap('127.0.0.1', p); } catch { /* in use or not permitted */ }
  }
  const lowPort = low?.port ?? 21;
  const c = await RawFtp.open(port);
  try {
    await c.login();
    for (const cmd of [`PORT 127,0,0,1,${lowPort >> 8},${lowPort & 255}`, `EPRT |1|127.0.0.1|${lowPort}|`, 'PORT 127,0,0,1,0,21', 'EPRT |1|127.0.0.1|0|']) {
      const r = await c.cmd(cmd);
      assert.ok(r.code >= 500 && r.code < 600, `${cmd} -> ${r.code} ${r.message} (expected 5xx)`);
      if (!cmd.endsWith('|0|')) assert.equal(r.code, 504, `${cmd} -> ${r.code} ${r.message}`);
      const x = await c.cmd('NLST');
      assert.ok(x.code >= 400, `NLST after refused ${cmd} -> ${x.code}`);
      if (x.code === 150 || x.code === 125) await c.read();
    }
    await sleep(1000);
    if (low) assert.deepEqual(low.hits, [], `the server connected to privileged port ${lowPort}`);
  } finally {
    c.close();
    low?.server.close();
  }
});

for (const verb of ['EPSV', 'PASV'] as const) {
  test(`${verb}: a data connection from another address (127.0.0.2) is refused; the real client's transfer completes`, async () => {
    const size = 1000003;
    const sha = await randomFile(join(root, `theft-${verb}.bin`), size);
    const c = await RawFtp.open(port);
    try {
      await c.login();
      assert.equal((await c.cmd('TYPE I')).code, 200);
      const r = await c.cmd(verb);
      assert.equal(r.code, verb === 'EPSV' ? 229 : 227, r.message);
      const dport = verb === 'EPSV' ? parseEpsvReply(r.message) : parsePasvReply(r.message).port;
      // The thief connects first, from a different source address.
      const thief = openData(dport, '127.0.0.1', '127.0.0.2');
      await sleep(300);
      // Then the real client, then RETR.
      const real = openData(dport, '127.0.0.1');
      await sleep(100);
      const pre = await c.cmd(`RETR theft-${verb}.bin`);
      assert.ok([125, 150].includes(pre.code), `RETR -> ${pre.code} ${pre.message}`);
      const fin = await c.read(30_000);
      assert.equal(fin?.code, 226, `after RETR: ${fin?.code} ${fin?.message}`);
      const got = await real.done;
      assert.equal(got.length, size);
      assert.equal(sha256(got), sha, 'the real client got wrong data');
      const stolen = await Promise.race([thief.done, sleep(5000).then(() => null)]);
      thief.sock.destroy();
      assert.ok(stolen !== null, 'the thief connection was left open');
      assert.equal(stolen.length, 0, `the thief received ${stolen.length} bytes`);
    } finally {
      c.close();
    }
  });
}

test('CWD .. and absolute paths cannot leave the root', async () => {
  const c = await RawFtp.open(port);
  try {
    await c.login();
    for (const cmd of ['CWD ..', 'CWD ../..', 'CWD /..', 'CWD sub/../../..', 'CDUP']) {
      await c.cmd(cmd);
      const pwd = await c.cmd('PWD');
      assert.equal(pwd.code, 257);
      assert.match(pwd.message, /^"\/"/, `${cmd} left the root: ${pwd.message}`);
    }
    // A listing of '..' from '/' is the root itself, never the parent holding secret.txt / outside/.
    const list = await listNames(c, 'NLST ..');
    assert.ok(!list.includes('secret.txt') && !list.includes('outside') && !list.includes('root'), `NLST .. showed the parent: ${list}`);
    for (const cmd of ['RETR ../secret.txt', 'RETR /../secret.txt', 'RETR sub/../../secret.txt', 'SIZE ../secret.txt', 'MDTM ../secret.txt']) {
      const r = await c.cmd(cmd);
      assert.ok(r.code >= 500, `${cmd} -> ${r.code} ${r.message}`);
    }
    assert.equal((await c.cmd('CWD sub/deeper')).code, 250);
    assert.match((await c.cmd('PWD')).message, /^"\/sub\/deeper"/);
    await c.cmd('CWD ../../../../..');
    assert.match((await c.cmd('PWD')).message, /^"\/"/);
    // Writes with .. stay inside too.
    const st = await c.cmd('MKD ../escaped-dir');
    if (st.code === 257) assert.ok(existsSync(join(root, 'escaped-dir')), 'MKD ../x created something, but not inside the root');
    assert.ok(!existsSync(join(base.path, 'escaped-dir')), 'MKD ../escaped-dir created a directory outside the root');
  } finally {
    c.close();
  }
});

/** NLST/LIST over EPSV; returns the lines (empty on error). */
async function listNames(c: RawFtp, cmd: string): Promise<string[]> {
  const r = await c.cmd('EPSV');
  assert.equal(r.code, 229);
  const data = openData(parseEpsvReply(r.message));
  const pre = await c.cmd(cmd);
  if (pre.code !== 150 && pre.code !== 125) {
    data.sock.destroy();
    return [];
  }
  const fin = await c.read();
  assert.equal(fin?.code, 226);
  return (await data.done).toString().split(/\r?\n/).filter(Boolean);
}

test('symlinks pointing outside the root cannot be followed (read, list, write, rename)', async () => {
  const c = await RawFtp.open(port);
  try {
    await c.login();
    for (const cmd of ['RETR file-link', 'RETR link-out/secret.txt', 'RETR sub/rel-link', 'SIZE file-link', 'SIZE link-out/secret.txt']) {
      const r = await c.cmd(cmd);
      assert.ok(r.code >= 500, `${cmd} -> ${r.code} ${r.message}`);
    }
    // Even if a RETR were accepted, no byte of the secret may arrive: try over a data connection.
    const e = await c.cmd('EPSV');
    const data = openData(parseEpsvReply(e.message));
    const pre = await c.cmd('RETR file-link');
    if (pre.code === 150 || pre.code === 125) await c.read();
    else data.sock.destroy();
    assert.ok(!(await data.done).toString().includes('TOP SECRET'), 'secret leaked through a symlink');

    const cwd = await c.cmd('CWD link-out');
    if (cwd.code === 250) {
      const names = await listNames(c, 'NLST');
      assert.ok(!names.some((n) => n.includes('secret')), `listing through link-out showed ${names}`);
      await c.cmd('CWD /');
    }
    const listing = await listNames(c, 'LIST link-out');
    assert.ok(!listing.some((n) => n.includes('secret')), `LIST link-out showed ${listing}`);
    // Writes through the link must not land outside.
    for (const cmd of ['MKD link-out/made-outside', 'DELE link-out/secret.txt', 'DELE file-link/x', 'RMD link-out']) await c.cmd(cmd);
    const st = await c.cmd('EPSV');
    const up = connect({ port: parseEpsvReply(st.message), host: '127.0.0.1' });
    up.on('error', () => {});
    const stor = await c.cmd('STOR link-out/planted.txt');
    if (stor.code === 150 || stor.code === 125) {
      up.end('planted');
      await c.read();
    } else up.destroy();
    assert.ok(!existsSync(join(base.path, 'outside', 'made-outside')), 'MKD through a symlink created a dir outside the root');
    assert.ok(!existsSync(join(base.path, 'outside', 'planted.txt')), 'STOR through a symlink wrote outside the root');
    assert.equal(readFileSync(join(base.path, 'outside', 'secret.txt'), 'utf8'), secret, 'DELE through a symlink touched the outside file');
    // RNFR/RNTO cannot move a file out of the root.
    assert.equal((await c.cmd('RNFR public.txt')).code, 350);
    const rn = await c.cmd('RNTO link-out/public-moved.txt');
    assert.ok(rn.code >= 500, `RNTO into a symlink pointing outside -> ${rn.code} ${rn.message}`);
    assert.equal((await c.cmd('RNFR public.txt')).code, 350);
    const rn2 = await c.cmd('RNTO ../public-moved.txt');
    if (rn2.code === 250) assert.ok(existsSync(join(root, 'public-moved.txt')), 'RNTO ../x moved the file somewhere else');
    assert.ok(!existsSync(join(base.path, 'outside', 'public-moved.txt')) && !existsSync(join(base.path, 'public-moved.txt')),
      'a file was renamed out of the root');
    assert.ok(existsSync(join(base.path, 'outside')) && existsSync(join(base.path, 'secret.txt')));
  } finally {
    c.close();
  }
});

// ---- long lines: run the server as a child process (CLI) and watch its RSS ----

async function startCli(rootDir: string): Promise<{ child: ChildProcess; port: number; stop(): Promise<void> }> {
  const main = join(repoRoot(), 'dist/src/cli/main.js');
  const child = spawn(process.execPath, [main, 'serve', '--listen', '127.0.0.1:0', '--root', rootDir, '--user', `${USER}:${PASS}`,
    '--pasv-ports', `${CLI_PASV.min}-${CLI_PASV.max}`], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr!.on('data', (d: Buffer) => { err += d.toString(); });
  const p = await new Promise<number>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`server did not start: ${out}\n${err}`)), 15_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      for (const line of out.split('\n')) {
        try {
          const j = JSON.parse(line) as { event?: string; port?: number };
          if (j.event === 'listening' && j.port) { clearTimeout(t); resolve(j.port); return; }
        } catch { /* partial line */ }
      }
    });
    child.once('exit', (code) => { clearTimeout(t); reject(new Error(`server exited ${code}: ${err}`)); });
  });
  return {
    child, port: p,
    stop: async () => {
      if (child.exitCode !== null) return;
      const ex = once(child, 'exit');
      child.kill('SIGKILL');
      await ex;
    },
  };
}

function rssKiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : NaN;
}

/** Send `total` bytes without CRLF in 64 KiB pieces until the server closes; returns the replies seen. */
async function floodLine(p: number, total: number): Promise<{ replies: ParsedReply[]; closed: boolean; sent: number }> {
  const c = await RawFtp.open(p);
  const piece = Buffer.alloc(64 * 1024, 0x41);
  let sent = 0;
  while (sent < total && !c.closed && !c.sock.destroyed) {
    const okWrite = c.sock.write(piece);
    sent += piece.length;
    // the server may cut a flooder off (EPIPE/ECONNRESET here): that ends the flood, it is not a failure
    if (!okWrite) await Promise.race([once(c.sock, 'drain').catch(() => undefined), c.closedP, sleep(2000)]);
  }
  const replies: ParsedReply[] = [];
  for (;;) {
    const r = await c.read(10_000).catch(() => null);
    if (!r) break;
    replies.push(r);
  }
  await Promise.race([c.closedP, sleep(5000)]);
  const closed = c.closed;
  c.close();
  return { replies, closed, sent };
}

test('a 1 MiB line without CRLF -> 500 and disconnect; server RSS stays flat; the server keeps serving', async () => {
  const d = tempDir('fg-srv-sec-cli-');
  const srv = await startCli(d.path);
  try {
    // Warm up (JIT, buffers) with normal sessions and a few over-long lines, then measure.
    for (let i = 0; i < 3; i++) {
      const w = await RawFtp.open(srv.port);
      await w.login();
      await w.cmd('QUIT');
      w.close();
    }
    const one = await floodLine(srv.port, 1 * MiB);
    for (let i = 0; i < 5; i++) await floodLine(srv.port, 1 * MiB);
    const before = rssKiB(srv.child.pid!);
    assert.ok(one.replies.some((r) => r.code === 500), `expected a 500 reply, got ${one.replies.map((r) => r.code).join(',') || 'none'}`);
    assert.ok(one.closed, 'the server did not disconnect after the over-long line');
    // Repeat: 20 connections x 1 MiB, then one 64 MiB stream. Buffering them would add >= 20-64 MiB of RSS.
    for (let i = 0; i < 20; i++) {
      const r = await floodLine(srv.port, 1 * MiB);
      assert.ok(r.closed, `connection ${i} was not closed`);
    }
    const big = await floodLine(srv.port, 64 * MiB);
    assert.ok(big.closed, 'the 64 MiB line did not get the connection closed');
    const afterKiB = rssKiB(srv.child.pid!);
    const growth = (afterKiB - before) / 1024;
    console.log(`server RSS before ${Math.round(before / 1024)} MiB, after ${Math.round(afterKiB / 1024)} MiB, growth ${growth.toFixed(1)} MiB`);
    assert.ok(growth < 24, `server RSS grew by ${growth.toFixed(1)} MiB after over-long lines (bound 24 MiB)`);
    // Still serving.
    const c = await RawFtp.open(srv.port);
    await c.login();
    assert.equal((await c.cmd('PWD')).code, 257);
    c.close();
    // A line just over 4096 bytes (with CRLF) is refused as well.
    const c2 = await RawFtp.open(srv.port);
    c2.send('NOOP ' + 'x'.repeat(5000));
    const r2 = await c2.read();
    assert.equal(r2?.code, 500, `5 KiB command line -> ${r2?.code}`);
    await Promise.race([c2.closedP, sleep(5000)]);
    assert.ok(c2.closed, 'not disconnected after a 5 KiB line');
    c2.close();
  } finally {
    await srv.stop();
    d.cleanup();
  }
});

test('over-long line before login in the in-process server: heap stays bounded', async () => {
  const before = process.memoryUsage().heapUsed;
  for (let i = 0; i < 10; i++) {
    const r = await floodLine(port, 1 * MiB);
    assert.ok(r.closed && r.replies.some((x) => x.code === 500), `round ${i}: ${r.replies.map((x) => x.code)}`);
  }
  globalThis.gc?.();
  const growth = (process.memoryUsage().heapUsed - before) / MiB;
  assert.ok(growth < 32, `heap grew by ${growth.toFixed(1)} MiB`);
});

test('IPv4-mapped control peer (::ffff:127.0.0.1): PORT/EPRT to 127.0.0.1 and passive from 127.0.0.1 work, 127.0.0.2 is still refused', async () => {
  const mroot = tempDir('fg-srv-sec-mapped-');
  const msrv = new FtpServer({
    listen: [{ host: '::ffff:127.0.0.1', port: 0 }],
    root: mroot.path,
    users: [{ name: USER, password: PASS, write: true }],
    pasvPorts: { min: 52450, max: 52499 },
  });
  await msrv.listen();
  const mport = msrv.addresses()[0].port;
  const foreign = await trap('127.0.0.2');
  try {
    const sha = await randomFile(join(mroot.path, 'm.bin'), 65537);
    const c = await RawFtp.open(mport, '127.0.0.1');
    await c.login();
    assert.equal((await c.cmd('TYPE I')).code, 200);
    // Active to the real (normalised) peer address is allowed.
    for (const cmd of ['PORT', 'EPRT'] as const) {
      const sink = await trap('127.0.0.1');
      sink.server.removeAllListeners('connection');
      const got = new Promise<Buffer>((res) => sink.server.once('connection', (s: Socket) => {
        const parts: Buffer[] = [];
        s.on('data', (d: Buffer) => parts.push(d));
        s.on('close', () => res(Buffer.concat(parts)));
      }));
      const arg = cmd === 'PORT' ? `PORT 127,0,0,1,${sink.port >> 8},${sink.port & 255}` : `EPRT |1|127.0.0.1|${sink.port}|`;
      const r = await c.cmd(arg);
      assert.equal(r.code, 200, `${arg} from a mapped peer -> ${r.code} ${r.message}`);
      assert.ok([125, 150].includes((await c.cmd('RETR m.bin')).code));
      assert.equal((await c.read(30_000))?.code, 226);
      assert.equal(sha256(await got), sha);
      sink.server.close();
    }
    // Passive from 127.0.0.1 is the same peer.
    const e = await c.cmd('EPSV');
    const data = openData(parseEpsvReply(e.message), '127.0.0.1');
    assert.ok([125, 150].includes((await c.cmd('RETR m.bin')).code));
    assert.equal((await c.read(30_000))?.code, 226);
    assert.equal(sha256(await data.done), sha);
    // A foreign address is still refused.
    const f = await c.cmd(`PORT 127,0,0,2,${foreign.port >> 8},${foreign.port & 255}`);
    assert.ok(f.code >= 500, `foreign PORT from a mapped peer -> ${f.code}`);
    await sleep(500);
    assert.deepEqual(foreign.hits, []);
    c.close();
  } finally {
    foreign.server.close();
    await msrv.close(1000);
    mroot.cleanup();
  }
});
