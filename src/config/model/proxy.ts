/**
 * The proxies: `defaults`, `frontend`, `backend` and `listen` sections
 * (configuration.txt §4). A proxy copies its defaults section when it is
 * created (§4 "defaults"), so every inheritable field lives here, once.
 */
import type { Directive, Millis, Place } from './common.js';
import type { BindConfig } from './bind.js';
import type { ServerConfig, ServerOptions } from './server.js';
import type { LogTargetConfig } from './global.js';
import type { Condition } from '../../acl/condition.js';
import type { AclDefinition } from '../../acl/acl.js';
import type { SampleExpression } from '../../sample/expression.js';
import type { LogFormat } from '../../sample/log-format.js';

export type ProxyKind = 'defaults' | 'frontend' | 'backend' | 'listen';
export type ProxyMode = 'tcp' | 'http' | 'health' | 'log';

/** A proxy's capabilities, as haproxy's PR_CAP_FE / PR_CAP_BE. */
export interface ProxyCapabilities {
  readonly frontend: boolean;
  readonly backend: boolean;
  readonly defaults: boolean;
}

export interface Timeouts {
  client?: Millis | undefined;
  server?: Millis | undefined;
  connect?: Millis | undefined;
  queue?: Millis | undefined;
  tunnel?: Millis | undefined;
  httpRequest?: Millis | undefined;
  httpKeepAlive?: Millis | undefined;
  check?: Millis | undefined;
  clientFin?: Millis | undefined;
  serverFin?: Millis | undefined;
  tarpit?: Millis | undefined;
}

/** `balance <algorithm> [<arguments>]` and `hash-type`. */
export interface BalanceConfig {
  algorithm: string;
  args: string[];
  place: Place;
  /** `balance hash <expr>`: the expression, parsed once every section is read (haproxy does it in check_config_validity). */
  expression?: SampleExpression | undefined;
}

export interface HashTypeConfig {
  method: 'map-based' | 'consistent';
  function: 'sdbm' | 'djb2' | 'wt6' | 'crc32' | 'none';
  avalanche: boolean;
}

/** One rule of a rule set (`http-request deny if x`, `tcp-request content accept`, ...). */
export interface RuleConfig {
  readonly place: Place;
  /** The action keyword: 'deny', 'set-header', 'accept', ... */
  readonly action: string;
  /** The action's own arguments, checked by its parser (log-format strings, expressions...). */
  readonly args: readonly string[];
  /** Parsed pieces an action may need (e.g. a log-format value, an expression). */
  readonly expressions?: readonly SampleExpression[] | undefined;
  readonly formats?: readonly LogFormat[] | undefined;
  readonly cond?: Condition | undefined;
}

/** Rule sets in evaluation order; names follow the directives. */
export interface RuleSets {
  tcpRequestConnection: RuleConfig[];
  tcpRequestSession: RuleConfig[];
  tcpRequestContent: RuleConfig[];
  tcpResponseContent: RuleConfig[];
  httpRequest: RuleConfig[];
  httpResponse: RuleConfig[];
  httpAfterResponse: RuleConfig[];
  /** The legacy `redirect` keyword (and `block`), kept apart because haproxy evaluates them at their own step. */
  redirect: RuleConfig[];
}

/** `use_backend <name|log-format> [if|unless cond]`. */
export interface BackendSwitchRule {
  readonly place: Place;
  /** Static backend name, or a log-format when the name contains `%[`. */
  readonly name: string;
  /** Filled by the post-parse checks for dynamic names (haproxy parses them in check_config_validity). */
  dynamic?: LogFormat | undefined;
  readonly cond?: Condition | undefined;
}

/** `use-server <server> [if|unless cond]`. */
export interface ServerSwitchRule {
  readonly place: Place;
  readonly server: string;
  readonly cond?: Condition | undefined;
}

/** `monitor fail`, `force-persist`, `ignore-persist`, `stats admin`: a condition and where it was written. */
export interface ConditionalRule {
  readonly place: Place;
  readonly cond: Condition;
}

/** How HTTP connections are handled (configuration.txt §4 "KAL/SCL/CLO"); keep-alive when unset. */
export type HttpConnectionMode = 'keep-alive' | 'server-close' | 'close';

