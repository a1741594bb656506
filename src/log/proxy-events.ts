/**
 * Server and proxy events sent to the log targets of the proxy they concern,
 * besides stderr, as haproxy 2.6 does with send_log(s->proxy, ...) next to
 * each ha_warning()/ha_alert() (server.c srv_update_status(), check.c
 * set_server_check_status() with `option log-health-checks`, backend.c
 * set_backend_down(), proxy.c stop_proxy()).
 *
 * The runtime's reporter (src/proxy/runtime.ts) is wrapped once: each
 * message it prints is also matched against the event lines below, and a
 * match is sent to that proxy's `log` targets at haproxy's level. The
 * server code keeps a single call per event (its stderr line), and the
 * routing lives here, next to the other log senders. Levels checked with
 * haproxy 2.6 over UDP (test/compat/log/server-events.test.ts):
 *
 *   Health check for [backup ]server be/s ...        notice  (<133> local0)
 *   [Backup ]Server be/s is DOWN[ via ...]. ...       alert   (<129>)
 *   [Backup ]Server be/s is UP[ via ...]. ...         notice
 *   backend 'be' has no server available!             emerg (<128>), sent as "backend be has no server available!"
 *
 * Not observed, taken from the 2.6 sources: "is stopping", maintenance and
 * drain lines at notice ("is going DOWN for maintenance" at alert), agent
 * check lines at notice, "Proxy p stopped (...)" at warning.
 */
import type { ConfigModel } from '../config/model/index.js';
import type { ProxyConfig } from '../config/model/proxy.js';
import type { Severity } from '../config/diagnostics.js';
import type { LogSender } from './sender.js';
import { senderOf } from './traffic-log.js';

/** The reporter interface of src/proxy/runtime.ts, structurally. */
export interface EventReporter {
  report(severity: Severity, message: string): void;
}

const LOG_EMERG = 0;
const LOG_ALERT = 1;
const LOG_WARNING = 4;
const LOG_NOTICE = 5;

/** One routed event: the proxy it concerns, the level, and the text sent to the logs. */
export interface ProxyEvent {
  readonly proxy: string;
  readonly level: number;
  readonly text: string;
}

const SERVER_LINE = /^(?:Backup )?Server ([^/\s]+)\/\S+ (.*)$/;
const CHECK_LINE = /^(?:Health|Agent) check for (?:backup )?server ([^/\s]+)\//;
const NO_SERVER = /^(backend|proxy) '([^']+)' has no server available!$/;
const STOPPED = /^Proxy (\S+) stopped \(/;

/** Which proxy's logs a runtime message goes to, at which level; undefined for other messages. */
export function proxyEventOf(message: string): ProxyEvent | undefined {
  let m = CHECK_LINE.exec(message);
  if (m !== null) return { proxy: m[1]!, level: LOG_NOTICE, text: message };
  m = SERVER_LINE.exec(message);
  if (m !== null) {
    const what = m[2]!;
    // server.c srv_update_status(): a server going down is an alert, anything else a notice.
    const down = what.startsWith('is DOWN') || what.startsWith('is going DOWN');
    return { proxy: m[1]!, level: down ? LOG_ALERT : LOG_NOTICE, text: message };
  }
  m = NO_SERVER.exec(message);
  // backend.c set_backend_down(): "%s %s has no server available!" without quotes in the log.
  if (m !== null) return { proxy: m[2]!, level: LOG_EMERG, text: `${m[1]!} ${m[2]!} has no server available!` };
  m = STOPPED.exec(message);
  if (m !== null) return { proxy: m[1]!, level: LOG_WARNING, text: message };
  return undefined;
}

/**
 * Wraps `inner` so that server and proxy events also reach the concerned
 * proxy's log targets. Proxies without targets cost one map lookup per
 * event; messages that are not events pass through untouched.
 */
export function withProxyEventLogs(inner: EventReporter, model: ConfigModel): EventReporter {
  const senders = new Map<string, LogSender | null>();
  const senderFor = (name: string): LogSender | undefined => {
    let s = senders.get(name);
    if (s === undefined) {
      const p: ProxyConfig | undefined = model.proxies.find((x) => x.name === name);
      const built = p === undefined || p.logs.length === 0 ? undefined : senderOf(p, model.global);
      s = built?.active === true ? built : null;
      senders.set(name, s);
    }
    return s ?? undefined;
  };
  return {
    report(severity, message) {
      inner.report(severity, message);
      const ev = proxyEventOf(message);
      if (ev !== undefined) senderFor(ev.proxy)?.send(ev.level, ev.text);
    },
  };
}
