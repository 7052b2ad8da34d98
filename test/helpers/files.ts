// Test files: temp dirs with cleanup, random files of any size streamed to disk, streaming SHA-256.
//
//   const d = await tempDir('fg-');           // { path, cleanup() }
//   const sha = await randomFile(join(d.path, 'big'), 100 * MiB);   // never builds the file in memory
//   assert.equal(await sha256File(p), sha);
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, mkdtempSync, rmSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';

export const KiB = 1024;
export const MiB = 1024 * 1024;

/** The sizes every transfer matrix covers: empty, one byte, odd sizes around buffer boundaries. */
export const ODD_SIZES = [0, 1, 65537, 1000003] as const;

export interface TempDir {
  path: string;
  cleanup(): void;
}

/**
 * A fresh temp directory. `worldReadable` makes it 0755 (needed when a server drops privileges to
 * the ftpgate-test user and must traverse into it).
 */
export function tempDir(prefix = 'ftpgate-', opts: { worldReadable?: boolean } = {}): TempDir {
  const path = mkdtempSync(join(tmpdir(), prefix));
  if (opts.worldReadable) chmodSync(path, 0o755);
  return { path, cleanup: () => rmSync(path, { recursive: true, force: true }) };
}

/** Write `size` random bytes to `path` in 1 MiB chunks with backpressure; resolves to the SHA-256 (hex). */
export async function randomFile(path: string, size: number): Promise<string> {
  const hash = createHash('sha256');
  const out = createWriteStream(path);
  const failed = once(out, 'error').then(([e]) => { throw e; });
  failed.catch(() => {});
  let left = size;
  while (left > 0) {
    const n = Math.min(left, MiB);
    const chunk = randomBytes(n);
    hash.update(chunk);
    left -= n;
    if (!out.write(chunk)) await Promise.race([once(out, 'drain'), failed]);
  }
  out.end();
  await Promise.race([once(out, 'finish'), failed]);
  await new Promise<void>((res) => (out.closed ? res() : out.once('close', () => res())));
  return hash.digest('hex');
}

/** SHA-256 (hex) of a file, streamed. */
export function sha256File(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    createReadStream(path, { highWaterMark: MiB })
      .on('data', (d) => h.update(d))
      .on('end', () => resolve(h.digest('hex')))
      .on('error', reject);
  });
}

/** SHA-256 (hex) of a buffer or string. */
export function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Name for a test file of a given size, e.g. f-65537.bin. */
export function sizedName(size: number, prefix = 'f'): string {
  return `${prefix}-${size}.bin`;
}
