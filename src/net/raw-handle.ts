/**
 * A minimal TCP socket on Node's own libuv handle (`process.binding('tcp_wrap')`),
 * without `net.Socket`: what the plain `mode tcp` forwarding path runs on
 * (docs/tcp-data-path.md).
 *
 * Why: `net.Socket` is a Duplex stream. Per connection it builds the
 * readable and writable states, emits through EventEmitter, defers through
 * nextTick and runs the end-of-stream machinery; a new-connection benchmark
 * with one small exchange spends most of the proxy's CPU there (bench/tcp.ts
 * `conn`: a bare `net` proxy reaches ~0.5x haproxy per CPU-second, the same
 * proxy on these handles ~0.8x). The handle API is what `net.Socket` itself
 * drives (Node's lib/net.js, lib/internal/stream_base_commons.js):
 *
 * - reads: `handle.onread(arrayBuffer)` with the byte count or error in
 *   `streamBaseState[kReadBytesOrError]`; each read gets its own buffer
 *   (no shared read buffer: a write the kernel cannot take at once keeps a
 *   pointer to the bytes, which must not be overwritten by the next read);
 * - writes: `handle.writeBuffer(req, buf)` tries a synchronous write first;
 *   `streamBaseState[kLastWriteWasAsync]` says whether libuv queued (part
 *   of) it, in which case `req.oncomplete(status)` reports the end. A write
 *   done at once never touches its request object, so one spare request is
 *   reused until a write goes asynchronous;
 * - `shutdown(req)` sends the FIN once queued writes are flushed,
 *   `close()` closes, `reset()` closes with SO_LINGER 0 (an RST).
 *
 * Backpressure: {@link RawSocket.write} returns false as soon as the kernel
 * could not take everything; the caller stops reading the other side until
 * {@link RawSocketOwner.onRawDrain}. So at most one read (64 KiB) per
 * direction waits in user space.
 *
 * Events go to one owner object (no closure per socket, no emitter):
 * data, end (the peer's FIN), drain, error (the socket stays open: the
 * owner decides), connect, and close only when the socket closed itself
 * (read EOF and our FIN done). Closes the owner asks for are not reported.
 *
 * Availability: `process.binding` is deprecated (DEP0111, documentation
 * only) but present in Node 20; the binding's shape is checked once, and
 * `SWITCHYARD_NET_SOCKET=1` turns the raw path off for A/B comparisons.
 */
import { isIP } from 'node:net';
import { getSystemErrorName } from 'node:util';

/** Node's TCP handle (src/tcp_wrap.cc + stream_base.cc), the parts used here. */
export interface TcpHandle {
  onread: ((this: TcpHandle, ab: ArrayBuffer | undefined) => void) | undefined;
  onconnection?: unknown;
  readonly writeQueueSize: number;
  readStart(): number;
  readStop(): number;
  writeBuffer(req: WriteReq, buf: Uint8Array): number;
  shutdown(req: ShutdownReq): number;
  connect(req: ConnectReq, address: string, port: number): number;
  connect6(req: ConnectReq, address: string, port: number): number;
  bind(address: string, port: number): number;
  bind6(address: string, port: number, flags: number): number;
  getpeername(out: AddressOut): number;
  getsockname(out: AddressOut): number;
  setNoDelay(on: boolean): number;
  setKeepAlive(on: boolean, delaySeconds: number): number;
  reset(cb?: () => void): number;
  close(cb?: () => void): void;
  /** The RawSocket driving this handle. */
  [kSock]?: RawSocket;
}

interface WriteReq {
  oncomplete: ((this: WriteReq, status: number) => void) | undefined;
  handle: TcpHandle | undefined;
  buffer: Uint8Array | undefined;
  async: boolean;
}

interface ShutdownReq {
  oncomplete: ((this: ShutdownReq, status: number) => void) | undefined;
  handle: TcpHandle | undefined;
}

interface ConnectReq {
  oncomplete: ((this: ConnectReq, status: number) => void) | undefined;
  address: string;
  port: number;
  handle: TcpHandle | undefined;
}

interface AddressOut {
  address?: string;
  family?: string;
  port?: number;
}

interface Bindings {
  TCP: new (type: number) => TcpHandle;
  TCPConnectWrap: new () => ConnectReq;
  WriteWrap: new () => WriteReq;
  ShutdownWrap: new () => ShutdownReq;
  SOCKET: number;
  state: Int32Array;
  kReadBytesOrError: number;
  kArrayBufferOffset: number;
  kLastWriteWasAsync: number;
}

const kSock = Symbol('switchyard.rawSocket');

/** libuv's UV_EOF (-4095 on every platform libuv supports). */
const UV_EOF = -4095;

