// The eight scenarios of the seeds on real kernel firewalls, hand-written rules: every data mode, success and failure as the table says.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { FTPGATE_CLI } from './ftp-client.js';
import { labGate, pool, report } from './lab-runner.js';
import { runVariant, type VariantRun } from './run-scenario.js';
import { ALL_VARIANTS, SCENARIOS } from './scenarios.js';

const skip = labGate();
const CONCURRENCY = Number(process.env.LAB_CONCURRENCY ?? 3);

test('lab: the eight scenarios with hand-written nftables rules', { skip }, async (t) => {
  assert.deepEqual(SCENARIOS.map((s) => s.n), [1, 2, 3, 4, 5, 6, 7, 8]);
  const runs = new Map<string, VariantRun>();
  await pool(ALL_VARIANTS, CONCURRENCY, async (v) => {
    runs.set(v.id, await runVariant(v));
  });
  for (const v of ALL_VARIANTS) {
    await t.test(`scenario ${v.id}: ${v.title}`, async (st) => {
      const run = runs.get(v.id)!;
      await report(st, run);
      assert.equal(run.cells.length, 8, 'four data modes × LIST and RETR');
      if (process.env.LAB_FTPGATE_CLIENT !== '0') assert.equal(run.gateCells.length, existsSync(FTPGATE_CLI) ? 6 : 0, 'the ftpgate client: passive, active and auto × LIST and RETR (once it is built)');
      assert.deepEqual(run.failures, [], `scenario ${v.id} did not behave as the seeds say`);
    });
  }
});
