#!/usr/bin/env node
// Runs every compiled test file (dist/test/**/*.test.js) with node's test runner.
// Node 20 has no glob support in --test, and its directory search would also
// pick up test/helpers/, so the list is built here. Extra arguments filter
// files by substring: `npm test -- compat/config`.
//
// The TAP stream is passed through as it comes, and every failure is printed
// again at the end: CI keeps only the tail of a long log, and a failure buried
// in the middle of 2,500 results is otherwise invisible there.
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

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
const child = spawn(process.execPath, ['--test', '--test-reporter=tap', `--test-concurrency=${process.env.TEST_CONCURRENCY ?? '2'}`, '--test-timeout=180000', ...files], { stdio: ['ignore', 'pipe', 'inherit'] });

/** Failure blocks: each "not ok" line with its YAML diagnostic, up to the block's closing "...". */
const failures = [];
let open = null; // { indent, lines }
const lines = createInterface({ input: child.stdout });
lines.on('line', (line) => {
  process.stdout.write(line + '\n');
  if (open) {
    open.lines.push(line);
    if (line.trim() === '...' && line.length - line.trimStart().length === open.indent) {
      failures.push(open.lines);
      open = null;
    }
    return;
  }
  // A failing `todo` test is expected to fail: not a failure of the run.
  const m = /^(\s*)not ok /.exec(line);
  if (m && !/# TODO/.test(line)) open = { indent: m[1].length + 2, lines: [line] };
});
child.on('close', (code, signal) => {
  if (open) failures.push(open.lines);
  if (failures.length > 0) {
    // A suite fails because a test inside failed: its block (no error of its
    // own) is left out; a suite whose hook failed keeps its error.
    const shown = failures.filter((block) => block.some((l) => /^\s*error:/.test(l)) && !block.some((l) => /failureType: 'subtestsFailed'/.test(l)));
    process.stdout.write(`\n# ${shown.length} failing test(s), repeated here:\n`);
    for (const block of shown) {
      const base = block[0].length - block[0].trimStart().length;
      process.stdout.write(block.map((l) => l.slice(Math.min(base, l.length - l.trimStart().length))).join('\n') + '\n');
    }
  }
  process.exit(code ?? (signal ? 1 : 0));
});
