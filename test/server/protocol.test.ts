// Server protocol conformance over real sockets: FEAT/HELP/STAT, file commands, ABOR/STAT/NOOP during a transfer,
// EPSV ALL, TYPE A, REST, connection and login limits, interrupted uploads, listing names with CR/LF,
// STOU/ALLO/MODE/STRU/SYST, and the passive accept timeout (data_timeout).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { mkdirSync, writeFileSync, readFileSync, statSync, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { FtpServer } from '../../src/server/index.js';
import { parseEpsvReply, parsePasvReply } from '../../src/protocol/host-port.js';
import { RawFtp } from '../helpers/raw-ftp.js';
import { tempDir, randomFile, sha256, MiB, type TempDir } from '../helpers/files.js';

let dir: TempDir;
let server: FtpServer;
let port: number;
const root = () => join(dir.path, 'root');

before(async () => {
  dir = tempDir('fg-proto-');
  mkdirSync(root());
  server = new FtpServer({ root: root(), listen: [{ host: '127.0.0.1', port: 0 }], users: [{ name: 'u', password: 'p' }], pasvPorts: { min: 52700, max: 52799 }, maxConnectionsPerIp: 6, maxLoginFailures: 2, dataTimeout: 5 });
  port = (await server.listen())[0].port;
});
after(async () => { await server.close(100); dir.cleanup(); });

async function session(): Promise<RawFtp> { const c = await RawFtp.connect(port); await c.login(); return c; }

function dataConnect(p: number): Promise<Socket> {
  return new Promise((res, rej) => { const s = connect(p, '127.0.0.1', () => res(s)); s.once('error', rej); });
}
function readAll(s: Socket): Promise<Buffer> {
  return new Promise((res, rej) => { const parts: Buffer[] = []; s.on('data', (d) => parts.push(d)); s.on('end', () => res(Buffer.concat(parts))); s.on('error', rej); });
}
async function epsv(c: RawFtp): Promise<Socket> {
  const r = await c.cmd('EPSV');
  assert.equal(r.code, 229);
  return dataConnect(parseEpsvReply(r.message));
}
async function retr(c: RawFtp, cmd: string): Promise<{ data: Buffer; codes: number[] }> {
  const d = await epsv(c);
  const body = readAll(d);
  const first = await c.cmd(cmd);
  if (first.code !== 150) { d.destroy(); return { data: Buffer.alloc(0), codes: [first.code] }; }
  const data = await body;
  const last = await c.next();
  return { data, codes: [first.code, last!.code] };
}
async function stor(c: RawFtp, cmd: string, payload: Buffer): Promise<number[]> {
  const d = await epsv(c);
  const first = await c.cmd(cmd);
  if (first.code !== 150) { d.destroy(); return [first.code]; }
  d.end(payload);
  return [first.code, (await c.next())!.code];
}

test('FEAT, HELP and STAT are well-formed multi-line replies; HOST and OPTS UTF8 work before login', async () => {
  const c = await RawFtp.connect(port);
  assert.equal((await c.next())!.code, 220);
  const feat = await c.cmd('FEAT');
  assert.equal(feat.code, 211);
  for (const f of ['EPRT', 'EPSV', 'MDTM', 'MFMT', 'REST STREAM', 'SIZE', 'UTF8', 'HOST']) assert.ok(feat.lines.includes(' ' + f), `FEAT lacks ${f}: ${feat.lines}`);
  assert.ok(feat.lines.some((l) => l.startsWith(' MLST type*;size*;modify*;')));
  assert.equal(feat.lines.at(-1), '211 End');
  assert.equal((await c.cmd('HOST ftp.example.org')).code, 220);
  assert.equal((await c.cmd('OPTS UTF8 ON')).code, 200);
  assert.equal((await c.cmd('LIST')).code, 530);
  assert.equal((await c.cmd('RETR x')).code, 530);
  const help = await c.cmd('HELP');
  assert.equal(help.code, 214);
  assert.ok(help.lines.length > 3 && help.lines[0].startsWith('214-') && help.lines.at(-1)!.startsWith('214 '));
  assert.equal((await c.cmd('BOGUS')).code, 500);
  c.close();
});

