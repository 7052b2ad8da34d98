// The eight scenarios of the seeds: setup, hand-written firewall rules (a swappable input), and the outcome each data mode must have.
import type { Mode } from './ftp-client.js';
import { IFACE, PLANS, type AddressPlan, type Role } from './topology.js';

/**
 * What a transfer must do:
 * - works: listing and file arrive (SHA-256 checked)
 * - hangs: control connection fine (230, the data-setup reply), the data connection is silently dropped, the client gives up
 *   only at its timeout
 * - port-rejected: the server refuses the PORT/EPRT address (5xx) and never dials
 */
export type Expect = 'works' | 'hangs' | 'port-rejected';

export const PASV_RANGE = { min: 50000, max: 50100 };
/** a service on a high port outside the passive range that must stay unreachable (seed 000: "CAUTION!!!!") */
export const DECOY_PORT = 6000;

/**
 * The same placement as `ftpgate rules` options (issue item 4): the generator gets these plus `standalone: true` and a format,
 * and its output replaces the hand-written rules. Field names are those of src/firewall/options.ts RulesOptions.
 */
export interface GenOptions {
  role: 'server' | 'client' | 'router';
  modes: ('active' | 'passive')[];
  helper?: boolean;
  nat?: boolean;
  pasvPorts?: { min: number; max: number };
  activeSourcePort?: 20 | 'ephemeral';
  serverAddress?: string;
  clientNet?: string;
  publicAddress?: string;
  ifaceIn?: string;
  ifaceOut?: string;
  pasvAddress?: string;
}

export interface FirewallPlacement {
  /** the namespace the rules are loaded into */
  role: Role;
  what: string;
  /** hand-written nftables ruleset for this address plan */
  hand: (p: AddressPlan) => string;
  /** the equivalent `ftpgate rules` options for this address plan */
  generate: (p: AddressPlan) => GenOptions;
}

export type Probe =
  /** a listener on DECOY_PORT in the server namespace; these roles try to reach it and must not */
  | { kind: 'decoy'; from: Role[] }
  /** the client gets a passive port announced; the intruder dials it first and must be dropped; the client's RETR completes */
  | { kind: 'intruder-on-announced-port'; mode: 'PASV' | 'EPSV' };

export interface Variant {
  id: string;
  scenario: number;
  title: string;
  plan: AddressPlan;
  server: { pasvAddress?: string; activeSourcePort20?: boolean; tls?: boolean };
  /** which client program runs the transfers (default curl; ftplib for FTPS, whose active mode curl 7.88 cannot do) */
  client?: 'curl' | 'ftplib';
  /** the client dials the address in the 227 reply (curl --no-ftp-skip-pasv-ip), like classic clients */
  usePasvAddress?: boolean;
  firewall: FirewallPlacement[];
  expect: Record<Mode, Expect>;
  /** where `ftpgate rules` output must behave differently from the hand-written rules, and why */
  generatedExpect?: { expect: Partial<Record<Mode, Expect>>; why: string };
  /** where, with `ftpgate rules` output, the ftpgate client must behave differently from curl/ftplib, and why */
  probes?: Probe[];
  /**
   * What NAT must (not) have done to the addresses inside the control connection:
   * pasv-private — the 227 the client gets names the server's private address (nobody rewrote it);
   * pasv-rewritten — the server announces its private address, yet the client gets the public one (nf_nat_ftp);
   * port-private / port-rewritten — the client sends its private address in PORT/EPRT; the server sees it unchanged / as the
   * router's public address (checked in ftpgate's command log).
   */
  /** the data connections that work must pass fw as RELATED, i.e. because the FTP helper expected them (not a static rule) */
  viaHelper?: boolean;
  natCheck?: 'pasv-private' | 'pasv-rewritten' | 'port-private' | 'port-rewritten';
  /** why, in one or two sentences, with the seed's words */
  why: string;
}

export interface Scenario {
  n: number;
  title: string;
  variants: Variant[];
}

const both = (passive: Expect, active: Expect): Record<Mode, Expect> => ({ PASV: passive, EPSV: passive, PORT: active, EPRT: active });
const { fwClientSide: CSIDE, fwServerSide: SSIDE } = IFACE;
const range = `${PASV_RANGE.min}-${PASV_RANGE.max}`;

// ---------- hand-written rules, commented with the channel each rule opens ----------

