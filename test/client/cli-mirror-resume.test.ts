// An interrupted `ftpgate mirror` (process killed mid-file) resumes on the next run with REST from the .ftpgate-part size.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startFakeServer } from './helpers/fake-server.js';
import { tempDir, sha256, sha256File } from '../helpers/files.js';

const MAIN = resolve(dirname(fileURLToPath(import.meta.url)), '../../src/cli/main.js');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('mirror killed mid-transfer resumes from the partial file on the next run', async () => {
  const body = randomBytes(1_000_000);
  let rest = 0;
  let retrs = 0;
  const restSeen: number[] = [];
  const srv = await startFakeServer({
    LIST: async (_a, s) => { const d = await s.takeData(); s.reply('150 Here\r\n'); d.end('-rw-r--r-- 1 a b 1000000 Jan 1 2020 big.bin\r\n', () => s.reply('226 Done\r\n')); },
    SIZE: (_a, s) => s.reply('213 1000000\r\n'),
    REST: (a, s) => { rest = Number(a); restSeen.push(rest); s.reply(`350 Restarting at ${rest}\r\n`); },
    RETR: async (_a, s) => {
      retrs++;
      const d = await s.takeData();
      s.reply('150 Here\r\n');
      const from = rest;
      rest = 0;
      if (retrs === 1) {
        d.write(body.subarray(0, 400_000)); // then stall: the client is killed while waiting for the rest
        return;
      }
      d.end(body.subarray(from), () => s.reply('226 Done\r\n'));
    },
  });
  const dir = tempDir();
  const part = join(dir.path, 'big.bin.ftpgate-part');
  const run = () => spawn(process.execPath, [MAIN, 'mirror', '--mode', 'passive', `ftp://u:p@127.0.0.1:${srv.port}/r`, dir.path], { env: { ...process.env, FTPGATE_CACHE_DIR: join(dir.path, '.cache') }, stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    const first = run();
    for (let i = 0; i < 100 && !(existsSync(part) && statSync(part).size >= 400_000); i++) await sleep(50);
    assert.equal(statSync(part).size, 400_000, 'first run wrote the part it received');
    first.kill('SIGKILL');
    await new Promise((r) => first.on('close', r));
    assert.ok(!existsSync(join(dir.path, 'big.bin')));

    const second = run();
    let err = '';
    second.stderr.on('data', (d) => { err += d; });
    const code = await new Promise((r) => second.on('close', r));
    assert.equal(code, 0, err);
    assert.deepEqual(restSeen, [400_000]);
    assert.match(err, /resuming at 390\.6 KiB/);
    assert.match(err, /mirror: 1 transferred \(585\.9 KiB\)/, 'only the missing 600000 bytes moved');
    assert.equal(await sha256File(join(dir.path, 'big.bin')), sha256(body));
    assert.ok(!existsSync(part));
  } finally {
    dir.cleanup();
    await srv.close();
  }
});
