// SECURITY: mirror never writes outside the target directory for listing names like "..", "a/b", "" or "../x".
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, existsSync, mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { Client, ModeMemory, mirror, containedPath, isSafeEntryName } from '../../src/client/index.js';
import { startFakeServer } from './helpers/fake-server.js';
import { tempDir } from '../helpers/files.js';

const HOSTILE_LIST = [
  '-rw-r--r-- 1 a b 5 Jan 1 2020 ..',
  '-rw-r--r-- 1 a b 5 Jan 1 2020 .',
  '-rw-r--r-- 1 a b 5 Jan 1 2020 a/b',
  '-rw-r--r-- 1 a b 5 Jan 1 2020 ../evil',
  '-rw-r--r-- 1 a b 5 Jan 1 2020 ',
  '-rw-r--r-- 1 a b 5 Jan 1 2020 back\\slash',
  'drwxr-xr-x 1 a b 0 Jan 1 2020 ..',
  '-rw-r--r-- 1 a b 5 Jan 1 2020 good.txt',
  'garbage line the parser cannot read',
].join('\r\n') + '\r\n';

test('mirror download over a hostile listing writes only good.txt, inside the target', async () => {
  const retrieved: string[] = [];
  const srv = await startFakeServer({
    LIST: async (_a, s) => { const d = await s.takeData(); s.reply('150 Here\r\n'); d.end(HOSTILE_LIST, () => s.reply('226 Done\r\n')); },
    RETR: async (a, s) => { retrieved.push(a); const d = await s.takeData(); s.reply('150 Here\r\n'); d.end('hello', () => s.reply('226 Done\r\n')); },
  });
  const outer = tempDir();
  const target = join(outer.path, 'target');
  try {
    const memory = new ModeMemory();
    const res = await mirror({
      connect: () => Client.connect({ host: '127.0.0.1', port: srv.port, mode: 'passive', modeMemory: memory }),
      direction: 'download', remoteDir: 'dir', localDir: target, parallel: 2,
    });
    assert.deepEqual(retrieved, ['dir/good.txt']);
    assert.deepEqual(readdirSync(outer.path), ['target']);
    assert.deepEqual(readdirSync(target), ['good.txt']);
    assert.equal(readFileSync(join(target, 'good.txt'), 'utf8'), 'hello');
    assert.equal(res.transferred, 1);
    assert.ok(res.warnings.some((w) => w.includes('unsafe name') && w.includes('"../evil"')));
    assert.ok(res.warnings.some((w) => w.includes('garbage line')), 'unknown lines are reported, not dropped silently');
  } finally {
    outer.cleanup();
    await srv.close();
  }
});

test('mirror refuses to write through a planted symlink to outside the target', async () => {
  const srv = await startFakeServer({
    LIST: async (a, s) => {
      const d = await s.takeData(); s.reply('150 Here\r\n');
      const body = a === 'r' ? 'drwxr-xr-x 1 a b 0 Jan 1 2020 sub\r\n' : '-rw-r--r-- 1 a b 5 Jan 1 2020 f\r\n';
      d.end(body, () => s.reply('226 Done\r\n'));
    },
    RETR: async (_a, s) => { const d = await s.takeData(); s.reply('150 Here\r\n'); d.end('hello', () => s.reply('226 Done\r\n')); },
  });
  const outer = tempDir();
  const target = join(outer.path, 'target');
  const elsewhere = join(outer.path, 'elsewhere');
  mkdirSync(target);
  mkdirSync(elsewhere);
  symlinkSync(elsewhere, join(target, 'sub'));
  try {
    const memory = new ModeMemory();
    await assert.rejects(mirror({
      connect: () => Client.connect({ host: '127.0.0.1', port: srv.port, mode: 'passive', modeMemory: memory }),
      direction: 'download', remoteDir: 'r', localDir: target, parallel: 1,
    }), (e: Error & { code?: string }) => e.code === 'FTPGATE_ERR_CLIENT_UNSAFE_NAME');
    assert.deepEqual(readdirSync(elsewhere), []);
  } finally {
    outer.cleanup();
    await srv.close();
  }
});

test('isSafeEntryName / containedPath table', () => {
  for (const bad of ['', '.', '..', 'a/b', '../x', 'a\\b', 'a\0b', 'a\nb']) assert.equal(isSafeEntryName(bad), false, JSON.stringify(bad));
  for (const good of ['a', '.hidden', '..x', 'x..', 'with space', 'ünï']) assert.equal(isSafeEntryName(good), true, good);
  assert.throws(() => containedPath('/tmp/t', 'a/../../etc'), /unsafe name/);
  assert.throws(() => containedPath('/tmp/t', '/etc/passwd'), /unsafe name/);
  assert.equal(containedPath('/tmp/t', 'a/b'), '/tmp/t/a/b');
  assert.ok(!existsSync('/tmp/t/a/b'));
});
