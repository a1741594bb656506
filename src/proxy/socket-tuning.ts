/**
 * Per-proxy socket tuning, computed once when the runtime is built:
 *
 * - `option clitcpka` / `option tcpka` (+ `clitcpka-idle`) on accepted
 *   connections, `option srvtcpka` / `option tcpka` (+ `srvtcpka-idle`) on
 *   server connections (configuration.txt §4.2): SO_KEEPALIVE, and
 *   TCP_KEEPIDLE when an idle time is set. `*-cnt` and `*-intvl` cannot be
 *   set from Node and are reported at startup (docs/bind-options.md).
 * - `option nolinger` (§4.2): on a frontend, connections to clients that are
 *   not closed cleanly (timeouts, aborts) are reset; on a backend, every
 *   close or shutdown towards the server is a reset (checked against haproxy
 *   2.6: a client FIN reaches the server as a RST).
 * - `source <addr>[:<port>]` on a backend and `source <addr>[:<port>[-<end>]]`
 *   on a server (the server's wins): the local address and port of outgoing
 *   connections. `usesrc` and `interface` refuse the start (src/net/socket-options.ts).
 */
import type { Diagnostics } from '../config/diagnostics.js';
import type { ProxyConfig, RuleConfig } from '../config/model/proxy.js';
import type { ServerConfig } from '../config/model/server.js';
import { parseAddress } from '../net/address.js';
import type { OutgoingTuning } from '../net/connect.js';
import { SourcePorts } from '../net/connect.js';
import { serverSocketFatal, serverSocketWarnings, type SourceSpec } from '../net/socket-options.js';

/** Diagnostic codes of this module (docs/errors/l4.md). */
export const SOCKET_TUNING_CODES = {
  unsupported: 'RT_SOCKOPT_UNSUPPORTED',
  ignored: 'RT_SOCKOPT_IGNORED',
} as const;

/** Client-side tuning of a frontend. */
export interface ClientTuning {
  readonly keepAlive: boolean;
  /** TCP_KEEPIDLE in ms, 0 for the system's. */
  readonly keepAliveIdle: number;
  readonly noLinger: boolean;
}

function flag(p: ProxyConfig, name: string): boolean {
  return p.options.get(name) === true;
}

/** `clitcpka`/`tcpka`, `clitcpka-idle` and `nolinger` of a frontend. */
export function clientTuning(p: ProxyConfig, diag: Diagnostics): ClientTuning {
  const keepAlive = flag(p, 'clitcpka') || flag(p, 'tcpka');
  const ka = p.tcpKeepAlive;
  if (keepAlive && (ka.clientCount !== undefined || ka.clientInterval !== undefined)) {
    diag.warning(SOCKET_TUNING_CODES.ignored, `frontend '${p.name}': 'clitcpka-cnt' and 'clitcpka-intvl' are ignored: Node.js cannot set TCP_KEEPCNT or TCP_KEEPINTVL (it uses 10 probes 1 s apart once 'clitcpka-idle' is set).`, p.place);
  }
  return { keepAlive, keepAliveIdle: ka.clientIdle ?? 0, noLinger: flag(p, 'nolinger') };
}

/** A backend's `source` directive as a {@link SourceSpec} (the parser already checked it). */
export function backendSource(p: ProxyConfig): SourceSpec | undefined {
  const d = p.source;
  if (d === undefined) return undefined;
  const a = parseAddress(d.args[0] ?? '', { purpose: 'source', allowRange: false });
  if (!a.ok || (a.address.family !== 'ipv4' && a.address.family !== 'ipv6')) return undefined;
  let usesrc: string | undefined;
  let iface: string | undefined;
  for (let i = 1; i + 1 < d.args.length; i += 2) {
    if (d.args[i] === 'usesrc') usesrc = d.args[i + 1];
    else if (d.args[i] === 'interface') iface = d.args[i + 1];
  }
  return { host: a.address.host, family: a.address.family, portLow: a.address.port, portHigh: a.address.port, usesrc, iface };
}

function serverSource(sc: ServerConfig): SourceSpec | undefined {
  const s = sc.source;
  if (s === undefined) return undefined;
  const a = s.address;
  if (a.family !== 'ipv4' && a.family !== 'ipv6') return undefined;
  return { host: a.host, family: a.family, portLow: a.port, portHigh: Math.max(a.port, a.portEnd), usesrc: s.usesrc, iface: s.iface };
}

