// Virtual path arithmetic for FTP sessions: resolve an argument against the cwd without ever leaving "/". Pure.
import { posix } from 'node:path';

/**
 * Resolve `arg` (absolute or relative, "~" for home) against the virtual `cwd`.
 * The result is always absolute, normalised, and never above "/" (".." at the root stays at the root).
 */
export function resolveVirtual(cwd: string, arg: string): string {
  let a = arg;
  if (a === '' ) return cwd;
  if (a === '~' || a.startsWith('~/')) a = '/' + a.slice(1);
  const joined = a.startsWith('/') ? a : posix.join(cwd, a);
  // posix.normalize keeps leading ".." segments for relative paths; ours is absolute, so they collapse at "/".
  const norm = posix.normalize('/' + joined);
  return norm.length > 1 && norm.endsWith('/') ? norm.slice(0, -1) : norm;
}

/** True when `virtualPath` names the root itself. */
export function isRoot(virtualPath: string): boolean {
  return virtualPath === '/';
}