function loadBindings(): Bindings | undefined {
  try {
    const binding = (process as unknown as { binding(name: string): Record<string, unknown> }).binding;
    const tcp = binding('tcp_wrap');
    const sw = binding('stream_wrap');
    const TCP = tcp['TCP'];
    const constants = tcp['constants'] as { SOCKET?: unknown } | undefined;
    const state = sw['streamBaseState'];
    const ok =
      typeof TCP === 'function' && typeof tcp['TCPConnectWrap'] === 'function' &&
      typeof sw['WriteWrap'] === 'function' && typeof sw['ShutdownWrap'] === 'function' &&
      typeof constants?.SOCKET === 'number' && state instanceof Int32Array &&
      typeof sw['kReadBytesOrError'] === 'number' && typeof sw['kArrayBufferOffset'] === 'number' &&
      typeof sw['kLastWriteWasAsync'] === 'number';
    if (!ok) return undefined;
    const proto = (TCP as { prototype: Record<string, unknown> }).prototype;
    for (const m of ['readStart', 'readStop', 'writeBuffer', 'shutdown', 'connect', 'connect6', 'bind', 'bind6', 'getpeername', 'getsockname', 'setNoDelay', 'setKeepAlive', 'reset', 'close']) {
      if (typeof proto[m] !== 'function') return undefined;
    }
    return {
      TCP: TCP as Bindings['TCP'],
      TCPConnectWrap: tcp['TCPConnectWrap'] as Bindings['TCPConnectWrap'],
      WriteWrap: sw['WriteWrap'] as Bindings['WriteWrap'],
      ShutdownWrap: sw['ShutdownWrap'] as Bindings['ShutdownWrap'],
      SOCKET: constants.SOCKET as number,
      state,
      kReadBytesOrError: sw['kReadBytesOrError'] as number,
      kArrayBufferOffset: sw['kArrayBufferOffset'] as number,
      kLastWriteWasAsync: sw['kLastWriteWasAsync'] as number,
    };
  } catch {
    return undefined;
  }
}

const B: Bindings | undefined = process.env['SWITCHYARD_NET_SOCKET'] === '1' ? undefined : loadBindings();

/** Whether the raw path can be used: the bindings look right and `SWITCHYARD_NET_SOCKET=1` is not set. */
export const rawHandlesAvailable = B !== undefined;

/** True when `h` is a TCP handle of the raw path's binding (a listening handle's accepted connection). */
export function isTcpHandle(h: unknown): h is TcpHandle {
  return B !== undefined && h instanceof B.TCP;
}

/** What a RawSocket reports to. Every callback gets the socket, so one owner serves both sides of a stream. */
export interface RawSocketOwner {
  /** Bytes read; the buffer is the reader's own (it may be kept). */
  onRawData(s: RawSocket, chunk: Buffer): void;
  /** The peer shut its side (FIN); reading stopped. */
  onRawEnd(s: RawSocket): void;
  /** Every write queued since write() returned false is flushed. */
  onRawDrain(s: RawSocket): void;
  /** A read or write error (`errno` is a negative libuv code); the socket is still open. */
  onRawError(s: RawSocket, errno: number): void;
  /** The outcome of {@link RawSocket.connect}: 0, or a negative libuv code (the socket is then closed). */
  onRawConnect(s: RawSocket, errno: number): void;
  /** The socket closed itself: read EOF and our own FIN completed. */
  onRawClose(s: RawSocket): void;
}

/** Where {@link RawSocket.connect} goes. */
export interface RawTarget {
  readonly host: string;
  readonly port: number;
  readonly family: 4 | 6;
  readonly localAddress?: string | undefined;
  readonly localPort?: number | undefined;
  readonly keepAlive?: boolean | undefined;
  /** TCP_KEEPIDLE in ms, 0 for the system's. */
  readonly keepAliveIdle?: number | undefined;
}

/** The raw target of `net.connect` options to an IP literal, or undefined (unix sockets, host names). */
export function rawTargetOf(o: { path?: unknown; host?: unknown; port?: unknown; localAddress?: unknown; localPort?: unknown; keepAlive?: unknown; keepAliveInitialDelay?: unknown }): RawTarget | undefined {
  if (o.path !== undefined || typeof o.host !== 'string' || typeof o.port !== 'number') return undefined;
  const family = isIP(o.host);
  if (family !== 4 && family !== 6) return undefined;
  if (o.localAddress !== undefined && (typeof o.localAddress !== 'string' || isIP(o.localAddress) === 0)) return undefined;
  return {
    host: o.host,
    port: o.port,
    family,
    localAddress: o.localAddress as string | undefined,
    localPort: typeof o.localPort === 'number' ? o.localPort : undefined,
    keepAlive: o.keepAlive === true,
    keepAliveIdle: typeof o.keepAliveInitialDelay === 'number' ? o.keepAliveInitialDelay : 0,
  };
}

