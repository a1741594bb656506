/**
 * The switchyard command: haproxy's command line and process lifecycle
 * (management.txt §3 and §4).
 */
import { Diagnostics } from '../config/diagnostics.js';
import { expandConfigPaths, loadConfiguration } from '../config/loader.js';
import { createEnvironment } from '../config/environment.js';
import { evaluateCliCondition, type ConditionContext } from '../config/conditions.js';
import { hostname } from 'node:os';
import type { ConfigModel } from '../config/model/index.js';
import { parseCommandLine, USAGE, type CliOptions } from './options.js';
import { FEATURES, HAPROXY_COMPAT_VERSION, buildOptionsText, versionText } from './version.js';
import { Output } from './output.js';
import { run } from './run.js';

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

/** Loads and checks the configuration; prints what haproxy prints. Returns the model or an exit code. */
export function loadAndReport(opts: CliOptions, out: Output) {
  const diag = new Diagnostics();
  const files = expandConfigPaths(opts.configFiles, diag);
  const localPeer = opts.localPeer ?? hostname();
  const env = createEnvironment({ cfgFiles: files, localPeer, masterWorker: opts.masterWorker });
  if (diag.hasAlerts()) {
    out.print(diag.list);
    return { exit: 1 as const };
  }
  const { model, filesWithErrors } = loadConfiguration(files, { env, conditions: conditionContext(env) }, diag);
  out.print(diag.list);
  if (diag.hasAlerts()) {
    for (const f of filesWithErrors) out.alert(`Error(s) found in configuration file : ${f}`);
    // Some post-parse failures make haproxy exit on the spot (e.g. "Failed to initialize server(s) addr.").
    if (!diag.list.some((d) => d.exitsImmediately === true)) out.alert('Fatal errors found in configuration.');
    return { exit: 1 as const };
  }
  if (opts.zeroWarning && diag.warningCount > 0) {
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
    const out = new Output({ quiet: false });
    out.alert(parsed.message, 'none');
    process.stderr.write(versionText() + USAGE);
    return 1;
  }
  const opts = parsed.options;
  const out = new Output({ quiet: opts.quiet && !opts.verbose });

  if (opts.showVersion > 0) {
    process.stdout.write(opts.showVersion === 2 ? buildOptionsText() : versionText());
    return 0;
  }
  if (opts.chdir !== undefined) {
    try {
      process.chdir(opts.chdir);
    } catch (err) {
      out.alert(`[${process.argv[1] ?? 'switchyard'}.main()] Cannot chdir to ${opts.chdir}: ${(err as Error).message}`, 'none');
      return 1;
    }
  }
  if (opts.checkCondition !== undefined) return checkCondition(opts.checkCondition, out);
  if (opts.configFiles.length === 0) {
    process.stderr.write(versionText() + USAGE);
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
  return run(opts, loaded.model, out);
}
