// The explanatory header every rules file starts with: the setup in words and the four FTP channels of the seeds. Pure.
import { formatRange, type ResolvedOptions } from './options.js';

/** Header lines, each prefixed with the format's comment marker (e.g. "# ", "! ", "REM "). */
export function headerLines(o: ResolvedOptions, prefix: string): string[] {
  const what: string[] = [`role ${o.role}`, `modes ${o.modes.join(',')}`, `control port ${o.controlPort}`];
  if (o.modes.includes('passive')) what.push(`passive ports ${formatRange(o.pasvPorts)}`);
  if (o.modes.includes('active')) what.push(`active source port ${o.activeSourcePort}`);
  what.push(o.helper ? 'FTP helper (data connections opened per session)' : 'static ports (no helper)');
  if (o.nat) what.push('NAT');
  const where: string[] = [];
  if (o.serverAddress) where.push(`server ${o.serverAddress}`);
  if (o.clientNet) where.push(`clients ${o.clientNet}`);
  if (o.publicAddress) where.push(`public ${o.publicAddress}`);
  if (o.ifaceIn) where.push(`inside ${o.ifaceIn}`);
  if (o.ifaceOut) where.push(`outside ${o.ifaceOut}`);
  const lines = [
    `ftpgate rules: ${what.join(', ')}`,
    ...(where.length ? [`addresses: ${where.join(', ')}`] : []),
    'Each FTP rule names the channel it opens (the four of the seeds\' lists):',
    `  ch1 control: client -> server:${o.controlPort} opens the control connection`,
    `  ch2 control replies: server:${o.controlPort} -> client`,
    '  ch3 data out: active = server -> client (server opens), passive = client -> server passive port',
    '  ch4 data in: the other direction of the data connection (ACKs, data)',
    'Never "all ports above 1023": only the configured passive range (or, with the helper, only announced ports).',
  ];
  return lines.map((l) => prefix + l);
}
