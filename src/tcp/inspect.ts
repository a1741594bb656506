/**
 * Content inspection (configuration.txt §4.2 "tcp-request inspect-delay",
 * "tcp-response inspect-delay", §7.1 on ACL_TEST_MISS): the bytes received
 * so far are kept in a bounded buffer that `req.payload`, `req.ssl_sni`,
 * `rdp_cookie`... read, and the content rules are evaluated again on each
 * new chunk. A rule whose condition misses makes the walk wait, until the
 * inspect delay expires, the buffer is full or the input closes: then the
 * rules run one last time with SMP_OPT_FINAL and a miss counts as false
 * (tcp_rules.c tcp_inspect_request()/tcp_inspect_response()).
 *
 * The buffer holds at most {@link INSPECT_WINDOW} bytes, haproxy's
 * `tune.bufsize` (16384) less `tune.maxrewrite` (1024) reserved by
 * channel_full(); the reader is paused once it is full, so an endless or
 * enormous ClientHello costs one buffer and no more. Bytes read past the
 * window (a chunk may straddle it) are kept aside, in order, to be
 * forwarded with the rest once a verdict is reached.
 */
import type { PayloadView } from '../sample/context.js';
import type { StreamContext } from '../proxy/stream-context.js';
import { evalTcpRules, WAIT, type TcpRule } from './rules.js';

/** haproxy's default tune.bufsize (16384) minus tune.maxrewrite (1024). */
export const INSPECT_WINDOW = 16384 - 1024;

const EMPTY = Buffer.alloc(0);

/** The bytes of one direction seen so far; a {@link PayloadView} for the fetches. */
export class PayloadBuffer implements PayloadView {
  buf: Buffer = EMPTY;
  len = 0;
  private owned = false;
  private overflow: Buffer[] | undefined;

  /** True when no more bytes fit in the window: the reader must pause, rules become final. */
  get full(): boolean {
    return this.len >= INSPECT_WINDOW;
  }

  /**
   * Appends a received chunk. The first chunk is kept as it is (no copy);
   * the second one moves the data into a window-sized buffer of our own.
   */
  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    if (this.full) {
      (this.overflow ??= []).push(chunk);
      return;
    }
    const room = INSPECT_WINDOW - this.len;
    if (this.len === 0 && !this.owned) {
      if (chunk.length <= room) {
        this.buf = chunk;
        this.len = chunk.length;
      } else {
        this.buf = chunk.subarray(0, room);
        this.len = room;
        (this.overflow ??= []).push(chunk.subarray(room));
      }
      return;
    }
    if (!this.owned) {
      const b = Buffer.allocUnsafe(INSPECT_WINDOW);
      this.buf.copy(b, 0, 0, this.len);
      this.buf = b;
      this.owned = true;
    }
    const n = Math.min(room, chunk.length);
    chunk.copy(this.buf, this.len, 0, n);
    this.len += n;
    if (n < chunk.length) (this.overflow ??= []).push(chunk.subarray(n));
  }

  /** Removes the first `n` bytes (a PROXY header): what remains is what rules will see. */
  consume(n: number): void {
    if (n <= 0) return;
    const rest = this.take();
    this.buf = EMPTY;
    this.len = 0;
    this.owned = false;
    this.overflow = undefined;
    let skip = n;
    for (const c of rest) {
      if (skip >= c.length) {
        skip -= c.length;
        continue;
      }
      this.push(skip > 0 ? c.subarray(skip) : c);
      skip = 0;
    }
  }

  /** Every byte received, in order, for forwarding; the buffer is empty afterwards. */
  take(): Buffer[] {
    const out: Buffer[] = [];
    if (this.len > 0) out.push(this.buf.subarray(0, this.len));
    if (this.overflow !== undefined) for (const c of this.overflow) out.push(c);
    this.buf = EMPTY;
    this.len = 0;
    this.owned = false;
    this.overflow = undefined;
    return out;
  }

  /** Bytes held (window and overflow). */
  get size(): number {
    let n = this.len;
    if (this.overflow !== undefined) for (const c of this.overflow) n += c.length;
    return n;
  }
}

/**
 * One inspection: a rule set, its delay, and the deadline set at the first
 * miss ("just set the request timeout once at the beginning of the request").
 */
export class Inspection {
  readonly rules: readonly TcpRule[];
  /** The inspect delay in ms; 0 makes every evaluation final. */
  readonly delay: number;
  readonly payload: PayloadBuffer;
  readonly response: boolean;
  /** performance.now() when the delay expires; -1 until a rule first waits. */
  deadline = -1;

  constructor(rules: readonly TcpRule[], delay: number, payload: PayloadBuffer, response: boolean) {
    this.rules = rules;
    this.delay = delay;
    this.payload = payload;
    this.response = response;
  }

  /**
   * Runs the rules on what was received. `inputClosed` when the peer shut
   * its side. Returns ACCEPT, REJECT, DROP, CLOSE, or WAIT (more data
   * needed, the deadline is then set).
   */
  evaluate(ctx: StreamContext, now: number, inputClosed: boolean): number {
    const final = inputClosed || this.payload.full || this.delay === 0 || (this.deadline >= 0 && now >= this.deadline);
    ctx.final = final;
    ctx.response = this.response;
    if (this.response) ctx.res = this.payload;
    else ctx.req = this.payload;
    const v = evalTcpRules(this.rules, ctx);
    ctx.final = true;
    ctx.response = false;
    if (v === WAIT && this.deadline < 0) this.deadline = now + this.delay;
    return v;
  }
}
