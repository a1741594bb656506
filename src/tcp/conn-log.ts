/**
 * The connection-level log lines of the layer-4 path: a connection refused
 * before it became a stream (a bad or missing PROXY header), logged as
 * haproxy's session_kill_embryonic() does, at level `info`, to the
 * frontend's `log` targets, when the frontend has a log format (checked
 * with haproxy 2.6: without `option tcplog` nothing is logged).
 *
 * The lines go through the log sender (src/log/sender.ts): every target
 * kind and format it supports, the same header code as traffic logs.
 */
import type { ProxyConfig } from '../config/model/proxy.js';
import type { GlobalConfig } from '../config/model/global.js';
import { LOG_INFO, type LogSender } from '../log/sender.js';
import { senderOf } from '../log/traffic-log.js';

const senders = new WeakMap<ProxyConfig, LogSender>();

/**
 * Writes one `info` line to the proxy's log targets, truncated to each
 * target's `len`. `global` gives the `log-tag` and `log-send-hostname` of
 * the header (omitted: tag "haproxy", no host name).
 */
export function connectionLog(proxy: ProxyConfig, line: string, global?: GlobalConfig): void {
  // session.c logs these only for a frontend that logs at all: one with a
  // log format (`option tcplog`, `option httplog`, `log-format`...).
  if (proxy.logFormat === undefined && proxy.errorLogFormat === undefined) return;
  if (proxy.logs.length === 0) return;
  let s = senders.get(proxy);
  if (s === undefined) {
    s = senderOf(proxy, global ?? {});
    senders.set(proxy, s);
  }
  s.send(LOG_INFO, line);
}
