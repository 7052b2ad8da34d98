// Uploads that never damage what exists: data goes to a temp file in the target's directory, is fsynced, then renamed over the target.
import { createWriteStream } from 'node:fs';
import { copyFile, open, opendir, rename, stat, truncate, unlink } from 'node:fs/promises';
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
/**
 * How long the end of the data stream waits for news from the control connection before it is trusted.
 * A client that is killed closes both connections at once; when its data EOF is handled first, the control
 * connection's close must still get the chance to mark the upload incomplete.
 */
export const COMPLETE_GRACE_MS = 30;

export async function receiveUpload(plan: UploadPlan, source: Readable, transforms: Transform[], isComplete: () => boolean, onBytes: (n: number) => void = () => {}): Promise<UploadResult> {
  const dir = dirname(plan.target);
  const tmp = join(dir, `${UPLOAD_TEMP_PREFIX}${randomBytes(6).toString('hex')}-${basename(plan.target).slice(0, 64)}.part`);
  if (plan.keep > 0) {
    if (plan.keep > plan.existingSize) {
      throw new FtpgateError(ErrorCodes.FS_PERMISSION, `restart offset ${plan.keep} is beyond the end of the file (${Math.max(0, plan.existingSize)} bytes)`, { reply: R.INVALID_REST });
    }
    // the source stays paused meanwhile: nothing may flow before the pipeline below is attached
    await copyFile(plan.target, tmp);
    if (plan.existingSize > plan.keep) await truncate(tmp, plan.keep);
  }
  let bytes = 0;
  let failed: unknown = null;
  const ws = createWriteStream(tmp, { flags: plan.keep > 0 ? 'r+' : 'wx', mode: 0o644, start: plan.keep, highWaterMark: 256 * 1024 });
  // attached in the same tick as the pipeline, so no chunk can be emitted without a consumer
  source.on('data', (c: Buffer) => { bytes += c.length; onBytes(c.length); });
  try {
    await (pipeline as unknown as (...s: unknown[]) => Promise<void>)(source, ...transforms, ws);
  } catch (err) {
    failed = err;
  }
  const endedAt = Date.now();
  try {
    // durability before the decision: fsync through a new descriptor (it flushes the inode, whatever fd wrote it)
    if (bytes > 0 || plan.keep > 0 || failed === null) {
      const fh = await open(tmp, 'r+');
      try { await fh.sync(); } finally { await fh.close(); }
    }
    const wait = COMPLETE_GRACE_MS - (Date.now() - endedAt);
    if (failed === null && wait > 0) await new Promise((r) => setTimeout(r, wait));
    const complete = failed === null && isComplete();
    // Commit when complete; else keep a partial only where that loses nothing: a new file, or a resume that only grew the file.
    const total = plan.keep + bytes;
    const commit = complete || (plan.keepPartial && bytes > 0 && (plan.existingSize < 0 || (plan.keep > 0 && total > plan.existingSize)));
    if (commit) {
      await rename(tmp, plan.target);
      await fsyncDir(dir);
    } else {
      await unlink(tmp).catch(() => {});
    }
    return { bytes, committed: commit, complete };
  } catch (err) {
    await unlink(tmp).catch(() => {});
    throw err;
  }
}

/** Remove temp files left by uploads of a process that was killed (no upload of this process is running yet). */
export async function sweepStaleUploads(root: string, log: (n: number) => void): Promise<void> {
  let removed = 0;
  const walk = async (d: string, depth: number): Promise<void> => {
    if (depth > 32) return;
    let dir;
    try { dir = await opendir(d); } catch { return; }
    for await (const e of dir) {
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p, depth + 1);
      else if (e.isFile() && e.name.startsWith(UPLOAD_TEMP_PREFIX) && e.name.endsWith('.part')) {
        await unlink(p).then(() => removed++, () => {});
      }
    }
  };
  await walk(root, 0);
  log(removed);
}

/** Size of an existing regular file, or -1. */
export async function existingSize(path: string): Promise<number> {
  try { const s = await stat(path); return s.isFile() ? s.size : -1; } catch { return -1; }
}
