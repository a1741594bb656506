/**
 * Custom error pages at run time: the one lookup every response haproxy
 * generates goes through (configuration.txt §4.2 "errorfile", "errorfiles",
 * "errorloc302/303", "http-error"; §3.8 "http-errors").
 *
 * Each proxy gets a table status → page, built as http_htx.c
 * proxy_check_errors() does: its `errorfile`, `errorloc*`, `errorfiles` and
 * `http-error` lines (those of its defaults section first) applied in the
 * order written, a later line replacing an earlier one for the same status
 * (checked with haproxy 2.6: `errorfile 403` then `errorfiles sec` gives the
 * section's 403, the other order the file). `http-error ... default-errorfiles`
 * removes the proxy's page for its status.
 *
 * http_ana.c http_error_message(): a stream uses the page of its backend,
 * else of its frontend, else haproxy's built-in one. Before a backend is
 * chosen the backend is the frontend itself.
 */
import type { ConfigModel } from '../config/model/index.js';
import type { ErrorPageConfig, ProxyConfig } from '../config/model/proxy.js';
import type { HttpErrorsSection } from '../config/model/sections.js';
import { httpErrorsContent } from '../config/sections/http-errors.js';
import { compileLogFormat } from '../sample/log-format-eval.js';
import type { CompileEnv } from '../sample/compile.js';
import type { SampleContext } from '../sample/context.js';
import type { LogFormat } from '../sample/log-format.js';
import { isDefaultErrorStatus, renderedErrorMessage } from './default-errors.js';
import { buildReply, errorlocMessage, renderErrorFile } from './error-pages-render.js';
import type { FormatValue, HttpReplyData } from './rule-model.js';
import { readFileSync } from 'node:fs';

/** A compiled page: the response for one stream; an empty Buffer closes the connection silently. */
export type ErrorPage = (ctx: SampleContext) => Buffer;

/** http_htx.c http_err_codes[]: the statuses a proxy may customise. */
const CUSTOMISABLE: ReadonlySet<number> = new Set([200, 400, 401, 403, 404, 405, 407, 408, 410, 413, 425, 429, 500, 501, 502, 503, 504]);

/** http.c http_get_status_idx(): a status haproxy has no slot for uses the 500 one. */
function slot(status: number): number {
  return CUSTOMISABLE.has(status) ? status : 500;
}

const EMPTY = Buffer.alloc(0);
const constant = (b: Buffer): ErrorPage => () => b;

/** The stream's proxies and configuration, as an HttpStream (or a rule subject that is one) exposes them. */
interface StreamProxies {
  readonly runtime?: { readonly model: ConfigModel } | undefined;
  readonly frontend?: { readonly config: object } | undefined;
  readonly backend?: { readonly config: object } | undefined;
}

const tables = new WeakMap<object, ReadonlyMap<number, ErrorPage>>();

/** The page table of a proxy (compiled on first use). */
function tableOf(p: ProxyConfig, model: ConfigModel): ReadonlyMap<number, ErrorPage> {
  let t = tables.get(p);
  if (t === undefined) {
    t = compileTable(p.errorPages, model);
    tables.set(p, t);
  }
  return t;
}

function sectionNamed(model: ConfigModel, name: string | undefined): HttpErrorsSection | undefined {
  return name === undefined ? undefined : model.httpErrors.find((h) => h.name === name);
}

/** A section's page for `status`, undefined when it has none. */
function sectionPage(sec: HttpErrorsSection | undefined, status: number): ErrorPage | undefined {
  if (sec === undefined) return undefined;
  const c = httpErrorsContent(sec, status);
  return c === undefined ? undefined : constant(renderErrorFile(c));
}

