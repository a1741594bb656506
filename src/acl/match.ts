/**
 * Pattern matching for ACLs and maps (configuration.txt §7.1.1 to §7.1.6),
 * compiled once from the parsed patterns into lookup structures sized for
 * thousands of patterns (HAProxy 2.6 pattern.c pat_match_* and pat_idx_*):
 *
 *   str  exact strings in a Map (a Set with the first pattern's index);
 *   beg  a character trie: longest prefix (HAProxy's prefix tree), or the
 *        first matching pattern in file order with -i (HAProxy's list);
 *   end  a reversed character trie, first matching pattern in file order;
 *   ip   per-prefix-length maps: longest match first, IPv4 then IPv6 tree,
 *        then the list of non-contiguous IPv4 masks (pat_match_ip order);
 *   int/len/ver  exact values in a Map, ranges in a list;
 *   sub/dir/dom/reg/bin/meth  lists, first match in order.
 *
 * Which pattern matches matters for maps (its value is returned), not for
 * ACLs. The sample is first cast to the method's input type
 * (pattern_exec_match → sample_convert); a failed cast never matches.
 */
import { readFileSync } from 'node:fs';
import type { AclPattern, MatchMethod } from '../sample/converters/patterns.js';
import { castSample, parseIpv6, KNOWN_METHODS, type Sample } from '../sample/sample.js';
import type { SampleType } from '../sample/types.js';

/** A compiled pattern set. */
export interface PatternMatcher {
  /** Index of the matching pattern (the one HAProxy would pick), or -1; 0 for `found`/`bool` matches. */
  find(s: Sample): number;
}

/** pattern.c pat_match_types[]: the type the sample is cast to before matching (`any` = not cast). */
export const MATCH_EXPECT: Readonly<Record<MatchMethod, SampleType>> = {
  found: 'any', bool: 'sint', int: 'sint', ip: 'addr', bin: 'bin', len: 'str', str: 'str', beg: 'str',
  sub: 'str', dir: 'str', dom: 'str', end: 'str', reg: 'str', regm: 'str', meth: 'meth', ver: 'sint',
};

/** C tolower() in the "C" locale HAProxy runs with: ASCII letters only. */
export function asciiLower(s: string): string {
  return /[A-Z]/.test(s) ? s.replace(/[A-Z]+/g, (m) => m.toLowerCase()) : s;
}

/** C toupper() in the "C" locale. */
export function asciiUpper(s: string): string {
  return /[a-z]/.test(s) ? s.replace(/[a-z]+/g, (m) => m.toUpperCase()) : s;
}

// ---------------------------------------------------------------------------
// Character trie for prefixes and suffixes
// ---------------------------------------------------------------------------

interface TrieNode {
  kids: Map<number, TrieNode> | undefined;
  /** Index of the first pattern ending here, -1 if none. */
  idx: number;
}

function trieInsert(root: TrieNode, s: string, idx: number, reverse: boolean): void {
  let n = root;
  const len = s.length;
  for (let i = 0; i < len; i++) {
    const c = s.charCodeAt(reverse ? len - 1 - i : i);
    n.kids ??= new Map();
    let k = n.kids.get(c);
    if (k === undefined) {
      k = { kids: undefined, idx: -1 };
      n.kids.set(c, k);
    }
    n = k;
  }
  if (n.idx < 0) n.idx = idx;
}

/** Walks `s` (from the end when reversed); returns the longest terminal's index, or the smallest index seen when `first`. */
function trieLookup(root: TrieNode, s: string, reverse: boolean, first: boolean): number {
  let n: TrieNode | undefined = root;
  let best = root.idx;
  const len = s.length;
  for (let i = 0; i < len && n !== undefined; i++) {
    n = n.kids?.get(s.charCodeAt(reverse ? len - 1 - i : i));
    if (n !== undefined && n.idx >= 0) {
      if (!first || best < 0 || n.idx < best) best = n.idx;
    }
  }
  return best;
}

// ---------------------------------------------------------------------------
// Strings
// ---------------------------------------------------------------------------

function strValue(s: Sample): string | undefined {
  return s.type === 'str' ? s.value : undefined;
}

