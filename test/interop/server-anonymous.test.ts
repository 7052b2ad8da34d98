// Interop: `ftpgate serve --anonymous` (read-only) and `--anonymous-write` with real curl and Python ftplib; exact reply codes, SHA-256 checked.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { FtpServer } from '../../src/server/index.js';
import { peer, requirePeer, repoRoot, run, describeRun } from '../helpers/peers.js';
import { RawFtp } from '../helpers/raw-ftp.js';
import { tempDir, randomFile, sha256File, type TempDir } from '../helpers/files.js';

const RO_PASV = '55000-55049';
const RW_PASV = '55050-55099';
const SIZE = 1000003;

interface Cli { child: ChildProcess; port: number; out: () => string; stop(): Promise<void> }

/** `ftpgate serve` as a child process; resolves once its JSON log says it listens. */
async function startCli(args: string[]): Promise<Cli> {
  const main = join(repoRoot(), 'dist/src/cli/main.js');
  const child = spawn(process.execPath, [main, 'serve', '--listen', '127.0.0.1:0', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr!.on('data', (d: Buffer) => { out += d.toString(); });
  const port = await new Promise<number>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`server did not start:\n${out}`)), 15_000);
    const check = () => {
      const m = /"event":"listening","host":"[^"]+","port":(\d+)/.exec(out);
      if (m) { clearTimeout(t); child.stdout!.off('data', check); resolve(Number(m[1])); }
    };
    child.stdout!.on('data', check);
    child.once('exit', (code) => { clearTimeout(t); reject(new Error(`server exited ${code}:\n${out}`)); });
  });
  return {
    child, port, out: () => out,
    stop: async () => {
      if (child.exitCode !== null) return;
      const ex = once(child, 'exit');
      child.kill('SIGTERM');
      await ex;
    },
  };
}

async function curl(args: string[]) {
  const full = ['-sS', '-v', '--max-time', '55', ...args];
  return { full, r: await run(peer('curl')!, full, { timeoutMs: 60_000 }) };
}

/** ftplib driver: log in, then run ops; a refused op records the server's error reply instead of failing. */
const DRIVER = `
import sys, json, ftplib
cfg = json.loads(sys.argv[1])
ftp = ftplib.FTP()
ftp.connect(cfg['host'], cfg['port'], timeout=30)
out = {'login': ftp.login(cfg['user'], cfg['password']), 'ops': []}
ftp.set_pasv(cfg['pasv'])
for op in cfg['ops']:
    k = op['op']
    try:
        if k == 'nlst':
            r = ftp.nlst(op.get('path', ''))
        elif k == 'retr':
            with open(op['local'], 'wb') as f:
                r = ftp.retrbinary('RETR ' + op['remote'], f.write)
        elif k == 'stor':
            with open(op['local'], 'rb') as f:
                r = ftp.storbinary('STOR ' + op['remote'], f)
        elif k == 'mkd':
            r = ftp.mkd(op['path'])
        elif k == 'delete':
            r = ftp.delete(op['remote'])
        out['ops'].append({'op': k, 'ok': True, 'result': r})
    except ftplib.error_perm as e:
        out['ops'].append({'op': k, 'ok': False, 'error': str(e)})
ftp.quit()
print(json.dumps(out))
`;

type PyOp = { op: 'nlst' | 'retr' | 'stor' | 'mkd' | 'delete'; local?: string; remote?: string; path?: string };
interface PyResult { login: string; ops: { op: string; ok: boolean; result?: unknown; error?: string }[] }

async function ftplib(port: number, user: string, password: string, pasv: boolean, ops: PyOp[]): Promise<PyResult> {
  const cfg = { host: '127.0.0.1', port, user, password, pasv, ops };
  const args = ['-c', DRIVER, JSON.stringify(cfg)];
  const r = await run(peer('python3')!, args, { timeoutMs: 60_000 });
  assert.equal(r.code, 0, describeRun('python3 ftplib', ['-c', '<driver>', JSON.stringify(cfg)], r));
  return JSON.parse(r.stdout) as PyResult;
}

let roRoot: TempDir;
let rwRoot: TempDir;
let local: TempDir;
let ro: Cli;
let rw: Cli;
let pubSha = '';

before(async () => {
  roRoot = tempDir('fg-srv-anon-ro-');
  rwRoot = tempDir('fg-srv-anon-rw-');
  local = tempDir('fg-srv-anon-local-');
  pubSha = await randomFile(join(roRoot.path, 'pub.bin'), SIZE);
  mkdirSync(join(roRoot.path, 'docs'));
  writeFileSync(join(roRoot.path, 'docs', 'readme.txt'), 'read me\n');
  ro = await startCli(['--root', roRoot.path, '--anonymous', '--pasv-ports', RO_PASV]);
  rw = await startCli(['--root', rwRoot.path, '--anonymous', '--anonymous-write', '--pasv-ports', RW_PASV]);
});

