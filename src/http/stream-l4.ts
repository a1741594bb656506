/**
 * The layer-4 stage of a `mode http` client connection, before the HTTP
 * stream reads its first request (session.c session_accept_fd() and
 * conn_complete_session(), tcp_rules.c tcp_inspect_request()):
 * `tcp-request connection` rules, the PROXY header (`accept-proxy` or
 * `tcp-request connection expect-proxy layer4`), `tcp-request session`
 * rules, then `tcp-request content` rules with `tcp-request inspect-delay`.
 *
 * The rule sets are the ones src/tcp/l4.ts compiled for the frontend and are
 * walked with src/tcp/rules.ts and src/tcp/inspect.ts, as a `mode tcp`
 * stream does (same verdicts: reject closes, silent-drop resets). Addresses
 * from a PROXY header, or set by `set-src`/`set-dst` actions, become the
 * HTTP stream's `src`/`dst` (fetches, `option forwardfor`, `balance source`).
 *
 * Only frontends with connection or session rules or an accept-proxy
 * listener go through here; the others start reading HTTP at once (no
 * context, no timer).
 *
 * `tcp-request content` rules run for each request, once its head is parsed
 * ({@link runHttpContentRules}): configuration.txt §4.2 "tcp-request
 * content": "In case of HTTP keep-alive with the client, all tcp-request
 * content rules are evaluated again", and "in an HTTP frontend ... HTTP
 * contents will always be immediately present when the rule is evaluated"
 * (haproxy's H1 mux parses the request before the stream exists). Checked
 * with haproxy 2.6: a counter in `sess.` grows per request, a `txn.`
 * variable set by a content rule and the `sess.` ones set by connection and
 * session rules are seen by `http-request` rules, `path` is available, and a
 * content `reject` closes the connection without a response.
 */
import { connectionLog } from '../tcp/conn-log.js';
import { PayloadBuffer } from '../tcp/inspect.js';
import type { FrontendL4 } from '../tcp/l4.js';
import { DROP, evalTcpRules, REJECT, type TcpRule } from '../tcp/rules.js';
import { embryonicLogLine, failure, headerEffects, PROXY_FC_ERR, receiveProxyHeader, type ReceivedProxyHeader } from '../net/proxy-header.js';
import { StreamContext } from '../proxy/stream-context.js';
import type { VarScope, VarStore } from '../sample/context.js';
import type { HttpMessageSlot } from './http-fetches.js';
import type { HttpStream } from './stream.js';

/** Whether the frontend's layer-4 work applies to a connection of `s` (else the stream reads HTTP at once). */
export function needsL4(s: HttpStream, l4: FrontendL4 | undefined): l4 is FrontendL4 {
  if (l4 === undefined) return false;
  return l4.connection.length + l4.session.length > 0 || s.listener.spec.bind.acceptProxy === true;
}

/**
 * The layer-4 rules' view of an HTTP client connection: the addresses and
 * flags of a {@link StreamContext}, the HTTP stream's variables (so `sess.`
 * and `txn.` values set by tcp-request rules are the ones the HTTP rules
 * read, vars.c: one session, one stream per request) and, once a request
 * head is parsed, its HTTP message for the fetches (`path`, `req.hdr`...).
 */
export class HttpL4Context extends StreamContext {
  constructor(private readonly hs: HttpStream) {
    super(hs);
  }

  override vars(scope: VarScope): VarStore | undefined {
    return this.hs.vars(scope);
  }

  get http(): HttpMessageSlot | undefined {
    return this.hs.reqHead === undefined ? undefined : this.hs;
  }
}

/** The stream's layer-4 context, created on first use and kept for the connection. */
function contextOf(s: HttpStream): HttpL4Context {
  return (s.l4ctx ??= new HttpL4Context(s));
}

/** Outcome of {@link runHttpContentRules}: go on with the request. */
export const CONTENT_CONTINUE = 0;
/** The connection was rejected or dropped (closed by the rules). */
export const CONTENT_STOPPED = 1;

/**
 * Runs `tcp-request content` rules for the request whose head was just
 * parsed (tcp_rules.c tcp_inspect_request()): the frontend's (analyser
 * AN_REQ_INSPECT_FE, before http_wait_for_request()), and a backend's after
 * switching (AN_REQ_INSPECT_BE, before its http-request rules; checked with
 * haproxy 2.6, same per-request behaviour). The contents are all
 * there, so the rules are evaluated finally: nothing waits for the inspect
 * delay. `reject` closes the connection without a response (a FIN),
 * `silent-drop` resets it, as haproxy does.
 */
export function runHttpContentRules(s: HttpStream, rules: readonly TcpRule[]): number {
  const ctx = contextOf(s);
  // An http-request set-src/set-dst of an earlier request stays for the connection.
  if (s.srcOverride !== undefined && ctx.src !== s.srcOverride) ctx.setSrc(s.srcOverride);
  if (s.dstOverride !== undefined && ctx.dst !== s.dstOverride) ctx.setDst(s.dstOverride);
  const v = evalTcpRules(rules, ctx);
  if (ctx.src !== ctx.fcSrc) s.srcOverride = ctx.src;
  if (ctx.dstChanged) s.dstOverride = ctx.dst;
  if (v === REJECT || v === DROP) {
    s.setTerm('P', 'R');
    if (v === DROP) s.cli.resetAndDestroy();
    else s.closeCli();
    return CONTENT_STOPPED;
  }
  return CONTENT_CONTINUE;
}

