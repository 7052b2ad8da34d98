// Mirror a directory tree in either direction over N parallel connections; resumable through `.ftpgate-part` files.
import { lstat, mkdir, readdir, realpath, rename, rm, stat, utimes } from 'node:fs/promises';
import { dirname, join, sep } from 'node:path';
import { ErrorCodes, FtpgateError } from '../protocol/errors.js';
import type { Client } from './client.js';
import type { FileInfo } from './file-info.js';
import { containedPath, isSafeEntryName } from './safe-name.js';
import { makeFilter } from './glob.js';

export const PART_SUFFIX = '.ftpgate-part';

export interface MirrorOptions {
  /** Opens one logged-in connection; called once per parallel worker (and once for the walk). */
  connect: () => Promise<Client>;
  direction: 'download' | 'upload';
  remoteDir: string;
  localDir: string;
  /** Transfer only files whose source is newer than the target (or missing). */
  onlyNewer?: boolean;
  /** Transfer only files missing on the target. */
  onlyMissing?: boolean;
  /** Delete files and directories on the target that the source does not have. */
  delete?: boolean;
  include?: string[];
  exclude?: string[];
  /** Parallel connections for transfers (default 2). */
  parallel?: number;
  /** Continue partial transfers left by an interrupted run (default true). */
  resume?: boolean;
  /** Transfer and listing options handed to each Client call. */
  onEvent?: (e: MirrorEvent) => void;
}

export type MirrorEvent =
  | { type: 'start'; path: string; size: number; resumeFrom: number }
  | { type: 'progress'; path: string; bytes: number }
  | { type: 'done'; path: string; bytes: number }
  | { type: 'skip'; path: string; reason: string }
  | { type: 'delete'; path: string }
  | { type: 'warn'; path: string; message: string }
  | { type: 'error'; path: string; message: string };

export interface MirrorResult {
  transferred: number;
  bytes: number;
  skipped: number;
  deleted: number;
  warnings: string[];
  errors: { path: string; message: string }[];
}

interface Entry { size: number; mtime?: Date; approx?: boolean }
interface Tree { files: Map<string, Entry>; dirs: Set<string> }

const MAX_DEPTH = 64;
/** LIST times are known to the minute at best. */
const APPROX_TOLERANCE_MS = 60_000;
const EXACT_TOLERANCE_MS = 1_000;

function remoteJoin(dir: string, rel: string): string {
  if (!dir || dir === '.') return rel;
  return `${dir.replace(/\/+$/, '')}/${rel}`;
}

async function walkRemote(c: Client, base: string, filter: (p: string, d: boolean) => boolean, warn: (p: string, m: string) => void): Promise<Tree> {
  const tree: Tree = { files: new Map(), dirs: new Set() };
  const visit = async (rel: string, depth: number) => {
    if (depth > MAX_DEPTH) { warn(rel, `deeper than ${MAX_DEPTH} levels; not descending`); return; }
    let entries: FileInfo[];
    try {
      entries = await c.list(rel ? remoteJoin(base, rel) : base);
    } catch (err) {
      if (rel === '') throw err;
      warn(rel, `cannot list: ${(err as Error).message}`);
      return;
    }
    for (const e of entries) {
      if (e.type === 'unknown') { warn(rel, `listing line not understood, skipped: ${JSON.stringify(e.raw)}`); continue; }
      // SECURITY: ".." , "a/b", "" and friends from a listing must never become a path (see safe-name.ts).
      if (!isSafeEntryName(e.name)) { warn(rel, `unsafe name in listing refused: ${JSON.stringify(e.name)}`); continue; }
      const p = rel ? `${rel}/${e.name}` : e.name;
      if (e.type === 'link') { warn(p, 'symbolic link not followed'); continue; }
      if (!filter(p, e.type === 'dir')) continue;
      if (e.type === 'dir') {
        tree.dirs.add(p);
        await visit(p, depth + 1);
      } else tree.files.set(p, { size: e.size ?? -1, mtime: e.modifiedAt, approx: e.modifiedAtApprox });
    }
  };
  await visit('', 0);
  return tree;
}