/** Scenario 1: server host firewall for active mode only (seed 002/003: in 21, out from 20 to >1023, established). */
const serverActiveOnly = (): string => `table inet host {
  chain input {
    type filter hook input priority filter; policy drop;
    iif "lo" accept
    ct state established accept comment "replies on connections already accepted (client ACKs to port 20)"
    tcp dport 21 accept comment "client→21: control connection"
  }
  chain output {
    type filter hook output priority filter; policy drop;
    oif "lo" accept
    ct state established accept comment "21→client: control replies"
    tcp sport 20 tcp dport > 1023 accept comment "data out: active mode, port 20 → client's port >1023"
  }
}
`;

/** Scenario 2: server host firewall for passive mode with a fixed range (seed 001: "a range of ports ... not too narrow"). */
const serverPassiveRange = (): string => `table inet host {
  chain input {
    type filter hook input priority filter; policy drop;
    iif "lo" accept
    ct state established accept comment "replies on connections already accepted"
    tcp dport 21 accept comment "client→21: control connection"
    tcp dport ${range} accept comment "data in: passive range ${range} only (not every port >1023)"
  }
  chain output {
    type filter hook output priority filter; policy drop;
    oif "lo" accept
    ct state established accept comment "21→client and passive data replies"
  }
}
`;

const helperObject = `  ct helper ftp-21 {
    type "ftp" protocol tcp;
  }
`;

/** Scenario 3/4: the client's stateful firewall (on the router) drops unsolicited inbound; with helper: FTP-aware. */
const clientSideStateful = (helper: boolean) => (): string => `table inet fw {
${helper ? helperObject : ''}${
  helper
    ? `  chain helpers {
    type filter hook prerouting priority filter; policy accept;
    iifname "${CSIDE}" tcp dport 21 ct helper set "ftp-21" comment "assign the FTP helper explicitly (no automatic assignment)"
  }
`
    : ''
}  chain forward {
    type filter hook forward priority filter; policy drop;
    ct state established,related accept comment "replies${helper ? ' and data connections the FTP helper expects' : ''}"
    iifname "${CSIDE}" oifname "${SSIDE}" accept comment "inside may open any connection outwards"
  }
}
`;

/** Scenario 5 (and 8a): the server's stateful firewall (on the router) opens only port 21; with helper: FTP-aware. */
const serverSideOnly21 = (helper: boolean) => (p: AddressPlan): string => `table inet fw {
${helper ? helperObject : ''}${
  helper
    ? `  chain helpers {
    type filter hook prerouting priority filter; policy accept;
    ip daddr ${p.server} tcp dport 21 ct helper set "ftp-21" comment "assign the FTP helper explicitly (no automatic assignment)"
  }
`
    : ''
}  chain forward {
    type filter hook forward priority filter; policy drop;
    ct state established,related accept comment "replies${helper ? ' and data connections the FTP helper expects' : ''}"
    iifname "${CSIDE}" ip daddr ${p.server} tcp dport 21 accept comment "client→21: control connection, nothing else inbound"
    iifname "${SSIDE}" oifname "${CSIDE}" accept comment "server may open connections outwards (active data)"
  }
}
`;

/** Scenario 6: server behind NAT; 21 forwarded, optionally the passive range too, optionally the FTP NAT helper. */
const serverBehindNat = (o: { forwardRange: boolean; helper: boolean }) => (p: AddressPlan): string => `table ip nat {
  chain prerouting {
    type nat hook prerouting priority dstnat; policy accept;
    ip daddr ${p.fwPublic} tcp dport 21 dnat to ${p.server} comment "client→21: port forward to the private server"
${o.forwardRange ? `    ip daddr ${p.fwPublic} tcp dport ${range} dnat to ${p.server} comment "data in: passive range forwarded"\n` : ''}  }
  chain postrouting {
    type nat hook postrouting priority srcnat; policy accept;
    oifname "${CSIDE}" ip saddr ${p.privateNet} snat to ${p.fwPublic} comment "server's outbound connections leave as ${p.fwPublic}"
  }
}
table inet fw {
${o.helper ? helperObject : ''}${
  o.helper
    ? `  chain helpers {
    type filter hook prerouting priority filter; policy accept;
    ip daddr ${p.server} tcp dport 21 ct helper set "ftp-21" comment "FTP helper: with NAT it also rewrites the 227 address (nf_nat_ftp)"
  }
`
    : ''
}  chain forward {
    type filter hook forward priority filter; policy drop;
    ct state established,related accept comment "replies${o.helper ? ' and data connections the FTP helper expects' : ''}"
    ct status dnat accept comment "whatever the port forwards publish"
    iifname "${SSIDE}" oifname "${CSIDE}" accept comment "server may open connections outwards (active data)"
  }
  chain input {
    type filter hook input priority filter; policy drop;
    ct state established,related accept comment "the router itself offers nothing"
  }
}
`;

