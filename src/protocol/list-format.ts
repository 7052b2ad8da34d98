// Listing formats the server writes: `ls -l` style lines for LIST, facts for MLSD/MLST (RFC 3659), names for NLST. Pure.
export interface EntryInfo {
  name: string;
  type: 'file' | 'dir' | 'link' | 'other';
  size: number;
  mtime: Date;
  mode: number;
  /** Permissions of the session on this entry, as MLSx "perm" letters. */
  perm: string;
  unique?: string;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

// SECURITY: file names with CR or LF must never reach a listing or reply raw; they would forge lines.
export function safeName(name: string): string {
  return name.replace(/[\r\n\0]/g, '?');
}

function modeString(e: EntryInfo): string {
  const t = e.type === 'dir' ? 'd' : e.type === 'link' ? 'l' : '-';
  const bits = 'rwxrwxrwx';
  let s = '';
  for (let i = 0; i < 9; i++) s += e.mode & (1 << (8 - i)) ? bits[i] : '-';
  return t + s;
}

/** One `ls -l` line, as Unix servers print it (recent dates with time, older with year). */
export function formatListLine(e: EntryInfo, now: Date = new Date()): string {
  const d = e.mtime;
  const sixMonths = 182 * 24 * 3600 * 1000;
  const recent = Math.abs(now.getTime() - d.getTime()) < sixMonths;
  const day = String(d.getUTCDate()).padStart(2, ' ');
  const when = recent
    ? `${String(d.getUTCHours()).padStart(2, '0')}:${String(d.getUTCMinutes()).padStart(2, '0')}`
    : ` ${d.getUTCFullYear()}`;
  const links = e.type === 'dir' ? 2 : 1;
  return `${modeString(e)} ${String(links).padStart(3)} ftp      ftp      ${String(e.size).padStart(12)} ${MONTHS[d.getUTCMonth()]} ${day} ${when} ${safeName(e.name)}`;
}

/** YYYYMMDDHHMMSS[.sss] in UTC (RFC 3659 time-val). */
export function formatTimeVal(d: Date, millis = false): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  const base = `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}`;
  return millis ? `${base}.${p(d.getUTCMilliseconds(), 3)}` : base;
}

/** Parse an RFC 3659 time-val (MDTM / MFMT / modify fact). Returns null when malformed. */
export function parseTimeVal(s: string): Date | null {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(?:\.(\d{1,3}))?$/.exec(s.trim());
  if (!m) return null;
  const [y, mo, d, h, mi, se] = m.slice(1, 7).map(Number);
  const ms = m[7] ? Number(m[7].padEnd(3, '0')) : 0;
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60) return null;
  return new Date(Date.UTC(y, mo - 1, d, h, mi, se, ms));
}

export const MLST_FACTS = ['type', 'size', 'modify', 'perm', 'unique', 'unix.mode'] as const;

/** `fact=value;...; name` for MLSD lines and the MLST body. `typeOverride` gives cdir/pdir. */
export function formatMlsxLine(e: EntryInfo, facts: readonly string[] = MLST_FACTS, typeOverride?: 'cdir' | 'pdir'): string {
  const parts: string[] = [];
  for (const f of facts) {
    switch (f.toLowerCase()) {
      case 'type': parts.push(`type=${typeOverride ?? (e.type === 'dir' ? 'dir' : e.type === 'file' ? 'file' : e.type === 'link' ? 'OS.unix=symlink' : 'OS.unix=special')}`); break;
      case 'size': if (e.type !== 'dir') parts.push(`size=${e.size}`); break;
      case 'modify': parts.push(`modify=${formatTimeVal(e.mtime)}`); break;
      case 'perm': parts.push(`perm=${e.perm}`); break;
      case 'unique': if (e.unique) parts.push(`unique=${e.unique}`); break;
      case 'unix.mode': parts.push(`UNIX.mode=0${(e.mode & 0o777).toString(8)}`); break;
    }
  }
  return `${parts.join(';')}; ${safeName(e.name)}`;
}
