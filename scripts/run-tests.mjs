#!/usr/bin/env node
// Runs every compiled test file (dist/test/**/*.test.js) with node:test; --only a,b limits to those test/ subfolders.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const args = process.argv.slice(2);
const onlyIdx = args.indexOf('--only');
const only = onlyIdx >= 0 ? args[onlyIdx + 1].split(',') : null;
const root = 'dist/test';

function walk(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else if (name.endsWith('.test.js')) out.push(p);
  }
  return out;
}

let files = walk(root).sort();
if (only) files = files.filter((f) => only.some((o) => f.startsWith(join(root, o) + '/')));
const extra = args.filter((a, i) => a !== '--only' && !(onlyIdx >= 0 && i === onlyIdx + 1));
if (extra.length) files = files.filter((f) => extra.some((e) => f.includes(e)));
console.log(`running ${files.length} test files`);
const r = spawnSync(process.execPath, ['--test', '--test-concurrency=1', ...files], { stdio: 'inherit' });
process.exit(r.status ?? 1);