function matchStrExact(pats: readonly string[], icase: boolean): PatternMatcher {
  const map = new Map<string, number>();
  pats.forEach((p, i) => {
    const k = icase ? asciiLower(p) : p;
    if (!map.has(k)) map.set(k, i);
  });
  return {
    find(s) {
      const v = strValue(s);
      if (v === undefined) return -1;
      return map.get(icase ? asciiLower(v) : v) ?? -1;
    },
  };
}

function matchTrie(pats: readonly string[], icase: boolean, reverse: boolean, first: boolean): PatternMatcher {
  const root: TrieNode = { kids: undefined, idx: -1 };
  pats.forEach((p, i) => trieInsert(root, icase ? asciiLower(p) : p, i, reverse));
  return {
    find(s) {
      const v = strValue(s);
      if (v === undefined) return -1;
      return trieLookup(root, icase ? asciiLower(v) : v, reverse, first);
    },
  };
}

function matchSub(pats: readonly string[], icase: boolean): PatternMatcher {
  const list = icase ? pats.map(asciiLower) : pats;
  return {
    find(s) {
      let v = strValue(s);
      if (v === undefined) return -1;
      if (icase) v = asciiLower(v);
      for (let i = 0; i < list.length; i++) if (v.includes(list[i]!)) return i;
      return -1;
    },
  };
}

const DIR_DELIMS = (c: number): boolean => c === 0x2f;
const DOM_DELIMS = (c: number): boolean => c === 0x2f || c === 0x3f || c === 0x2e || c === 0x3a;

/**
 * pattern.c match_word(): the pattern, stripped of leading and trailing
 * delimiters, appears in `v` bounded by delimiters or the ends of `v`.
 */
export function matchWord(v: string, pattern: string, isDelim: (c: number) => boolean): boolean {
  let ps = 0;
  let pl = pattern.length;
  while (pl > 0 && isDelim(pattern.charCodeAt(ps))) {
    ps++;
    pl--;
  }
  while (pl > 0 && isDelim(pattern.charCodeAt(ps + pl - 1))) pl--;
  // A pattern made of delimiters only matches at the very end, compared with
  // the NUL that follows the sample: an empty sample or one ending with a
  // delimiter (verified: `str(/) -m dir /` matches, `str(a//b) -m dir /` does not).
  if (pl === 0) return v.length === 0 || isDelim(v.charCodeAt(v.length - 1));
  if (pl > v.length) return false;
  const p = pattern.slice(ps, ps + pl);
  const end = v.length - pl;
  let mayMatch = true;
  for (let c = 0; c <= end; c++) {
    if (isDelim(v.charCodeAt(c))) {
      mayMatch = true;
      continue;
    }
    if (!mayMatch) continue;
    if (v.startsWith(p, c) && (c === end || isDelim(v.charCodeAt(c + pl)))) return true;
    mayMatch = false;
  }
  return false;
}

function matchWords(pats: readonly string[], icase: boolean, isDelim: (c: number) => boolean): PatternMatcher {
  const list = icase ? pats.map(asciiLower) : pats;
  return {
    find(s) {
      let v = strValue(s);
      if (v === undefined) return -1;
      if (icase) v = asciiLower(v);
      for (let i = 0; i < list.length; i++) if (matchWord(v, list[i]!, isDelim)) return i;
      return -1;
    },
  };
}

function matchReg(regs: readonly (RegExp | undefined)[]): PatternMatcher {
  return {
    find(s) {
      const v = strValue(s);
      if (v === undefined) return -1;
      for (let i = 0; i < regs.length; i++) {
        const r = regs[i];
        // a regex using PCRE-only syntax could not be compiled by JS: it never matches
        if (r !== undefined && r.test(v)) return i;
      }
      return -1;
    },
  };
}

function matchBin(hexes: readonly string[]): PatternMatcher {
  const bufs = hexes.map((h) => Buffer.from(h, 'hex'));
  if (bufs.length <= 8) {
    // a few patterns: compare bytes in place, no string built per lookup
    return {
      find(s) {
        if (s.type !== 'bin') return -1;
        const v = s.value;
        outer: for (let i = 0; i < bufs.length; i++) {
          const b = bufs[i]!;
          if (b.length !== v.length) continue;
          for (let k = 0; k < b.length; k++) if (b[k] !== v[k]) continue outer;
          return i;
        }
        return -1;
      },
    };
  }
  const map = new Map<string, number>();
  bufs.forEach((b, i) => {
    const k = b.toString('latin1');
    if (!map.has(k)) map.set(k, i);
  });
  return {
    find(s) {
      if (s.type !== 'bin') return -1;
      return map.get(s.value.toString('latin1')) ?? -1;
    },
  };
}

