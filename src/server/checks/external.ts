/**
 * `option external-check` with `external-check command <cmd>` and
 * `external-check path <path>` (configuration.txt §4.2), as haproxy 2.6 runs
 * it (src/extcheck.c), verified with haproxy 2.6 -db:
 *
 * - the command gets `<proxy_address> <proxy_port> <server_address>
 *   <server_port>`, the proxy's being its first IPv4/IPv6 listener, the
 *   path of a unix one with "NOT_USED", or "NOT_USED NOT_USED" for a backend;
 * - its environment is only the HAPROXY_* variables below plus PATH (the
 *   `external-check path`, empty by default); its output goes to haproxy's;
 * - exit 0 is "External check passed", another status "External check
 *   error, code: <status>"; after `inter` the process is killed (haproxy
 *   prints "kill <pid>") and the result is "External check timeout, code: 0";
 * - a command that cannot be run prints "Failed to exec process for external
 *   health check: <error>. Aborting." and fails with code 255.
 *
 * haproxy also requires `external-check` in the global section and warns
 * without `insecure-fork-wanted` (configuration checks, not done here).
 */
import { spawn } from 'node:child_process';
import { strerror } from '../../net/listener.js';
import type { Reporter } from '../../proxy/runtime.js';
import type { Probe } from './health-check.js';
import type { CheckOutcome } from './status.js';

export interface ExternalCheckSpec {
  readonly command: string;
  /** `external-check path`; haproxy runs the command with this PATH (empty when unset). */
  readonly path: string;
  /** `<proxy_address> <proxy_port> <server_address> <server_port>`. */
  readonly args: readonly string[];
  /** The HAPROXY_* variables, computed at each run (current connections change). */
  env(): Record<string, string>;
  /** The check interval, which also bounds the process. */
  readonly timeout: number;
}

/** Runs the external command once per check. */
export class ExternalProbe implements Probe {
  constructor(private readonly spec: ExternalCheckSpec, private readonly reporter: Reporter) {}

  run(done: (o: CheckOutcome) => void): { abort(): void } {
    const spec = this.spec;
    let finished = false;
    const finish = (o: CheckOutcome): void => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      done(o);
    };
    const child = spawn(spec.command, [...spec.args], {
      env: { ...spec.env(), PATH: spec.path },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    const timer = setTimeout(() => {
      if (finished) return;
      // extcheck.c: the timed-out process is killed and reported.
      if (child.pid !== undefined) this.reporter.report('warning', `kill ${child.pid}`);
      child.kill('SIGKILL');
      finish({ status: 'PROCTOUT', desc: '', code: 0 });
    }, spec.timeout);
    timer.unref();
    child.on('error', (err) => {
      this.reporter.report('alert', `Failed to exec process for external health check: ${strerror(err)}. Aborting.`);
      // The forked child exits with -1.
      finish({ status: 'PROCERR', desc: '', code: 255 });
    });
    child.on('exit', (code, signal) => {
      if (code !== null) finish({ status: code === 0 ? 'PROCOK' : 'PROCERR', desc: '', code });
      else finish({ status: 'PROCERR', desc: '', code: signal !== null ? 128 : 0 });
    });
    return {
      abort: () => {
        finished = true;
        clearTimeout(timer);
        child.kill('SIGKILL');
      },
    };
  }
}
