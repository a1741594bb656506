/**
 * `http-errors <name>` sections (configuration.txt §3.8): sets of
 * `errorfile <code> <file>` that proxies reference with `errorfiles <name>`.
 * haproxy 2.6 parses them in http_htx.c cfg_parse_http_errors() and loads
 * each file at once (http_load_errorfile(), http_str_to_htx()); the file
 * checks are exported for the proxies' own `errorfile` keyword.
 */
import { readFileSync } from 'node:fs';
import type { HttpErrorsSection } from '../model/sections.js';
import { registerSection, type LineContext, type SectionParser } from '../section-registry.js';
import { invalidChar } from '../proxy/util.js';
import { cAtoi } from '../global/c-numbers.js';
import { abortAlert } from '../global/diagnostic-helpers.js';
import { applyModifier } from '../global/keyword-modifier.js';

interface HttpErrorsState {
  readonly section: HttpErrorsSection | undefined;
}

/** The status codes haproxy can replace with a file (http.c http_err_codes[]). */
export const ERRORFILE_CODES: readonly number[] = [200, 400, 401, 403, 404, 405, 407, 408, 410, 413, 425, 429, 500, 501, 502, 503, 504];

/** RFC 9110 tchar: what a header name may hold. */
const TCHAR = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]$/;

/**
 * http_str_to_htx() on an error file's bytes: a response head haproxy's h1
 * parser accepts, a usable status, no chunking, and a body matching any
 * Content-Length. Returns haproxy's message on failure.
 */
export function checkErrorFileContent(raw: Buffer): string | undefined {
  if (raw.length === 0) return undefined;
  const s = raw.toString('latin1');
  const headErr = (pos: number): string => `unable to parse headers (error offset: ${pos})`;
  let i = 0;
  // empty lines before the status line are skipped
  while (s[i] === '\n' || (s[i] === '\r' && s[i + 1] === '\n')) i += s[i] === '\r' ? 2 : 1;
  const vStart = i;
  // version token, then one or more spaces
  while (i < s.length && s[i] !== ' ' && s[i] !== '\r' && s[i] !== '\n') i++;
  if (i >= s.length) return headErr(-2);
  if (s[i] !== ' ' || i === vStart) return headErr(i);
  const version = s.slice(vStart, i);
  while (s[i] === ' ') i++;
  // three-digit status, then a space or the end of the line
  const stStart = i;
  for (let k = 0; k < 3; k++, i++) {
    if (i >= s.length) return headErr(-2);
    if (s[i]! < '0' || s[i]! > '9') return headErr(i);
  }
  if (i >= s.length) return headErr(-2);
  if (s[i] !== ' ' && s[i] !== '\r' && s[i] !== '\n') return headErr(i);
  const status = Number(s.slice(stStart, stStart + 3));
  // the end of a line: a CR must be followed by LF
  const eol = (from: number): number => {
    const lf = s.indexOf('\n', from);
    const cr = s.indexOf('\r', from);
    if (cr >= 0 && (lf < 0 || cr < lf - 1)) return -(cr + 2);
    return lf;
  };
  let nl = eol(i);
  if (nl < -1) return headErr(-nl - 1);
  if (nl < 0) return headErr(-2);
  i = nl + 1;
  let contentLength: number | undefined;
  let chunked = false;
  for (;;) {
    if (i >= s.length) return headErr(-2);
    if (s[i] === '\n') {
      i++;
      break;
    }
    if (s[i] === '\r') {
      if (i + 1 >= s.length) return headErr(-2);
      if (s[i + 1] !== '\n') return headErr(i + 1);
      i += 2;
      break;
    }
    const nameStart = i;
    while (i < s.length && TCHAR.test(s[i]!)) i++;
    if (i >= s.length) return headErr(-2);
    if (s[i] !== ':' || i === nameStart) return headErr(i);
    const name = s.slice(nameStart, i).toLowerCase();
    i++;
    nl = eol(i);
    if (nl < -1) return headErr(-nl - 1);
    if (nl < 0) return headErr(-2);
    let valStart = i;
    while (s[valStart] === ' ' || s[valStart] === '\t') valStart++;
    let valEnd = nl;
    if (s[valEnd - 1] === '\r') valEnd--;
    const value = s.slice(valStart, valEnd).replace(/[ \t]+$/, '');
    if (name === 'content-length') {
      for (let k = 0; k < value.length; k++) {
        const c = value[k]!;
        if ((c < '0' || c > '9') && c !== ',' && c !== ' ') return headErr(valStart + k);
      }
      const parts = value.split(',').map((p) => p.trim());
      if (parts.some((p) => p === '') || new Set(parts).size !== 1) return headErr(valStart);
      contentLength = Number(parts[0]);
    } else if (name === 'transfer-encoding' && /(^|,)\s*chunked\s*$/i.test(value)) {
      chunked = true;
    }
    i = nl + 1;
  }
  if (version.length !== 8) return `invalid http version (${version})`;
  if (status < 200 && (status === 100 || status >= 102)) return `invalid http status code for an error message (${status})`;
  if (status === 204 || status === 304) return undefined;
  if (chunked) return 'chunk-encoded payload not supported';
  const body = s.length - i;
  if (contentLength !== undefined && body !== contentLength) {
    return `payload size does not match the announced content-length (${body} != ${contentLength})`;
  }
  return undefined;
}

