/**
 * The 1.5 header filters (`reqrep`, `reqirep`, `reqdel`, `reqideny`,
 * `rspirep`, `reqadd` of a raw line...) that src/config/legacy.ts could not
 * translate into a modern rule, run with HAProxy 1.5's semantics
 * (proto_http.c apply_filter_to_req_line() / apply_filter_to_req_headers()
 * and their response twins; the table is docs/legacy-directives.md):
 *
 *  - the regex is matched against the start line (`GET /x HTTP/1.1`,
 *    `HTTP/1.1 200 OK`) and then against each header line written
 *    `Name: value`;
 *  - replace: a matching line is replaced *entirely* by the expansion of the
 *    replacement (`\1`..`\9`), and re-split into its parts;
 *  - delete: matching header lines are removed;
 *  - deny / tarpit: the first matching line answers 403 / 500;
 *  - allow: the first matching line stops the later deny/tarpit/allow/pass
 *    filters of the transaction (replacements still apply, as in 1.5);
 *  - pass: nothing (1.5 only skipped the line for later allow/deny filters);
 *  - add: the raw line is appended as a header.
 *
 * Rules read and rewrite the message in its canonical (string) form, which
 * the stream creates on the first rewrite only.
 */
import type { CanonicalHead } from './h1-head.js';
import type { LegacyLineData } from './rule-model.js';
import { errorPageBytes } from './error-pages.js';
import type { SampleContext } from '../sample/context.js';

/** What a legacy action sees: the canonical heads and a per-transaction "allowed" mark. */
export interface LegacySubject {
  reqCanonical(): CanonicalHead;
  resCanonical(): CanonicalHead;
}

/** A legacy action's verdict: undefined to continue, or a reply to send. */
export type LegacyOutcome = { readonly kind: 'reply'; readonly bytes: Buffer; readonly close: boolean; readonly tarpit?: boolean } | undefined;

const allowed = new WeakSet<CanonicalHead>();

/**
 * A PCRE pattern as a JavaScript RegExp: PCRE's leading inline `(?i)` (which
 * Node 20's RegExp lacks) becomes the `i` flag; a pattern JavaScript cannot
 * compile gives a RegExp that never matches (the configuration was checked
 * with rule-regex.ts at load time already).
 */
export function pcreRegExp(source: string, flags = '', wrap?: (s: string) => string): RegExp {
  let src = source;
  let f = flags;
  while (src.startsWith('(?i)')) {
    src = src.slice(4);
    if (!f.includes('i')) f += 'i';
  }
  try {
    return new RegExp(wrap === undefined ? src : wrap(src), f);
  } catch {
    return /(?!)/;
  }
}

/**
 * haproxy's `\1` back-references in a replacement, expanded from a match
 * (regex.c exp_replace()). haproxy replaces the *whole* subject (header
 * line, header value, path, URI) by this expansion, not only the match.
 */
export function expand(repl: string, m: RegExpExecArray): string {
  let out = '';
  for (let i = 0; i < repl.length; i++) {
    const c = repl[i]!;
    if (c === '\\' && i + 1 < repl.length) {
      const n = repl[i + 1]!;
      if (n >= '0' && n <= '9') {
        out += m[Number(n)] ?? '';
        i++;
        continue;
      }
      // exp_replace(): "\\" → "\", "\xHH" → the byte, other escapes keep the next character.
      if (n === 'x' && /^[0-9a-fA-F]{2}$/.test(repl.slice(i + 2, i + 4))) {
        out += String.fromCharCode(parseInt(repl.slice(i + 2, i + 4), 16));
        i += 3;
        continue;
      }
      out += n;
      i++;
      continue;
    }
    out += c;
  }
  return out;
}

function startLine(h: CanonicalHead): string {
  return h.isResponse ? `${h.version} ${h.statusText !== '' ? h.statusText : String(h.status)} ${h.reason}` : `${h.method} ${h.target} ${h.version}`;
}

/** Re-splits a rewritten start line into the head's fields (http_msg_analyzer re-parse in 1.5). */
function setStartLine(h: CanonicalHead, line: string): void {
  const a = line.indexOf(' ');
  const b = a < 0 ? -1 : line.indexOf(' ', a + 1);
  if (h.isResponse) {
    h.version = a < 0 ? line : line.slice(0, a);
    const code = a < 0 ? '' : b < 0 ? line.slice(a + 1) : line.slice(a + 1, b);
    h.statusText = code;
    h.status = Number(code) || h.status;
    h.reason = b < 0 ? '' : line.slice(b + 1);
    return;
  }
  const c = line.lastIndexOf(' ');
  h.method = a < 0 ? line : line.slice(0, a);
  h.target = a < 0 || c <= a ? (a < 0 ? '' : line.slice(a + 1)) : line.slice(a + 1, c);
  h.version = c > a && a >= 0 ? line.slice(c + 1) : h.version;
}

function splitHeader(line: string): [string, string] {
  const colon = line.indexOf(':');
  if (colon < 0) return [line, ''];
  return [line.slice(0, colon), line.slice(colon + 1).replace(/^[ \t]+/, '')];
}

/**
 * Compiles one `legacy-<verb>` rule; `response` selects the status line and
 * the response headers. Returns undefined for verbs the stream handles
 * elsewhere (`set-backend`, not run yet).
 */
export function compileLegacyAction(d: LegacyLineData, response: boolean): ((s: LegacySubject) => LegacyOutcome) | undefined {
  const head = (s: LegacySubject): CanonicalHead => (response ? s.resCanonical() : s.reqCanonical());
  if (d.verb === 'add') {
    const line = d.text ?? '';
    return (s) => {
      head(s).headers.push(splitHeader(line));
      return undefined;
    };
  }
  if (d.regex === undefined) return undefined;
  const re = pcreRegExp(d.regex, d.caseInsensitive ? 'i' : '');
  switch (d.verb) {
    case 'replace': {
      const repl = d.text ?? '';
      return (s) => {
        const h = head(s);
        const m = re.exec(startLine(h));
        if (m !== null) setStartLine(h, expand(repl, m));
        for (let i = 0; i < h.headers.length; i++) {
          const e = h.headers[i]!;
          const mm = re.exec(`${e[0]}: ${e[1]}`);
          if (mm !== null) h.headers[i] = splitHeader(expand(repl, mm));
        }
        return undefined;
      };
    }
    case 'delete':
      return (s) => {
        const h = head(s);
        h.headers = h.headers.filter(([n, v]) => !re.test(`${n}: ${v}`));
        return undefined;
      };
    case 'deny':
    case 'tarpit':
    case 'allow':
    case 'pass': {
      const verb = d.verb;
      const status = verb === 'deny' ? 403 : 500;
      return (s) => {
        const h = head(s);
        if (allowed.has(h)) return undefined;
        let hit = re.test(startLine(h));
        for (let i = 0; !hit && i < h.headers.length; i++) hit = re.test(`${h.headers[i]![0]}: ${h.headers[i]![1]}`);
        if (!hit) return undefined;
        if (verb === 'allow') {
          allowed.add(h);
          return undefined;
        }
        if (verb === 'pass') return undefined;
        // 1.5 answered the proxy's 403 page (error-pages.ts), or its 500 after `timeout tarpit` (stream-replies.ts).
        return { kind: 'reply', bytes: errorPageBytes(s as LegacySubject & SampleContext, status), close: false, tarpit: verb === 'tarpit' };
      };
    }
    default:
      return undefined;
  }
}
