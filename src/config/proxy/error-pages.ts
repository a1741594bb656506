/**
 * Custom error pages (configuration.txt §4.2): `errorfile`, `errorloc`,
 * `errorloc302`, `errorloc303`, `errorfiles` and `http-error`, as haproxy's
 * http_htx.c parses them. The files are read and checked at load time, like
 * haproxy does, so a broken page fails `-c`.
 */
import { closeSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import type { ProxyConfig } from '../model/proxy.js';
import type { HttpReplyData } from '../../http/rule-model.js';
import { registerPostCheck, type LineContext } from '../section-registry.js';
import type { Diagnostics } from '../diagnostics.js';
import type { ConfigModel } from '../model/index.js';
import { proxyKeywords } from '../sections/proxy-keywords.js';
import { cAtoi } from '../global/c-numbers.js';
import { RuleParser } from '../../http/rule-parser.js';
import { parseHttpReply } from '../../http/rule-actions.js';

declare module '../model/proxy.js' {
  interface ErrorPageConfig {
    /** http-error: the parsed reply (status, content-type, payload, `hdr` lines). */
    readonly reply?: HttpReplyData | undefined;
    /** http-error `errorfile`/`file`: the file's bytes, read at load time as haproxy does. */
    readonly replyContent?: Buffer | undefined;
  }
}

/** http_htx.c http_err_codes[]: the statuses haproxy can produce and lets users customise. */
export const HTTP_ERROR_CODES: readonly number[] = [200, 400, 401, 403, 404, 405, 407, 408, 410, 413, 425, 429, 500, 501, 502, 503, 504];

/** tune.bufsize's default: larger error files are truncated (http_htx.c). */
const BUFSIZE = 16384;

export type ErrorFileResult = { ok: true; content: Buffer; warning?: string } | { ok: false; message: string };

const TCHAR = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/;

/**
 * A minimal h1 response head parser with haproxy's error offsets
 * (h1_headers_to_hdr_list() as used by http_str_to_htx()): returns the
 * header length, or the offset of the first invalid byte, -2 when incomplete.
 */
function parseHead(raw: string): { ok: true; length: number; version: string; status: number; headers: [string, string][] } | { ok: false; offset: number } {
  let i = 0;
  const n = raw.length;
  const verStart = i;
  while (i < n && /[HTP/.0-9]/.test(raw[i] ?? '')) i++;
  if (i >= n) return { ok: false, offset: -2 };
  if (raw[i] !== ' ' && raw[i] !== '\t') return { ok: false, offset: i };
  const version = raw.slice(verStart, i);
  while (i < n && (raw[i] === ' ' || raw[i] === '\t')) i++;
  const codeStart = i;
  while (i < n && /[0-9]/.test(raw[i] ?? '')) i++;
  if (i >= n) return { ok: false, offset: -2 };
  if (i === codeStart || (raw[i] !== ' ' && raw[i] !== '\t' && raw[i] !== '\r' && raw[i] !== '\n')) return { ok: false, offset: i };
  const status = Number(raw.slice(codeStart, i));
  const eol = raw.indexOf('\n', i);
  if (eol < 0) return { ok: false, offset: -2 };
  i = eol + 1;
  const headers: [string, string][] = [];
  for (;;) {
    if (i >= n) return { ok: false, offset: -2 };
    if (raw[i] === '\n') return { ok: true, length: i + 1, version, status, headers };
    if (raw[i] === '\r') {
      if (i + 1 >= n) return { ok: false, offset: -2 };
      if (raw[i + 1] === '\n') return { ok: true, length: i + 2, version, status, headers };
      return { ok: false, offset: i + 1 };
    }
    const nameStart = i;
    while (i < n && TCHAR.test(raw[i] ?? '')) i++;
    if (i >= n) return { ok: false, offset: -2 };
    if (raw[i] !== ':' || i === nameStart) return { ok: false, offset: i };
    const name = raw.slice(nameStart, i);
    const end = raw.indexOf('\n', i);
    if (end < 0) return { ok: false, offset: -2 };
    headers.push([name, raw.slice(i + 1, end).replace(/\r$/, '').trim()]);
    i = end + 1;
  }
}

/**
 * http_load_errorfile() + http_str_to_htx(): reads an error file and checks it
 * is a complete HTTP response. Messages are haproxy's, without the keyword.
 * Exported for the http-errors section.
 */
export function loadErrorFile(file: string): ErrorFileResult {
  let fd: number;
  let size: number;
  try {
    fd = openSync(file, 'r');
    size = fstatSync(fd).size;
  } catch {
    return { ok: false, message: `error opening file '${file}'.` };
  }
  let warning: string | undefined;
  let buf: Buffer;
  try {
    const len = Math.min(size, BUFSIZE);
    if (size > BUFSIZE) warning = `custom error message file '${file}' larger than ${BUFSIZE} bytes. Truncating.`;
    buf = Buffer.alloc(len);
    let got = 0;
    while (got < len) {
      const r = readSync(fd, buf, got, len - got, got);
      if (r <= 0) return { ok: false, message: `error reading file '${file}'.` };
      got += r;
    }
  } catch {
    return { ok: false, message: `error reading file '${file}'.` };
  } finally {
    closeSync(fd);
  }
  if (buf.length === 0) return warning === undefined ? { ok: true, content: buf } : { ok: true, content: buf, warning };
  const raw = buf.toString('latin1');
  const head = parseHead(raw);
  if (!head.ok) return { ok: false, message: `'${file}': unable to parse headers (error offset: ${head.offset})` };
  if (head.version.length !== 8) return { ok: false, message: `'${file}': invalid http version (${head.version})` };
  if (head.status < 200 && (head.status === 100 || head.status >= 102)) {
    return { ok: false, message: `'${file}': invalid http status code for an error message (${head.status})` };
  }
  const noBody = head.status === 204 || head.status === 304;
  const te = head.headers.find(([k]) => k.toLowerCase() === 'transfer-encoding');
  if (!noBody && te !== undefined && /chunked/i.test(te[1])) {
    return { ok: false, message: `'${file}': chunk-encoded payload not supported` };
  }
  const cl = head.headers.find(([k]) => k.toLowerCase() === 'content-length');
  if (!noBody && cl !== undefined) {
    const payload = raw.length - head.length;
    const announced = Number(cl[1]);
    if (payload !== announced) {
      return { ok: false, message: `'${file}': payload size does not match the announced content-length (${payload} != ${announced})` };
    }
  }
  return warning === undefined ? { ok: true, content: buf } : { ok: true, content: buf, warning };
}

function parseErrorfile(ctx: LineContext, p: ProxyConfig, words: string[]): void {
  const kw = words[0] ?? '';
  if ((words[1] ?? '') === '' || (words[2] ?? '') === '') {
    ctx.alert('CFG_ERRORFILE', `${kw} : expects <status_code> and <file> as arguments.`);
    return;
  }
  const status = cAtoi(words[1] ?? '');
  if (!HTTP_ERROR_CODES.includes(status)) {
    ctx.alert('CFG_ERRORFILE', `${kw} : status code '${status}' not handled.`);
    return;
  }
  const file = words[2] ?? '';
  const r = loadErrorFile(file);
  if (!r.ok) {
    ctx.alert('CFG_ERRORFILE', `${kw} : ${r.message}`);
    return;
  }
  if (r.warning !== undefined) ctx.warning('CFG_ERRORFILE', r.warning, 'none');
  p.errorPages.push({ place: ctx.place, kind: 'errorfile', status, target: file, content: r.content });
}

function parseErrorloc(ctx: LineContext, p: ProxyConfig, words: string[]): void {
  const kw = words[0] ?? '';
  if ((words[1] ?? '') === '' || (words[2] ?? '') === '') {
    ctx.alert('CFG_ERRORLOC', `${kw} : expects <status_code> and <url> as arguments.`);
    return;
  }
  const status = cAtoi(words[1] ?? '');
  if (!HTTP_ERROR_CODES.includes(status)) {
    ctx.alert('CFG_ERRORLOC', `${kw} : status code '${status}' not handled.`);
    return;
  }
  p.errorPages.push({ place: ctx.place, kind: kw === 'errorloc303' ? 'errorloc303' : 'errorloc302', status, target: words[2] ?? '' });
}

function parseErrorfiles(ctx: LineContext, p: ProxyConfig, words: string[]): void {
  const name = words[1] ?? '';
  if (name === '') {
    ctx.alert('CFG_ERRORFILES', `errorfiles : expects <name> as argument.`);
    return;
  }
  const statuses: number[] = [];
  for (let i = 2; (words[i] ?? '') !== ''; i++) {
    const status = cAtoi(words[i] ?? '');
    if (!HTTP_ERROR_CODES.includes(status)) {
      ctx.alert('CFG_ERRORFILES', `errorfiles : status code '${status}' not handled.`);
      return;
    }
    statuses.push(status);
  }
  // The section is looked up once every section is read (post-checks.ts).
  p.errorPages.push({ place: ctx.place, kind: 'errorfiles', section: name, statuses });
}

function parseHttpError(ctx: LineContext, p: ProxyConfig, words: string[]): void {
  // http_htx.c proxy_parse_http_error(): an http reply whose status must be customisable.
  const rp = new RuleParser(ctx, p, 'http-request', words, 0);
  const r = parseHttpReply(rp, words, 1, 0);
  if (r === undefined || rp.error !== undefined) {
    ctx.alert('CFG_HTTP_ERROR', `http-error : ${rp.error?.message ?? 'invalid reply'}`);
    return;
  }
  const status = r.reply.status;
  if (status === 0) {
    ctx.alert('CFG_HTTP_ERROR', `http-error : expects at least a <status> as arguments.`);
    return;
  }
  if (!HTTP_ERROR_CODES.includes(status)) {
    ctx.alert('CFG_HTTP_ERROR', `http-error: status code '${status}' not handled.`);
    return;
  }
  const extra = words[r.next] ?? '';
  if (extra !== '') {
    ctx.alert('CFG_HTTP_ERROR', `http-error : unknown keyword '${extra}'.`);
    return;
  }
  const src = r.reply.body?.source;
  let replyContent: Buffer | undefined;
  if (src === 'errorfile' || src === 'file') {
    try {
      replyContent = readFileSync(r.reply.body?.value ?? '');
    } catch {
      replyContent = Buffer.alloc(0);
    }
  }
  p.errorPages.push({
    place: ctx.place, kind: 'http-error', status, args: words.slice(1), section: r.reply.errorfiles, reply: r.reply, replyContent,
  });
}

proxyKeywords.register(
  { name: 'errorfile', parse: parseErrorfile },
  { name: 'errorloc', parse: parseErrorloc },
  { name: 'errorloc302', parse: parseErrorloc },
  { name: 'errorloc303', parse: parseErrorloc },
  { name: 'errorfiles', parse: parseErrorfiles },
  { name: 'http-error', parse: parseHttpError },
);

/**
 * http_htx.c http_check_http_reply(), run on every deny/tarpit/return rule
 * with `errorfiles <name>` once all sections are read: an unknown section is
 * fatal, a status the section does not declare only warned about (the rule
 * then answers an empty reply). Messages as haproxy 2.6 prints them, the
 * stray space before the final dot included.
 */
function checkReplySections(model: ConfigModel, diag: Diagnostics): void {
  for (const p of model.proxies) {
    if (p.disabled) continue;
    for (const list of [p.rules.httpRequest, p.rules.httpResponse, p.rules.httpAfterResponse]) {
      for (const r of list) {
        const d = r.data;
        if (d === undefined || d.kind !== 'reply' || d.errorfiles === undefined) continue;
        const sec = model.httpErrors.find((h) => h.name === d.errorfiles);
        if (sec === undefined) {
          diag.alert('CFG_HTTP_ERRORS_NOT_FOUND', `Proxy '${p.name}': unknown http-errors section '${d.errorfiles}' referenced by an http reply .`, r.place, 'none');
        } else if (!sec.errorfiles.has(d.status)) {
          diag.warning(
            'CFG_HTTP_ERRORS_STATUS',
            `Proxy '${p.name}': status '${d.status}' referenced by an http reply not declared in http-errors section '${d.errorfiles}'.`,
            r.place,
            'none',
          );
        }
      }
    }
  }
}

// Before the proxies' other post-checks (order 50), as haproxy checks a proxy's rules first.
registerPostCheck('http reply sections', checkReplySections, 45);
