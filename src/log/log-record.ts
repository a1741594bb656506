/** The printed timers of configuration.txt §8.4, derived from a record's marks. */
export interface LogTimers {
  readonly Th: number; readonly Ti: number; readonly TR: number; readonly Tq: number; readonly Tw: number;
  readonly Tc: number; readonly Tr: number; readonly Td: number; readonly Ta: number; readonly Tt: number; readonly Tu: number;
}

/**
 * log.c sess_build_logline(), haproxy 2.6: each timer is a difference of
 * two marks, and -1 when its end mark is -1. A missing start mark counts as
 * -1 too, which is why a tarpitted request (t_request never set) logs
 * Tw = t_queue + 1 and a TCP stream Tw = t_queue + 1.
 */
export function logTimers(r: TimerMarks): LogTimers {
  const t = TIMERS;
  return { Th: r.tHandshake, Ti: r.tIdle, TR: t.TR(r), Tq: r.tRequest, Tw: t.Tw(r), Tc: t.Tc(r), Tr: t.Tr(r), Td: t.Td(r), Ta: t.Ta(r), Tt: r.tClose, Tu: t.Tu(r) };
}

/** The marks the timers are computed from. */
export type TimerMarks = Pick<LogRecord, 'tHandshake' | 'tIdle' | 'tRequest' | 'tQueue' | 'tConnect' | 'tData' | 'tClose'>;

/** One function per derived timer (no allocation per printed value). */
export const TIMERS = {
  TR: (r: TimerMarks): number => (r.tRequest >= 0 ? r.tRequest - r.tIdle - r.tHandshake : -1),
  Tw: (r: TimerMarks): number => (r.tQueue >= 0 ? r.tQueue - r.tRequest : -1),
  Tc: (r: TimerMarks): number => (r.tConnect >= 0 ? r.tConnect - r.tQueue : -1),
  Tr: (r: TimerMarks): number => (r.tData >= 0 ? r.tData - r.tConnect : -1),
  Td: (r: TimerMarks): number => (r.tData >= 0 ? r.tClose - r.tData : -1),
  Ta: (r: TimerMarks): number => r.tClose - (r.tIdle >= 0 ? r.tIdle + r.tHandshake : 0),
  Tu: (r: TimerMarks): number => r.tClose - (r.tIdle >= 0 ? r.tIdle : 0),
} as const;

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
  // Timers: haproxy's s->logs fields, each in whole milliseconds since the
  // accept (since the end of the previous transaction on a keep-alive
  // connection), -1 for an event that did not happen. The printed %T*
  // values are differences of these, computed as log.c does (logTimers()).
  /** t_handshake (%Th) and t_idle (%Ti, -1 outside HTTP). */
  tHandshake = 0;
  tIdle = -1;
  /** t_request: the request head was complete (-1: never, as in TCP). */
  tRequest = -1;
  /** t_queue: a server slot was assigned (the connection attempt starts). */
  tQueue = -1;
  /** t_connect: the server connection is established. */
  tConnect = -1;
  /** t_data: the server's response head arrived (HTTP), the connection is established (TCP). */
  tData = -1;
  /** t_close: the end (or the early line of `option logasap`). */
  tClose = 0;
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
  /** `option logasap` on the frontend: %Ta %Tt %Tu %B are printed with a '+' (log.c LW_BYTES). */
  asap = false;
}
