/**
 * Where things are, for the test helpers: the repository root, the Switchyard
 * CLI, the reference haproxy binary and the `-c` corpus.
 *
 * The helpers compile to `dist/test/helpers/*.js`, so the repository root is
 * three directories above the compiled file. The compiled file's own path is
 * read from a V8 call site rather than from `import.meta.url` or `__dirname`,
 * because the same source must work whether package.json says
 * `"type": "module"` (ESM output, no `__dirname`) or `"type": "commonjs"`
 * (CJS output, where tsc rejects `import.meta`).
 */
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Absolute path of the file that contains this function, once compiled. */
function compiledFilePath(): string {
  const original = Error.prepareStackTrace;
  let file: string | undefined;
  try {
    // V8 stack trace API: returning the raw CallSite array lets us read the
    // file name without parsing text (file:// URL under ESM, a path under CJS).
    Error.prepareStackTrace = (_err, sites) => sites;
    const holder: { stack?: unknown } = {};
    Error.captureStackTrace(holder, compiledFilePath);
    const sites = holder.stack as NodeJS.CallSite[] | undefined;
    file = sites?.[0]?.getFileName() ?? undefined;
  } finally {
    Error.prepareStackTrace = original;
  }
  if (file === undefined) throw new Error('paths.ts: cannot determine the compiled helper location');
  return file.startsWith('file:') ? fileURLToPath(file) : file;
}

/**
 * The repository root. `SWITCHYARD_ROOT` overrides it (useful when the tests
 * are run from a copy of `dist/`).
 */
export const REPO_ROOT: string = process.env['SWITCHYARD_ROOT'] ?? resolve(dirname(compiledFilePath()), '..', '..', '..');

/** The Switchyard command line entry point (`bin/switchyard.js`). */
export const SWITCHYARD_BIN: string = resolve(REPO_ROOT, 'bin', 'switchyard.js');

/** The reference haproxy 2.6 binary; `HAPROXY_BIN` overrides it. */
export const HAPROXY_BIN: string = process.env['HAPROXY_BIN'] ?? '/usr/sbin/haproxy';

/** The `-c` corpus, read from the sources (configuration files are not compiled). */
export const CORPUS_DIR: string = resolve(REPO_ROOT, 'test', 'compat', 'corpus');

/** True when the reference haproxy binary is installed on this machine. */
export function haproxyAvailable(): boolean {
  return existsSync(HAPROXY_BIN);
}

/** True when the Switchyard CLI has been written (bin/switchyard.js exists). */
export function switchyardAvailable(): boolean {
  return existsSync(SWITCHYARD_BIN);
}
