/**
 * What one traffic log line is made of: haproxy's struct stream "logs" part
 * (s->logs.*), the termination flags, the counters read at log time and
 * the HTTP transaction's request line, status and captures. The stream
 * hooks (tcp-log.ts, http-log.ts) fill one record at the end of a stream or
 * transaction; line-format.ts prints it.
 *
 * Timers are in milliseconds relative to the accept, -1 for a phase not
 * reached (configuration.txt §8.4 "Timing events").
 */
import type { Endpoint, SampleContext } from '../sample/context.js';

export class LogRecord {
  /** The sample context for `%[expr]` (the stream itself, or its StreamContext). */
  ctx: SampleContext | undefined;
  /** Date.now() at accept (%t) and at the first byte of the request (%tr). */
  acceptDate = 0;
  requestDate = 0;
  /** Microseconds of the accept date (%t prints milliseconds; %Ts seconds). */
  client: Endpoint | undefined;
  frontAddr: Endpoint | undefined;
  backSrc: Endpoint | undefined;
  serverAddr: Endpoint | undefined;
  feName = '';
  /** `%ft`: the frontend name with a '~' for TLS listeners. */
  feTransport = '';
  beName = '';
  /** `<NOSRV>` when no server was assigned. */
  srvName = '<NOSRV>';
  // timers (ms since accept; -1 = not reached)
  /** Th: handshake; Ti: idle before the request; TR: request head reception. */
  th = 0;
  ti = 0;
  tR = -1;
  /** Tw: queues; Tc: connect; Tr: server response head; Tt: total; Ta: active. */
  tw = -1;
  tc = -1;
  tr = -1;
  tt = 0;
  ta = -1;
  /** %U and %B. */
  bytesIn = 0;
  bytesOut = 0;
  /** %ST (-1 until a status is known: printed as -1 by haproxy). */
  status = -1;
  termCause = '-';
  termState = '-';
  /** Cookie flags of `%tsc` and %CC/%CS captured cookies. */
  cookieCli = '-';
  cookieSrv = '-';
  capturedCookieReq: string | undefined;
  capturedCookieRes: string | undefined;
  /** %ac %fc %bc %sc %rc %sq %bq. */
  actconn = 0;
  feconn = 0;
  beconn = 0;
  srvconn = 0;
  retries = 0;
  redispatched = false;
  srvQueue = 0;
  beQueue = 0;
  /** The request line as received (%r), undefined for a bad request (`<BADREQ>`). */
  requestLine: string | undefined;
  badRequest = false;
  /** Request and response header captures (%hr %hs), undefined when the frontend has none. */
  reqCaptures: readonly (string | undefined)[] | undefined;
  resCaptures: readonly (string | undefined)[] | undefined;
  /** %ID. */
  uniqueId: string | undefined;
  /** %lc: the frontend's log counter (haproxy's fe->log_count). */
  logCount = 0;
}
