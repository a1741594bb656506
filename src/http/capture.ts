/**
 * Captures (configuration.txt §4.2 "capture request header", "capture
 * response header", "declare capture", "http-request capture",
 * "http-response capture", "tcp-request content capture"; §7.3.6
 * "capture.req.*", "capture.res.*"; §8.8 "Capturing HTTP headers").
 *
 * Slots. As in haproxy (cfgparse-listen.c, http_act.c, tcp_act.c), every
 * `capture request header`, `declare capture request`, `http-request capture
 * ... len` and `tcp-request content capture ... len` of a frontend takes the
 * next request slot, in the order they are written; the response keywords
 * the same for response slots. A stream fills the slots of its *frontend*,
 * whichever proxy's rule writes them (`http-request capture ... id <n>` in a
 * backend writes the frontend's slot n, cut to that slot's length).
 *
 * Storage. One {@link CaptureSlots} per transaction, kept beside the stream
 * (a WeakMap keyed by the stream, reset when its transaction counter moves)
 * so that the stream class carries no capture state when none is configured.
 * The log formats of the next issue read them with {@link captureSlots}:
 * `%hr`/`%hrl` are `req`, `%hs`/`%hsl` are `res`, in slot order.
 *
 * Header captures take the last occurrence of the header (the whole line
 * value, commas included), cut to the declared length, from the head as
 * received: before any `http-request` rule for requests, before any
 * `http-response` rule for responses (http_ana.c http_wait_for_request() /
 * http_wait_for_response() call http_capture_headers() first). Verified
 * against haproxy 2.6 (test/compat/http/auth-monitor.test.ts).
 */
import type { ProxyConfig, RuleConfig } from '../config/model/proxy.js';
import type { SampleContext } from '../sample/context.js';
import { compileSample, evalFinal } from '../sample/compile.js';
import { argInt, registerConverterImpls, registerFetchImpls, type ConverterImpl, type FetchImpl } from '../sample/impl-registry.js';
import { sampleToString, smpStr } from '../sample/sample.js';
import { MSG_VER_11, type CanonicalHead, type H1Head } from './h1-head.js';
import { pathOf, type HttpMessageSlot } from './http-fetches.js';
import type { SettingsData } from './rule-model.js';
import type { RuleOutcome } from './rules.js';

/** The capture slots of one transaction, in declaration order (haproxy's s->req_cap / s->res_cap). */
export interface CaptureSlots {
  /** `undefined`: nothing captured (logged as an empty string between the bars). */
  readonly req: (string | undefined)[];
  readonly res: (string | undefined)[];
}

interface HeaderCapture {
  readonly lower: string;
  readonly slot: number;
  readonly len: number;
}

/** A frontend's slot layout, compiled once. */
export interface CaptureLayout {
  readonly reqLens: readonly number[];
  readonly resLens: readonly number[];
  readonly reqHeaders: readonly HeaderCapture[];
  readonly resHeaders: readonly HeaderCapture[];
  /** The slot allocated by each `http-request capture ... len` / `tcp-request content capture` rule. */
  readonly ruleSlots: ReadonlyMap<RuleConfig, number>;
}

const layouts = new WeakMap<ProxyConfig, CaptureLayout>();

function lenOf(r: RuleConfig): number | undefined {
  const v = (r.data as SettingsData | undefined)?.values['len'];
  return typeof v === 'number' ? v : undefined;
}

/** Builds (once) the capture slot layout of a frontend. */
export function captureLayout(p: ProxyConfig): CaptureLayout {
  let l = layouts.get(p);
  if (l !== undefined) return l;
  type Entry = { line: number; order: number; kind: 'request' | 'response'; len: number; header?: string; rule?: RuleConfig };
  const entries: Entry[] = [];
  let order = 0;
  for (const c of p.captures) {
    if (c.kind === 'cookie') continue;
    entries.push({ line: c.place.line, order: order++, kind: c.kind, len: c.length, ...(c.name !== undefined && !c.declared ? { header: c.name } : {}) });
  }
  for (const r of [...p.rules.tcpRequestContent, ...p.rules.httpRequest]) {
    const len = r.action === 'capture' ? lenOf(r) : undefined;
    if (len !== undefined) entries.push({ line: r.place.line, order: order++, kind: 'request', len, rule: r });
  }
  // All of them come from the same section: the line orders them as haproxy allocated them.
  entries.sort((a, b) => a.line - b.line || a.order - b.order);
  const reqLens: number[] = [];
  const resLens: number[] = [];
  const reqHeaders: HeaderCapture[] = [];
  const resHeaders: HeaderCapture[] = [];
  const ruleSlots = new Map<RuleConfig, number>();
  for (const e of entries) {
    const lens = e.kind === 'request' ? reqLens : resLens;
    const slot = lens.length;
    lens.push(e.len);
    if (e.header !== undefined) (e.kind === 'request' ? reqHeaders : resHeaders).push({ lower: e.header.toLowerCase(), slot, len: e.len });
    if (e.rule !== undefined) ruleSlots.set(e.rule, slot);
  }
  l = { reqLens, resLens, reqHeaders, resHeaders, ruleSlots };
  layouts.set(p, l);
  return l;
}

