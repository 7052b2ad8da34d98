// Interop: real lftp against the ftpgate server: passive on/off (odd sizes and 100 MiB), mirror, mirror -R (parallel), pget -n 4; SHA-256 checked.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join, relative } from 'node:path';
import { copyFileSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { FtpServer } from '../../src/server/index.js';
import { peer, requirePeer, run, describeRun } from '../helpers/peers.js';
import { tempDir, randomFile, sha256File, ODD_SIZES, MiB, type TempDir } from '../helpers/files.js';

const PASV = { min: 52100, max: 52199 };
const USER = 'u';
const PASS = 'p w'; // a space, to check lftp's quoting reaches the server intact

let root: TempDir;
let local: TempDir;
let server: FtpServer;
let port = 0;
let port6 = 0;
/** Every command line the server received (from its JSON log events). */
const commands: string[] = [];

before(async () => {
  root = tempDir('fg-srv-lftp-root-');
  local = tempDir('fg-srv-lftp-local-');
  server = new FtpServer({
    listen: [{ host: '127.0.0.1', port: 0 }, { host: '::1', port: 0 }],
    root: root.path,
    users: [{ name: USER, password: PASS, write: true }],
    pasvPorts: PASV,
    logger: (e) => {
      const ev = e as { event?: string; line?: string };
      if (ev.event === 'command' && typeof ev.line === 'string') commands.push(ev.line);
    },
  });
  await server.listen();
  port = server.addresses().find((a) => a.host === '127.0.0.1')!.port;
  port6 = server.addresses().find((a) => a.host === '::1')!.port;
});

after(async () => {
  await server?.close();
  root?.cleanup();
  local?.cleanup();
});

/** Run an lftp script against our server; `settings` come before `open`. */
async function lftp(settings: string[], commands: string[], timeoutMs = 180_000, host = '127.0.0.1') {
  const script = [
    'set cmd:fail-exit yes', 'set net:max-retries 1', 'set net:timeout 20', 'set net:reconnect-interval-base 1',
    'set xfer:clobber on', 'set ftp:ssl-allow no', ...settings,
    `open -u "${USER}","${PASS}" -p ${host === '::1' ? port6 : port} ${host}`, ...commands,
  ].join('\n');
  const args = ['-d', '-c', script];
  const r = await run(peer('lftp')!, args, { timeoutMs });
  assert.equal(r.code, 0, describeRun('lftp', args, r));
  return r;
}

/** Map relative path -> SHA-256 of every file under dir. */
async function treeHashes(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const walk = async (d: string) => {
    for (const n of readdirSync(d)) {
      const p = join(d, n);
      if (statSync(p).isDirectory()) await walk(p);
      else out.set(relative(dir, p), await sha256File(p));
    }
  };
  await walk(dir);
  return out;
}

/** A small tree: nested folders, every odd size, a name with a space. */
async function makeTree(dir: string): Promise<void> {
  mkdirSync(join(dir, 'a/b/c'), { recursive: true });
  mkdirSync(join(dir, 'empty dir'), { recursive: true });
  let i = 0;
  for (const sub of ['', 'a', 'a/b', 'a/b/c']) {
    for (const size of ODD_SIZES) await randomFile(join(dir, sub, `file ${i++}-${size}.bin`), size);
  }
}

for (const passive of [true, false]) {
  test(`lftp ftp:passive-mode ${passive ? 'on' : 'off'}: put/get of ${ODD_SIZES.join(', ')} bytes, SHA-256 equal`, async (t) => {
    if (!requirePeer(t, 'lftp')) return;
    const tag = passive ? 'pasv' : 'active';
    const cmds: string[] = [];
    const shas = new Map<string, string>();
    for (const size of ODD_SIZES) {
      const name = `lftp-${tag}-${size}.bin`;
      shas.set(name, await randomFile(join(local.path, name), size));
      cmds.push(`put ${join(local.path, name)} -o ${name}`, `get ${name} -o ${join(local.path, name + '.back')}`);
    }
    const r = await lftp([`set ftp:passive-mode ${passive ? 'on' : 'off'}`], cmds);
    // lftp -d shows the commands sent: prove the data mode.
    if (passive) assert.match(r.stderr, /---> (EPSV|PASV)/);
    else {
      assert.match(r.stderr, /---> (EPRT|PORT) /);
      assert.doesNotMatch(r.stderr, /---> (EPSV|PASV)/);
    }
    for (const [name, sha] of shas) {
      assert.equal(await sha256File(join(root.path, name)), sha, `server copy of ${name}`);
      assert.equal(await sha256File(join(local.path, name + '.back')), sha, `downloaded ${name}`);
    }
  });
}

for (const passive of [true, false]) {
  test(`lftp mirror (download, --parallel=3, passive ${passive ? 'on' : 'off'}) copies a tree exactly`, async (t) => {
    if (!requirePeer(t, 'lftp')) return;
    const tag = passive ? 'pasv' : 'active';
    const src = join(root.path, `mirror-src-${tag}`);
    mkdirSync(src);
    await makeTree(src);
    const dst = join(local.path, `mirror-dst-${tag}`);
    await lftp([`set ftp:passive-mode ${passive ? 'on' : 'off'}`], [`mirror --parallel=3 mirror-src-${tag} ${dst}`]);
    assert.deepEqual(await treeHashes(dst), await treeHashes(src));
    assert.ok(statSync(join(dst, 'empty dir')).isDirectory(), 'empty directory not mirrored');
  });

  test(`lftp mirror -R (upload, --parallel=3, passive ${passive ? 'on' : 'off'}) copies a tree exactly`, async (t) => {
    if (!requirePeer(t, 'lftp')) return;
    const tag = passive ? 'pasv' : 'active';
    const src = join(local.path, `mirror-r-src-${tag}`);
    mkdirSync(src);
    await makeTree(src);
    await lftp([`set ftp:passive-mode ${passive ? 'on' : 'off'}`], [`mirror -R --parallel=3 ${src} mirror-r-dst-${tag}`]);
    const dst = join(root.path, `mirror-r-dst-${tag}`);
    assert.deepEqual(await treeHashes(dst), await treeHashes(src));
    assert.ok(statSync(join(dst, 'empty dir')).isDirectory(), 'empty directory not mirrored');
  });
}

/** One 100 MiB source file, made on first use and shared by the 100 MiB tests. */
let big: Promise<{ path: string; sha: string }> | undefined;
const bigFile = () => (big ??= (async () => {
  const path = join(local.path, 'big-100MiB.bin');
  return { path, sha: await randomFile(path, 100 * MiB) };
})());

for (const passive of [true, false]) {
  test(`lftp ftp:passive-mode ${passive ? 'on' : 'off'}: 100 MiB put and get, SHA-256 equal`, async (t) => {
    if (!requirePeer(t, 'lftp')) return;
    const { path, sha } = await bigFile();
    const name = `lftp-big-${passive ? 'pasv' : 'active'}.bin`;
    const back = join(local.path, name + '.back');
    const r = await lftp([`set ftp:passive-mode ${passive ? 'on' : 'off'}`], [`put ${path} -o ${name}`, `get ${name} -o ${back}`]);
    if (passive) assert.match(r.stderr, /---> (EPSV|PASV)/);
    else {
      assert.match(r.stderr, /---> (EPRT|PORT) /);
      assert.doesNotMatch(r.stderr, /---> (EPSV|PASV)/);
    }
    assert.equal(statSync(join(root.path, name)).size, 100 * MiB);
    assert.equal(await sha256File(join(root.path, name)), sha, 'server copy differs after put');
    assert.equal(statSync(back).size, 100 * MiB);
    assert.equal(await sha256File(back), sha, 'downloaded copy differs after get');
    rmSync(join(root.path, name));
    rmSync(back);
  });
}

test('lftp pget -n 4 of a 100 MiB file (4 connections, REST at 4 offsets), SHA-256 equal', async (t) => {
  if (!requirePeer(t, 'lftp')) return;
  const { path, sha } = await bigFile();
  copyFileSync(path, join(root.path, 'pget-big.bin'));
  const out = join(local.path, 'pget-big.bin');
  commands.length = 0;
  await lftp(['set ftp:passive-mode on', 'set pget:min-chunk-size 1M'], [`pget -n 4 pget-big.bin -o ${out}`]);
  // The server saw the parallel ranged requests (lftp -d only prints the first connection's commands).
  const rests = new Set(commands.map((l) => /^REST (\d+)$/i.exec(l)?.[1]).filter((x) => x && x !== '0'));
  assert.ok(commands.filter((l) => /^RETR /i.test(l)).length >= 4, 'expected 4 RETR');
  assert.ok(rests.size >= 3, `expected >= 3 distinct REST offsets, saw ${[...rests].join(',')}`);
  assert.equal(statSync(out).size, 100 * MiB);
  assert.equal(await sha256File(out), sha);
});

test('lftp pget -n 4 in active mode, odd size', async (t) => {
  if (!requirePeer(t, 'lftp')) return;
  const size = 5 * MiB + 7;
  const sha = await randomFile(join(root.path, 'pget-odd.bin'), size);
  const out = join(local.path, 'pget-odd.bin');
  await lftp(['set ftp:passive-mode off', 'set pget:min-chunk-size 64k'], [`pget -n 4 pget-odd.bin -o ${out}`]);
  assert.equal(await sha256File(out), sha);
});

// In active mode lftp 4.9 advertises the unspecified address (`EPRT |2|::|port|`), which ProFTPD, pure-ftpd and
// pyftpdlib refuse as foreign; ftpgate (like vsftpd) takes it to mean the control peer, which is safe.
test('lftp over IPv6 [::1]: passive (EPSV) and active (EPRT) put/get, SHA-256 equal', async (t) => {
  if (!requirePeer(t, 'lftp')) return;
  for (const passive of [true, false]) {
    const name = `lftp-v6-${passive}.bin`;
    const sha = await randomFile(join(local.path, name), 1000003);
    const r = await lftp([`set ftp:passive-mode ${passive ? 'on' : 'off'}`],
      [`put ${join(local.path, name)} -o ${name}`, `get ${name} -o ${join(local.path, name + '.back')}`], 60_000, '::1');
    assert.match(r.stderr, passive ? /---> EPSV/ : /---> EPRT \|2\|::(1)?\|/);
    assert.equal(await sha256File(join(root.path, name)), sha);
    assert.equal(await sha256File(join(local.path, name + '.back')), sha);
  }
});
