/**
 * The cheap connection of a check that only connects (a plain `check`, or
 * a rule set whose last exchange is a `tcp-check connect`): a bare libuv TCP
 * handle, connected, then reset.
 *
 * Why: a `net.Socket` costs about 10 µs of CPU to build, connect and tear
 * down (stream state, event emitters, nextTicks), which is most of what 1,000
 * servers checked every 2 s cost (bench/check-cost.ts: 11.6 % of one core,
 * issue 5 bounds it at 5 %). A connect-only check reads and writes nothing,
 * so it needs none of the stream: Node's own `tcp_wrap` binding (what
 * `net.Socket` is built on) does the connect and reports the status.
 *
 * How it ends: with a reset, as haproxy closes its check connections with
 * lingering off (the bench sees haproxy's checks reset before the target
 * even accepts them): no FIN exchange, no TIME_WAIT socket left behind per
 * check on this side.
 *
 * `process.binding('tcp_wrap')` is Node's documented-deprecated (DEP0111,
 * documentation only) access to that binding; when it is missing or does
 * not look as expected, {@link rawConnectAvailable} is false and checks use
 * `net.Socket` (src/server/checks/tcp-connect.ts) as before.
 */
import { isIP } from 'node:net';
import { getSystemErrorName } from 'node:util';
import type net from 'node:net';
import type { CheckConn, ConnectionEvents, ConnectionPhase } from './tcp-connect.js';

/** The parts of Node's TCP handle (src/tcp_wrap.cc) used here. */
interface TcpHandle {
  connect(req: ConnectReq, address: string, port: number): number;
  connect6(req: ConnectReq, address: string, port: number): number;
  /** Without a callback, closing does not call back into JavaScript at all. */
  reset(cb?: () => void): number;
  close(cb?: () => void): void;
}

interface ConnectReq {
  oncomplete: ((status: number) => void) | undefined;
  address: string;
  port: number;
}

interface TcpWrapBinding {
  TCP: new (type: number) => TcpHandle;
  TCPConnectWrap: new () => ConnectReq;
  constants: { SOCKET: number };
}

function loadBinding(): TcpWrapBinding | undefined {
  try {
    const binding = (process as unknown as { binding(name: string): unknown }).binding('tcp_wrap') as Partial<TcpWrapBinding>;
    const { TCP, TCPConnectWrap, constants } = binding;
    if (typeof TCP !== 'function' || typeof TCPConnectWrap !== 'function' || typeof constants?.SOCKET !== 'number') return undefined;
    const proto = TCP.prototype as Partial<TcpHandle>;
    if (typeof proto.connect !== 'function' || typeof proto.connect6 !== 'function' || typeof proto.reset !== 'function') return undefined;
    return binding as TcpWrapBinding;
  } catch {
    return undefined;
  }
}

const BINDING = process.env['SWITCHYARD_CHECK_NET_SOCKET'] === '1' ? undefined : loadBinding();

/** Whether connect-only checks can use a bare TCP handle in this Node. */
export const rawConnectAvailable = BINDING !== undefined;

/** Where a raw connection goes: an IP literal and a port. */
export interface RawTarget {
  readonly host: string;
  readonly port: number;
  readonly family: 4 | 6;
}

/** The address and port of plain TCP options to an IP literal, or undefined (unix, names, source binding, ...). */
export function rawTarget(opts: net.NetConnectOpts): RawTarget | undefined {
  if ('path' in opts && opts.path !== undefined) return undefined;
  const o = opts as net.TcpNetConnectOpts;
  if (o.localAddress !== undefined || o.localPort !== undefined || typeof o.host !== 'string' || typeof o.port !== 'number') return undefined;
  const fam = isIP(o.host);
  if (fam !== 4 && fam !== 6) return undefined;
  return { host: o.host, port: o.port, family: fam };
}

/** A connect-only check connection on a bare TCP handle; see the file comment. */
export class RawCheckConnection implements CheckConn {
  phase: ConnectionPhase = 'l4';
  readonly isTls = false;
  private handle: TcpHandle | undefined;

  /** Requires {@link rawConnectAvailable} and a {@link rawTarget}. */
  constructor(target: RawTarget, private readonly ev: ConnectionEvents) {
    const b = BINDING!;
    const handle = new b.TCP(b.constants.SOCKET);
    this.handle = handle;
    const req = new b.TCPConnectWrap();
    req.oncomplete = this.onComplete;
    req.address = target.host;
    req.port = target.port;
    const err = target.family === 6 ? handle.connect6(req, target.host, target.port) : handle.connect(req, target.host, target.port);
    // A synchronous failure is reported on the next tick, as net.Socket does.
    if (err !== 0) process.nextTick(this.onComplete, err);
  }

  private readonly onComplete = (status: number): void => {
    if (this.phase === 'closed') return;
    if (status !== 0) {
      this.phase = 'closed';
      this.release(false);
      const name = errorName(status);
      const e: NodeJS.ErrnoException = new Error(`connect ${name}`);
      e.code = name;
      e.errno = status;
      this.ev.error(e, 'l4');
      return;
    }
    this.phase = 'up';
    this.ev.ready();
  };

  write(_data: Buffer): void {
    /* connect-only: nothing is ever sent */
  }

  /** Closes at once: a reset once connected, a plain close while connecting (libuv cancels the request). */
  destroy(): void {
    const was = this.phase;
    this.phase = 'closed';
    this.release(was === 'up');
  }

  private release(reset: boolean): void {
    const h = this.handle;
    if (h === undefined) return;
    this.handle = undefined;
    if (!reset || h.reset() !== 0) h.close();
  }
}

function errorName(status: number): string {
  try {
    return getSystemErrorName(status);
  } catch {
    return `E${-status}`;
  }
}
