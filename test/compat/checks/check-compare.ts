/**
 * Differential health check runs: the same configuration under haproxy 2.6
 * (`-db`) and Switchyard, each against fresh origins whose behaviour depends
 * only on the index of the connection, so both see the same sequence of
 * answers whatever their timing. The state change lines (`Server be/s1 is
 * DOWN...`, `backend 'be' has no server available!`) are compared per
 * server, durations and pids masked.
 */
import { startProxy, type ProxyKind } from '../../helpers/processes.js';
import type { ScriptedServer } from '../../integration/checks/check-harness.js';

export interface SideRun {
  /** State change lines grouped by `be/server` (alerts under the backend name). */
  readonly byServer: Record<string, string[]>;
  /** What each origin received on its first connections. */
  readonly received: Buffer[][];
  readonly output: string;
}

/** Keeps the check lines of a proxy's output, without the pid, with durations masked. */
export function stateLines(output: string): string[] {
  return output.split('\n')
    .filter((l) => / : (Backup )?Server [^ ]+\/[^ ]+ |has no server available!|Failed to exec|: kill \d+/.test(l) && !l.includes(' : config : '))
    .map((l) => l
      .replace(/^\[(WARNING|ALERT)\]\s+\(\d+\) : /, '[$1] ')
      .replace(/check duration: \d+ms/, 'check duration: Nms')
      .replace(/kill \d+/, 'kill PID'));
}

/** Groups lines by the server they are about (`be/s1`), alerts by proxy name. */
export function groupByServer(lines: readonly string[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const l of lines) {
    const m = /Server ([^ ]+\/[^ ]+) /.exec(l) ?? /'([^']+)' has no server available/.exec(l);
    const key = m?.[1] ?? '*';
    (out[key] ??= []).push(l);
  }
  return out;
}

export interface CompareOptions {
  /** The configuration; origin ports are filled by `config(ports)`; use `${ADDR:fe}` for a listener. */
  readonly config: (ports: readonly number[]) => string;
  /** Creates the origins afresh for each side. */
  readonly origins: () => Promise<ScriptedServer[]>;
  /** Stop once this holds for the state lines (or after `timeoutMs`). */
  readonly done: (lines: readonly string[]) => boolean;
  readonly timeoutMs?: number;
  /** Extra time after `done`, to catch lines that should not come. */
  readonly settleMs?: number;
  /**
   * Masks the "N active and M backup servers" counts: where several servers
   * change state within a few milliseconds, which line comes first (hence
   * the counts each one prints) depends on the machine's load, in haproxy
   * as in Switchyard. The counts are compared in test/compat/server/.
   */
  readonly maskCounts?: boolean;
}

/** Runs one side. */
export async function runSide(kind: ProxyKind, o: CompareOptions): Promise<SideRun> {
  const origins = await o.origins();
  try {
    const proxy = await startProxy(kind, o.config(origins.map((x) => x.port)));
    try {
      const t0 = Date.now();
      while (!o.done(stateLines(proxy.output())) && Date.now() - t0 < (o.timeoutMs ?? 4000)) {
        await new Promise((r) => setTimeout(r, 20));
      }
      await new Promise((r) => setTimeout(r, o.settleMs ?? 0));
    } finally {
      await proxy.stop();
    }
    const output = proxy.output();
    const lines = stateLines(output).map((l) => (o.maskCounts === true ? l.replace(/\d+ active and \d+ backup servers/, 'N active and M backup servers') : l));
    return { byServer: groupByServer(lines), received: origins.map((x) => [...x.received]), output };
  } finally {
    await Promise.all(origins.map((x) => x.close()));
  }
}

/** Runs haproxy then Switchyard. */
export async function runBoth(o: CompareOptions): Promise<{ haproxy: SideRun; switchyard: SideRun }> {
  const haproxy = await runSide('haproxy', o);
  const switchyard = await runSide('switchyard', o);
  return { haproxy, switchyard };
}

/** A listen section with a listener (haproxy needs one to start) and the given lines. */
export function listen(...lines: string[]): string {
  // `timeout check 2s`: without it a check's answer must come within `inter`
  // (100 ms in these tests), which a loaded machine does not always give.
  return [
    'defaults', '  mode tcp', '  timeout connect 1s', '  timeout client 1s', '  timeout server 1s', '  timeout check 2s',
    'listen be', '  bind ${ADDR:fe}', ...lines.map((l) => `  ${l}`), '',
  ].join('\n');
}

/** Counts the lines that match. */
export function count(lines: readonly string[], re: RegExp): number {
  return lines.filter((l) => re.test(l)).length;
}
