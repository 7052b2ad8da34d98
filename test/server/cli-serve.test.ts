// The `ftpgate serve` and `ftpgate passwd` commands as users run them: embedded default, users file, YAML config, bad config.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdtemp, writeFile, readFile, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { requirePeer, type Skippable } from '../helpers/peers.js';

const run = promisify(execFile);
const MAIN = resolve('dist/src/cli/main.js');
const CURL = '/usr/bin/curl';
const haveCurl = (t: Skippable) => requirePeer(t, 'curl') !== undefined;

function startServe(args: string[], cwd: string): Promise<{ child: ChildProcess; port: number; stderr: () => string; stdout: () => string }> {
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, [MAIN, 'serve', ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '', err = '';
    child.stderr!.on('data', (d) => (err += d));
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /"event":"listening","host":"[^"]+","port":(\d+)/.exec(out);
      if (m) res({ child, port: Number(m[1]), stderr: () => err, stdout: () => out });
    });
    child.on('exit', (code) => rej(new Error(`serve exited ${code}: ${err}`)));
  });
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

test('serve with no arguments: ./ftp-root on 127.0.0.1:2121, passive ports 50000-50100, demo user, a curl line that works', async (t) => {
  if (!haveCurl(t)) return;
  const dir = await mkdtemp(join(tmpdir(), 'fg-serve-'));
  const { child, port, stderr, stdout: log } = await startServe([], dir);
  try {
    assert.equal(port, 2121);
    await new Promise((r) => setTimeout(r, 100));
    const line = /try:\s+(curl (ftp:\/\/demo:([A-Za-z0-9]+)@127\.0\.0\.1:2121\/))/.exec(stderr());
    assert.ok(line, `no curl line in: ${stderr()}`);
    // the default passive range is printed for the firewall, and is the one the log reports
    assert.match(stderr(), /ftpgate serving \S*ftp-root on 127\.0\.0\.1:2121 \(passive ports 50000-50100\)/);
    assert.match(log(), /"event":"listening","host":"127\.0\.0\.1","port":2121,"pasvPorts":"50000-50100"/);
    assert.ok(existsSync(join(dir, 'ftp-root')));
    await writeFile(join(dir, 'ftp-root', 'hello.txt'), 'hi\n');
    const { stdout, stderr: verbose } = await run(CURL, ['-sS', '-v', line[2] + 'hello.txt']);
    assert.equal(stdout, 'hi\n');
    // and the data connection really used a port of that range
    const epsv = /< 229 .*\(\|\|\|(\d+)\|\)/.exec(verbose);
    assert.ok(epsv, `no EPSV reply in curl -v output: ${verbose}`);
    assert.ok(Number(epsv[1]) >= 50000 && Number(epsv[1]) <= 50100, `passive port ${epsv[1]} outside 50000-50100`);
  } finally {
    await stop(child);
    await rm(dir, { recursive: true, force: true });
  }
});

test('passwd writes scrypt entries; read-only users cannot upload; wrong passwords get 530', async (t) => {
  if (!haveCurl(t)) return;
  const dir = await mkdtemp(join(tmpdir(), 'fg-passwd-'));
  const users = join(dir, 'users.yaml');
  const pw = (name: string, pass: string, ...flags: string[]) => new Promise<void>((res, rej) => {
    const c = spawn(process.execPath, [MAIN, 'passwd', '--users', users, name, '--password-stdin', ...flags], { stdio: ['pipe', 'ignore', 'pipe'] });
    c.stdin!.end(pass + '\n');
    c.on('exit', (code) => (code === 0 ? res() : rej(new Error(`passwd exit ${code}`))));
  });
  await pw('alice', 'wonder land', '--write', '--home', 'alice');
  await pw('bob', 'builder');
  const text = await readFile(users, 'utf8');
  assert.match(text, /\$scrypt\$N=16384,r=8,p=1\$/);
  assert.ok(!text.includes('wonder land') && !text.includes('builder'));
  const { child, port } = await startServe(['--listen', '127.0.0.1:0', '--root', join(dir, 'root'), '--users', users, '--pasv-ports', '52900-52999'], dir);
  try {
    const url = (u: string) => `ftp://${u}@127.0.0.1:${port}/`;
    await writeFile(join(dir, 'up.txt'), 'upload\n');
    await run(CURL, ['-sS', '-T', join(dir, 'up.txt'), url('alice:wonder%20land') + 'up.txt']);
    assert.equal(await readFile(join(dir, 'root', 'alice', 'up.txt'), 'utf8'), 'upload\n');
    // bob is read-only: STOR → 550, curl exit 25 (upload failed)
    const bad = await run(CURL, ['-sS', '-T', join(dir, 'up.txt'), url('bob:builder') + 'x.txt']).catch((e) => e);
    assert.equal(bad.code, 25);
    const wrong = await run(CURL, ['-sS', url('bob:nope')]).catch((e) => e);
    assert.equal(wrong.code, 67); // CURLE_LOGIN_DENIED after 530
  } finally {
    await stop(child);
    await rm(dir, { recursive: true, force: true });
  }
});

