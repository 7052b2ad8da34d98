// Plans the FTP rules of a setup as format-independent rules, one per channel of the seeds' lists (control in/out, data out/in). Pure.
import { formatRange, UNPRIVILEGED, type PortRange, type ResolvedOptions } from './options.js';

export type Channel = 1 | 2 | 3 | 4;
/** Whose FTP endpoint the rule protects: the server side or the client side. */
export type Subject = 'server' | 'client';

/**
 * One permitted TCP flow. `dir` is seen from the protected side: 'in' = towards it, 'out' = from it.
 * `state` 'open' = the direction that opens the connection (new and established packets), 'reply' = the other direction
 * (established only). `helper` = a data connection the FTP conntrack helper expects (not a static port opening).
 */
export interface FtpRule {
  channel: Channel;
  mode: 'control' | 'active' | 'passive';
  subject: Subject;
  dir: 'in' | 'out';
  state: 'open' | 'reply';
  helper: boolean;
  /** Address or CIDR of the protected side (undefined = any). */
  local?: string;
  /** Address or CIDR of the peer (undefined = any). */
  remote?: string;
  localPort: PortRange;
  remotePort: PortRange;
  comment: string;
}

export interface DnatPlan {
  ports: PortRange[];
  to: string;
  ifaceOut?: string;
  publicAddress?: string;
  comment: string[];
}

export interface MasqPlan {
  net: string;
  ifaceOut: string;
  comment: string;
}

/** Source NAT of the internal server's own outbound connections (its active-mode data connections). */
export interface ServerSnatPlan {
  from: string;
  /** snat to this address; without it, masquerade behind ifaceOut */
  to?: string;
  ifaceOut?: string;
  comment: string;
}

/** Where the helper must be assigned: on control connections opened towards `local` (server side) or from it (client side). */
export interface HelperAssign {
  subject: Subject;
  dir: 'in' | 'out';
  local?: string;
  remote?: string;
  controlPort: number;
  comment: string;
}

export interface Plan {
  rules: FtpRule[];
  helpers: HelperAssign[];
  dnat?: DnatPlan;
  masquerade?: MasqPlan;
  serverSnat?: ServerSnatPlan;
}

export interface PlanContext {
  /** The ephemeral range of the protected host (for a server's ephemeral active source port, a client's active data port). */
  ephemeral: PortRange;
}

const r = (p: number): PortRange => ({ min: p, max: p });

function portText(p: PortRange): string {
  return formatRange(p);
}

/** The FTP rules (channels 1-4 per mode) for one protected side. */
function sideRules(o: ResolvedOptions, subject: Subject, local: string | undefined, remote: string | undefined, ctx: PlanContext): FtpRule[] {
  const out: FtpRule[] = [];
  const ctl = r(o.controlPort);
  const helperNote = o.helper ? ', via FTP helper' : '';
  const add = (x: Omit<FtpRule, 'subject' | 'local' | 'remote'>) => out.push({ ...x, subject, local, remote });
  if (subject === 'server') {
    add({ channel: 1, mode: 'control', dir: 'in', state: 'open', helper: false, localPort: ctl, remotePort: UNPRIVILEGED,
      comment: `ch1/4 control: client -> server:${o.controlPort} (client opens the control connection)` });
    add({ channel: 2, mode: 'control', dir: 'out', state: 'reply', helper: false, localPort: ctl, remotePort: UNPRIVILEGED,
      comment: `ch2/4 control replies: server:${o.controlPort} -> client` });
    if (o.modes.includes('active')) {
      const src = o.activeSourcePort === 20 ? r(20) : ctx.ephemeral;
      add({ channel: 3, mode: 'active', dir: 'out', state: 'open', helper: o.helper, localPort: src, remotePort: UNPRIVILEGED,
        comment: `ch3/4 data out (active): server:${portText(src)} -> client:1024-65535 (server opens the data connection${helperNote})` });
      add({ channel: 4, mode: 'active', dir: 'in', state: 'reply', helper: o.helper, localPort: src, remotePort: UNPRIVILEGED,
        comment: `ch4/4 data in (active): client -> server:${portText(src)} (client ACKs and uploads${helperNote})` });
    }
    if (o.modes.includes('passive')) {
      add({ channel: 3, mode: 'passive', dir: 'in', state: 'open', helper: o.helper, localPort: o.pasvPorts, remotePort: UNPRIVILEGED,
        comment: `ch3/4 data out (passive): client -> server:${portText(o.pasvPorts)} (client opens the data connection${helperNote})` });
      add({ channel: 4, mode: 'passive', dir: 'out', state: 'reply', helper: o.helper, localPort: o.pasvPorts, remotePort: UNPRIVILEGED,
        comment: `ch4/4 data in (passive): server:${portText(o.pasvPorts)} -> client (data and ACKs back${helperNote})` });
    }
  } else {
    add({ channel: 1, mode: 'control', dir: 'out', state: 'open', helper: false, localPort: UNPRIVILEGED, remotePort: ctl,
      comment: `ch1/4 control: client -> server:${o.controlPort} (client opens the control connection)` });
    add({ channel: 2, mode: 'control', dir: 'in', state: 'reply', helper: false, localPort: UNPRIVILEGED, remotePort: ctl,
      comment: `ch2/4 control replies: server:${o.controlPort} -> client` });
    if (o.modes.includes('active')) {
      // the server's source port: 20 traditionally; with an ephemeral source any unprivileged port
      const src = o.activeSourcePort === 20 ? r(20) : UNPRIVILEGED;
      add({ channel: 3, mode: 'active', dir: 'in', state: 'open', helper: o.helper, localPort: ctx.ephemeral, remotePort: src,
        comment: `ch3/4 data out (active): server:${portText(src)} -> client:${portText(ctx.ephemeral)} (server opens the data connection${helperNote})` });
      add({ channel: 4, mode: 'active', dir: 'out', state: 'reply', helper: o.helper, localPort: ctx.ephemeral, remotePort: src,
        comment: `ch4/4 data in (active): client -> server:${portText(src)} (client ACKs and uploads${helperNote})` });
    }
    if (o.modes.includes('passive')) {
      add({ channel: 3, mode: 'passive', dir: 'out', state: 'open', helper: o.helper, localPort: UNPRIVILEGED, remotePort: o.pasvPorts,
        comment: `ch3/4 data out (passive): client -> server:${portText(o.pasvPorts)} (client opens the data connection${helperNote})` });
      add({ channel: 4, mode: 'passive', dir: 'in', state: 'reply', helper: o.helper, localPort: UNPRIVILEGED, remotePort: o.pasvPorts,
        comment: `ch4/4 data in (passive): server:${portText(o.pasvPorts)} -> client (data and ACKs back${helperNote})` });
    }
  }
  return out;
}

