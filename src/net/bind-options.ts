/**
 * The bind options of haproxy 2.6 as built here (configuration.txt §5.1), in
 * the order of its keyword lists (listener.c "ALL", cfgparse-tcp.c,
 * cfgparse-unix.c, cli.c, cfgparse-ssl.c), each with its argument checks and
 * haproxy's messages. Parse-time file checks (crt, ca-file...) are done here
 * because haproxy loads those files while parsing.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { BindConfig, TlsVersion } from '../config/model/bind.js';
import type { ProxyConfig } from '../config/model/proxy.js';
import type { LineContext } from '../config/section-registry.js';
import { cAtoi, cStrtol, cUint } from '../config/global/c-numbers.js';
import { systemId } from '../config/global/system-ids.js';
import { processNumberError } from '../config/global/process-number.js';
import { parseTime, reportTimeWarning } from '../config/units.js';
import { checkCaFile, checkCrt, checkTicketKeys, strerror, withBase } from './tls-files.js';

/** What a bind option parser gets. */
export interface BindOptionContext {
  readonly ctx: LineContext;
  readonly bind: BindConfig;
  readonly proxy: ProxyConfig | undefined;
  readonly words: readonly string[];
  /** Index of the option keyword in `words`. */
  readonly index: number;
  /** The option's first argument ('' when missing, as haproxy sees it). */
  readonly arg: string;
}

/** An error text (haproxy's memprintf), a warning, or nothing. */
export type BindOptionResult = undefined | string | { warning: string } | { silent: true };

export interface BindOption {
  readonly name: string;
  /** Number of arguments the option consumes. */
  readonly skip: number;
  /** From the ssl keyword list (haproxy's "bind <addr> ssl ..." in -dK output). */
  readonly ssl?: boolean;
  /** Why the runtime does not act on it yet; undefined when enforced. */
  readonly pending?: string;
  /** Same, when it depends on the arguments (`proto h2` pending, `proto h1` enforced); wins over `pending`. */
  readonly pendingFor?: (args: readonly string[]) => string | undefined;
  parse(c: BindOptionContext): BindOptionResult;
}

const LANDS_TLS = 'lands with TLS';
/** Refused at startup (src/net/socket-options.ts): running without it would change what is received. */
const REFUSED = (why: string): string => `refused at startup: Node.js cannot set ${why}, see docs/bind-options.md`;
/** A kernel hint haproxy itself only warns about when refused: ignored with a startup warning. */
const IGNORED = (why: string): string => `ignored with a warning at startup: Node.js cannot set ${why}, see docs/bind-options.md`;

function missing(c: BindOptionContext): boolean {
  return c.arg === '';
}

function flag(name: string, set: (b: BindConfig) => void, pending?: string, ssl = false): BindOption {
  return { name, skip: 0, ssl, pending, parse: (c) => void set(c.bind) };
}

