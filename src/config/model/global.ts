/** The `global` section (configuration.txt §3). */
import type { Directive, Millis, Place } from './common.js';
import type { SocketAddress } from './address.js';
import type { BindConfig } from './bind.js';
import type { SampleExpression } from '../../sample/expression.js';

/** Syslog facilities in haproxy's order (src/log.c log_facilities[]); the index is the facility number. */
export const LOG_FACILITIES = [
  'kern', 'user', 'mail', 'daemon', 'auth', 'syslog', 'lpr', 'news',
  'uucp', 'cron', 'auth2', 'ftp', 'ntp', 'audit', 'alert', 'cron2',
  'local0', 'local1', 'local2', 'local3', 'local4', 'local5', 'local6', 'local7',
] as const;
export type LogFacility = (typeof LOG_FACILITIES)[number];

/** Syslog levels, most severe first (src/log.c log_levels[]); the index is the level number. */
export const LOG_LEVELS = ['emerg', 'alert', 'crit', 'err', 'warning', 'notice', 'info', 'debug'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** `format` of a log target or ring (configuration.txt §4.2 "log"). */
export const LOG_FORMATS = ['local', 'rfc3164', 'rfc5424', 'priority', 'short', 'timed', 'iso', 'raw'] as const;
export type LogFormatName = (typeof LOG_FORMATS)[number];

/**
 * Where a log line goes. haproxy sends to a datagram address (udp, unix dgram),
 * writes to an inherited fd (`fd@N`, `stdout`, `stderr`), or into a ring
 * (`ring@name`, and stream addresses like `tcp@` which get an implicit ring).
 */
export type LogTarget =
  | { readonly kind: 'dgram'; readonly address: SocketAddress }
  | { readonly kind: 'fd'; readonly fd: number }
  | { readonly kind: 'ring'; readonly ring: string }
  | { readonly kind: 'stream'; readonly address: SocketAddress };

/** One `sample <ranges>:<size>` range: send the lines numbered low..high (1-based) of every `size`. */
export interface LogSampleRange {
  readonly low: number;
  readonly high: number;
}

/** A `log <target> [len <n>] [format <f>] [sample <r>:<s>] <facility> [<level> [<minlevel>]]` line. */
export interface LogTargetConfig {
  readonly place: Place;
  readonly target: LogTarget;
  /** The address as written (`stdout`, `127.0.0.1:514`, `ring@buf`...). */
  readonly text: string;
  readonly facility: LogFacility;
  /** Most verbose level sent (default `debug`). */
  readonly level: LogLevel;
  /** Least verbose level: more severe messages are sent at this level (default `emerg`). */
  readonly minLevel: LogLevel;
  readonly format: LogFormatName;
  /** True when `format` was written: haproxy 2.6 then puts a host name ("localhost" by default) in rfc3164 headers. */
  readonly formatGiven?: boolean | undefined;
  /** Maximum line length (`len`, default 1024). */
  readonly maxLength: number;
  readonly sample?: { readonly ranges: readonly LogSampleRange[]; readonly size: number } | undefined;
  /**
   * Set on the copies a proxy's `log global` makes of the global lines known
   * at that point (haproxy copies the list then, src/log.c parse_logsrv()).
   */
  readonly fromGlobal?: LogTargetConfig | undefined;
}

/** `stats socket <address> [bind options]` (configuration.txt §3.1 "stats socket"). */
export interface StatsSocketConfig {
  readonly place: Place;
  /** The first address of the line (a line may list several, see `bind.addresses`). */
  readonly address: SocketAddress;
  /** The line as a bind line: addresses and every option, checked by the bind option parsers. */
  readonly bind: BindConfig;
  level: 'user' | 'operator' | 'admin';
  /** `expose-fd listeners`: the master may fetch the listening sockets (seamless reload). */
  exposeFdListeners: boolean;
  severityOutput: 'none' | 'number' | 'string';
  /** Every option of the line, checked, in order. */
  readonly options: Directive[];
}

/** `setenv`/`presetenv`/`unsetenv`/`resetenv`, applied while parsing and kept for the record. */
export interface EnvChange {
  readonly place: Place;
  readonly op: 'setenv' | 'presetenv' | 'unsetenv' | 'resetenv';
  readonly args: readonly string[];
}

export interface GlobalConfig {
  place?: Place | undefined;
  daemon: boolean;
  masterWorker: boolean;
  /** `master-worker no-exit-on-failure`. */
  masterWorkerNoExitOnFailure?: boolean | undefined;
  /** `quiet`: no messages at startup (same as `-q`). */
  quiet: boolean;
  /** `zero-warning`: refuse to start when a warning was emitted (same as `-dW`). */
  zeroWarning: boolean;
  /** `expose-experimental-directives`: experimental actions and keywords may be used. */
  experimentalDirectives: boolean;
  maxconn?: number | undefined;
  nbthread?: number | undefined;
  pidfile?: string | undefined;
  user?: string | undefined;
  group?: string | undefined;
  uid?: number | undefined;
  gid?: number | undefined;
  chroot?: string | undefined;
  /** `ulimit-n`. */
  ulimitN?: number | undefined;
  localPeer?: string | undefined;
  hardStopAfter?: Millis | undefined;
  /** `grace <time>`: how long to keep accepting after a soft stop. */
  gracefulStop?: Millis | undefined;
  closeSpreadTime?: Millis | 'infinite' | undefined;
  spreadChecks?: number | undefined;
  maxSpreadChecks?: Millis | undefined;
  description?: string | undefined;
  node?: string | undefined;
  caBase?: string | undefined;
  crtBase?: string | undefined;
  serverStateBase?: string | undefined;
  serverStateFile?: string | undefined;
  /** Rate limits per second (`maxconnrate`, `maxsessrate`, `maxsslrate`). */
  maxConnRate?: number | undefined;
  maxSessRate?: number | undefined;
  maxSslRate?: number | undefined;
  maxSslConn?: number | undefined;
  logs: LogTargetConfig[];
  logTag?: string | undefined;
  /** `log-send-hostname [<name>]`: the name (the machine's host name when omitted). */
  logSendHostname?: string | undefined;
  statsSockets: StatsSocketConfig[];
  statsTimeout?: Millis | undefined;
  statsMaxconn?: number | undefined;
  /** Lua files to load, in order (`lua-load`, `lua-load-per-thread`). */
  luaLoads: { readonly file: string; readonly perThread: boolean; readonly place: Place }[];
  /** Environment changes made by the section, in order. */
  envChanges: EnvChange[];
  /** `tune.*` settings by name, with their checked value (bytes, counts, milliseconds or flags). */
  tune: Map<string, number | string | boolean>;
  /** `set-var proc.<name> <expr>` lines, in order: run once at startup (src/proxy/runtime.ts). */
  procVars?: { readonly name: string; readonly expr: SampleExpression; readonly place: Place }[] | undefined;
  /** Every other keyword, checked and kept in order. */
  directives: Directive[];
}

export function createGlobal(): GlobalConfig {
  return {
    daemon: false,
    masterWorker: false,
    quiet: false,
    zeroWarning: false,
    experimentalDirectives: false,
    logs: [],
    statsSockets: [],
    luaLoads: [],
    envChanges: [],
    tune: new Map(),
    directives: [],
  };
}
