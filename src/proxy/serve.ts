/**
 * The one-call entry point: build a runtime from a model, bind, serve.
 * Used by the CLI and by bench/ (which must not depend on the CLI).
 */
import { formatDiagnostic } from '../config/diagnostics.js';
import type { ConfigModel } from '../config/model/index.js';
import { buildRuntime, type Reporter, type Runtime, type RuntimeHooks } from './runtime.js';
import { Lifecycle } from './lifecycle.js';

export interface ServeOptions {
  hooks?: RuntimeHooks | undefined;
  /** Where runtime messages go (default: stderr in haproxy's foreground format). */
  reporter?: Reporter | undefined;
  /** argv[0] as haproxy would print it in `[<progname>.main()]`. */
  progname?: string | undefined;
  /**
   * Exit the process with status 1 after reporting a bind failure or a
   * runtime build alert, as haproxy does (default true). When false, serve()
   * rejects with a {@link ServeError} instead.
   */
  exitOnFailure?: boolean | undefined;
}

export interface Served {
  readonly runtime: Runtime;
  readonly lifecycle: Lifecycle;
}

/** Raised by serve() when it cannot start and `exitOnFailure` is false. */
export class ServeError extends Error {
  readonly code = 'RT_START_FAILED';
  constructor(readonly alerts: string[]) {
    super(alerts.join('\n'));
  }
}

/**
 * Builds the runtime of `model`, prints its build diagnostics on stderr,
 * binds every listener and starts the health checks. Resolves once
 * everything listens. Stop with `lifecycle.softStop()` / `hardStop()`.
 */
export async function serve(model: ConfigModel, opts: ServeOptions = {}): Promise<Served> {
  const { runtime, diag } = buildRuntime(model, { hooks: opts.hooks, reporter: opts.reporter });
  for (const d of diag.list) process.stderr.write(`${formatDiagnostic(d)}\n`);
  const exit = opts.exitOnFailure ?? true;
  if (diag.hasAlerts()) {
    const alerts = diag.list.filter((d) => d.severity === 'alert').map((d) => d.message);
    if (exit) process.exit(1);
    throw new ServeError(alerts);
  }
  const lifecycle = new Lifecycle(runtime, { progname: opts.progname });
  const r = await lifecycle.start();
  if (!r.ok) {
    if (exit) process.exit(1);
    throw new ServeError(r.alerts);
  }
  return { runtime, lifecycle };
}
