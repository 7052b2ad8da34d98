// Parsing ftp://, ftps:// (implicit TLS) and ftpes:// (explicit TLS) URLs into connection options and a remote path.
import { ErrorCodes, FtpgateError } from '../protocol/errors.js';

export interface ParsedFtpUrl {
  host: string;
  port: number;
  user?: string;
  password?: string;
  /** 'implicit' for ftps://, 'explicit' for ftpes://, false for ftp:// */
  secure: false | 'explicit' | 'implicit';
  /** Decoded remote path ('' when the URL has none). Kept relative to the login directory unless it starts with //. */
  path: string;
}

export function parseFtpUrl(text: string): ParsedFtpUrl {
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    throw new FtpgateError(ErrorCodes.CLIENT_USAGE, `not a URL: ${JSON.stringify(text)} (expected ftp://[user[:password]@]host[:port]/path)`);
  }
  const scheme = u.protocol.replace(/:$/, '').toLowerCase();
  const secure = scheme === 'ftps' ? 'implicit' : scheme === 'ftpes' ? 'explicit' : scheme === 'ftp' ? false : null;
  if (secure === null) throw new FtpgateError(ErrorCodes.CLIENT_USAGE, `unsupported scheme ${scheme}: (use ftp://, ftpes:// or ftps://)`);
  const host = u.hostname.replace(/^\[(.*)\]$/, '$1');
  if (!host) throw new FtpgateError(ErrorCodes.CLIENT_USAGE, `no host in ${JSON.stringify(text)}`);
  const port = u.port ? Number(u.port) : secure === 'implicit' ? 990 : 21;
  // URL paths are relative to the login directory (RFC 1738); "//abs" or "/%2Fabs" names an absolute path.
  let raw = u.pathname;
  let path: string;
  if (raw.startsWith('//')) path = decodeURIComponent(raw.slice(1));
  else {
    raw = raw.replace(/^\//, '');
    path = decodeURIComponent(raw);
  }
  return {
    host,
    port,
    user: u.username ? decodeURIComponent(u.username) : undefined,
    password: u.password ? decodeURIComponent(u.password) : undefined,
    secure,
    path,
  };
}