/**
 * A log format as set by `option httplog`/`tcplog`/`httpslog` or `log-format`
 * (also used for `log-format-sd`, `error-log-format`, `unique-id-format`).
 */
export interface LogFormatSetting {
  /** Where the format comes from; the built-in formats carry haproxy's text in `text`. */
  readonly origin: 'httplog' | 'httplog clf' | 'tcplog' | 'httpslog' | 'custom';
  readonly text: string;
  readonly place: Place;
  /** Parsed once every section is read, with the proxy's final mode (haproxy parses them in check_config_validity). */
  parsed?: LogFormat | undefined;
}

/** `capture cookie|request header|response header` and `declare capture`. */
export interface CaptureConfig {
  readonly place: Place;
  readonly kind: 'cookie' | 'request' | 'response';
  /** Cookie or header name; absent for `declare capture` slots. */
  readonly name?: string | undefined;
  readonly length: number;
  readonly declared: boolean;
}

/** `cookie <name> [rewrite|insert|prefix] [indirect] [nocache] ...` (configuration.txt §4.2 "cookie"). */
export interface CookieConfig {
  readonly place: Place;
  name: string;
  mode?: 'rewrite' | 'insert' | 'prefix' | undefined;
  indirect: boolean;
  nocache: boolean;
  postonly: boolean;
  preserve: boolean;
  httponly: boolean;
  secure: boolean;
  dynamic: boolean;
  domains: string[];
  /** Seconds. */
  maxIdle?: number | undefined;
  /** Seconds. */
  maxLife?: number | undefined;
  attrs: string[];
}

/** `stick-table type <type> size <size> ...` (configuration.txt §4.2 "stick-table"). */
export interface StickTableConfig {
  readonly place: Place;
  /** The table's name: the proxy name. */
  readonly name: string;
  type: 'ip' | 'ipv6' | 'integer' | 'string' | 'binary';
  /** Key length in bytes for string and binary keys. */
  keyLength?: number | undefined;
  size: number;
  expire?: Millis | undefined;
  nopurge: boolean;
  peers?: string | undefined;
  srvkey?: 'name' | 'addr' | undefined;
  /** Stored data types with their argument (`http_req_rate(10s)` → ['http_req_rate', '10s']). */
  store: { type: string; arg?: string | undefined }[];
}

/** `stick on|match|store-request|store-response <pattern> [table <t>] [if|unless cond]`. */
export interface StickRuleConfig {
  readonly place: Place;
  readonly kind: 'on' | 'match' | 'store-request' | 'store-response';
  readonly expression: SampleExpression;
  /** Table name when given; otherwise the proxy's own table. */
  readonly table?: string | undefined;
  readonly cond?: Condition | undefined;
}

/**
 * Error page settings, in the order written: `errorfile`, `errorloc302`
 * (also `errorloc`), `errorloc303`, `errorfiles` and `http-error`.
 */
export interface ErrorPageConfig {
  readonly place: Place;
  readonly kind: 'errorfile' | 'errorloc302' | 'errorloc303' | 'errorfiles' | 'http-error';
  readonly status?: number | undefined;
  /** errorfile: the file name; errorloc*: the URL. */
  readonly target?: string | undefined;
  /** errorfile: the file contents as read at load time. */
  readonly content?: Buffer | undefined;
  /** errorfiles: the http-errors section and the statuses taken from it (all when empty). */
  readonly section?: string | undefined;
  readonly statuses?: readonly number[] | undefined;
  /** http-error: the reply arguments after the status. */
  readonly args?: readonly string[] | undefined;
}

/** The stats page of a proxy (`stats *`, configuration.txt §4.2). */
export interface StatsConfig {
  enabled: boolean;
  place?: Place | undefined;
  uri?: string | undefined;
  realm?: string | undefined;
  auths: string[];
  scopes: string[];
  refresh?: Millis | undefined;
  hideVersion: boolean;
  showLegends: boolean;
  showModules: boolean;
  /** `true` when given without a name (the global node name is used). */
  showNode?: string | true | undefined;
  showDesc?: string | true | undefined;
  admin: ConditionalRule[];
  httpRequest: Directive[];
}

