// Interop: the client library against a real pyftpdlib (passive, active, explicit FTPS), SHA-256 verified.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, mkdirSync, existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { Client, ModeMemory, type ClientOptions } from '../../src/client/index.js';
import { havePyftpdlib, requirePeer, startPyftpd, type RunningPeer } from '../client/helpers/pyftpd.js';
import { tempDir, randomFile, sha256, sha256File } from '../helpers/files.js';

const skip = requirePeer(havePyftpdlib(), 'pyftpdlib (apt install python3-pyftpdlib python3-openssl)');
const root = tempDir();
const local = tempDir();
let plain: RunningPeer;
let secure: RunningPeer;

before(async () => {
  if (skip) return;
  plain = await startPyftpd({ root: root.path, pasvRange: [53000, 53099] });
  secure = await startPyftpd({ root: root.path, pasvRange: [53100, 53199], tls: 'explicit', tlsRequired: true });
});
after(async () => {
  await plain?.stop();
  await secure?.stop();
  root.cleanup();
  local.cleanup();
});

const SIZES = [0, 1, 1000, 65537, 3 * 1024 * 1024 + 7];

function opts(peer: RunningPeer, extra: Partial<ClientOptions> = {}): ClientOptions {
  return { host: peer.host, port: peer.port, user: 'u', password: 'p', modeMemory: new ModeMemory(), activePorts: { min: 54000, max: 54999 }, ...extra };
}

for (const variant of ['passive', 'active', 'tls-passive', 'tls-active'] as const) {
  test(`pyftpdlib ${variant}: put/get files of sizes ${SIZES.join(',')} with SHA-256`, { skip }, async () => {
    const tls = variant.startsWith('tls');
    const mode = variant.endsWith('active') ? 'active' : 'passive';
    const peer = tls ? secure : plain;
    const c = await Client.connect(opts(peer, { mode, secure: tls ? 'explicit' : false, tls: tls ? { ca: readFileSync(peer.cert!) } : undefined }));
    try {
      assert.equal(c.secure, tls);
      await c.mkdir(`${variant}/deep/er`, { recursive: true });
      for (const size of SIZES) {
        const src = join(local.path, `${variant}-${size}.bin`);
        const hash = await randomFile(src, size);
        await c.putFile(src, `${variant}/deep/er/f${size}.bin`);
        assert.equal(c.lastData?.kind, mode);
        assert.equal(await sha256File(join(root.path, variant, 'deep/er', `f${size}.bin`)), hash, 'server copy');
        assert.equal(await c.size(`${variant}/deep/er/f${size}.bin`), size);
        const back = join(local.path, `${variant}-${size}.back`);
        await c.getFile(`${variant}/deep/er/f${size}.bin`, back);
        assert.equal(await sha256File(back), hash, 'downloaded copy');
      }
      const list = await c.list(`${variant}/deep/er`);
      assert.deepEqual(list.map((e) => e.name).sort(), SIZES.map((s) => `f${s}.bin`).sort());
      for (const e of list) {
        assert.equal(e.type, 'file');
        assert.equal(e.size, Number(e.name.slice(1, -4)));
      }
    } finally {
      await c.close();
    }
  });
}

test('pyftpdlib: streams, resume both ways, rename, lastMod, recursive remove', { skip }, async () => {
  const c = await Client.connect(opts(plain));
  try {
    // put from a stream with backpressure, get into a stream
    const payload = Buffer.alloc(2 * 1024 * 1024 + 3, 7);
    await c.put(Readable.from([payload.subarray(0, 1000), payload.subarray(1000)]), 'stream.bin');
    const sink = new PassThrough();
    const parts: Buffer[] = [];
    sink.on('data', (d: Buffer) => parts.push(d));
    await c.get('stream.bin', sink);
    assert.equal(sha256(Buffer.concat(parts)), sha256(payload));

    // resumed download: local file has the first part
    const src = join(local.path, 'resume.bin');
    const hash = await randomFile(src, 500000);
    writeFileSync(join(root.path, 'resume.bin'), readFileSync(src));
    const partial = join(local.path, 'resume.part');
    writeFileSync(partial, readFileSync(src).subarray(0, 123457));
    const moved = await c.getFile('resume.bin', partial, { resume: true });
    assert.equal(moved, 500000 - 123457);
    assert.equal(await sha256File(partial), hash);

    // resumed upload: the server has the first part
    writeFileSync(join(root.path, 'up-resume.bin'), readFileSync(src).subarray(0, 77777));
    const up = await c.putFile(src, 'up-resume.bin', { resume: true });
    assert.equal(up, 500000 - 77777);
    assert.equal(await sha256File(join(root.path, 'up-resume.bin')), hash);

    // a longer partial copy is another version: both directions start over instead of claiming "complete"
    writeFileSync(partial, Buffer.alloc(600000, 1));
    assert.equal(await c.getFile('resume.bin', partial, { resume: true }), 500000);
    assert.equal(await sha256File(partial), hash);
    writeFileSync(join(root.path, 'longer.bin'), Buffer.alloc(600000, 1));
    assert.equal(await c.putFile(src, 'longer.bin', { resume: true }), 500000);
    assert.equal(await sha256File(join(root.path, 'longer.bin')), hash);

    await c.rename('up-resume.bin', 'renamed.bin');
    assert.ok(existsSync(join(root.path, 'renamed.bin')));
    assert.ok(!existsSync(join(root.path, 'up-resume.bin')));
    const when = await c.lastMod('renamed.bin');
    assert.ok(Math.abs(when.getTime() - statSync(join(root.path, 'renamed.bin')).mtime.getTime()) < 2000);

    mkdirSync(join(root.path, 'tree/a/b'), { recursive: true });
    writeFileSync(join(root.path, 'tree/a/b/x'), 'x');
    writeFileSync(join(root.path, 'tree/y'), 'y');
    await c.remove('tree', { recursive: true });
    assert.ok(!existsSync(join(root.path, 'tree')));
    await assert.rejects(c.size('does-not-exist'), (e: Error & { reply?: number }) => e.reply === 550);
  } finally {
    await c.close();
  }
});

test('pyftpdlib: a second concurrent task fails with FTPGATE_ERR_CLIENT_BUSY; close remembers its cause', { skip }, async () => {
  const c = await Client.connect(opts(plain));
  const first = c.list('');
  await assert.rejects(c.list(''), (e: Error & { code?: string }) => e.code === 'FTPGATE_ERR_CLIENT_BUSY' && /one task at a time/.test(e.message) && /await the previous call/i.test(e.message));
  await first;
  c.destroy(new Error('test said stop'));
  await assert.rejects(c.pwd(), (e: Error & { code?: string }) => e.code === 'FTPGATE_ERR_CLIENT_CLOSED' && /test said stop/.test(e.message));
});

test('pyftpdlib: a name with CR/LF is refused before it is sent', { skip }, async () => {
  const c = await Client.connect(opts(plain));
  try {
    await assert.rejects(c.delete('a\r\nDELE b'), (e: Error & { code?: string }) => e.code === 'FTPGATE_ERR_PROTOCOL_UNSAFE_COMMAND');
    assert.equal(await c.pwd(), '/'); // still usable
  } finally {
    await c.close();
  }
});
