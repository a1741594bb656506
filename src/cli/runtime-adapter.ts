/**
 * The CLI's view of the data plane: build a runtime from the model, bind it,
 * and expose the lifecycle operations the signals drive.
 */
import type { ConfigModel } from '../config/model/index.js';
import { buildRuntime, type Reporter } from '../proxy/runtime.js';
import { Lifecycle } from '../proxy/lifecycle.js';
import type { CliOptions } from './options.js';
import type { Output } from './output.js';

export interface RuntimeHandle {
  softStop(): Promise<void>;
  hardStop(): void;
  pauseListeners(): Promise<void>;
  resumeListeners(): Promise<void>;
  /** haproxy's SIGHUP dump, printed as warnings (haproxy.c sig_dump_state uses ha_warning). */
  dumpServerStates(): void;
}

export type StartOutcome = { ok: true } | { ok: false; addressInUse: boolean };

/** A built runtime, not yet listening. `start` may be retried while an older process releases its ports. */
export interface PreparedRuntime {
  readonly handle: RuntimeHandle;
  start(report: boolean): Promise<StartOutcome>;
}

/**
 * management.txt §3: `-n` has precedence over `global maxconn`; `-N` is the
 * maxconn of proxies that do not set one (haproxy presets it in the defaults).
 */
function applyCommandLineLimits(model: ConfigModel, opts: CliOptions): void {
  if (opts.maxconn !== undefined && opts.maxconn > 0) model.global.maxconn = opts.maxconn;
  if (opts.defaultMaxconn !== undefined && opts.defaultMaxconn > 0) {
    for (const p of model.proxies) if (p.maxconn === undefined) p.maxconn = opts.defaultMaxconn;
  }
}

/**
 * Builds the runtime of `model` and prints its build diagnostics. Runtime
 * messages (bind failures, "Proxy X stopped", state dumps) go through `out`,
 * so quiet mode, the start-up preamble and forwarding to a parent apply.
 * Returns undefined when the build reported an alert.
 */
export function prepareRuntime(model: ConfigModel, opts: CliOptions, out: Output): PreparedRuntime | undefined {
  applyCommandLineLimits(model, opts);
  const reporter: Reporter = {
    report: (severity, message) => out.print([{ severity, code: 'RUNTIME', message, context: 'none' }]),
  };
  const { runtime, diag } = buildRuntime(model, { reporter });
  out.print(diag.list);
  if (diag.hasAlerts()) return undefined;
  const lifecycle = new Lifecycle(runtime, { progname: process.argv[1] ?? 'switchyard' });
  const handle: RuntimeHandle = {
    softStop: () => lifecycle.softStop(),
    hardStop: () => void lifecycle.hardStop(),
    pauseListeners: () => lifecycle.pauseListeners(),
    resumeListeners: async () => {
      await lifecycle.resumeListeners();
    },
    dumpServerStates: () => {
      for (const line of runtime.stateDump()) reporter.report('warning', line);
    },
  };
  return {
    handle,
    async start(report) {
      const started = await lifecycle.start({ report });
      return started.ok ? { ok: true } : { ok: false, addressInUse: started.addressInUse };
    },
  };
}