interface TxnCaptures {
  tx: number;
  slots: CaptureSlots;
}

const perStream = new WeakMap<object, TxnCaptures>();

/** The stream's transaction counter (HttpStream.txCount); 0 for a TCP stream. */
function txOf(ctx: SampleContext): number {
  const n = (ctx as { readonly txCount?: number }).txCount;
  return typeof n === 'number' ? n : 0;
}

function layoutOf(ctx: SampleContext): CaptureLayout | undefined {
  const fe = ctx.frontend?.config as ProxyConfig | undefined;
  return fe?.captures === undefined ? undefined : captureLayout(fe);
}

/**
 * The capture slots of the stream's current transaction, or undefined when
 * its frontend declares none. This is what the logs read (`%hr`, `%hs`).
 */
export function captureSlots(ctx: SampleContext, create = false): CaptureSlots | undefined {
  const tx = txOf(ctx);
  const cur = perStream.get(ctx);
  if (cur !== undefined && cur.tx === tx) return cur.slots;
  if (!create) return undefined;
  const l = layoutOf(ctx);
  if (l === undefined || (l.reqLens.length === 0 && l.resLens.length === 0)) return undefined;
  const slots: CaptureSlots = { req: new Array<string | undefined>(l.reqLens.length).fill(undefined), res: new Array<string | undefined>(l.resLens.length).fill(undefined) };
  perStream.set(ctx, { tx, slots });
  return slots;
}

function captureHeaders(head: H1Head, caps: readonly HeaderCapture[], out: (string | undefined)[]): void {
  // http_ana.c http_capture_headers(): every occurrence overwrites, so the last one stays.
  for (let i = 0; i < head.count; i++) {
    if (head.isDropped(i)) continue;
    for (const c of caps) if (head.nameIs(i, c.lower)) out[c.slot] = head.value(i).slice(0, c.len);
  }
}

/** Hook for a parsed request head, before any rule: `capture request header`. */
export function captureRequestHeaders(ctx: SampleContext): void {
  const l = layoutOf(ctx);
  if (l === undefined || (l.reqLens.length === 0 && l.resLens.length === 0)) return;
  const slots = captureSlots(ctx, true);
  const head = (ctx.http as HttpMessageSlot | undefined)?.reqHead;
  if (slots !== undefined && head !== undefined && l.reqHeaders.length > 0) captureHeaders(head, l.reqHeaders, slots.req);
}

/** Hook for a final response head, before any rule: `capture response header`. */
export function captureResponseHeaders(ctx: SampleContext): void {
  const l = layoutOf(ctx);
  if (l === undefined || l.resHeaders.length === 0) return;
  const slots = captureSlots(ctx, true);
  const head = (ctx.http as HttpMessageSlot | undefined)?.resHead;
  if (slots !== undefined && head !== undefined) captureHeaders(head, l.resHeaders, slots.res);
}

/**
 * `http-request capture <expr> len <n> | id <n>`, `http-response capture
 * <expr> id <n>` and `tcp-request content capture <expr> len <n>`
 * (http_act.c http_action_req_capture[_by_id](), http_action_res_capture_by_id()):
 * the sample as a string, cut to the slot's length; no sample leaves the
 * slot as it was; an id beyond the frontend's slots does nothing.
 */
export function compileCaptureAction(rule: RuleConfig, response: boolean): (s: SampleContext) => RuleOutcome | undefined {
  const e = rule.expressions?.[0];
  const c = e === undefined ? undefined : compileSample(e);
  const values = (rule.data as SettingsData | undefined)?.values;
  const id = typeof values?.['id'] === 'number' ? values['id'] : undefined;
  if (c === undefined || !c.ok) return () => undefined;
  const fn = c.fn;
  return (s) => {
    const l = layoutOf(s);
    if (l === undefined) return undefined;
    const slot = id ?? l.ruleSlots.get(rule);
    const lens = response ? l.resLens : l.reqLens;
    if (slot === undefined || slot < 0 || slot >= lens.length) return undefined;
    const x = evalFinal(fn, s);
    const v = x === undefined ? undefined : sampleToString(x);
    if (v === undefined) return undefined;
    const slots = captureSlots(s, true);
    if (slots !== undefined) (response ? slots.res : slots.req)[slot] = v.slice(0, lens[slot]);
    return undefined;
  };
}

