/**
 * Fixtures of the HTTP tests: what the differential tests
 * (test/compat/http/*.test.ts) read from a {@link DifferentialResult} (each
 * side through {@link comparable}, the requests an origin received
 * regardless of the server connection that carried them), and Switchyard in
 * front of one origin for the integration tests (test/integration/http/).
 */
import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import { assertSameBehaviour, comparable, type DifferentialResult, type Exchange, type Masks } from './differential.js';
import { httpOrigin, type HttpOrigin } from './origins.js';
import { startProxy, type RunningProxy } from './processes.js';

/** One side of a differential through {@link comparable}: per exchange what the client got, per origin its connections' lines. */
export interface ComparableView {
  readonly clients: unknown[];
  readonly origins: Record<string, unknown>;
}

/** The empty view, before the differential ran. */
export const EMPTY_VIEW: ComparableView = { clients: [], origins: {} };

/** Both sides of `result` through {@link comparable} (with `masks`): `ref` is haproxy's, `got` Switchyard's. */
export function comparableViews(result: DifferentialResult, masks?: Masks): { ref: ComparableView; got: ComparableView } {
  return { ref: comparable(result.reference, masks) as ComparableView, got: comparable(result.against, masks) as ComparableView };
}

/**
 * Asserts each exchange, then each origin's connections, matched (a failure
 * names the exchange or the origin), then everything with
 * {@link assertSameBehaviour}.
 */
export function assertExchangesAndOrigins(result: DifferentialResult | undefined, exchanges: readonly Exchange[]): void {
  assert.ok(result !== undefined);
  const { ref, got } = comparableViews(result);
  for (let i = 0; i < exchanges.length; i++) assert.deepEqual(got.clients[i], ref.clients[i], exchanges[i]!.name!);
  for (const name of Object.keys(ref.origins)) assert.deepEqual(got.origins[name], ref.origins[name], `origin ${name}`);
  assertSameBehaviour(result);
}

/**
 * The requests an origin received (`conns`: its connections' lines, as in a
 * {@link ComparableView}), one string per request, sorted. haproxy and
 * Switchyard reuse server connections differently (which idle connection a
 * request goes to is timing): this compares the requests, not their
 * connections. A request starts at a request line; empty lines are skipped.
 */
export function originRequests(conns: unknown): string[] {
  const all: string[] = [];
  for (const c of (conns ?? []) as string[][]) {
    for (const l of c) {
      if (l === '') continue;
      if (/^[A-Z]+ \S+ HTTP\/1\.[01]\\r$/.test(l) || all.length === 0) all.push(l);
      else all[all.length - 1] += `\n${l}`;
    }
  }
  return all.sort();
}

/** What {@link switchyardWithOrigin} starts: filled in by its before() hook. */
export interface ProxyWithOrigin {
  readonly proxy: RunningProxy;
  readonly origin: HttpOrigin;
}

/**
 * For a describe() block: its before() starts a recording origin named
 * `web` and Switchyard on `config`, with `${ORIGIN}` set to the origin's
 * address (and `vars()`, evaluated then); its after() stops both. The
 * returned object's fields are set once before() ran.
 */
export function switchyardWithOrigin(config: string, vars: () => Record<string, string> = () => ({})): ProxyWithOrigin {
  const f: { proxy?: RunningProxy; origin?: HttpOrigin } = {};
  before(async () => {
    f.origin = await httpOrigin({ name: 'web' });
    f.proxy = await startProxy('switchyard', config, { vars: { ORIGIN: f.origin.addr, ...vars() } });
  });
  after(async () => {
    await f.proxy?.stop();
    await f.origin?.close();
  });
  return f as ProxyWithOrigin;
}
