/**
 * `tcp-request content switch-mode http [proto h1]` (configuration.txt §4.2,
 * §4 "HTTP upgrades"): a `mode tcp` frontend upgrades the connection in
 * place to HTTP/1 while its content rules run. The rest of the connection
 * is an HTTP stream (src/http/stream.ts) of the same frontend: its
 * `http-request` rules and `use_backend` rules run on each request, with
 * HTTP fetches, and the chosen backend must be a `mode http` one.
 *
 * haproxy 2.6 keeps its one stream and adds the HTTP analysers
 * (stream.c stream_set_http_mode()); "the content processings already
 * performed on raw data are neither lost nor reexecuted". Here the mode tcp
 * stream steps aside without closing anything: the HTTP stream receives the
 * socket (paused), the bytes read during inspection (they are the start of
 * the first request), whether the client already shut its side, and the
 * addresses the layer-4 rules or a PROXY header set. The tcp-request
 * connection/session/content rules are not run again.
 */
import type net from 'node:net';
import type { Listener } from '../net/listener.js';
import type { Frontend, Runtime } from '../proxy/runtime.js';
import type { StreamContext } from '../proxy/stream-context.js';
import { HttpStream } from '../http/stream.js';

/** What a mode tcp stream hands over. */
export interface Handover {
  readonly runtime: Runtime;
  readonly fe: Frontend;
  readonly listener: Listener;
  readonly cli: net.Socket;
}

/**
 * Starts the HTTP stream that continues the connection of `from`. `first`
 * holds the client bytes read so far, in order; `ended` whether the client
 * already sent its FIN; `ctx` the layer-4 context (its addresses carry over).
 */
export function upgradeToHttp(from: Handover, first: readonly Buffer[], ended: boolean, ctx: StreamContext | undefined): HttpStream {
  const s = new HttpStream(from.runtime, from.fe, from.listener, from.cli);
  const src = ctx !== undefined && ctx.src !== ctx.fcSrc ? ctx.src : undefined;
  const dst = ctx?.dstChanged === true ? ctx.dst : undefined;
  const bytes = first.length === 0 ? undefined : first.length === 1 ? first[0] : Buffer.concat(first);
  // The layer-4 variables stay behind (docs/layer4-rules.md): their bytes are given back.
  ctx?.releaseVars();
  s.startUpgraded(bytes, ended, src, dst);
  return s;
}
