/**
 * The `language` converter of configuration.txt §7.3.1 (sample.c
 * sample_conv_q_preferred()): the configured language an Accept-Language
 * value prefers, by q-value then order.
 */
import { registerConverterImpls, argStr, type ConverterImpl } from '../impl-registry.js';

/** http.c http_parse_qvalue(): "d[.ddd]" as thousandths, at most 1000; returns the value and where parsing stopped. */
function parseQvalue(s: string, i: number): { q: number; end: number } {
  const digit = (k: number): boolean => s.charCodeAt(k) >= 48 && s.charCodeAt(k) <= 57;
  let q = 1000;
  if (!digit(i)) return { q, end: i };
  q = (s.charCodeAt(i++) - 48) * 1000;
  if (s[i++] !== '.') return { q: Math.min(q, 1000), end: i };
  for (const mult of [100, 10, 1]) {
    if (!digit(i)) return { q: Math.min(q, 1000), end: i };
    q += (s.charCodeAt(i++) - 48) * mult;
  }
  return { q: Math.min(q, 1000), end: i };
}

/** sample.c language_range_match(): `range` (from the header) matches tag `tag`, or one of its "-" subtags. */
function languageRangeMatch(range: string, tag: string): boolean {
  let t = 0;
  for (let r = 0; r < range.length; r++) {
    if (range[r] === '-' && t === tag.length) return true;
    if (t === tag.length || range[r] !== tag[t]) return false;
    t++;
  }
  return t === tag.length;
}

/**
 * sample.c sample_conv_q_preferred(): the configured language with the
 * highest q-value in an Accept-Language value (the first of equal ones).
 */
export function preferredLanguage(al: string, langs: string): string | undefined {
  const isSpace = (c: string | undefined): boolean => c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\v' || c === '\f';
  const tags = langs.split(';');
  let best: string | undefined;
  let bestQ = 0;
  let i = 0;
  const end = al.length;
  for (;;) {
    while (i < end && isSpace(al[i])) i++;
    if (i >= end) break;
    const start = i;
    while (i < end && al[i] !== ';' && al[i] !== ',' && !isSpace(al[i])) i++;
    let tag: string | undefined;
    if (i > start) {
      const token = al.slice(start, i);
      tag = tags.find((t) => languageRangeMatch(token, t));
    }
    if (tag !== undefined) {
      let q = 1000;
      while (i < end && isSpace(al[i])) i++;
      // anything else than ';' or ',' after the language: skipped in best effort, not counted
      if (i < end && al[i] !== ';' && al[i] !== ',') tag = undefined;
      else if (i < end && al[i] === ';') {
        i++;
        while (i < end && isSpace(al[i])) i++;
        if (i < end && al[i] === 'q') {
          i++;
          while (i < end && isSpace(al[i])) i++;
          if (i < end && al[i] === '=') {
            i++;
            while (i < end && isSpace(al[i])) i++;
            if (i < end) {
              const r = parseQvalue(al, i);
              q = r.q;
              i = r.end;
            }
          }
        }
      }
      if (tag !== undefined && q > bestQ) {
        best = tag;
        if (q >= 1000) break;
        bestQ = q;
      }
    }
    while (i < end && al[i] !== ',') i++;
    if (i >= end) break;
    i++;
  }
  return best;
}

export const LANGUAGE_CONVERTER_IMPLS: Readonly<Record<string, ConverterImpl>> = {
  language: {
    compile: (args) => {
      const langs = argStr(args, 0);
      const def = args.length > 1 ? argStr(args, 1) : undefined;
      return (s) => {
        const r = preferredLanguage(s.type === 'str' ? s.value : '', langs) ?? (def !== undefined && def !== '' ? def : undefined);
        return r === undefined || r === '' ? undefined : { type: 'str', value: r, flags: s.flags };
      };
    },
  },
};

registerConverterImpls(LANGUAGE_CONVERTER_IMPLS);
