/**
 * `option forwardfor [except <net>] [header <name>] [if-none]` and
 * `option originalto [except <net>] [header <name>]` (configuration.txt
 * §4.2): the header carrying the client's (or the original destination's)
 * address, added to each request sent to a server.
 *
 * Compiled once per proxy into an {@link AddressHeader}; per request it costs
 * an address test and, when the header is added, one [name, value] pair.
 */
import type { AddressHeaderOption } from '../config/model/proxy.js';
import type { H1Head } from './h1-head.js';

/** A compiled address header. */
export interface AddressHeader {
  /** The header name as configured (written lowercase by the writer). */
  readonly name: string;
  readonly lowerName: string;
  readonly ifNone: boolean;
  /** Whether `address` is in the `except` network. */
  excluded(address: string): boolean;
}

function ipv4ToInt(a: string): number | undefined {
  const p = a.split('.');
  if (p.length !== 4) return undefined;
  let v = 0;
  for (const x of p) {
    if (!/^\d{1,3}$/.test(x)) return undefined;
    const n = Number(x);
    if (n > 255) return undefined;
    v = v * 256 + n;
  }
  return v;
}

/** A v4-mapped IPv6 address as Node reports it on dual-stack sockets, reduced to its IPv4 form. */
export function plainAddress(a: string): string {
  return a.startsWith('::ffff:') && a.includes('.') ? a.slice(7) : a;
}

/** Builds the `except` test: an IPv4 network (`a.b.c.d[/m]` or dotted mask) or an IPv6 address/prefix. */
function exceptTest(net: string | undefined): (address: string) => boolean {
  if (net === undefined) return () => false;
  const [addr = '', mask] = net.split('/');
  const v4 = ipv4ToInt(addr);
  if (v4 !== undefined) {
    let bits = 32;
    if (mask !== undefined) {
      const m4 = ipv4ToInt(mask);
      bits = m4 !== undefined ? 32 - Math.log2(2 ** 32 - m4) : Number(mask);
    }
    const m = bits <= 0 ? 0 : bits >= 32 ? 0xffffffff : (0xffffffff << (32 - bits)) >>> 0;
    const want = (v4 & m) >>> 0;
    return (a) => {
      const x = ipv4ToInt(plainAddress(a));
      return x !== undefined && ((x & m) >>> 0) === want;
    };
  }
  // IPv6: compare expanded hex digits on the prefix length.
  const bits = mask === undefined ? 128 : Number(mask);
  const want = expand6(addr);
  return (a) => {
    const x = expand6(a);
    if (want === undefined || x === undefined) return false;
    const nibbles = Math.floor(bits / 4);
    if (x.slice(0, nibbles) !== want.slice(0, nibbles)) return false;
    const rem = bits % 4;
    if (rem === 0) return true;
    const mm = (0xf << (4 - rem)) & 0xf;
    return (parseInt(x[nibbles] ?? '0', 16) & mm) === (parseInt(want[nibbles] ?? '0', 16) & mm);
  };
}

function expand6(a: string): string | undefined {
  if (!a.includes(':')) return undefined;
  const [head = '', tail] = a.split('::');
  const h = head === '' ? [] : head.split(':');
  const t = tail === undefined || tail === '' ? [] : tail.split(':');
  const fill = tail === undefined ? 0 : 8 - h.length - t.length;
  const all = [...h, ...Array<string>(Math.max(0, fill)).fill('0'), ...t];
  if (all.length !== 8) return undefined;
  return all.map((g) => g.padStart(4, '0').toLowerCase()).join('');
}

/** Compiles `option forwardfor` / `option originalto` (undefined when not set). */
export function compileAddressHeader(opt: AddressHeaderOption | undefined): AddressHeader | undefined {
  if (opt === undefined) return undefined;
  const excluded = exceptTest(opt.except);
  return { name: opt.header, lowerName: opt.header.toLowerCase(), ifNone: opt.ifNone, excluded };
}

/**
 * The header to add for this request, or undefined (http_ana.c
 * http_process_request: the frontend's option applies, else the backend's;
 * `if-none` skips it when the request already has the header).
 */
export function addressHeaderFor(h: AddressHeader | undefined, address: string | undefined, req: H1Head | undefined, hasHeader?: (lowerName: string) => boolean): readonly [string, string] | undefined {
  if (h === undefined || address === undefined) return undefined;
  if (h.excluded(address)) return undefined;
  if (h.ifNone) {
    const present = hasHeader !== undefined ? hasHeader(h.lowerName) : req !== undefined && req.find(h.lowerName) >= 0;
    if (present) return undefined;
  }
  return [h.name, plainAddress(address)];
}