test('directory and file commands with names containing spaces and quotes', async () => {
  const c = await session();
  const mkd = await c.cmd('MKD a "b"');
  assert.deepEqual([mkd.code, mkd.message], [257, '"/a ""b""" directory created']);
  const again = await c.cmd('MKD a "b"');
  assert.deepEqual([again.code, again.message], [550, '/a "b": File exists']);
  assert.equal((await c.cmd('CWD a "b"')).code, 250);
  assert.equal((await c.cmd('PWD')).message, '"/a ""b""" is the current directory');
  assert.equal((await c.cmd('CDUP')).code, 200);
  assert.equal((await c.cmd('CWD ../../..')).code, 250);
  assert.equal((await c.cmd('PWD')).message, '"/" is the current directory');
  assert.deepEqual(await stor(c, 'STOR a "b"/f.txt', Buffer.from('12345')), [150, 226]);
  assert.equal((await c.cmd('SIZE a "b"/f.txt')).message, '5');
  assert.equal((await c.cmd('MFMT 20200102030405 a "b"/f.txt')).code, 213);
  assert.equal((await c.cmd('MDTM a "b"/f.txt')).message, '20200102030405');
  assert.equal(statSync(join(root(), 'a "b"', 'f.txt')).mtime.toISOString(), '2020-01-02T03:04:05.000Z');
  const mlst = await c.cmd('MLST a "b"/f.txt');
  assert.equal(mlst.code, 250);
  assert.match(mlst.lines[1], /^ type=file;size=5;modify=20200102030405;perm=radfw;/);
  assert.equal((await c.cmd('RNFR a "b"/f.txt')).code, 350);
  assert.equal((await c.cmd('RNTO g.txt')).code, 250);
  assert.equal(readFileSync(join(root(), 'g.txt'), 'utf8'), '12345');
  assert.equal((await c.cmd('RNTO h.txt')).code, 503);
  assert.equal((await c.cmd('RMD a "b"')).code, 250);
  assert.equal((await c.cmd('DELE g.txt')).code, 250);
  assert.equal((await c.cmd('DELE g.txt')).code, 550);
  assert.equal((await c.cmd('SIZE /')).code, 550);
  assert.equal((await c.cmd('SITE CHMOD 600 nothing')).code, 550);
  c.close();
});

test('STAT, NOOP and ABOR are answered during a transfer; ABOR gives 426 then 226', async () => {
  await randomFile(join(root(), 'big.bin'), 64 * MiB);
  const c = await session();
  await c.cmd('TYPE I');
  const d = await epsv(c);
  d.pause(); // a slow reader keeps the transfer running
  assert.equal((await c.cmd('RETR big.bin')).code, 150);
  const stat = await c.cmd('STAT');
  assert.equal(stat.code, 211);
  assert.match(stat.message, /RETR \/big\.bin: \d+ bytes transferred/);
  assert.equal((await c.cmd('NOOP')).code, 200);
  assert.equal((await c.cmd('ABOR')).code, 426);
  assert.equal((await c.next())!.code, 226);
  assert.equal((await c.cmd('NOOP')).code, 200);
  d.destroy();
  c.close();
});

test('EPSV ALL refuses PORT, EPRT and PASV afterwards', async () => {
  const c = await session();
  assert.equal((await c.cmd('EPSV ALL')).code, 200);
  assert.equal((await c.cmd('PASV')).code, 503);
  assert.equal((await c.cmd('PORT 127,0,0,1,200,1')).code, 503);
  assert.equal((await c.cmd('EPRT |1|127.0.0.1|51201|')).code, 503);
  assert.equal((await c.cmd('EPSV 3')).code, 522);
  c.close();
});

test('TYPE A converts line ends both ways; REST resumes RETR; REST beyond the end is 554', async () => {
  const c = await session();
  await c.cmd('TYPE A');
  assert.deepEqual(await stor(c, 'STOR t.txt', Buffer.from('one\r\ntwo\r\n')), [150, 226]);
  assert.equal(readFileSync(join(root(), 't.txt'), 'utf8'), 'one\ntwo\n');
  assert.equal((await retr(c, 'RETR t.txt')).data.toString(), 'one\r\ntwo\r\n');
  await c.cmd('TYPE I');
  assert.equal((await c.cmd('REST 4')).code, 350);
  assert.equal((await retr(c, 'RETR t.txt')).data.toString(), 'two\n');
  assert.equal((await c.cmd('REST 999')).code, 350);
  assert.deepEqual((await retr(c, 'RETR t.txt')).codes, [554]);
  // REST is consumed by one transfer only
  assert.equal((await retr(c, 'RETR t.txt')).data.toString(), 'one\ntwo\n');
  c.close();
});

