/**
 * The connection-level log lines of the layer-4 path: a connection refused
 * before it became a stream (a bad or missing PROXY header), logged as
 * haproxy's session_kill_embryonic() does, at level `info`, to the
 * frontend's `log` targets, when the frontend has a log format (checked
 * with haproxy 2.6: without `option tcplog` nothing is logged).
 *
 * With `error-log-format` (configuration.txt §4.2) the line is that format
 * instead of the fixed text (session.c: sess_log() when
 * fe->logformat_error is set), printed for a connection without a stream:
 * termination flags `PR`, no server, no bytes, status 0 and `<BADREQ>` in
 * HTTP (checked with haproxy 2.6, test/compat/log/error-log-format.test.ts).
 *
 * The lines go through the log sender (src/log/sender.ts): every target
 * kind and format it supports, the same header code as traffic logs.
 */
import type { ProxyConfig } from '../config/model/proxy.js';
import type { GlobalConfig } from '../config/model/global.js';
import type { Endpoint, SampleContext } from '../sample/context.js';
import { LOG_INFO, type LogSender } from '../log/sender.js';
import { senderOf } from '../log/traffic-log.js';
import { compileLogLine, type LineFn } from '../log/line-format.js';
import { LogRecord } from '../log/log-record.js';

const senders = new WeakMap<ProxyConfig, LogSender>();
const errorFormats = new WeakMap<ProxyConfig, LineFn | null>();

/** What the `error-log-format` line of a refused connection is made of. */
export interface ConnectionInfo {
  readonly client: { readonly address?: string | undefined; readonly port?: number | undefined };
  readonly acceptDate: number;
  /** The connection's sample context (`%[fc_err]`...). */
  readonly ctx?: SampleContext | undefined;
}

function errorFormatOf(proxy: ProxyConfig): LineFn | undefined {
  let f = errorFormats.get(proxy);
  if (f === undefined) {
    const parsed = proxy.errorLogFormat?.parsed;
    const c = parsed === undefined ? undefined : compileLogLine(parsed);
    f = c?.ok === true ? c.fn : null;
    errorFormats.set(proxy, f);
  }
  return f ?? undefined;
}

function errorLine(proxy: ProxyConfig, fn: LineFn, info: ConnectionInfo): string {
  const r = new LogRecord();
  r.ctx = info.ctx;
  const a = info.client.address;
  r.client = a === undefined ? undefined : ({ address: a, port: info.client.port ?? 0 } satisfies Endpoint);
  r.acceptDate = r.requestDate = info.acceptDate;
  r.feName = r.feTransport = r.beName = proxy.name;
  r.termCause = 'P';
  r.termState = 'R';
  r.status = 0;
  r.badRequest = proxy.mode === 'http';
  r.actconn = r.feconn = 1;
  return fn(r);
}

/**
 * Writes one `info` line to the proxy's log targets, truncated to each
 * target's `len`: `line`, or the proxy's `error-log-format` filled from
 * `info` when both are there. `global` gives the `log-tag` and
 * `log-send-hostname` of the header (omitted: tag "haproxy", no host name).
 */
export function connectionLog(proxy: ProxyConfig, line: string, global?: GlobalConfig, info?: ConnectionInfo): void {
  // session.c logs these only for a frontend that logs at all: one with a
  // log format (`option tcplog`, `option httplog`, `log-format`...).
  if (proxy.logFormat === undefined && proxy.errorLogFormat === undefined) return;
  if (proxy.logs.length === 0) return;
  let s = senders.get(proxy);
  if (s === undefined) {
    s = senderOf(proxy, global ?? {});
    senders.set(proxy, s);
  }
  const fn = info === undefined ? undefined : errorFormatOf(proxy);
  s.send(LOG_INFO, fn === undefined || info === undefined ? line : errorLine(proxy, fn, info));
}