/** http_htx.c proxy_check_errors(): the lines in order, later ones win. */
function compileTable(lines: readonly ErrorPageConfig[], model: ConfigModel): ReadonlyMap<number, ErrorPage> {
  const t = new Map<number, ErrorPage>();
  for (const e of lines) {
    const status = e.status ?? 0;
    switch (e.kind) {
      case 'errorfile':
        t.set(slot(status), constant(renderErrorFile(e.content ?? EMPTY)));
        break;
      case 'errorloc302':
      case 'errorloc303':
        t.set(slot(status), constant(errorlocMessage(e.kind === 'errorloc302' ? 302 : 303, e.target ?? '')));
        break;
      case 'errorfiles': {
        const sec = sectionNamed(model, e.section);
        if (sec === undefined) break;
        const wanted = e.statuses !== undefined && e.statuses.length > 0 ? e.statuses : [...sec.errorfiles.keys()];
        for (const st of wanted) {
          const page = sectionPage(sec, st);
          if (page !== undefined) t.set(slot(st), page);
        }
        break;
      }
      case 'http-error': {
        const r = e.reply;
        if (r === undefined) break;
        if (r.errorfiles !== undefined) {
          // conf_errors type 2: the section's page for this status, if it has one.
          const page = sectionPage(sectionNamed(model, r.errorfiles), r.status);
          if (page !== undefined) t.set(slot(r.status), page);
        } else if (r.defaultErrorfiles === true) {
          t.delete(slot(r.status));
        } else {
          t.set(slot(r.status), compileReplyPage(r, e.replyContent));
        }
        break;
      }
    }
  }
  return t;
}

/** A log-format value as a string producer. */
function formatFn(v: { readonly text: string; readonly format?: LogFormat | undefined } | undefined, env: CompileEnv = {}): (ctx: SampleContext) => string {
  if (v === undefined) return () => '';
  if (v.format === undefined) return () => v.text;
  // In HTTP replies a missing sample prints nothing (haproxy), not the log's '-'.
  const c = compileLogFormat(v.format, env, { http: true });
  return c.ok ? c.fn : () => v.text;
}

function readOrEmpty(file: string): Buffer {
  try {
    return readFileSync(file);
  } catch {
    return EMPTY;
  }
}

/**
 * A configured reply with its own payload (http_htx.c http_reply_to_htx()):
 * `errorfile` (sent as the file says), `string`/`file` (raw), `lf-string`/
 * `lf-file` (evaluated for each stream), or nothing (an empty body).
 * `content` is the file's bytes when the caller already read them.
 */
export function compileReplyPage(d: HttpReplyData, content?: Buffer, env: CompileEnv = {}): ErrorPage {
  const body = d.body;
  if (body?.source === 'errorfile') return constant(renderErrorFile(content ?? readOrEmpty(body.value)));
  const hdrs = d.headers.map((h: { readonly name: string; readonly value: FormatValue }) => ({ name: h.name, value: formatFn(h.value, env) }));
  let payload: (ctx: SampleContext) => Buffer;
  if (body === undefined) payload = () => EMPTY;
  else if (body.source === 'string') {
    const b = Buffer.from(body.value, 'latin1');
    payload = () => b;
  } else if (body.source === 'file') {
    const b = content ?? readOrEmpty(body.value);
    payload = () => b;
  } else {
    const f = formatFn({ text: body.value, format: body.format }, env);
    payload = (ctx) => Buffer.from(f(ctx), 'latin1');
  }
  if (hdrs.length === 0 && (body === undefined || body.source === 'string' || body.source === 'file')) {
    return constant(buildReply(d.status, d.contentType, [], payload(NO_CONTEXT)));
  }
  return (ctx) => buildReply(d.status, d.contentType, hdrs.map((h) => [h.name, h.value(ctx)] as const), payload(ctx));
}
const NO_CONTEXT = {} as SampleContext;

/**
 * http_ana.c http_error_message(): the page for `status` on this stream —
 * its backend's, else its frontend's, else undefined (haproxy's built-in
 * message applies).
 */