/** The errno name of a negative libuv code (`ECONNREFUSED`), for messages and logs. */
export function rawErrorName(errno: number): string {
  try {
    return getSystemErrorName(errno);
  } catch {
    return `E${-errno}`;
  }
}

/** The spare write request: reused until a write goes asynchronous (then libuv owns it). */
let spareWrite: WriteReq | undefined;

/** A TCP connection on a bare handle; see the file comment. */
export class RawSocket {
  readonly owner: RawSocketOwner;
  /** Connecting (after {@link connect}, before onRawConnect). */
  connecting = false;
  closed = false;
  /** The peer's FIN was read. */
  readEnded = false;
  /** shutdown() was called (our FIN is queued or sent). */
  writeShut = false;
  /** Writes libuv still holds. */
  pendingWrites = 0;
  private reading = false;
  private shutDone = false;
  private wantDrain = false;
  private readonly handle: TcpHandle;
  private peer: AddressOut | undefined;
  private local: AddressOut | undefined;

  private constructor(handle: TcpHandle, owner: RawSocketOwner) {
    this.handle = handle;
    this.owner = owner;
    handle[kSock] = this;
    handle.onread = onRead;
  }

  /** Takes over a handle accepted by a listening TCP handle (its `onconnection`). Nagle is turned off. */
  static accepted(handle: TcpHandle, owner: RawSocketOwner): RawSocket {
    const s = new RawSocket(handle, owner);
    handle.setNoDelay(true);
    return s;
  }

  /**
   * Opens a connection; the outcome comes through onRawConnect (also for
   * a synchronous failure, on the next tick, as `net.Socket` does).
   */
  static connect(t: RawTarget, owner: RawSocketOwner): RawSocket {
    const b = B!;
    const s = new RawSocket(new b.TCP(b.SOCKET), owner);
    s.connecting = true;
    const h = s.handle;
    let err = 0;
    if (t.localAddress !== undefined || (t.localPort ?? 0) > 0) {
      const la = t.localAddress ?? (t.family === 6 ? '::' : '0.0.0.0');
      err = isIP(la) === 6 ? h.bind6(la, t.localPort ?? 0, 0) : h.bind(la, t.localPort ?? 0);
    }
    if (err === 0) {
      const req = new b.TCPConnectWrap();
      req.oncomplete = onConnect;
      req.address = t.host;
      req.port = t.port;
      req.handle = h;
      err = t.family === 6 ? h.connect6(req, t.host, t.port) : h.connect(req, t.host, t.port);
    }
    if (err !== 0) {
      process.nextTick(connectFailed, s, err);
      return s;
    }
    h.setNoDelay(true);
    // net.Socket applies keep-alive after connect(), as haproxy does in tcp_connect_server().
    if (t.keepAlive === true) h.setKeepAlive(true, Math.floor((t.keepAliveIdle ?? 0) / 1000));
    return s;
  }

  /** Starts (or resumes) reading. */
  readStart(): void {
    if (this.reading || this.closed || this.readEnded || this.connecting) return;
    this.reading = true;
    const err = this.handle.readStart();
    if (err !== 0 && err !== UV_EOF) this.fail(err);
  }

  /** Stops reading: the kernel buffers, then the peer's window closes (backpressure). */
  readStop(): void {
    if (!this.reading || this.closed) return;
    this.reading = false;
    this.handle.readStop();
  }

  /**
   * Sends `buf`. False when the kernel could not take all of it: the rest
   * is queued (libuv keeps `buf`) and onRawDrain follows once it is sent.
   */
  write(buf: Uint8Array): boolean {
    if (this.closed || this.writeShut) return false;
    const b = B!;
    const req = spareWrite ?? new b.WriteWrap();
    spareWrite = undefined;
    const err = this.handle.writeBuffer(req, buf);
    if (err !== 0) {
      spareWrite = req;
      this.fail(err);
      return false;
    }
    if (b.state[b.kLastWriteWasAsync] === 0) {
      spareWrite = req;
      return true;
    }
    // stream_base.cc: the request now belongs to libuv until oncomplete.
    req.handle = this.handle;
    req.buffer = buf;
    req.oncomplete = onWriteDone;
    this.pendingWrites++;
    this.wantDrain = true;
    return false;
  }

  /** Sends our FIN after the queued writes (half-close). */
  shutdown(): void {
    if (this.closed || this.writeShut) return;
    this.writeShut = true;
    const b = B!;
    const req = new b.ShutdownWrap();
    req.oncomplete = onShutdownDone;
    req.handle = this.handle;
    const err = this.handle.shutdown(req);
    if (err !== 0) {
      // ENOTCONN: the peer is gone already; nothing more can be sent.
      this.shutDone = true;
      this.maybeSelfClose();
    }
  }

