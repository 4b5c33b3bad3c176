#!/usr/bin/env node
// Runs the compiled tests with Node's built-in runner and prints its summary.
// `--unit` runs only tests of pure code (no servers); the default runs every test.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const unitOnly = process.argv.includes('--unit');
const roots = ['dist/src', 'dist/bench'];

function collect(dir, out) {
  let entries;
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of entries) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) collect(path, out);
    else if (name.endsWith('.test.js') && !(unitOnly && name.endsWith('.int.test.js')))
      out.push(path);
  }
  return out;
}

const files = roots.flatMap((root) => collect(root, [])).sort();
if (files.length === 0) {
  console.error('run-tests: no compiled tests found under dist/: run `npm run build` first.');
  process.exit(1);
}
const result = spawnSync(
  process.execPath,
  // A hung test fails after five minutes instead of holding CI until its 90-minute limit.
  ['--test', '--test-reporter=spec', '--test-concurrency=2', '--test-timeout=300000', ...files],
  { stdio: 'inherit' },
);
process.exit(result.status ?? 1);
