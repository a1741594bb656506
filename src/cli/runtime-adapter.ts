/**
 * The CLI's view of the data plane: build a runtime from the model, bind it,
 * and expose the lifecycle operations the signals drive.
 */
import type { ConfigModel } from '../config/model/index.js';
import { buildRuntime } from '../proxy/runtime.js';
import { Lifecycle } from '../proxy/lifecycle.js';
import type { CliOptions } from './options.js';
import type { Output } from './output.js';

export interface RuntimeHandle {
  softStop(): Promise<void>;
  hardStop(): void;
  pauseListeners(): Promise<void>;
  resumeListeners(): Promise<void>;
  /** One line per server, as haproxy logs them on SIGHUP. */
  serverStateDump(): string[];
}

export type StartOutcome = { ok: true; runtime: RuntimeHandle } | { ok: false; addressInUse: boolean };

/**
 * Builds and binds a runtime. `report` is false for bind attempts that may be
 * retried during a takeover, so only the final failure is printed.
 */
export async function startRuntime(model: ConfigModel, opts: CliOptions, out: Output, report: boolean): Promise<StartOutcome> {
  const { runtime, diag } = buildRuntime(model);
  out.print(diag.list);
  if (diag.hasAlerts()) return { ok: false, addressInUse: false };
  const lifecycle = new Lifecycle(runtime, { progname: process.argv[1] ?? 'switchyard' });
  const started = await lifecycle.start({ report });
  if (!started.ok) return { ok: false, addressInUse: started.addressInUse };
  void opts;
  return {
    ok: true,
    runtime: {
      softStop: () => lifecycle.softStop(),
      hardStop: () => void lifecycle.hardStop(),
      pauseListeners: () => lifecycle.pauseListeners(),
      resumeListeners: async () => {
        await lifecycle.resumeListeners();
      },
      serverStateDump: () => runtime.stateDump(),
    },
  };
}
