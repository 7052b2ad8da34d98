// `ftpgate gateway`: run the FTP-aware proxy in front of one FTP server (only its control port and passive range need opening).
import type { Command } from 'commander';
import { FtpgateError } from '../protocol/errors.js';
import type { GatewayConfig } from '../gateway/config.js';

const collect = (v: string, prev: string[] = []) => [...prev, v];

function positiveInt(v: string, flag: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new FtpgateError('FTPGATE_ERR_CONFIG_INVALID', `invalid gateway setting "${flag}": "${v}" must be a positive integer`);
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
        const e = err as NodeJS.ErrnoException;
        const msg = err instanceof FtpgateError ? err.message : e.code === 'EADDRINUSE' ? `cannot listen: ${e.message} (another service uses that port; pick another with --listen HOST:PORT)` : e.code === 'EACCES' ? `cannot listen: ${e.message} (ports below 1024 need root or CAP_NET_BIND_SERVICE)` : e.message;
        process.stderr.write(`ftpgate gateway: ${msg}\n`);
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
  process.stderr.write(`ftpgate gateway on ${addrs.map((a) => (a.host.includes(':') ? `[${a.host}]` : a.host) + ':' + a.port).join(', ')} → ${c.upstream.host}:${c.upstream.port}` +
    ` (client passive ports ${c.pasvPorts.min}-${c.pasvPorts.max}, to the server: ${c.upstreamMode})\n`);
  let stopping = false;
  const stop = async (sig: string) => {
    if (stopping) { gw.destroy(); process.exit(1); }
    stopping = true;
    process.stderr.write(`${sig}: closing (again to force)\n`);
    await gw.close();
    log.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}
