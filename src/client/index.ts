// Public entry of the ftpgate client library (`import { Client } from 'ftpgate/client'`).
export { Client, type ClientOptions, type DataMode, type TransferOptions, type DataUse } from './client.js';
export type { FileInfo, FileType } from './file-info.js';
export { parseListListing, parseMlsdListing } from './list-parse.js';
export { parseFtpUrl, type ParsedFtpUrl } from './url.js';
export { ModeMemory, defaultModeMemory, type DataKind } from './mode-memory.js';
export { DataConnectError, type DataCommand } from './data-channel.js';
export { isSafeEntryName, containedPath } from './safe-name.js';
export type { ClientTlsOptions, PortRange } from '../net/client-sockets.js';
export { FtpgateError, ErrorCodes } from '../protocol/errors.js';
export { mirror, PART_SUFFIX, type MirrorOptions, type MirrorEvent, type MirrorResult } from './mirror.js';
export { globMatches, globToRegExp } from './glob.js';
export { lookupNetrc, type NetrcEntry } from './netrc.js';
export { runDoctor, formatDoctorReport, type DoctorReport, type ProbeResult, type Finding } from './doctor.js';
export { CHANNEL_COMMAND, CHANNEL_REPLY } from './control-connection.js';
