// The entry type every listing parser returns (MLSD facts, Unix, DOS/IIS, EPLF), plus the unknown-line form.
export type FileType = 'file' | 'dir' | 'link' | 'unknown';

export interface FileInfo {
  /** Entry name exactly as the server sent it ('' for lines no parser understood). */
  name: string;
  type: FileType;
  /** Size in bytes when the listing says so. */
  size?: number;
  /** Modification time when the listing says so (UTC for MLSD/EPLF; server local time for LIST). */
  modifiedAt?: Date;
  /** True when modifiedAt is only known to the minute or day (LIST formats). */
  modifiedAtApprox?: boolean;
  /** Symlink target (Unix LIST `name -> target`). */
  target?: string;
  /** Unix permission string or MLSD unix.mode, when given. */
  permissions?: string;
  /** The listing line as received; for type 'unknown' this is all we have. */
  raw: string;
  /** Which parser understood the line. */
  format: 'mlsd' | 'unix' | 'dos' | 'eplf' | 'unknown';
}
