/**
 * The runtime built from a {@link ConfigModel}: frontends with their
 * listeners, backends with their servers and balance algorithm, and the
 * switching rules between them (`use_backend`, `default_backend`).
 *
 * Every counter lives on a small owner object (Frontend, Backend, Server,
 * Listener) where stats, logs and Prometheus will read it; server state lives
 * only in `Server`. Nothing here starts listening: see lifecycle.ts.
 */
import type net from 'node:net';
import { Diagnostics, formatDiagnostic, type Severity } from '../config/diagnostics.js';
import type { ConfigModel } from '../config/model/index.js';
import type { BackendSwitchRule, ProxyConfig, Timeouts } from '../config/model/proxy.js';
import { AcceptGate, ConnSlots, expandBind, Listener } from '../net/listener.js';
import { connectOptions, isStaticTarget } from '../net/connect.js';
import { PendingQueue, Server, type ServerOwner } from '../server/server.js';
import { createAlgorithm, type BalanceAlgorithm } from '../lb/registry.js';
import { createServerChecks, type Check } from '../server/checks/registry.js';
import { TcpStream } from '../tcp/stream.js';
import { RawTcpStream, rawBackendOf } from '../tcp/raw-stream.js';
import type { TcpHandle } from '../net/raw-handle.js';
import { HttpStream } from '../http/stream.js';
import type { SampleContext } from '../sample/context.js';
import type { CompileEnv } from '../sample/compile.js';
import { compileLogFormat } from '../sample/log-format-eval.js';
import { compileBackendL4, compileFrontendL4, type BackendL4, type FrontendL4 } from '../tcp/l4.js';
import { compileRuleCondition, type CompileReporter } from '../tcp/rules.js';
import { initServerRuntime } from '../server/server-runtime.js';
import { clientTuning, ruleSocketOptionsFatal, serverTuning, type ClientTuning, type ServerTuning } from './socket-tuning.js';
import { PatternRefRegistry } from '../sample/pattern-refs.js';
import { setRuleEnv } from './rule-helpers.js';
import { withProxyEventLogs } from '../log/proxy-events.js';
import { configureVarLimits } from '../sample/var-limits.js';
import { runProcVars } from './proc-vars.js';

/** A running stream of either mode (what the lifecycle counts and kills). */
export type AnyStream = TcpStream | HttpStream | RawTcpStream;

/** Where runtime messages go: stderr in haproxy's foreground format by default; logs later. */
export interface Reporter {
  report(severity: Severity, message: string): void;
}

/** Prints `[WARNING]  (pid) : message` lines on stderr, as haproxy does in foreground mode. */
export function stderrReporter(pid: number = process.pid): Reporter {
  return {
    report(severity, message) {
      process.stderr.write(`${formatDiagnostic({ severity, code: '', message, context: 'none' }, pid)}\n`);
    },
  };
}

/** Frontend and backend counters (haproxy's fe_counters / be_counters). */
export interface ProxyCounters {
  cumConns: number;
  curConns: number;
  maxConns: number;
  bytesIn: number;
  bytesOut: number;
  connectFailures: number;
  retries: number;
  redispatches: number;
  queued: number;
  queueTimeouts: number;
}

function newCounters(): ProxyCounters {
  return { cumConns: 0, curConns: 0, maxConns: 0, bytesIn: 0, bytesOut: 0, connectFailures: 0, retries: 0, redispatches: 0, queued: 0, queueTimeouts: 0 };
}

/** The parsed condition and log-format types, as the model declares them (acl/, sample/). */
export type Condition = NonNullable<BackendSwitchRule['cond']>;
export type LogFormat = NonNullable<BackendSwitchRule['dynamic']>;

/** A compiled condition, evaluated against the stream's sample context (SMP_OPT_FINAL). */
export type StreamPredicate = (ctx: SampleContext) => boolean;
/** A compiled log-format producing a backend name. */
export type NameProducer = (ctx: SampleContext) => string;

/**
 * Overrides for how `use_backend` conditions and dynamic names are compiled
 * (tests). By default `mode tcp` frontends compile them with the sample
 * engine (src/tcp/rules.ts, src/sample/log-format-eval.ts); `mode http`
 * frontends run their own switching rules (src/http/rules.ts).
 */
