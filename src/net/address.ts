/**
 * Address parsing for every keyword that takes a socket address
 * (configuration.txt §11 "Address formats"), with haproxy's messages.
 *
 * This is haproxy 2.6's str2sa_range() (src/tools.c): the same prefixes, the
 * same port rules (":80x" is port 80 because haproxy uses atoi(), and a port
 * range/offset is refused where the keyword does not allow one), the same
 * order of checks, so the same message for the same mistake. Which checks
 * apply depends on the keyword, expressed by haproxy as PA_O_* flags; here
 * `purpose` selects the flags haproxy passes for that keyword.
 */
import { fstatSync } from 'node:fs';
import type { AddressFamily, SocketAddress } from '../config/model/address.js';
import { cAtoi } from '../config/global/c-numbers.js';
import { resolveHostSync, type HostResolver, type ResolveFamily } from './resolve-sync.js';

export type { SocketAddress };

export type AddressPurpose = 'bind' | 'server' | 'log' | 'peer' | 'nameserver' | 'mailer' | 'stats' | 'source' | 'check';

export interface AddressOptions {
  purpose: AddressPurpose;
  /** Overrides the purpose's default: accept `8000-8009`. */
  allowRange?: boolean;
  /** Overrides the purpose's default: accept `+1` / `-1`. */
  allowOffset?: boolean;
  /** Overrides the purpose's default: refuse an address without a port. */
  requirePort?: boolean;
  /** Resolver for host names (tests inject one; default getaddrinfo-like, see resolve-sync.ts). */
  resolver?: HostResolver;
}

export type AddressResult =
  | { ok: true; address: SocketAddress }
  /**
   * `message` is haproxy's text without its trailing newline; `newline` says
   * haproxy's text ended with one (some callers print it, giving a blank line).
   */
  | { ok: false; message: string; newline?: boolean };

/** haproxy's PA_O_* flags, per keyword. */
interface Flags {
  resolve: boolean; // PA_O_RESOLVE: resolve names now
  fqdn: boolean; // a name may be kept and resolved later (servers)
  portOk: boolean;
  portMand: boolean;
  portRange: boolean;
  portOfs: boolean;
  socketFd: boolean; // PA_O_SOCKET_FD: fd@ must be an open socket
  rawFd: boolean; // PA_O_RAW_FD: fd@ taken as is
  stream: boolean;
  dgram: boolean;
  defaultDgram: boolean;
  connect: boolean; // PA_O_CONNECT: the protocol must be able to connect()
}

function flagsFor(purpose: AddressPurpose): Flags {
  const f: Flags = {
    resolve: true, fqdn: false, portOk: true, portMand: false, portRange: false, portOfs: false,
    socketFd: false, rawFd: false, stream: true, dgram: false, defaultDgram: false, connect: false,
  };
  switch (purpose) {
    case 'bind':
    case 'stats':
      // str2listener(): PA_O_RESOLVE | PA_O_PORT_OK | PA_O_PORT_MAND | PA_O_PORT_RANGE | PA_O_SOCKET_FD | PA_O_STREAM | PA_O_XPRT
      return { ...f, portMand: true, portRange: true, socketFd: true };
    case 'server':
      // _srv_parse_init(): PA_O_PORT_OK | PA_O_PORT_OFS | PA_O_STREAM | PA_O_XPRT | PA_O_CONNECT, names kept as fqdn
      return { ...f, resolve: false, fqdn: true, portOfs: true, connect: true };
    case 'peer':
      return { ...f, portMand: true, connect: true };
    case 'log':
      // parse_logsrv(): PA_O_RESOLVE | PA_O_PORT_OK | PA_O_RAW_FD | PA_O_DGRAM | PA_O_STREAM | PA_O_DEFAULT_DGRAM
      return { ...f, rawFd: true, dgram: true, defaultDgram: true };
    case 'nameserver':
      return { ...f, portMand: true, dgram: true, defaultDgram: true };
    case 'mailer':
      return { ...f, portMand: true, connect: true };
    case 'source':
      // srv_parse_source() / "source": PA_O_RESOLVE | PA_O_PORT_OK | PA_O_PORT_RANGE | PA_O_STREAM | PA_O_CONNECT
      return { ...f, portRange: true, connect: true };
    case 'check':
      // "addr", "agent-addr": PA_O_RESOLVE | PA_O_PORT_OK | PA_O_STREAM | PA_O_CONNECT
      return { ...f, connect: true };
  }
}

/** glibc inet_pton(AF_INET): exactly four decimal octets, no leading zeros. */
export function parseIPv4Strict(s: string): number[] | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  const out: number[] = [];
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || (p.length > 1 && p[0] === '0')) return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    out.push(n);
  }
  return out;
}

