// Atomic uploads as a unit: commit only when complete, keep what can be resumed, never truncate, sweep stale temp files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync, readFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { Readable, PassThrough } from 'node:stream';
import { receiveUpload, sweepStaleUploads } from '../../src/server/atomic-upload.js';
import { FtpServer } from '../../src/server/index.js';
import { tempDir } from '../helpers/files.js';

test('complete upload replaces atomically; incomplete one leaves the old file; temp files never stay', async () => {
  const d = tempDir('fg-atomic-');
  try {
    const target = join(d.path, 't.bin');
    writeFileSync(target, 'old');
    const r1 = await receiveUpload({ target, keep: 0, existingSize: 3, keepPartial: true }, Readable.from([Buffer.from('new!')]), [], () => false);
    assert.deepEqual(r1, { bytes: 4, committed: false, complete: false });
    assert.equal(readFileSync(target, 'utf8'), 'old');
    const failing = new PassThrough();
    const p = receiveUpload({ target, keep: 0, existingSize: 3, keepPartial: true }, failing, [], () => true);
    failing.write('partial');
    setTimeout(() => failing.destroy(new Error('reset')), 20);
    assert.equal((await p).committed, false);
    assert.equal(readFileSync(target, 'utf8'), 'old');
    const r3 = await receiveUpload({ target, keep: 2, existingSize: 3, keepPartial: true }, Readable.from([Buffer.from('XY')]), [], () => true);
    assert.equal(r3.complete, true);
    assert.equal(readFileSync(target, 'utf8'), 'olXY');
    await assert.rejects(receiveUpload({ target, keep: 10, existingSize: 4, keepPartial: true }, Readable.from([]), [], () => true), { reply: 554 });
    assert.deepEqual(readdirSync(d.path), ['t.bin']);
  } finally { d.cleanup(); }
});

test('stale temp files of a killed server are swept when the server starts', async () => {
  const d = tempDir('fg-sweep-');
  try {
    mkdirSync(join(d.path, 'a', 'b'), { recursive: true });
    const stale = join(d.path, 'a', 'b', '.ftpgate-upload-0123456789ab-x.bin.part');
    writeFileSync(stale, 'half');
    writeFileSync(join(d.path, 'a', 'keep.part'), 'not ours');
    let count = -1;
    await sweepStaleUploads(d.path, (n) => (count = n));
    assert.equal(count, 1);
    assert.ok(!existsSync(stale) && existsSync(join(d.path, 'a', 'keep.part')));
    writeFileSync(stale, 'half');
    const events: { event: string; count?: number }[] = [];
    const s = new FtpServer({ root: d.path, listen: [{ host: '127.0.0.1', port: 0 }], users: [{ name: 'u', password: 'p' }], logger: (e) => events.push(e as never) });
    await s.listen();
    for (let i = 0; i < 50 && existsSync(stale); i++) await new Promise((r) => setTimeout(r, 20));
    await s.close(0);
    assert.ok(!existsSync(stale));
    assert.deepEqual(events.find((e) => e.event === 'stale-uploads-removed')?.count, 1);
  } finally { d.cleanup(); }
});
