/**
 * The traffic logger of a frontend: its log format compiled once, its
 * targets' sender, and the options that decide whether a stream is logged
 * (configuration.txt §4.2 "option dontlognull", "option log-separate-errors",
 * "option dontlog-normal"; §8 "Logging").
 *
 * A frontend logs traffic when it has a log format (`option tcplog`,
 * `option httplog`, `log-format`...) and at least one `log` target that can
 * be written (src/log/sender.ts). {@link trafficLoggerOf} answers undefined
 * otherwise, once per frontend, so a stream of a silent frontend pays one
 * cached lookup at its end and nothing else.
 */
import type { ProxyConfig } from '../config/model/proxy.js';
import type { GlobalConfig } from '../config/model/global.js';
import type { CompileEnv } from '../sample/compile.js';
import { compileLogLine, type LineFn } from './line-format.js';
import { LOG_ERR, LOG_INFO, LogSender } from './sender.js';
import type { LogRecord } from './log-record.js';

/** A frontend's compiled logger. */
export class TrafficLogger {
  /** haproxy's fe->log_count (%lc). */
  count = 0;
  constructor(
    readonly sender: LogSender,
    readonly line: LineFn,
    readonly errorLine: LineFn | undefined,
    readonly sd: LineFn | undefined,
    readonly dontLogNull: boolean,
    readonly separateErrors: boolean,
    readonly dontLogNormal: boolean,
    /**
     * configuration.txt §4.2 "option logasap": a line as soon as the server
     * answered (HTTP: after the response headers; TCP: at the connection),
     * with '+' before %Ta/%Tt/%Tu and %B (log.c: `fe->to_log` without LW_BYTES).
     */
    readonly logAsap = false,
  ) {}

  /**
   * Sends the line of one finished stream or transaction. `error` is
   * haproxy's "the stream had an error" test (termination flags set or a
   * 5xx status), `empty` "no byte was received from the client".
   */
  emit(r: LogRecord, error: boolean, empty: boolean, connectionError = false, levelOverride?: number): void {
    // log.c strm_log(): dontlognull skips empty non-error streams, dontlog-normal every non-error one.
    if (!error && ((this.dontLogNull && empty) || this.dontLogNormal)) return;
    r.logCount = this.count++;
    r.asap = this.logAsap;
    // `error-log-format` is for connection-level errors only (session.c
    // sess_log(): conn-log.ts, and the H1 mux's <BADREQ>), not for streams.
    // log.c strm_log(): a level set by `set-log-level` replaces both (src/log/log-level.ts).
    const level = levelOverride ?? (error && this.separateErrors ? LOG_ERR : LOG_INFO);
    const line = connectionError && this.errorLine !== undefined ? this.errorLine : this.line;
    this.sender.send(level, line(r), this.sd?.(r));
  }
}

/** What a frontend logs: traffic lines (a log format), or only "Connect from" lines (targets without a format). */
export interface FrontendLog {
  readonly logger?: TrafficLogger | undefined;
  readonly connect?: LogSender | undefined;
}

const cache = new WeakMap<ProxyConfig, FrontendLog | null>();

/** The sender of a proxy's `log` lines (also used by the embryonic-connection lines of src/tcp/conn-log.ts). */
export function senderOf(p: ProxyConfig, global: Pick<GlobalConfig, 'logTag' | 'logSendHostname'>): LogSender {
  return new LogSender(p.logs, {
    tag: p.logTag ?? global.logTag ?? 'haproxy',
    hostname: global.logSendHostname,
  });
}

/** What frontend `p` logs, built once; undefined when it logs nothing per connection. */
export function frontendLogOf(p: ProxyConfig, global: GlobalConfig, env: CompileEnv = {}): FrontendLog | undefined {
  const c = cache.get(p);
  if (c !== undefined) return c ?? undefined;
  let built: FrontendLog | undefined;
  if (p.logFormat === undefined) {
    // session.c: a frontend with log targets but no log format logs each connection as "Connect from".
    const sender = p.logs.length > 0 && (p.mode === 'tcp' || p.mode === 'http') ? senderOf(p, global) : undefined;
    if (sender?.active === true) built = { connect: sender };
  } else {
    const logger = build(p, global, env);
    if (logger !== undefined) built = { logger };
  }
  cache.set(p, built ?? null);
  return built;
}

/**
 * The traffic logger of frontend `p`, built at first use; undefined when
 * the frontend does not log traffic. A format whose sample expressions
 * cannot be compiled is treated as no format (the configuration check
 * reports those).
 */
export function trafficLoggerOf(p: ProxyConfig, global: GlobalConfig, env: CompileEnv = {}): TrafficLogger | undefined {
  return frontendLogOf(p, global, env)?.logger;
}

/** True when the frontend writes any line per connection (traffic or "Connect from"): its streams call the log hooks. */
export function frontendLogs(p: ProxyConfig, global: GlobalConfig): boolean {
  return frontendLogOf(p, global, {}) !== undefined;
}

/**
 * session.c: "Connect from <src>:<port> to <dst>:<port> (<frontend>/<HTTP|TCP>)"
 * at level info, sent at accept by a frontend with `log` targets and no log
 * format. Does nothing for other frontends.
 */
export function connectLog(p: ProxyConfig, sender: LogSender, src: { address: string; port: number } | undefined, dst: { address: string; port: number } | undefined): void {
  const a = (e: { address: string; port: number } | undefined): string => (e === undefined ? '-:0' : `${e.address.startsWith('::ffff:') && e.address.includes('.') ? e.address.slice(7) : e.address}:${e.port}`);
  sender.send(LOG_INFO, `Connect from ${a(src)} to ${a(dst)} (${p.name}/${p.mode === 'http' ? 'HTTP' : 'TCP'})`);
}

function build(p: ProxyConfig, global: GlobalConfig, env: CompileEnv): TrafficLogger | undefined {
  const parsed = p.logFormat?.parsed;
  if (parsed === undefined || p.logs.length === 0) return undefined;
  const sender = senderOf(p, global);
  if (!sender.active) return undefined;
  const line = compileLogLine(parsed, env);
  if (!line.ok) return undefined;
  const errParsed = p.errorLogFormat?.parsed;
  const err = errParsed === undefined ? undefined : compileLogLine(errParsed, env);
  const sdParsed = p.logFormatSd?.parsed;
  const sd = sdParsed === undefined ? undefined : compileLogLine(sdParsed, env);
  const opt = (n: string): boolean => p.options.get(n) === true;
  return new TrafficLogger(
    sender, line.fn, err?.ok === true ? err.fn : undefined, sd?.ok === true ? sd.fn : undefined,
    opt('dontlognull'), opt('log-separate-errors'), opt('dontlog-normal'), opt('logasap'),
  );
}