/** Scenario 7: client behind many-to-one NAT (masquerade), optionally with the FTP NAT helper. */
const clientBehindNat = (helper: boolean) => (): string => `table ip nat {
  chain postrouting {
    type nat hook postrouting priority srcnat; policy accept;
    oifname "${SSIDE}" masquerade comment "many-to-one NAT: everything inside leaves as the router's address"
  }
}
table inet fw {
${helper ? helperObject : ''}${
  helper
    ? `  chain helpers {
    type filter hook prerouting priority filter; policy accept;
    iifname "${CSIDE}" tcp dport 21 ct helper set "ftp-21" comment "FTP helper: rewrites PORT/EPRT to the public address (nf_nat_ftp)"
  }
`
    : ''
}  chain forward {
    type filter hook forward priority filter; policy drop;
    ct state established,related accept comment "replies${helper ? ' and data connections the FTP helper expects' : ''}"
    iifname "${CSIDE}" oifname "${SSIDE}" accept comment "inside may open any connection outwards"
  }
}
`;

// ---------- the scenarios ----------

const pub = PLANS.public;

export const SCENARIOS: Scenario[] = [
  {
    n: 1,
    title: 'server host firewall, static rules for active mode only',
    variants: [
      {
        id: '1',
        scenario: 1,
        title: 'server host firewall: in 21; out from 20 to >1023; established',
        plan: pub,
        server: { activeSourcePort20: true },
        firewall: [{ role: 'server', what: 'server host firewall (active only)', hand: serverActiveOnly, generate: () => ({ role: 'server', modes: ['active'], activeSourcePort: 20 }) }],
        expect: both('hangs', 'works'),
        why: 'The rules open port 21 and outbound port 20 → >1023 (seed 002 "active FTP"), nothing for passive: the client\'s connection to the announced passive port is dropped by the input policy.',
      },
    ],
  },
  {
    n: 2,
    title: 'server host firewall, static rules for the passive range',
    variants: [
      {
        id: '2',
        scenario: 2,
        title: `server host firewall: in 21; in ${range}; established; decoy service on ${DECOY_PORT}`,
        plan: pub,
        server: {},
        firewall: [{ role: 'server', what: 'server host firewall (passive range)', hand: serverPassiveRange, generate: () => ({ role: 'server', modes: ['passive'], pasvPorts: PASV_RANGE, activeSourcePort: 'ephemeral' }) }],
        expect: both('works', 'hangs'),
        probes: [{ kind: 'decoy', from: ['intruder', 'client'] }],
        why: `Only the passive range is open, not "ports 1024 and above" (seed 000: "CAUTION!!!!"), so the decoy on ${DECOY_PORT} stays unreachable. Outbound is established-only, so the server's own output policy drops its SYNs to the client: active mode hangs until the client gives up.`,
      },
    ],
  },
  {
    n: 3,
    title: 'client behind a stateful firewall that drops unsolicited inbound',
    variants: [
      {
        id: '3',
        scenario: 3,
        title: 'client-side stateful firewall on the router, no FTP helper',
        plan: pub,
        server: {},
        firewall: [{ role: 'fw', what: 'client-side stateful firewall', hand: clientSideStateful(false), generate: (p) => ({ activeSourcePort: 'ephemeral', role: 'router', modes: ['passive'], clientNet: p.clientNet, ifaceIn: CSIDE, ifaceOut: SSIDE }) }],
        expect: both('works', 'hangs'),
        why: 'Seed 003: "Active FTP connections appear to work when the client initiates an outbound connection to the server on port 21. The connection then appears to hang ... as soon as you use the ls, dir, or get commands": the server\'s data connection to the client is unsolicited inbound traffic and is dropped.',
      },
    ],
  },
  {
    n: 4,
    title: 'as 3, plus the FTP helper on the client\'s firewall',
    variants: [
      {
        id: '4',
        scenario: 4,
        title: 'client-side stateful firewall on the router with the FTP conntrack helper',
        viaHelper: true,
        plan: pub,
        server: {},
        firewall: [{ role: 'fw', what: 'client-side stateful firewall + FTP helper', hand: clientSideStateful(true), generate: (p) => ({ activeSourcePort: 'ephemeral', role: 'router', modes: ['active', 'passive'], helper: true, clientNet: p.clientNet, ifaceIn: CSIDE, ifaceOut: SSIDE }) }],
        expect: both('works', 'works'),
        why: 'Seed 000: "if your firewall understands FTP, it\'ll be able to handle the data connections by itself": the helper reads PORT/EPRT on the control connection and expects exactly that data connection (ct state related).',
      },
    ],
  },
  {
    n: 5,
    title: 'server behind a stateful firewall with only port 21 open',
    variants: [
      {
        id: '5-nohelper',
        scenario: 5,
        title: 'server-side stateful firewall, only 21 open, no helper',
        plan: pub,
        server: {},
        firewall: [{ role: 'fw', what: 'server-side stateful firewall (21 only)', hand: serverSideOnly21(false), generate: (p) => ({ activeSourcePort: 'ephemeral', role: 'router', modes: ['active'], serverAddress: p.server, ifaceIn: SSIDE, ifaceOut: CSIDE }) }],
        expect: both('hangs', 'works'),
        why: 'Only 21 is open inbound, so the client\'s connection to the passive port is dropped; the server may dial out, so active works.',
      },
      {
        id: '5-helper',
        scenario: 5,
        title: 'server-side stateful firewall, only 21 open, with the FTP helper',
        viaHelper: true,
        plan: pub,
        server: {},
        firewall: [{ role: 'fw', what: 'server-side stateful firewall (21 only) + FTP helper', hand: serverSideOnly21(true), generate: (p) => ({ activeSourcePort: 'ephemeral', role: 'router', modes: ['active', 'passive'], helper: true, serverAddress: p.server, ifaceIn: SSIDE, ifaceOut: CSIDE }) }],
        expect: both('works', 'works'),
        probes: [{ kind: 'intruder-on-announced-port', mode: 'PASV' }, { kind: 'intruder-on-announced-port', mode: 'EPSV' }],
        why: 'Seed 004: "the status detection firewall ... you only need to enable port 21": the helper opens the announced passive port for this client only, so the intruder dialling the same port is still dropped.',
      },
    ],
  },
  {
    n: 6,
    title: 'server behind NAT (DNAT of port 21 to a private address)',
    variants: [
      {
        id: '6a',
        scenario: 6,
        title: 'server advertises its private address; only 21 forwarded',
        natCheck: 'pasv-private',
        plan: PLANS['server-behind-nat'],
        server: {},
        usePasvAddress: true,
        firewall: [{ role: 'fw', what: 'NAT router: DNAT 21', hand: serverBehindNat({ forwardRange: false, helper: false }), generate: (p) => ({ activeSourcePort: 'ephemeral', role: 'router', modes: ['active'], nat: true, serverAddress: p.server, publicAddress: p.fwPublic, ifaceIn: SSIDE, ifaceOut: CSIDE }) }],
        expect: both('hangs', 'works'),
        why: 'The 227 reply names 10.0.2.10, which nobody outside can reach (the router drops what was not port-forwarded); EPSV names no address, but the passive port is not forwarded either. Active works: the server dials out through the router\'s SNAT.',
      },
      {
        id: '6b',
        scenario: 6,
        title: '--pasv-address public, passive range forwarded',
        plan: PLANS['server-behind-nat'],
        server: { pasvAddress: PLANS['server-behind-nat'].fwPublic },
        usePasvAddress: true,
        firewall: [{ role: 'fw', what: 'NAT router: DNAT 21 + passive range', hand: serverBehindNat({ forwardRange: true, helper: false }), generate: (p) => ({ activeSourcePort: 'ephemeral', role: 'router', modes: ['active', 'passive'], nat: true, pasvPorts: PASV_RANGE, serverAddress: p.server, publicAddress: p.fwPublic, pasvAddress: p.fwPublic, ifaceIn: SSIDE, ifaceOut: CSIDE }) }],
        expect: both('works', 'works'),
        why: 'Seed 001: "routing port 21 is not enough, the chosen range of ports for PASV connections must also be routed": with the range forwarded and the public address announced, passive works.',
      },
      {
        id: '6c',
        scenario: 6,
        title: 'FTP NAT helper on the router; only 21 forwarded; server announces its private address',
        natCheck: 'pasv-rewritten',
        viaHelper: true,
        plan: PLANS['server-behind-nat'],
        server: {},
        usePasvAddress: true,
        firewall: [{ role: 'fw', what: 'NAT router: DNAT 21 + FTP NAT helper', hand: serverBehindNat({ forwardRange: false, helper: true }), generate: (p) => ({ activeSourcePort: 'ephemeral', role: 'router', modes: ['active', 'passive'], nat: true, helper: true, serverAddress: p.server, publicAddress: p.fwPublic, ifaceIn: SSIDE, ifaceOut: CSIDE }) }],
        expect: both('works', 'works'),
        why: 'The kernel helper (nf_nat_ftp) rewrites 10.0.2.10 in the 227 reply to the public address and forwards the expected data connection.',
      },
    ],
  },
  {
    n: 7,
    title: 'client behind many-to-one NAT (masquerade)',
    variants: [
      {
        id: '7-nohelper',
        scenario: 7,
        title: 'masquerade, no helper',
        natCheck: 'port-private',
        plan: PLANS['client-behind-nat'],
        server: {},
        firewall: [{ role: 'fw', what: 'masquerading router', hand: clientBehindNat(false), generate: (p) => ({ activeSourcePort: 'ephemeral', role: 'router', modes: ['passive'], nat: true, clientNet: p.clientNet, ifaceIn: CSIDE, ifaceOut: SSIDE }) }],
        expect: both('works', 'port-rejected'),
        why: 'Seed 003: "Active FTP may fail in cases where the client is protected from the Internet via many to one NAT": PORT names 10.0.1.10, the control connection comes from 203.0.113.1, and the server refuses to dial a foreign address.',
      },
      {
        id: '7-helper',
        scenario: 7,
        title: 'masquerade with the FTP NAT helper',
        natCheck: 'port-rewritten',
        viaHelper: true,
        plan: PLANS['client-behind-nat'],
        server: {},
        firewall: [{ role: 'fw', what: 'masquerading router + FTP NAT helper', hand: clientBehindNat(true), generate: (p) => ({ activeSourcePort: 'ephemeral', role: 'router', modes: ['active', 'passive'], nat: true, helper: true, clientNet: p.clientNet, ifaceIn: CSIDE, ifaceOut: SSIDE }) }],
        expect: both('works', 'works'),
        why: 'The helper rewrites PORT/EPRT to the router\'s public address and maps the server\'s data connection back to the client.',
      },
    ],
  },
  {
    n: 8,
    title: 'FTPS (AUTH TLS, PROT P)',
    variants: [
      {
        id: '8-helper',
        scenario: 8,
        title: 'FTPS through scenario 5 with the helper only',
        plan: pub,
        server: { tls: true },
        client: 'ftplib',
        firewall: [{ role: 'fw', what: 'server-side stateful firewall (21 only) + FTP helper', hand: serverSideOnly21(true), generate: (p) => ({ activeSourcePort: 'ephemeral', role: 'router', modes: ['active', 'passive'], helper: true, serverAddress: p.server, ifaceIn: SSIDE, ifaceOut: CSIDE }) }],
        expect: both('hangs', 'works'),
        generatedExpect: {
          expect: { PORT: 'hangs', EPRT: 'hangs' },
          why: 'Generated helper rules open data connections in both directions only as helper expectations (the hand-written ones let the server dial out freely); the helper cannot read the encrypted PORT either, so active hangs too.',
        },
        why: 'The helper cannot read the encrypted control channel, so it never sees the 227/229 reply and opens nothing: passive hangs. Active still works because the server dials out.',
      },
      {
        id: '8-static',
        scenario: 8,
        title: 'FTPS through scenario 2 (static passive range)',
        plan: pub,
        server: { tls: true },
        client: 'ftplib',
        firewall: [{ role: 'server', what: 'server host firewall (passive range)', hand: serverPassiveRange, generate: () => ({ role: 'server', modes: ['passive'], pasvPorts: PASV_RANGE, activeSourcePort: 'ephemeral' }) }],
        expect: both('works', 'hangs'),
        why: 'A static passive range does not need to read the control channel, so encrypted FTP works passively; active still hangs as in scenario 2.',
      },
    ],
  },
];

export const ALL_VARIANTS: Variant[] = SCENARIOS.flatMap((s) => s.variants);

/** Variants selected by `3`, `5-helper`, `6`, `all`. */
export function selectVariants(sel: string): Variant[] {
  if (sel === 'all') return ALL_VARIANTS;
  const out = ALL_VARIANTS.filter((v) => v.id === sel || String(v.scenario) === sel);
  if (!out.length) throw new Error(`unknown scenario ${JSON.stringify(sel)}; try one of: all, ${ALL_VARIANTS.map((v) => v.id).join(', ')}`);
  return out;
}
