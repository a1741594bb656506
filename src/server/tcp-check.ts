/**
 * Layer-4 health checks (`server ... check`): a TCP (or unix) connect every
 * `inter`, with haproxy's rise/fall hysteresis (src/check.c) and its state
 * change messages (src/server.c: srv_update_status), e.g.
 *
 *   Server be/s1 is DOWN, reason: Layer4 connection problem, info: "Connection refused",
 *   check duration: 0ms. 0 active and 0 backup servers left. 0 sessions active,
 *   0 requeued, 0 remaining in queue.
 *   backend 'be' has no server available!
 *
 * Health goes from 0 to rise+fall-1; the server is UP from `rise` on. A
 * server starts UP at health `rise`, so the first failed check takes it down
 * (as haproxy 2.6 does at startup); later it takes `fall` failures.
 */
import type net from 'node:net';
import { connectOptions, openConnection } from '../net/connect.js';
import { strerror } from '../net/listener.js';
import type { Server } from './server.js';
import type { Backend, Reporter } from '../proxy/runtime.js';

/** One server's check task. */
export class TcpCheck {
  readonly server: Server;
  readonly backend: Backend;
  readonly rise: number;
  readonly fall: number;
  readonly inter: number;
  readonly fastinter: number;
  readonly downinter: number;
  /** 0 .. rise+fall-1; UP when >= rise. */
  health: number;
  /** Result of the last check, for `show servers state` and stats later. */
  lastStatus: 'L4OK' | 'L4CON' | 'L4TOUT' | 'INI' = 'INI';
  lastDuration = -1;
  private timer: NodeJS.Timeout | undefined;
  private sock: net.Socket | undefined;
  private started = 0;
  private stopped = true;

  constructor(server: Server, backend: Backend, private readonly reporter: Reporter) {
    this.server = server;
    this.backend = backend;
    const c = server.config;
    // configuration.txt §5.2: inter 2s, rise 2, fall 3; fastinter and downinter default to inter.
    this.rise = c.rise ?? 2;
    this.fall = c.fall ?? 3;
    this.inter = c.inter ?? 2000;
    this.fastinter = c.fastinter ?? this.inter;
    this.downinter = c.downinter ?? this.inter;
    this.health = this.rise;
  }

  /** Starts checking after `delay` ms (lifecycle spreads the first checks). */
  start(delay: number): void {
    this.stopped = false;
    this.schedule(delay);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.sock?.destroy();
    this.sock = undefined;
  }

  private schedule(delay: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(this.run, Math.max(0, delay));
    this.timer.unref();
  }

  /** check.c: the next interval depends on where the health counter is. */
  private nextInterval(): number {
    const max = this.rise + this.fall - 1;
    if (this.health === 0) return this.downinter;
    if (this.health !== max) return this.fastinter;
    return this.inter;
  }

  /**
   * "timeout check" set: connect timeout = min(timeout connect, inter); unset:
   * inter bounds the whole check (configuration.txt §4.2 "timeout check").
   */
  private connectTimeout(): number {
    const t = this.backend.timeouts;
    if (t.check !== undefined) return Math.min(t.connect ?? this.inter, this.inter);
    return this.inter;
  }

  private readonly run = (): void => {
    this.timer = undefined;
    if (this.stopped) return;
    if (this.server.maint) {
      this.schedule(this.nextInterval());
      return;
    }
    const c = this.server.config;
    let address = this.server.address;
    if (c.checkAddr !== undefined || c.checkPort !== undefined) {
      address = { ...address, host: c.checkAddr ?? address.host, port: c.checkPort ?? address.port, portOffset: undefined };
    }
    this.started = performance.now();
    const sock = openConnection(connectOptions(address));
    this.sock = sock;
    let done = false;
    const finish = (status: 'L4OK' | 'L4CON' | 'L4TOUT', info: string): void => {
      if (done) return;
      done = true;
      clearTimeout(guard);
      sock.removeAllListeners('connect');
      sock.on('error', () => undefined);
      sock.destroy();
      this.sock = undefined;
      this.lastDuration = Math.round(performance.now() - this.started);
      this.lastStatus = status;
      if (status === 'L4OK') this.success();
      else this.failure(status, info);
      this.schedule(this.nextInterval());
    };
    const guard = setTimeout(() => finish('L4TOUT', ''), this.connectTimeout());
    guard.unref();
    sock.once('connect', () => finish('L4OK', ''));
    sock.once('error', (err) => finish('L4CON', strerror(err)));
  };

  /** check.c: check_notify_success() */
  private success(): void {
    const max = this.rise + this.fall - 1;
    if (this.health >= max) return;
    this.health++;
    if (this.health < this.rise) return;
    this.health = max;
    if (this.server.operational === 'UP') return;
    this.server.setOperational(true);
    const requeued = this.server.grabFromBackend();
    const be = this.backend;
    const s = this.server;
    const backup = be.backupCount > 0 && be.activeCount === 0 ? ' Running on backup.' : '';
    this.reporter.report(
      'warning',
      `${s.backup ? 'Backup ' : ''}Server ${s.fullName} is UP, reason: Layer4 check passed, check duration: ${this.lastDuration}ms. ` +
        `${be.activeCount} active and ${be.backupCount} backup servers online.${backup} ` +
        `${requeued} sessions requeued, ${s.queue.length} total in queue.`,
    );
  }

  /** check.c: check_notify_failure() */
  private failure(status: 'L4CON' | 'L4TOUT', info: string): void {
    this.server.counters.checkFailures++;
    if (this.health > this.rise) {
      this.health--;
      return;
    }
    const wasDown = this.health === 0 && this.server.operational === 'DOWN';
    this.health = 0;
    if (wasDown || !this.server.setOperational(false)) return;
    const s = this.server;
    const be = this.backend;
    const requeued = s.redistributeQueue();
    const reason = status === 'L4TOUT' ? 'Layer4 timeout' : 'Layer4 connection problem';
    const infoText = info !== '' ? `, info: "${info}"` : '';
    const backup = be.backupCount > 0 && be.activeCount === 0 ? ' Running on backup.' : '';
    this.reporter.report(
      'warning',
      `${s.backup ? 'Backup ' : ''}Server ${s.fullName} is DOWN, reason: ${reason}${infoText}, check duration: ${this.lastDuration}ms. ` +
        `${be.activeCount} active and ${be.backupCount} backup servers left.${backup} ` +
        `${s.served} sessions active, ${requeued} requeued, ${s.queue.length} remaining in queue.`,
    );
    if (be.activeCount + be.backupCount === 0) {
      // backend.c: set_backend_down()
      this.reporter.report('alert', `${be.typeLabel} '${be.name}' has no server available!`);
    }
  }
}
