// Interop: the client against ftpgate's own server (src/server), passive and active, transfers, listing and mirror.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { FtpServer } from '../../src/server/index.js';
import { Client, ModeMemory, mirror, runDoctor, formatDoctorReport } from '../../src/client/index.js';
import { tempDir, randomFile, sha256File } from '../helpers/files.js';

const root = tempDir();
const local = tempDir();
let server: FtpServer;
let port: number;

before(async () => {
  server = new FtpServer({
    listen: [{ host: '127.0.0.1', port: 0 }],
    root: root.path,
    users: [{ name: 'u', password: 'p', write: true }],
    pasvPorts: { min: 53730, max: 53749 },
  });
  await server.listen();
  port = server.addresses()[0].port;
});
after(async () => {
  await server?.close();
  root.cleanup();
  local.cleanup();
});

for (const mode of ['passive', 'active'] as const) {
  test(`ftpgate server ${mode}: put/get with SHA-256, MLSD listing, size, rename, mkdir -p, remove -r`, async () => {
    const c = await Client.connect({ host: '127.0.0.1', port, user: 'u', password: 'p', mode, modeMemory: new ModeMemory(), activePorts: { min: 54000, max: 54999 } });
    try {
      await c.mkdir(`${mode}/a/b`, { recursive: true });
      for (const size of [0, 1, 65537, 1_000_003]) {
        const src = join(local.path, `${mode}-${size}`);
        const hash = await randomFile(src, size);
        await c.putFile(src, `${mode}/a/b/f${size}`);
        assert.equal(c.lastData?.kind, mode);
        assert.equal(await sha256File(join(root.path, mode, 'a/b', `f${size}`)), hash);
        assert.equal(await c.size(`${mode}/a/b/f${size}`), size);
        await c.getFile(`${mode}/a/b/f${size}`, `${src}.back`);
        assert.equal(await sha256File(`${src}.back`), hash);
      }
      const list = await c.list(`${mode}/a/b`);
      assert.deepEqual(list.map((e) => e.name).sort(), ['f0', 'f1', 'f1000003', 'f65537']);
      assert.ok(list.every((e) => e.format === 'mlsd' && e.type === 'file'));
      await c.rename(`${mode}/a/b/f1`, `${mode}/a/renamed`);
      await c.remove(mode, { recursive: true });
      assert.deepEqual((await c.list('')).filter((e) => e.name === mode), []);
    } finally {
      await c.close();
    }
  });
}

test('ftpgate server: mirror -R and back over 3 connections', async () => {
  const src = join(local.path, 'tree');
  const hashes = new Map<string, string>();
  for (const f of ['a', 'd/b', 'd/e/c']) {
    mkdirSync(join(src, f, '..'), { recursive: true });
    hashes.set(f, await randomFile(join(src, f), 30_000 + f.length));
  }
  const memory = new ModeMemory();
  const connect = () => Client.connect({ host: '127.0.0.1', port, user: 'u', password: 'p', modeMemory: memory });
  const up = await mirror({ connect, direction: 'upload', localDir: src, remoteDir: 'm', parallel: 3 });
  assert.deepEqual(up.errors, []);
  const dst = join(local.path, 'back');
  const down = await mirror({ connect, direction: 'download', remoteDir: 'm', localDir: dst, parallel: 3 });
  assert.deepEqual(down.errors, []);
  for (const [f, h] of hashes) assert.equal(await sha256File(join(dst, f)), h, f);
});

test('doctor: announcing a foreign active address is refused by the server (bounce protection) and explained', async () => {
  const report = await runDoctor({ host: '127.0.0.1', port, user: 'u', password: 'p', activeAddress: '127.0.0.2', dataTimeoutMs: 3000 });
  const text = formatDoctorReport(report);
  const row = (cmd: string) => report.probes.find((p) => p.command === cmd && !p.tls)!;
  assert.equal(row('EPSV').ok, true, text);
  assert.equal(row('PASV').ok, true, text);
  assert.equal(row('PORT').ok, false, text);
  assert.equal(row('EPRT').ok, false, text);
  assert.match(text, /EPRT: the server refused the address we announced \(5\d\d/);
  assert.match(text, /protection against FTP bounce/);
  assert.match(text, /--active-address PUBLIC_IP/);
});