// ---------------------------------------------------------------------------
// Fetches (http_fetch.c smp_fetch_capture_*)
// ---------------------------------------------------------------------------

function slotFetch(response: boolean): FetchImpl {
  return {
    compile: (args) => {
      const idx = argInt(args, 0, 0);
      return (ctx) => {
        const slots = captureSlots(ctx);
        const v = slots === undefined ? undefined : (response ? slots.res : slots.req)[idx];
        return v === undefined ? undefined : smpStr(v);
      };
    },
  };
}

function reqHeadOf(ctx: SampleContext): H1Head | undefined {
  return (ctx.http as HttpMessageSlot | undefined)?.reqHead;
}

const CAPTURE_FETCHES: Record<string, FetchImpl> = {
  'capture.req.hdr': slotFetch(false),
  'capture.res.hdr': slotFetch(true),
  // The request line as received (txn->uri), whatever the rules rewrote since.
  'capture.req.method': {
    compile: () => (ctx) => {
      const h = reqHeadOf(ctx);
      return h === undefined ? undefined : smpStr(h.methodName());
    },
  },
  'capture.req.uri': {
    compile: () => (ctx) => {
      const h = reqHeadOf(ctx);
      if (h === undefined) return undefined;
      const p = pathOf(h.target());
      return p === '' || p === '*' ? undefined : smpStr(p);
    },
  },
  // HTTP_MSGF_VER_11: "HTTP/1.1", anything else "HTTP/1.0".
  'capture.req.ver': {
    compile: () => (ctx) => {
      const h = reqHeadOf(ctx);
      return h === undefined ? undefined : smpStr((h.flags & MSG_VER_11) !== 0 ? 'HTTP/1.1' : 'HTTP/1.0');
    },
  },
  'capture.res.ver': {
    compile: () => (ctx) => {
      const h = (ctx.http as HttpMessageSlot | undefined)?.resHead;
      return h === undefined ? undefined : smpStr((h.flags & MSG_VER_11) !== 0 ? 'HTTP/1.1' : 'HTTP/1.0');
    },
  },
};

registerFetchImpls(CAPTURE_FETCHES);

/**
 * `capture-req(<id>)` / `capture-res(<id>)` (configuration.txt §7.3.1;
 * sample.c smp_conv_req_capture()): store the input string in the
 * frontend's slot <id>, cut to its length, and return the input as is; a
 * slot that does not exist leaves the input untouched.
 */
function captureConverter(response: boolean): ConverterImpl {
  return {
    compile: (args) => {
      const idx = argInt(args, 0, 0);
      return (input, ctx) => {
        const l = layoutOf(ctx);
        const lens = l === undefined ? undefined : response ? l.resLens : l.reqLens;
        const len = lens?.[idx];
        if (len === undefined || input.type !== 'str') return input;
        const slots = captureSlots(ctx, true);
        if (slots !== undefined) (response ? slots.res : slots.req)[idx] = input.value.slice(0, len);
        return input;
      };
    },
  };
}

registerConverterImpls({ 'capture-req': captureConverter(false), 'capture-res': captureConverter(true) });

// ---------------------------------------------------------------------------
// capture cookie <name> len <n> (configuration.txt §4.2 "capture cookie"; %CC / %CS of §8.2.3)

/** A frontend's cookie capture: the name prefix and the length (at most 63, with the post-check warning). */
interface CookieCapture {
  readonly prefix: string;
  readonly len: number;
}

const cookieCaptures = new WeakMap<ProxyConfig, CookieCapture | null>();

function cookieCaptureOf(p: ProxyConfig | undefined): CookieCapture | undefined {
  if (p === undefined) return undefined;
  let c = cookieCaptures.get(p);
  if (c === undefined) {
    // cfgparse-listen.c keeps one cookie capture; post-checks.ts warns and cuts a length >= 64 to 63.
    const cfg = p.captures.find((x) => x.kind === 'cookie');
    c = cfg === undefined || cfg.name === undefined ? null : { prefix: cfg.name, len: Math.min(Math.max(cfg.length, 0), 63) };
    cookieCaptures.set(p, c);
  }
  return c ?? undefined;
}

