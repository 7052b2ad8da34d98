// Shared by the lab test files: the skip-or-fail gate, a small pool that runs isolated labs side by side, ladder files on failure.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestContext } from 'node:test';
import { renderSvg, renderText } from './ladder.js';
import { labUnavailableReason } from './netns.js';
import type { VariantRun } from './run-scenario.js';

/** Why the lab is skipped here (loudly), or undefined when it runs. With CI=true a missing capability throws instead. */
export function labGate(): string | undefined {
  const why = labUnavailableReason();
  if (!why) return undefined;
  if (process.env.CI === 'true') throw new Error(`lab: required in CI but unavailable: ${why}`);
  process.stderr.write(`\n*** SKIPPING THE FTP LAB: ${why} ***\n*** (run as root on Linux with nft, curl and python3-pyftpdlib; CI=true makes this a failure) ***\n\n`);
  return why;
}

/** Runs jobs with at most n at a time (each lab is its own set of namespaces, so labs do not interfere). */
export async function pool<T, R>(items: readonly T[], n: number, job: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await job(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, worker));
  return out;
}

export const LAB_OUT = fileURLToPath(new URL('../../lab-out/', import.meta.url));

/** Writes the run's ladder (.txt, .svg) under dist/lab-out and returns the text path. */
export async function saveLadder(run: VariantRun, suffix: string): Promise<string> {
  await mkdir(LAB_OUT, { recursive: true });
  const base = join(LAB_OUT, `scenario-${run.variant.id}${suffix}`);
  await writeFile(`${base}.txt`, renderText(run) + '\n');
  await writeFile(`${base}.svg`, renderSvg(run));
  return `${base}.txt`;
}

/** Reports a run: diagnostics always, the whole ladder when something failed. */
export async function report(t: TestContext, run: VariantRun, suffix = ''): Promise<void> {
  const path = await saveLadder(run, suffix);
  t.diagnostic(`${run.variant.id}: ${run.serverKind} server, ${run.rulesLabel}, ${(run.ms / 1000).toFixed(1)} s, ladder: ${path}`);
  for (const c of run.cells) t.diagnostic(`${c.mode} ${c.op}: expected ${c.expect}, exit ${c.transfer.exitCode} after ${Math.round(c.transfer.ms)} ms${c.failures.length ? ' ✗' : ' ✓'}`);
  for (const c of run.gateCells) {
    const expected = c.mode === 'auto' ? (c.working.length ? `works via ${c.working.join('/')}` : 'fails (no kind works)') : c.expect;
    const used = c.transfer.used ? `, used ${c.transfer.used.kind} (${c.transfer.used.command})${c.transfer.used.fellBackFrom ? ` after ${c.transfer.used.fellBackFrom.kind} failed` : ''}` : '';
    t.diagnostic(`ftpgate --mode ${c.mode} ${c.op}: expected ${expected}, exit ${c.transfer.exitCode} after ${Math.round(c.transfer.ms)} ms${used}${c.failures.length ? ' ✗' : ' ✓'}`);
  }
  if (run.failures.length) process.stderr.write(`\n${renderText(run)}\n\n--- rules ---\n${run.rulesets.map((r) => `# ${r.role}: ${r.ruleset.source}\n${r.ruleset.text}`).join('\n')}\n--- server log (tail) ---\n${run.serverLog.slice(-3000)}\n`);
}