/** `email-alert from|to|mailers|level|myhostname`. */
export interface EmailAlertConfig {
  from?: string | undefined;
  to?: string | undefined;
  mailers?: string | undefined;
  level?: string | undefined;
  myhostname?: string | undefined;
  place?: Place | undefined;
}

/** `option forwardfor` / `option originalto`. */
export interface AddressHeaderOption {
  readonly header: string;
  /** The `except` network as written (`10.0.0.0/8`, `::1`). */
  readonly except?: string | undefined;
  /** forwardfor only: add the header only when absent. */
  readonly ifNone: boolean;
  readonly place: Place;
}

/** TCP keep-alive tuning (`clitcpka-*`, `srvtcpka-*`). */
export interface TcpKeepAliveTuning {
  clientCount?: number | undefined;
  clientIdle?: Millis | undefined;
  clientInterval?: Millis | undefined;
  serverCount?: number | undefined;
  serverIdle?: Millis | undefined;
  serverInterval?: Millis | undefined;
}

export interface ProxyConfig {
  readonly kind: ProxyKind;
  /** Empty for an anonymous defaults section. */
  readonly name: string;
  readonly place: Place;
  readonly cap: ProxyCapabilities;
  /** The defaults section this proxy was built from (`from <name>`, or the last one above). */
  readonly from?: string | undefined;
  /** Where that defaults section was declared (undefined for haproxy's built-in defaults). */
  fromPlace?: Place | undefined;
  mode: ProxyMode;
  /** Where `mode` was last set, for mode mismatch messages. */
  modePlace?: Place | undefined;
  id?: number | undefined;
  idPlace?: Place | undefined;
  disabled: boolean;
  description?: string | undefined;

  binds: BindConfig[];
  servers: ServerConfig[];
  defaultServer: ServerOptions;

  maxconn?: number | undefined;
  fullconn?: number | undefined;
  backlog?: number | undefined;
  retries?: number | undefined;
  retryOn?: string[] | undefined;
  /** `option redispatch [<interval>]`: -1 redispatches on the last retry, 0 disables (`no option redispatch`). */
  redispatchAfter?: number | undefined;
  timeouts: Timeouts;
  balance?: BalanceConfig | undefined;
  hashType?: HashTypeConfig | undefined;
  hashBalanceFactor?: number | undefined;
  /**
   * `option X` / `no option X`, by option name ("httplog", "forwardfor", ...).
   * `true` for `option`, `false` for `no option`; arguments of options that take
   * them are in `optionArgs`.
   */
  options: Map<string, boolean>;
  optionArgs: Map<string, readonly string[]>;
  /** Where each option was last set, for the post-parse checks. */
  optionPlaces: Map<string, Place>;
  httpConnectionMode?: HttpConnectionMode | undefined;
  forwardFor?: AddressHeaderOption | undefined;
  originalTo?: AddressHeaderOption | undefined;

  acls: Map<string, AclDefinition>;
  rules: RuleSets;
  /**
   * Rules of the named defaults section this proxy was built from: haproxy
   * evaluates them before the proxy's own (configuration.txt §4 "defaults",
   * rules in named defaults sections).
   */
  defaultsRules?: RuleSets | undefined;
  useBackends: BackendSwitchRule[];
  defaultBackend?: { name: string; place: Place } | undefined;
  useServers: ServerSwitchRule[];

  /** Log targets (`log ...`); `no log` empties the list inherited from defaults. */
  logs: LogTargetConfig[];
  logFormat?: LogFormatSetting | undefined;
  logFormatSd?: LogFormatSetting | undefined;
  errorLogFormat?: LogFormatSetting | undefined;
  logTag?: string | undefined;
  uniqueIdFormat?: LogFormatSetting | undefined;
  uniqueIdHeader?: string | undefined;
  captures: CaptureConfig[];
  monitorUri?: string | undefined;
  monitorFail: ConditionalRule[];

  cookie?: CookieConfig | undefined;
  dynamicCookieKey?: string | undefined;
  stickTable?: StickTableConfig | undefined;
  stickRules: StickRuleConfig[];
  /** `persist rdp-cookie[(name)]`: the cookie name ('msts' by default). */
  persistRdpCookie?: string | undefined;
  forcePersist: ConditionalRule[];
  ignorePersist: ConditionalRule[];