export interface RuntimeHooks {
  compileCondition?: (cond: Condition, proxy: ProxyConfig) => StreamPredicate | undefined;
  compileName?: (format: LogFormat, proxy: ProxyConfig) => NameProducer | undefined;
}

interface SwitchRule {
  readonly cond: StreamPredicate | undefined;
  readonly backend: Backend | undefined;
  readonly name: NameProducer | undefined;
}

/** The frontend part of a frontend or listen section. */
export class Frontend {
  readonly name: string;
  readonly config: ProxyConfig;
  readonly runtime: Runtime;
  readonly slots: ConnSlots;
  readonly listeners: Listener[] = [];
  readonly counters: ProxyCounters = newCounters();
  readonly timeouts: Timeouts;
  rules: SwitchRule[] = [];
  defaultBackend: Backend | undefined;
  /** Layer-4 rules and PROXY header reception; undefined for plain forwarding (src/tcp/l4.ts). */
  l4: FrontendL4 | undefined;
  /** `option clitcpka`/`tcpka`, `clitcpka-idle`, `option nolinger` (src/proxy/socket-tuning.ts). */
  tuning: ClientTuning = { keepAlive: false, keepAliveIdle: 0, noLinger: false };

  constructor(runtime: Runtime, config: ProxyConfig) {
    this.runtime = runtime;
    this.config = config;
    this.name = config.name;
    this.timeouts = config.timeouts;
    this.slots = new ConnSlots(config.maxconn ?? 0);
  }

  /** haproxy's proxy type word in messages: 'frontend' or 'proxy' (listen). */
  get typeLabel(): 'frontend' | 'proxy' {
    return this.config.kind === 'listen' ? 'proxy' : 'frontend';
  }

  /**
   * proxy.c process_switching_rules(): the first matching `use_backend`, else
   * `default_backend` (a listen section defaults to itself). A dynamic name
   * that matches no backend stops the rules and uses the default. `ctx` is
   * only needed (and only given) when a rule has a condition or a dynamic
   * name, which makes {@link l4} defined.
   */
  selectBackend(ctx: SampleContext | undefined): Backend | undefined {
    const rules = this.rules;
    for (let i = 0; i < rules.length; i++) {
      const r = rules[i]!;
      if (r.cond !== undefined && (ctx === undefined || !r.cond(ctx))) continue;
      if (r.backend !== undefined) return r.backend;
      if (r.name !== undefined) {
        // proxy.c: an empty name (build_logline() returned 0) or an unknown backend stops the rules.
        const name = ctx === undefined ? '' : r.name(ctx);
        return (name === '' ? undefined : this.runtime.backends.get(name)) ?? this.defaultBackend;
      }
    }
    return this.defaultBackend;
  }

  /** Accept handler bound to this frontend's listeners. */
  readonly accept = (socket: net.Socket, listener: Listener): void => {
    // session.c session_accept_fd(): SO_KEEPALIVE on accepted connections with clitcpka/tcpka.
    if (this.tuning.keepAlive) socket.setKeepAlive(true, this.tuning.keepAliveIdle);
    // configuration.txt §4 "mode http": HTTP/1.1 streams (src/http/stream.ts).
    if (this.config.mode === 'http') new HttpStream(this.runtime, this, listener, socket).start();
    else new TcpStream(this.runtime, this, listener, socket).start();
  };

  /**
   * The backend of every stream when they take the raw path
   * (src/tcp/raw-stream.ts); set by {@link enableRawPath}.
   */
  rawBackend: Backend | undefined;

  /** Accept handler of the raw path: the connection is a bare TCP handle. */
  readonly acceptRaw = (handle: TcpHandle, listener: Listener): void => {
    const s = new RawTcpStream(this.runtime, this, listener, handle, this.rawBackend!);
    if (this.tuning.keepAlive) s.cli.setKeepAlive(this.tuning.keepAliveIdle);
    s.start();
  };

  /**
   * Streams of a plain `mode tcp` frontend skip net.Socket when Node's
   * handles are usable (docs/tcp-data-path.md); once per runtime, after the
   * layer-4 rules are compiled.
   */
  enableRawPath(): void {
    const be = rawBackendOf(this);
    this.rawBackend = be;
    for (const l of this.listeners) l.rawAccept = be === undefined ? undefined : this.acceptRaw;
  }
}

