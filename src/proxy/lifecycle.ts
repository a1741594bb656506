/**
 * Starting and stopping a runtime: bind every listener (reporting failures
 * exactly as haproxy does), start health checks, soft stop (stop accepting,
 * let streams finish, bounded by `hard-stop-after`) and hard stop.
 *
 * haproxy's messages reproduced here (checked against haproxy 2.6 -db):
 *   [ALERT]    (pid) : Binding [f.cfg:9] for frontend fe: cannot bind socket (Address already in use) for [127.0.0.1:8080]
 *   [ALERT]    (pid) : [haproxy.main()] Some protocols failed to start their listeners! Exiting.
 *   [WARNING]  (pid) : Proxy fe stopped (cumulated conns: FE: 3, BE: 0).
 */
import type { BindFailure, Listener } from '../net/listener.js';
import type { Frontend, Runtime } from './runtime.js';
import { startChecks } from '../server/checks/check-start.js';

export type LifecycleState = 'idle' | 'starting' | 'running' | 'stopping' | 'stopped';

export interface LifecycleOptions {
  /**
   * haproxy's progname (its argv[0] as given), printed in
   * `[<progname>.main()] Some protocols failed...`. Default 'haproxy'.
   */
  progname?: string | undefined;
  /** Print haproxy's `Proxy <HTTPCLIENT> stopped` line too (haproxy 2.6 always has that internal proxy). Default true. */
  httpClientLine?: boolean | undefined;
}

export interface StartResult {
  readonly ok: boolean;
  /** The alert lines (without the `[ALERT] (pid) : ` prefix), reported unless `report: false`. */
  readonly alerts: string[];
  /** True when every failure was EADDRINUSE (a takeover may retry after SIGTTOU). */
  readonly addressInUse: boolean;
}

export interface StartOptions {
  /** Report the bind alerts through the runtime's reporter (default true). */
  report?: boolean | undefined;
}

/** Starts and stops one runtime. */
export class Lifecycle {
  readonly runtime: Runtime;
  state: LifecycleState = 'idle';
  private readonly progname: string;
  private readonly httpClientLine: boolean;
  private hardTimer: NodeJS.Timeout | undefined;
  private idleWaiters: Array<() => void> = [];
  /** Resolves once the runtime has fully stopped (soft or hard). */
  readonly stopped: Promise<void>;
  private resolveStopped!: () => void;

  constructor(runtime: Runtime, opts: LifecycleOptions = {}) {
    this.runtime = runtime;
    this.progname = opts.progname ?? 'haproxy';
    this.httpClientLine = opts.httpClientLine ?? true;
    this.stopped = new Promise((r) => {
      this.resolveStopped = r;
    });
    runtime.addStreamEndHook(this.onStreamEnd);
  }

  private readonly onStreamEnd = (): void => {
    if (this.runtime.streams.size !== 0) return;
    const w = this.idleWaiters;
    this.idleWaiters = [];
    for (const f of w) f();
    if (this.state === 'stopping') this.finishStop();
  };

  /** Streams currently alive (accepted and not yet finished). */
  get activeStreams(): number {
    return this.runtime.streams.size;
  }

  /**
   * Binds every listener, then starts the health checks. On any bind failure
   * every failure is reported (haproxy's protocol order: TCPv6, TCPv4, unix),
   * the listeners that did bind are closed and `ok` is false: the caller
   * exits with status 1, as haproxy does.
   */
  async start(opts: StartOptions = {}): Promise<StartResult> {
    if (this.state !== 'idle') throw new Error(`start() in state ${this.state}`);
    this.state = 'starting';
    const listeners: Array<{ fe: Frontend; l: Listener }> = [];
    for (const fe of this.runtime.frontends) for (const l of fe.listeners) listeners.push({ fe, l });
    const results = await Promise.all(listeners.map(({ l }) => l.bind()));
    const failures: Array<{ fe: Frontend; f: BindFailure; order: number }> = [];
    results.forEach((f, i) => {
      const entry = listeners[i];
      if (f !== undefined && entry !== undefined) failures.push({ fe: entry.fe, f, order: i });
    });
    if (failures.length > 0) {
      failures.sort((a, b) => a.f.rank - b.f.rank || a.order - b.order);
      const alerts: string[] = [];
      for (const { fe, f } of failures) {
        const place = f.spec.bind.place;
        alerts.push(`Binding [${place.file}:${place.line}] for ${fe.typeLabel} ${fe.name}: ${f.reason}`);
      }
      alerts.push(`[${this.progname}.main()] Some protocols failed to start their listeners! Exiting.`);
      if (opts.report ?? true) for (const a of alerts) this.runtime.reporter.report('alert', a);
      await Promise.all(listeners.map(({ l }) => l.close()));
      // Failed before serving anything: the lifecycle can be started again (takeover retries).
      this.state = 'idle';
      return { ok: false, alerts, addressInUse: failures.every(({ f }) => f.code === 'EADDRINUSE') };
    }
    // protocol_bind_all(): options the socket could not take are warnings (docs/bind-options.md).
    if (opts.report ?? true) {
      for (const { fe, l } of listeners) {
        const place = l.spec.bind.place;
        for (const w of l.warnings) this.runtime.reporter.report('warning', `Binding [${place.file}:${place.line}] for ${fe.typeLabel} ${fe.name}: ${w}`);
      }
    }
    this.startChecks();
    this.state = 'running';
    return { ok: true, alerts: [], addressInUse: false };
  }

