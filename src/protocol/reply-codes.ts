// Named FTP reply codes (RFC 959, 2228, 2428, 3659), so no handler writes a bare number.
export const R = {
  RESTART_MARKER: 110,
  SERVICE_READY_SOON: 120,
  DATA_OPEN_STARTING: 125,
  OPENING_DATA: 150,
  OK: 200,
  SUPERFLUOUS: 202,
  SYSTEM_STATUS: 211,
  DIR_STATUS: 212,
  FILE_STATUS: 213,
  HELP: 214,
  SYSTEM_TYPE: 215,
  SERVICE_READY: 220,
  GOODBYE: 221,
  DATA_OPEN_NO_TRANSFER: 225,
  TRANSFER_COMPLETE: 226,
  ENTERING_PASSIVE: 227,
  ENTERING_EXT_PASSIVE: 229,
  LOGGED_IN: 230,
  AUTH_OK: 234,
  FILE_ACTION_OK: 250,
  PATH_CREATED: 257,
  NEED_PASSWORD: 331,
  PENDING_MORE_INFO: 350,
  SERVICE_UNAVAILABLE: 421,
  CANT_OPEN_DATA: 425,
  TRANSFER_ABORTED: 426,
  FILE_BUSY: 450,
  LOCAL_ERROR: 451,
  INSUFFICIENT_STORAGE: 452,
  SYNTAX_ERROR: 500,
  SYNTAX_ERROR_ARGS: 501,
  NOT_IMPLEMENTED: 502,
  BAD_SEQUENCE: 503,
  NOT_IMPLEMENTED_PARAM: 504,
  NETWORK_PROTOCOL_NOT_SUPPORTED: 522,
  NOT_LOGGED_IN: 530,
  /** RFC 2228: request denied for policy reasons (e.g. AUTH TLS through a gateway that must read the control channel). */
  POLICY_DENIED: 534,
  PROT_NOT_SUPPORTED: 536,
  FILE_UNAVAILABLE: 550,
  PAGE_TYPE_UNKNOWN: 551,
  /** RFC 1123 / RFC 3659 5.5: a REST offset the transfer cannot use (beyond the end of the file). */
  INVALID_REST: 554,
  EXCEEDED_STORAGE: 552,
  NAME_NOT_ALLOWED: 553,
} as const;

export type ReplyCode = (typeof R)[keyof typeof R];

/** The first digit of a reply code, as RFC 959 section 4.2 defines it. */
export function replyClass(code: number): 'preliminary' | 'completion' | 'intermediate' | 'transient' | 'permanent' {
  const d = Math.floor(code / 100);
  if (d === 1) return 'preliminary';
  if (d === 2) return 'completion';
  if (d === 3) return 'intermediate';
  if (d === 4) return 'transient';
  return 'permanent';
}