after(async () => {
  await ro?.stop();
  await rw?.stop();
  roRoot?.cleanup();
  rwRoot?.cleanup();
  local?.cleanup();
});

/** The read-only root holds exactly what `before` put there. */
function assertRoRootUnchanged(): void {
  assert.deepEqual(readdirSync(roRoot.path).sort(), ['docs', 'pub.bin']);
  assert.deepEqual(readdirSync(join(roRoot.path, 'docs')), ['readme.txt']);
}

test('--anonymous: curl (user anonymous) lists and downloads in passive and active mode, SHA-256 equal; upload gets 550', async (t) => {
  if (!requirePeer(t, 'curl')) return;
  const base = `ftp://127.0.0.1:${ro.port}/`;
  for (const mode of [[], ['-P', '127.0.0.1']]) {
    const ls = await curl([...mode, base]);
    assert.equal(ls.r.code, 0, describeRun('curl', ls.full, ls.r));
    // curl logs in as anonymous with its own e-mail style password
    assert.match(ls.r.stderr, /> USER anonymous\r?\n< 331 /);
    assert.match(ls.r.stderr, /> PASS \S+\r?\n< 230 /);
    assert.match(ls.r.stdout, /^-.* 1000003 .* pub\.bin\r?$/m);
    assert.match(ls.r.stdout, /^d.* docs\r?$/m);
    const back = join(local.path, `pub-${mode.length ? 'active' : 'passive'}.bin`);
    const dl = await curl([...mode, '-o', back, base + 'pub.bin']);
    assert.equal(dl.r.code, 0, describeRun('curl', dl.full, dl.r));
    assert.match(dl.r.stderr, /< 226 /);
    assert.equal(await sha256File(back), pubSha);
  }
  const src = join(local.path, 'up.bin');
  await randomFile(src, 65537);
  const up = await curl(['-T', src, base + 'up.bin']);
  assert.equal(up.r.code, 25, `curl upload should fail with CURLE_UPLOAD_FAILED\n${describeRun('curl', up.full, up.r)}`);
  assert.match(up.r.stderr, /> STOR up\.bin\r?\n< 550 Permission denied \(read-only account\)/);
  assertRoRootUnchanged();
});

test('--anonymous: ftplib as "ftp" (any password) lists and downloads with set_pasv True/False; STOR, MKD, DELE refused with 550', async (t) => {
  if (!requirePeer(t, 'python3')) return;
  const src = join(local.path, 'py-up.bin');
  await randomFile(src, 4097);
  for (const pasv of [true, false]) {
    const back = join(local.path, `py-pub-${pasv}.bin`);
    const res = await ftplib(ro.port, 'ftp', `guest-${pasv}@example.org`, pasv, [
      { op: 'nlst' }, { op: 'retr', remote: 'pub.bin', local: back },
      { op: 'stor', local: src, remote: 'py-up.bin' }, { op: 'mkd', path: 'newdir' }, { op: 'delete', remote: 'pub.bin' },
    ]);
    assert.match(res.login, /^230 /);
    const [nlst, retr, stor, mkd, dele] = res.ops;
    assert.deepEqual((nlst.result as string[]).sort(), ['docs', 'pub.bin']);
    assert.match(String(retr.result), /^226 /);
    assert.equal(await sha256File(back), pubSha);
    for (const refused of [stor, mkd, dele]) {
      assert.equal(refused.ok, false, `${refused.op} was allowed for a read-only anonymous login`);
      assert.equal(refused.error, '550 Permission denied (read-only account)', refused.op);
    }
  }
  assertRoRootUnchanged();
});

test('--anonymous: every write command is 550 for "anonymous" and "ftp" with any password; nothing changes on disk', async () => {
  const writes = ['STOR x.bin', 'APPE pub.bin', 'STOU', 'STOU pre', 'DELE pub.bin', 'MKD newdir', 'XMKD newdir', 'RMD docs', 'XRMD docs',
    'RNFR pub.bin', 'RNTO moved.bin', 'MFMT 20200102030405 pub.bin', 'SITE CHMOD 777 pub.bin'];
  for (const [user, pass] of [['anonymous', 'me@example.org'], ['ftp', 'x'], ['anonymous', 'any thing at all']]) {
    const c = await RawFtp.connect(ro.port);
    try {
      assert.equal((await c.next())!.code, 220);
      const u = await c.cmd(`USER ${user}`);
      assert.equal(u.code, 331);
      assert.match(u.message, /Anonymous login ok/);
      const p = await c.cmd(`PASS ${pass}`);
      assert.deepEqual([p.code, p.message], [230, 'Anonymous access granted, restrictions apply']);
      // a passive listener is ready, so a refusal is the permission check and not a missing data connection
      assert.equal((await c.cmd('EPSV')).code, 229);
      for (const w of writes) {
        const r = await c.cmd(w);
        assert.deepEqual([r.code, r.message], [550, 'Permission denied (read-only account)'], `${user}: ${w}`);
      }
      // reading still works in the same session
      assert.equal((await c.cmd('SIZE pub.bin')).message, String(SIZE));
      assert.equal((await c.cmd('CWD docs')).code, 250);
    } finally {
      c.close();
    }
  }
  assertRoRootUnchanged();
});