  /**
   * SIGTTOU (management.txt §4): stop listening so that a new process can
   * bind the same addresses; streams go on. Node has no SO_REUSEPORT, so the
   * listening sockets are closed (and reopened by {@link resumeListeners}).
   */
  async pauseListeners(): Promise<void> {
    if (this.state !== 'running') return;
    await Promise.all(this.runtime.listeners.map((l) => l.close()));
  }

  /** SIGTTIN: listen again after {@link pauseListeners}; returns the failures, reported as at start. */
  async resumeListeners(): Promise<BindFailure[]> {
    if (this.state !== 'running') return [];
    const results = await Promise.all(this.runtime.listeners.map((l) => (l.server === undefined ? l.bind() : Promise.resolve(undefined))));
    const failed = results.filter((f): f is BindFailure => f !== undefined);
    for (const f of failed) {
      const place = f.spec.bind.place;
      this.runtime.reporter.report('alert', `Binding [${place.file}:${place.line}] : ${f.reason}`);
    }
    return failed;
  }

  /**
   * checks.c start_checks(): the first checks are spread over the smallest
   * interval so they do not all fire at once.
   */
  private startChecks(): void {
    // src/server/checks/check-start.ts: haproxy's spreading, `spread-checks`, `max-spread-checks`.
    const g = this.runtime.model.global;
    startChecks(this.runtime.checks, { spreadChecks: g.spreadChecks, maxSpreadChecks: g.maxSpreadChecks });
  }

  private stopChecks(): void {
    for (const c of this.runtime.checks) c.stop();
  }

  /** proxy.c soft_stop()/stop_proxy(): the "Proxy X stopped" lines, frontends first, then backends. */
  private reportStopped(): void {
    const r = this.runtime;
    const line = (name: string, fe: number, be: number): void =>
      r.reporter.report('warning', `Proxy ${name} stopped (cumulated conns: FE: ${fe}, BE: ${be}).`);
    for (const p of r.proxies) {
      if (p.frontend === undefined) continue;
      line(p.name, p.frontend.counters.cumConns, p.backend?.counters.cumConns ?? 0);
    }
    for (const p of r.proxies) {
      if (p.frontend !== undefined || p.backend === undefined) continue;
      line(p.name, 0, p.backend.counters.cumConns);
    }
    if (this.httpClientLine) line('<HTTPCLIENT>', 0, 0);
  }

  /**
   * Soft stop (SIGUSR1, management.txt §4): stop accepting and close the
   * listeners, let running streams finish, then resolve. `global
   * hard-stop-after` bounds the wait by killing what remains.
   */
  async softStop(): Promise<void> {
    if (this.state === 'stopped') return;
    if (this.state === 'stopping') return this.stopped;
    this.state = 'stopping';
    const r = this.runtime;
    r.gate.open = false;
    this.stopChecks();
    await Promise.all(r.listeners.map((l) => l.close()));
    this.reportStopped();
    const hsa = r.model.global.hardStopAfter;
    if (hsa !== undefined && r.streams.size > 0) {
      this.hardTimer = setTimeout(() => this.killAll(), hsa);
    }
    if (r.streams.size === 0) {
      this.finishStop();
      return;
    }
    return this.stopped;
  }

  /** Hard stop (SIGTERM): close listeners and kill every stream now. */
  async hardStop(): Promise<void> {
    if (this.state === 'stopped') return;
    const r = this.runtime;
    r.gate.open = false;
    this.state = 'stopping';
    this.stopChecks();
    await Promise.all(r.listeners.map((l) => l.close()));
    if (r.streams.size === 0) {
      this.finishStop();
      return;
    }
    this.killAll();
    return this.stopped;
  }

  /** Resolves when the active stream count reaches zero (or now). */
  whenIdle(): Promise<void> {
    if (this.runtime.streams.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private killAll(): void {
    for (const s of [...this.runtime.streams]) s.kill();
  }

  private finishStop(): void {
    if (this.state === 'stopped') return;
    if (this.hardTimer !== undefined) clearTimeout(this.hardTimer);
    this.hardTimer = undefined;
    this.state = 'stopped';
    this.resolveStopped();
  }
}
