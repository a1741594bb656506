/**
 * Runs one check: the rules of a {@link Ruleset} in order, as haproxy 2.6's
 * tcpcheck_main() does (src/tcpcheck.c), and turns what happened into a
 * {@link CheckOutcome}:
 *
 * - `connect` opens a new connection (closing the previous one);
 * - `send` writes and forgets what was read so far;
 * - `expect` waits for data after a connect or send, then evaluates; a
 *   verdict of "wait" resumes at the first expect of its run when more
 *   bytes (or the end of the stream) arrive;
 * - comments are skipped; set-var, set-var-fmt and unset-var change the
 *   run's variables (check-vars.ts), which start from the rule set's
 *   presets at each run as haproxy's tcpcheck_main() resets them.
 *
 * Timeouts (configuration.txt §4.2 "timeout check"): each connect gets
 * `inter`, or min(`timeout connect`, `inter`) when `timeout check` is set;
 * once connected, `timeout check` (when set) replaces it. Failures map to
 * haproxy's statuses by the connection phase (chk_report_conn_err()).
 */
import type net from 'node:net';
import { strerror } from '../../net/listener.js';
import { openCheckConnection, type CheckConn, type ConnectSpec, type ConnectionPhase } from './tcp-connect.js';
import type { CheckRule, ConnectRule, ExpectContext, ExpectRule, Ruleset, SendContext } from './rules.js';
import { onSuccessMessage } from './rules.js';
import type { CheckOutcome, CheckStatus } from './status.js';
import { CheckTimer, checkClock } from './check-timers.js';
import { runAction } from './check-vars.js';
import { evalCheckInt } from './check-format.js';

/** Whether a run of `rs` may change its variables (memoized per rule set). */
function changesVars(rs: Ruleset): boolean {
  let v = varRulesets.get(rs);
  if (v === undefined) {
    v = rs.rules.some((r) => r.action === 'action' && r.run !== undefined);
    varRulesets.set(rs, v);
  }
  return v;
}
const varRulesets = new WeakMap<Ruleset, boolean>();

/** The empty payload, shared: nothing writes into a zero-length buffer, and a check run allocates none. */
const EMPTY: Buffer = Buffer.alloc(0);

/** haproxy's default tune.bufsize: the size of a check's input buffer (check->bi). */
export const CHECK_BUFSIZE = 16384;

/** What a check run needs from the server and its backend. */
export interface CheckEnv {
  /** The connection for a connect rule (address, port, TLS, PROXY header). */
  connectSpec(rule: ConnectRule): ConnectSpec;
  /** `inter` (the check interval) in ms. */
  readonly inter: number;
  /** `timeout connect` and `timeout check` of the backend, when set. */
  readonly timeoutConnect?: number | undefined;
  readonly timeoutCheck?: number | undefined;
  /** `http-check disable-on-404` applies now (option set and server not DOWN). */
  disable404(): boolean;
  /** The X-Haproxy-Server-State value for `http-check send-state`. */
  serverState(): string;
  /** `tune.bufsize`: what a check keeps of a response (default {@link CHECK_BUFSIZE}). */
  readonly bufsize?: number | undefined;
}

/** tcpcheck.c tcpcheck_get_step_id(): 0 for the implicit connect, index+1 otherwise, 1 before any rule. */
export function stepOf(rule: CheckRule | undefined): number {
  if (rule === undefined) return 1;
  if (rule.action === 'connect' && rule.implicit && rule.index === 0) return 0;
  return rule.index + 1;
}

/** check.c chk_report_conn_err(): " at step N of tcp-check (what)" for `option tcp-check`. */
function stepText(rs: Ruleset, current: CheckRule | undefined): string {
  if (rs.kind !== 'tcp') return '';
  const step = stepOf(current);
  if (step === 0) return ' at initial connection step of tcp-check';
  let out = ` at step ${step} of tcp-check`;
  if (current?.action === 'connect') {
    out += current.port !== undefined && current.port !== 0 ? ` (connect port ${current.port})` : ' (connect)';
  } else if (current?.action === 'expect') {
    out += expectWhat(current);
  } else if (current?.action === 'send') {
    out += ' (send)';
  }
  if (current?.comment !== undefined) out += ` comment: '${current.comment}'`;
  return out;
}

