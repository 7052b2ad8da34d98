// SECURITY: names taken from a server listing before they are used as local or remote path components.
import { resolve, sep } from 'node:path';
import { ErrorCodes, FtpgateError } from '../protocol/errors.js';

/**
 * A listing entry name is usable as one path component only if it is not empty, not `.` or `..`,
 * and contains no path separator (`/`, and `\` which Windows treats as one) and no NUL, CR or LF.
 */
export function isSafeEntryName(name: string): boolean {
  if (name === '' || name === '.' || name === '..') return false;
  if (/[/\\\0\r\n]/.test(name)) return false;
  return true;
}

/** Join a relative path (components separated by `/`) under `root`; throws if the result would leave `root`. */
export function containedPath(root: string, rel: string): string {
  const base = resolve(root);
  for (const part of rel.split('/')) {
    if (!isSafeEntryName(part)) throw new FtpgateError(ErrorCodes.CLIENT_UNSAFE_NAME, `refusing unsafe name component ${JSON.stringify(part)} in ${JSON.stringify(rel)}`);
  }
  const full = resolve(base, ...rel.split('/'));
  if (full !== base && !full.startsWith(base.endsWith(sep) ? base : base + sep)) {
    throw new FtpgateError(ErrorCodes.CLIENT_UNSAFE_NAME, `refusing to write outside ${base}: ${JSON.stringify(rel)}`);
  }
  return full;
}
