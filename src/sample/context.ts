/**
 * What a compiled sample expression or condition reads at run time: the
 * `SampleContext` the data plane (session, stream, checks) implements. It is
 * HAProxy's (proxy, session, stream, opt) tuple passed to every fetch,
 * reduced to small read-only views so that the sample engine depends on no
 * runtime class: `Frontend`, `Backend`, `Server` and `Listener` of
 * src/proxy/runtime.ts, src/server/server.ts and src/net/listener.ts satisfy
 * the views below with their existing field names.
 *
 * The tri-state of configuration.txt §7.1.6/§7.2: a fetch that cannot answer
 * *yet* (not enough payload) returns {@link MISS} instead of "not found";
 * a found sample that may still change carries F_MAY_CHANGE. Unless the
 * caller sets `final` (HAProxy's SMP_OPT_FINAL: inspect-delay expired,
 * buffer full, or the client closed), conditions built on such samples
 * evaluate to 'miss' so that `tcp-request content` rules wait for more data.
 */
import { accountedClear, accountedDelete, accountedSet, newCounter, processVarCounter, varLimits, type VarCounter } from './var-limits.js';
import type { Sample } from './sample.js';

/** "The fetch could not answer yet, more data may change that" (SMP_F_MAY_CHANGE on a failed fetch). */
export const MISS: unique symbol = Symbol('sample-miss');
export type Miss = typeof MISS;

/** The result of a compiled expression: a sample, not found (undefined), or not known yet. */
export type SampleResult = Sample | undefined | Miss;

// ---------------------------------------------------------------------------
// Views on runtime objects (read-only; the runtime classes implement them)
// ---------------------------------------------------------------------------

/** A server, as `Server` in src/server/server.ts exposes it. */
export interface ServerView {
  readonly name: string;
  /** haproxy's puid: the `id` keyword or the 1-based position. */
  readonly id: number;
  /** 0 means unlimited. */
  readonly maxconn: number;
  /** 0 means unlimited. */
  readonly maxqueue: number;
  readonly backup: boolean;
  /** Connections established or being established (haproxy's cur_sess/served). */
  readonly served: number;
  readonly uweight: number;
  readonly eweight: number;
  readonly state: 'UP' | 'DOWN' | 'MAINT';
  readonly queue: { readonly length: number };
  readonly config: { readonly weight?: number | undefined };
  /** Session rate over the last second, when the runtime measures it (srv_sess_rate). */
  readonly sessRate?: number;
}

/** Counters shared by frontends and backends (src/proxy/runtime.ts ProxyCounters). */
export interface ProxyCountersView {
  readonly curConns: number;
  /** Rates over the last second, when the runtime measures them (fe_sess_rate, be_sess_rate, fe_req_rate). */
  readonly sessRate?: number;
  readonly reqRate?: number;
}

/** The parts of a proxy's configuration the fetches read (src/config/model/proxy.ts ProxyConfig). */
export interface ProxyConfigView {
  readonly name: string;
  /** The `id` keyword. HAProxy numbers the other proxies in declaration order: see `uuid`. */
  readonly id?: number | undefined;
  readonly options: { get(name: string): boolean | undefined };
  readonly timeouts?: { readonly client?: number | undefined; readonly server?: number | undefined; readonly tunnel?: number | undefined };
  /** `default_backend` (fe_defbe). */
  readonly defaultBackend?: { readonly name: string } | undefined;
}

/** A backend, as `Backend` in src/proxy/runtime.ts exposes it. */
export interface BackendView {
  readonly name: string;
  readonly config: ProxyConfigView;
  /** haproxy's px->uuid when the runtime assigns it (declaration order, skipping explicit ids). */
  readonly uuid?: number;
  readonly servers: readonly ServerView[];
  readonly queue: { readonly length: number };
  readonly counters: ProxyCountersView;
  /** Usable active and backup servers (srv_act / srv_bck). */
  readonly activeCount: number;
  readonly backupCount: number;
  /** Set when the backend is disabled/stopped: nbsrv is then 0. */
  readonly disabled?: boolean;
}

/** A frontend, as `Frontend` in src/proxy/runtime.ts exposes it. */
export interface FrontendView {
  readonly name: string;
  readonly config: ProxyConfigView;
  readonly uuid?: number;
  readonly counters: ProxyCountersView;
}

/** A listening socket, as `Listener` in src/net/listener.ts exposes it. */
export interface ListenerView {
  readonly spec: { readonly bind: { readonly name?: string | undefined; readonly id?: number | undefined } };
  /** haproxy's luid when the runtime assigns it (1-based position in the frontend, skipping explicit ids). */
  readonly luid?: number;
  /** Connections currently established through this socket (dst_conn). */
  readonly curConns?: number;
}

