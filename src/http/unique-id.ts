/**
 * `unique-id-format <fmt>`, `unique-id-header <name>` and the `unique-id`
 * fetch (configuration.txt §4.2, §7.3.2). As haproxy 2.6 does in
 * stream_generate_unique_id(), the ID is built from the *frontend's* format
 * once per transaction, on first use (a rule, a log, or the header), and
 * reused afterwards; the header is added to the request sent to the server
 * after every `http-request` rule has run and before `X-Forwarded-For`
 * (http_ana.c http_process_request(); order verified against haproxy 2.6).
 * Without `unique-id-format` the fetch finds nothing and no header is added.
 */
import type { ProxyConfig } from '../config/model/proxy.js';
import type { SampleContext } from '../sample/context.js';
import { registerFetchImpls, type FetchImpl } from '../sample/impl-registry.js';
import { compileLogFormat, type FormatFn } from '../sample/log-format-eval.js';
import { smpStr } from '../sample/sample.js';

const formats = new WeakMap<ProxyConfig, FormatFn | null>();

/** The compiled unique-id-format of a proxy; undefined without one (or when it cannot be compiled). */
function formatOf(p: ProxyConfig): FormatFn | undefined {
  let f = formats.get(p);
  if (f === undefined) {
    const parsed = p.uniqueIdFormat?.parsed;
    const c = parsed === undefined ? undefined : compileLogFormat(parsed, {}, { http: true });
    f = c !== undefined && c.ok ? c.fn : null;
    formats.set(p, f);
  }
  return f ?? undefined;
}

const ids = new WeakMap<object, { tx: number; id: string }>();

/**
 * The transaction's unique ID, generated on first use from the frontend's
 * `unique-id-format`; undefined without a format.
 */
export function uniqueIdOf(ctx: SampleContext): string | undefined {
  const fe = ctx.frontend?.config as ProxyConfig | undefined;
  if (fe?.uniqueIdFormat === undefined) return undefined;
  const n = (ctx as { readonly txCount?: number }).txCount;
  const tx = typeof n === 'number' ? n : 0;
  const cur = ids.get(ctx);
  if (cur !== undefined && cur.tx === tx) return cur.id;
  const f = formatOf(fe);
  if (f === undefined) return undefined;
  const id = f(ctx);
  ids.set(ctx, { tx, id });
  return id;
}

/** The `unique-id-header` to add to the request for the server, or undefined. */
export function uniqueIdHeader(ctx: SampleContext): readonly [string, string] | undefined {
  const fe = ctx.frontend?.config as ProxyConfig | undefined;
  const name = fe?.uniqueIdHeader;
  if (name === undefined || fe?.uniqueIdFormat === undefined) return undefined;
  const id = uniqueIdOf(ctx);
  return id === undefined ? undefined : [name, id];
}

const UNIQUE_ID_FETCHES: Record<string, FetchImpl> = {
  'unique-id': {
    compile: () => (ctx) => {
      const id = uniqueIdOf(ctx);
      return id === undefined ? undefined : smpStr(id);
    },
  },
};

registerFetchImpls(UNIQUE_ID_FETCHES);