/** pattern.c pat_match_meth(): known methods compare by identity, others by text (case per -i). */
function matchMeth(pats: readonly string[], icase: boolean): PatternMatcher {
  return {
    find(s) {
      if (s.type !== 'meth') return -1;
      const known = KNOWN_METHODS.has(s.value);
      for (let i = 0; i < pats.length; i++) {
        const p = pats[i]!;
        if (KNOWN_METHODS.has(p)) {
          if (known && s.value === p) return i;
          continue;
        }
        if (known) continue;
        if (icase ? asciiLower(p) === asciiLower(s.value) : p === s.value) return i;
      }
      return -1;
    },
  };
}

// ---------------------------------------------------------------------------
// Integers
// ---------------------------------------------------------------------------

function matchRanges(pats: readonly AclPattern[], length: boolean): PatternMatcher {
  const exact = new Map<bigint, number>();
  const ranges: { min: bigint | undefined; max: bigint | undefined; idx: number }[] = [];
  pats.forEach((p, i) => {
    if (p.kind !== 'range') return;
    if (p.min !== undefined && p.max !== undefined && p.min === p.max) {
      const k = BigInt(p.min);
      if (!exact.has(k)) exact.set(k, i);
    } else ranges.push({ min: p.min === undefined ? undefined : BigInt(p.min), max: p.max === undefined ? undefined : BigInt(p.max), idx: i });
  });
  return {
    find(s) {
      let v: bigint;
      if (length) {
        if (s.type !== 'str') return -1;
        v = BigInt(s.value.length);
      } else if (s.type === 'sint') v = s.value;
      else if (s.type === 'bool') v = s.value ? 1n : 0n;
      else return -1;
      let best = exact.get(v) ?? -1;
      for (let i = 0; i < ranges.length; i++) {
        const r = ranges[i]!;
        if (best >= 0 && r.idx > best) break;
        if ((r.min === undefined || v >= r.min) && (r.max === undefined || v <= r.max)) {
          best = r.idx;
          break;
        }
      }
      return best;
    },
  };
}

// ---------------------------------------------------------------------------
// IP addresses
// ---------------------------------------------------------------------------

