/** A `server` / `default-server` / `server-template` line (configuration.txt §5.2). */
import type { Directive, Millis, Place } from './common.js';
import type { SocketAddress } from './address.js';

/** haproxy's values for settings a server line leaves unset (configuration.txt §5.2). */
export const SERVER_DEFAULTS = {
  weight: 1,
  inter: 2000,
  rise: 2,
  fall: 3,
  /** "init-addr" default: the state file's address, then libc */
  initAddr: ['last', 'libc'] as readonly InitAddrMethod[],
} as const;

/** One step of `init-addr`: a resolution method or a literal fallback address. */
export type InitAddrMethod = 'last' | 'libc' | 'none' | { ip: string; family: 'ipv4' | 'ipv6' };

/** The TLS settings of a server (configuration.txt §5.2), used by the TLS subsystem. */
export interface ServerTlsOptions {
  verify?: 'none' | 'required' | undefined;
  verifyHost?: string | undefined;
  caFile?: string | undefined;
  crlFile?: string | undefined;
  crt?: string | undefined;
  sni?: string | undefined;
  alpn?: string | undefined;
  npn?: string | undefined;
  ciphers?: string | undefined;
  ciphersuites?: string | undefined;
  sslMinVer?: string | undefined;
  sslMaxVer?: string | undefined;
  checkSni?: string | undefined;
  checkAlpn?: string | undefined;
  /** `force-sslv3`... as written ('sslv3', 'tlsv12'...). */
  forced?: string | undefined;
  /** `no-sslv3`, `no-tlsv10`... as written. */
  disabled?: readonly string[] | undefined;
}

/**
 * Options a server can take from `default-server`; every field optional so
 * defaults can be layered (a server starts as a copy of its proxy's
 * default-server, then applies its own line; `no-*` options reset). Nested
 * objects are replaced, never mutated, because the copy is shallow.
 */
export interface ServerOptions {
  weight?: number | undefined;
  backup?: boolean | undefined;
  disabled?: boolean | undefined;
  check?: boolean | undefined;
  inter?: Millis | undefined;
  fastinter?: Millis | undefined;
  downinter?: Millis | undefined;
  rise?: number | undefined;
  fall?: number | undefined;
  /** `port`: the health check port. */
  checkPort?: number | undefined;
  /** `addr`: the health check address. */
  checkAddr?: string | undefined;
  checkSendProxy?: boolean | undefined;
  checkSsl?: boolean | undefined;
  checkViaSocks4?: boolean | undefined;
  checkProto?: string | undefined;
  agentCheck?: boolean | undefined;
  agentPort?: number | undefined;
  agentAddr?: string | undefined;
  agentInter?: Millis | undefined;
  agentSend?: string | undefined;
  errorLimit?: number | undefined;
  observe?: 'none' | 'layer4' | 'layer7' | undefined;
  onError?: 'fastinter' | 'fail-check' | 'sudden-death' | 'mark-down' | undefined;
  onMarkedDown?: 'shutdown-sessions' | undefined;
  onMarkedUp?: 'shutdown-backup-sessions' | undefined;
  maxconn?: number | undefined;
  maxqueue?: number | undefined;
  minconn?: number | undefined;
  maxReuse?: number | undefined;
  poolLowConn?: number | undefined;
  poolMaxConn?: number | undefined;
  poolPurgeDelay?: Millis | undefined;
  slowstart?: Millis | undefined;
  cookie?: string | undefined;
  redir?: string | undefined;
  sendProxy?: 'v1' | 'v2' | undefined;
  proxyV2Options?: readonly string[] | undefined;
  proto?: string | undefined;
  ws?: 'auto' | 'h1' | 'h2' | undefined;
  tfo?: boolean | undefined;
  nonStick?: boolean | undefined;
  initAddr?: readonly InitAddrMethod[] | undefined;
  resolvers?: string | undefined;
  resolvePrefer?: 'ipv4' | 'ipv6' | undefined;
  resolveNet?: readonly string[] | undefined;
  resolveOpts?: readonly string[] | undefined;
  /** `source <addr>[:<port>[-<port>]] [usesrc ...] [interface <name>]`. */
  source?: { readonly address: SocketAddress; readonly usesrc?: string | undefined; readonly iface?: string | undefined } | undefined;
  socks4?: SocketAddress | undefined;
  namespace?: string | undefined;
  logProto?: 'legacy' | 'octet-count' | undefined;
  tcpUserTimeout?: Millis | undefined;
  ssl?: boolean | undefined;
  tls?: ServerTlsOptions | undefined;
  /** All options as written on the line (not those inherited), checked, including those enforced later. */
  options?: Directive[] | undefined;
}

export interface ServerConfig extends ServerOptions {
  readonly name: string;
  readonly place: Place;
  /**
   * The address; a host name stays `unresolved` until the post-parse step
   * resolves it following `init-addr` (then it is replaced by the IP).
   */
  address: SocketAddress;
  id?: number | undefined;
  /** `track [<backend>/]<server>`: resolved after parsing. */
  track?: { backend?: string | undefined; server: string; place: Place } | undefined;
  /** Set for servers made by `server-template`: the line's prefix and the server's number. */
  template?: { prefix: string; index: number } | undefined;
  /** The `server-template` FQDN to resolve at run time (needs `resolvers`). */
  fqdn?: string | undefined;
}