  errorPages: ErrorPageConfig[];
  httpReuse?: 'never' | 'safe' | 'aggressive' | 'always' | undefined;
  httpSendNameHeader?: string | undefined;
  maxKeepAliveQueue?: number | undefined;
  maxSessionServerConns?: number | undefined;
  rateLimitSessions?: number | undefined;
  tcpKeepAlive: TcpKeepAliveTuning;

  /** `http-check ...` and `tcp-check ...` lines, checked, in order. */
  httpChecks: Directive[];
  tcpChecks: Directive[];
  externalCheck: { command?: string | undefined; path?: string | undefined; place?: Place | undefined };
  emailAlert: EmailAlertConfig;
  stats: StatsConfig;
  compression: { algorithms?: string[] | undefined; types?: string[] | undefined; offload: boolean };
  filters: Directive[];
  serverStateFileName?: string | undefined;
  loadServerStateFromFile?: 'global' | 'local' | 'none' | undefined;
  /** `source`, `dispatch`, `transparent`: checked, kept for the connection layer. */
  source?: Directive | undefined;
  dispatch?: Directive | undefined;

  /** Every other keyword, checked and kept in order (enforced by later subsystems). */
  directives: Directive[];
}

function emptyRules(): RuleSets {
  return {
    tcpRequestConnection: [],
    tcpRequestSession: [],
    tcpRequestContent: [],
    tcpResponseContent: [],
    httpRequest: [],
    httpResponse: [],
    httpAfterResponse: [],
    redirect: [],
  };
}

/** True when any rule set has at least one rule. */
export function hasRules(r: RuleSets): boolean {
  return Object.values(r).some((list: RuleConfig[]) => list.length > 0);
}

/** A fresh proxy with haproxy's built-in defaults (mode tcp, no timeouts, roundrobin). */
export function createProxy(kind: ProxyKind, name: string, place: Place, from?: string): ProxyConfig {
  return {
    kind,
    name,
    place,
    cap: {
      frontend: kind === 'frontend' || kind === 'listen' || kind === 'defaults',
      backend: kind === 'backend' || kind === 'listen' || kind === 'defaults',
      defaults: kind === 'defaults',
    },
    from,
    mode: 'tcp',
    disabled: false,
    binds: [],
    servers: [],
    defaultServer: {},
    timeouts: {},
    options: new Map(),
    optionArgs: new Map(),
    optionPlaces: new Map(),
    acls: new Map(),
    rules: emptyRules(),
    useBackends: [],
    useServers: [],
    logs: [],
    captures: [],
    monitorFail: [],
    stickRules: [],
    forcePersist: [],
    ignorePersist: [],
    errorPages: [],
    tcpKeepAlive: {},
    httpChecks: [],
    tcpChecks: [],
    externalCheck: {},
    emailAlert: {},
    stats: {
      enabled: false, auths: [], scopes: [], hideVersion: false, showLegends: false, showModules: false, admin: [], httpRequest: [],
    },
    compression: { offload: false },
    filters: [],
    directives: [],
  };
}

/**
 * Builds a proxy from its defaults section, as cfgparse-listen.c copies it:
 * frontend settings only into proxies with a frontend side, backend settings
 * only into proxies with a backend side, the rest into all. ACLs, rules,
 * binds, servers, captures, stick tables and switching rules are not copied
 * (a named defaults section's rules are referenced through `defaultsRules`).
 */
