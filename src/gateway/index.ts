// Public entry of the FTP gateway (ALG): an FTP-aware proxy that opens exactly the negotiated data connections.
export { FtpGateway } from './gateway.js';
export { GATEWAY_DEFAULTS, finalizeGatewayConfig, type GatewayConfig } from './config.js';
export { filterFeatures } from './session.js';
