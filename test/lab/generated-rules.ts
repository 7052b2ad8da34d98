// Rules from `ftpgate rules` (src/firewall) in place of a scenario's hand-written ones: the same placements, generated standalone.
import { handWrittenRules, type RulesProvider, type RulesSource } from './run-scenario.js';
import type { RulesFormat } from './firewall.js';
import type { GenOptions } from './scenarios.js';

interface GeneratedRules {
  text: string;
  warnings: string[];
}
type GenerateRules = (options: GenOptions & { standalone: boolean }, format: RulesFormat) => GeneratedRules;

let generator: GenerateRules | undefined;

/** Loads src/firewall's generateRules from the compiled tree; throws a clear message when it is not there yet. */
export async function loadGenerator(): Promise<GenerateRules> {
  if (generator) return generator;
  const url = new URL('../../src/firewall/index.js', import.meta.url).href;
  let mod: { generateRules?: GenerateRules };
  try {
    mod = (await import(url)) as { generateRules?: GenerateRules };
  } catch (e) {
    throw new Error(`generated rules need src/firewall/index.ts (generateRules) compiled to dist: ${(e as Error).message}`);
  }
  if (typeof mod.generateRules !== 'function') throw new Error('src/firewall/index.js does not export generateRules(options, format)');
  generator = mod.generateRules;
  return generator;
}

/** The options and command line that produce a placement's rules, for the report. */
export function commandLine(o: GenOptions, format: RulesFormat): string {
  const a = ['ftpgate rules', `--role ${o.role}`, `--modes ${o.modes.join(',')}`];
  if (o.helper) a.push('--helper');
  if (o.nat) a.push('--nat');
  if (o.pasvPorts) a.push(`--pasv-ports ${o.pasvPorts.min}-${o.pasvPorts.max}`);
  if (o.activeSourcePort !== undefined) a.push(`--active-source-port ${o.activeSourcePort}`);
  if (o.serverAddress) a.push(`--server-address ${o.serverAddress}`);
  if (o.clientNet) a.push(`--client-net ${o.clientNet}`);
  if (o.publicAddress) a.push(`--public-address ${o.publicAddress}`);
  if (o.ifaceIn) a.push(`--iface-in ${o.ifaceIn}`);
  if (o.ifaceOut) a.push(`--iface-out ${o.ifaceOut}`);
  a.push('--standalone', `--format ${format}`);
  return a.join(' ');
}

/** hand → the scenario's own rules; nftables/iptables → `ftpgate rules --standalone` output for the same placement. */
export function rulesProvider(source: RulesSource): RulesProvider {
  if (source === 'hand') return handWrittenRules;
  return async (v, i) => {
    const gen = await loadGenerator();
    const o = v.firewall[i].generate(v.plan);
    const out = gen({ ...o, standalone: true }, source);
    return { format: source, text: out.text, source: commandLine(o, source) };
  };
}
