/**
 * `timeout <name> <value>` and the legacy `clitimeout`/`contimeout`/`srvtimeout`
 * (configuration.txt §4.2 "timeout ..."), as haproxy's proxy_parse_timeout().
 */
import type { Timeouts } from '../model/proxy.js';
import type { LineContext } from '../section-registry.js';
import { proxyKeywords } from '../sections/proxy-keywords.js';
import { parseTime, reportTimeWarning } from '../units.js';

interface TimeoutDef {
  readonly field: keyof Timeouts;
  /** The side that uses it (haproxy's PR_CAP_FE / PR_CAP_BE). */
  readonly cap: 'frontend' | 'backend';
  /** Set when the runtime does not act on it yet. */
  readonly pending?: string;
}

// proxy.c proxy_parse_timeout(): names and the capability each needs.
const TIMEOUTS: ReadonlyMap<string, TimeoutDef> = new Map<string, TimeoutDef>([
  ['client', { field: 'client', cap: 'frontend' }],
  ['tarpit', { field: 'tarpit', cap: 'frontend' }],
  // http-keep-alive, http-request: src/http/stream-timers.ts armWait().
  ['http-keep-alive', { field: 'httpKeepAlive', cap: 'frontend' }],
  ['http-request', { field: 'httpRequest', cap: 'frontend' }],
  ['server', { field: 'server', cap: 'backend' }],
  ['connect', { field: 'connect', cap: 'backend' }],
  // check: src/server/checks/engine.ts (the connect bound, then the read timeout).
  ['check', { field: 'check', cap: 'backend' }],
  ['queue', { field: 'queue', cap: 'backend' }],
  ['tunnel', { field: 'tunnel', cap: 'backend' }],
  // Compared with haproxy 2.6 in mode http (test/compat/http/connection-fin.test.ts); the notice stays for mode tcp.
  ['client-fin', { field: 'clientFin', cap: 'frontend', pending: 'mode tcp not compared with haproxy yet' }],
  ['server-fin', { field: 'serverFin', cap: 'backend', pending: 'mode tcp not compared with haproxy yet' }],
]);

// http-request and http-keep-alive are accepted on both sides: haproxy gives them PR_CAP_FE|PR_CAP_BE.
const BOTH_SIDES = new Set(['tarpit', 'http-keep-alive', 'http-request']);

/**
 * Parses `timeout <name> <value>` into the proxy's timeouts, with haproxy's
 * messages: errors are alerts, an ignored side or an overwritten value a warning.
 */
export function parseTimeoutLine(ctx: LineContext, timeouts: Timeouts, inherited: Timeouts | undefined, words: readonly string[], owner: { cap: { frontend: boolean; backend: boolean }; kind: string; name: string; mode?: string }): void {
  const name = words[1] ?? '';
  const def = TIMEOUTS.get(name);
  if (def === undefined) {
    ctx.alert(
      'CFG_TIMEOUT_UNKNOWN',
      `'timeout' supports 'client', 'server', 'connect', 'check', 'queue', 'http-keep-alive', 'http-request', 'tunnel', 'tarpit', 'client-fin' and 'server-fin' (got '${name}')`,
    );
    return;
  }
  const value = words[2] ?? '';
  if (value === '') {
    ctx.alert('CFG_TIMEOUT_VALUE', `'timeout ${name}' expects an integer value (in milliseconds)`);
    return;
  }
  const r = parseTime(value, 'ms');
  reportTimeWarning(ctx, r);
  if (!r.ok) {
    if (r.overflow === true) {
      ctx.alert('CFG_TIMEOUT_VALUE', `timer overflow in argument '${value}' to 'timeout ${name}' (maximum value is 2147483647 ms or ~24.8 days)`);
    } else if (r.underflow === true) {
      ctx.alert('CFG_TIMEOUT_VALUE', `timer underflow in argument '${value}' to 'timeout ${name}' (minimum non-null value is 1 ms)`);
    } else {
      ctx.alert('CFG_TIMEOUT_VALUE', `unexpected character '${r.badChar ?? ''}' in 'timeout ${name}'`);
    }
    return;
  }
  const extra = words[3] ?? '';
  const field = def.field;
  if (extra !== '') {
    // proxy.c: the value is still stored, but the line is an error.
    timeouts[field] = r.value;
    ctx.alert('CFG_TIMEOUT_EXTRA', `'timeout ${name}' : unexpected extra argument '${extra}' after value '${value}'.`);
    return;
  }
  const needsFe = def.cap === 'frontend' && !BOTH_SIDES.has(name);
  const hasCap = BOTH_SIDES.has(name) || (needsFe ? owner.cap.frontend : owner.cap.backend);
  if (!hasCap) {
    const kind = owner.kind === 'listen' ? 'proxy' : owner.kind;
    ctx.warning('CFG_PROXY_CAPABILITY', `'timeout ${name}' will be ignored because ${kind} '${owner.name}' has no ${def.cap} capability`);
  } else if (inherited !== undefined && (timeouts[field] ?? 0) !== (inherited[field] ?? 0)) {
    // proxy.c compares with the defaults section's value: only a value set in this very section is "overwritten".
    ctx.warning('CFG_TIMEOUT_OVERWRITE', `overwriting 'timeout ${name}' which was already specified`);
  }
  timeouts[field] = r.value;
  const httpFin = (name === 'client-fin' || name === 'server-fin') && owner.mode === 'http';
  if (hasCap && def.pending !== undefined && !httpFin) ctx.notEnforced(`'timeout ${name}' (${def.pending})`);
}

/** The defaults' timeouts each proxy started from, to tell "overwriting" apart from inheriting. */
const inheritedTimeouts = new WeakMap<object, Timeouts>();

/** Records the timeouts a proxy inherited (called when the proxy is created). */
export function rememberInheritedTimeouts(proxy: object, t: Timeouts): void {
  inheritedTimeouts.set(proxy, { ...t });
}

proxyKeywords.register(
  {
    name: 'timeout',
    parse(ctx, p, words) {
      // In a defaults section haproxy compares with the section itself: never "overwriting".
      const inherited = p.cap.defaults ? undefined : inheritedTimeouts.get(p) ?? {};
      parseTimeoutLine(ctx, p.timeouts, inherited, words, p);
    },
  },
  ...([
    ['clitimeout', 'client'],
    ['srvtimeout', 'server'],
    ['contimeout', 'connect'],
  ] as const).map(([legacy, modern]) => ({
    name: legacy,
    parse(ctx: LineContext): void {
      ctx.alert('CFG_REMOVED_KEYWORD', `the '${legacy}' directive is not supported anymore since HAProxy 2.1. Use 'timeout ${modern}'.`);
    },
  })),
);
