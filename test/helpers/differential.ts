/**
 * The differential harness: the same configuration and the same bytes
 * through haproxy 2.6 and through Switchyard, compared.
 *
 *   const r = await differential({
 *     config: `... bind \${ADDR:fe} ... server s1 \${ORIGIN:web}`,
 *     origins: { web: { kind: 'http' } },
 *     exchanges: [{ listener: 'fe', send: 'GET / HTTP/1.1\r\nHost: x\r\n\r\n' }],
 *   });
 *   assertSameBehaviour(r);
 *
 * The origins are started once and shared, so both proxies see the same
 * origin ports (`${ORIGIN:name}` → `127.0.0.1:port`, `${ORIGIN_PORT:name}`);
 * each proxy gets its own listener ports (`${ADDR:x}`, `${PORT:x}`, `${FD:x}`).
 * The sides run one after the other (reference first) and the origins'
 * recordings are reset in between, so what each origin received belongs to
 * one side only. Each exchange is one client connection.
 */
import assert from 'node:assert/strict';
import { certVars } from './certs.js';
import { rawExchange, type RawExchangeResult, type TlsClientOptions } from './clients.js';
import {
  httpOrigin,
  tcpOrigin,
  tlsOrigin,
  wsOrigin,
  type HttpOriginOptions,
  type Origin,
  type TcpOriginOptions,
  type TlsOriginOptions,
  type WsOriginOptions,
} from './origins.js';
import { startProxy, type ProxyKind, type StartOptions } from './processes.js';

export type OriginSpec =
  | ({ readonly kind: 'http' } & HttpOriginOptions)
  | ({ readonly kind: 'tcp' } & TcpOriginOptions)
  | ({ readonly kind: 'tls' } & TlsOriginOptions)
  | ({ readonly kind: 'ws' } & WsOriginOptions);

/** One client connection: bytes to send to a named listener. */
export interface Exchange {
  /** The listener placeholder name (`${ADDR:fe}` → 'fe'). */
  readonly listener: string;
  readonly send: string | Buffer | ReadonlyArray<string | Buffer>;
  /** Label used in diffs (default `#<index> <listener>`). */
  readonly name?: string;
  /** Pause between pieces when `send` is an array. */
  readonly pauseMs?: number;
  readonly halfClose?: boolean;
  /** Silence that ends the read (default 300 ms). */
  readonly idleMs?: number;
  readonly timeoutMs?: number;
  /** Wait before opening this connection (e.g. to let a check or a timeout run). */
  readonly delayBeforeMs?: number;
  readonly tls?: TlsClientOptions;
}

export interface Masks {
  /** Extra patterns replaced on both sides (a RegExp → `<MASKED>`, or [pattern, replacement]). */
  readonly regexes?: ReadonlyArray<RegExp | readonly [RegExp, string]>;
  /** Header names whose values are masked (in addition to Date and Server). */
  readonly headers?: readonly string[];
  /** Origins left out of the comparison. */
  readonly ignoreOrigins?: readonly string[];
  /** Do not compare how each client connection ended (close / idle / reset). */
  readonly ignoreEnding?: boolean;
  /** Turn off the default masks (dates, Date/Server headers, listener ports). */
  readonly noDefaults?: boolean;
}

export interface DifferentialOptions {
  readonly config: string;
  readonly origins?: Readonly<Record<string, OriginSpec>>;
  readonly exchanges: readonly Exchange[];
  /** The side compared with the reference (default 'switchyard'; 'haproxy' for a self-test). */
  readonly against?: ProxyKind;
  /** The reference side (default 'haproxy'). */
  readonly reference?: ProxyKind;
  /** Extra placeholder values for the configuration. */
  readonly vars?: Readonly<Record<string, string>>;
  /** Passed to startProxy for both sides. */
  readonly start?: Omit<StartOptions, 'vars'>;
  /** Wait after the last exchange so the origins have received everything (default 100 ms). */
  readonly settleMs?: number;
  /** Masks stored with the result and applied by assertSameBehaviour. */
  readonly masks?: Masks;
}