function rawSession(port: number, lines: string[]): Promise<string> {
  return new Promise((res, rej) => {
    const s = connect(port, '127.0.0.1');
    let buf = '';
    let i = 0;
    s.on('data', (d) => {
      buf += d;
      // send the next command each time a final reply line has arrived
      const finals = buf.split('\r\n').filter((l) => /^\d{3} /.test(l)).length;
      if (finals > i && i < lines.length) s.write(lines[i++] + '\r\n');
      else if (finals > lines.length) s.end();
    });
    s.on('end', () => res(buf));
    s.on('error', rej);
  });
}

test('YAML config: per-network passive address overrides and flags that override the file', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'fg-yaml-'));
  await writeFile(join(dir, 'ftpgate.yaml'), [
    'listen: ["127.0.0.1:0"]', `root: ${join(dir, 'root')}`, 'user: ["u:p"]', 'pasv_ports: 52800-52899',
    'pasv_address: 203.0.113.10', 'pasv_address_overrides:', '  - { cidr: 127.0.0.0/8, address: 10.1.2.3 }', '',
  ].join('\n'));
  const { child, port } = await startServe(['--config', join(dir, 'ftpgate.yaml')], dir);
  try {
    const out = await rawSession(port, ['USER u', 'PASS p', 'PASV', 'QUIT']);
    const m = /227 Entering Passive Mode \((\d+,\d+,\d+,\d+),(\d+),(\d+)\)/.exec(out);
    assert.ok(m, out);
    assert.equal(m[1], '10,1,2,3'); // loopback client matches 127.0.0.0/8 → the override, not the public address
    const p = Number(m[2]) * 256 + Number(m[3]);
    assert.ok(p >= 52800 && p <= 52899, `port ${p} outside the range`);
  } finally { await stop(child); }
  const { child: c2, port: p2 } = await startServe(['--config', join(dir, 'ftpgate.yaml'), '--pasv-address', '198.51.100.7'], dir);
  try {
    await writeFile(join(dir, 'o.yaml'), '');
    const out = await rawSession(p2, ['USER u', 'PASS p', 'PASV', 'QUIT']);
    assert.match(out, /227 Entering Passive Mode \(10,1,2,3,/); // override still wins for its network
  } finally { await stop(c2); await rm(dir, { recursive: true, force: true }); }
});

test('invalid configuration exits 2 naming the key and the fix', async () => {
  const r = await run(process.execPath, [MAIN, 'serve', '--pasv-ports', '100-50', '--root', tmpdir()]).catch((e) => e);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /invalid configuration "pasv_ports": 100-50 must satisfy 1024 <= MIN <= MAX <= 65535/);
  const r2 = await run(process.execPath, [MAIN, 'serve', '--listen', 'nowhere', '--root', tmpdir()]).catch((e) => e);
  assert.equal(r2.code, 2);
  assert.match(r2.stderr, /"listen".*HOST:PORT/);
});