/** One connection's pass through the layer-4 stage; calls `s.attachClient(first)` when it accepts. */
class HttpL4 {
  private readonly ctx: HttpL4Context;
  private readonly payload = new PayloadBuffer();
  private timer: NodeJS.Timeout | undefined;
  private ended = false;
  private readonly acceptDate = Date.now();

  constructor(private readonly s: HttpStream, private readonly l4: FrontendL4) {
    this.ctx = contextOf(s);
  }

  start(): void {
    const { s, l4, ctx } = this;
    if (l4.connection.length > 0) {
      const v = evalTcpRules(l4.connection, ctx);
      if (v === REJECT || v === DROP) {
        // session_accept_fd(): SO_LINGER 0, a reset.
        this.reject(true);
        return;
      }
    }
    if (s.listener.spec.bind.acceptProxy === true || ctx.expectProxy) {
      s.cli.on('data', this.onProxyData);
      s.cli.on('end', this.onProxyEnd);
      s.cli.resume();
      // The handshake is bounded by `timeout client` (session.c).
      this.arm(s.fe.timeouts.client, this.onProxyTimeout);
      return;
    }
    this.afterHandshake();
  }

  private arm(ms: number | undefined, fn: () => void): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    // A stream that ended meanwhile (the client reset) has nothing left to time out.
    this.timer = ms === undefined ? undefined : setTimeout(() => {
      if (!this.s.finished) fn();
    }, Math.max(1, ms));
  }

  private disarm(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private readonly onProxyData = (chunk: Buffer): void => {
    this.stopProxyWait();
    const r = receiveProxyHeader(chunk);
    if (!r.ok) {
      this.proxyFailed(r, true);
      return;
    }
    const fx = headerEffects(r.header);
    if (fx.src !== undefined) this.ctx.setSrc(fx.src);
    if (fx.dst !== undefined) this.ctx.setDst(fx.dst);
    this.ctx.proxyProtocol = fx.info;
    if (chunk.length > r.length) this.payload.push(chunk.subarray(r.length));
    this.afterHandshake();
  };

  private readonly onProxyEnd = (): void => {
    this.stopProxyWait();
    this.ended = true;
    this.proxyFailed(failure('PP_EMPTY'), false);
  };

  private readonly onProxyTimeout = (): void => {
    this.stopProxyWait();
    this.proxyFailed(failure('PP_TIMEOUT'), false);
  };

  private stopProxyWait(): void {
    this.s.cli.removeListener('data', this.onProxyData);
    this.s.cli.removeListener('end', this.onProxyEnd);
    this.s.cli.pause();
    this.disarm();
  }

  /** session_kill_embryonic(): logged, then closed (a reset when bytes were received). */
  private proxyFailed(r: ReceivedProxyHeader, reset: boolean): void {
    if (r.ok) return;
    const s = this.s;
    this.ctx.fcErr = PROXY_FC_ERR[r.code];
    connectionLog(s.fe.config, embryonicLogLine(
      { address: s.cli.remoteAddress, port: s.cli.remotePort },
      this.acceptDate, s.fe.name, { name: s.listener.spec.bind.name, luid: s.listener.luid }, r.reason,
    ), undefined, { client: { address: s.cli.remoteAddress, port: s.cli.remotePort }, acceptDate: this.acceptDate, ctx: this.ctx });
    s.setTerm('C', 'R');
    if (reset) s.cli.resetAndDestroy();
    else s.cli.destroy();
  }

  private afterHandshake(): void {
    const { l4, ctx } = this;
    if (l4.session.length > 0) {
      const v = evalTcpRules(l4.session, ctx);
      if (v === REJECT || v === DROP) {
        this.reject(v === DROP || this.payload.size > 0);
        return;
      }
    }
    // Content rules run per request, on the parsed head (runHttpContentRules).
    this.accept();
  }

  /**
   * A rejected connection: a reset for connection rules and silent-drop
   * (SO_LINGER 0), else a FIN; the client's unread bytes are drained so that
   * closing does not turn the FIN into a reset (haproxy evaluates session
   * rules at accept, before the request bytes arrive).
   */
  private reject(reset: boolean): void {
    this.s.setTerm('P', 'R');
    this.disarm();
    if (reset) this.s.cli.resetAndDestroy();
    else this.s.closeCli();
  }

  /** Accepted: the addresses the rules and the PROXY header decided, then HTTP. */
  private accept(): void {
    const { s, ctx } = this;
    this.disarm();
    if (ctx.src !== ctx.fcSrc) s.srcOverride = ctx.src;
    if (ctx.dstChanged) s.dstOverride = ctx.dst;
    const parts = this.payload.take();
    s.attachClient(parts.length === 0 ? undefined : parts.length === 1 ? parts[0] : Buffer.concat(parts), this.ended);
  }
}

/** Runs the layer-4 stage of `s`; the stream reads HTTP once it accepts. */
export function startHttpL4(s: HttpStream, l4: FrontendL4): void {
  new HttpL4(s, l4).start();
}
