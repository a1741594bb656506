#!/usr/bin/env node
// Entry point of the `switchyard` command; the code is compiled into dist/ by `npm run build`.
import { main } from '../dist/src/cli/main.js';

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== undefined) process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`[ALERT]    (${process.pid}) : internal error: ${err && err.stack ? err.stack : err}\n`);
    process.exitCode = 1;
  },
);
