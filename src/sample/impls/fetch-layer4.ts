/**
 * Implementations of configuration.txt §7.3.3 "Fetching samples at Layer 4"
 * (tcp_sample.c, connection.c, frontend.c, backend.c, listener.c).
 * Declarations are in fetches/layer4.ts.
 *
 * The TCP_INFO counters (fc_rtt, fc_rttvar, fc_unacked, fc_sacked,
 * fc_retrans, fc_fackets, fc_lost, fc_reordering) have no Node.js API:
 * they answer "not found", which is what HAProxy does on systems without
 * TCP_INFO.
 */
import { networkInterfaces } from 'node:os';
import type { Endpoint, SampleContext } from '../context.js';
import { registerFetchImpls, simple, type FetchImpl } from '../impl-registry.js';
import { buf2ip, parseIpv6, smpBool, smpNum, smpStr, type Sample } from '../sample.js';

/** Parsed address samples, cached per endpoint object (endpoints are immutable per connection). */
const addrCache = new WeakMap<Endpoint, Sample | null>();

/** The address of an endpoint as an ipv4 or ipv6 sample. */
export function endpointAddress(e: Endpoint | undefined): Sample | undefined {
  if (e === undefined) return undefined;
  let s = addrCache.get(e);
  if (s === undefined) {
    s = null;
    if (e.address.includes(':')) {
      const v6 = parseIpv6(e.address);
      if (v6 !== undefined) s = { type: 'ipv6', value: v6, flags: 0 };
    } else {
      const v4 = buf2ip(e.address);
      if (v4 !== undefined) s = { type: 'ipv4', value: v4, flags: 0 };
    }
    addrCache.set(e, s);
  }
  return s ?? undefined;
}

function port(e: Endpoint | undefined): Sample | undefined {
  return e === undefined ? undefined : smpNum(e.port);
}

let localAddrs: Set<string> | undefined;
let localAddrsAt = 0;

/**
 * tools.c addr_is_local(): HAProxy tries to bind the address. Here: the
 * loopback ranges, or an address of a local interface (refreshed every 10 s).
 */
export function isLocalAddress(address: string): boolean {
  let a = address.toLowerCase();
  if (a.startsWith('::ffff:') && a.includes('.')) a = a.slice(7);
  if (a === '::1' || a.startsWith('127.')) return true;
  const now = Date.now();
  if (localAddrs === undefined || now - localAddrsAt > 10000) {
    localAddrs = new Set();
    for (const list of Object.values(networkInterfaces())) for (const i of list ?? []) localAddrs.add(i.address.toLowerCase());
    localAddrsAt = now;
  }
  return localAddrs.has(a);
}

function isLocal(pick: (ctx: SampleContext) => Endpoint | undefined): FetchImpl {
  return simple((ctx) => {
    const e = pick(ctx);
    return e === undefined ? undefined : smpBool(isLocalAddress(e.address));
  });
}

/** connection.c conn_err_code_str(): messages of fc_err_str, by code. */
export const CONN_ERROR_STRINGS: readonly string[] = [
  'Success',
  'Reached configured maxconn value',
  'Too many sockets on the process',
  'Too many sockets on the system',
  'Out of system buffers',
  'Protocol or address family not supported',
  'General socket error',
  'Source port range exhausted',
  "Can't bind to source address",
  'Out of local source ports on the system',
  'Local source address already in use',
  'Connection closed while waiting for PROXY protocol header',
  'Connection error while waiting for PROXY protocol header',
  'Timeout while waiting for PROXY protocol header',
  'Truncated PROXY protocol header received',
  'Received something which does not look like a PROXY protocol header',
  'Received an invalid PROXY protocol header',
  'Received an unhandled protocol in the PROXY protocol header',
  'Connection closed while waiting for NetScaler Client IP header',
  'Connection error while waiting for NetScaler Client IP header',
  'Timeout while waiting for a NetScaler Client IP header',
  'Truncated NetScaler Client IP header received',
  'Received an invalid NetScaler Client IP magic number',
  'Received an unhandled protocol in the NetScaler Client IP header',
  'Connection closed during SSL handshake',
  'Connection error during SSL handshake',
  'Timeout during SSL handshake',
  'Too many SSL connections',
  'Out of memory when initializing an SSL connection',
  'Rejected a client-initiated SSL renegotiation attempt',
  'SSL client CA chain cannot be verified',
  'SSL client certificate not trusted',
  'Server presented an SSL certificate different from the configured one',
  'Server presented an SSL certificate different from the expected one',
  'SSL handshake failure',
  'SSL handshake failure after heartbeat',
  'Stopped a TLSv1 heartbeat attack (CVE-2014-0160)',
  'Attempt to use SSL on an unknown target (internal error)',
  'Server refused early data',
  'SOCKS4 Proxy write error during handshake',
  'SOCKS4 Proxy read error during handshake',
  'SOCKS4 Proxy deny the request',
  'SOCKS4 Proxy handshake aborted by server',
  'SSL fatal error',
];

/** No Node.js API exposes the kernel's TCP_INFO: "not found", as without TCP_INFO support. */
const NO_TCP_INFO: FetchImpl = simple(() => undefined);

const fcSrc = (ctx: SampleContext): Endpoint | undefined => ctx.fcSrc ?? ctx.src;
const fcDst = (ctx: SampleContext): Endpoint | undefined => ctx.fcDst ?? ctx.dst;