test('--anonymous-write: curl uploads and downloads (SHA-256 equal), MKD 257, DELE 250, RMD 250 for an anonymous login', async (t) => {
  if (!requirePeer(t, 'curl')) return;
  const base = `ftp://127.0.0.1:${rw.port}/`;
  const src = join(local.path, 'rw.bin');
  const sha = await randomFile(src, SIZE);
  for (const [tag, mode] of [['pasv', []], ['active', ['-P', '127.0.0.1']]] as const) {
    const up = await curl([...mode, '-T', src, `${base}rw-${tag}.bin`]);
    assert.equal(up.r.code, 0, describeRun('curl', up.full, up.r));
    assert.match(up.r.stderr, /> USER anonymous\r?\n< 331 /);
    assert.match(up.r.stderr, new RegExp(`> STOR rw-${tag}\\.bin\\r?\\n< 150 [^]*< 226 `));
    assert.equal(await sha256File(join(rwRoot.path, `rw-${tag}.bin`)), sha);
    const back = join(local.path, `rw-${tag}.back`);
    const dl = await curl([...mode, '-o', back, `${base}rw-${tag}.bin`]);
    assert.equal(dl.r.code, 0, describeRun('curl', dl.full, dl.r));
    assert.equal(await sha256File(back), sha);
  }
  const c = await RawFtp.connect(rw.port);
  try {
    await c.login('ftp', 'anything');
    assert.deepEqual([(await c.cmd('MKD made')).code, existsSync(join(rwRoot.path, 'made'))], [257, true]);
    assert.deepEqual([(await c.cmd('DELE rw-pasv.bin')).code, existsSync(join(rwRoot.path, 'rw-pasv.bin'))], [250, false]);
    assert.deepEqual([(await c.cmd('RMD made')).code, existsSync(join(rwRoot.path, 'made'))], [250, false]);
  } finally {
    c.close();
  }
});

test('--anonymous-write: ftplib as "anonymous" storbinary+retrbinary with set_pasv True/False, SHA-256 equal', async (t) => {
  if (!requirePeer(t, 'python3')) return;
  const src = join(local.path, 'py-rw.bin');
  const sha = await randomFile(src, 65537);
  for (const pasv of [true, false]) {
    const back = join(local.path, `py-rw-${pasv}.back`);
    const res = await ftplib(rw.port, 'anonymous', 'anonymous@', pasv, [
      { op: 'mkd', path: `d-${pasv}` }, { op: 'stor', local: src, remote: `d-${pasv}/py.bin` }, { op: 'retr', remote: `d-${pasv}/py.bin`, local: back },
    ]);
    assert.match(res.login, /^230 /);
    assert.deepEqual(res.ops.map((o) => o.ok), [true, true, true], JSON.stringify(res.ops));
    assert.equal(res.ops[0].result, `/d-${pasv}`);
    assert.match(String(res.ops[1].result), /^226 /);
    assert.equal(await sha256File(join(rwRoot.path, `d-${pasv}`, 'py.bin')), sha);
    assert.equal(await sha256File(back), sha);
  }
});

test('anonymous names are ordinary (refused) users without --anonymous; --anonymous-write alone exits 2', async () => {
  const d = tempDir('fg-srv-anon-off-');
  const srv = new FtpServer({ listen: [{ host: '127.0.0.1', port: 0 }], root: d.path, users: [{ name: 'u', password: 'p' }], pasvPorts: { min: 55000, max: 55049 }, maxLoginFailures: 5 });
  const [{ port }] = await srv.listen();
  try {
    const c = await RawFtp.connect(port);
    assert.equal((await c.next())!.code, 220);
    for (const user of ['anonymous', 'ftp']) {
      const u = await c.cmd(`USER ${user}`);
      assert.deepEqual([u.code, u.message], [331, `Password required for ${user}`]);
      assert.equal((await c.cmd('PASS me@example.org')).code, 530);
    }
    assert.equal((await c.cmd('PWD')).code, 530);
    c.close();
  } finally {
    await srv.close(100);
    d.cleanup();
  }
  const main = join(repoRoot(), 'dist/src/cli/main.js');
  const r = await run(process.execPath, [main, 'serve', '--listen', '127.0.0.1:0', '--root', local.path, '--anonymous-write'], { timeoutMs: 15_000 });
  assert.equal(r.code, 2, describeRun('ftpgate serve', ['--anonymous-write'], r));
  assert.match(r.stderr, /invalid configuration "anonymous_write": needs anonymous: true/);
});