async function walkLocal(base: string, filter: (p: string, d: boolean) => boolean, warn: (p: string, m: string) => void): Promise<Tree> {
  const tree: Tree = { files: new Map(), dirs: new Set() };
  const visit = async (rel: string, depth: number) => {
    if (depth > MAX_DEPTH) { warn(rel, `deeper than ${MAX_DEPTH} levels; not descending`); return; }
    let names: string[];
    try {
      names = await readdir(rel ? join(base, ...rel.split('/')) : base);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT' && rel === '') return;
      throw err;
    }
    for (const name of names.sort()) {
      const p = rel ? `${rel}/${name}` : name;
      if (!isSafeEntryName(name)) { warn(p, 'name cannot be sent over FTP; skipped'); continue; }
      const st = await lstat(join(base, ...p.split('/')));
      if (st.isSymbolicLink()) { warn(p, 'symbolic link not followed'); continue; }
      if (!filter(p, st.isDirectory())) continue;
      if (st.isDirectory()) {
        tree.dirs.add(p);
        await visit(p, depth + 1);
      } else if (st.isFile()) {
        if (name.endsWith(PART_SUFFIX)) continue;
        tree.files.set(p, { size: st.size, mtime: st.mtime });
      }
    }
  };
  await visit('', 0);
  return tree;
}

function needsTransfer(src: Entry, dst: Entry | undefined, o: MirrorOptions): string | null {
  if (!dst) return null;
  if (o.onlyMissing) return 'exists';
  const tol = src.approx || dst.approx ? APPROX_TOLERANCE_MS : EXACT_TOLERANCE_MS;
  const srcNewer = src.mtime && dst.mtime ? src.mtime.getTime() > dst.mtime.getTime() + tol : false;
  if (o.onlyNewer) return srcNewer ? null : 'not newer';
  if (src.size >= 0 && src.size !== dst.size) return null;
  return srcNewer ? null : 'same size, not newer';
}

// SECURITY: a local directory on the way to the target could be a symlink planted to redirect writes;
// after creating directories, the real path must still lie inside the real target root.
async function ensureLocalDir(rootReal: string, full: string): Promise<void> {
  await mkdir(full, { recursive: true });
  const real = await realpath(full);
  if (real !== rootReal && !real.startsWith(rootReal + sep)) {
    throw new FtpgateError(ErrorCodes.CLIENT_UNSAFE_NAME, `refusing to write through ${full}: it resolves outside the target directory (${real})`);
  }
}

