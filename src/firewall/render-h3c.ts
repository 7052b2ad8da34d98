// Renders a plan as H3C Comware advanced ACLs (the seeds' "rule permit tcp source ... source-port eq 21" syntax), optional ASPF. Pure.
import type { PortRange, ResolvedOptions } from './options.js';
import { anyPort } from './flow.js';
import type { Plan } from './plan.js';
import { splitAcl, wildcard, type AclEntry } from './acl.js';
import { headerLines } from './header.js';

const ACL_TO = 3100;
const ACL_FROM = 3101;
/** Comware limits a rule comment to 127 characters. */
const COMMENT_MAX = 127;

function addr(kw: 'source' | 'destination', a: string | undefined): string {
  if (!a) return '';
  const [net, wc] = wildcard(a);
  return ` ${kw} ${net} ${wc === '0.0.0.0' ? '0' : wc}`;
}

function port(kw: 'source-port' | 'destination-port', p: PortRange | undefined): string {
  if (!p || anyPort(p)) return '';
  if (p.min === p.max) return ` ${kw} eq ${p.min}`;
  if (p.max === 65535) return ` ${kw} gt ${p.min - 1}`;
  return ` ${kw} range ${p.min} ${p.max}`;
}

function comment(text: string): string {
  return text.length > COMMENT_MAX ? text.slice(0, COMMENT_MAX - 3) + '...' : text;
}

function rules(list: AclEntry[], extra: { text: string; rule: string }[], standalone: boolean): string[] {
  const out: string[] = [];
  let id = 0;
  for (const e of list) {
    if (!e.permit) {
      out.push(`# ${e.comment}`);
      continue;
    }
    id += 5;
    const p = e.permit;
    out.push(` rule ${id} permit tcp${addr('source', p.saddr)}${port('source-port', p.sport)}${addr('destination', p.daddr)}${port('destination-port', p.dport)}${p.established ? ' established' : ''}`,
      ` rule ${id} comment ${comment(e.comment)}`);
  }
  for (const x of extra) {
    id += 5;
    out.push(` rule ${id} ${x.rule}`, ` rule ${id} comment ${comment(x.text)}`);
  }
  if (standalone) out.push(' rule 1000 deny ip', ' rule 1000 comment default deny');
  return out;
}

export function renderH3c(plan: Plan, o: ResolvedOptions): string {
  const acl = splitAcl(plan, o, 'ASPF detect ftp');
  const out: string[] = [...headerLines(o, '# ')];
  out.push(
    `# acl ${ACL_TO}: traffic towards the protected side (packet-filter inbound on the outside interface)`,
    `# acl ${ACL_FROM}: traffic from it (packet-filter inbound on the inside interface, as in the seeds' example)`,
    '# Stateless: reply directions use "established". Comware 7 syntax (Comware 5: acl number 3100).',
  );
  if (!o.standalone) out.push('# These rules extend (or create) the ACLs; nothing is applied to an interface and no deny rule is added.');
  out.push('#');
  if (plan.helpers.length) out.push('# FTP helper: ASPF inspects FTP and opens the data connections of each session', 'aspf policy 1', ' detect ftp', '#');
  const to = o.standalone ? [
    ...o.allowPorts.map((p) => ({ text: `--allow-port ${p}`, rule: `permit tcp destination-port eq ${p}` })),
    { text: 'replies of connections the protected side opened', rule: 'permit tcp established' },
  ] : [];
  const from = o.standalone ? [
    ...o.allowPorts.map((p) => ({ text: `--allow-port ${p} replies`, rule: `permit tcp source-port eq ${p} established` })),
    ...o.allowOutPorts.flatMap((p) => [
      { text: `--allow-out-port ${p} (tcp)`, rule: `permit tcp destination-port eq ${p}` },
      { text: `--allow-out-port ${p} (udp)`, rule: `permit udp destination-port eq ${p}` },
    ]),
  ] : [];
  out.push(`acl advanced ${ACL_TO}`, ` description ftpgate: towards the protected side`, ...rules(acl.toward, to, o.standalone), '#');
  out.push(`acl advanced ${ACL_FROM}`, ` description ftpgate: from the protected side`, ...rules(acl.from, from, o.standalone), '#');
  if (o.standalone || plan.helpers.length) {
    const outside = o.ifaceOut ?? 'OUTSIDE-INTERFACE';
    const inside = o.ifaceIn ?? 'INSIDE-INTERFACE';
    out.push(`interface ${outside}`);
    if (o.standalone) out.push(` packet-filter ${ACL_TO} inbound`);
    if (plan.helpers.length) out.push(' aspf apply policy 1 inbound');
    out.push('#', `interface ${inside}`);
    if (o.standalone) out.push(` packet-filter ${ACL_FROM} inbound`);
    if (plan.helpers.some((h) => h.subject === 'client')) out.push(' aspf apply policy 1 inbound');
    out.push('#');
  }
  out.push('return', '');
  return out.join('\n');
}
