/**
 * `balance source`: the client address hashed onto the weighted server map
 * (backend.c: get_server_sh(), lb_map.c: map_get_server_hash()), so a client
 * keeps reaching the same server while the set of servers is unchanged.
 *
 * Only `hash-type map-based` (the default) is implemented; `consistent`
 * falls back to it until lb_chash lands. `avalanche` applies full_hash().
 */
import { isIPv4 } from 'node:net';
import type { AlgorithmOptions, BalanceAlgorithm, PickContext } from './registry.js';
import type { Server } from '../server/server.js';
import { ServerMap } from './static-rr.js';

/** Bob Jenkins' full avalanche integer hash (include/haproxy/hash.h: full_hash). */
export function fullHash(x: number): number {
  let a = x >>> 0;
  a = (a + 0x7ed55d16 + (a << 12)) >>> 0;
  a = ((a ^ 0xc761c23c) ^ (a >>> 19)) >>> 0;
  a = (a + 0x165667b1 + (a << 5)) >>> 0;
  a = ((a + 0xd3a2646c) ^ (a << 9)) >>> 0;
  a = (a + 0xfd7046c5 + (a << 3)) >>> 0;
  a = ((a ^ 0xb55a4f09) ^ (a >>> 16)) >>> 0;
  return a;
}

function parseIPv4(s: string): number {
  let v = 0;
  for (const part of s.split('.')) v = ((v << 8) | (Number(part) & 0xff)) >>> 0;
  return v;
}

/** The 16 bytes of an IPv6 literal as four big-endian 32-bit words. */
function parseIPv6Words(s: string): number[] {
  let text = s.split('%')[0] ?? '';
  const lastColon = text.lastIndexOf(':');
  const last = text.slice(lastColon + 1);
  if (last.includes('.')) {
    // "::ffff:1.2.3.4": the dotted quad is the last two groups.
    const v4 = parseIPv4(last);
    text = `${text.slice(0, lastColon + 1)}${(v4 >>> 16).toString(16)}:${(v4 & 0xffff).toString(16)}`;
  }
  let groups: string[];
  const dbl = text.indexOf('::');
  if (dbl >= 0) {
    const left = text.slice(0, dbl);
    const right = text.slice(dbl + 2);
    const lg = left === '' ? [] : left.split(':');
    const rg = right === '' ? [] : right.split(':');
    groups = [...lg, ...new Array<string>(Math.max(0, 8 - lg.length - rg.length)).fill('0'), ...rg];
  } else {
    groups = text.split(':');
  }
  const words: number[] = [];
  for (let i = 0; i < 8; i += 2) {
    const hi = parseInt(groups[i] ?? '0', 16) || 0;
    const lo = parseInt(groups[i + 1] ?? '0', 16) || 0;
    words.push(((hi << 16) | lo) >>> 0);
  }
  return words;
}

/**
 * backend.c get_server_sh(): XOR of the address taken as 32-bit big-endian
 * words (one word for IPv4, four for IPv6, IPv4-mapped included).
 */
export function sourceHash(address: string): number {
  if (isIPv4(address)) return parseIPv4(address);
  let h = 0;
  for (const w of parseIPv6Words(address)) h = (h ^ w) >>> 0;
  return h;
}

/** Source-address hashing over the weighted map. */
export class SourceHash implements BalanceAlgorithm {
  readonly name = 'source';
  readonly kind = 'hi' as const;
  private readonly table: ServerMap;
  private readonly avalanche: boolean;

  constructor(servers: readonly Server[], opts: AlgorithmOptions) {
    this.table = new ServerMap(servers, opts.allBackups);
    this.avalanche = opts.hashType?.avalanche === true;
  }

  pick(ctx: PickContext): Server | undefined {
    const map = this.table.map;
    if (map.length === 0) return undefined;
    // "we won't hash if there's only one server left"
    let h = 0;
    if (this.table.used !== 1 && ctx.source !== undefined) {
      h = sourceHash(ctx.source);
      if (this.avalanche) h = fullHash(h);
    }
    return map[h % map.length];
  }

  onServerUp(_s: Server): void {
    this.table.rebuild();
  }

  onServerDown(_s: Server): void {
    this.table.rebuild();
  }

  onWeightChange(_s: Server): void {
    this.table.rebuild();
  }

  onConnectionStart(_s: Server): void {
    /* static */
  }

  onConnectionEnd(_s: Server): void {
    /* static */
  }
}
