// The session's filesystem: maps virtual paths to real ones and keeps every access inside the user's root, symlinks included.
import { lstat, realpath, stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { basename, dirname, join, sep } from 'node:path';
import { resolveVirtual } from '../protocol/path.js';
import { ErrorCodes, FtpgateError } from '../protocol/errors.js';
import { R } from '../protocol/reply-codes.js';

export const UPLOAD_TEMP_PREFIX = '.ftpgate-upload-';

export class ConfinedFs {
  private constructor(readonly rootReal: string) {}

  static async open(root: string): Promise<ConfinedFs> {
    return new ConfinedFs(await realpath(root));
  }

  // SECURITY: a real path is inside the root only if it is the root or starts with root + separator
  // ("/srv/ftp-evil" is not inside "/srv/ftp").
  contains(real: string): boolean {
    return real === this.rootReal || real.startsWith(this.rootReal.endsWith(sep) ? this.rootReal : this.rootReal + sep);
  }

  /** Virtual → real without touching the disk (for messages and the parent of new files). */
  lexical(virtualPath: string): string {
    return join(this.rootReal, resolveVirtual('/', virtualPath));
  }

  /**
   * Resolve an existing path, following symlinks, and refuse when the target lies outside the root.
   * Throws FS_NOT_FOUND (550) or FS_OUTSIDE_ROOT (550).
   */
  async resolveExisting(virtualPath: string): Promise<{ real: string; stats: Stats }> {
    const lexical = this.lexical(virtualPath);
    let real: string;
    try {
      real = await realpath(lexical);
    } catch {
      throw new FtpgateError(ErrorCodes.FS_NOT_FOUND, `${virtualPath}: no such file or directory`, { reply: R.FILE_UNAVAILABLE });
    }
    // SECURITY: symlinks are followed, then the result must still be inside the root.
    if (!this.contains(real)) throw new FtpgateError(ErrorCodes.FS_OUTSIDE_ROOT, `${virtualPath}: no such file or directory`, { reply: R.FILE_UNAVAILABLE });
    return { real, stats: await stat(real) };
  }

  /**
   * Resolve a path that is about to be created or replaced: its parent must exist inside the root;
   * the last component is not followed (rename/unlink act on a symlink itself, never on its target).
   */
  async resolveForCreate(virtualPath: string): Promise<{ real: string; parentReal: string; exists: Stats | null }> {
    const v = resolveVirtual('/', virtualPath);
    if (v === '/') throw new FtpgateError(ErrorCodes.FS_PERMISSION, 'cannot replace the root directory', { reply: R.NAME_NOT_ALLOWED });
    const name = basename(v);
    if (name.startsWith(UPLOAD_TEMP_PREFIX)) throw new FtpgateError(ErrorCodes.FS_PERMISSION, `${name}: reserved name`, { reply: R.NAME_NOT_ALLOWED });
    const parent = await this.resolveExisting(dirname(v));
    if (!parent.stats.isDirectory()) throw new FtpgateError(ErrorCodes.FS_NOT_FOUND, `${dirname(v)}: not a directory`, { reply: R.FILE_UNAVAILABLE });
    const real = join(parent.real, name);
    let exists: Stats | null = null;
    try { exists = await lstat(real); } catch { exists = null; }
    if (exists?.isSymbolicLink()) {
      // SECURITY: writing through a symlink that points outside the root is refused.
      let target: string | null = null;
      try { target = await realpath(real); } catch { target = null; }
      if (target === null || !this.contains(target)) throw new FtpgateError(ErrorCodes.FS_OUTSIDE_ROOT, `${v}: refusing to write through a symlink`, { reply: R.FILE_UNAVAILABLE });
      exists = await stat(target);
      return { real: target, parentReal: dirname(target), exists };
    }
    return { real, parentReal: parent.real, exists };
  }
}