/** The whole plan: rules for each protected side, helper assignments and NAT. */
export function planRules(o: ResolvedOptions, ctx: PlanContext): Plan {
  const plan: Plan = { rules: [], helpers: [] };
  const sides: { subject: Subject; local?: string; remote?: string }[] = [];
  if (o.role === 'server') sides.push({ subject: 'server', local: o.serverAddress, remote: o.clientNet });
  else if (o.role === 'client') sides.push({ subject: 'client', local: o.clientNet, remote: o.serverAddress });
  else {
    if (o.serverAddress) sides.push({ subject: 'server', local: o.serverAddress });
    if (o.clientNet) sides.push({ subject: 'client', local: o.clientNet });
  }
  for (const s of sides) {
    // a router's clients use any port of their own OS's ephemeral range: we cannot know it
    const sideCtx = o.role === 'router' ? { ephemeral: UNPRIVILEGED } : ctx;
    plan.rules.push(...sideRules(o, s.subject, s.local, s.remote, sideCtx));
    if (o.helper) {
      plan.helpers.push({
        subject: s.subject, dir: s.subject === 'server' ? 'in' : 'out', local: s.local, remote: s.remote, controlPort: o.controlPort,
        comment: `assign the FTP helper to control connections (port ${o.controlPort}): it reads PORT/PASV and expects the data connection`,
      });
    }
  }
  if (o.role === 'router' && o.nat) {
    if (o.serverAddress) {
      const ports = [r(o.controlPort)];
      const comment = [`DNAT ch1/4 control: port ${o.controlPort} -> internal server ${o.serverAddress}`];
      if (o.modes.includes('passive') && !o.helper) {
        ports.push(o.pasvPorts);
        comment.push(`DNAT ch3/4 data out (passive): ports ${formatRange(o.pasvPorts)} -> internal server ${o.serverAddress}`);
      }
      plan.dnat = { ports, to: o.serverAddress, ifaceOut: o.ifaceOut, publicAddress: o.publicAddress, comment };
      if (o.modes.includes('active')) {
        // Without this the server's active data connections leave with its private source address: the client
        // (rightly) refuses data from an address that is not the one it sent PORT to, or the Internet drops it.
        plan.serverSnat = {
          from: o.serverAddress, to: o.publicAddress, ifaceOut: o.ifaceOut,
          comment: `SNAT ch3/4 data (active): connections server ${o.serverAddress} opens leave from ${o.publicAddress ?? `${o.ifaceOut}'s address`}`,
        };
      }
    }
    if (o.clientNet && o.ifaceOut) {
      plan.masquerade = { net: o.clientNet, ifaceOut: o.ifaceOut, comment: `masquerade the client network ${o.clientNet} behind ${o.ifaceOut}` };
    }
  }
  return plan;
}
