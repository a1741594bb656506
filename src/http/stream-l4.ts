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
 * Only frontends with rules or an accept-proxy listener go through here;
 * the others start reading HTTP at once (no context, no timer).
 * Content rules run once per client connection, before its first request
 * (haproxy 2.6 runs them for each stream, i.e. each request; rules that only
 * look at addresses give the same verdicts).
 */
import { connectionLog } from '../tcp/conn-log.js';
import { Inspection, PayloadBuffer } from '../tcp/inspect.js';
import type { FrontendL4 } from '../tcp/l4.js';
import { DROP, evalTcpRules, REJECT, WAIT } from '../tcp/rules.js';
import { embryonicLogLine, failure, headerEffects, PROXY_FC_ERR, receiveProxyHeader, type ReceivedProxyHeader } from '../net/proxy-header.js';
import { StreamContext } from '../proxy/stream-context.js';
import type { HttpStream } from './stream.js';

/** Whether the frontend's layer-4 work applies to a connection of `s` (else the stream reads HTTP at once). */
export function needsL4(s: HttpStream, l4: FrontendL4 | undefined): l4 is FrontendL4 {
  if (l4 === undefined) return false;
  return l4.connection.length + l4.session.length + l4.content.length > 0 || s.listener.spec.bind.acceptProxy === true;
}

/** One connection's pass through the layer-4 stage; calls `s.attachClient(first)` when it accepts. */
class HttpL4 {
  private readonly ctx: StreamContext;
  private readonly payload = new PayloadBuffer();
  private inspection: Inspection | undefined;
  private timer: NodeJS.Timeout | undefined;
  private ended = false;
  private readonly acceptDate = Date.now();

  constructor(private readonly s: HttpStream, private readonly l4: FrontendL4) {
    this.ctx = new StreamContext(s);
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
    ));
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
    if (l4.content.length > 0) {
      this.inspection = new Inspection(l4.content, l4.inspectDelay, this.payload, false);
      if (!this.s.cli.readableEnded) {
        this.s.cli.on('data', this.onInspectData);
        this.s.cli.on('end', this.onInspectEnd);
      } else this.ended = true;
      this.step();
      return;
    }
    this.accept();
  }

  private step(): void {
    const insp = this.inspection!;
    const v = insp.evaluate(this.ctx, performance.now(), this.ended);
    if (v === WAIT) {
      if (!this.ended && !insp.payload.full) this.s.cli.resume();
      const t = this.s.fe.timeouts.client;
      let wait = insp.deadline >= 0 ? insp.deadline - performance.now() : Infinity;
      if (t !== undefined) wait = Math.min(wait, t);
      this.arm(wait === Infinity ? undefined : wait, this.onInspectTimer);
      return;
    }
    this.inspection = undefined;
    this.disarm();
    this.s.cli.removeListener('data', this.onInspectData);
    this.s.cli.removeListener('end', this.onInspectEnd);
    if (v === REJECT) {
      // tcp_rules.c "reject": a FIN, PR flags.
      this.reject(false);
      return;
    }
    if (v === DROP) {
      this.reject(true);
      return;
    }
    this.accept();
  }

  private readonly onInspectData = (chunk: Buffer): void => {
    this.payload.push(chunk);
    if (this.inspection !== undefined) this.step();
  };

  private readonly onInspectEnd = (): void => {
    this.ended = true;
    if (this.inspection !== undefined) this.step();
  };

  private readonly onInspectTimer = (): void => {
    this.timer = undefined;
    const insp = this.inspection;
    if (insp === undefined) return;
    if (insp.deadline >= 0 && performance.now() + 1 >= insp.deadline) {
      this.step();
      return;
    }
    // `timeout client` while waiting for the first bytes.
    this.s.setTerm('c', 'R');
    this.s.cli.destroy();
  };

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