let hostsV4: Map<string, number> | undefined;
/** Names from /etc/hosts with their first IPv4 address (HAProxy resolves ACL host names at startup). */
function resolveHostV4(name: string): number | undefined {
  if (hostsV4 === undefined) {
    hostsV4 = new Map([['localhost', 0x7f000001]]);
    try {
      for (const line of readFileSync('/etc/hosts', 'latin1').split('\n')) {
        const w = line.replace(/#.*/, '').trim().split(/\s+/);
        const a = w[0] === undefined ? undefined : inetAton(w[0]);
        if (a === undefined) continue;
        for (const n of w.slice(1)) if (!hostsV4.has(n.toLowerCase())) hostsV4.set(n.toLowerCase(), a);
      }
    } catch {
      // no /etc/hosts: only localhost
    }
  }
  return hostsV4.get(name.toLowerCase());
}

/** inet_aton(): 1 to 4 parts, each decimal, octal (leading 0) or hex (0x); the last part fills the remaining bytes. */
export function inetAton(s: string): number | undefined {
  const parts = s.split('.');
  if (parts.length === 0 || parts.length > 4) return undefined;
  const nums: number[] = [];
  for (const p of parts) {
    let n: number;
    if (/^0[xX][0-9a-fA-F]+$/.test(p)) n = parseInt(p.slice(2), 16);
    else if (/^0[0-7]*$/.test(p)) n = p.length > 1 ? parseInt(p, 8) : 0;
    else if (/^[1-9]\d*$/.test(p)) n = Number(p);
    else return undefined;
    nums.push(n);
  }
  const last = nums[nums.length - 1]!;
  const lead = nums.slice(0, -1);
  if (lead.some((n) => n > 255)) return undefined;
  const lastBits = 8 * (5 - nums.length);
  if (last >= 2 ** lastBits) return undefined;
  let v = 0;
  lead.forEach((n, i) => (v += n * 2 ** (24 - 8 * i)));
  return (v + last) >>> 0;
}

/** The IPv4 prefix length of a contiguous mask, or -1. */
function maskBits(mask: number): number {
  const inv = ~mask >>> 0;
  if ((inv & (inv + 1)) !== 0) return -1;
  return 32 - Math.log2(inv + 1);
}

function v4mask(bits: number): number {
  return bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
}

/** A parsed IP pattern: IPv4 address and mask (host order), or IPv6 address and prefix length. */
type IpPat = { v: 4; addr: number; mask: number } | { v: 6; addr: Buffer; bits: number };

/** pattern.c pat_parse_ip() on the text kept by the parser. */
function parseIpText(text: string): IpPat | undefined {
  const slash = text.lastIndexOf('/');
  const a = slash < 0 ? text : text.slice(0, slash);
  const m = slash < 0 ? undefined : text.slice(slash + 1);
  const v4 = inetAton(a) ?? (/^[A-Za-z0-9.-]+$/.test(a) && /[A-Za-z]/.test(a) ? resolveHostV4(a) : undefined);
  if (v4 !== undefined) {
    let mask = 0xffffffff;
    if (m !== undefined) {
      if (/^\d+$/.test(m)) {
        const n = Number(m);
        if (n > 32) return undefined;
        mask = v4mask(n);
      } else {
        const mm = inetAton(m);
        if (mm === undefined) return undefined;
        mask = mm;
      }
    }
    return { v: 4, addr: (v4 & mask) >>> 0, mask };
  }
  const v6 = parseIpv6(a);
  if (v6 === undefined) return undefined;
  const bits = m === undefined ? 128 : Number(m);
  if (!Number.isInteger(bits) || bits > 128) return undefined;
  return { v: 6, addr: maskV6(v6, bits), bits };
}

function maskV6(b: Uint8Array, bits: number): Buffer {
  const out = Buffer.alloc(16);
  for (let i = 0; i < 16; i++) {
    const keep = Math.max(0, Math.min(8, bits - i * 8));
    out[i] = b[i]! & ((0xff << (8 - keep)) & 0xff);
  }
  return out;
}

/** A compact Map key for 16 bytes: eight UTF-16 units. */
function v6key(b: Uint8Array): string {
  let k = '';
  for (let i = 0; i < 16; i += 2) k += String.fromCharCode((b[i]! << 8) | b[i + 1]!);
  return k;
}

/**
 * pat_match_ip(): for an IPv6 sample, the IPv4 address it carries in the
 * forms ::ffff:a.b.c.d, ::a.b.c.d and 2002:AABB:CCDD:: (6to4), if any.
 */
function embeddedV4(b: Uint8Array): number | undefined {
  let zero8 = true;
  for (let i = 0; i < 8; i++) if (b[i] !== 0) zero8 = false;
  const w4 = ((b[8]! << 24) | (b[9]! << 16) | (b[10]! << 8) | b[11]!) >>> 0;
  if (zero8 && (w4 === 0 || w4 === 0xffff)) return ((b[12]! << 24) | (b[13]! << 16) | (b[14]! << 8) | b[15]!) >>> 0;
  if (b[0] === 0x20 && b[1] === 0x02) return ((b[2]! << 24) | (b[3]! << 16) | (b[4]! << 8) | b[5]!) >>> 0;
  return undefined;
}

function matchIp(pats: readonly AclPattern[]): PatternMatcher {
  // prefix length → (masked address → first index); lengths sorted longest first
  const t4 = new Map<number, Map<number, number>>();
  const t6 = new Map<number, Map<string, number>>();
  const list: { addr: number; mask: number; idx: number }[] = [];
  pats.forEach((p, i) => {
    if (p.kind !== 'ip') return;
    const ip = parseIpText(p.text);
    if (ip === undefined) return;
    if (ip.v === 4) {
      const bits = maskBits(ip.mask);
      if (bits < 0) {
        list.push({ addr: ip.addr, mask: ip.mask, idx: i });
        return;
      }
      let m = t4.get(bits);
      if (m === undefined) t4.set(bits, (m = new Map()));
      if (!m.has(ip.addr)) m.set(ip.addr, i);
    } else {
      let m = t6.get(ip.bits);
      if (m === undefined) t6.set(ip.bits, (m = new Map()));
      const k = v6key(ip.addr);
      if (!m.has(k)) m.set(k, i);
    }
  });
  const l4 = [...t4.keys()].sort((a, b) => b - a).map((bits) => ({ mask: v4mask(bits), map: t4.get(bits)! }));
  const l6 = [...t6.keys()].sort((a, b) => b - a).map((bits) => ({ bits, map: t6.get(bits)! }));
  const look4 = (v: number): number => {
    for (let i = 0; i < l4.length; i++) {
      const e = l4[i]!;
      const r = e.map.get((v & e.mask) >>> 0);
      if (r !== undefined) return r;
    }
    return -1;
  };
  const look6 = (b: Uint8Array): number => {
    for (let i = 0; i < l6.length; i++) {
      const e = l6[i]!;
      const r = e.map.get(v6key(e.bits === 128 ? b : maskV6(b, e.bits)));
      if (r !== undefined) return r;
    }
    return -1;
  };
  const lookList = (v: number): number => {
    for (let i = 0; i < list.length; i++) {
      const e = list[i]!;
      if (((v ^ e.addr) & e.mask) >>> 0 === 0) return e.idx;
    }
    return -1;
  };
  return {
    find(s) {
      if (s.type === 'ipv4') {
        let r = look4(s.value);
        if (r < 0 && l6.length > 0) {
          const m = Buffer.alloc(16);
          m[10] = 0xff;
          m[11] = 0xff;
          m.writeUInt32BE(s.value, 12);
          r = look6(m);
        }
        return r >= 0 ? r : lookList(s.value);
      }
      if (s.type === 'ipv6') {
        let r = look6(s.value);
        if (r >= 0) return r;
        const v4 = embeddedV4(s.value);
        if (v4 === undefined) return -1;
        r = look4(v4);
        return r >= 0 ? r : lookList(v4);
      }
      return -1;
    },
  };
}

// ---------------------------------------------------------------------------
// Entry point
// ---------------------------------------------------------------------------

/** What a pattern set needs besides its patterns. */
export interface MatcherOptions {
  /** `-i`: case-insensitive strings (ASCII only, as strncasecmp in the C locale). */
  readonly ignoreCase?: boolean;
}

/**
 * Compiles `patterns` for `method`. The returned matcher casts the sample to
 * the method's input type itself, so it can be given any sample.
 */
export function compileMatcher(method: MatchMethod, patterns: readonly AclPattern[], opts: MatcherOptions = {}): PatternMatcher {
  const icase = opts.ignoreCase === true;
  const strs = (): string[] => patterns.map((p) => (p.kind === 'str' ? p.value : ''));
  let inner: PatternMatcher;
  switch (method) {
    case 'found':
      return { find: () => 0 };
    case 'bool':
      // pattern.c pat_match_nothing(): the integer value, whatever the patterns
      return {
        find(s) {
          if (s.type === 'bool') return s.value ? 0 : -1;
          if (s.type === 'sint') return s.value !== 0n ? 0 : -1;
          const c = castSample(s, 'sint');
          if (c === undefined) return -1;
          return c.type === 'sint' && c.value !== 0n ? 0 : -1;
        },
      };
    case 'int':
    case 'ver':
      inner = matchRanges(patterns, false);
      break;
    case 'len':
      inner = matchRanges(patterns, true);
      break;
    case 'ip':
      inner = matchIp(patterns);
      break;
    case 'str':
      inner = matchStrExact(strs(), icase);
      break;
    case 'beg':
      // pat_idx_tree_pfx: a prefix tree (longest match) unless -i, which uses the list (first match)
      inner = matchTrie(strs(), icase, false, icase);
      break;
    case 'end':
      inner = matchTrie(strs(), icase, true, true);
      break;
    case 'sub':
      inner = matchSub(strs(), icase);
      break;
    case 'dir':
      inner = matchWords(strs(), icase, DIR_DELIMS);
      break;
    case 'dom':
      inner = matchWords(strs(), icase, DOM_DELIMS);
      break;
    case 'reg':
    case 'regm':
      inner = matchReg(patterns.map((p) => (p.kind === 'reg' ? p.compiled : undefined)));
      break;
    case 'bin':
      inner = matchBin(patterns.map((p) => (p.kind === 'bin' ? p.hex : '')));
      break;
    case 'meth':
      inner = matchMeth(strs(), icase);
      break;
  }
  const expect = MATCH_EXPECT[method];
  return {
    find(s) {
      const c = s.type === expect ? s : castSample(s, expect);
      return c === undefined ? -1 : inner.find(c);
    },
  };
}