/** glibc inet_pton(AF_INET6), returning 8 groups; an embedded dotted quad is accepted at the end. */
export function parseIPv6Strict(s: string): number[] | undefined {
  if (s.length === 0) return undefined;
  let head: string[];
  let tail: string[];
  const dbl = s.indexOf('::');
  if (dbl >= 0) {
    if (s.indexOf('::', dbl + 1) >= 0) return undefined;
    const a = s.slice(0, dbl);
    const b = s.slice(dbl + 2);
    head = a === '' ? [] : a.split(':');
    tail = b === '' ? [] : b.split(':');
  } else {
    head = s.split(':');
    tail = [];
  }
  const conv = (list: string[], isLastList: boolean): number[] | undefined => {
    const out: number[] = [];
    for (let i = 0; i < list.length; i++) {
      const g = list[i]!;
      if (g.includes('.')) {
        if (!isLastList || i !== list.length - 1) return undefined;
        const v4 = parseIPv4Strict(g);
        if (v4 === undefined) return undefined;
        out.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
        continue;
      }
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  const h = conv(head, tail.length === 0 && dbl < 0);
  const t = conv(tail, true);
  if (h === undefined || t === undefined) return undefined;
  if (dbl < 0) {
    if (h.length !== 8) return undefined;
    return h;
  }
  // With "::" in the middle, the last head group cannot hold a dotted quad.
  if (head.length > 0 && head[head.length - 1]!.includes('.')) return undefined;
  const fill = 8 - h.length - t.length;
  if (fill < 1) return undefined;
  return [...h, ...new Array<number>(fill).fill(0), ...t];
}

/** RFC 5952 text of 8 groups (what inet_ntop prints). */
export function formatIPv6(groups: number[]): string {
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

/**
 * haproxy's dns_hostname_validation() (src/dns.c): letters, digits, '-' and
 * '_' in labels of at most 63 characters, 255 at most in total.
 */
export function isValidHostname(name: string): boolean {
  if (name.length > 255) return false;
  let label = 0;
  for (let i = 0; i < name.length; i++) {
    const c = name[i]!;
    if (c === '.') {
      label = 0;
      continue;
    }
    if (label >= 63) return false;
    if (!/[A-Za-z0-9_-]/.test(c)) return false;
    label++;
  }
  return true;
}

type IpFamily = 'any' | 'ipv4' | 'ipv6';

/**
 * haproxy's str2ip2(): `[v6]`, `::`, empty or `*` (any), literals, then names
 * when `resolve` is set. Returns the family and the address text.
 */
function str2ip(
  input: string,
  family: IpFamily,
  resolve: boolean,
  resolver: HostResolver,
): { family: 'ipv4' | 'ipv6'; ip: string } | undefined {
  let str = input;
  if (str.startsWith('[')) {
    // minimal size is 4 when using brackets "[::]"; 48 bytes buffer
    if (str.length < 4 || str.length >= 48 || !str.endsWith(']')) return undefined;
    str = str.slice(1, -1);
  }
  if (str === '::') {
    if (family === 'ipv4') return undefined;
    return { family: 'ipv6', ip: '::' };
  }
  if (str === '' || str === '*') {
    return family === 'ipv6' ? { family: 'ipv6', ip: '::' } : { family: 'ipv4', ip: '0.0.0.0' };
  }
  if (family !== 'ipv4') {
    const g = parseIPv6Strict(str);
    if (g !== undefined) return { family: 'ipv6', ip: formatIPv6(g) };
  }
  if (family !== 'ipv6') {
    const v4 = parseIPv4Strict(str);
    if (v4 !== undefined) return { family: 'ipv4', ip: v4.join('.') };
  }
  if (!resolve) return undefined;
  if (!isValidHostname(str)) return undefined;
  const fam: ResolveFamily = family === 'ipv4' ? 4 : family === 'ipv6' ? 6 : 0;
  const r = resolver(str, fam);
  if (r === undefined) return undefined;
  return { family: r.family === 4 ? 'ipv4' : 'ipv6', ip: r.address };
}

/** strerror() text for an fstat() failure on an inherited descriptor. */
function fdError(fd: number): string | undefined {
  try {
    const st = fstatSync(fd);
    // getsockname() on something that is not a socket
    return st.isSocket() ? undefined : 'Socket operation on non-socket';
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EBADF') return 'Bad file descriptor';
    return (e as Error).message;
  }
}

const fail = (message: string, newline = false): AddressResult => (newline ? { ok: false, message, newline } : { ok: false, message });

/**
 * Parses one address (`bind` splits comma-separated lists itself). `text`
 * has had environment variables expanded by the lexer already.
 */
export function parseAddress(text: string, opts: AddressOptions): AddressResult {
  const f = flagsFor(opts.purpose);
  if (opts.allowRange !== undefined) f.portRange = opts.allowRange;
  if (opts.allowOffset !== undefined) f.portOfs = opts.allowOffset;
  if (opts.requirePort !== undefined) f.portMand = opts.requirePort;
  const resolver = opts.resolver ?? resolveHostSync;
  const str = text;
  if (str === '') return fail(`'${text}' resolves to an empty address (environment variable missing?)`);

  let s = str;
  let dgramSock = f.dgram && (!f.stream || f.defaultDgram);
  let dgramCtrl = dgramSock;
  if (s.startsWith('stream+')) {
    s = s.slice(7);
    dgramSock = dgramCtrl = false;
  } else if (s.startsWith('dgram+')) {
    s = s.slice(6);
    dgramSock = dgramCtrl = true;
  } else if (s.startsWith('quic+')) {
    s = s.slice(5);
    dgramSock = true;
    dgramCtrl = false;
  }

  type Fam = 'unix' | 'abns' | 'any' | 'ipv4' | 'ipv6' | 'fd' | 'sockpair';
  let fam: Fam = 'any';
  const prefixes: [string, Fam, boolean | undefined, boolean | undefined][] = [
    // [prefix, family, sock dgram, ctrl dgram] (undefined: keep)
    ['unix@', 'unix', undefined, undefined],
    ['uxdg@', 'unix', true, true],
    ['uxst@', 'unix', false, false],
    ['abns@', 'abns', undefined, undefined],
    ['ip@', 'any', undefined, undefined],
    ['ipv4@', 'ipv4', undefined, undefined],
    ['ipv6@', 'ipv6', undefined, undefined],
    ['tcp4@', 'ipv4', false, false],
    ['udp4@', 'ipv4', true, true],
    ['tcp6@', 'ipv6', false, false],
    ['udp6@', 'ipv6', true, true],
    ['tcp@', 'any', false, false],
    ['udp@', 'any', true, true],
    ['quic4@', 'ipv4', true, false],
    ['quic6@', 'ipv6', true, false],
    ['fd@', 'fd', undefined, undefined],
    ['sockpair@', 'sockpair', undefined, undefined],
  ];
  let matched = false;
  for (const [p, fm, sd, cd] of prefixes) {
    if (s.startsWith(p)) {
      s = s.slice(p.length);
      fam = fm;
      if (sd !== undefined) dgramSock = sd;
      if (cd !== undefined) dgramCtrl = cd;
      matched = true;
      break;
    }
  }
  if (!matched && s.startsWith('/')) fam = 'unix';

  let port = 0;
  let portEnd = 0;
  let portOffset: 'plus' | 'minus' | undefined;
  let fd: number | undefined;
  let host = '';
  let family: AddressFamily;
  let fqdn: string | undefined;
  let unresolved = false;

  if (fam === 'fd' || fam === 'sockpair') {
    if (s === '' || !/^[\t\n\v\f\r ]*[+-]?\d+$/.test(s) || cAtoi(s) < 0) {
      return fail(`file descriptor '${s}' is not a valid integer in '${str}'`, true);
    }
    fd = cAtoi(s);
    if (fam === 'sockpair' || f.socketFd) {
      const err = fdError(fd);
      if (err !== undefined) return fail(`cannot use file descriptor '${fd}' : ${err}.`, true);
    } else if (!f.rawFd) {
      return fail(`a file descriptor is not acceptable here in '${str}'`, true);
    }
    family = fam;
    host = String(fd);
  } else if (fam === 'unix' || fam === 'abns') {
    const abstract = fam === 'abns';
    // sun_path is 108 bytes; non-abstract paths keep room for ".<pid>.<bak|tmp>"
    const max = 107 - (abstract ? 0 : 1 + 5 + 1 + 3);
    if (Buffer.byteLength(s, 'latin1') > max) return fail(`socket path '${str}' too long (max ${max})`, true);
    family = fam;
    host = s;
  } else {
    let hostPart = s;
    let port1: string;
    // search for ':' or ']' from the end, whichever comes first
    let i = s.length - 1;
    while (i > 0 && s[i] !== ']' && s[i] !== ':') i--;
    if (i >= 0 && s[i] === ':') {
      if (!f.portOk) return fail(`port specification not permitted here in '${str}'`);
      hostPart = s.slice(0, i);
      port1 = s.slice(i + 1);
    } else {
      if (f.portMand) return fail(`missing port specification in '${str}'`);
      port1 = '';
    }
    const c0 = port1[0];
    if (c0 !== undefined && c0 >= '0' && c0 <= '9') {
      const dash = port1.indexOf('-');
      let p1 = port1;
      let p2 = port1;
      if (dash >= 0) {
        if (!f.portRange) return fail(`port range not permitted here in '${str}'`);
        p1 = port1.slice(0, dash);
        p2 = port1.slice(dash + 1);
      }
      const lo = cAtoi(p1);
      const hi = cAtoi(p2);
      const min = f.portMand ? 1 : 0;
      if (lo < min || lo > 65535) return fail(`invalid port '${p1}'`);
      if (hi < min || hi > 65535) return fail(`invalid port '${p2}'`);
      if (lo > hi) return fail(`invalid port range '${lo}-${hi}'`);
      port = lo;
      portEnd = hi;
    } else if (c0 === '-' || c0 === '+') {
      if (!f.portOfs) return fail(`port offset not permitted here in '${str}'`);
      port = cAtoi(port1.slice(1));
      portEnd = port;
      portOffset = c0 === '+' ? 'plus' : 'minus';
    } else if (c0 !== undefined) {
      return fail(`invalid character '${c0}' in port number '${port1}' in '${str}'`, true);
    } else if (f.portMand) {
      return fail(`missing port specification in '${str}'`);
    }

    const want: IpFamily = fam === 'ipv4' ? 'ipv4' : fam === 'ipv6' ? 'ipv6' : 'any';
    let ip = str2ip(hostPart, want, false, resolver);
    if (ip === undefined) {
      if (!f.resolve && !f.fqdn) return fail(`invalid address: '${hostPart}' in '${str}'`, true);
      if (f.resolve) {
        ip = str2ip(hostPart, want, true, resolver);
        if (ip === undefined) return fail(`invalid address: '${hostPart}' in '${str}'`, true);
        fqdn = hostPart;
      } else {
        // servers: the name is kept and resolved after parsing (srv_init_addr)
        fqdn = hostPart;
        unresolved = true;
      }
    }
    const ipFam = ip?.family ?? (want === 'any' ? 'ipv4' : want);
    host = ip?.ip ?? hostPart;
    family = dgramSock ? (ipFam === 'ipv4' ? 'udp4' : 'udp6') : ipFam;
  }

  if (!dgramCtrl && !f.stream) return fail(`stream-type address not acceptable in '${str}'`, true);
  if (dgramCtrl && !f.dgram) return fail(`dgram-type address not acceptable in '${str}'`, true);
  // protocol_lookup(): QUIC (stream control over datagram sockets) is not built in haproxy 2.6 here.
  if (!dgramCtrl && dgramSock && fam !== 'fd' && !unresolved) {
    const afNum = family === 'unix' || family === 'abns' ? 1 : family === 'ipv6' || family === 'udp6' ? 10 : 2;
    return fail(
      `unsupported stream protocol for datagram family ${afNum} address '${str}'; QUIC is not compiled in if this is what you were looking for.`,
    );
  }

  const address: SocketAddress = {
    family,
    host,
    port,
    portEnd,
    text,
    socketType: dgramSock ? 'dgram' : 'stream',
    ...(portOffset !== undefined ? { portOffset } : {}),
    ...(fd !== undefined ? { fd } : {}),
    ...(fqdn !== undefined ? { fqdn } : {}),
    ...(unresolved ? { unresolved: true } : {}),
  };
  return { ok: true, address };
}

/**
 * Prints an address the way haproxy shows it in messages and `show` output:
 * `1.2.3.4:80`, `[::1]:80`, `unix@/path`, `abns@name`, `fd@3`, with a port
 * range or offset when there is one.
 */
export function formatAddress(a: SocketAddress): string {
  switch (a.family) {
    case 'unix':
      return a.host;
    case 'abns':
      return `abns@${a.host}`;
    case 'fd':
      return `fd@${a.fd ?? a.host}`;
    case 'sockpair':
      return `sockpair@${a.fd ?? a.host}`;
    default: {
      const v6 = a.family === 'ipv6' || a.family === 'udp6';
      const host = v6 && !a.unresolved ? `[${a.host}]` : a.host;
      let port = '';
      if (a.portOffset === 'plus') port = `:+${a.port}`;
      else if (a.portOffset === 'minus') port = `:-${a.port}`;
      else if (a.port !== 0 || a.portEnd !== 0) port = a.portEnd !== a.port ? `:${a.port}-${a.portEnd}` : `:${a.port}`;
      return `${host}${port}`;
    }
  }
}
