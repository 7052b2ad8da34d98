// What `serve` and `gateway` share as long-running services: addresses for people, start-up error messages, signal handling.
import { FtpgateError } from '../protocol/errors.js';

/** "127.0.0.1:2121, [::1]:2121" */
export function formatAddresses(addrs: readonly { host: string; port: number }[]): string {
  return addrs.map((a) => (a.host.includes(':') ? `[${a.host}]` : a.host) + ':' + a.port).join(', ');
}

/** A start-up failure as one line that names the cause and the fix. */
export function startupErrorMessage(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  if (err instanceof FtpgateError) return err.message;
  if (e.code === 'EADDRINUSE') return `cannot listen: ${e.message} (another service uses that port; pick another with --listen HOST:PORT)`;
  if (e.code === 'EACCES') return `cannot listen: ${e.message} (ports below 1024 need root or CAP_NET_BIND_SERVICE)`;
  return e.message;
}

/** SIGINT/SIGTERM: close() gracefully, flush the log, exit 0; a second signal destroys at once and exits 1. */
export function stopOnSignals(service: { close(): Promise<void>; destroy(): void }, log: { close(): void }): void {
  let stopping = false;
  const stop = async (sig: string) => {
    if (stopping) { service.destroy(); process.exit(1); }
    stopping = true;
    process.stderr.write(`${sig}: closing (again to force)\n`);
    await service.close();
    log.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}
