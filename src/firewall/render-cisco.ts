// Renders a plan as Cisco IOS extended named ACLs (stateless: replies matched with "established"), optional FTP inspection. Pure.
import type { PortRange, ResolvedOptions } from './options.js';
import { anyPort } from './flow.js';
import type { Plan } from './plan.js';
import { splitAcl, wildcard, type AclEntry } from './acl.js';
import { headerLines } from './header.js';

const IN = 'FTPGATE-IN';
const OUT = 'FTPGATE-OUT';
const INSPECT = 'FTPGATE';
/** IOS limits a remark to 100 characters. */
const REMARK_MAX = 100;

function addr(a: string | undefined): string {
  if (!a) return 'any';
  const [net, wc] = wildcard(a);
  return wc === '0.0.0.0' ? `host ${net}` : `${net} ${wc}`;
}

function port(p: PortRange | undefined): string {
  if (!p || anyPort(p)) return '';
  if (p.min === p.max) return ` eq ${p.min}`;
  if (p.max === 65535) return ` gt ${p.min - 1}`;
  return ` range ${p.min} ${p.max}`;
}

function remark(text: string): string {
  return ` remark ${text.length > REMARK_MAX ? text.slice(0, REMARK_MAX - 3) + '...' : text}`;
}

function entries(list: AclEntry[]): string[] {
  const out: string[] = [];
  for (const e of list) {
    out.push(remark(e.comment));
    if (!e.permit) continue;
    const p = e.permit;
    out.push(` permit tcp ${addr(p.saddr)}${port(p.sport)} ${addr(p.daddr)}${port(p.dport)}${p.established ? ' established' : ''}`);
  }
  return out;
}

export function renderCisco(plan: Plan, o: ResolvedOptions): string {
  const acl = splitAcl(plan, o, `ip inspect ${INSPECT}`);
  const out: string[] = [...headerLines(o, '! ')];
  out.push(
    `! ${IN}: traffic towards the protected ${o.role === 'client' ? 'clients' : o.role === 'server' ? 'server' : 'hosts'} (apply inbound on the outside interface)`,
    `! ${OUT}: traffic from them (apply inbound on the inside interface)`,
    '! ACLs are stateless: reply directions are matched with "established" (ACK or RST set).',
  );
  if (!o.standalone) {
    out.push('! These entries extend (or create) the two ACLs; nothing is applied to an interface here.',
      '! An ACL ends with an implicit "deny ip any any": apply a new ACL only after adding your other permits.');
  }
  out.push('!');
  if (plan.helpers.length) {
    out.push('! FTP helper: IOS FTP inspection opens the data connections of each session',
      `ip inspect name ${INSPECT} ftp`, '!');
  }
  out.push(`ip access-list extended ${IN}`, ...entries(acl.toward));
  if (o.standalone) {
    out.push(...o.allowPorts.flatMap((p) => [remark(`--allow-port ${p}`), ` permit tcp any any eq ${p}`]));
    out.push(remark('replies of connections the protected side opened'), ' permit tcp any any established',
      remark('default deny'), ' deny ip any any log');
  }
  out.push(`ip access-list extended ${OUT}`, ...entries(acl.from));
  if (o.standalone) {
    out.push(...o.allowPorts.flatMap((p) => [remark(`--allow-port ${p} replies`), ` permit tcp any eq ${p} any established`]));
    out.push(...o.allowOutPorts.flatMap((p) => [remark(`--allow-out-port ${p}`), ` permit tcp any any eq ${p}`, ` permit udp any any eq ${p}`]));
    out.push(remark('default deny'), ' deny ip any any log');
  }
  out.push('!');
  if (o.standalone || plan.helpers.length) {
    const outside = o.ifaceOut ?? 'OUTSIDE-INTERFACE';
    const inside = o.ifaceIn ?? 'INSIDE-INTERFACE';
    const inspectIn = plan.helpers.some((h) => h.subject === 'server');
    const inspectOut = plan.helpers.some((h) => h.subject === 'client');
    out.push(`interface ${outside}`);
    if (o.standalone) out.push(` ip access-group ${IN} in`);
    if (inspectIn) out.push(` ip inspect ${INSPECT} in`);
    out.push(`interface ${inside}`);
    if (o.standalone) out.push(` ip access-group ${OUT} in`);
    if (inspectOut) out.push(` ip inspect ${INSPECT} in`);
    out.push('!');
  }
  out.push('end', '');
  return out.join('\n');
}
