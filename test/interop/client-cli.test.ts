// Interop: the `ftpgate` client commands against pyftpdlib — transfers (SHA-256), mirror both ways, credentials, exit codes, doctor.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync, mkdirSync, existsSync, readFileSync, chmodSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { havePyftpdlib, requirePeer, startPyftpd, type RunningPeer } from '../client/helpers/pyftpd.js';
import { tempDir, randomFile, sha256File } from '../helpers/files.js';

const MAIN = resolve(dirname(fileURLToPath(import.meta.url)), '../../src/cli/main.js');
const skip = requirePeer(havePyftpdlib(), 'pyftpdlib');
const root = tempDir();
const local = tempDir();
let peer: RunningPeer;
let url: string;

before(async () => {
  if (skip) return;
  peer = await startPyftpd({ root: root.path, pasvRange: [53700, 53799], user: 'alice', password: 's3cret' });
  url = `ftp://alice:s3cret@${peer.host}:${peer.port}`;
});
after(async () => { await peer?.stop(); root.cleanup(); local.cleanup(); });

export function cli(args: string[], env: Record<string, string> = {}, input?: string): Promise<{ code: number; stdout: string; stderr: string; raw: Buffer }> {
  return new Promise((resolveP) => {
    const child = spawn(process.execPath, [MAIN, ...args], {
      env: { ...process.env, FTPGATE_CACHE_DIR: join(local.path, 'cache'), HOME: local.path, ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { out.push(d); });
    child.stderr.on('data', (d) => { stderr += d; });
    child.stdin.end(input ?? '');
    const t = setTimeout(() => child.kill('SIGKILL'), 60000);
    child.on('close', (code) => { clearTimeout(t); const raw = Buffer.concat(out); resolveP({ code: code ?? -1, stdout: raw.toString('utf8'), stderr, raw }); });
  });
}

test('cli: put, ls, get (file and stdout), mv, mkdir -p, rm -r; SHA-256 verified; plain progress lines off a TTY', { skip }, async () => {
  const src = join(local.path, 'up.bin');
  const hash = await randomFile(src, 1_234_567);
  for (const mode of ['passive', 'active']) {
    const put = await cli(['put', '--mode', mode, '--active-ports', '54000-54999', src, `${url}/${mode}-up.bin`]);
    assert.equal(put.code, 0, put.stderr);
    assert.match(put.stderr, new RegExp(`data connection: ${mode} \\((EPSV|EPRT)\\)`));
    assert.match(put.stderr, /put up\.bin: done, 1234567 bytes/);
    assert.doesNotMatch(put.stderr, /\x1b\[/, 'no terminal escapes when stderr is not a TTY');
    assert.equal(await sha256File(join(root.path, `${mode}-up.bin`)), hash);
    const get = await cli(['get', '--mode', mode, '--active-ports', '54000-54999', `${url}/${mode}-up.bin`, join(local.path, `${mode}.back`)]);
    assert.equal(get.code, 0, get.stderr);
    assert.equal(await sha256File(join(local.path, `${mode}.back`)), hash);
  }
  const ls = await cli(['ls', '-l', `${url}/`]);
  assert.equal(ls.code, 0, ls.stderr);
  assert.match(ls.stdout, /^-\s+1234567 \d{4}-\d\d-\d\d \d\d:\d\d passive-up\.bin$/m);
  const toStdout = await cli(['get', '-q', `${url}/passive-up.bin`, '-']);
  assert.equal(toStdout.code, 0);
  assert.equal(createHashOf(toStdout.raw), hash);

  assert.equal((await cli(['mkdir', '-p', `${url}/x/y/z`])).code, 0);
  assert.ok(existsSync(join(root.path, 'x/y/z')));
  assert.equal((await cli(['mv', `${url}/passive-up.bin`, 'x/y/moved.bin'])).code, 0);
  assert.ok(existsSync(join(root.path, 'x/y/moved.bin')));
  const rmPlain = await cli(['rm', `${url}/x`]);
  assert.equal(rmPlain.code, 5, 'a non-empty directory without -r is refused by the server');
  assert.equal((await cli(['rm', '-r', `${url}/x`])).code, 0);
  assert.ok(!existsSync(join(root.path, 'x')));
});

function createHashOf(b: Buffer): string {
  return createHash('sha256').update(b).digest('hex');
}
import { createHash } from 'node:crypto';

test('cli: get -c resumes a partial download', { skip }, async () => {
  const hash = await randomFile(join(root.path, 'resume.bin'), 800_000);
  const part = join(local.path, 'resume.bin');
  writeFileSync(part, readFileSync(join(root.path, 'resume.bin')).subarray(0, 300_000));
  const r = await cli(['get', '-c', `${url}/resume.bin`, part]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /resuming at/);
  assert.match(r.stderr, /done, 800000 bytes/);
  assert.equal(await sha256File(part), hash);
});

test('cli: credentials from ~/.netrc, and FTPGATE_PASSWORD when no terminal', { skip }, async () => {
  writeFileSync(join(local.path, '.netrc'), `machine ${peer.host}\n  login alice\n  password s3cret\n`);
  chmodSync(join(local.path, '.netrc'), 0o600);
  const r = await cli(['ls', `ftp://${peer.host}:${peer.port}/`]);
  assert.equal(r.code, 0, r.stderr);
  const env = await cli(['ls', '--netrc', '/nonexistent', `ftp://alice@${peer.host}:${peer.port}/`], { FTPGATE_PASSWORD: 's3cret' });
  assert.equal(env.code, 0, env.stderr);
  const none = await cli(['ls', '--netrc', '/nonexistent', `ftp://alice@${peer.host}:${peer.port}/`]);
  assert.equal(none.code, 2, 'no password and no terminal → usage error');
  assert.match(none.stderr, /no password for alice/);
});

test('cli: exit codes — login 4, missing file 5, connection refused 3, bad URL 2', { skip }, async () => {
  const bad = await cli(['ls', `ftp://alice:wrong@${peer.host}:${peer.port}/`]);
  assert.equal(bad.code, 4, bad.stderr);
  assert.match(bad.stderr, /FTPGATE_ERR_CLIENT_LOGIN/);
  const missing = await cli(['get', `${url}/no-such-file`, join(local.path, 'nsf')]);
  assert.equal(missing.code, 5);
  assert.ok(!existsSync(join(local.path, 'nsf')), 'no empty local file left behind');
  const noTls = await cli(['ls', '--tls', `${url}/`]);
  assert.equal(noTls.code, 3, 'TLS requested from a server without AUTH TLS');
  assert.match(noTls.stderr, /does not offer explicit FTPS: AUTH TLS → 5\d\d/);
  const refused = await cli(['ls', 'ftp://127.0.0.1:1/']);
  assert.equal(refused.code, 3);
  const usage = await cli(['ls', 'http://example.invalid/']);
  assert.equal(usage.code, 2);
  assert.equal((await cli(['get'])).code, 2, 'missing argument');
  // SECURITY: a URL-encoded CRLF must not smuggle a second command (here: DELE of a file that must survive).
  writeFileSync(join(root.path, 'victim.txt'), 'still here');
  const inject = await cli(['get', `${url}/a%0D%0ADELE%20victim.txt`, join(local.path, 'inj')]);
  assert.equal(inject.code, 5, inject.stderr);
  assert.match(inject.stderr, /FTPGATE_ERR_PROTOCOL_UNSAFE_COMMAND/);
  assert.ok(existsSync(join(root.path, 'victim.txt')));
  assert.equal((await cli(['get', '--no-such-flag', `${url}/x`])).code, 2, 'unknown option');
  assert.equal((await cli(['get', '--help'])).code, 0);
});

test('cli: mirror -R then mirror with 3 parallel connections, SHA-256 of every file; second run transfers nothing', { skip }, async () => {
  const src = join(local.path, 'tree');
  const files = ['a.bin', 'b/c.bin', 'b/d/e.bin', 'f.txt', 'g/h.bin'];
  const hashes = new Map<string, string>();
  for (const f of files) {
    mkdirSync(join(src, f, '..'), { recursive: true });
    hashes.set(f, await randomFile(join(src, f), 50_000 + f.length * 999));
  }
  const up = await cli(['mirror', '-R', '-P', '3', src, `${url}/mirrored`]);
  assert.equal(up.code, 0, up.stderr);
  assert.match(up.stderr, /mirror: 5 transferred/);
  for (const [f, h] of hashes) assert.equal(await sha256File(join(root.path, 'mirrored', f)), h, f);
  const dst = join(local.path, 'tree-back');
  const down = await cli(['mirror', '-P', '3', '--exclude', '*.txt', `${url}/mirrored`, dst]);
  assert.equal(down.code, 0, down.stderr);
  assert.match(down.stderr, /mirror: 4 transferred/);
  for (const [f, h] of hashes) {
    if (f.endsWith('.txt')) assert.ok(!existsSync(join(dst, f)));
    else assert.equal(await sha256File(join(dst, f)), h, f);
  }
  const again = await cli(['mirror', '-P', '3', '--only-newer', '--exclude', '*.txt', `${url}/mirrored`, dst]);
  assert.equal(again.code, 0);
  assert.match(again.stderr, /mirror: 0 transferred .* 4 up to date/);
});

test('cli: doctor against pyftpdlib with a bogus masquerade address reports the NAT misconfiguration; get still works', { skip }, async () => {
  const bogus = await startPyftpd({ root: root.path, pasvRange: [53800, 53899], masquerade: '10.255.255.1', user: 'alice', password: 's3cret' });
  try {
    const u = `ftp://alice:s3cret@${bogus.host}:${bogus.port}`;
    const hash = await randomFile(join(root.path, 'nat.bin'), 333_333);
    const get = await cli(['get', '--mode', 'passive', `${u}/nat.bin`, join(local.path, 'nat.bin')]);
    assert.equal(get.code, 0, get.stderr);
    assert.equal(await sha256File(join(local.path, 'nat.bin')), hash);
    const doc = await cli(['doctor', u]);
    assert.equal(doc.code, 9, doc.stdout + doc.stderr);
    assert.match(doc.stdout, /^no\s+passive\s+PASV\s+WARN\s+227 named 10\.255\.255\.1/m);
    assert.match(doc.stdout, /^no\s+passive\s+EPSV\s+ok/m);
    assert.match(doc.stdout, /^no\s+active\s+PORT\s+ok/m);
    assert.match(doc.stdout, /^no\s+active\s+EPRT\s+ok/m);
    assert.match(doc.stdout, /behind NAT without a passive \(masquerade\) address/);
    assert.match(doc.stdout, /pasv_address=127\.0\.0\.1/);
    const json = JSON.parse((await cli(['doctor', '--json', u])).stdout);
    assert.equal(json.probes.length, 4);
    assert.equal(json.tls, 'not offered');
  } finally {
    await bogus.stop();
  }
});

test('cli: auto mode against a server with passive disabled falls back to active and says so', { skip }, async () => {
  const nopasv = await startPyftpd({ root: root.path, noPassive: true, user: 'alice', password: 's3cret' });
  try {
    const u = `ftp://alice:s3cret@${nopasv.host}:${nopasv.port}`;
    const hash = await randomFile(join(root.path, 'auto.bin'), 444_444);
    const get = await cli(['get', '--active-ports', '54000-54999', `${u}/auto.bin`, join(local.path, 'auto.bin')], { FTPGATE_CACHE_DIR: join(local.path, 'cache-auto') });
    assert.equal(get.code, 0, get.stderr);
    assert.match(get.stderr, /data connection: active \(EPRT\), after passive failed/);
    assert.equal(await sha256File(join(local.path, 'auto.bin')), hash);
    // remembered across runs: the next run starts with active
    const again = await cli(['get', `${u}/auto.bin`, join(local.path, 'auto2.bin')], { FTPGATE_CACHE_DIR: join(local.path, 'cache-auto') });
    assert.match(again.stderr, /data connection: active \(EPRT\)\n/);
    const forced = await cli(['get', '--mode', 'passive', `${u}/auto.bin`, join(local.path, 'auto3.bin')]);
    assert.equal(forced.code, 6, 'passive only: no data connection possible');
    const doc = await cli(['doctor', u]);
    assert.match(doc.stdout, /PASV: the server refused the command \(502/);
    assert.match(doc.stdout, /passive mode disabled/);
  } finally {
    await nopasv.stop();
  }
});
