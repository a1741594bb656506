/**
 * `persist rdp-cookie[(<name>)]` (configuration.txt §4.2): a Microsoft
 * Remote Desktop connection broker hands the client a routing token
 * `Cookie: msts=<ip>.<port>.0000` naming the server that holds its session;
 * the connection goes to the server with exactly that IPv4 address and
 * port, when it is usable (or whatever its state with `option persist`).
 *
 * The numbers are haproxy's tcp_persist_rdp_cookie() (tcp_rules.c / 2.6
 * backend.c), including its byte order: `<ip>` is the decimal value of the
 * address's four bytes in network order read as a little-endian integer
 * (sin_addr.s_addr on x86: 127.0.0.1 is 16777343), and `<port>` the port
 * with its two bytes swapped (ntohs(): 3389 is 15629). Both are parsed with
 * strtoul(), so leading blanks and a sign are accepted, and the address
 * keeps only its low 32 bits.
 */
import type { StreamContext } from '../proxy/stream-context.js';
import type { FetchFn } from '../sample/impl-registry.js';
import type { Server } from '../server/server.js';
import { MISS } from '../sample/context.js';
import { F_MAY_CHANGE } from '../sample/sample.js';

/** strtoul(s, &end, 10) from `at`: value (full precision) and the index after the number (`at` when none). */
function strtoul(s: string, at: number): { value: bigint; end: number } {
  let i = at;
  while (i < s.length && (s[i] === ' ' || (s.charCodeAt(i) >= 9 && s.charCodeAt(i) <= 13))) i++;
  let neg = false;
  if (s[i] === '+' || s[i] === '-') {
    neg = s[i] === '-';
    i++;
  }
  const start = i;
  let v = 0n;
  while (i < s.length && s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57) {
    v = v * 10n + BigInt(s.charCodeAt(i) - 48);
    i++;
  }
  if (i === start) return { value: 0n, end: at };
  // unsigned long: overflow saturates at ULONG_MAX, a minus sign negates modulo 2^64.
  if (v > 0xffffffffffffffffn) v = 0xffffffffffffffffn;
  else if (neg) v = BigInt.asUintN(64, -v);
  return { value: v, end: i };
}

/** Decodes a routing token value; undefined when it is not `<ip>.<port>.`. */
export function decodeRdpCookie(value: string): { address: string; port: number } | undefined {
  const a = strtoul(value, 0);
  if (value[a.end] !== '.') return undefined;
  const p = strtoul(value, a.end + 1);
  if (value[p.end] !== '.') return undefined;
  const addr = Number(BigInt.asUintN(32, a.value));
  // s_addr in memory is the address in network order; read little-endian it is byte 0 first.
  const address = `${addr & 0xff}.${(addr >>> 8) & 0xff}.${(addr >>> 16) & 0xff}.${addr >>> 24}`;
  const raw = Number(BigInt.asUintN(16, p.value));
  const port = ((raw & 0xff) << 8) | (raw >>> 8);
  return { address, port };
}

/** Encodes a server address as a broker would (the inverse of {@link decodeRdpCookie}), for tests and tools. */
export function encodeRdpCookie(address: string, port: number): string {
  const b = address.split('.').map(Number);
  const v = ((b[0] ?? 0) | ((b[1] ?? 0) << 8) | ((b[2] ?? 0) << 16) | ((b[3] ?? 0) << 24)) >>> 0;
  const p = ((port & 0xff) << 8) | ((port >>> 8) & 0xff);
  return `${v}.${p}.0000`;
}

/**
 * The server an RDP cookie in the inspected bytes points to, or undefined
 * (no cookie, not complete yet, malformed, no such server, or not usable).
 */
export function rdpPersistServer(fetch: FetchFn, ctx: StreamContext, servers: readonly Server[], persistDown: boolean): Server | undefined {
  const smp = fetch(ctx);
  if (smp === undefined || smp === MISS || smp.flags & F_MAY_CHANGE) return undefined;
  if (smp.type !== 'str' || smp.value.length === 0) return undefined;
  const target = decodeRdpCookie(smp.value);
  if (target === undefined) return undefined;
  for (const s of servers) {
    const a = s.address;
    if (a.family !== 'ipv4' || a.port !== target.port || a.host !== target.address) continue;
    // "we found the server and it is usable"
    if (s.state === 'UP' || persistDown) return s;
  }
  return undefined;
}
