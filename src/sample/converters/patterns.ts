/**
 * ACL match methods and their pattern parsers (configuration.txt §7.1.1 to
 * §7.1.6; HAProxy 2.6 pattern.c pat_parse_*), plus pattern files (`-f`,
 * §7.1 and map files §7.3.1 "map"). Shared by the `acl` parser and the map_*
 * converters. Error messages are HAProxy's.
 *
 * It lives with the converters because map files are pattern files (as in
 * HAProxy's pattern.c, which serves both ACLs and maps).
 */
import { readFileSync } from 'node:fs';
import type { SampleType } from '../types.js';

/** Match methods selectable with `-m` (pattern.c pat_match_names[]). */
export const MATCH_METHODS = ['found', 'bool', 'int', 'ip', 'bin', 'len', 'str', 'beg', 'sub', 'dir', 'dom', 'end', 'reg', 'regm'] as const;
export type MatchMethod = (typeof MATCH_METHODS)[number] | 'meth' | 'ver';

/** pattern.c pat_match_types[]: the sample type each match method works on. */
export const MATCH_INPUT_TYPE: Readonly<Record<MatchMethod, SampleType>> = {
  found: 'any', bool: 'sint', int: 'sint', ip: 'addr', bin: 'bin', len: 'str', str: 'str', beg: 'str',
  sub: 'str', dir: 'str', dom: 'str', end: 'str', reg: 'str', regm: 'str', meth: 'meth', ver: 'sint',
};

/** acl.c: the match used when none is given, from the sample's output type (none for `any`). */
export function defaultMatchFor(t: SampleType): MatchMethod | undefined {
  switch (t) {
    case 'bool': return 'bool';
    case 'sint': return 'int';
    case 'addr': case 'ipv4': case 'ipv6': return 'ip';
    case 'str': return 'str';
    case 'bin': return 'bin';
    case 'meth': return 'meth';
    case 'any': return undefined;
  }
}

/** A compiled pattern: plain data, matched later by the evaluation code. */
export type AclPattern =
  | { readonly kind: 'range'; readonly min?: number; readonly max?: number }
  | { readonly kind: 'ip'; readonly text: string; readonly family: 4 | 6; readonly prefix: number }
  | { readonly kind: 'str'; readonly value: string }
  | { readonly kind: 'reg'; readonly source: string; readonly compiled: RegExp | undefined }
  | { readonly kind: 'bin'; readonly hex: string }
  | { readonly kind: 'none' };

export type PatternResult = { ok: true; pattern: AclPattern } | { ok: false; message: string };

/** standard.c strl2llrc(): optional '-' then digits only. */
function strl2ll(s: string): number | undefined {
  // an empty string or a lone '-' reads as 0, like the C loop over zero digits
  if (!/^-?\d*$/.test(s)) return undefined;
  return s === '' || s === '-' ? 0 : Number(s);
}

/** pattern.c pat_parse_int(): "n", "n:m", ":m", "n:" (":" or "-" as separator). */
export function parseIntPattern(text: string): PatternResult {
  const bad = (): PatternResult => ({ ok: false, message: `'${text}' is not a valid number range` });
  if (text === '') return bad();
  const sep = text.search(/[:-]/);
  if (sep < 0) {
    const v = strl2ll(text);
    return v === undefined ? { ok: false, message: `'${text}' is not a number` } : { ok: true, pattern: { kind: 'range', min: v, max: v } };
  }
  const left = text.slice(0, sep);
  const right = text.slice(sep + 1);
  if (sep === 0 && right !== '') {
    const mx = strl2ll(right);
    return mx === undefined ? bad() : { ok: true, pattern: { kind: 'range', max: mx } };
  }
  if (right === '') {
    const mn = strl2ll(left);
    return mn === undefined ? bad() : { ok: true, pattern: { kind: 'range', min: mn } };
  }
  const mn = strl2ll(left);
  const mx = strl2ll(right);
  if (mn === undefined || mx === undefined || mn > mx) return bad();
  return { ok: true, pattern: { kind: 'range', min: mn, max: mx } };
}