/** One end of a TCP connection, as Node reports it (`remoteAddress`, `remotePort`...). */
export interface Endpoint {
  /** Textual address: "127.0.0.1", "::1", "::ffff:10.0.0.1". */
  readonly address: string;
  readonly port: number;
}

/** The bytes of one direction seen so far (HAProxy's channel input). */
export interface PayloadView {
  /** Data is `buf[0 .. len)`; fetches return views into it, never copies. */
  readonly buf: Buffer;
  readonly len: number;
}

/** Variable storage of one scope (vars.c), keyed by the name without its scope. */
export interface VarStore {
  get(name: string): Sample | undefined;
  set(name: string, value: Sample): void;
  delete(name: string): void;
}

/** Variable scopes (configuration.txt §4.2 "set-var"). */
export type VarScope = 'proc' | 'sess' | 'txn' | 'req' | 'res' | 'check';

/** Fields of a received PROXY protocol header (fc_rcvd_proxy, fc_pp_*). */
export interface ProxyProtocolInfo {
  readonly authority?: string;
  readonly uniqueId?: string;
}

/** Placeholder for the HTTP message the layer-7 fetches will read (filled by src/http/). */
export interface HttpSlot {
  /** HTTP major version of the client connection (fc_http_major): 1 or 2. */
  readonly clientMajor?: number;
}

/**
 * Everything a fetch may read. Fields are optional where a stage does not
 * have them yet (no backend before switching, no server before balancing):
 * a fetch whose data is absent answers "not found".
 */
export interface SampleContext {
  /** Client address and destination as seen by rules (after a PROXY header when accepted). */
  readonly src?: Endpoint | undefined;
  readonly dst?: Endpoint | undefined;
  /** The real TCP endpoints of the client connection (fc_src/fc_dst); default to src/dst. */
  readonly fcSrc?: Endpoint | undefined;
  readonly fcDst?: Endpoint | undefined;
  /** The server-side connection (bc_src/bc_dst), once established. */
  readonly bcSrc?: Endpoint | undefined;
  readonly bcDst?: Endpoint | undefined;
  readonly proxyProtocol?: ProxyProtocolInfo | undefined;

  readonly frontend?: FrontendView | undefined;
  readonly listener?: ListenerView | undefined;
  readonly backend?: BackendView | undefined;
  readonly server?: ServerView | undefined;

  /** Request and response bytes seen so far (layer-6 fetches). */
  readonly req?: PayloadView | undefined;
  readonly res?: PayloadView | undefined;
  /**
   * HAProxy's SMP_OPT_FINAL: no more data will be waited for (inspect-delay
   * expired, buffer full, input closed, or an HTTP rule). Misses then count
   * as false and `wait_end` matches.
   */
  readonly final: boolean;
  /** Whether the expression is evaluated for the response (payload() picks res). */
  readonly response?: boolean;

  /** The variable store of a scope; undefined when that scope does not exist here. */
  vars(scope: VarScope): VarStore | undefined;

  /**
   * The stream's applied server/tunnel timeouts in ms (cur_server_timeout,
   * cur_tunnel_timeout): set when the server connection applies them or by
   * `set-timeout` rules; HAProxy reports 0 before that.
   */
  readonly curServerTimeout?: number;
  readonly curTunnelTimeout?: number;
  /** Set by `set-priority-class` / `set-priority-offset`. */
  readonly prioClass?: number;
  readonly prioOffset?: number;
  /** The last final rule (last_rule_file / last_rule_line). */
  readonly lastRule?: { readonly file: string; readonly line: number } | undefined;
  /** Client connection error code (fc_err), 0 when none. */
  readonly fcErr?: number;

  readonly http?: HttpSlot | undefined;
}

// ---------------------------------------------------------------------------
// Helpers for the data plane and tests
// ---------------------------------------------------------------------------

/**
 * A Map-backed variable store. With `tune.vars.*-max-size` limits
 * configured, its sets and removals are counted along `chain`, its own
 * level first (var-limits.ts).
 */