/** What a server's connections need: the static tuning and, for a port range, the ports to hand out. */
export interface ServerTuning {
  readonly tuning: OutgoingTuning | undefined;
  readonly ports: SourcePorts | undefined;
}

/**
 * The outgoing tuning of one server of backend `p`. A `usesrc`, `interface`
 * or `namespace` is an alert (the runtime does not start); `tfo` and
 * `tcp-ut` are warnings.
 */
export function serverTuning(p: ProxyConfig, sc: ServerConfig, diag: Diagnostics): ServerTuning {
  const what = `server '${p.name}/${sc.name}'`;
  const src = serverSource(sc) ?? backendSource(p);
  const fatal = serverSocketFatal(what, src, sc.namespace);
  if (fatal !== undefined) diag.alert(SOCKET_TUNING_CODES.unsupported, fatal, sc.source !== undefined || sc.namespace !== undefined ? sc.place : p.source?.place);
  for (const w of serverSocketWarnings(what, sc)) diag.warning(SOCKET_TUNING_CODES.ignored, w, sc.place);
  const keepAlive = flag(p, 'srvtcpka') || flag(p, 'tcpka');
  const ka = p.tcpKeepAlive;
  if (keepAlive && (ka.serverCount !== undefined || ka.serverInterval !== undefined) && sc === p.servers[0]) {
    diag.warning(SOCKET_TUNING_CODES.ignored, `backend '${p.name}': 'srvtcpka-cnt' and 'srvtcpka-intvl' are ignored: Node.js cannot set TCP_KEEPCNT or TCP_KEEPINTVL (it uses 10 probes 1 s apart once 'srvtcpka-idle' is set).`, p.place);
  }
  let localAddress: string | undefined;
  let ports: SourcePorts | undefined;
  let localPort: number | undefined;
  if (src !== undefined) {
    // "0.0.0.0" / "::" (or '*') keep the kernel's choice of address, as bind(INADDR_ANY) does.
    const any = src.host === '' || src.host === '*' || src.host === '0.0.0.0' || src.host === '::';
    if (!any) localAddress = src.host;
    if (src.portHigh > src.portLow) ports = new SourcePorts(src.portLow, src.portHigh);
    else if (src.portLow > 0) localPort = src.portLow;
    if (any && localPort !== undefined) localAddress = src.family === 'ipv6' ? '::' : '0.0.0.0';
    if (any && ports !== undefined) localAddress = src.family === 'ipv6' ? '::' : '0.0.0.0';
  }
  if (!keepAlive && localAddress === undefined && localPort === undefined && ports === undefined) return { tuning: undefined, ports: undefined };
  return { tuning: { localAddress, localPort, keepAlive, keepAliveIdle: ka.serverIdle ?? 0 }, ports };
}

/** The rule-set keyword of each RuleSets field, for messages. */
const RULE_SET_NAMES: Readonly<Record<string, string>> = {
  tcpRequestConnection: 'tcp-request connection',
  tcpRequestSession: 'tcp-request session',
  tcpRequestContent: 'tcp-request content',
  tcpResponseContent: 'tcp-response content',
  httpRequest: 'http-request',
  httpResponse: 'http-response',
  httpAfterResponse: 'http-after-response',
};

const RULE_SOCKOPTS: Readonly<Record<string, string>> = { 'set-mark': 'SO_MARK', 'set-tos': 'IP_TOS' };

/**
 * `set-mark` / `set-tos` actions (issue 4: "set-mark(error)"): Node.js cannot
 * set SO_MARK or IP_TOS on a socket, and running without them would route or
 * mark the traffic differently from what the configuration says, so the start
 * is refused with an alert naming the rule, as for the bind options
 * (docs/bind-options.md). `-c` keeps haproxy's verdict with its notice.
 */
export function ruleSocketOptionsFatal(p: ProxyConfig, diag: Diagnostics): void {
  for (const [field, label] of Object.entries(RULE_SET_NAMES)) {
    const rules = (p.rules as unknown as Record<string, readonly RuleConfig[]>)[field] ?? [];
    for (const r of rules) {
      const opt = RULE_SOCKOPTS[r.action];
      if (opt === undefined) continue;
      diag.alert(
        SOCKET_TUNING_CODES.unsupported,
        `proxy '${p.name}': '${label} ${r.action}' needs ${opt}, which Node.js cannot set; Switchyard refuses to start rather than send the traffic unmarked (docs/bind-options.md).`,
        r.place,
      );
    }
  }
}