/** pattern.c pat_parse_dotted_ver(): "major[.minor]" and ranges of those, encoded as major<<16|minor. */
export function parseDottedVerPattern(text: string): PatternResult {
  const one = (s: string): number | undefined => {
    const m = /^(\d+)(?:\.(\d+))?$/.exec(s);
    if (m === null) return undefined;
    const maj = Number(m[1]);
    const min = m[2] === undefined ? 0 : Number(m[2]);
    if (maj > 65535 || min > 65535) return undefined;
    return maj * 65536 + min;
  };
  const sep = text.search(/[:-]/);
  if (sep < 0) {
    const v = one(text);
    return v === undefined ? { ok: false, message: `'${text}' is not a dotted number` } : { ok: true, pattern: { kind: 'range', min: v, max: v } };
  }
  const bad = (): PatternResult => ({ ok: false, message: `'${text}' is not a valid dotted number range` });
  const l = text.slice(0, sep);
  const r = text.slice(sep + 1);
  const mn = l === '' ? undefined : one(l);
  const mx = r === '' ? undefined : one(r);
  if ((l !== '' && mn === undefined) || (r !== '' && mx === undefined) || (mn !== undefined && mx !== undefined && mn > mx)) return bad();
  return { ok: true, pattern: { kind: 'range', ...(mn === undefined ? {} : { min: mn }), ...(mx === undefined ? {} : { max: mx }) } };
}

