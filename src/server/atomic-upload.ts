// Uploads that never damage what exists: data goes to a temp file in the target's directory, is fsynced, then renamed over the target.
import { createWriteStream } from 'node:fs';
import { copyFile, open, rename, stat, truncate, unlink } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Readable, Transform } from 'node:stream';
import { UPLOAD_TEMP_PREFIX } from './confined-fs.js';
import { ErrorCodes, FtpgateError } from '../protocol/errors.js';
import { R } from '../protocol/reply-codes.js';

export interface UploadPlan {
  target: string;
  /** Bytes of the existing target to keep before the new data (REST n + STOR, or APPE = whole file). */
  keep: number;
  /** Existing size of the target, or -1 when it does not exist. */
  existingSize: number;
  keepPartial: boolean;
}

export interface UploadResult { bytes: number; committed: boolean; complete: boolean }

async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try { await fh.sync(); } catch { /* some filesystems refuse directory fsync */ } finally { await fh.close(); }
}

/**
 * Receive `source` into the target. `isComplete()` is asked after the data ended (the control
 * connection may have died with the client, in which case the upload is not trusted as complete).
 */
export async function receiveUpload(plan: UploadPlan, source: Readable, transforms: Transform[], isComplete: () => boolean): Promise<UploadResult> {
  const dir = dirname(plan.target);
  const tmp = join(dir, `${UPLOAD_TEMP_PREFIX}${randomBytes(6).toString('hex')}-${basename(plan.target).slice(0, 64)}.part`);
  if (plan.keep > 0) {
    if (plan.keep > plan.existingSize) {
      throw new FtpgateError(ErrorCodes.FS_PERMISSION, `restart offset ${plan.keep} is beyond the end of the file (${Math.max(0, plan.existingSize)} bytes)`, { reply: R.INVALID_REST });
    }
    await copyFile(plan.target, tmp);
    if (plan.existingSize > plan.keep) await truncate(tmp, plan.keep);
  }
  let bytes = 0;
  let failed: unknown = null;
  const ws = createWriteStream(tmp, { flags: plan.keep > 0 ? 'r+' : 'wx', mode: 0o644, start: plan.keep, highWaterMark: 256 * 1024 });
  source.on('data', (c: Buffer) => { bytes += c.length; });
  try {
    await (pipeline as unknown as (...s: unknown[]) => Promise<void>)(source, ...transforms, ws);
  } catch (err) {
    failed = err;
  }
  const complete = failed === null && isComplete();
  // Commit when complete; else keep a partial only where that loses nothing: a new file, or a resume that only grew the file.
  const total = plan.keep + bytes;
  const commit = complete || (plan.keepPartial && bytes > 0 && (plan.existingSize < 0 || (plan.keep > 0 && total > plan.existingSize)));
  try {
    if (commit) {
      // fsync through a new descriptor: it flushes the inode, whatever descriptor wrote the data
      const fh = await open(tmp, 'r+');
      try { await fh.sync(); } finally { await fh.close(); }
      await rename(tmp, plan.target);
      await fsyncDir(dir);
    } else {
      await unlink(tmp).catch(() => {});
    }
  } catch (err) {
    await unlink(tmp).catch(() => {});
    throw err;
  }
  if (failed && !complete) return { bytes, committed: commit, complete: false };
  return { bytes, committed: commit, complete };
}

/** Size of an existing regular file, or -1. */
export async function existingSize(path: string): Promise<number> {
  try { const s = await stat(path); return s.isFile() ? s.size : -1; } catch { return -1; }
}
