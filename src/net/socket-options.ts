/**
 * Socket options of haproxy 2.6 that Node.js cannot apply (docs/bind-options.md).
 *
 * Node's `net` module exposes SO_KEEPALIVE (with TCP_KEEPIDLE), TCP_NODELAY,
 * IPV6_V6ONLY, the backlog, SO_REUSEADDR and the local address and port of
 * an outgoing connection; nothing else. Each option below is therefore either:
 *
 * - refused at startup (an alert, the process does not start), when running
 *   without it would change which traffic is accepted or which address or
 *   device is used: `transparent`, `interface`, `namespace` on binds,
 *   `source ... usesrc`, `source ... interface` and `namespace` on servers
 *   and backends. haproxy itself fails to start when it cannot make a
 *   receiving socket transparent or create it in its namespace (sock_inet.c
 *   sock_inet_bind_receiver(): ERR_ALERT).
 * - accepted with a startup warning worded like haproxy's own, when it is a
 *   tuning hint haproxy itself only warns about when the kernel refuses it
 *   (proto_tcp.c tcp_bind_listener(): "cannot enable TCP_FASTOPEN",
 *   "cannot enable DEFER_ACCEPT", "cannot set MSS", "cannot set TCP User
 *   Timeout", all ERR_WARN): `tfo`, `defer-accept`, `mss`, `tcp-ut`.
 *
 * Never a silent no-op: every one of them is either fatal or printed.
 */
import type { BindConfig } from '../config/model/bind.js';
import type { ServerConfig } from '../config/model/server.js';

/** What a listener cannot honour: a fatal reason, and warnings printed when it binds. */
export interface BindSocketIssues {
  readonly fatal: string | undefined;
  readonly warnings: readonly string[];
}

const WHY_TRANSPARENT = 'IP_TRANSPARENT';

/**
 * The options of a bind line that Node cannot apply. Texts start like
 * haproxy's (sock_inet.c, proto_tcp.c) and say why, so that the alert names
 * the option; the caller appends the address as haproxy does.
 */
export function bindSocketIssues(bind: BindConfig): BindSocketIssues {
  let fatal: string | undefined;
  const warnings: string[] = [];
  for (const o of bind.options) {
    switch (o.keyword) {
      case 'transparent':
        fatal ??= `cannot make receiving socket transparent ('transparent' needs ${WHY_TRANSPARENT}, which Node.js cannot set)`;
        break;
      case 'interface':
        fatal ??= `cannot bind receiver to device '${o.args[0] ?? ''}' ('interface' needs SO_BINDTODEVICE, which Node.js cannot set)`;
        break;
      case 'namespace':
        fatal ??= `cannot create receiving socket in namespace '${o.args[0] ?? ''}' ('namespace' needs setns(), which Node.js cannot call)`;
        break;
      case 'tfo':
        warnings.push(`cannot enable TCP_FASTOPEN ('tfo' ignored: Node.js cannot set it; clients fall back to the regular handshake)`);
        break;
      case 'defer-accept':
        warnings.push(`cannot enable DEFER_ACCEPT ('defer-accept' ignored: Node.js cannot set TCP_DEFER_ACCEPT; connections are accepted before their first bytes)`);
        break;
      case 'mss':
        warnings.push(`cannot set MSS ('mss ${o.args[0] ?? ''}' ignored: Node.js cannot set TCP_MAXSEG; the kernel's MSS applies)`);
        break;
      case 'tcp-ut':
        warnings.push(`cannot set TCP User Timeout ('tcp-ut' ignored: Node.js cannot set TCP_USER_TIMEOUT; the kernel's retransmission limits apply)`);
        break;
      default:
        break;
    }
  }
  return { fatal, warnings };
}

/** The `source` of a backend or server, as the runtime uses it. */
export interface SourceSpec {
  /** Local address of outgoing connections ('' or '*' for any). */
  readonly host: string;
  readonly family: 'ipv4' | 'ipv6';
  /** First and last local port (0 when the kernel picks it). */
  readonly portLow: number;
  readonly portHigh: number;
  readonly usesrc: string | undefined;
  readonly iface: string | undefined;
}

/**
 * Why a server (or its backend's `source`) cannot run on Node, or undefined.
 * `what` is the subject of the message (`server 'be/s1'`, `backend 'be'`).
 */
export function serverSocketFatal(what: string, source: SourceSpec | undefined, namespace: string | undefined): string | undefined {
  if (source?.usesrc !== undefined) {
    return `${what}: 'source ... usesrc ${source.usesrc}' needs ${WHY_TRANSPARENT} to connect from a foreign address, which Node.js cannot set; Switchyard refuses to start rather than connect from its own address (docs/bind-options.md).`;
  }
  if (source?.iface !== undefined) {
    return `${what}: 'source ... interface ${source.iface}' needs SO_BINDTODEVICE, which Node.js cannot set; Switchyard refuses to start rather than ignore it (docs/bind-options.md).`;
  }
  if (namespace !== undefined) {
    return `${what}: 'namespace ${namespace}' needs setns(), which Node.js cannot call; Switchyard refuses to start rather than connect from its own namespace (docs/bind-options.md).`;
  }
  return undefined;
}

/** Startup warnings for server options Node cannot apply (haproxy ignores them where the kernel lacks them). */
export function serverSocketWarnings(what: string, srv: ServerConfig): string[] {
  const out: string[] = [];
  if (srv.tfo === true) out.push(`${what}: 'tfo' ignored: Node.js cannot set TCP_FASTOPEN_CONNECT; connections use the regular handshake.`);
  if (srv.tcpUserTimeout !== undefined) out.push(`${what}: 'tcp-ut' ignored: Node.js cannot set TCP_USER_TIMEOUT; the kernel's retransmission limits apply.`);
  return out;
}
