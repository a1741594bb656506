/**
 * The PROXY protocol on live connections (proxy-protocol.txt; the byte
 * parser and builders are in proxy-protocol.ts):
 *
 *   - receiving, for `bind ... accept-proxy` and `tcp-request connection
 *     expect-proxy layer4`: the header is read and stripped before anything
 *     else sees the connection; its addresses replace the client's;
 *   - sending, for `send-proxy`, `send-proxy-v2`, `send-proxy-v2-ssl[-cn]`
 *     and `proxy-v2-options` on servers: the header is the first bytes of
 *     the server connection.
 *
 * haproxy 2.6 connection.c conn_recv_proxy() peeks once at what the socket
 * holds: a header that is not complete in that first read is refused as
 * truncated ("we won't be able to poll anymore"), and so is it here, on the
 * first chunk Node reads (Node reads everything the socket holds, up to
 * 64 KiB, as one recv() would). A refused header closes the connection with
 * haproxy's log line:
 *
 *   127.0.0.1:46588 [26/Nov/2026:15:07:33.125] fe/1: Truncated PROXY protocol header received
 */
import type { Endpoint, ProxyProtocolInfo } from '../sample/context.js';
import type { ServerConfig } from '../config/model/server.js';
import {
  buildProxyV1, buildProxyV2, parseProxyHeader, proxyV2OptionsFrom, PROXY_ERROR_MESSAGES,
  type ProxyEndpoint, type ProxyErrorCode, type ProxyHeader, type ProxyV2Options,
} from './proxy-protocol.js';

/** The result of reading a PROXY header from the first chunk of a connection. */
export type ReceivedProxyHeader =
  | { readonly ok: true; readonly header: ProxyHeader; readonly length: number }
  | { readonly ok: false; readonly code: ProxyErrorCode; readonly reason: string };

/**
 * fc_err codes of the PROXY failures (connection-t.h CO_ER_PRX_*, the ids
 * of configuration.txt §7.3.3 "fc_err_str").
 */
export const PROXY_FC_ERR: Readonly<Record<ProxyErrorCode, number>> = {
  PP_EMPTY: 11, PP_ABORT: 12, PP_TIMEOUT: 13, PP_TRUNCATED: 14, PP_NOT_HEADER: 15, PP_BAD_HEADER: 16, PP_BAD_PROTO: 17,
};

/** Reads the header at the start of the first chunk received (see the file comment). */
export function receiveProxyHeader(first: Buffer): ReceivedProxyHeader {
  const r = parseProxyHeader(first);
  if (r.status === 'ok') return { ok: true, header: r.header, length: r.length };
  if (r.status === 'invalid') return { ok: false, code: r.code, reason: r.reason };
  return failure('PP_TRUNCATED');
}

/** A failure that is not the parser's: closed before a header (PP_EMPTY), error, timeout. */
export function failure(code: ProxyErrorCode): ReceivedProxyHeader {
  return { ok: false, code, reason: PROXY_ERROR_MESSAGES[code] };
}

function endpointOf(e: ProxyEndpoint | undefined): Endpoint | undefined {
  if (e === undefined || e.family === 'unix') return undefined;
  return { address: e.address, port: e.port };
}

/**
 * What an accepted header changes: the addresses when it carries some
 * (v1 TCP4/TCP6, v2 PROXY over TCP), and the TLVs behind `fc_pp_*`.
 */
export function headerEffects(h: ProxyHeader): { src?: Endpoint; dst?: Endpoint; info: ProxyProtocolInfo } {
  const info: { authority?: string; uniqueId?: string } = {};
  if (h.authority !== undefined) info.authority = h.authority;
  if (h.uniqueId !== undefined) info.uniqueId = h.uniqueId;
  if (!h.overridesAddresses) return { info };
  const src = endpointOf(h.source);
  const dst = endpointOf(h.destination);
  return { ...(src !== undefined ? { src } : {}), ...(dst !== undefined ? { dst } : {}), info };
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const p2 = (n: number): string => (n < 10 ? `0${n}` : String(n));

/** log.c date2str_log(): `26/Nov/2026:15:07:33.125`, local time. */
export function logDate(ms: number): string {
  const d = new Date(ms);
  const milli = d.getMilliseconds();
  return `${p2(d.getDate())}/${MONTHS[d.getMonth()]}/${d.getFullYear()}:${p2(d.getHours())}:${p2(d.getMinutes())}:${p2(d.getSeconds())}.${milli < 10 ? '00' : milli < 100 ? '0' : ''}${milli}`;
}

/**
 * session.c session_prepare_log_prefix() followed by the error, as
 * session_kill_embryonic() logs a connection that failed before its stream:
 * `<src>:<port> [<date>] <frontend>/<listener name or luid>: <message>`.
 */
export function embryonicLogLine(
  client: { readonly address: string | undefined; readonly port: number | undefined },
  acceptDate: number,
  frontend: string,
  listener: { readonly name?: string | undefined; readonly luid: number },
  message: string,
): string {
  const who = client.address === undefined ? `unix:${listener.luid}` : `${client.address}:${client.port ?? 0}`;
  const lname = listener.name ?? String(listener.luid);
  return `${who} [${logDate(acceptDate)}] ${frontend}/${lname}: ${message}`;
}

// ---------------------------------------------------------------------------
// Sending

/** What a header is built from: the stream's client side as rules left it. */
export interface ProxyHeaderSource {
  readonly src: Endpoint | undefined;
  readonly dst: Endpoint | undefined;
  /** A received PROXY authority, forwarded with `proxy-v2-options authority`. */
  readonly authority?: string | undefined;
}

export type ProxyHeaderWriter = (from: ProxyHeaderSource) => Buffer;

/**
 * The header writer of a server, or undefined when it sends none. `send-proxy`
 * writes v1; `send-proxy-v2` v2 with `proxy-v2-options`; `-ssl` and `-ssl-cn`
 * add the SSL TLV (server.c: SRV_PP_V2_SSL, SRV_PP_V2_SSL_CN), which is five
 * zero bytes for a plain TCP client (connection.c make_proxy_line_v2()).
 */
export function proxyHeaderWriter(sc: ServerConfig): ProxyHeaderWriter | undefined {
  if (sc.sendProxy === undefined) return undefined;
  if (sc.sendProxy === 'v1') return (f) => buildProxyV1({ source: f.src, destination: f.dst });
  const opts: ProxyV2Options = proxyV2OptionsFrom(sc.proxyV2Options ?? []);
  return (f) => buildProxyV2(
    { source: f.src, destination: f.dst },
    { authority: f.authority, uniqueId: '' },
    opts,
  );
}
