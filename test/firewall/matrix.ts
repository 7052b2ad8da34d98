// A matrix of `ftpgate rules` setups shared by the firewall tests (unit checks, load tests): every role, mode set, helper and NAT.
import type { RulesOptions } from '../../src/firewall/index.js';

export interface Setup {
  name: string;
  options: RulesOptions;
}

export const SETUPS: Setup[] = [
  { name: 'server-passive', options: { role: 'server', modes: ['passive'] } },
  { name: 'server-active20', options: { role: 'server', modes: ['active'], activeSourcePort: 20 } },
  { name: 'server-active-ephemeral', options: { role: 'server', modes: ['active'], activeSourcePort: 'ephemeral' } },
  { name: 'server-both-addressed', options: { role: 'server', serverAddress: '10.99.0.1', clientNet: '10.99.0.0/24', ifaceIn: 'eth0', allowPorts: [22, 443] } },
  { name: 'server-helper', options: { role: 'server', helper: true } },
  { name: 'server-ipv6', options: { role: 'server', serverAddress: '2001:db8::10', clientNet: '2001:db8:1::/48' } },
  { name: 'client-both', options: { role: 'client', serverAddress: '198.51.100.7' } },
  { name: 'client-helper', options: { role: 'client', helper: true, clientNet: '10.99.3.0/24', allowOutPorts: [53] } },
  { name: 'router-server-nat', options: { role: 'router', nat: true, serverAddress: '10.99.1.5', ifaceIn: 'lan0', ifaceOut: 'wan0', modes: ['passive'] } },
  { name: 'router-server-nat-helper', options: { role: 'router', nat: true, helper: true, serverAddress: '10.99.1.5', publicAddress: '203.0.113.9' } },
  { name: 'router-clients-masquerade', options: { role: 'router', nat: true, clientNet: '10.99.2.0/24', ifaceIn: 'lan0', ifaceOut: 'wan0' } },
  { name: 'router-both-helper', options: { role: 'router', helper: true, nat: true, serverAddress: '10.99.1.5', clientNet: '10.99.2.0/24', ifaceIn: 'lan0', ifaceOut: 'wan0', allowPorts: [22] } },
];

export const isV6 = (s: Setup) => s.name.includes('ipv6');
