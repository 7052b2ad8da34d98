// Hard limits of the protocol layer in one place (cf. vsftpd's defs.h).
export const LIMITS = {
  /** Longest command line accepted by the server, CRLF excluded. */
  MAX_COMMAND_LINE: 4096,
  /** Longest reply (all lines of one multi-line reply) accepted by the client. */
  MAX_REPLY_BYTES: 64 * 1024,
  /** Longest single listing line accepted by the client. */
  MAX_LISTING_LINE: 16 * 1024,
  MAX_USERNAME: 256,
  MAX_PASSWORD: 1024,
} as const;