/** The cookies captured in the stream's current transaction: `req` for %CC, `res` for %CS. */
export interface CapturedCookies {
  tx: number;
  req: string | undefined;
  res: string | undefined;
}

const capturedByStream = new WeakMap<object, CapturedCookies>();

/** What %CC / %CS print for the stream's current transaction (undefined: "-"). */
export function capturedCookies(ctx: SampleContext): CapturedCookies | undefined {
  const c = capturedByStream.get(ctx);
  return c !== undefined && c.tx === txOf(ctx) ? c : undefined;
}

function cookieSlot(ctx: SampleContext): CapturedCookies {
  const tx = txOf(ctx);
  let c = capturedByStream.get(ctx);
  if (c === undefined || c.tx !== tx) {
    c = { tx, req: undefined, res: undefined };
    capturedByStream.set(ctx, c);
  }
  return c;
}

const isSpace = (ch: number): boolean => ch === 0x20 || ch === 0x09;

/**
 * One `name=value` of a cookie header, as haproxy normalises it before the
 * capture (http_ana.c http_manage_client_side_cookies(): blanks around the
 * name, the '=' and the value are removed, blanks inside the value kept);
 * undefined for a cookie without '=' (never captured, checked with haproxy 2.6).
 */
function normalisedCookie(text: string, from: number, to: number): string | undefined {
  const eq = text.indexOf('=', from);
  if (eq < 0 || eq >= to) return undefined;
  let a = from;
  let b = eq;
  while (a < b && isSpace(text.charCodeAt(a))) a++;
  while (b > a && isSpace(text.charCodeAt(b - 1))) b--;
  let c = eq + 1;
  let d = to;
  while (c < d && isSpace(text.charCodeAt(c))) c++;
  while (d > c && isSpace(text.charCodeAt(d - 1))) d--;
  return `${text.slice(a, b)}=${text.slice(c, d)}`;
}

function matches(cookie: string | undefined, cap: CookieCapture): string | undefined {
  // The name is a case-sensitive prefix (memcmp), '=' included when the configuration ends it with one.
  return cookie !== undefined && cookie.startsWith(cap.prefix) ? cookie.slice(0, cap.len) : undefined;
}

function headerValues(head: H1Head | undefined, canon: CanonicalHead | undefined, lower: string): string[] {
  const out: string[] = [];
  if (canon !== undefined) {
    for (const [n, v] of canon.headers) if (n.length === lower.length && n.toLowerCase() === lower) out.push(v);
  } else if (head !== undefined) {
    for (let i = head.find(lower); i >= 0; i = head.find(lower, i + 1)) out.push(head.value(i));
  }
  return out;
}

/**
 * Hook after the http-request rules of a proxy (and on a deny or tarpit):
 * the first request cookie whose name starts with the captured name, from
 * every `Cookie` header as the rules left them, each split on ';' and ','
 * (http_ana.c http_process_req_common(), "Allow cookie logging" on deny;
 * checked with haproxy 2.6). Later calls keep the first capture.
 */
export function captureRequestCookie(ctx: SampleContext): void {
  const cap = cookieCaptureOf(ctx.frontend?.config as ProxyConfig | undefined);
  if (cap === undefined) return;
  const slot = cookieSlot(ctx);
  if (slot.req !== undefined) return;
  const m = ctx.http as HttpMessageSlot | undefined;
  for (const v of headerValues(m?.reqHead, m?.reqCanon, 'cookie')) {
    let from = 0;
    while (from <= v.length) {
      let to = from;
      while (to < v.length && v[to] !== ';' && v[to] !== ',') to++;
      const got = matches(normalisedCookie(v, from, to), cap);
      if (got !== undefined) {
        slot.req = got;
        return;
      }
      from = to + 1;
    }
  }
}

/**
 * Hook after the http-response rules: the first `Set-Cookie` header whose
 * cookie (its first `name=value`, up to ';') starts with the captured name
 * (http_ana.c http_manage_server_side_cookies(); checked with haproxy 2.6).
 */
export function captureResponseCookie(ctx: SampleContext): void {
  const cap = cookieCaptureOf(ctx.frontend?.config as ProxyConfig | undefined);
  if (cap === undefined) return;
  const slot = cookieSlot(ctx);
  if (slot.res !== undefined) return;
  const m = ctx.http as HttpMessageSlot | undefined;
  for (const v of headerValues(m?.resHead, m?.resCanon, 'set-cookie')) {
    const semi = v.indexOf(';');
    const got = matches(normalisedCookie(v, 0, semi < 0 ? v.length : semi), cap);
    if (got !== undefined) {
      slot.res = got;
      return;
    }
  }
}
