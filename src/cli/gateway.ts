// `ftpgate gateway`: run the FTP-aware proxy in front of one FTP server (only its control port and passive range need opening).
import type { Command } from 'commander';
import { ErrorCodes, FtpgateError } from '../protocol/errors.js';
import type { GatewayConfig } from '../gateway/config.js';
import { formatAddresses, startupErrorMessage, stopOnSignals } from './service.js';

const collect = (v: string, prev: string[] = []) => [...prev, v];

function positiveInt(v: string, flag: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new FtpgateError(ErrorCodes.CONFIG_INVALID, `invalid configuration "${flag}": "${v}" must be a positive integer`);
  return n;
}

export function registerGateway(program: Command): void {
  program
    .command('gateway')
    .description('FTP-aware proxy (ALG): clients connect here, the gateway relays the control connection to --upstream and opens exactly the negotiated data connections, translating active/passive and addresses')
    .requiredOption('--upstream <host:port>', 'the FTP server behind the gateway, e.g. 10.0.0.5:21')
    .option('--listen <host:port>', 'where clients connect (repeatable; default 127.0.0.1:2100)', collect)
    .option('--pasv-ports <min-max>', 'client-facing passive port range (default 50200-50300)')
    .option('--pasv-address <ip>', 'address advertised to clients in PASV replies (the public address when the gateway is behind NAT)')
    .option('--upstream-mode <mode>', 'data connections to the server: passive (default), active, or same (as the client asked)')
    .option('--active-ports <min-max>', 'server-facing listening ports when --upstream-mode is active')
    .option('--max-connections <n>', 'sessions at once (default 50)')
    .option('--max-connections-per-ip <n>', 'sessions per client address (default 10)')
    .option('--data-timeout <seconds>', 'how long to wait for a data connection (default 30)')
    .option('--allow-foreign-active', 'allow PORT/EPRT to an address other than the client (FTP bounce; off by default)')
    .option('--allow-privileged-active', 'allow PORT/EPRT to ports below 1024 (off by default)')
    .option('--log-file <file>', 'append JSON log lines here instead of stdout')
    .action(async (opts: Record<string, string | string[] | boolean | undefined>) => {
      try {
        await runGateway(opts);
      } catch (err) {
        process.stderr.write(`ftpgate gateway: ${startupErrorMessage(err)}\n`);
        process.exit(2);
      }
    });
}

async function runGateway(opts: Record<string, string | string[] | boolean | undefined>): Promise<void> {
  const { FtpGateway } = await import('../gateway/gateway.js');
  const { jsonLineSink } = await import('../server/log.js');
  const { parseListen, parsePortRange } = await import('../server/config.js');
  const partial: Partial<GatewayConfig> & { upstream: GatewayConfig['upstream'] } = { upstream: parseListen(String(opts.upstream), 'upstream') };
  if (Array.isArray(opts.listen)) partial.listen = opts.listen.map((l) => parseListen(l, 'listen'));
  if (typeof opts.pasvPorts === 'string') partial.pasvPorts = parsePortRange(opts.pasvPorts, 'pasv_ports');
  if (typeof opts.activePorts === 'string') partial.activePorts = parsePortRange(opts.activePorts, 'active_ports');
  if (typeof opts.pasvAddress === 'string') partial.pasvAddress = opts.pasvAddress;
  if (typeof opts.upstreamMode === 'string') partial.upstreamMode = opts.upstreamMode as GatewayConfig['upstreamMode'];
  if (typeof opts.maxConnections === 'string') partial.maxConnections = positiveInt(opts.maxConnections, 'max_connections');
  if (typeof opts.maxConnectionsPerIp === 'string') partial.maxConnectionsPerIp = positiveInt(opts.maxConnectionsPerIp, 'max_connections_per_ip');
  if (typeof opts.dataTimeout === 'string') partial.dataTimeoutMs = positiveInt(opts.dataTimeout, 'data_timeout') * 1000;
  partial.allowForeignActive = opts.allowForeignActive === true;
  partial.allowPrivilegedActive = opts.allowPrivilegedActive === true;
  const log = jsonLineSink(typeof opts.logFile === 'string' ? opts.logFile : undefined);
  const gw = new FtpGateway({ ...partial, logger: log });
  for (const w of gw.warnings) process.stderr.write(`warning: ${w}\n`);
  const addrs = await gw.listen();
  const c = gw.config;
  process.stderr.write(`ftpgate gateway on ${formatAddresses(addrs)} → ${c.upstream.host}:${c.upstream.port}` +
    ` (client passive ports ${c.pasvPorts.min}-${c.pasvPorts.max}, to the server: ${c.upstreamMode})\n`);
  stopOnSignals(gw, log);
}