function proxyId(p: { readonly uuid?: number; readonly config: { readonly id?: number | undefined } } | undefined): Sample | undefined {
  if (p === undefined) return undefined;
  const id = p.uuid ?? p.config.id;
  return id === undefined ? undefined : smpNum(id);
}

function ms(v: number | undefined): Sample | undefined {
  return v === undefined ? undefined : smpNum(v);
}

export const LAYER4_FETCH_IMPLS: Readonly<Record<string, FetchImpl>> = {
  src: simple((ctx) => endpointAddress(ctx.src)),
  src_port: simple((ctx) => port(ctx.src)),
  dst: simple((ctx) => endpointAddress(ctx.dst)),
  dst_port: simple((ctx) => port(ctx.dst)),
  src_is_local: isLocal((ctx) => ctx.src),
  dst_is_local: isLocal((ctx) => ctx.dst),
  fc_src: simple((ctx) => endpointAddress(fcSrc(ctx))),
  fc_src_port: simple((ctx) => port(fcSrc(ctx))),
  fc_dst: simple((ctx) => endpointAddress(fcDst(ctx))),
  fc_dst_port: simple((ctx) => port(fcDst(ctx))),
  fc_src_is_local: isLocal(fcSrc),
  fc_dst_is_local: isLocal(fcDst),
  bc_src: simple((ctx) => endpointAddress(ctx.bcSrc)),
  bc_src_port: simple((ctx) => port(ctx.bcSrc)),
  bc_dst: simple((ctx) => endpointAddress(ctx.bcDst)),
  bc_dst_port: simple((ctx) => port(ctx.bcDst)),
  // mux name "H2" gives 2, anything else 1 (connection.c smp_fetch_fc_http_major)
  fc_http_major: simple((ctx) => smpNum(ctx.http?.clientMajor ?? 1)),
  bc_http_major: simple((ctx) => (ctx.bcDst === undefined ? undefined : smpNum(1))),
  fc_rcvd_proxy: simple((ctx) => smpBool(ctx.proxyProtocol !== undefined)),
  fc_pp_authority: simple((ctx) => {
    const a = ctx.proxyProtocol?.authority;
    return a === undefined ? undefined : smpStr(a);
  }),
  fc_pp_unique_id: simple((ctx) => {
    const a = ctx.proxyProtocol?.uniqueId;
    return a === undefined ? undefined : smpStr(a);
  }),
  fc_err: simple((ctx) => smpNum(ctx.fcErr ?? 0)),
  fc_err_str: simple((ctx) => {
    const m = CONN_ERROR_STRINGS[ctx.fcErr ?? 0];
    return m === undefined ? undefined : smpStr(m);
  }),
  fc_rtt: NO_TCP_INFO,
  fc_rttvar: NO_TCP_INFO,
  fc_unacked: NO_TCP_INFO,
  fc_sacked: NO_TCP_INFO,
  fc_retrans: NO_TCP_INFO,
  fc_fackets: NO_TCP_INFO,
  fc_lost: NO_TCP_INFO,
  fc_reordering: NO_TCP_INFO,
  be_id: simple((ctx) => proxyId(ctx.backend)),
  be_name: simple((ctx) => (ctx.backend === undefined ? undefined : smpStr(ctx.backend.name))),
  // an unset timeout reads as 0 (verified with haproxy 2.6)
  be_server_timeout: simple((ctx) => (ctx.backend === undefined ? undefined : ms(ctx.backend.config.timeouts?.server ?? 0))),
  be_tunnel_timeout: simple((ctx) => (ctx.backend === undefined ? undefined : ms(ctx.backend.config.timeouts?.tunnel ?? 0))),
  // the stream's applied timeouts: 0 until the server connection applies them (verified in http-request rules)
  cur_server_timeout: simple((ctx) => (ctx.backend === undefined ? undefined : ms(ctx.curServerTimeout ?? 0))),
  cur_tunnel_timeout: simple((ctx) => (ctx.backend === undefined ? undefined : ms(ctx.curTunnelTimeout ?? 0))),
  fe_id: simple((ctx) => proxyId(ctx.frontend)),
  fe_name: simple((ctx) => (ctx.frontend === undefined ? undefined : smpStr(ctx.frontend.name))),
  fe_defbe: simple((ctx) => {
    const d = ctx.frontend?.config.defaultBackend;
    return d === undefined ? undefined : smpStr(d.name);
  }),
  fe_client_timeout: simple((ctx) => (ctx.frontend === undefined ? undefined : ms(ctx.frontend.config.timeouts?.client ?? 0))),
  dst_conn: simple((ctx) => ms(ctx.listener?.curConns)),
  so_id: simple((ctx) => {
    const l = ctx.listener;
    if (l === undefined) return undefined;
    const id = l.luid ?? l.spec.bind.id;
    return id === undefined ? undefined : smpNum(id);
  }),
  so_name: simple((ctx) => {
    const n = ctx.listener?.spec.bind.name;
    return n === undefined ? undefined : smpStr(n);
  }),
  srv_id: simple((ctx) => (ctx.server === undefined ? undefined : smpNum(ctx.server.id))),
  srv_name: simple((ctx) => (ctx.server === undefined ? undefined : smpStr(ctx.server.name))),
};

registerFetchImpls(LAYER4_FETCH_IMPLS);