  /** Closes now: a FIN when nothing is unread, else the kernel sends a reset. Not reported to the owner. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.reading = false;
    this.handle.close();
  }

  /** Closes with SO_LINGER 0: the peer gets a reset. Not reported to the owner. */
  reset(): void {
    if (this.closed) return;
    this.closed = true;
    this.reading = false;
    // uv_tcp_close_reset() refuses a handle with a shutdown in progress: close it plainly then.
    if (this.handle.reset() !== 0) this.handle.close();
  }

  /** Enables TCP keep-alive; `idleMs` 0 keeps the system's idle time. */
  setKeepAlive(idleMs: number): void {
    if (!this.closed) this.handle.setKeepAlive(true, Math.floor(idleMs / 1000));
  }

  /** Bytes libuv still holds for writing (net.Socket's writableLength, for the same checks). */
  get writableLength(): number {
    return this.closed ? 0 : this.handle.writeQueueSize;
  }

  get remoteAddress(): string | undefined {
    return this.peerName()?.address;
  }

  get remotePort(): number | undefined {
    return this.peerName()?.port;
  }

  get localAddress(): string | undefined {
    return this.sockName()?.address;
  }

  get localPort(): number | undefined {
    return this.sockName()?.port;
  }

  private peerName(): AddressOut | undefined {
    if (this.peer === undefined && !this.closed && !this.connecting) {
      const out: AddressOut = {};
      if (this.handle.getpeername(out) === 0) this.peer = out;
    }
    return this.peer;
  }

  private sockName(): AddressOut | undefined {
    if (this.local === undefined && !this.closed && !this.connecting) {
      const out: AddressOut = {};
      if (this.handle.getsockname(out) === 0) this.local = out;
    }
    return this.local;
  }

  /** An error found while calling into the handle: reported on the next tick, like net.Socket's. */
  private fail(err: number): void {
    process.nextTick(reportError, this, err);
  }

  /** Called by the module-level read callback. */
  handleRead(ab: ArrayBuffer | undefined): void {
    const b = B!;
    const n = b.state[b.kReadBytesOrError]!;
    if (this.closed) return;
    if (n > 0) {
      if (ab === undefined) return;
      this.owner.onRawData(this, Buffer.from(ab, b.state[b.kArrayBufferOffset]!, n));
      return;
    }
    if (n === 0) return;
    if (n === UV_EOF) {
      // libuv stops reading at EOF (uv__stream_eof).
      this.reading = false;
      this.readEnded = true;
      this.owner.onRawEnd(this);
      this.maybeSelfClose();
      return;
    }
    this.reading = false;
    this.handle.readStop();
    this.owner.onRawError(this, n);
  }

  handleWriteDone(status: number): void {
    this.pendingWrites--;
    if (this.closed) return;
    if (status !== 0) {
      this.owner.onRawError(this, status);
      return;
    }
    if (this.pendingWrites === 0 && this.wantDrain) {
      this.wantDrain = false;
      this.owner.onRawDrain(this);
    }
  }

  handleShutdownDone(): void {
    this.shutDone = true;
    if (!this.closed) this.maybeSelfClose();
  }

  handleConnect(status: number): void {
    if (this.closed) return;
    this.connecting = false;
    if (status !== 0) this.close();
    this.owner.onRawConnect(this, status);
  }

  /** Both directions over: close, as net.Socket does with allowHalfOpen once 'end' and 'finish' happened. */
  private maybeSelfClose(): void {
    if (this.closed || !this.readEnded || !this.shutDone) return;
    this.close();
    this.owner.onRawClose(this);
  }
}

function onRead(this: TcpHandle, ab: ArrayBuffer | undefined): void {
  this[kSock]?.handleRead(ab);
}

function onWriteDone(this: WriteReq, status: number): void {
  const h = this.handle;
  this.handle = undefined;
  this.buffer = undefined;
  h?.[kSock]?.handleWriteDone(status);
}

function onShutdownDone(this: ShutdownReq): void {
  const h = this.handle;
  this.handle = undefined;
  h?.[kSock]?.handleShutdownDone();
}

function onConnect(this: ConnectReq, status: number): void {
  const h = this.handle;
  this.handle = undefined;
  h?.[kSock]?.handleConnect(status);
}

function connectFailed(s: RawSocket, err: number): void {
  s.handleConnect(err);
}

function reportError(s: RawSocket, err: number): void {
  if (!s.closed) s.owner.onRawError(s, err);
}
