// The same eight scenarios with `ftpgate rules --standalone` output (nftables and iptables) in place of the hand-written rules.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { commandLine, rulesProvider } from './generated-rules.js';
import { labGate, pool, report } from './lab-runner.js';
import { runVariant, type VariantRun } from './run-scenario.js';
import { ALL_VARIANTS } from './scenarios.js';

const GENERATOR = fileURLToPath(new URL('../../src/firewall/index.js', import.meta.url));
let skip: string | undefined = labGate();
if (!skip && !existsSync(GENERATOR)) {
  if (process.env.CI === 'true') throw new Error(`lab: ${GENERATOR} (ftpgate rules) is missing`);
  skip = 'src/firewall (ftpgate rules) is not built yet';
  process.stderr.write(`\n*** SKIPPING GENERATED-RULES LAB: ${skip} ***\n\n`);
}
const CONCURRENCY = Number(process.env.LAB_CONCURRENCY ?? 4);

for (const format of ['nftables', 'iptables'] as const) {
  test(`lab: the eight scenarios with \`ftpgate rules --format ${format} --standalone\``, { skip }, async (t) => {
    const runs = new Map<string, VariantRun>();
    await pool(ALL_VARIANTS, CONCURRENCY, async (v) => {
      runs.set(v.id, await runVariant(v, { generated: true, rules: rulesProvider(format), rulesLabel: `ftpgate rules --format ${format}` }));
    });
    for (const v of ALL_VARIANTS) {
      await t.test(`scenario ${v.id} (${format}): ${v.title}`, async (st) => {
        const run = runs.get(v.id)!;
        for (const f of v.firewall) st.diagnostic(`${f.role}: ${commandLine(f.generate(v.plan), format)}`);
        if (v.generatedExpect) st.diagnostic(`differs from the hand-written rules: ${JSON.stringify(v.generatedExpect.expect)}: ${v.generatedExpect.why}`);
        await report(st, run, `-${format}`);
        assert.ok(run.rulesets.every((r) => r.ruleset.format === format && r.ruleset.source.startsWith('ftpgate rules')), 'the generated rules were loaded, not the hand-written ones');
        assert.deepEqual(run.failures, [], `scenario ${v.id} with generated ${format} rules did not behave as the seeds say`);
      });
    }
  });
}