test('a file name with CR/LF never reaches a listing raw (SECURITY)', async () => {
  mkdirSync(join(root(), 'evil'));
  writeFileSync(join(root(), 'evil', 'x\r\n226 fake'), '');
  const c = await session();
  for (const cmd of ['LIST evil', 'NLST evil', 'MLSD evil']) {
    const { data, codes } = await retr(c, cmd);
    assert.deepEqual(codes, [150, 226]);
    const lines = data.toString().split('\r\n').filter(Boolean);
    assert.ok(lines.every((l) => !l.includes('\n') && !l.includes('\r')), `${cmd}: ${JSON.stringify(data.toString())}`);
    assert.ok(lines.some((l) => l.endsWith('x??226 fake')), `${cmd}: ${JSON.stringify(lines)}`);
  }
  c.close();
});

test('an interrupted upload never replaces an existing file; an interrupted new file is kept for resume', async () => {
  writeFileSync(join(root(), 'keep.txt'), 'old content');
  const c = await session();
  await c.cmd('TYPE I');
  const d = await epsv(c);
  assert.equal((await c.cmd('STOR keep.txt')).code, 150);
  d.write(Buffer.alloc(1000, 1));
  await new Promise((r) => setTimeout(r, 100));
  d.resetAndDestroy();
  const r = await c.next();
  assert.equal(r!.code, 426);
  assert.equal(readFileSync(join(root(), 'keep.txt'), 'utf8'), 'old content');
  // a new file: the received part stays, and APPE completes it
  const d2 = await epsv(c);
  assert.equal((await c.cmd('STOR new.bin')).code, 150);
  d2.write(Buffer.alloc(1000, 2));
  await new Promise((r) => setTimeout(r, 100));
  d2.resetAndDestroy();
  assert.equal((await c.next())!.code, 426);
  assert.equal(statSync(join(root(), 'new.bin')).size, 1000);
  assert.deepEqual(await stor(c, 'APPE new.bin', Buffer.alloc(500, 3)), [150, 226]);
  const all = readFileSync(join(root(), 'new.bin'));
  assert.equal(all.length, 1500);
  assert.ok(all.subarray(0, 1000).every((b) => b === 2) && all.subarray(1000).every((b) => b === 3));
  assert.ok(!readdirSync(root()).some((n) => n.startsWith('.ftpgate-upload-')), 'temp files left behind');
  c.close();
});

test('a new PASV closes the previous passive listener', async () => {
  const c = await session();
  const first = parseEpsvReply((await c.cmd('EPSV')).message);
  const second = parseEpsvReply((await c.cmd('EPSV')).message);
  assert.notEqual(first, second);
  await assert.rejects(dataConnect(first), /ECONNREFUSED/);
  c.close();
});

test('STOU stores under a new unique name: 150 "FILE: name", 226 names it, content SHA-256 equal, existing files untouched', async () => {
  mkdirSync(join(root(), 'stou'));
  writeFileSync(join(root(), 'stou', 'report'), 'existing');
  const c = await session();
  const names: string[] = [];
  try {
    assert.equal((await c.cmd('TYPE I')).code, 200);
    assert.equal((await c.cmd('CWD stou')).code, 250);
    const payload = randomBytes(100003);
    for (const cmd of ['STOU', 'STOU report', 'STOU report']) {
      const d = await epsv(c);
      const first = await c.cmd(cmd);
      assert.equal(first.code, 150, `${cmd} -> ${first.code} ${first.message}`);
      // RFC 1123 4.1.2.9: the preliminary reply carries the name as "FILE: pppp"
      const m = /^FILE: (\S+)$/.exec(first.message);
      assert.ok(m, `${cmd}: 150 does not name the file: ${first.message}`);
      d.end(payload);
      const last = await c.next();
      assert.deepEqual([last!.code, last!.message], [226, `Transfer complete; stored as /stou/${m[1]}`]);
      assert.equal(sha256(readFileSync(join(root(), 'stou', m[1]))), sha256(payload), `${cmd}: stored content differs`);
      names.push(m[1]);
    }
  } finally {
    c.close();
  }
  assert.match(names[0], /^ftpgate-\d+-[0-9a-f]{8}$/);
  assert.match(names[1], /^report\.[0-9a-f]{8}$/);
  assert.match(names[2], /^report\.[0-9a-f]{8}$/);
  assert.equal(new Set(names).size, 3, `names repeat: ${names}`);
  assert.equal(readFileSync(join(root(), 'stou', 'report'), 'utf8'), 'existing');
  assert.deepEqual(readdirSync(join(root(), 'stou')).sort(), [...names, 'report'].sort());
});

