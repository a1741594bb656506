/**
 * The switchyard command: haproxy's command line and process lifecycle
 * (management.txt §3 and §4).
 */
import { Diagnostics, type Diagnostic } from '../config/diagnostics.js';
import { describeFsError, expandConfigPaths, loadConfiguration } from '../config/loader.js';
import { createEnvironment } from '../config/environment.js';
import { evaluateCliCondition, type ConditionContext } from '../config/conditions.js';
import { hostname } from 'node:os';
import type { ConfigModel } from '../config/model/index.js';
import { parseCommandLine, USAGE, type CliOptions } from './options.js';
import { FEATURES, HAPROXY_COMPAT_VERSION, buildOptionsText, versionText } from './version.js';
import { Output } from './output.js';
import { isSpawnedCopy, run } from './run.js';

function conditionContext(env: ConditionContext['env']): ConditionContext {
  return { env, version: HAPROXY_COMPAT_VERSION, features: FEATURES };
}

/** `-cc <condition>`: 0 when true, 1 when false, 2 when it cannot be evaluated (as haproxy). */
function checkCondition(text: string, out: Output): number {
  const env = createEnvironment({ cfgFiles: [], localPeer: hostname() });
  const r = evaluateCliCondition(text, conditionContext(env));
  if (!r.ok) {
    out.alert(r.message);
    return 2;
  }
  return r.value ? 0 : 1;
}

/**
 * Prints the load diagnostics in haproxy's order (haproxy.c init()): each
 * file's messages followed by its "Error(s) found in configuration file"
 * line. A file that cannot be read ends the run on the spot, without the
 * lines that would follow. Returns false in that case.
 */
function printLoadDiagnostics(list: readonly Diagnostic[], files: readonly string[], withErrors: readonly string[], out: Output): boolean {
  let next = 0;
  const errorsFoundUpTo = (end: number) => {
    for (; next < end; next++) {
      const f = files[next];
      if (f !== undefined && withErrors.includes(f)) out.alert(`Error(s) found in configuration file : ${f}`);
    }
  };
  for (const d of list) {
    const cannotOpen = d.code === 'CFG_CANNOT_OPEN';
    const idx = d.place !== undefined
      ? files.indexOf(d.place.file)
      : cannotOpen ? files.findIndex((f) => d.message.startsWith(`Could not open configuration file ${f} :`)) : -1;
    if (idx > next) errorsFoundUpTo(idx);
    out.print([d]);
    if (cannotOpen) return false;
  }
  errorsFoundUpTo(files.length);
  return true;
}

/** Loads and checks the configuration; prints what haproxy prints. Returns the model or an exit code. */
export function loadAndReport(opts: CliOptions, out: Output) {
  const diag = new Diagnostics();
  let files: string[];
  try {
    files = expandConfigPaths(opts.configFiles, diag);
  } catch (err) {
    // An unreadable directory (readdir EACCES); haproxy: "Cannot open configuration directory %s : %s".
    const path = (err as NodeJS.ErrnoException).path ?? '';
    out.alert(`Cannot open configuration directory ${path} : ${describeFsError(err)}`);
    return { exit: 1 as const };
  }
  const localPeer = opts.localPeer ?? hostname();
  const env = createEnvironment({ cfgFiles: files, localPeer, masterWorker: opts.masterWorker });
  if (diag.hasAlerts()) {
    // haproxy stops at the first path it cannot open.
    out.print(diag.list.slice(0, diag.list.findIndex((d) => d.severity === 'alert') + 1));
    return { exit: 1 as const };
  }
  const { model, filesWithErrors } = loadConfiguration(files, { env, conditions: conditionContext(env) }, diag);
  // `global quiet` is -q (configuration.txt §3.3); -V overrides both.
  if (model.global.quiet && !opts.verbose) out.silence();
  if (!printLoadDiagnostics(diag.list, files, filesWithErrors, out)) return { exit: 1 as const };
  if (diag.hasAlerts()) {
    // Some post-parse failures make haproxy exit on the spot (e.g. "Failed to initialize server(s) addr.").
    if (!diag.list.some((d) => d.exitsImmediately === true)) out.alert('Fatal errors found in configuration.');
    return { exit: 1 as const };
  }
  if ((opts.zeroWarning || model.global.zeroWarning) && diag.warningCount > 0) {
    out.alert("Some warnings were found and 'zero-warning' is set. Aborting.");
    return { exit: 1 as const };
  }
  return { model, diag, env, localPeer };
}

/**
 * Listeners the configuration would open: binds of enabled proxies, stats
 * sockets and the local peer of peers sections (haproxy counts all of them
 * before deciding "no listener => exit(2)").
 */
function countListeners(model: ConfigModel): number {
  let n = model.global.statsSockets.length;
  for (const p of model.proxies) if (!p.disabled && p.cap.frontend) n += p.binds.length;
  for (const lf of model.logForwards) n += lf.binds.length + lf.dgramBinds.length;
  for (const peers of model.peers) if (!peers.disabled && peers.peers.some((peer) => peer.local)) n++;
  return n;
}

export async function main(argv: readonly string[]): Promise<number | undefined> {
  const parsed = parseCommandLine(argv);
  if (!parsed.ok) {
    if (parsed.message !== undefined) new Output({ quiet: false }).alert(parsed.message, 'none');
    // haproxy.c usage(): the version on stdout, the usage on stderr, status 1.
    if (parsed.usage) {
      process.stdout.write(versionText());
      process.stderr.write(USAGE);
    }
    return 1;
  }
  const opts = parsed.options;
  // A daemon copy or a worker parses the configuration again: its parent already printed the diagnostics.
  const out = new Output({ quiet: opts.quiet && !opts.verbose, muted: isSpawnedCopy() });

  if (opts.showVersion > 0) {
    process.stdout.write(opts.showVersion === 2 ? buildOptionsText() : versionText());
    return 0;
  }
  if (opts.chdir !== undefined) {
    try {
      process.chdir(opts.chdir);
    } catch (err) {
      out.alert(`Could not change to directory ${opts.chdir} : ${describeFsError(err)}`, 'none');
      return 1;
    }
  }
  if (opts.checkCondition !== undefined) return checkCondition(opts.checkCondition, out);
  if (opts.configFiles.length === 0) {
    process.stdout.write(versionText());
    process.stderr.write(USAGE);
    return 1;
  }

  const loaded = loadAndReport(opts, out);
  if ('exit' in loaded) return loaded.exit;

  const listeners = countListeners(loaded.model);
  if (opts.check) {
    if (loaded.diag.warningCount > 0) out.stdout('Warnings were found.\n');
    if (listeners === 0) {
      out.stdout('Configuration file has no error but will not start (no listener) => exit(2).\n');
      return 2;
    }
    out.stdout('Configuration file is valid\n');
    return 0;
  }
  if (listeners === 0) {
    out.alert(`[${process.argv[1] ?? 'switchyard'}.main()] No enabled listener found (check for 'bind' directives) ! Exiting.`, 'none');
    return 1;
  }
  // A master-worker reload re-reads the configuration in the master, printing its diagnostics once.
  const reload = () => {
    const again = loadAndReport(opts, out);
    return 'exit' in again ? undefined : again.model;
  };
  return run(opts, loaded.model, out, reload);
}
