// Formatting (server) and parsing (client) of FTP replies; pure functions, no I/O.
import { LIMITS } from './limits.js';
import { ErrorCodes, FtpgateError } from './errors.js';

// SECURITY: reply text may contain file names chosen by users; a raw CR, LF or NUL would let a name
// forge extra reply lines (reply injection). Every line passes through here before it is written.
export function sanitizeReplyText(s: string): string {
  return s.replace(/[\r\n\0]/g, (c) => (c === '\0' ? '' : ' '));
}

/**
 * Format one reply. A single string gives `CODE text\r\n`. An array gives a well-formed
 * multi-line reply: `CODE-first`, middle lines indented by one space (so none can be mistaken
 * for the final line), and `CODE last`.
 */
export function formatReply(code: number, text: string | readonly string[]): string {
  const lines = (typeof text === 'string' ? [text] : [...text]).map(sanitizeReplyText);
  if (lines.length === 0) lines.push('');
  if (lines.length === 1) return `${code} ${lines[0]}\r\n`;
  let out = `${code}-${lines[0]}\r\n`;
  for (let i = 1; i < lines.length - 1; i++) out += ` ${lines[i]}\r\n`;
  out += `${code} ${lines[lines.length - 1]}\r\n`;
  return out;
}

/** Quote a path for a 257 reply (RFC 959 appendix II: embedded quotes are doubled). */
export function quotePath(path: string): string {
  return '"' + sanitizeReplyText(path).replace(/"/g, '""') + '"';
}

export interface ParsedReply {
  code: number;
  /** Text of all lines with the code prefixes removed, joined by \n. */
  message: string;
  /** The raw lines as received. */
  lines: string[];
}

/**
 * Parse as many complete replies as `text` holds. Returns them and the unparsed rest,
 * so the caller can feed chunks split at any byte. Throws when the pending reply exceeds the cap.
 */
export function parseReplies(text: string, maxBytes: number = LIMITS.MAX_REPLY_BYTES): { messages: ParsedReply[]; rest: string } {
  const messages: ParsedReply[] = [];
  let pos = 0;
  let start = 0;
  let multiCode: string | null = null;
  let lines: string[] = [];
  for (;;) {
    const nl = text.indexOf('\n', pos);
    if (nl < 0) break;
    const line = text.slice(pos, nl).replace(/\r$/, '');
    pos = nl + 1;
    if (multiCode === null) {
      const m = /^(\d{3})([ -]?)(.*)$/.exec(line);
      if (!m) {
        if (line.trim() === '') { start = pos; continue; }
        throw new FtpgateError(ErrorCodes.PROTOCOL_BAD_REPLY, `malformed reply line: ${JSON.stringify(line.slice(0, 80))}`);
      }
      if (m[2] === '-') {
        multiCode = m[1];
        lines = [line];
      } else {
        messages.push({ code: Number(m[1]), message: m[3], lines: [line] });
        start = pos;
      }
    } else {
      lines.push(line);
      if (line.startsWith(multiCode + ' ') || line === multiCode) {
        const code = Number(multiCode);
        const message = lines
          .map((l, i) => (i === 0 || l.startsWith(multiCode + ' ') || l.startsWith(multiCode + '-') ? l.slice(4) : l.replace(/^ /, '')))
          .join('\n');
        messages.push({ code, message, lines });
        multiCode = null;
        lines = [];
        start = pos;
      }
    }
  }
  const rest = text.slice(start);
  if (rest.length > maxBytes) {
    throw new FtpgateError(ErrorCodes.PROTOCOL_REPLY_TOO_LONG, `reply exceeds ${maxBytes} bytes`);
  }
  return { messages, rest };
}
