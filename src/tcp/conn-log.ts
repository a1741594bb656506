/**
 * The connection-level log lines of the layer-4 path: a connection refused
 * before it became a stream (a bad or missing PROXY header), logged as
 * haproxy's session_kill_embryonic() does, at level `info`, to the
 * frontend's `log` targets, when the frontend has a log format (checked
 * with haproxy 2.6: without `option tcplog` nothing is logged).
 *
 * Only the targets that need no transport are written here: `stdout` and
 * `stderr` (`log stdout format raw local0`, the usual container setup), in
 * the `raw`, `short`, `priority` and `rfc3164`-like formats (log.c
 * __send_log()). Syslog over UDP/TCP and rings land with the log subsystem.
 */
import type { ProxyConfig } from '../config/model/proxy.js';
import { LOG_FACILITIES, LOG_LEVELS, type LogTargetConfig } from '../config/model/global.js';

/** syslog(3) LOG_INFO. */
const LOG_INFO = 6;

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const p2 = (n: number): string => (n < 10 ? `0${n}` : String(n));

function header(t: LogTargetConfig, level: number): string {
  // a level more severe than minlevel is sent at minlevel (configuration.txt §4.2 "log")
  const lvl = Math.max(level, LOG_LEVELS.indexOf(t.minLevel));
  const pri = LOG_FACILITIES.indexOf(t.facility) * 8 + lvl;
  switch (t.format) {
    case 'raw':
      return '';
    case 'short':
      return `<${lvl}>`;
    case 'priority':
      return `<${pri}>`;
    default: {
      const d = new Date();
      const day = d.getDate();
      return `<${pri}>${MONTHS[d.getMonth()]} ${day < 10 ? ` ${day}` : day} ${p2(d.getHours())}:${p2(d.getMinutes())}:${p2(d.getSeconds())} haproxy[${process.pid}]: `;
    }
  }
}

/** Writes one `info` line to the proxy's stdout/stderr log targets, truncated to each target's `len`. */
export function connectionLog(proxy: ProxyConfig, line: string): void {
  // session.c logs these only for a frontend that logs at all: one with a
  // log format (`option tcplog`, `option httplog`, `log-format`...).
  if (proxy.logFormat === undefined && proxy.errorLogFormat === undefined) return;
  for (const t of proxy.logs) {
    if (t.target.kind !== 'fd') continue;
    if (LOG_LEVELS.indexOf(t.level) < LOG_INFO) continue;
    const out = t.target.fd === 1 ? process.stdout : t.target.fd === 2 ? process.stderr : undefined;
    if (out === undefined) continue;
    const text = `${header(t, LOG_INFO)}${line}`;
    out.write(`${text.length > t.maxLength - 1 ? text.slice(0, t.maxLength - 1) : text}\n`);
  }
}