function expectWhat(e: ExpectRule): string {
  switch (e.kind) {
    case 'string': return ` (expect string '${e.pattern}')`;
    case 'binary': return ` (expect binary '${Buffer.from(e.pattern, 'hex').toString('hex').toUpperCase()}')`;
    case 'rstring': return ' (expect regex)';
    case 'rbinary': return ' (expect binary regex)';
    case 'string-lf': return ' (expect log-format string)';
    case 'binary-lf': return ' (expect log-format binary)';
    case 'http-status': return ' (expect HTTP status codes)';
    case 'http-rstatus': return ' (expect HTTP status regex)';
    case 'http-header': return ' (expect HTTP header pattern)';
    case 'http-body': return ` (expect HTTP body content '${e.pattern}')`;
    case 'http-rbody': return ' (expect HTTP body regex)';
    case 'http-body-lf': return ' (expect log-format HTTP body)';
    case 'custom': return ' (expect custom function)';
  }
}

/** One run of a rule set. Call {@link start} once; `done` is called exactly once unless aborted. */
export class CheckRun {
  private pos = 0;
  private current: CheckRule | undefined;
  private conn: CheckConn | undefined;
  private connRule: ConnectRule | undefined;
  private bi: Buffer = EMPTY;
  private eos = false;
  /**
   * The input buffer is full: tcpcheck_eval_recv() then evaluates as a last
   * read (haproxy 2.6 stops reading; an expect that did not match fails at
   * once, "TCPCHK did not match content"). Without this bound a server
   * streaming data made the check buffer grow, by quadratic concatenation,
   * until the check timed out.
   */
  private full = false;
  /** Bytes or the end of stream arrived since the last evaluation. */
  private unread = false;
  private mustRead = false;
  private waiting: 'none' | 'connect' | 'data' = 'none';
  /** The timeout of the current step, on the process's check clock (check-timers.ts). */
  private readonly timer = new CheckTimer(() => this.onTimeout());
  private finished = false;
  private code = 0;
  private extraPasses = 0;
  /** The run's variables: the presets, copied only when a rule may change them. */
  private readonly vars: ReadonlyMap<string, string>;

  constructor(
    private readonly rs: Ruleset,
    private readonly env: CheckEnv,
    private readonly done: (o: CheckOutcome) => void,
  ) {
    this.vars = changesVars(rs) ? new Map(rs.vars) : rs.vars;
  }

  start(): void {
    this.advance();
  }

  /** Stops the run without reporting (the check is being stopped). */
  abort(): void {
    this.finished = true;
    this.clearTimer();
    this.conn?.destroy();
    this.conn = undefined;
  }

  private clearTimer(): void {
    checkClock.cancel(this.timer);
  }

  private arm(ms: number): void {
    checkClock.schedule(this.timer, ms);
  }

  private finish(o: CheckOutcome): void {
    if (this.finished) return;
    this.finished = true;
    this.clearTimer();
    this.conn?.destroy();
    this.conn = undefined;
    this.done(o);
  }

  private fail(status: CheckStatus, desc: string): void {
    this.finish({ status, desc, code: this.code });
  }

  private formatCtx(): SendContext {
    return { payload: this.bi, vars: this.vars, serverState: () => this.env.serverState() };
  }

