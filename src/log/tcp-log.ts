/**
 * The log line of a `mode tcp` stream (configuration.txt §8.2.2 "TCP log
 * format"), sent once when the stream ends (haproxy's stream.c
 * process_stream() calling strm_log() once both sides are closed).
 *
 * The stream calls {@link tcpLogBegin} when it starts (the client's
 * addresses are read then: a closed socket no longer has them) and keeps
 * the record only when its frontend logs traffic; {@link tcpLogEnd} fills
 * the rest from the stream's own fields at its end.
 */
import type { GlobalConfig } from '../config/model/global.js';
import type { ProxyConfig } from '../config/model/proxy.js';
import type { SampleContext } from '../sample/context.js';
import { LogRecord } from './log-record.js';
import { connectLog, frontendLogOf, type TrafficLogger } from './traffic-log.js';

/** What the log reads from a TcpStream (src/tcp/stream.ts), structurally. */
export interface TcpLogSource {
  readonly runtime: { readonly streams: { readonly size: number }; readonly model: { readonly global: GlobalConfig } };
  readonly fe: { readonly name: string; readonly config: ProxyConfig; readonly counters: { readonly curConns: number } };
  readonly listener: { readonly spec: { readonly bind: { readonly ssl?: boolean } } };
  readonly cli: { readonly remoteAddress?: string | undefined; readonly remotePort?: number | undefined; readonly localAddress?: string | undefined; readonly localPort?: number | undefined };
  readonly be: { readonly name: string; readonly counters: { readonly curConns: number }; readonly queue: { readonly length: number } } | undefined;
  readonly server: { readonly name: string; readonly served: number; readonly queue: { readonly length: number }; readonly address: { readonly host: string; readonly port: number } } | undefined;
  readonly srv: { readonly localAddress?: string | undefined; readonly localPort?: number | undefined } | undefined;
  readonly ctx?: SampleContext | undefined;
  readonly acceptDate: number;
  readonly tAccept: number;
  readonly tQueued: number;
  readonly tConnectStart: number;
  readonly tEstablished: number;
  readonly bytesIn: number;
  readonly bytesOut: number;
  readonly retriesDone: number;
  readonly redispatched: boolean;
  readonly termCause: string;
  readonly termState: string;
}

/** A stream's log state: the record and the frontend's logger. */
export interface TcpLogState {
  readonly rec: LogRecord;
  readonly logger: TrafficLogger;
  /** The last server released by the stream (a failed connection still logs its name). */
  released?: { readonly name: string; readonly srvconn: number; readonly queue: number } | undefined;
  /** The line was sent at the connection (`option logasap`): nothing at the end. */
  sent?: boolean;
}

/** The stream gives its server slot back (before a retry on another one, or after a failure). */
export function tcpLogReleased(st: TcpLogState, srv: { readonly name: string; readonly served: number; readonly queue: { readonly length: number } }): void {
  st.released = { name: srv.name, srvconn: Math.max(0, srv.served - 1), queue: srv.queue.length };
}

/** Called when the stream starts: undefined (nothing more to pay) when the frontend logs no traffic. */
export function tcpLogBegin(s: TcpLogSource): TcpLogState | undefined {
  const fl = frontendLogOf(s.fe.config, s.runtime.model.global);
  if (fl === undefined) return undefined;
  const logger = fl.logger;
  const c = s.cli;
  const client = c.remoteAddress === undefined ? undefined : { address: c.remoteAddress, port: c.remotePort ?? 0 };
  const front = c.localAddress === undefined ? undefined : { address: c.localAddress, port: c.localPort ?? 0 };
  if (logger === undefined) {
    if (fl.connect !== undefined) connectLog(s.fe.config, fl.connect, client, front);
    return undefined;
  }
  const rec = new LogRecord();
  rec.client = client;
  rec.frontAddr = front;
  rec.acceptDate = s.acceptDate;
  rec.requestDate = s.acceptDate;
  rec.feName = s.fe.name;
  rec.feTransport = s.listener.spec.bind.ssl === true ? `${s.fe.name}~` : s.fe.name;
  return { rec, logger };
}

