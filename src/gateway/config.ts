// The gateway's settings, their defaults, and the checks that turn a bad value into a message naming the key and the fix.
import { isIP } from 'node:net';
import { ErrorCodes, FtpgateError } from '../protocol/errors.js';
import { LIMITS } from '../protocol/limits.js';
import type { PortRange } from '../net/pasv-port-pool.js';
import type { LogSink } from '../server/log.js';

export interface GatewayConfig {
  /** Where clients connect (the only port a firewall in front of the gateway must open, with the passive range). */
  listen: { host: string; port: number }[];
  /** The FTP server behind the gateway. */
  upstream: { host: string; port: number };
  /** Client-facing passive listeners. */
  pasvPorts: PortRange;
  /** Address advertised to clients in 227 (the gateway's public address when it is behind NAT). */
  pasvAddress?: string;
  /** How the gateway reaches the server's data port: always passive (default), always active, or as the client asked. */
  upstreamMode: 'passive' | 'active' | 'same';
  /** Server-facing listeners in active upstream mode (default: any unprivileged port). */
  activePorts?: PortRange;
  allowForeignActive: boolean;
  allowPrivilegedActive: boolean;
  allowForeignPassive: boolean;
  maxConnections: number;
  maxConnectionsPerIp: number;
  maxLine: number;
  maxReplyBytes: number;
  connectTimeoutMs: number;
  dataTimeoutMs: number;
  idleTimeoutMs: number;
  logger?: LogSink;
}

export const GATEWAY_DEFAULTS: Omit<GatewayConfig, 'upstream'> = {
  listen: [{ host: '127.0.0.1', port: 2100 }],
  pasvPorts: { min: 50200, max: 50300 },
  upstreamMode: 'passive',
  allowForeignActive: false,
  allowPrivilegedActive: false,
  allowForeignPassive: false,
  maxConnections: 50,
  maxConnectionsPerIp: 10,
  maxLine: LIMITS.MAX_COMMAND_LINE,
  maxReplyBytes: LIMITS.MAX_REPLY_BYTES,
  connectTimeoutMs: 10_000,
  dataTimeoutMs: 30_000,
  idleTimeoutMs: 600_000,
};

function invalid(key: string, msg: string): never {
  throw new FtpgateError(ErrorCodes.CONFIG_INVALID, `invalid configuration "${key}": ${msg}`);
}

export function finalizeGatewayConfig(partial: Partial<GatewayConfig> & { upstream: GatewayConfig['upstream'] }): { config: GatewayConfig; warnings: string[] } {
  const c: GatewayConfig = { ...GATEWAY_DEFAULTS, ...partial };
  const warnings: string[] = [];
  if (!c.upstream.host) invalid('upstream', 'no server given; write e.g. --upstream 10.0.0.5:21');
  if (!(c.upstream.port > 0 && c.upstream.port <= 65535)) invalid('upstream', `port ${c.upstream.port} is out of range 1-65535`);
  if (!['passive', 'active', 'same'].includes(c.upstreamMode)) invalid('upstream_mode', `"${c.upstreamMode}" must be passive, active or same`);
  if (c.pasvAddress !== undefined && !isIP(c.pasvAddress)) invalid('pasv_address', `"${c.pasvAddress}" is not an IP address`);
  const size = c.pasvPorts.max - c.pasvPorts.min + 1;
  if (size < 2 * c.maxConnections) {
    warnings.push(`pasv_ports ${c.pasvPorts.min}-${c.pasvPorts.max} has ${size} ports for up to ${c.maxConnections} clients: under load, PASV fails with 425 when the range is exhausted (ports linger in TIME_WAIT); give at least ${2 * c.maxConnections} ports or lower max_connections`);
  }
  return { config: c, warnings };
}
