/**
 * Cookie values in Cookie and Set-Cookie header lines, as haproxy 2.6
 * http.c http_extract_cookie_value() finds them: blanks around names and
 * values ignored, quoted values kept whole, `$` attributes and cookies
 * without `=` skipped. Shared by the cookie fetches (src/http/http-fetches.ts,
 * fetch-http-more.ts); checked by test/compat/http/audit-fetches.test.ts.
 */

const isSpHt = (c: string | undefined): boolean => c === ' ' || c === '\t';

/** http.c http_find_cookie_value_end(): the end of a value, quotes respected. */
function cookieValueEnd(h: string, s: number): number {
  if (h[s] === '"') {
    const q = h.indexOf('"', s + 1);
    s = q < 0 ? h.length : q + 1;
  }
  while (s < h.length && h[s] !== ';' && h[s] !== ',') s++;
  return s;
}

/**
 * http.c http_extract_cookie_value(): every value of cookie `name` in one
 * header line (every cookie when `name` is empty). `list` is true for Cookie (several cookies, ',' also
 * separates them); a Set-Cookie line only has its first name=value pair.
 */
export function cookieValues(h: string, name: string, list: boolean, out: string[]): void {
  for (let att = 0; att + name.length + 1 < h.length; ) {
    while (att < h.length && isSpHt(h[att])) att++;
    let eq = att;
    let attEnd = att;
    while (eq < h.length) {
      const c = h[eq];
      if (c === '=' || c === ';' || (list && c === ',')) break;
      eq++;
      if (isSpHt(c)) continue;
      attEnd = eq;
    }
    let next = eq;
    let vb = eq;
    let ve = eq;
    if (eq < h.length && h[eq] === '=') {
      vb = eq + 1;
      while (vb < h.length && isSpHt(h[vb])) vb++;
      next = cookieValueEnd(h, vb);
      ve = next;
      while (ve > vb && isSpHt(h[ve - 1])) ve--;
    }
    const from = att;
    att = next + 1;
    // '$' attributes and cookies without '=' are skipped (even in Set-Cookie).
    if (h[from] === '$' || eq === next) continue;
    if (name === '' || (attEnd - from === name.length && h.startsWith(name, from))) {
      out.push(h.slice(vb, ve));
      continue;
    }
    // Set-Cookie headers only have the name in the first attr=value part.
    if (!list) break;
  }
}