  /** Runs rules from `pos` until one has to wait or the run ends. */
  private advance(): void {
    const rules = this.rs.rules;
    while (!this.finished && this.pos < rules.length) {
      const rule = rules[this.pos]!;
      switch (rule.action) {
        case 'comment':
          this.pos++;
          continue;
        case 'action':
          // changesVars(): the map is the run's own copy whenever a rule has something to run.
          if (rule.run !== undefined) runAction(rule, this.vars as Map<string, string>, { payload: this.bi, vars: this.vars });
          this.pos++;
          continue;
        case 'connect':
          this.current = rule;
          this.openConnection(rule);
          return;
        case 'send': {
          this.current = rule;
          const data = rule.data(this.formatCtx());
          this.conn?.write(data);
          this.bi = EMPTY;
          this.full = false;
          this.mustRead = true;
          this.pos++;
          continue;
        }
        case 'expect': {
          this.current = rule;
          if (this.mustRead) {
            if (!this.unread) {
              this.waiting = 'data';
              return;
            }
            this.unread = false;
            this.mustRead = false;
            if (this.bi.length === 0 && this.eos && this.rs.kind !== 'http') {
              // tcpcheck_eval_recv(): nothing at all before the end of the stream.
              let desc = `TCPCHK got an empty response at step ${stepOf(rule)}`;
              if (rule.comment !== undefined) desc += ` comment: '${rule.comment}'`;
              this.fail(rule.errStatus ?? 'L7RSP', desc);
              return;
            }
          }
          const ctx = this.expectCtx(rule);
          const v = rule.evaluate(ctx);
          this.code = ctx.code;
          if (v.verdict === 'wait') {
            this.pos = rule.head >= 0 ? rule.head : this.pos;
            this.mustRead = true;
            if (this.eos || this.full) {
              // Nothing more can come: haproxy would have evaluated with last_read set.
              this.fail(rule.errStatus ?? 'L7RSP', '');
              return;
            }
            this.waiting = 'data';
            return;
          }
          if (v.verdict === 'stop') {
            this.finish({ status: v.status, desc: v.desc, code: v.code ?? this.code, repeat: v.repeat });
            return;
          }
          if (v.reported === true) this.extraPasses++;
          this.pos++;
          continue;
        }
      }
    }
    if (!this.finished) this.succeed();
  }

  private expectCtx(rule: ExpectRule): ExpectContext {
    const rules = this.rs.rules;
    let isLast = true;
    for (let i = this.pos + 1; i < rules.length && isLast; i++) isLast = rules[i]!.action === 'comment' || rules[i]!.action === 'action';
    return {
      payload: this.bi,
      vars: this.vars,
      lastRead: this.eos || this.full,
      kind: this.rs.kind,
      step: stepOf(rule),
      isLast,
      code: this.code,
      disable404: this.env.disable404(),
    };
  }

  /** tcpcheck_main(): "All rules were evaluated". */
  private succeed(): void {
    const last = this.current;
    const repeat = 1 + this.extraPasses;
    if (last?.action === 'expect') {
      if (this.env.disable404() && this.code === 404) {
        this.finish({ status: 'L7OKC', desc: '', code: this.code });
        return;
      }
      const ctx = this.expectCtx(last);
      const desc = onSuccessMessage(last, ctx);
      this.code = ctx.code;
      this.finish({ status: last.okStatus ?? 'L7OK', desc, code: this.code, repeat });
      return;
    }
    if (last?.action === 'connect') {
      const status: CheckStatus = this.conn?.isTls === true ? 'L6OK' : 'L4OK';
      this.finish({ status, desc: last.implicit ? '' : '(tcp-check)', code: this.code, repeat });
      return;
    }
    this.finish({ status: 'L7OK', desc: '(tcp-check)', code: this.code, repeat });
  }

