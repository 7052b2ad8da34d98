// `npm run lab -- SCENARIO|all|list [--rules hand|nftables|iptables] [--verbose]`: runs lab scenarios for people, draws ladders.
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderSvg, renderText } from './ladder.js';
import { labUnavailableReason } from './netns.js';
import { runVariant, type RulesSource, type VariantRun } from './run-scenario.js';
import { pool } from './lab-runner.js';
import { rulesProvider } from './generated-rules.js';
import { SCENARIOS, selectVariants } from './scenarios.js';
import type { ServerKind } from './ftp-server.js';

const USAGE = `usage: npm run lab -- <scenario|all|list> [options]
  scenario      1 … 8, or a variant such as 5-helper, 6b, 7-nohelper
  --rules R     hand (default: the scenario's hand-written nftables rules), nftables or iptables (\`ftpgate rules\` output)
  --verbose     draw every FTP command and reply, not only the data-channel ones
  --server S    ftpgate (default when built) or pyftpdlib
  --timeout S   seconds a hung transfer waits before the client gives up (default 4)
  --data-timeout S  the ftpgate client's --data-timeout (default 3)
  --no-ftpgate-client  curl/ftplib only (the ftpgate client runs passive, active and auto by default, once it is built)
  --out DIR     where the .txt and .svg ladders go (default dist/lab-out)
  --jobs N      labs run side by side (default 3; each lab has its own namespaces)
  --no-color    plain text`;

async function main(argv: string[]): Promise<number> {
  const args = [...argv];
  const flag = (name: string) => {
    const i = args.indexOf(name);
    if (i < 0) return false;
    args.splice(i, 1);
    return true;
  };
  const value = (name: string) => {
    const i = args.indexOf(name);
    if (i < 0) return undefined;
    const v = args[i + 1];
    args.splice(i, 2);
    return v;
  };
  if (flag('--help') || flag('-h')) {
    console.log(USAGE);
    return 0;
  }
  const verbose = flag('--verbose');
  const noColor = flag('--no-color');
  const rules = (value('--rules') ?? 'hand') as RulesSource;
  const server = value('--server') as ServerKind | undefined;
  const timeout = value('--timeout');
  const dataTimeout = value('--data-timeout');
  const noGate = flag('--no-ftpgate-client');
  const jobs = Math.max(1, Number(value('--jobs') ?? 3));
  const outDir = resolve(value('--out') ?? fileURLToPath(new URL('../../lab-out/', import.meta.url)));
  const sel = args[0] ?? 'list';
  if (!['hand', 'nftables', 'iptables'].includes(rules)) {
    console.error(`--rules must be hand, nftables or iptables\n${USAGE}`);
    return 2;
  }
  if (sel === 'list') {
    for (const s of SCENARIOS) {
      console.log(`${s.n}  ${s.title}`);
      for (const v of s.variants) {
        const exp = Object.entries(v.expect).map(([m, e]) => `${m} ${e}`).join(', ');
        console.log(`   ${v.id.padEnd(11)} ${v.title}\n               ${exp}`);
      }
    }
    return 0;
  }
  const why = labUnavailableReason();
  if (why) {
    console.error(`lab: cannot run: ${why}`);
    return 2;
  }
  const variants = selectVariants(sel);
  await mkdir(outDir, { recursive: true });
  const color = !noColor && process.stdout.isTTY === true;
  let failed = 0;
  // run side by side, print in order as soon as each run and all runs before it are done
  const done: (VariantRun | undefined)[] = variants.map(() => undefined);
  let printed = 0;
  const flush = async () => {
    while (printed < variants.length && done[printed]) {
      const run = done[printed]!;
      console.log(renderText(run, { color, verbose }));
      const base = join(outDir, `scenario-${run.variant.id}${rules === 'hand' ? '' : `-${rules}`}`);
      await writeFile(`${base}.txt`, renderText(run, { color: false, verbose }) + '\n');
      await writeFile(`${base}.svg`, renderSvg(run, { verbose }));
      console.log(`\nladder written to ${base}.txt and ${base}.svg (${(run.ms / 1000).toFixed(1)} s)\n`);
      if (run.failures.length) failed++;
      printed++;
    }
  };
  await pool(variants.map((v, i) => [v, i] as const), jobs, async ([v, i]) => {
    done[i] = await runVariant(v, {
      rules: rulesProvider(rules),
      generated: rules !== 'hand',
      rulesLabel: rules === 'hand' ? 'hand-written nftables' : `ftpgate rules --format ${rules}`,
      serverKind: server,
      timeoutS: timeout ? Number(timeout) : undefined,
      gateDataTimeoutS: dataTimeout ? Number(dataTimeout) : undefined,
      ftpgateClient: noGate ? false : undefined,
      log: (l) => process.stderr.write(`${l}\n`),
    });
    await flush();
  });
  if (variants.length > 1) console.log(failed ? `✗ ${failed} of ${variants.length} scenario runs had failures` : `✓ all ${variants.length} scenario runs behaved as expected`);
  return failed ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    console.error(`lab: ${(err as Error).stack ?? err}`);
    process.exit(1);
  },
);
