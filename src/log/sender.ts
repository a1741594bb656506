/**
 * The log sender: formats the syslog header of each target and sends one
 * line per target without ever blocking or throwing (haproxy 2.6 log.c
 * __send_log() and process_send_log()).
 *
 * Targets (configuration.txt §4.2 "log"): `stdout`/`stderr` (fd@1/fd@2),
 * other `fd@N`, UDP syslog over IPv4/IPv6 (port 514 by default, filled in by
 * log-target.ts). Unix datagram sockets (`/dev/log`), `ring@` and stream
 * targets have no transport in Node 20 here: their lines are dropped
 * (docs/logs.md). A dead target drops lines too: a UDP send error is
 * swallowed, exactly like haproxy's non-blocking sendmsg() that ignores
 * EAGAIN.
 *
 * Per target: `level` filters (a message more verbose than it is not sent),
 * `minlevel` raises the severity written in the header, `len` truncates the
 * whole line (header included) to len bytes before the "\n". `sample` is
 * parsed but not applied: haproxy 2.6.12 sends every line of a sampled
 * target (checked: `sample 1:2` and `sample 2-3,5:5` let every line through),
 * and the reference wins.
 */
import dgram from 'node:dgram';
import fs from 'node:fs';
import { LOG_FACILITIES, LOG_LEVELS, type LogFormatName, type LogTargetConfig } from '../config/model/global.js';

/** syslog(3) levels, as haproxy numbers them. */
export const LOG_EMERG = 0;
export const LOG_ERR = 3;
export const LOG_NOTICE = 5;
export const LOG_INFO = 6;

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const p2 = (n: number): string => (n < 10 ? `0${n}` : String(n));

/** What the header needs besides the target: `log-tag`, `log-send-hostname`. */
export interface LogIdentity {
  /** `log-tag` of the proxy, else of the global section, else "haproxy". */
  readonly tag: string;
  /** `log-send-hostname` (undefined when not set). */
  readonly hostname?: string | undefined;
}

/** log.c: the ISO 8601 time of rfc5424/iso/timed headers, local time with microseconds and the zone offset. */
export function isoTime(d: Date, micros: number): string {
  const off = -d.getTimezoneOffset();
  const a = Math.abs(off);
  const tz = `${off < 0 ? '-' : '+'}${p2(Math.floor(a / 60))}:${p2(a % 60)}`;
  return `${d.getFullYear()}-${p2(d.getMonth() + 1)}-${p2(d.getDate())}T${p2(d.getHours())}:${p2(d.getMinutes())}:${p2(d.getSeconds())}.${String(micros).padStart(6, '0')}${tz}`;
}

/** log.c: the rfc3164 time "Nov  6 17:40:28" (day padded with a space). */
function bsdTime(d: Date): string {
  const day = d.getDate();
  return `${MONTHS[d.getMonth()]!} ${day < 10 ? ` ${day}` : day} ${p2(d.getHours())}:${p2(d.getMinutes())}:${p2(d.getSeconds())}`;
}

/**
 * The header haproxy writes before a message for one target format
 * (log.c __send_log(), checked with haproxy 2.6 over UDP):
 *   rfc3164  `<PRI>Mmm dd hh:mm:ss [host ]tag[pid]: ` (host: see below)
 *   local    `<PRI>Mmm dd hh:mm:ss tag[pid]: ` (never the host name)
 *   rfc5424  `<PRI>1 ISO host|- tag pid - SD|- `
 *   priority `<PRI>`, short `<LEVEL>`, timed `<LEVEL>ISO `, iso `ISO `, raw nothing.
 */
export function logHeader(format: LogFormatName, pri: number, level: number, id: LogIdentity, sd?: string, formatGiven = false): string {
  switch (format) {
    case 'raw':
      return '';
    case 'short':
      return `<${level}>`;
    case 'priority':
      return `<${pri}>`;
    case 'iso':
    case 'timed': {
      const t = nowIso();
      return format === 'iso' ? `${t} ` : `<${level}>${t} `;
    }
    case 'rfc5424':
      return `<${pri}>1 ${nowIso()} ${id.hostname ?? '-'} ${id.tag} ${process.pid} - ${sd !== undefined && sd !== '' ? sd : '-'} `;
    case 'local':
      return `<${pri}>${bsdTime(new Date())} ${id.tag}[${process.pid}]: `;
    default: {
      // Checked with haproxy 2.6.12: an explicit `format rfc3164` always has a host
      // field ("localhost" without log-send-hostname); the implicit default has one
      // only with log-send-hostname.
      const host = id.hostname ?? (formatGiven ? 'localhost' : undefined);
      return `<${pri}>${bsdTime(new Date())} ${host !== undefined ? `${host} ` : ''}${id.tag}[${process.pid}]: `;
    }
  }
}