export interface ExchangeOutcome {
  readonly name: string;
  /** What the client got. */
  readonly response: Buffer;
  readonly ended: RawExchangeResult['ended'];
  readonly error?: string;
}

export interface SideResult {
  readonly kind: ProxyKind;
  readonly ports: Readonly<Record<string, number>>;
  readonly exchanges: ExchangeOutcome[];
  /** What each origin received: one Buffer per connection. */
  readonly origins: Record<string, Buffer[]>;
  /** The proxy's stdout+stderr. */
  readonly output: string;
}

export interface DifferentialResult {
  readonly reference: SideResult;
  readonly against: SideResult;
  readonly masks: Masks;
}

const CERT_PLACEHOLDER = /\$\{(CERT_PEM|ECDSA_PEM|CA_CRT|CLIENT_PEM|CERT_DIR)\}/;

async function startOrigin(name: string, spec: OriginSpec): Promise<Origin> {
  switch (spec.kind) {
    case 'http':
      return httpOrigin({ name, ...spec });
    case 'tcp':
      return tcpOrigin({ name, ...spec });
    case 'tls':
      return tlsOrigin({ name, ...spec });
    case 'ws':
      return wsOrigin({ name, ...spec });
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function runSide(
  kind: ProxyKind,
  opts: DifferentialOptions,
  origins: Record<string, Origin>,
  vars: Record<string, string>,
): Promise<SideResult> {
  for (const o of Object.values(origins)) o.reset();
  const proxy = await startProxy(kind, opts.config, { ...(opts.start ?? {}), vars });
  const exchanges: ExchangeOutcome[] = [];
  try {
    for (const [i, ex] of opts.exchanges.entries()) {
      if (ex.delayBeforeMs) await sleep(ex.delayBeforeMs);
      const port = proxy.ports[ex.listener];
      if (port === undefined) throw new Error(`exchange ${i}: no listener '${ex.listener}' in the configuration`);
      const r = await rawExchange(port, ex.send, {
        ...(ex.pauseMs !== undefined ? { pauseMs: ex.pauseMs } : {}),
        ...(ex.halfClose !== undefined ? { halfClose: ex.halfClose } : {}),
        ...(ex.idleMs !== undefined ? { idleMs: ex.idleMs } : {}),
        ...(ex.timeoutMs !== undefined ? { timeoutMs: ex.timeoutMs } : {}),
        ...(ex.tls !== undefined ? { tls: ex.tls } : {}),
      });
      exchanges.push({
        name: ex.name ?? `#${i} ${ex.listener}`,
        response: r.data,
        ended: r.ended,
        ...(r.error !== undefined ? { error: r.error } : {}),
      });
    }
    await sleep(opts.settleMs ?? 100);
  } finally {
    await proxy.stop();
  }
  const seen: Record<string, Buffer[]> = {};
  for (const [name, o] of Object.entries(origins)) seen[name] = o.received;
  return { kind, ports: proxy.ports, exchanges, origins: seen, output: proxy.output() };
}

/**
 * Runs `opts.config` under the reference (haproxy) and then under `against`
 * (Switchyard by default) with the same origins and the same client bytes,
 * and returns what each side's clients and origins got. Compare with
 * {@link assertSameBehaviour}.
 */
export async function differential(opts: DifferentialOptions): Promise<DifferentialResult> {
  const origins: Record<string, Origin> = {};
  try {
    for (const [name, spec] of Object.entries(opts.origins ?? {})) origins[name] = await startOrigin(name, spec);
    const vars: Record<string, string> = {};
    if (CERT_PLACEHOLDER.test(opts.config)) Object.assign(vars, await certVars());
    for (const [name, o] of Object.entries(origins)) {
      vars[`ORIGIN:${name}`] = o.addr;
      vars[`ORIGIN_PORT:${name}`] = String(o.port);
    }
    Object.assign(vars, opts.vars ?? {});
    const reference = await runSide(opts.reference ?? 'haproxy', opts, origins, vars);
    const against = await runSide(opts.against ?? 'switchyard', opts, origins, vars);
    return { reference, against, masks: opts.masks ?? {} };
  } finally {
    for (const o of Object.values(origins)) await o.close();
  }
}

const DATE_PATTERNS: RegExp[] = [
  // IMF-fixdate, RFC 9110 §5.6.7
  /\b(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT\b/g,
  // haproxy log dates: 17/Nov/2015:09:29:09.729
  /\b\d{2}\/(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\/\d{4}:\d{2}:\d{2}:\d{2}(?:\.\d{3})?\b/g,
];

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Masks one side's bytes into comparable text lines (CR shown as `\r`). */
function normalize(buf: Buffer, side: SideResult, masks: Masks): string[] {
  let s = buf.toString('latin1');
  if (!masks.noDefaults) {
    for (const re of DATE_PATTERNS) s = s.replace(re, '<DATE>');
    // Each side listens on its own ports; they may be echoed in Host, Location, logs.
    // Only real (unprivileged) ports, and not inside dotted numbers like 127.0.0.1.
    for (const [name, port] of Object.entries(side.ports)) {
      if (port < 1024) continue;
      s = s.replace(new RegExp(`(?<![\\d.])${port}(?![\\d])`, 'g'), `<PORT:${name}>`);
    }
  }
  const headerNames = [...(masks.noDefaults ? [] : ['date', 'server']), ...(masks.headers ?? [])];
  for (const h of headerNames) {
    s = s.replace(new RegExp(`^(${escapeRegExp(h)}):[ \\t]*([^\\r\\n]*)`, 'gim'), '$1: <MASKED>');
  }
  for (const m of masks.regexes ?? []) {
    const [re, repl] = m instanceof RegExp ? [m, '<MASKED>'] : m;
    const g = re.global ? re : new RegExp(re.source, `${re.flags}g`);
    s = s.replace(g, repl);
  }
  return s.split('\n').map((l) => l.replace(/\r/g, '\\r'));
}

/** The comparable view of one side: masked lines, per exchange and per origin connection. */
export function comparable(side: SideResult, masks: Masks = {}): unknown {
  const origins: Record<string, string[][]> = {};
  for (const [name, conns] of Object.entries(side.origins)) {
    if (masks.ignoreOrigins?.includes(name)) continue;
    origins[name] = conns.map((b) => normalize(b, side, masks));
  }
  return {
    clients: side.exchanges.map((e) => ({
      exchange: e.name,
      received: normalize(e.response, side, masks),
      ...(masks.ignoreEnding ? {} : { ended: e.error !== undefined ? `${e.ended}:${e.error}` : e.ended }),
    })),
    origins,
  };
}

/**
 * Asserts both sides behaved the same: each client got the same bytes and
 * its connection ended the same way, and each origin received the same bytes
 * on the same number of connections, after masking what legitimately differs
 * (dates, each side's listener ports, Date/Server header values, and
 * `masks`). On failure the message names both sides and shows a line diff
 * (`+` the side under test, `-` the reference) plus each proxy's output.
 */
export function assertSameBehaviour(result: DifferentialResult, masks?: Masks): void {
  const m: Masks = { ...result.masks, ...(masks ?? {}) };
  const ref = comparable(result.reference, m);
  const got = comparable(result.against, m);
  try {
    assert.deepStrictEqual(got, ref);
  } catch (e) {
    if (!(e instanceof assert.AssertionError)) throw e;
    const out = (s: SideResult): string => (s.output.trim() === '' ? '(no output)' : s.output.trim());
    assert.fail(
      `differential: ${result.against.kind} (+) behaves differently from ${result.reference.kind} (-)\n${e.message}\n` +
        `--- ${result.reference.kind} output ---\n${out(result.reference)}\n--- ${result.against.kind} output ---\n${out(result.against)}`,
    );
  }
}