export const TLS_VERSIONS: readonly TlsVersion[] = ['SSLv3', 'TLSv1.0', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'];
const VERSION_WORD: Record<string, TlsVersion> = {
  sslv3: 'SSLv3', tlsv10: 'TLSv1.0', tlsv11: 'TLSv1.1', tlsv12: 'TLSv1.2', tlsv13: 'TLSv1.3',
};

const MAX_THREADS = 64;
const MAX_TGROUPS = 1;

/**
 * Loads a CA or CRL file like ssl_store_load_locations_file(), which prints
 * its own alert (no place) before the option's. Returns the path or an error.
 */
export function loadCaLike(ctx: LineContext, arg: string, kw: string, allowDir: boolean): { path: string } | { error: string } {
  const path = withBase(arg, globalBase(ctx, 'ca-base'));
  const why = checkCaFile(path, allowDir);
  if (why !== undefined) {
    ctx.diag.alert('TLS_FILE_UNREADABLE', `Couldn't open the ca-file '${path}' (${why}).`);
    return { error: `'${kw}' : unable to load ${path}` };
  }
  return { path };
}

/** A global setting kept as a directive by the global section (crt-base, ca-base). */
export function globalBase(ctx: LineContext, keyword: string): string | undefined {
  let v: string | undefined;
  for (const d of ctx.model.global.directives) if (d.keyword === keyword) v = d.args[0];
  return v;
}

/** Every bind option of haproxy 2.6 as built here, in the order of its keyword lists. */
export const bindOptions: readonly BindOption[] = [
  // listener.c "ALL" list
  {
    name: 'accept-netscaler-cip', skip: 1, pending: 'lands with the NetScaler CIP protocol',
    parse: (c) => {
      if (missing(c)) return `'${c.words[c.index]}' : missing value`;
      // stored in a uint32: negative values wrap and pass, 0 does not
      const v = cAtoi(c.arg) >>> 0;
      if (v === 0) return `'${c.words[c.index]}' : invalid value 0, must be >= 0`;
      return undefined;
    },
  },
  flag('accept-proxy', (b) => void (b.acceptProxy = true)),
  {
    name: 'backlog', skip: 1,
    parse: (c) => {
      if (missing(c)) return `'backlog' : missing value`;
      const v = cAtoi(c.arg);
      if (v < 0) return `'backlog' : invalid value ${v}, must be > 0`;
      c.bind.backlog = v;
      return undefined;
    },
  },
  {
    name: 'id', skip: 1,
    parse: (c) => {
      if (missing(c)) return `'id' : expects an integer argument`;
      if (c.bind.addresses.length > 1 || c.bind.addresses.some((a) => a.portEnd !== a.port)) {
        return `'id' can only be used with a single socket`;
      }
      if (!/^[\t\n\v\f\r ]*[+-]?\d+$/.test(c.arg)) return `'id' : expects an integer argument, found '${c.arg}'`;
      const id = cAtoi(c.arg);
      if (id <= 0) return `'id' : custom id has to be > 0`;
      const used = findBindById(c.proxy, id, c.bind);
      if (used !== undefined) {
        return `'id' : custom id ${id} already used at ${used.place.file}:${used.place.line} ('bind ${used.text}')`;
      }
      c.bind.id = id;
      return undefined;
    },
  },
  {
    name: 'maxconn', skip: 1,
    parse: (c) => {
      if (missing(c)) return `'maxconn' : missing value`;
      const v = cAtoi(c.arg);
      if (v < 0) return `'maxconn' : invalid value ${v}, must be >= 0`;
      c.bind.maxconn = v;
      return undefined;
    },
  },
  {
    name: 'name', skip: 1,
    parse: (c) => {
      if (missing(c)) return `'name' : missing name`;
      c.bind.name = c.arg;
      return undefined;
    },
  },
  {
    name: 'nice', skip: 1, pending: 'lands with the scheduler',
    parse: (c) => {
      if (missing(c)) return `'nice' : missing value`;
      const v = cAtoi(c.arg);
      if (v < -1024 || v > 1024) return `'nice' : invalid value ${v}, allowed range is -1024..1024`;
      return undefined;
    },
  },
  {
    name: 'process', skip: 1, pending: 'lands with multi-process listeners',
    parse: (c) => {
      const arg = c.arg;
      const slash = arg.indexOf('/');
      const proc = slash >= 0 ? arg.slice(0, slash) : arg;
      const e1 = processNumberError(proc, 1);
      if (e1 !== undefined) return `'process' : ${e1}`;
      if (slash >= 0) {
        const e2 = processNumberError(arg.slice(slash + 1), MAX_THREADS);
        if (e2 !== undefined) return `'process' : ${e2}`;
      }
      let w = `'process ${arg}' on 'bind' lines is deprecated and will be removed in 2.7.`;
      if (slash >= 0) w += ` Please use 'thread ${arg.slice(slash + 1)}' instead.`;
      return { warning: w };
    },
  },
  {
    name: 'proto', skip: 1,
    parse: (c) => {
      if (missing(c)) return `'proto' : missing value`;
      if (!['h1', 'h2', 'fcgi', 'none'].includes(c.arg)) return `'proto' :  unknown MUX protocol '${c.arg}'`;
      c.bind.proto = c.arg;
      return undefined;
    },
    // h1 is what the HTTP stream speaks (src/http/stream.ts); h2 waits for HTTP/2.
    pendingFor: (a) => (a[0] === 'h2' ? 'lands with HTTP/2' : a[0] === 'fcgi' ? 'lands with FastCGI' : undefined),
  },
  {
    name: 'shards', skip: 1, pending: 'lands with multi-core listeners',
    parse: (c) => {
      if (missing(c)) return `'shards' : missing value`;
      if (c.arg === 'by-thread') return undefined;
      const v = cAtoi(c.arg);
      if (v < 1 || v > MAX_THREADS) return `'shards' : invalid value ${v}, allowed range is 1..${MAX_THREADS} or 'by-thread'`;
      return undefined;
    },
  },
  {
    name: 'thread', skip: 1, pending: 'lands with multi-core listeners',
    parse: (c) => {
      const arg = c.arg;
      const m = /^[\t\n\v\f\r ]*[+-]?\d*/.exec(arg);
      const numLen = m?.[0].length ?? 0;
      let rest = arg;
      if (arg[numLen] === '/') {
        const tg = cAtoi(arg);
        if (tg < 1 || tg > MAX_TGROUPS) {
          return `'${arg}' thread-group number must be between 1 and ${MAX_TGROUPS} (was ${tg})`;
        }
        rest = arg.slice(numLen + 1);
      }
      const e = processNumberError(rest, MAX_THREADS);
      if (e !== undefined) return `'${rest}' : ${e}`;
      return undefined;
    },
  },
  // cfgparse-tcp.c
  flag('defer-accept', () => undefined, IGNORED('TCP_DEFER_ACCEPT')),
  {
    name: 'interface', skip: 1, pending: REFUSED('SO_BINDTODEVICE'),
    parse: (c) => (missing(c) ? `'interface' : missing interface name` : undefined),
  },
  {
    name: 'mss', skip: 1, pending: IGNORED('TCP_MAXSEG'),
    parse: (c) => {
      if (missing(c)) return `'mss' : missing MSS value`;
      const v = Math.abs(cAtoi(c.arg));
      if (v < 1 || v > 65535) return `'mss' : expects an MSS with and absolute value between 1 and 65535`;
      return undefined;
    },
  },
  {
    name: 'namespace', skip: 1, pending: REFUSED('a network namespace'),
    parse: (c) => {
      if (missing(c)) return `'namespace' : missing namespace id`;
      if (c.arg !== '*' && !existsSync(`/var/run/netns/${c.arg}`)) {
        c.ctx.diag.alert('BIND_NAMESPACE', `Cannot open namespace '${c.arg}'.`);
        return '';
      }
      return undefined;
    },
  },
  {
    name: 'tcp-ut', skip: 1, pending: IGNORED('TCP_USER_TIMEOUT'),
    parse: (c) => {
      if (missing(c)) return `'tcp-ut' : missing TCP User Timeout value`;
      const r = parseTime(c.arg, 'ms');
      reportTimeWarning(c.ctx, r);
      // cfgparse-tcp.c bind_parse_tcp_ut(): overflow and underflow have their own words
      if (!r.ok && r.overflow === true) return `timer overflow in argument '${c.arg}' to 'tcp-ut' (maximum value is 2147483647 ms or ~24.8 days)`;
      if (!r.ok && r.underflow === true) return `timer underflow in argument '${c.arg}' to 'tcp-ut' (minimum non-null value is 1 ms)`;
      if (!r.ok) return `'tcp-ut' : expects a positive delay in milliseconds`;
      return undefined;
    },
  },
  flag('tfo', () => undefined, IGNORED('TCP_FASTOPEN')),
  flag('transparent', () => undefined, REFUSED('IP_TRANSPARENT')),
  // src/net/listener.ts: `listen({ipv6Only})`; v4v6 is what Node does for `::` when net.ipv6.bindv6only is 0 (docs/bind-options.md).
  flag('v4v6', (b) => void (b.v4v6 = true)),
  flag('v6only', (b) => void (b.v6only = true)),
  // cfgparse-unix.c
  {
    name: 'gid', skip: 1,
    parse: (c) => {
      if (missing(c)) return `'gid' : missing value`;
      c.bind.gid = cAtoi(c.arg);
      return undefined;
    },
  },
  {
    name: 'group', skip: 1,
    parse: (c) => {
      if (missing(c)) return `'group' : missing group name`;
      // cfgparse-unix.c bind_parse_group(): getgrnam() at parse time, the socket gets its gid.
      const gid = systemId('/etc/group', c.arg);
      if (gid === undefined) return `'group' : unknown group name '${c.arg}'`;
      c.bind.group = c.arg;
      c.bind.gid = gid;
      return undefined;
    },
  },
  {
    name: 'mode', skip: 1,
    parse: (c) => {
      // cfgparse-unix.c: strtol(arg, &endptr, 8) with a check on *endptr
      const r = cStrtol(c.arg, 8);
      if (missing(c) || !r.digits || r.rest !== '') {
        return `'mode' : missing or invalid mode '${c.arg}' (octal integer expected)`;
      }
      c.bind.unixMode = cUint(r.value);
      return undefined;
    },
  },
  {
    name: 'uid', skip: 1,
    parse: (c) => {
      if (missing(c)) return `'uid' : missing value`;
      c.bind.uid = cAtoi(c.arg);
      return undefined;
    },
  },
  {
    name: 'user', skip: 1,
    parse: (c) => {
      if (missing(c)) return `'user' : missing user name`;
      // cfgparse-unix.c bind_parse_user(): getpwnam() at parse time, the socket gets its uid.
      const uid = systemId('/etc/passwd', c.arg);
      if (uid === undefined) return `'user' : unknown user name '${c.arg}'`;
      c.bind.user = c.arg;
      c.bind.uid = uid;
      return undefined;
    },
  },
  // cli.c
  {
    name: 'expose-fd', skip: 1, pending: 'lands with the stats socket',
    parse: (c) => {
      if (missing(c)) return `'expose-fd' : missing fd type`;
      if (c.arg !== 'listeners') return `'expose-fd' only supports 'listeners' (got '${c.arg}')`;
      c.bind.exposeFdListeners = true;
      return undefined;
    },
  },
  {
    name: 'level', skip: 1, pending: 'lands with the stats socket',
    parse: (c) => {
      if (missing(c)) return `'level' : missing level`;
      if (c.arg !== 'user' && c.arg !== 'operator' && c.arg !== 'admin') {
        return `'level' only supports 'user', 'operator', and 'admin' (got '${c.arg}')`;
      }
      c.bind.level = c.arg;
      return undefined;
    },
  },
  {
    name: 'severity-output', skip: 1, pending: 'lands with the stats socket',
    parse: (c) => {
      if (missing(c)) return `'severity-output' : missing severity format`;
      if (c.arg !== 'none' && c.arg !== 'number' && c.arg !== 'string') {
        return `'severity-output' only supports 'none', 'number', and 'string' (got '${c.arg}')`;
      }
      c.bind.severityOutput = c.arg;
      return undefined;
    },
  },
  // ssl_sock.c / cfgparse-ssl.c
  flag('allow-0rtt', (b) => void (b.tls.allow0rtt = true), LANDS_TLS, true),
  {
    name: 'alpn', skip: 1, ssl: true, pending: LANDS_TLS,
    parse: (c) => {
      if (missing(c)) return `'alpn' : missing the comma-delimited ALPN protocol suite`;
      const protos = c.arg.split(',');
      for (const p of protos) {
        if (p.length > 255) return `'alpn' : ALPN protocol name too long : '${p}'`;
      }
      c.bind.tls.alpn = protos.filter((p) => p !== '');
      return undefined;
    },
  },
  {
    name: 'ca-file', skip: 1, ssl: true, pending: LANDS_TLS,
    parse: (c) => {
      if (missing(c)) return `'ca-file' : missing CAfile path`;
      const r = loadCaLike(c.ctx, c.arg, 'ca-file', true);
      if ('error' in r) return r.error;
      c.bind.tls.caFile = r.path;
      return undefined;
    },
  },
  {
    name: 'ca-ignore-err', skip: 1, ssl: true, pending: LANDS_TLS,
    parse: (c) => ignoreErr(c, 'ca-ignore-err', (v) => void (c.bind.tls.caIgnoreErr = v)),
  },
  {
    name: 'ca-sign-file', skip: 1, ssl: true, pending: LANDS_TLS,
    parse: (c) => {
      if (missing(c)) return `'ca-sign-file' : missing CAfile path`;
      c.bind.tls.caSignFile = withBase(c.arg, globalBase(c.ctx, 'ca-base'));
      return undefined;
    },
  },
  {
    name: 'ca-sign-pass', skip: 1, ssl: true, pending: LANDS_TLS,
    parse: (c) => {
      if (missing(c)) return `'ca-sign-pass' : missing CAkey password`;
      c.bind.tls.caSignPass = c.arg;
      return undefined;
    },
  },
  {
    name: 'ca-verify-file', skip: 1, ssl: true, pending: LANDS_TLS,
    parse: (c) => {
      if (missing(c)) return `'ca-verify-file' : missing CAfile path`;
      const r = loadCaLike(c.ctx, c.arg, 'ca-verify-file', true);
      if ('error' in r) return r.error;
      c.bind.tls.caVerifyFile = r.path;
      return undefined;
    },
  },
  {
    name: 'ciphers', skip: 1, ssl: true, pending: LANDS_TLS,
    parse: (c) => {
      if (missing(c)) return `'ciphers' : missing cipher suite`;
      c.bind.tls.ciphers = c.arg;
      return undefined;
    },
  },
  {
    name: 'ciphersuites', skip: 1, ssl: true, pending: LANDS_TLS,
    parse: (c) => {
      if (missing(c)) return `'ciphersuites' : missing cipher suite`;
      c.bind.tls.ciphersuites = c.arg;
      return undefined;
    },
  },
  {
    name: 'crl-file', skip: 1, ssl: true, pending: LANDS_TLS,
    parse: (c) => {
      if (missing(c)) return `'crl-file' : missing CRLfile path`;
      const r = loadCaLike(c.ctx, c.arg, 'crl-file', false);
      if ('error' in r) return r.error;
      c.bind.tls.crlFile = r.path;
      return undefined;
    },
  },
  {
    name: 'crt', skip: 1, ssl: true, pending: LANDS_TLS,
    parse: (c) => {
      if (missing(c)) return `'crt' : missing certificate location`;
      const path = withBase(c.arg, globalBase(c.ctx, 'crt-base'));
      const err = checkCrt(path);
      if (err !== undefined) return err;
      c.bind.tls.crt.push(path);
      return undefined;
    },
  },
  {
    name: 'crt-ignore-err', skip: 1, ssl: true, pending: LANDS_TLS,
    parse: (c) => ignoreErr(c, 'crt-ignore-err', (v) => void (c.bind.tls.crtIgnoreErr = v)),
  },
  {
    name: 'crt-list', skip: 1, ssl: true, pending: LANDS_TLS,
    parse: (c) => {
      if (missing(c)) return `'crt-list' : missing certificate location`;
      const path = withBase(c.arg, globalBase(c.ctx, 'crt-base'));
      let text: string;
      try {
        text = readFileSync(path, 'latin1');
      } catch (e) {
        return `'crt-list' : cannot open file '${path}' : ${strerror(e)}`;
      }
      // ssl_crtlist.c: "<crtfile> [\[<sslbindconf> ...\]] [[!]<filter> ...]", '#' comments
      for (const raw of text.split('\n')) {
        const line = raw.replace(/#.*/, '').trim();
        if (line === '') continue;
        const file = withBase(line.split(/\s+/)[0]!, globalBase(c.ctx, 'crt-base'));
        const err = checkCrt(file);
        if (err !== undefined) return `'crt-list' : ${err}`;
      }
      c.bind.tls.crtList.push(path);
      return undefined;
    },
  },
  {
    name: 'curves', skip: 1, ssl: true, pending: LANDS_TLS,
    parse: (c) => {
      if (missing(c)) return `'curves' : missing curve suite`;
      c.bind.tls.curves = c.arg;
      return undefined;
    },
  },
  {
    name: 'ecdhe', skip: 1, ssl: true, pending: LANDS_TLS,
    parse: (c) => {
      if (missing(c)) return `'ecdhe' : missing named curve`;
      c.bind.tls.ecdhe = c.arg;
      return undefined;
    },
  },
  ...(['sslv3', 'tlsv10', 'tlsv11', 'tlsv12', 'tlsv13'] as const).map((v) =>
    flag(`force-${v}`, (b) => void (b.tls.forcedVersion = VERSION_WORD[v]), LANDS_TLS, true)),
  flag('generate-certificates', (b) => void (b.tls.generateCertificates = true), LANDS_TLS, true),
  flag('no-ca-names', (b) => void (b.tls.noCaNames = true), LANDS_TLS, true),
  ...(['sslv3', 'tlsv10', 'tlsv11', 'tlsv12', 'tlsv13'] as const).map((v) =>
    flag(`no-${v}`, (b) => void b.tls.disabledVersions.push(VERSION_WORD[v]!), LANDS_TLS, true)),
  flag('no-tls-tickets', (b) => void (b.tls.noTlsTickets = true), LANDS_TLS, true),
  {
    name: 'npn', skip: 1, ssl: true, pending: LANDS_TLS,
    parse: (c) => {
      if (missing(c)) return `'npn' : missing the comma-delimited NPN protocol suite`;
      const protos = c.arg.split(',');
      for (const p of protos) {
        if (p.length > 255) return `'npn' : NPN protocol name too long : '${p}'`;
      }
      c.bind.tls.npn = protos.filter((p) => p !== '');
      return undefined;
    },
  },
  flag('prefer-client-ciphers', (b) => void (b.tls.preferClientCiphers = true), LANDS_TLS, true),
  flag('ssl', (b) => void (b.ssl = true), LANDS_TLS, true),
  {
    name: 'ssl-max-ver', skip: 1, ssl: true, pending: LANDS_TLS,
    parse: (c) => sslVersion(c, (v) => void (c.bind.tls.sslMaxVer = v)),
  },
  {
    name: 'ssl-min-ver', skip: 1, ssl: true, pending: LANDS_TLS,
    parse: (c) => sslVersion(c, (v) => void (c.bind.tls.sslMinVer = v)),
  },
  flag('strict-sni', (b) => void (b.tls.strictSni = true), LANDS_TLS, true),
  {
    name: 'tls-ticket-keys', skip: 1, ssl: true, pending: LANDS_TLS,
    parse: (c) => {
      if (missing(c)) return `'tls-ticket-keys' : missing TLS ticket keys file path`;
      const err = checkTicketKeys(c.arg);
      if (err !== undefined) return `'${c.arg}' : ${err}`;
      c.bind.tls.tlsTicketKeys = c.arg;
      return undefined;
    },
  },
  {
    name: 'verify', skip: 1, ssl: true, pending: LANDS_TLS,
    parse: (c) => {
      if (missing(c)) return `'verify' : missing verify method`;
      if (c.arg !== 'none' && c.arg !== 'optional' && c.arg !== 'required') {
        return `'verify' : unknown verify method '${c.arg}', only 'none', 'optional', and 'required' are supported`;
      }
      c.bind.tls.verify = c.arg;
      return undefined;
    },
  },
];

function sslVersion(c: BindOptionContext, set: (v: TlsVersion) => void): BindOptionResult {
  const kw = c.words[c.index]!;
  if (missing(c)) return `'${kw}' : missing the ssl/tls version`;
  const v = TLS_VERSIONS.find((x) => x === c.arg);
  if (v === undefined) return `'${c.arg}' : unknown ssl/tls version`;
  set(v);
  return undefined;
}

/** OpenSSL 3.0's highest X509_V_ERR code, the bound of `ca-ignore-err`/`crt-ignore-err` IDs. */
const MAX_VERIFY_ERROR = 94;

function ignoreErr(c: BindOptionContext, kw: string, set: (v: string) => void): BindOptionResult {
  if (missing(c)) return `'${kw}' : missing error IDs list`;
  if (c.arg !== 'all') {
    for (const p of c.arg.split(',')) {
      const id = cAtoi(p);
      if (id <= 0 || id > MAX_VERIFY_ERROR) {
        return `'${kw}' : ID '${id}' out of range (1..${MAX_VERIFY_ERROR}) in error IDs list '${c.arg}'`;
      }
    }
  }
  set(c.arg);
  return undefined;
}

function findBindById(proxy: ProxyConfig | undefined, id: number, self: BindConfig): BindConfig | undefined {
  if (proxy === undefined) return undefined;
  // a second `id` on the line re-keys the listener already in the tree: it finds itself
  if (self.id !== undefined) return self;
  return proxy.binds.find((b) => b.id === id);
}