/** The backend part of a backend or listen section; owner of its servers. */
export class Backend implements ServerOwner {
  readonly name: string;
  readonly config: ProxyConfig;
  readonly servers: Server[] = [];
  readonly serverByName = new Map<string, Server>();
  readonly queue = new PendingQueue();
  readonly counters: ProxyCounters = newCounters();
  readonly timeouts: Timeouts;
  /** `retries` (default 3, configuration.txt §4.2). */
  readonly retries: number;
  /** `option redispatch [<interval>]`; interval default -1 (last retry). */
  readonly redispatch: boolean;
  readonly redispatchEvery: number;
  algorithm!: BalanceAlgorithm;
  /** Layer-4 rules, use-server, persistence, PROXY headers; undefined for plain forwarding (src/tcp/l4.ts). */
  l4: BackendL4 | undefined;
  activeCount = 0;
  backupCount = 0;
  private readonly targets = new Map<Server, net.NetConnectOpts>();
  /** `source`, `srvtcpka` of servers that have any (src/proxy/socket-tuning.ts). */
  private readonly tunings = new Map<Server, ServerTuning>();
  /** `option nolinger` on the backend side: closes towards servers are resets. */
  readonly noLinger: boolean;

  constructor(config: ProxyConfig) {
    this.config = config;
    this.name = config.name;
    this.timeouts = config.timeouts;
    this.retries = config.retries ?? 3;
    this.redispatch = config.options.get('redispatch') === true;
    const arg = config.optionArgs.get('redispatch')?.[0];
    const every = arg === undefined ? -1 : Number(arg);
    this.redispatchEvery = Number.isInteger(every) && every !== 0 ? every : -1;
    this.noLinger = config.options.get('nolinger') === true;
  }

  get typeLabel(): 'backend' | 'proxy' {
    return this.config.kind === 'listen' ? 'proxy' : 'backend';
  }

  /** Creates the servers, in declaration order, and the balance algorithm. */
  init(diag: Diagnostics): void {
    this.config.servers.forEach((sc, i) => {
      const s = new Server(sc, this, i + 1);
      this.servers.push(s);
      this.serverByName.set(s.name, s);
      const t = serverTuning(this.config, sc, diag);
      if (t.tuning !== undefined) this.tunings.set(s, t);
      if (isStaticTarget(s.address) && t.ports === undefined) this.targets.set(s, connectOptions(s.address, 0, t.tuning));
    });
    const bal = this.config.balance;
    const algo = createAlgorithm(bal?.algorithm, this.servers, {
      allBackups: this.config.options.get('allbackups') === true,
      args: bal?.args ?? [],
      hashType: this.config.hashType,
      hashBalanceFactor: this.config.hashBalanceFactor,
      expression: bal?.expression,
      mode: this.config.mode,
    });
    if (algo === undefined) {
      diag.warning('RT_UNSUPPORTED_BALANCE', `${this.typeLabel} '${this.name}': balance '${bal?.algorithm ?? ''}' is not implemented yet, using 'roundrobin'.`, bal?.place);
      this.algorithm = createAlgorithm('roundrobin', this.servers, { allBackups: false, args: [] })!;
    } else {
      this.algorithm = algo;
    }
    this.recount();
  }

  /** net.connect options for a server; computed per connection only for port-relative servers. */
  connectOptionsFor(s: Server, stream: { readonly frontendPort: number }): net.NetConnectOpts {
    const o = this.targets.get(s);
    if (o !== undefined) return o;
    const t = this.tunings.get(s);
    if (t === undefined) return connectOptions(s.address, stream.frontendPort);
    const opts = connectOptions(s.address, stream.frontendPort, t.tuning);
    // `source addr:low-high`: one port of the range per connection.
    if (t.ports !== undefined && 'port' in opts) opts.localPort = t.ports.take();
    return opts;
  }

  private recount(): void {
    let act = 0;
    let bck = 0;
    for (const s of this.servers) {
      if (!s.usable) continue;
      if (s.backup) bck++;
      else act++;
    }
    this.activeCount = act;
    this.backupCount = bck;
  }