test('ALLO 202, MODE S 200 / B,C 504, STRU F 200 / R,P 504, SYST 215 UNIX Type: L8 (before and after login)', async () => {
  const c = await RawFtp.connect(port);
  try {
    assert.equal((await c.next())!.code, 220);
    const early = await c.cmd('SYST');
    assert.deepEqual([early.code, early.message], [215, 'UNIX Type: L8']);
    assert.equal((await c.cmd('MODE S')).code, 530);
    await c.cmd('USER u');
    assert.equal((await c.cmd('PASS p')).code, 230);
    const codes = async (cmds: string[]) => { const out: number[] = []; for (const x of cmds) out.push((await c.cmd(x)).code); return out; };
    assert.deepEqual(await codes(['ALLO 1000', 'ALLO 1000 R 512', 'ALLO']), [202, 202, 202]);
    assert.deepEqual(await codes(['MODE S', 'MODE s', 'MODE B', 'MODE C', 'MODE']), [200, 200, 504, 504, 501]);
    assert.deepEqual(await codes(['STRU F', 'STRU f', 'STRU R', 'STRU P', 'STRU']), [200, 200, 504, 504, 501]);
    const syst = await c.cmd('SYST');
    assert.deepEqual([syst.code, syst.message], [215, 'UNIX Type: L8']);
    // after the refused MODE B / STRU R the session still transfers in stream mode
    writeFileSync(join(root(), 'mode.txt'), 'stream mode\n');
    await c.cmd('TYPE I');
    const r = await retr(c, 'RETR mode.txt');
    assert.deepEqual(r.codes, [150, 226]);
    assert.equal(r.data.toString(), 'stream mode\n');
  } finally {
    c.close();
  }
});

test('data_timeout: PASV/EPSV then RETR/STOR/LIST without connecting gets 425 after about data_timeout; the port is closed, the session goes on', async () => {
  const srv = new FtpServer({ root: root(), listen: [{ host: '127.0.0.1', port: 0 }], users: [{ name: 'u', password: 'p' }], pasvPorts: { min: 52600, max: 52649 }, dataTimeout: 1 });
  const [{ port: p }] = await srv.listen();
  writeFileSync(join(root(), 'wait.txt'), 'waited for\n');
  const c = await RawFtp.connect(p);
  try {
    await c.login();
    for (const [setup, cmd] of [['PASV', 'RETR wait.txt'], ['EPSV', 'STOR never.txt'], ['EPSV', 'LIST']]) {
      const r = await c.cmd(setup);
      assert.equal(r.code, setup === 'PASV' ? 227 : 229);
      const dport = setup === 'PASV' ? parsePasvReply(r.message).port : parseEpsvReply(r.message);
      const t0 = Date.now();
      const x = await c.cmd(cmd, 10_000);
      const waited = Date.now() - t0;
      assert.equal(x.code, 425, `${setup} + ${cmd} without a data connection -> ${x.code} ${x.message}`);
      assert.match(x.message, /within 1s/);
      assert.ok(waited >= 900 && waited < 3000, `${cmd}: 425 after ${waited} ms, expected about 1000 ms (data_timeout 1; the default is 30)`);
      await assert.rejects(dataConnect(dport), /ECONNREFUSED/, `passive port ${dport} still open after the timeout`);
      assert.equal((await c.cmd('NOOP')).code, 200);
    }
    assert.ok(!existsSync(join(root(), 'never.txt')), 'STOR without a data connection created the file');
    // and a transfer that does connect still works
    await c.cmd('TYPE I');
    const r = await retr(c, 'RETR wait.txt');
    assert.deepEqual(r.codes, [150, 226]);
    assert.equal(r.data.toString(), 'waited for\n');
  } finally {
    c.close();
    await srv.close(100);
  }
});

test('connection limit per address answers 421; failed logins are limited', async () => {
  const open: RawFtp[] = [];
  for (let i = 0; i < 6; i++) { const c = await RawFtp.connect(port); assert.equal((await c.next())!.code, 220); open.push(c); }
  const extra = await RawFtp.connect(port);
  const r = await extra.next();
  assert.equal(r!.code, 421);
  assert.match(r!.message, /Too many connections from your address/);
  for (const c of open) c.close();
  await new Promise((res) => setTimeout(res, 200));
  const c = await RawFtp.connect(port);
  await c.next();
  await c.cmd('USER u');
  assert.equal((await c.cmd('PASS wrong')).code, 530);
  await c.cmd('USER u');
  assert.equal((await c.cmd('PASS wrong')).code, 421);
  assert.equal(await c.next(), null); // disconnected
  assert.ok(existsSync(root()));
});