export function customErrorPage(ctx: SampleContext, status: number): ErrorPage | undefined {
  const s = ctx as StreamProxies;
  const model = s.runtime?.model;
  if (model === undefined) return undefined;
  const k = slot(status);
  const be = s.backend?.config as ProxyConfig | undefined;
  const fe = s.frontend?.config as ProxyConfig | undefined;
  if (be !== undefined && be.errorPages.length > 0) {
    const p = tableOf(be, model).get(k);
    if (p !== undefined) return p;
  }
  if (fe !== undefined && fe !== be && fe.errorPages.length > 0) return tableOf(fe, model).get(k);
  return undefined;
}

/**
 * The response the stream sends for an error `status` it generates (503, 502,
 * 504, the deny/tarpit pages...): the custom page when one applies, else
 * haproxy's built-in message (rendered, as the stream writes it). An empty
 * Buffer means: close without answering.
 */
export function errorPageBytes(ctx: SampleContext, status: number): Buffer {
  const p = customErrorPage(ctx, status);
  if (p !== undefined) return p(ctx);
  const st = slot(status);
  return isDefaultErrorStatus(st) ? renderedErrorMessage(st, { close: false }) : renderedErrorMessage(500, { close: false });
}

/**
 * Whether the frontend maps `status` to an empty page (`errorfile <code>
 * /dev/null`): the only customisation the H1 multiplexer honours for the
 * errors it answers itself, 400 on a request it cannot parse and 408
 * (mux_h1.c h1_send_error(); checked with haproxy 2.6, which sends its
 * built-in 400/408 even when an `errorfile` replaces them).
 */
export function frontendPageIsEmpty(ctx: SampleContext, status: number): boolean {
  const s = ctx as StreamProxies;
  const model = s.runtime?.model;
  const fe = s.frontend?.config as ProxyConfig | undefined;
  if (model === undefined || fe === undefined || fe.errorPages.length === 0) return false;
  const p = tableOf(fe, model).get(slot(status));
  return p !== undefined && p(ctx).length === 0;
}

/**
 * A rule's reply (`deny`, `tarpit`, `return`), built like an `http-error`
 * page (checked with haproxy 2.6: `hdr` lines before `content-length`,
 * http_get_reason() phrases, an empty body without payload); undefined only
 * for a `return` without data (the caller's default):
 *  - `default-errorfiles` (what a bare `deny`/`tarpit` or `deny_status`
 *    means): the stream's page for the status;
 *  - `errorfile <file>`: that file, as is;
 *  - `errorfiles <name>`: the section's page for the status, else an empty
 *    reply with that status (http_htx.c http_check_http_reply(): an
 *    HTTP_REPLY_INDIRECT without target; checked with haproxy 2.6).
 */
// `env`: the rule's compile environment (backend names, pattern references: src/proxy/rule-helpers.ts).
export function compileRulePage(d: HttpReplyData | undefined, action: string, env: CompileEnv = {}): ErrorPage | undefined {
  const status = d?.status ?? (action === 'return' ? 200 : action === 'tarpit' ? 500 : 403);
  if (d === undefined || d.defaultErrorfiles === true) {
    if (action === 'return' && d === undefined) return undefined;
    return (ctx) => errorPageBytes(ctx, status);
  }
  if (d.errorfiles !== undefined) {
    const name = d.errorfiles;
    const empty = buildReply(status, undefined, [], EMPTY);
    let page: ErrorPage | undefined;
    let resolved = false;
    return (ctx) => {
      if (!resolved) {
        const model = (ctx as StreamProxies).runtime?.model;
        page = model === undefined ? undefined : sectionPage(sectionNamed(model, name), status);
        resolved = model !== undefined;
      }
      return page !== undefined ? page(ctx) : empty;
    };
  }
  // Its own payload, or none: `deny status 404` alone is an empty 404 (HTTP_REPLY_EMPTY).
  return compileReplyPage(d, undefined, env);
}