  onTake(s: Server): void {
    this.algorithm.onConnectionStart(s);
  }

  onDrop(s: Server): void {
    this.algorithm.onConnectionEnd(s);
  }

  onServerChange(s: Server, wasUsable: boolean): void {
    const now = s.usable;
    if (wasUsable && !now) this.algorithm.onServerDown(s);
    else if (!wasUsable && now) this.algorithm.onServerUp(s);
    else if (now) this.algorithm.onWeightChange(s);
    this.recount();
  }
}

/** One configuration section with its runtime parts, in declaration order. */
export interface ProxyEntry {
  readonly name: string;
  readonly config: ProxyConfig;
  readonly frontend: Frontend | undefined;
  readonly backend: Backend | undefined;
}

export interface BuildOptions {
  hooks?: RuntimeHooks | undefined;
  reporter?: Reporter | undefined;
}

/** Everything that serves a configuration. */
export class Runtime {
  readonly model: ConfigModel;
  readonly proxies: ProxyEntry[] = [];
  readonly frontends: Frontend[] = [];
  readonly backends = new Map<string, Backend>();
  readonly gate: AcceptGate;
  readonly streams = new Set<AnyStream>();
  readonly checks: Check[] = [];
  readonly reporter: Reporter;
  /** The map and ACL files' contents, changed by set-map & co and the stats socket (src/sample/pattern-refs.ts). */
  readonly patternRefs = new PatternRefRegistry();
  /** Called after each stream ended: the lifecycle (idle, soft stop), later logs. */
  private readonly endHooks: Array<(s: AnyStream) => void> = [];

  constructor(model: ConfigModel, reporter: Reporter) {
    this.model = model;
    this.reporter = reporter;
    this.gate = new AcceptGate(model.global.maxconn ?? 0);
    configureVarLimits(model.global.tune);
  }

  /** Every listener of every frontend, in configuration order. */
  get listeners(): Listener[] {
    return this.frontends.flatMap((f) => f.listeners);
  }

  /** Registers a hook called after each stream ended; returns its remover. */
  addStreamEndHook(fn: (s: AnyStream) => void): () => void {
    this.endHooks.push(fn);
    return () => {
      const i = this.endHooks.indexOf(fn);
      if (i >= 0) this.endHooks.splice(i, 1);
    };
  }

  onStreamEnd(s: AnyStream): void {
    const hooks = this.endHooks;
    for (let i = 0; i < hooks.length; i++) hooks[i]!(s);
  }

  /**
   * haproxy's SIGHUP dump (haproxy.c: sig_dump_state), one line per server
   * and per proxy in declaration order, without the `[WARNING] (pid) : `
   * prefix. `httpClient` adds the lines of haproxy 2.6's internal proxy.
   */
  stateDump(httpClient = true): string[] {
    const out = ['SIGHUP received, dumping servers states.'];
    const proxyLine = (name: string, nservers: number, act: number, bck: number, conn: string): string => {
      if (nservers === 0) return `SIGHUP: Proxy ${name} has no servers. ${conn}`;
      if (act === 0) return `SIGHUP: Proxy ${name} ${bck > 0 ? 'is running on backup servers' : 'has no server available'} ! ${conn}`;
      return `SIGHUP: Proxy ${name} has ${act} active servers and ${bck} backup servers available. ${conn}`;
    };
    for (const p of this.proxies) {
      const fe = p.frontend?.counters;
      const be = p.backend;
      let pend = 0;
      for (const s of be?.servers ?? []) {
        out.push(`SIGHUP: Server ${p.name}/${s.name} is ${s.operational === 'UP' && !s.maint ? 'UP' : 'DOWN'}. Conn: ${s.served} act, ${s.queue.length} pend, ${s.counters.cumConns} tot.`);
        pend += s.queue.length;
      }
      const unass = be?.queue.length ?? 0;
      const conn = `Conn: act(FE+BE): ${fe?.curConns ?? 0}+${be?.counters.curConns ?? 0}, ${pend + unass} pend (${unass} unass), tot(FE+BE): ${fe?.cumConns ?? 0}+${be?.counters.cumConns ?? 0}.`;
      out.push(proxyLine(p.name, be?.servers.length ?? 0, be?.activeCount ?? 0, be?.backupCount ?? 0, conn));
    }
    if (httpClient) {
      out.push('SIGHUP: Server <HTTPCLIENT>/<HTTPCLIENT> is UP. Conn: 0 act, 0 pend, 0 tot.');
      out.push('SIGHUP: Server <HTTPCLIENT>/<HTTPSCLIENT> is UP. Conn: 0 act, 0 pend, 0 tot.');
      out.push('SIGHUP: Proxy <HTTPCLIENT> has no server available ! Conn: act(FE+BE): 0+0, 0 pend (0 unass), tot(FE+BE): 0+0.');
    }
    return out;
  }
}