  private openConnection(rule: ConnectRule): void {
    this.conn?.destroy();
    this.bi = EMPTY;
    this.eos = false;
    this.full = false;
    this.unread = false;
    this.mustRead = true;
    this.waiting = 'connect';
    this.connRule = rule;
    const env = this.env;
    // tcpcheck_eval_connect(): inter, bounded by "timeout connect" when "timeout check" is set.
    const t = env.timeoutCheck !== undefined && env.timeoutConnect !== undefined ? Math.min(env.timeoutConnect, env.inter) : env.inter;
    this.arm(t);
    let spec: ConnectSpec;
    try {
      spec = env.connectSpec(rule);
    } catch (e) {
      this.fail('SOCKERR', (e as Error).message);
      return;
    }
    if (rule.portExpr !== undefined) {
      // tcpcheck_eval_connect(): the expression's port when it gives one, the usual port otherwise.
      const port = evalCheckInt(rule.portExpr, { payload: this.bi, vars: this.vars });
      if (port !== undefined && port > 0 && port < 65536) spec = { ...spec, options: withTarget(spec.options, undefined, port) };
    }
    const conn = openCheckConnection(spec, {
      ready: () => {
        if (this.finished || conn !== this.conn) return;
        if (env.timeoutCheck !== undefined) this.arm(env.timeoutCheck);
        this.waiting = 'none';
        this.pos++;
        this.advance();
      },
      data: (chunk) => {
        if (this.finished || conn !== this.conn || this.full) return;
        const max = env.bufsize ?? CHECK_BUFSIZE;
        if (this.bi.length + chunk.length >= max) {
          chunk = chunk.subarray(0, max - this.bi.length);
          this.full = true;
        }
        this.bi = this.bi.length === 0 ? chunk : Buffer.concat([this.bi, chunk]);
        this.unread = true;
        if (this.waiting === 'data') {
          this.waiting = 'none';
          this.advance();
        }
      },
      end: () => {
        if (this.finished || conn !== this.conn) return;
        this.eos = true;
        this.unread = true;
        if (this.waiting === 'data') {
          this.waiting = 'none';
          this.advance();
        }
      },
      error: (err, phase) => {
        if (this.finished || conn !== this.conn) return;
        this.onConnError(err, phase);
      },
    }, this.onlyConnects(this.pos + 1));
    this.conn = conn;
  }

  /** No rule from `from` on sends or expects: the connection will carry no data. */
  private onlyConnects(from: number): boolean {
    const rules = this.rs.rules;
    for (let i = from; i < rules.length; i++) {
      const a = rules[i]!.action;
      if (a === 'send' || a === 'expect') return false;
      // A later connect replaces this connection; what follows it does not matter here.
      if (a === 'connect') return true;
    }
    return true;
  }

  /** Reports a connection error by phase (chk_report_conn_err()). */
  private onConnError(err: NodeJS.ErrnoException, phase: ConnectionPhase): void {
    const where = stepText(this.rs, this.current);
    if (phase === 'l4') {
      this.fail('L4CON', `${strerror(err)}${where}`);
      return;
    }
    if (phase === 'l6') {
      this.fail('L6RSP', `SSL handshake failure${where}`);
      return;
    }
    // "Report network errors only if we got no other data" (tcpcheck_eval_recv()).
    if (this.bi.length > 0 && this.waiting === 'data') {
      this.eos = true;
      this.unread = true;
      this.waiting = 'none';
      this.advance();
      return;
    }
    this.fail('SOCKERR', `${strerror(err)}${where}`);
  }

  private readonly onTimeout = (): void => {
    if (this.finished) return;
    const where = stepText(this.rs, this.current);
    const phase = this.conn?.phase ?? 'l4';
    if (phase === 'l4') {
      this.fail('L4TOUT', where);
      return;
    }
    if (phase === 'l6') {
      this.fail('L6TOUT', where);
      return;
    }
    const cur = this.current;
    const tout = cur?.action === 'expect' && cur.toutStatus !== undefined ? cur.toutStatus : 'L7TOUT';
    this.fail(tout, where);
  };

  /** The connect rule in use, for the caller's curiosity (tests). */
  get connectRule(): ConnectRule | undefined {
    return this.connRule;
  }
}

/** net.connect options with a different host or port (check `addr`/`port`, `tcp-check connect port`). */
export function withTarget(opts: net.NetConnectOpts, host: string | undefined, port: number | undefined): net.NetConnectOpts {
  if ('path' in opts && opts.path !== undefined) return opts;
  const o = opts as net.TcpNetConnectOpts;
  return { ...o, host: host ?? o.host, port: port ?? o.port };
}
