// Data connection negotiation: PORT EPRT (active) and PASV EPSV (passive), with the bounce and address rules.
import type { Session } from '../session.js';
import { R } from '../../protocol/reply-codes.js';
import { activeTargetRefusal, cidrContains, formatEpsv, formatHostPort6, normalizeAddress, parseEprt, parseHostPort6, type HostPort } from '../../protocol/host-port.js';
import { ActiveChannel, PassiveChannel } from '../data-channel.js';
import { isIP } from 'node:net';

// SECURITY: the FTP bounce attack — PORT/EPRT may only name the client itself and an unprivileged port.
function checkActiveTarget(s: Session, t: HostPort): string | null {
  const refusal = activeTargetRefusal(t, s.peer, { foreign: s.config.allowForeignActive, privileged: s.config.allowPrivilegedActive });
  if (!refusal) return null;
  s.log({ event: 'security', rule: refusal.rule, target: t.host, port: t.port, peer: s.peer });
  return refusal.message;
}

function setActive(s: Session, t: HostPort): void {
  s.resetDataChannel(new ActiveChannel(t, s.localAddress, s.config.activeSourcePort === 20 ? 20 : undefined));
}

export function PORT(s: Session, arg: string): void {
  if (s.epsvAll) { s.reply(R.BAD_SEQUENCE, 'EPSV ALL is in effect: only EPSV may set up data connections'); return; }
  let t: HostPort;
  try { t = parseHostPort6(arg); } catch { s.reply(R.SYNTAX_ERROR_ARGS, 'Syntax error in PORT: expected h1,h2,h3,h4,p1,p2'); return; }
  const refused = checkActiveTarget(s, t);
  if (refused) { s.resetDataChannel(null); s.reply(R.NOT_IMPLEMENTED_PARAM, refused); return; }
  setActive(s, t);
  s.reply(R.OK, 'PORT command successful');
}

export function EPRT(s: Session, arg: string): void {
  if (s.epsvAll) { s.reply(R.BAD_SEQUENCE, 'EPSV ALL is in effect: only EPSV may set up data connections'); return; }
  let t: HostPort & { family: 1 | 2 };
  try { t = parseEprt(arg); } catch (err) {
    const msg = (err as Error).message;
    if (/unknown network protocol/.test(msg)) { s.reply(R.NETWORK_PROTOCOL_NOT_SUPPORTED, 'Network protocol not supported, use (1,2)'); return; }
    s.reply(R.SYNTAX_ERROR_ARGS, `Syntax error in EPRT: ${msg}`); return;
  }
  // lftp sends `EPRT |2|::|port|` ("my address, whatever it is"): the unspecified address means the control peer
  if (t.host === '::' || t.host === '0.0.0.0') t = { ...t, host: s.peer };
  if ((isIP(t.host) === 6) !== (isIP(s.peer) === 6)) { s.reply(R.NETWORK_PROTOCOL_NOT_SUPPORTED, `Network protocol not supported, use (${isIP(s.peer) === 6 ? 2 : 1})`); return; }
  const refused = checkActiveTarget(s, t);
  if (refused) { s.resetDataChannel(null); s.reply(R.NOT_IMPLEMENTED_PARAM, refused); return; }
  setActive(s, t);
  s.reply(R.OK, 'EPRT command successful');
}

/** The address advertised in 227: per client network override, else pasv_address, else the control connection's local address. */
export function advertisedAddress(s: Session): string {
  for (const o of s.config.pasvAddressOverrides) if (cidrContains(o.cidr, s.peer)) return o.address;
  return s.config.pasvAddress ?? s.localAddress;
}

async function openPassive(s: Session): Promise<PassiveChannel> {
  s.resetDataChannel(null);
  const ch = await PassiveChannel.create({
    bindHost: s.localAddress,
    range: s.config.pasvPorts,
    expectedPeer: s.peer,
    allowForeign: s.config.allowForeignPassive,
    log: (e) => s.log(e),
  });
  s.resetDataChannel(ch);
  return ch;
}

export async function PASV(s: Session): Promise<void> {
  if (s.epsvAll) { s.reply(R.BAD_SEQUENCE, 'EPSV ALL is in effect: use EPSV'); return; }
  const adv = advertisedAddress(s);
  if (isIP(adv) !== 4) { s.reply(R.SYNTAX_ERROR_ARGS, 'PASV cannot express an IPv6 address; use EPSV'); return; }
  const ch = await openPassive(s);
  s.reply(R.ENTERING_PASSIVE, `Entering Passive Mode (${formatHostPort6(adv, ch.port)})`);
}

export async function EPSV(s: Session, arg: string): Promise<void> {
  const a = arg.trim().toUpperCase();
  if (a === 'ALL') { s.epsvAll = true; s.reply(R.OK, 'EPSV ALL ok: PORT, EPRT and PASV now refused'); return; }
  if (a !== '' && a !== '1' && a !== '2') { s.reply(R.NETWORK_PROTOCOL_NOT_SUPPORTED, 'Network protocol not supported, use (1,2)'); return; }
  if (a !== '' && (a === '2') !== (isIP(s.localAddress) === 6)) { s.reply(R.NETWORK_PROTOCOL_NOT_SUPPORTED, `Network protocol not supported, use (${isIP(s.localAddress) === 6 ? 2 : 1})`); return; }
  const ch = await openPassive(s);
  s.reply(R.ENTERING_EXT_PASSIVE, `Entering Extended Passive Mode ${formatEpsv(ch.port)}`);
}