function nowIso(): string {
  const us = Math.floor((performance.timeOrigin + performance.now()) * 1000);
  return isoTime(new Date(Math.floor(us / 1000)), us % 1000000);
}

type Transport = (line: Buffer) => void;

let udp4: dgram.Socket | undefined;
let udp6: dgram.Socket | undefined;
function swallow(): void {
  /* a dead target drops lines (log.c ignores EAGAIN and send errors) */
}

/** One shared, unref'd UDP socket per family: logging never keeps the process alive. */
function udpSocket(v6: boolean): dgram.Socket {
  if (v6) {
    if (udp6 === undefined) {
      udp6 = dgram.createSocket('udp6');
      udp6.on('error', swallow);
      udp6.unref();
    }
    return udp6;
  }
  if (udp4 === undefined) {
    udp4 = dgram.createSocket('udp4');
    udp4.on('error', swallow);
    udp4.unref();
  }
  return udp4;
}

function transportOf(t: LogTargetConfig): Transport | undefined {
  const tg = t.target;
  if (tg.kind === 'fd') {
    if (tg.fd === 1) return (b) => void process.stdout.write(b);
    if (tg.fd === 2) return (b) => void process.stderr.write(b);
    const fd = tg.fd;
    return (b) => fs.write(fd, b, swallow);
  }
  if (tg.kind === 'dgram') {
    const a = tg.address;
    if (a.family === 'ipv4' || a.family === 'udp4' || a.family === 'ipv6' || a.family === 'udp6') {
      const v6 = a.family === 'ipv6' || a.family === 'udp6';
      const host = a.host === '' ? (v6 ? '::1' : '127.0.0.1') : a.host;
      const port = a.port;
      return (b) => {
        try {
          udpSocket(v6).send(b, port, host, swallow);
        } catch {
          /* closed socket or bad address: dropped */
        }
      };
    }
  }
  // unix datagram, ring and stream targets: no transport (docs/logs.md).
  return undefined;
}

/** One target, compiled once. */
interface CompiledTarget {
  readonly cfg: LogTargetConfig;
  readonly send: Transport;
  readonly facility: number;
  readonly level: number;
  readonly minLevel: number;
}

/** Sends lines to a list of targets (a proxy's `log` lines). */
export class LogSender {
  private readonly targets: CompiledTarget[] = [];

  constructor(targets: readonly LogTargetConfig[], private readonly id: LogIdentity) {
    for (const cfg of targets) {
      const send = transportOf(cfg);
      if (send === undefined) continue;
      this.targets.push({
        cfg, send,
        facility: LOG_FACILITIES.indexOf(cfg.facility),
        level: LOG_LEVELS.indexOf(cfg.level),
        minLevel: LOG_LEVELS.indexOf(cfg.minLevel),
      });
    }
  }

  /** True when at least one target can be written. */
  get active(): boolean {
    return this.targets.length > 0;
  }

  /** Sends `msg` at `level` (0 emerg .. 7 debug) to every target that takes it; `sd` is the rfc5424 structured data. */
  send(level: number, msg: string, sd?: string): void {
    for (const t of this.targets) {
      if (level > t.level) continue;
      // configuration.txt §4.2 "log": a message more severe than minlevel is sent at minlevel.
      const lvl = level < t.minLevel ? t.minLevel : level;
      const text = logHeader(t.cfg.format, t.facility * 8 + lvl, lvl, this.id, sd, t.cfg.formatGiven === true) + msg;
      // Checked with haproxy 2.6: `len 100` sends 100 characters then "\n" over UDP, 99 then "\n" to fd@ targets.
      const max = t.cfg.target.kind === 'fd' ? t.cfg.maxLength - 1 : t.cfg.maxLength;
      const line = Buffer.from(text.length > max ? `${text.slice(0, max)}\n` : `${text}\n`, 'latin1');
      t.send(line);
    }
  }
}

