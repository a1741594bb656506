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
  const r = st.rec;
  const now = performance.now();
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
  // §8.4: Tw from the end of the request analysis to the server's slot, Tc the connection, -1 when not reached.
  const tReq = s.tAccept;
  r.tw = s.tConnectStart >= 0 ? (s.tQueued >= 0 ? ms(s.tConnectStart, s.tQueued) : ms(s.tConnectStart, tReq)) : -1;
  r.tc = s.tEstablished >= 0 && s.tConnectStart >= 0 ? ms(s.tEstablished, s.tConnectStart) : -1;
  r.tt = ms(now, s.tAccept);
  r.bytesIn = s.bytesIn;
  r.bytesOut = s.bytesOut;
  r.termCause = s.termCause;
  r.termState = s.termState;
  r.actconn = s.runtime.streams.size;
  r.feconn = s.fe.counters.curConns;
  r.beconn = be === undefined ? 0 : Math.max(0, be.counters.curConns - 1);
  r.srvconn = srv === undefined ? (rel?.srvconn ?? 0) : Math.max(0, srv.served - 1);
  r.retries = s.retriesDone;
  r.redispatched = s.redispatched;
  r.srvQueue = srv?.queue.length ?? rel?.queue ?? 0;
  r.beQueue = be?.queue.length ?? 0;
  const error = s.termCause !== '-';
  st.logger.emit(r, error, s.bytesIn === 0);
}