/**
 * listener.c: listeners without an explicit `id` are numbered from 1 in
 * declaration order, skipping the ids taken explicitly (so_id, logs).
 */
function assignListenerIds(listeners: readonly Listener[]): void {
  const used = new Set<number>();
  for (const l of listeners) if (l.spec.bind.id !== undefined) used.add(l.spec.bind.id);
  let next = 1;
  for (const l of listeners) {
    if (l.spec.bind.id !== undefined) {
      l.luid = l.spec.bind.id;
      continue;
    }
    while (used.has(next)) next++;
    l.luid = next++;
  }
}

/**
 * Builds the runtime of a configuration. Problems the parser should already
 * have rejected (a missing backend...) are reported as diagnostics rather
 * than thrown, so `-c` and startup print them in haproxy's form.
 */
export function buildRuntime(model: ConfigModel, opts: BuildOptions = {}): { runtime: Runtime; diag: Diagnostics } {
  const diag = new Diagnostics();
  // Server and proxy events also go to the proxies' log targets (src/log/proxy-events.ts).
  const runtime = new Runtime(model, withProxyEventLogs(opts.reporter ?? stderrReporter(), model));
  // haproxy runs the global set-var lines while parsing, before any proxy exists.
  runProcVars(model.global);
  const hooks = opts.hooks ?? {};
  // Compile environments of the sample engine, one per proxy (named ACLs are cached per environment).
  const patternCache = new Map<string, unknown>();
  const envs = new Map<ProxyConfig, CompileEnv>();
  const envOf = (p: ProxyConfig): CompileEnv => {
    let env = envs.get(p);
    if (env === undefined) {
      const entry = runtime.proxies.find((e) => e.config === p);
      env = {
        frontend: entry?.frontend,
        backend: entry?.backend,
        findBackend: (n) => runtime.backends.get(n),
        findFrontend: (n) => runtime.frontends.find((f) => f.name === n),
        stopping: () => !runtime.gate.open,
        patternCache,
        patternRefs: runtime.patternRefs,
      };
      envs.set(p, env);
    }
    return env;
  };
  const report: CompileReporter = (code, message, place) => diag.warning(code, message, place);

  for (const p of model.proxies) {
    if (p.cap.defaults) continue;
    const frontend = p.cap.frontend && !p.disabled ? new Frontend(runtime, p) : undefined;
    const backend = p.cap.backend ? new Backend(p) : undefined;
    runtime.proxies.push({ name: p.name, config: p, frontend, backend });
    if (backend !== undefined) {
      backend.init(diag);
      runtime.backends.set(p.name, backend);
    }
  }

  // The HTTP rules compile with the same environments as the layer-4 ones (src/http/rules.ts).
  for (const e of runtime.proxies) {
    ruleSocketOptionsFatal(e.config, diag);
    if (e.frontend !== undefined) setRuleEnv(e.frontend, envOf(e.config));
    if (e.backend !== undefined) setRuleEnv(e.backend, envOf(e.config));
  }

  for (const entry of runtime.proxies) {
    const fe = entry.frontend;
    if (fe === undefined) continue;
    const p = entry.config;
    runtime.frontends.push(fe);
    fe.tuning = clientTuning(p, diag);
    fe.rules = p.useBackends.map((r) => {
      let cond: StreamPredicate | undefined;
      if (r.cond !== undefined) {
        cond = hooks.compileCondition?.(r.cond, p);
        if (cond === undefined && p.mode !== 'http') {
          // proxy.c process_switching_rules(): evaluated with SMP_OPT_FINAL.
          const fn = compileRuleCondition(r.cond, envOf(p), `'use_backend ${r.name}'`, r.place, report);
          cond = (ctx) => fn(ctx) === 'true';
        }
        if (cond === undefined) {
          // mode http: src/http/rules.ts compiles and runs the switching rules itself.
          if (p.mode !== 'http')
            diag.warning('RT_CONDITION_NOT_EVALUATED', `${fe.typeLabel} '${p.name}': 'use_backend ${r.name}' has a condition that cannot be evaluated yet; the rule never matches.`, r.place);
          cond = () => false;
        }
      }
      if (r.dynamic !== undefined) {
        let name = hooks.compileName?.(r.dynamic, p);
        if (name === undefined && p.mode !== 'http') {
          const c = compileLogFormat(r.dynamic, envOf(p));
          if (c.ok) name = c.fn;
        }
        if (name === undefined) {
          // mode http: src/http/rules.ts compiles and runs the switching rules itself.
          if (p.mode !== 'http')
            diag.warning('RT_DYNAMIC_NAME_NOT_EVALUATED', `${fe.typeLabel} '${p.name}': dynamic 'use_backend ${r.name}' cannot be evaluated yet; 'default_backend' applies.`, r.place);
          return { cond, backend: undefined, name: () => '' };
        }
        return { cond, backend: undefined, name };
      }
      const backend = runtime.backends.get(r.name);
      if (backend === undefined) {
        diag.alert('RT_BACKEND_NOT_FOUND', `Proxy '${p.name}': unable to find required use_backend: '${r.name}'.`, r.place);
      }
      return { cond, backend, name: undefined };
    });
    if (p.defaultBackend !== undefined) {
      fe.defaultBackend = runtime.backends.get(p.defaultBackend.name);
      if (fe.defaultBackend === undefined) {
        diag.alert('RT_BACKEND_NOT_FOUND', `Proxy '${p.name}': unable to find required default_backend: '${p.defaultBackend.name}'.`, p.defaultBackend.place);
      }
    } else if (entry.backend !== undefined) {
      // A listen section is its own default backend.
      fe.defaultBackend = entry.backend;
    }
    for (const b of p.binds) {
      for (const spec of expandBind(b)) fe.listeners.push(new Listener(spec, runtime.gate, fe.slots, fe.accept));
    }
    assignListenerIds(fe.listeners);
  }

  // Layer-4 rules, once every frontend and backend exists (fetch arguments may name any of them).
  for (const entry of runtime.proxies) {
    if (entry.config.mode === 'http') {
      // mode http: the frontend's tcp-request rules and accept-proxy run before HTTP (src/http/stream-l4.ts).
      if (entry.frontend !== undefined) entry.frontend.l4 = compileFrontendL4(entry.config, model, envOf(entry.config), report);
      // A backend's `tcp-request content` rules run per request after switching (src/http/stream.ts processBackend()).
      if (entry.backend !== undefined && !entry.config.cap.frontend && (entry.config.rules.tcpRequestContent.length > 0 || (entry.config.defaultsRules?.tcpRequestContent.length ?? 0) > 0)) {
        entry.backend.l4 = compileBackendL4(entry.config, entry.backend.servers, model, envOf(entry.config), report);
      }
      continue;
    }
    if (entry.frontend !== undefined) entry.frontend.l4 = compileFrontendL4(entry.config, model, envOf(entry.config), report);
    if (entry.backend !== undefined) entry.backend.l4 = compileBackendL4(entry.config, entry.backend.servers, model, envOf(entry.config), report);
  }

  // The raw data path needs the compiled layer-4 work of both sides (src/tcp/raw-stream.ts).
  for (const fe of runtime.frontends) fe.enableRawPath();

  for (const entry of runtime.proxies) {
    const be = entry.backend;
    if (be === undefined) continue;
    for (const s of be.servers) {
      runtime.checks.push(...createServerChecks(s, be, runtime.reporter, model));
    }
  }
  // fullconn, track, observe, unresolved servers in maintenance (src/server/server-runtime.ts).
  initServerRuntime(runtime);
  return { runtime, diag };
}
