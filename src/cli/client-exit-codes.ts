// Exit codes of the client commands (ls get put rm mkdir mv mirror doctor), stable for scripts, and the mapping from errors.
import { ErrorCodes } from '../protocol/errors.js';

export const EXIT = {
  OK: 0,
  /** Anything not covered below. */
  OTHER: 1,
  /** Bad arguments or URL. */
  USAGE: 2,
  /** The control connection could not be made (refused, timeout, DNS, TLS handshake or certificate). */
  CONNECT: 3,
  /** The server refused the login. */
  LOGIN: 4,
  /** The server refused the operation (no such file, permission denied: a 4xx/5xx reply). */
  REMOTE: 5,
  /** No data connection could be made in any allowed mode (run `ftpgate doctor URL`). */
  DATA_CONNECTION: 6,
  /** A local file could not be read or written. */
  LOCAL: 7,
  /** Protocol error or timeout on the control connection. */
  PROTOCOL: 8,
  /** Partial failure: mirror finished but some files failed; doctor found at least one failing mode. */
  PARTIAL: 9,
} as const;

export const EXIT_HELP = `
Exit codes:
  0  success
  1  other error
  2  usage error (bad arguments or URL)
  3  cannot connect (refused, timeout, DNS, TLS handshake or certificate)
  4  login refused
  5  the server refused the operation (e.g. 550 no such file, permission denied)
  6  no data connection could be made in any allowed mode (try: ftpgate doctor URL)
  7  local file error
  8  protocol error or timeout
  9  partial failure (mirror: some files failed; doctor: some modes failed)`;

export function exitCodeFor(err: unknown): number {
  const e = err as { code?: string; syscall?: string };
  switch (e?.code) {
    case ErrorCodes.CLIENT_USAGE: return EXIT.USAGE;
    case ErrorCodes.CLIENT_CONNECT:
    case ErrorCodes.CLIENT_TLS: return EXIT.CONNECT;
    case ErrorCodes.CLIENT_LOGIN: return EXIT.LOGIN;
    case ErrorCodes.CLIENT_REPLY:
    case ErrorCodes.CLIENT_UNSAFE_NAME:
    case ErrorCodes.PROTOCOL_UNSAFE_COMMAND: return EXIT.REMOTE;
    case ErrorCodes.CLIENT_DATA_CONNECT: return EXIT.DATA_CONNECTION;
    case ErrorCodes.CLIENT_TIMEOUT:
    case ErrorCodes.CLIENT_CLOSED:
    case ErrorCodes.PROTOCOL_BAD_REPLY:
    case ErrorCodes.PROTOCOL_REPLY_TOO_LONG:
    case ErrorCodes.PROTOCOL_BAD_HOSTPORT: return EXIT.PROTOCOL;
  }
  if (e?.syscall && typeof e.code === 'string' && /^E[A-Z]+$/.test(e.code)) return EXIT.LOCAL;
  return EXIT.OTHER;
}