export function createProxyFrom(
  kind: ProxyKind, name: string, place: Place, defaults: ProxyConfig | undefined, from?: string,
): ProxyConfig {
  const p = createProxy(kind, name, place, from);
  if (defaults === undefined) return p;
  const d = defaults;
  p.fromPlace = d.place;
  p.mode = d.mode;
  p.modePlace = d.modePlace;
  p.disabled = d.disabled;
  if (p.cap.frontend) {
    p.maxconn = d.maxconn;
    p.backlog = d.backlog;
    p.rateLimitSessions = d.rateLimitSessions;
    p.maxSessionServerConns = d.maxSessionServerConns;
    p.tcpKeepAlive.clientCount = d.tcpKeepAlive.clientCount;
    p.tcpKeepAlive.clientIdle = d.tcpKeepAlive.clientIdle;
    p.tcpKeepAlive.clientInterval = d.tcpKeepAlive.clientInterval;
    p.timeouts.client = d.timeouts.client;
    p.timeouts.clientFin = d.timeouts.clientFin;
    p.monitorUri = d.monitorUri;
    p.defaultBackend = d.defaultBackend;
    p.logFormat = d.logFormat ? { ...d.logFormat } : undefined;
    p.logFormatSd = d.logFormatSd ? { ...d.logFormatSd } : undefined;
    p.errorLogFormat = d.errorLogFormat ? { ...d.errorLogFormat } : undefined;
  }
  if (p.cap.backend) {
    p.defaultServer = { ...d.defaultServer, options: d.defaultServer.options ? [...d.defaultServer.options] : undefined };
    p.fullconn = d.fullconn;
    p.retries = d.retries;
    p.retryOn = d.retryOn ? [...d.retryOn] : undefined;
    p.redispatchAfter = d.redispatchAfter;
    p.maxKeepAliveQueue = d.maxKeepAliveQueue;
    p.balance = d.balance ? { ...d.balance, args: [...d.balance.args] } : undefined;
    p.hashType = d.hashType ? { ...d.hashType } : undefined;
    p.hashBalanceFactor = d.hashBalanceFactor;
    p.httpChecks = [...d.httpChecks];
    p.tcpChecks = [...d.tcpChecks];
    p.externalCheck = { ...d.externalCheck };
    p.tcpKeepAlive.serverCount = d.tcpKeepAlive.serverCount;
    p.tcpKeepAlive.serverIdle = d.tcpKeepAlive.serverIdle;
    p.tcpKeepAlive.serverInterval = d.tcpKeepAlive.serverInterval;
    p.timeouts.connect = d.timeouts.connect;
    p.timeouts.server = d.timeouts.server;
    p.timeouts.serverFin = d.timeouts.serverFin;
    p.timeouts.check = d.timeouts.check;
    p.timeouts.queue = d.timeouts.queue;
    p.timeouts.tunnel = d.timeouts.tunnel;
    p.source = d.source;
    p.httpSendNameHeader = d.httpSendNameHeader;
    p.persistRdpCookie = d.persistRdpCookie;
    p.serverStateFileName = d.serverStateFileName;
    p.loadServerStateFromFile = d.loadServerStateFromFile;
  }
  // Both sides use these timeouts (proxy.c gives them PR_CAP_FE | PR_CAP_BE).
  p.timeouts.tarpit = d.timeouts.tarpit;
  p.timeouts.httpRequest = d.timeouts.httpRequest;
  p.timeouts.httpKeepAlive = d.timeouts.httpKeepAlive;
  p.options = new Map(d.options);
  p.optionArgs = new Map(d.optionArgs);
  p.optionPlaces = new Map(d.optionPlaces);
  p.httpConnectionMode = d.httpConnectionMode;
  p.forwardFor = d.forwardFor;
  p.originalTo = d.originalTo;
  p.logs = [...d.logs];
  p.logTag = d.logTag;
  p.uniqueIdFormat = d.uniqueIdFormat ? { ...d.uniqueIdFormat } : undefined;
  p.uniqueIdHeader = d.uniqueIdHeader;
  p.cookie = d.cookie ? { ...d.cookie, domains: [...d.cookie.domains], attrs: [...d.cookie.attrs] } : undefined;
  p.dynamicCookieKey = d.dynamicCookieKey;
  p.errorPages = [...d.errorPages];
  p.httpReuse = d.httpReuse;
  p.emailAlert = { ...d.emailAlert };
  const s = d.stats;
  p.stats = { ...s, auths: [...s.auths], scopes: [...s.scopes], admin: [...s.admin], httpRequest: [...s.httpRequest] };
  p.compression = {
    algorithms: d.compression.algorithms ? [...d.compression.algorithms] : undefined,
    types: d.compression.types ? [...d.compression.types] : undefined,
    offload: d.compression.offload,
  };
  if (hasRules(d.rules)) p.defaultsRules = d.rules;
  return p;
}
