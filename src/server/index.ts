// Public entry of the ftpgate server (`ftpgate/server`).
export { FtpServer } from './server.js';
export type { ServerConfig, ListenAddress, PasvOverride } from './config.js';
export { hashPassword, verifyPassword } from './users.js';
export { jsonLineSink } from './log.js';
