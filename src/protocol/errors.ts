// One registry of ftpgate errors: stable string codes (FTPGATE_ERR_<AREA>_<WHAT>) and, for server errors, the FTP reply they map to.
export class FtpgateError extends Error {
  readonly code: string;
  readonly reply?: number;
  override readonly cause?: unknown;
  constructor(code: string, message: string, opts: { reply?: number; cause?: unknown } = {}) {
    super(message);
    this.name = 'FtpgateError';
    this.code = code;
    this.reply = opts.reply;
    this.cause = opts.cause;
  }
}

export const ErrorCodes = {
  PROTOCOL_BAD_HOSTPORT: 'FTPGATE_ERR_PROTOCOL_BAD_HOSTPORT',
  PROTOCOL_LINE_TOO_LONG: 'FTPGATE_ERR_PROTOCOL_LINE_TOO_LONG',
  PROTOCOL_REPLY_TOO_LONG: 'FTPGATE_ERR_PROTOCOL_REPLY_TOO_LONG',
  PROTOCOL_BAD_REPLY: 'FTPGATE_ERR_PROTOCOL_BAD_REPLY',
  PROTOCOL_UNSAFE_COMMAND: 'FTPGATE_ERR_PROTOCOL_UNSAFE_COMMAND',
  CONFIG_INVALID: 'FTPGATE_ERR_CONFIG_INVALID',
  FS_OUTSIDE_ROOT: 'FTPGATE_ERR_FS_OUTSIDE_ROOT',
  FS_NOT_FOUND: 'FTPGATE_ERR_FS_NOT_FOUND',
  FS_PERMISSION: 'FTPGATE_ERR_FS_PERMISSION',
  NET_PASV_EXHAUSTED: 'FTPGATE_ERR_NET_PASV_EXHAUSTED',
  NET_DATA_TIMEOUT: 'FTPGATE_ERR_NET_DATA_TIMEOUT',
  NET_DATA_REFUSED: 'FTPGATE_ERR_NET_DATA_REFUSED',
  NET_ACTIVE_CONNECT: 'FTPGATE_ERR_NET_ACTIVE_CONNECT',
  CLIENT_BUSY: 'FTPGATE_ERR_CLIENT_BUSY',
  CLIENT_CLOSED: 'FTPGATE_ERR_CLIENT_CLOSED',
  CLIENT_REPLY: 'FTPGATE_ERR_CLIENT_REPLY',
  CLIENT_TIMEOUT: 'FTPGATE_ERR_CLIENT_TIMEOUT',
  CLIENT_DATA_CONNECT: 'FTPGATE_ERR_CLIENT_DATA_CONNECT',
} as const;
