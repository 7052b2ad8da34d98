// Loads a scenario's firewall rules (nftables or iptables-restore text) into a lab namespace.
import { runIn } from './netns.js';

export type RulesFormat = 'nftables' | 'iptables';

/** A complete ruleset for one host, as text, plus where it came from (hand-written or `ftpgate rules ...`). */
export interface Ruleset {
  format: RulesFormat;
  text: string;
  source: string;
}

/** Loads the ruleset into namespace ns (nft -f - / iptables-restore). */
export async function applyRuleset(ns: string, rs: Ruleset): Promise<void> {
  try {
    if (rs.format === 'nftables') await runIn(ns, ['nft', '-f', '-'], { input: rs.text });
    else await runIn(ns, ['iptables-restore'], { input: rs.text });
  } catch (e) {
    throw new Error(`loading ${rs.format} rules (${rs.source}) failed: ${(e as Error).message}\n--- rules ---\n${rs.text}`);
  }
}