export async function mirror(o: MirrorOptions): Promise<MirrorResult> {
  const result: MirrorResult = { transferred: 0, bytes: 0, skipped: 0, deleted: 0, warnings: [], errors: [] };
  const emit = (e: MirrorEvent) => o.onEvent?.(e);
  const warn = (path: string, message: string) => { result.warnings.push(`${path}: ${message}`); emit({ type: 'warn', path, message }); };
  const filter = makeFilter(o.include, o.exclude);
  const resume = o.resume !== false;
  const parallel = Math.max(1, Math.min(o.parallel ?? 2, 16));

  await mkdir(o.localDir, { recursive: true });
  const rootReal = await realpath(o.localDir);
  const walker = await o.connect();
  const jobs: Array<{ rel: string; src: Entry; resumeFrom?: number }> = [];
  let source: Tree;
  let target: Tree;
  try {
    if (o.direction === 'download') {
      source = await walkRemote(walker, o.remoteDir, filter, warn);
      target = await walkLocal(rootReal, filter, warn);
      for (const d of [...source.dirs].sort()) await ensureLocalDir(rootReal, containedPath(rootReal, d));
    } else {
      source = await walkLocal(rootReal, filter, warn);
      if (o.remoteDir) await walker.mkdir(o.remoteDir, { recursive: true });
      target = await walkRemote(walker, o.remoteDir, filter, warn);
      for (const d of [...source.dirs].sort()) if (!target.dirs.has(d)) await walker.mkdir(remoteJoin(o.remoteDir, d), { recursive: true });
    }
    for (const [rel, src] of [...source.files].sort((a, b) => a[0].localeCompare(b[0]))) {
      const why = needsTransfer(src, target.files.get(rel), o);
      if (why) { result.skipped++; emit({ type: 'skip', path: rel, reason: why }); continue; }
      jobs.push({ rel, src });
    }
    if (o.delete) {
      for (const rel of [...target.files.keys()].sort()) {
        if (source.files.has(rel) || rel.endsWith(PART_SUFFIX)) continue;
        if (o.direction === 'download') await rm(containedPath(rootReal, rel), { force: true });
        else await walker.delete(remoteJoin(o.remoteDir, rel));
        result.deleted++;
        emit({ type: 'delete', path: rel });
      }
      // Deepest directories first.
      for (const rel of [...target.dirs].sort((a, b) => b.length - a.length)) {
        if (source.dirs.has(rel)) continue;
        if (o.direction === 'download') await rm(containedPath(rootReal, rel), { recursive: true, force: true });
        else await walker.remove(remoteJoin(o.remoteDir, rel), { recursive: true }).catch((err: Error) => warn(rel, `cannot delete: ${err.message}`));
        result.deleted++;
        emit({ type: 'delete', path: rel });
      }
    }
  } finally {
    await walker.close().catch(() => {});
  }

  // Transfers over N connections; each worker takes the next job.
  let next = 0;
  const worker = async () => {
    if (next >= jobs.length) return;
    let c: Client;
    try {
      c = await o.connect();
    } catch (err) {
      warn('', `a parallel connection could not be opened: ${(err as Error).message}`);
      return;
    }
    try {
      while (next < jobs.length) {
        const job = jobs[next++];
        try {
          const bytes = o.direction === 'download' ? await downloadOne(c, job.rel, job.src) : await uploadOne(c, job.rel, job.src);
          result.transferred++;
          result.bytes += bytes;
          emit({ type: 'done', path: job.rel, bytes });
        } catch (err) {
          result.errors.push({ path: job.rel, message: (err as Error).message });
          emit({ type: 'error', path: job.rel, message: (err as Error).message });
          if (c.closed) return; // this connection is gone; the other workers carry on
        }
      }
    } finally {
      await c.close().catch(() => {});
    }
  };

  const downloadOne = async (c: Client, rel: string, src: Entry): Promise<number> => {
    const final = containedPath(rootReal, rel);
    await ensureLocalDir(rootReal, dirname(final));
    const part = final + PART_SUFFIX;
    const have = resume ? await stat(part).then((s) => s.size, () => 0) : 0;
    emit({ type: 'start', path: rel, size: src.size, resumeFrom: have });
    const remote = remoteJoin(o.remoteDir, rel);
    const bytes = await c.getFile(remote, part, { resume: have > 0, onProgress: (n) => emit({ type: 'progress', path: rel, bytes: have + n }) });
    // Refuse to replace a symlink that appeared at the final path.
    const existing = await lstat(final).catch(() => null);
    if (existing?.isSymbolicLink()) await rm(final);
    await rename(part, final);
    let mtime = src.mtime;
    if ((src.approx || !mtime) && c.features.has('MDTM')) mtime = await c.lastMod(remote).catch(() => mtime);
    if (mtime) await utimes(final, mtime, mtime);
    return bytes;
  };

  const uploadOne = async (c: Client, rel: string, src: Entry): Promise<number> => {
    const local = containedPath(rootReal, rel);
    const remote = remoteJoin(o.remoteDir, rel);
    const part = remote + PART_SUFFIX;
    const have = resume ? await c.size(part).catch(() => 0) : 0;
    emit({ type: 'start', path: rel, size: src.size, resumeFrom: have });
    const bytes = await c.putFile(local, part, { resume: have > 0, onProgress: (n) => emit({ type: 'progress', path: rel, bytes: have + n }) });
    // RNTO onto an existing file replaces it on Unix servers; delete first for servers that refuse.
    try {
      await c.rename(part, remote);
    } catch {
      await c.delete(remote).catch(() => {});
      await c.rename(part, remote);
    }
    if (src.mtime) await c.setLastMod(remote, src.mtime).catch(() => false);
    return bytes;
  };

  await Promise.all(Array.from({ length: Math.min(parallel, jobs.length) }, () => worker()));
  if (jobs.length > 0 && next < jobs.length) {
    for (const j of jobs.slice(next)) result.errors.push({ path: j.rel, message: 'not transferred: every connection failed' });
  }
  return result;
}