const ms = (a: number, b: number): number => Math.max(0, Math.floor(a - b));

/**
 * Called at the start of the stream's finish(), while the stream still
 * counts in its frontend, backend and server (haproxy logs after the
 * backend and server counts dropped this stream, and before the frontend's
 * did: `1/1/0/0/0` for a lone connection).
 */
export function tcpLogEnd(s: TcpLogSource, st: TcpLogState): void {
  // A connection refused before it became a stream (bad PROXY header, fc_err set) has only
  // its connection line (src/tcp/conn-log.ts): haproxy never created the stream.
  if (st.sent === true || (s.ctx?.fcErr ?? 0) !== 0) return;
  fill(s, st, performance.now(), false);
  st.logger.emit(st.rec, s.termCause !== '-', s.bytesIn === 0);
}

/**
 * Called when the server connection is established. With `option logasap`
 * the line is sent now (backend.c back_establish(): t_close = t_connect,
 * no bytes yet, the stream still counted in its backend and server:
 * `1/1/1/1/0`), and not again at the end.
 */
export function tcpLogEstablished(s: TcpLogSource, st: TcpLogState): void {
  if (!st.logger.logAsap || st.sent === true) return;
  st.sent = true;
  fill(s, st, s.tEstablished >= 0 ? s.tEstablished : performance.now(), true);
  st.logger.emit(st.rec, false, false);
}

function fill(s: TcpLogSource, st: TcpLogState, now: number, early: boolean): void {
  const r = st.rec;
  // A PROXY header may have replaced the client's address (fc_src vs src).
  const src = s.ctx?.src;
  if (src !== undefined) r.client = src;
  const dst = s.ctx?.dst;
  if (dst !== undefined) r.frontAddr = dst;
  r.ctx = s.ctx;
  const be = s.be;
  const srv = s.server;
  r.beName = be?.name ?? s.fe.name;
  const rel = st.released;
  r.srvName = srv?.name ?? rel?.name ?? '<NOSRV>';
  // %si/%sp: the server's configured address; %bi/%bp: our side of the server connection while it is known.
  if (srv !== undefined) r.serverAddr = { address: srv.address.host === '' ? '127.0.0.1' : srv.address.host, port: srv.address.port };
  const sock = s.srv;
  if (sock?.localAddress !== undefined) r.backSrc = { address: sock.localAddress, port: sock.localPort ?? 0 };
  // haproxy's marks (log-record.ts) from the accept: no request time in TCP
  // (t_request -1, so %Tw prints t_queue + 1 as haproxy 2.6 does), the
  // connection attempt starts when the slot is ours (t_queue), t_data is
  // the established connection (backend.c back_establish()); a queue
  // timeout sets t_queue when it fires.
  const t0 = s.tAccept;
  r.tHandshake = 0;
  r.tIdle = -1;
  r.tRequest = -1;
  r.tQueue = s.tConnectStart >= 0 ? ms(s.tConnectStart, t0) : s.termCause === 's' && s.termState === 'Q' ? ms(now, t0) : -1;
  r.tConnect = s.tEstablished >= 0 && s.tConnectStart >= 0 ? ms(s.tEstablished, t0) : -1;
  r.tData = r.tConnect;
  r.tClose = ms(now, t0);
  r.bytesIn = early ? 0 : s.bytesIn;
  r.bytesOut = early ? 0 : s.bytesOut;
  r.termCause = s.termCause;
  r.termState = s.termState;
  r.actconn = s.runtime.streams.size;
  r.feconn = s.fe.counters.curConns;
  const self = early ? 0 : 1;
  r.beconn = be === undefined ? 0 : Math.max(0, be.counters.curConns - self);
  r.srvconn = srv === undefined ? (rel?.srvconn ?? 0) : Math.max(0, srv.served - self);
  r.retries = s.retriesDone;
  r.redispatched = s.redispatched;
  r.srvQueue = srv?.queue.length ?? rel?.queue ?? 0;
  r.beQueue = be?.queue.length ?? 0;
}
