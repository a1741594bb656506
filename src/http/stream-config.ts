/**
 * The connection-management settings an `HttpStream` reads on its paths,
 * resolved once per frontend and per backend (not looked up in option maps
 * per request): configuration.txt §4.2 "option http-ignore-probes",
 * "option abortonclose", "option http-pretend-keepalive", "option
 * prefer-last-server", "max-keep-alive-queue", "option http-buffer-request",
 * "option h1-case-adjust-bogus-client/-server", "http-reuse".
 */
import type { ProxyConfig } from '../config/model/proxy.js';
import type { Backend, Frontend } from '../proxy/runtime.js';
import { optionsMode } from './stream-state.js';

/** What a frontend (or the frontend side of a listen section) decides. */
export interface FrontendConnConfig {
  /** `option http-ignore-probes`: no 400/408 for a connection that never sent a byte. */
  readonly ignoreProbes: boolean;
  /** `option http-buffer-request` on the frontend. */
  readonly bufferRequest: boolean;
  /** `option h1-case-adjust-bogus-client`: header names sent to the client get the global h1-case-adjust case. */
  readonly caseAdjustClient: boolean;
  /** `unique-id-header` with a `unique-id-format`: the header goes to the server (unique-id.ts). */
  readonly uniqueIdHeader: boolean;
  /** `capture request|response header` or `declare capture` on the frontend (capture.ts). */
  readonly captures: boolean;
  /** `monitor-uri` (monitor.ts). */
  readonly monitor: boolean;
  /** The frontend's own connection mode (stream-state.ts MODE_*). */
  readonly mode: number;
}

/** What a backend (or the backend side of a listen section) decides. */
export interface BackendConnConfig {
  /** `option abortonclose`: a client that closes while its request is queued or connecting aborts it. */
  readonly abortOnClose: boolean;
  /** `option http-pretend-keepalive`: no `connection: close` to the server in close modes. */
  readonly pretendKeepAlive: boolean;
  /** `option prefer-last-server`. */
  readonly preferLast: boolean;
  /**
   * `max-keep-alive-queue` as haproxy stores it (proxy.c: value + 1, so 0 is
   * "no limit", the default -1).
   */
  readonly maxKaQueue: number;
  /** `option http-buffer-request` on the backend. */
  readonly bufferRequest: boolean;
  /** `option h1-case-adjust-bogus-server`. */
  readonly caseAdjustServer: boolean;
  /** `http-reuse` (default safe). */
  readonly reuse: 'never' | 'safe' | 'aggressive' | 'always';
  /** The backend's own connection mode (stream-state.ts MODE_*). */
  readonly mode: number;
}

const feCache = new WeakMap<Frontend, FrontendConnConfig>();
const beCache = new WeakMap<Backend, BackendConnConfig>();

/** capture.ts layoutOf(): a frontend has capture slots only with `captures` set. */
function hasCaptures(p: ProxyConfig): boolean {
  return p.captures !== undefined;
}

function opt(p: ProxyConfig, name: string): boolean {
  return p.options.get(name) === true;
}

/** The frontend's connection settings (computed on first use, then cached). */
export function feConnConfig(fe: Frontend): FrontendConnConfig {
  let c = feCache.get(fe);
  if (c === undefined) {
    const p = fe.config;
    c = {
      ignoreProbes: opt(p, 'http-ignore-probes'),
      bufferRequest: opt(p, 'http-buffer-request'),
      caseAdjustClient: opt(p, 'h1-case-adjust-bogus-client'),
      uniqueIdHeader: p.uniqueIdHeader !== undefined && p.uniqueIdFormat !== undefined,
      captures: hasCaptures(p),
      monitor: p.monitorUri !== undefined,
      mode: optionsMode(p.options),
    };
    feCache.set(fe, c);
  }
  return c;
}

/** The backend's connection settings (computed on first use, then cached). */
export function beConnConfig(be: Backend): BackendConnConfig {
  let c = beCache.get(be);
  if (c === undefined) {
    const p = be.config;
    c = {
      abortOnClose: opt(p, 'abortonclose'),
      pretendKeepAlive: opt(p, 'http-pretend-keepalive'),
      preferLast: opt(p, 'prefer-last-server'),
      maxKaQueue: (p.maxKeepAliveQueue ?? -1) + 1,
      bufferRequest: opt(p, 'http-buffer-request'),
      caseAdjustServer: opt(p, 'h1-case-adjust-bogus-server'),
      reuse: p.httpReuse ?? 'safe',
      mode: optionsMode(p.options),
    };
    beCache.set(be, c);
  }
  return c;
}
