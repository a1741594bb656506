/**
 * Evaluates parsed log-format strings (src/sample/log-format.ts) against a
 * {@link SampleContext}: what `use_backend %[req_ssl_sni,lower,word(1,:)]_tls`,
 * `set-var-fmt` and the other format-valued actions need at run time.
 *
 * Mirrors haproxy 2.6 log.c sess_build_logline() for the node kinds that do
 * not need a finished stream: text is copied, a separator is one space, a
 * `%[expr]` is the expression fetched as a string with SMP_OPT_FINAL
 * (sample_fetch_as_type(..., SMP_T_STR)) and printed by lf_text_len(): "-"
 * when there is no sample (`""` with +Q), cut at the first NUL byte
 * (strlcpy2), quoted with +Q, escaped with +E. The few `%var` variables that
 * make sense before logging (`%ci %cp %fi %fp %f %ft %b %s %pid`...) are read
 * from the context; the others print "-" until the log subsystem owns them.
 *
 * Everything is compiled once: the result is a flat array of small
 * closures, and a format made only of text returns a constant.
 */
import type { LogFormat, LogFormatNode, LogFormatOptions } from './log-format.js';
import { compileSample, evalFinal, type CompileEnv } from './compile.js';
import type { Endpoint, SampleContext } from './context.js';
import { sampleToString } from './sample.js';

/** A compiled log-format: the string it prints for one context. */
export type FormatFn = (ctx: SampleContext) => string;

export type CompileFormatResult = { ok: true; fn: FormatFn; constant: boolean } | { ok: false; code: string; message: string };

type Piece = (ctx: SampleContext) => string;

/** log.c lf_text_len(): missing value, quoting, escaping, NUL truncation. */
function printText(v: string | undefined, o: LogFormatOptions): string {
  if (v === undefined) return o.quote ? '""' : '-';
  const nul = v.indexOf('\0');
  let s = nul >= 0 ? v.slice(0, nul) : v;
  if (o.escape) s = s.replace(/["\\\]]/g, (c) => `\\${c}`);
  return o.quote ? `"${s}"` : s;
}

/**
 * log.c lf_encode_chunk() with http_encode_map: in HTTP values the bytes a
 * header field cannot carry (0x00-0x08, 0x0a-0x1f, 0x7f) are printed as %XX
 * (`%[req.hdrs]` in a `return lf-string` gives `%0D%0A`, checked with haproxy 2.6).
 */
function httpEncode(v: string): string {
  // eslint-disable-next-line no-control-regex
  return /[\x00-\x08\x0a-\x1f\x7f]/.test(v)
    ? v.replace(/[\x00-\x08\x0a-\x1f\x7f]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`)
    : v;
}

function endpointText(e: Endpoint | undefined, part: 'addr' | 'port', o: LogFormatOptions): string {
  if (e === undefined) return printText(undefined, o);
  if (part === 'port') return String(e.port);
  // Node reports IPv4 clients of a dual-stack socket as ::ffff:a.b.c.d; haproxy prints the address as its socket has it.
  return printText(e.address, o);
}

/** The `%var` variables available before the stream ends (configuration.txt §8.2.6 table). */
function variable(name: string, o: LogFormatOptions): Piece {
  switch (name) {
    case 'ci':
      return (ctx) => endpointText(ctx.src, 'addr', o);
    case 'cp':
      return (ctx) => endpointText(ctx.src, 'port', o);
    case 'fi':
      return (ctx) => endpointText(ctx.dst, 'addr', o);
    case 'fp':
      return (ctx) => endpointText(ctx.dst, 'port', o);
    case 'f':
    case 'ft':
      return (ctx) => printText(ctx.frontend?.name, o);
    case 'b':
      return (ctx) => printText(ctx.backend?.name, o);
    case 's':
      return (ctx) => printText(ctx.server?.name ?? '<NOSRV>', o);
    case 'pid': {
      const pid = String(process.pid);
      return () => pid;
    }
    default:
      return () => printText(undefined, o);
  }
}

function compileNode(node: LogFormatNode, env: CompileEnv, http = false, log = false): Piece | string | { code: string; message: string } {
  switch (node.kind) {
    case 'text':
      return node.text;
    case 'separator':
      return ' ';
    case 'var':
      return variable(node.name, node.options);
    case 'expr': {
      const c = compileSample(node.expr, env);
      if (!c.ok) return { code: c.code, message: c.message };
      const fn = c.fn;
      // log.c sess_build_logline(): with LOG_OPT_HTTP the sample goes through
      // lf_encode_chunk(), which escapes (+E) but never quotes (+Q is ignored:
      // `%{+Q}[req.hdr(host)]` in a header value prints the bare host, checked
      // with haproxy 2.6), and a missing sample prints nothing.
      const o = http && node.options.quote ? { ...node.options, quote: false } : node.options;
      return (ctx) => {
        const s = evalFinal(fn, ctx);
        if (s === undefined) {
          if (http) return '';
          // lf_text_len(): "-" only for LOG_OPT_MANDATORY (log lines); elsewhere
          // (use_backend names, set-var-fmt...) nothing, or "" with +Q.
          if (!log) return o.quote ? '""' : '';
        }
        const str = s === undefined ? undefined : sampleToString(s);
        return printText(http && str !== undefined ? httpEncode(str) : str, o);
      };
    }
  }
}

/**
 * Compiles a parsed log-format into a closure. Fails (with the sample
 * engine's code and message) when an expression uses a fetch or converter
 * that has no run-time implementation. `opts.http`: haproxy's LOG_OPT_HTTP
 * (unique-id-format, HTTP actions' values), where a missing sample prints
 * nothing and +Q does not quote it. `opts.log`: LOG_OPT_MANDATORY (log
 * lines), where a missing sample prints "-"; in the other contexts
 * (`use_backend` names, `set-var-fmt`, ...) it prints nothing ("" with +Q).
 */
export function compileLogFormat(
  format: LogFormat,
  env: CompileEnv = {},
  opts: { readonly http?: boolean; readonly log?: boolean } = {},
): CompileFormatResult {
  const pieces: Piece[] = [];
  let text = '';
  for (const node of format.nodes) {
    const p = compileNode(node, env, opts.http === true, opts.log === true);
    if (typeof p === 'string') {
      text += p;
      continue;
    }
    if (typeof p !== 'function') return { ok: false, code: p.code, message: p.message };
    if (text !== '') {
      const t = text;
      pieces.push(() => t);
      text = '';
    }
    pieces.push(p);
  }
  if (pieces.length === 0) {
    const t = text;
    return { ok: true, fn: () => t, constant: true };
  }
  if (text !== '') {
    const t = text;
    pieces.push(() => t);
  }
  if (pieces.length === 1) return { ok: true, fn: pieces[0]!, constant: false };
  if (pieces.length === 2) {
    const a = pieces[0]!;
    const b = pieces[1]!;
    return { ok: true, fn: (ctx) => a(ctx) + b(ctx), constant: false };
  }
  return {
    ok: true,
    constant: false,
    fn: (ctx) => {
      let out = '';
      for (let i = 0; i < pieces.length; i++) out += pieces[i]!(ctx);
      return out;
    },
  };
}
