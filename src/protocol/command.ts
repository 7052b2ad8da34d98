// Command lines: byte-level splitting with a length cap and Telnet IAC removal (server side),
// parsing into verb + argument, and the client's safety check before sending. Pure, no I/O.
import { ErrorCodes, FtpgateError } from './errors.js';
import { LIMITS } from './limits.js';

const IAC = 0xff;
const LF = 0x0a;
const CR = 0x0d;

export interface SplitResult {
  /** Complete lines, decoded as UTF-8, line terminator removed. */
  lines: string[];
  /** True when the pending line exceeded the limit; the caller must reply 500 and disconnect. */
  overflow: boolean;
}

/**
 * Incremental splitter for the control connection. Holds at most `maxLine` bytes of an
 * unfinished line, so a peer that never sends LF cannot grow memory.
 */
export class CommandLineSplitter {
  private buf: Buffer = Buffer.alloc(0);
  /** `latin1` keeps every byte as one char, for a relay that must forward names it cannot decode (the gateway). */
  constructor(private readonly maxLine: number = LIMITS.MAX_COMMAND_LINE, private readonly encoding: 'utf8' | 'latin1' = 'utf8') {}

  push(chunk: Buffer): SplitResult {
    const lines: string[] = [];
    let data = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    let start = 0;
    for (;;) {
      const nl = data.indexOf(LF, start);
      if (nl < 0) break;
      let end = nl;
      if (end > start && data[end - 1] === CR) end--;
      if (end - start > this.maxLine) return { lines, overflow: true };
      lines.push(decodeLine(data.subarray(start, end), this.encoding));
      start = nl + 1;
    }
    const rest = data.subarray(start);
    // SECURITY: cap the unfinished line; a 1 MiB line without LF must not be buffered.
    if (rest.length > this.maxLine + 1) {
      this.buf = Buffer.alloc(0);
      return { lines, overflow: true };
    }
    this.buf = Buffer.from(rest);
    return { lines, overflow: false };
  }
}

/** Strip Telnet commands (RFC 854) from a line: IAC IAC is a literal 0xFF, option negotiation is dropped. */
export function stripTelnet(bytes: Buffer): Buffer {
  if (bytes.indexOf(IAC) < 0) return bytes;
  const out: number[] = [];
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (b !== IAC) { out.push(b); continue; }
    const next = bytes[i + 1];
    if (next === IAC) { out.push(IAC); i++; continue; }
    if (next !== undefined && next >= 251 && next <= 254) { i += 2; continue; } // WILL WONT DO DONT <opt>
    i++; // IP, DM, and other two-byte commands
  }
  return Buffer.from(out);
}

function decodeLine(bytes: Buffer, encoding: 'utf8' | 'latin1'): string {
  // RFC 959: a NUL after CR stands for a CR inside a path name; we never accept raw CR or NUL in names.
  return stripTelnet(bytes).toString(encoding).replace(/\0/g, '');
}

export interface Command {
  verb: string;
  arg: string;
}

/** Split a command line into an upper-case verb and the raw argument (spaces inside kept). */
export function parseCommand(line: string): Command {
  const trimmed = line.replace(/^\s+/, '');
  const sp = trimmed.indexOf(' ');
  if (sp < 0) return { verb: trimmed.toUpperCase(), arg: '' };
  return { verb: trimmed.slice(0, sp).toUpperCase(), arg: trimmed.slice(sp + 1) };
}

// SECURITY: a client must never send a command containing CR, LF or NUL: a file name like
// "a\r\nDELE b" would otherwise become a second command (command injection).
export function assertSafeCommand(command: string): void {
  if (/[\r\n\0]/.test(command)) {
    throw new FtpgateError(ErrorCodes.PROTOCOL_UNSAFE_COMMAND, 'refusing to send a command that contains CR, LF or NUL; the path or argument is not a valid FTP name');
  }
}

/** Mask the argument of PASS (and ACCT) for logs. */
export function maskCommand(line: string): string {
  return /^\s*(PASS|ACCT)\b/i.test(line) ? line.replace(/^(\s*\S+).*/, '$1 ****') : line;
}