/**
 * http_parse_errorfile(): the status must be one haproxy can replace and the
 * file must load. Returns haproxy's error text (without the keyword).
 */
export function checkErrorFile(status: number, file: string): string | undefined {
  return loadSectionErrorFile(status, file).error;
}

/** checkErrorFile(), also returning the file's bytes when it is valid. */
function loadSectionErrorFile(status: number, file: string): { error?: string; content?: Buffer } {
  const error = (e: string): { error: string } => ({ error: e });
  if (!ERRORFILE_CODES.includes(status)) return error(`status code '${status}' not handled.`);
  let raw: Buffer;
  try {
    raw = readFileSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return error(code === 'EISDIR' ? `error reading file '${file}'.` : `error opening file '${file}'.`);
  }
  const why = checkErrorFileContent(raw);
  return why === undefined ? { content: raw } : error(`'${file}': ${why}`);
}

/**
 * The bytes of each section's error files, read once at load time like
 * haproxy does (configuration.txt §4.2 "errorfile": "The files are read at
 * the same time as the configuration and kept in memory").
 */
const sectionContents = new WeakMap<HttpErrorsSection, Map<number, Buffer>>();

/** The error file a `http-errors` section holds for `status`, as read at load time. */
export function httpErrorsContent(section: HttpErrorsSection, status: number): Buffer | undefined {
  return sectionContents.get(section)?.get(status);
}

function parseErrorfile(ctx: LineContext, s: HttpErrorsSection | undefined, words: string[]): void {
  const code = words[1] ?? '';
  const file = words[2] ?? '';
  if (code === '' || file === '') return ctx.alert('CFG_HTTP_ERRORS_USAGE', 'errorfile: expects <status_code> and <file> as arguments.');
  const status = cAtoi(code);
  const r = loadSectionErrorFile(status, file);
  if (r.error !== undefined) return ctx.alert('CFG_HTTP_ERRORS_FILE', `errorfile : ${r.error}`);
  if (s === undefined) return;
  s.errorfiles.set(status, { file, place: ctx.place });
  let m = sectionContents.get(s);
  if (m === undefined) sectionContents.set(s, (m = new Map()));
  m.set(status, r.content ?? Buffer.alloc(0));
}

export const httpErrorsSection: SectionParser<HttpErrorsState> = {
  keyword: 'http-errors',
  displayName: 'http-errors',
  open(ctx, words) {
    const name = words[1] ?? '';
    if (name === '') {
      abortAlert(ctx, 'CFG_HTTP_ERRORS_MISSING_NAME', 'missing name for http-errors section.');
      return { section: ctx.model.httpErrors[ctx.model.httpErrors.length - 1] };
    }
    // extra words after the name are ignored by haproxy 2.6; a bad name or a
    // duplicate is an error but the section is still created
    const bad = invalidChar(name);
    if (bad !== undefined) ctx.alert('CFG_HTTP_ERRORS_BAD_NAME', `character '${bad}' is not permitted in 'http-errors' name '${name}'.`);
    for (const e of ctx.model.httpErrors) {
      if (e.name === name) {
        ctx.alert(
          'CFG_HTTP_ERRORS_DUPLICATE',
          `http-errors section '${name}' already exists (declared at ${e.place.file}:${e.place.line}).`,
          'parsing-tight',
        );
      }
    }
    const section: HttpErrorsSection = { name, place: ctx.place, directives: [], errorfiles: new Map() };
    ctx.model.httpErrors.push(section);
    return { section };
  },
  line(ctx, st, rawWords) {
    const { words } = applyModifier(ctx, rawWords);
    const kw = words[0] ?? '';
    if (kw === 'errorfile') return parseErrorfile(ctx, st.section, words);
    // `else if (*args[0] != 0)`: an empty keyword (a lone `no`) is not reported
    if (kw !== '') ctx.alert('CFG_UNKNOWN_KEYWORD', `unknown keyword '${kw}' in 'http-errors' section`);
  },
};

registerSection(httpErrorsSection);