export class MapVarStore implements VarStore {
  private readonly map = new Map<string, Sample>();
  constructor(private readonly chain?: readonly VarCounter[]) {}
  get(name: string): Sample | undefined {
    return this.map.get(name);
  }
  set(name: string, value: Sample): void {
    if (this.chain === undefined) this.map.set(name, value);
    else accountedSet(this.map, this.chain, name, value);
  }
  delete(name: string): void {
    if (this.chain === undefined) this.map.delete(name);
    else accountedDelete(this.map, this.chain, name);
  }
  clear(): void {
    if (this.chain === undefined) this.map.clear();
    else accountedClear(this.map, this.chain);
  }
  get size(): number {
    return this.map.size;
  }
}

/** The process-wide `proc.` scope (vars.c proc_vars): one per process, counted once limits are configured. */
let procStore = new MapVarStore();
let procCounter: VarCounter | undefined;
function procVars(): MapVarStore {
  const c = processVarCounter();
  if (c !== procCounter) {
    procCounter = c;
    procStore = new MapVarStore(c === undefined ? undefined : [c]);
  }
  return procStore;
}

/**
 * The variable scopes of one stream: `sess` (the connection), `txn` (request
 * and response of one transaction), `req`, `res`, `check`, and the shared
 * `proc`. Stores are created on first use, so a stream without variables
 * allocates none. With limits configured (var-limits.ts) req and res count
 * in one `reqres` level, then txn, sess and the process; the owner calls
 * release() when the connection ends.
 */
export class StreamVars {
  private sess: MapVarStore | undefined;
  private txn: MapVarStore | undefined;
  private reqs: MapVarStore | undefined;
  private ress: MapVarStore | undefined;
  private chk: MapVarStore | undefined;
  /** The accounting levels, created with the first store when limits are configured. */
  private levels: { reqres: VarCounter[]; txn: VarCounter[]; sess: VarCounter[] } | undefined;

  /** The chains of counters of this stream's scopes, or undefined when variables are not counted. */
  private chains(): { reqres: VarCounter[]; txn: VarCounter[]; sess: VarCounter[] } | undefined {
    if (this.levels !== undefined) return this.levels;
    const limits = varLimits();
    const proc = processVarCounter();
    if (limits === undefined || proc === undefined) return undefined;
    const sess = newCounter(limits.sess);
    const txn = newCounter(limits.txn);
    const reqres = newCounter(limits.reqres);
    return (this.levels = { reqres: [reqres, txn, sess, proc], txn: [txn, sess, proc], sess: [sess, proc] });
  }

  scope(scope: VarScope): VarStore {
    switch (scope) {
      case 'proc':
        return procVars();
      case 'sess':
        return (this.sess ??= new MapVarStore(this.chains()?.sess));
      case 'txn':
        return (this.txn ??= new MapVarStore(this.chains()?.txn));
      case 'req':
        return (this.reqs ??= new MapVarStore(this.chains()?.reqres));
      case 'res':
        return (this.ress ??= new MapVarStore(this.chains()?.reqres));
      case 'check':
        return (this.chk ??= new MapVarStore());
    }
  }

  /** Ends a transaction: `txn`, `req` and `res` variables are dropped (vars.c vars_prune). */
  endTransaction(): void {
    this.txn?.clear();
    this.reqs?.clear();
    this.ress?.clear();
  }

  /** The connection ended: every variable is dropped, and with limits its bytes are given back. */
  release(): void {
    this.endTransaction();
    this.sess?.clear();
  }
}

/**
 * A plain SampleContext with every field settable: for tests, the CLI and
 * places without a stream (configuration-time evaluation of constants).
 */
export class BasicSampleContext implements SampleContext {
  src?: Endpoint | undefined;
  dst?: Endpoint | undefined;
  fcSrc?: Endpoint | undefined;
  fcDst?: Endpoint | undefined;
  bcSrc?: Endpoint | undefined;
  bcDst?: Endpoint | undefined;
  proxyProtocol?: ProxyProtocolInfo | undefined;
  frontend?: FrontendView | undefined;
  listener?: ListenerView | undefined;
  backend?: BackendView | undefined;
  server?: ServerView | undefined;
  req?: PayloadView | undefined;
  res?: PayloadView | undefined;
  final = true;
  response = false;
  curServerTimeout?: number;
  curTunnelTimeout?: number;
  prioClass?: number;
  prioOffset?: number;
  lastRule?: { readonly file: string; readonly line: number } | undefined;
  fcErr?: number;
  http?: HttpSlot | undefined;
  readonly variables: StreamVars;

  constructor(init: Partial<Omit<BasicSampleContext, 'vars' | 'variables'>> = {}, variables: StreamVars = new StreamVars()) {
    Object.assign(this, init);
    this.variables = variables;
  }

  vars(scope: VarScope): VarStore | undefined {
    return this.variables.scope(scope);
  }
}
