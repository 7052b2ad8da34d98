// Interop: mirror both ways against pyftpdlib with 3 parallel connections; only-newer, delete, globs, resume of a .ftpgate-part.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync, readFileSync, existsSync, utimesSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Client, ModeMemory, mirror, PART_SUFFIX } from '../../src/client/index.js';
import { havePyftpdlib, requirePeer, startPyftpd, type RunningPeer } from '../client/helpers/pyftpd.js';
import { tempDir, randomFile, sha256File } from '../helpers/files.js';

const skip = requirePeer(havePyftpdlib(), 'pyftpdlib');
const root = tempDir();
const local = tempDir();
let peer: RunningPeer;
before(async () => { if (!skip) peer = await startPyftpd({ root: root.path, pasvRange: [53500, 53599] }); });
after(async () => { await peer?.stop(); root.cleanup(); local.cleanup(); });

const memory = new ModeMemory();
let connections = 0;
const connect = (mode: 'passive' | 'active') => () => {
  connections++;
  return Client.connect({ host: peer.host, port: peer.port, user: 'u', password: 'p', mode, modeMemory: memory, activePorts: { min: 54000, max: 54999 } });
};

async function makeTree(dir: string): Promise<Map<string, string>> {
  const hashes = new Map<string, string>();
  const files = ['a.bin', 'b.txt', 'sub/c.bin', 'sub/deeper/d.bin', 'sub/deeper/e.log', 'other/f.bin', 'empty.bin'];
  for (const f of files) {
    mkdirSync(join(dir, f, '..'), { recursive: true });
    hashes.set(f, await randomFile(join(dir, f), f === 'empty.bin' ? 0 : 1000 + f.length * 12345));
  }
  return hashes;
}

async function assertTree(dir: string, hashes: Map<string, string>) {
  for (const [f, h] of hashes) assert.equal(await sha256File(join(dir, f)), h, f);
}

// pyftpdlib's async loop sometimes stops reading an active-mode upload while other sessions are busy
// (upstream giampaolo/pyftpdlib#548; seen here as a zero TCP window on the data connection), so active runs one connection.
for (const mode of ['passive', 'active'] as const) {
  const parallel = mode === 'passive' ? 3 : 1;
  test(`mirror -R (upload) then mirror (download), ${mode}, ${parallel} connection(s), SHA-256 of every file`, { skip }, async () => {
    const src = join(local.path, `${mode}-src`);
    const hashes = await makeTree(src);
    connections = 0;
    const up = await mirror({ connect: connect(mode), direction: 'upload', localDir: src, remoteDir: `${mode}/m`, parallel });
    assert.deepEqual(up.errors, []);
    assert.equal(up.transferred, hashes.size);
    assert.equal(connections, 1 + parallel, 'one walker + the parallel workers');
    await assertTree(join(root.path, mode, 'm'), hashes);

    const dst = join(local.path, `${mode}-dst`);
    const down = await mirror({ connect: connect(mode), direction: 'download', remoteDir: `${mode}/m`, localDir: dst, parallel });
    assert.deepEqual(down.errors, []);
    assert.equal(down.transferred, hashes.size);
    await assertTree(dst, hashes);

    // A second run transfers nothing (times were carried over: utimes locally, MFMT remotely).
    const again = await mirror({ connect: connect(mode), direction: 'download', remoteDir: `${mode}/m`, localDir: dst, parallel, onlyNewer: true });
    assert.equal(again.transferred, 0);
    assert.equal(again.skipped, hashes.size);
  });
}

test('mirror: include/exclude globs, only-missing, delete extraneous', { skip }, async () => {
  const src = join(local.path, 'glob-src');
  await makeTree(src);
  await mirror({ connect: connect('passive'), direction: 'upload', localDir: src, remoteDir: 'g', parallel: 2 });
  const dst = join(local.path, 'glob-dst');
  const r = await mirror({ connect: connect('passive'), direction: 'download', remoteDir: 'g', localDir: dst, include: ['*.bin'], exclude: ['other', 'sub/deeper/**'] });
  assert.deepEqual(r.errors, []);
  const got = readdirSync(dst, { recursive: true }).map(String).filter((p) => p.includes('.')).sort();
  assert.deepEqual(got, ['a.bin', 'empty.bin', 'sub/c.bin']);

  // only-missing leaves a changed local file alone
  writeFileSync(join(dst, 'a.bin'), 'changed locally');
  const om = await mirror({ connect: connect('passive'), direction: 'download', remoteDir: 'g', localDir: dst, include: ['*.bin'], exclude: ['other', 'sub/deeper/**'], onlyMissing: true });
  assert.equal(om.transferred, 0);
  assert.equal(readFileSync(join(dst, 'a.bin'), 'utf8'), 'changed locally');

  // delete: an extra local file goes away; the changed one is replaced (size differs)
  writeFileSync(join(dst, 'extra.bin'), 'x');
  const del = await mirror({ connect: connect('passive'), direction: 'download', remoteDir: 'g', localDir: dst, include: ['*.bin'], exclude: ['other', 'sub/deeper/**'], delete: true });
  assert.ok(!existsSync(join(dst, 'extra.bin')));
  assert.equal(del.deleted, 1);
  assert.equal(await sha256File(join(dst, 'a.bin')), await sha256File(join(src, 'a.bin')));

  // delete on upload: a remote file the source does not have is removed
  writeFileSync(join(root.path, 'g', 'stale.bin'), 'old');
  await mirror({ connect: connect('passive'), direction: 'upload', localDir: src, remoteDir: 'g', delete: true });
  assert.ok(!existsSync(join(root.path, 'g', 'stale.bin')));
});

test('mirror resumes an interrupted download from its .ftpgate-part file', { skip }, async () => {
  const remote = join(root.path, 'res');
  mkdirSync(remote, { recursive: true });
  const hash = await randomFile(join(remote, 'big.bin'), 2_000_001);
  const dst = join(local.path, 'res-dst');
  mkdirSync(dst, { recursive: true });
  writeFileSync(join(dst, 'big.bin' + PART_SUFFIX), readFileSync(join(remote, 'big.bin')).subarray(0, 1_500_000));
  const events: string[] = [];
  const r = await mirror({ connect: connect('passive'), direction: 'download', remoteDir: 'res', localDir: dst, onEvent: (e) => { if (e.type === 'start') events.push(`start ${e.path} from ${e.resumeFrom}`); } });
  assert.deepEqual(events, ['start big.bin from 1500000']);
  assert.equal(r.bytes, 500_001);
  assert.equal(await sha256File(join(dst, 'big.bin')), hash);
  assert.ok(!existsSync(join(dst, 'big.bin' + PART_SUFFIX)));
  // older local copy is replaced when the remote one is newer
  utimesSync(join(dst, 'big.bin'), new Date(2000, 1, 1), new Date(2000, 1, 1));
  const again = await mirror({ connect: connect('passive'), direction: 'download', remoteDir: 'res', localDir: dst, onlyNewer: true });
  assert.equal(again.transferred, 1);
});
