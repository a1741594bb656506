/**
 * The {@link SampleContext} of a `mode tcp` stream: what fetches, ACLs and
 * rule actions read and write (haproxy's session + stream as seen by
 * sample.c). One object per stream, created only when the stream has rules
 * or expressions to evaluate, so a stream without rules allocates none.
 *
 * Addresses are read from the sockets on first use and cached (Node itself
 * caches getpeername/getsockname). `src`/`dst` start as the client
 * connection's endpoints (`fc_src`/`fc_dst`), are replaced by an accepted
 * PROXY header (connection.c conn_recv_proxy() overwrites the connection's
 * addresses) and by `set-src`/`set-dst` actions. The request and response
 * payload views point at the inspection buffers of src/tcp/inspect.ts.
 */
import type net from 'node:net';
import type {
  Endpoint, PayloadView, ProxyProtocolInfo, SampleContext, VarScope, VarStore,
} from '../sample/context.js';
import { StreamVars } from '../sample/context.js';
import type { Listener } from '../net/listener.js';
import type { Server } from '../server/server.js';
import type { Backend, Frontend } from './runtime.js';

/** What the context reads from its stream (TcpStream implements it). */
export interface ContextOwner {
  readonly fe: Frontend;
  readonly listener: Listener;
  readonly cli: net.Socket;
  readonly be: Backend | undefined;
  readonly server: Server | undefined;
  readonly srv: net.Socket | undefined;
}

/** `{address, port}` of one side of a socket; undefined for unix sockets (no IP address). */
function remoteOf(s: net.Socket): Endpoint | undefined {
  const address = s.remoteAddress;
  return address === undefined ? undefined : { address, port: s.remotePort ?? 0 };
}

function localOf(s: net.Socket): Endpoint | undefined {
  const address = s.localAddress;
  return address === undefined ? undefined : { address, port: s.localPort ?? 0 };
}

const UNSET: Endpoint = { address: '', port: -1 };

/** The sample context of one stream. */
export class StreamContext implements SampleContext {
  /** SMP_OPT_FINAL: false only while `tcp-request/response content` rules may still wait for data. */
  final = true;
  /** Set while `tcp-response content` rules run (payload() reads `res`). */
  response = false;
  req: PayloadView | undefined;
  res: PayloadView | undefined;
  proxyProtocol: ProxyProtocolInfo | undefined;
  /** fc_err: set when the PROXY header was refused (connection.c CO_ER_PRX_*). */
  fcErr = 0;
  lastRule: { readonly file: string; readonly line: number } | undefined;
  /** `tcp-request connection expect-proxy layer4` applied: read a PROXY header before the session rules. */
  expectProxy = false;
  private readonly owner: ContextOwner;
  private fcSrcE: Endpoint | undefined = UNSET;
  private fcDstE: Endpoint | undefined = UNSET;
  private srcE: Endpoint | undefined = UNSET;
  private dstE: Endpoint | undefined = UNSET;
  private variables: StreamVars | undefined;

  constructor(owner: ContextOwner) {
    this.owner = owner;
  }

  get fcSrc(): Endpoint | undefined {
    if (this.fcSrcE === UNSET) this.fcSrcE = remoteOf(this.owner.cli);
    return this.fcSrcE;
  }

  get fcDst(): Endpoint | undefined {
    if (this.fcDstE === UNSET) this.fcDstE = localOf(this.owner.cli);
    return this.fcDstE;
  }

  /** The client address as rules see it (after PROXY header and set-src). */
  get src(): Endpoint | undefined {
    return this.srcE === UNSET ? this.fcSrc : this.srcE;
  }

  get dst(): Endpoint | undefined {
    return this.dstE === UNSET ? this.fcDst : this.dstE;
  }

  /** True once a PROXY header, `set-dst` or `set-dst-port` changed the destination. */
  get dstChanged(): boolean {
    return this.dstE !== UNSET;
  }

  /** Replaces the client address (PROXY header, set-src, set-src-port). */
  setSrc(e: Endpoint | undefined): void {
    this.srcE = e;
  }

  /** Replaces the destination address (PROXY header, set-dst, set-dst-port). */
  setDst(e: Endpoint | undefined): void {
    this.dstE = e;
  }

  get bcSrc(): Endpoint | undefined {
    const s = this.owner.srv;
    return s === undefined || s.connecting ? undefined : localOf(s);
  }

  get bcDst(): Endpoint | undefined {
    const s = this.owner.srv;
    return s === undefined || s.connecting ? undefined : remoteOf(s);
  }

  get frontend(): Frontend {
    return this.owner.fe;
  }

  get listener(): Listener {
    return this.owner.listener;
  }

  get backend(): Backend | undefined {
    return this.owner.be;
  }

  get server(): Server | undefined {
    return this.owner.server;
  }

  vars(scope: VarScope): VarStore | undefined {
    return (this.variables ??= new StreamVars()).scope(scope);
  }

  /** The stream ended (or handed its connection over): its variables go, their bytes counted back (var-limits.ts). */
  releaseVars(): void {
    this.variables?.release();
  }
}