let etcHosts: Set<string> | undefined;
/** Names the resolver would answer from /etc/hosts (HAProxy resolves ACL host names at startup). */
function isKnownHost(name: string): boolean {
  if (etcHosts === undefined) {
    etcHosts = new Set(['localhost']);
    try {
      for (const line of readFileSync('/etc/hosts', 'latin1').split('\n')) {
        const w = line.replace(/#.*/, '').trim().split(/\s+/);
        for (const n of w.slice(1)) etcHosts.add(n.toLowerCase());
      }
    } catch {
      // no /etc/hosts: only "localhost"
    }
  }
  return etcHosts.has(name.toLowerCase());
}

/** inet_aton() forms accepted by str2net: 1 to 4 numeric parts ("10", "10.1", "1.2.3.4"). */
function isInetAton(s: string): boolean {
  const parts = s.split('.');
  if (parts.length > 4) return false;
  return parts.every((p) => /^(0x[0-9a-fA-F]+|\d+)$/.test(p));
}

function isIpv6Text(s: string): boolean {
  return s.includes(':') && /^[0-9A-Fa-f:.]+$/.test(s) && (s.match(/::/g) ?? []).length <= 1 && s.split(':').length <= 8;
}

/**
 * pattern.c pat_parse_ip(): IPv4 "addr[/bits|/mask]" (inet_aton forms, host
 * names resolved unless -n) or IPv6 "addr[/bits]".
 */
export function parseIpPattern(text: string, noDns: boolean): PatternResult {
  const bad: PatternResult = { ok: false, message: `'${text}' is not a valid IPv4 or IPv6 address` };
  const slash = text.indexOf('/');
  const addr = slash < 0 ? text : text.slice(0, slash);
  const mask = slash < 0 ? undefined : text.slice(slash + 1);
  if (isInetAton(addr) || (!noDns && /^[A-Za-z0-9.-]+$/.test(addr) && isKnownHost(addr))) {
    let prefix = 32;
    if (mask !== undefined) {
      if (/^\d+$/.test(mask)) {
        prefix = Number(mask);
        if (prefix > 32) return bad;
      } else if (/^\d+\.\d+\.\d+\.\d+$/.test(mask)) {
        const n = mask.split('.').reduce((a, p) => a * 256 + Number(p), 0);
        prefix = 32 - Math.log2(2 ** 32 - n);
        if (!Number.isInteger(prefix)) prefix = -1;
      } else return bad;
    }
    return { ok: true, pattern: { kind: 'ip', text, family: 4, prefix } };
  }
  if (isIpv6Text(addr)) {
    let prefix = 128;
    if (mask !== undefined) {
      if (!/^\d+$/.test(mask) || Number(mask) > 128) return bad;
      prefix = Number(mask);
    }
    return { ok: true, pattern: { kind: 'ip', text, family: 6, prefix } };
  }
  return bad;
}

/** standard.c parse_binary() messages, shared with the bin() fetch. */
export function parseBinPattern(text: string): PatternResult {
  for (const c of text) if (!/[0-9a-fA-F]/.test(c)) return { ok: false, message: `an hex digit is expected (found '${c}')` };
  if (text.length % 2 !== 0) return { ok: false, message: 'an even number of hex digit is expected' };
  return { ok: true, pattern: { kind: 'bin', hex: text.toLowerCase() } };
}

/**
 * PCRE2 error texts for the syntax errors a JavaScript RegExp also rejects,
 * with the offset PCRE reports. Patterns JS rejects for other reasons (PCRE
 * features JS lacks) are accepted: HAProxy would accept them too.
 */
function pcreError(source: string, jsMessage: string): { error: string; offset: number } | undefined {
  if (/Unterminated group/.test(jsMessage)) return { error: 'missing closing parenthesis', offset: source.length };
  if (/Unmatched '\)'/.test(jsMessage)) return { error: 'unmatched closing parenthesis', offset: Math.max(0, source.indexOf(')')) };
  if (/Nothing to repeat/.test(jsMessage)) {
    const m = /(^|[(|])[*+?]/.exec(source);
    return { error: 'quantifier does not follow a repeatable item', offset: m === null ? 0 : m.index + m[1]!.length };
  }
  if (/Unterminated character class/.test(jsMessage)) return { error: 'missing terminating ] for character class', offset: source.length };
  if (/\\ at end of pattern/.test(jsMessage)) return { error: '\\ at end of pattern', offset: source.length };
  return undefined;
}

/**
 * regex.c regex_comp(): compiles with case folding when asked. Returns
 * HAProxy's "regex '...' is invalid (error=..., erroffset=N)" on a syntax error.
 */
export function compileRegex(source: string, ignoreCase: boolean): { ok: true; regex: RegExp | undefined } | { ok: false; message: string } {
  try {
    return { ok: true, regex: new RegExp(source, ignoreCase ? 'i' : '') };
  } catch (e) {
    const p = pcreError(source, e instanceof Error ? e.message : String(e));
    if (p === undefined) return { ok: true, regex: undefined };
    return { ok: false, message: `regex '${source}' is invalid (error=${p.error}, erroffset=${p.offset})` };
  }
}

/** Parses one pattern for a match method (pattern.c pat_parse_fcts[]). */
export function parsePattern(method: MatchMethod, text: string, flags: { ignoreCase: boolean; noDns: boolean }): PatternResult {
  switch (method) {
    case 'int':
    case 'len':
      return parseIntPattern(text);
    case 'ver':
      return parseDottedVerPattern(text);
    case 'ip':
      return parseIpPattern(text, flags.noDns);
    case 'bin':
      return parseBinPattern(text);
    case 'reg':
    case 'regm': {
      const r = compileRegex(text, flags.ignoreCase);
      return r.ok ? { ok: true, pattern: { kind: 'reg', source: text, compiled: r.regex } } : r;
    }
    case 'found':
    case 'bool':
      return { ok: true, pattern: { kind: 'none' } };
    default:
      return { ok: true, pattern: { kind: 'str', value: text } };
  }
}

/** One line of a pattern or map file. */
export interface PatternFileEntry {
  readonly line: number;
  readonly key: string;
  /** Map files only: the value after the key. */
  readonly value?: string;
}

/**
 * pattern.c pat_ref_read_from_file(_smp)(): reads a pattern file at parse time.
 * Lines starting with '#' and empty lines are skipped; leading blanks are
 * removed. For maps, the key is the first word and the value the rest.
 */
export function readPatternFile(path: string, asMap: boolean): { ok: true; entries: PatternFileEntry[] } | { ok: false; message: string } {
  let text: string;
  try {
    text = readFileSync(path, 'latin1');
  } catch {
    return { ok: false, message: `failed to open pattern file <${path}>` };
  }
  const entries: PatternFileEntry[] = [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  lines.forEach((raw, i) => {
    if (raw.startsWith('#')) return;
    let l = raw.replace(/^[ \t]+/, '');
    const cut = l.search(/[\r\n]/);
    if (cut >= 0) l = l.slice(0, cut);
    if (l === '') return;
    if (!asMap) {
      entries.push({ line: i + 1, key: l });
      return;
    }
    const m = /^([^ \t]*)[ \t]*(.*)$/.exec(l)!;
    entries.push({ line: i + 1, key: m[1]!, value: m[2]! });
  });
  return { ok: true, entries };
}
