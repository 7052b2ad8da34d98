// Interop: GNU wget against the ftpgate server: passive and active downloads, and a recursive download that parses our LIST format.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join, relative } from 'node:path';
import { mkdirSync, readdirSync, statSync } from 'node:fs';
import { FtpServer } from '../../src/server/index.js';
import { peer, requirePeer, run, describeRun } from '../helpers/peers.js';
import { tempDir, randomFile, sha256File, ODD_SIZES, type TempDir } from '../helpers/files.js';

const PASV = { min: 52400, max: 52449 };

let root: TempDir;
let local: TempDir;
let server: FtpServer;
let port = 0;

before(async () => {
  root = tempDir('fg-srv-wget-root-');
  local = tempDir('fg-srv-wget-local-');
  server = new FtpServer({ listen: [{ host: '127.0.0.1', port: 0 }], root: root.path, users: [{ name: 'w', password: 'wpw', write: true }], pasvPorts: PASV });
  await server.listen();
  port = server.addresses()[0].port;
});

after(async () => {
  await server?.close();
  root?.cleanup();
  local?.cleanup();
});

async function wget(args: string[]) {
  const full = ['-nv', '--tries=1', '--timeout=20', '--no-netrc', ...args];
  const r = await run(peer('wget')!, full, { timeoutMs: 60_000 });
  assert.equal(r.code, 0, describeRun('wget', full, r));
  return r;
}

for (const passive of [true, false]) {
  test(`wget ${passive ? 'passive' : '--no-passive-ftp (active)'}: downloads of ${ODD_SIZES.join(', ')} bytes, SHA-256 equal`, async (t) => {
    if (!requirePeer(t, 'wget')) return;
    for (const size of ODD_SIZES) {
      const name = `wget-${passive}-${size}.bin`;
      const sha = await randomFile(join(root.path, name), size);
      const out = join(local.path, name);
      await wget([...(passive ? [] : ['--no-passive-ftp']), '-O', out, `ftp://w:wpw@127.0.0.1:${port}/${name}`]);
      assert.equal(await sha256File(out), sha);
    }
  });
}

test('wget -r (recursive, parses LIST output) copies a tree', async (t) => {
  if (!requirePeer(t, 'wget')) return;
  mkdirSync(join(root.path, 'tree/a/b'), { recursive: true });
  const expect = new Map<string, string>();
  for (const [i, sub] of ['tree', 'tree/a', 'tree/a/b'].entries()) {
    expect.set(`${sub}/f${i}.bin`, await randomFile(join(root.path, sub, `f${i}.bin`), 65537 + i));
  }
  const dest = join(local.path, 'rec');
  await wget(['-r', '-nH', '-P', dest, `ftp://w:wpw@127.0.0.1:${port}/tree/`]);
  const got = new Map<string, string>();
  const walk = async (d: string) => {
    for (const n of readdirSync(d)) {
      const p = join(d, n);
      if (statSync(p).isDirectory()) await walk(p);
      else if (n !== '.listing') got.set(relative(dest, p), await sha256File(p));
    }
  };
  await walk(dest);
  assert.deepEqual(got, expect);
});
