#!/usr/bin/env node
// Runs every compiled test file (dist/test/**/*.test.js) with node's test runner.
// Node 20 has no glob support in --test, and its directory search would also
// pick up test/helpers/, so the list is built here. Extra arguments filter
// files by substring: `npm test -- compat/config`.
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';

const root = new URL('..', import.meta.url).pathname;
const testRoot = join(root, 'dist', 'test');

function walk(dir, out) {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith('.test.js')) out.push(p);
  }
  return out;
}

const filters = process.argv.slice(2);
const files = walk(testRoot, []).filter((f) => filters.length === 0 || filters.some((s) => relative(testRoot, f).includes(s)));
if (files.length === 0) {
  console.error('no test files found under dist/test (did the build run?)');
  process.exit(1);
}
// A test that hangs fails after 3 minutes instead of holding the whole run.
const r = spawnSync(process.execPath, ['--test', `--test-concurrency=${process.env.TEST_CONCURRENCY ?? '2'}`, '--test-timeout=180000', ...files], { stdio: 'inherit' });
process.exit(r.status ?? 1);
