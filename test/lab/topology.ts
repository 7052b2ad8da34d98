// The lab network: client, intruder, fw (router) and server namespaces, veth pairs, a bridge on fw's client side, addresses.
import { createNamespace, deleteNamespace, newPrefix, runIn, run, sweepStaleNamespaces } from './netns.js';

export type Role = 'client' | 'intruder' | 'fw' | 'server';
export const ROLES: readonly Role[] = ['client', 'intruder', 'fw', 'server'];

/** Interface names, fixed because each lives in its own namespace. */
export const IFACE = {
  /** client's and intruder's and server's only interface */
  host: 'eth0',
  /** fw: bridge towards client and intruder */
  fwClientSide: 'cnet',
  /** fw: link towards the server */
  fwServerSide: 'snet',
} as const;

/**
 * Addresses of one lab. Public networks use documentation ranges (198.51.100.0/24 on the client side,
 * 203.0.113.0/24 on the server side), networks behind NAT use 10.x.
 */
export interface AddressPlan {
  name: 'public' | 'server-behind-nat' | 'client-behind-nat';
  description: string;
  client: string;
  intruder: string;
  /** fw's address on the client-side bridge */
  fwClientSide: string;
  clientPrefix: number;
  /** the client-side network, CIDR */
  clientNet: string;
  server: string;
  /** fw's address on the server-side link */
  fwServerSide: string;
  serverPrefix: number;
  /** extra public address of fw (on its client-side bridge) that DNATs to the server */
  fwPublic?: string;
  /** the address the client dials for the FTP server */
  serverTarget: string;
  /** network behind NAT, which the router must not forward to unless it was DNATed */
  privateNet?: string;
}

export const PLANS: Record<AddressPlan['name'], AddressPlan> = {
  public: {
    name: 'public',
    description: 'client side 198.51.100.0/24, server side 203.0.113.0/24, fw routes between them (no NAT)',
    client: '198.51.100.10',
    intruder: '198.51.100.66',
    fwClientSide: '198.51.100.1',
    clientPrefix: 24,
    clientNet: '198.51.100.0/24',
    server: '203.0.113.10',
    fwServerSide: '203.0.113.1',
    serverPrefix: 24,
    serverTarget: '203.0.113.10',
  },
  'server-behind-nat': {
    name: 'server-behind-nat',
    description: 'server at 10.0.2.10 behind fw; fw publishes it as 203.0.113.1 (DNAT); client at 198.51.100.10',
    client: '198.51.100.10',
    intruder: '198.51.100.66',
    fwClientSide: '198.51.100.1',
    clientPrefix: 24,
    clientNet: '198.51.100.0/24',
    server: '10.0.2.10',
    fwServerSide: '10.0.2.1',
    serverPrefix: 24,
    fwPublic: '203.0.113.1',
    serverTarget: '203.0.113.1',
    privateNet: '10.0.2.0/24',
  },
  'client-behind-nat': {
    name: 'client-behind-nat',
    description: 'client 10.0.1.10 and intruder 10.0.1.66 behind fw, masqueraded to 203.0.113.1; server 203.0.113.10',
    client: '10.0.1.10',
    intruder: '10.0.1.66',
    fwClientSide: '10.0.1.1',
    clientPrefix: 24,
    clientNet: '10.0.1.0/24',
    server: '203.0.113.10',
    fwServerSide: '203.0.113.1',
    serverPrefix: 24,
    serverTarget: '203.0.113.10',
    privateNet: '10.0.1.0/24',
  },
};

/** One running lab: four namespaces wired per an address plan. */
export class Lab {
  readonly ns: Record<Role, string>;
  private destroyed = false;

  private constructor(readonly prefix: string, readonly plan: AddressPlan) {
    this.ns = { client: `${prefix}client`, intruder: `${prefix}intruder`, fw: `${prefix}fw`, server: `${prefix}server` };
  }

  /** Builds the namespaces and links. Sweeps stale lab namespaces of dead processes first. */
  static async create(plan: AddressPlan): Promise<Lab> {
    sweepStaleNamespaces();
    const lab = new Lab(newPrefix(), plan);
    try {
      await lab.build();
    } catch (e) {
      await lab.destroy();
      throw e;
    }
    return lab;
  }

  /** Which role owns an address (fw for any of its addresses), or undefined. */
  roleOf(addr: string): Role | undefined {
    const p = this.plan;
    if (addr === p.client) return 'client';
    if (addr === p.intruder) return 'intruder';
    if (addr === p.server) return 'server';
    if (addr === p.fwClientSide || addr === p.fwServerSide || addr === p.fwPublic) return 'fw';
    return undefined;
  }

  private async build(): Promise<void> {
    const { ns, plan } = this;
    for (const r of ROLES) await createNamespace(ns[r]);
    const fw = ns.fw;
    // veth pairs created directly inside their namespaces: nothing touches the host's own network
    await run(['ip', 'link', 'add', IFACE.host, 'netns', ns.client, 'type', 'veth', 'peer', 'name', 'cnet-c', 'netns', fw]);
    await run(['ip', 'link', 'add', IFACE.host, 'netns', ns.intruder, 'type', 'veth', 'peer', 'name', 'cnet-i', 'netns', fw]);
    await run(['ip', 'link', 'add', IFACE.host, 'netns', ns.server, 'type', 'veth', 'peer', 'name', IFACE.fwServerSide, 'netns', fw]);
    await run(['ip', '-n', fw, 'link', 'add', IFACE.fwClientSide, 'type', 'bridge']);
    for (const port of ['cnet-c', 'cnet-i']) {
      await run(['ip', '-n', fw, 'link', 'set', port, 'master', IFACE.fwClientSide]);
      await run(['ip', '-n', fw, 'link', 'set', port, 'up']);
    }
    await run(['ip', '-n', fw, 'addr', 'add', `${plan.fwClientSide}/${plan.clientPrefix}`, 'dev', IFACE.fwClientSide]);
    if (plan.fwPublic) await run(['ip', '-n', fw, 'addr', 'add', `${plan.fwPublic}/32`, 'dev', IFACE.fwClientSide]);
    await run(['ip', '-n', fw, 'addr', 'add', `${plan.fwServerSide}/${plan.serverPrefix}`, 'dev', IFACE.fwServerSide]);
    await run(['ip', '-n', fw, 'link', 'set', IFACE.fwClientSide, 'up']);
    await run(['ip', '-n', fw, 'link', 'set', IFACE.fwServerSide, 'up']);
    await runIn(fw, ['sysctl', '-qw', 'net.ipv4.ip_forward=1']);
    const hosts: [Role, string, number, string][] = [
      ['client', plan.client, plan.clientPrefix, plan.fwClientSide],
      ['intruder', plan.intruder, plan.clientPrefix, plan.fwClientSide],
      ['server', plan.server, plan.serverPrefix, plan.fwServerSide],
    ];
    for (const [role, addr, prefix, gw] of hosts) {
      await run(['ip', '-n', ns[role], 'addr', 'add', `${addr}/${prefix}`, 'dev', IFACE.host]);
      await run(['ip', '-n', ns[role], 'link', 'set', IFACE.host, 'up']);
      await run(['ip', '-n', ns[role], 'route', 'add', 'default', 'via', gw]);
    }
  }

  async destroy(): Promise<void> {
    if (this.destroyed) return;
    this.destroyed = true;
    for (const r of ROLES) await deleteNamespace(this.ns[r]);
  }
}
