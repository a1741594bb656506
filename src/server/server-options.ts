/**
 * The options of `server`, `default-server` and `server-template` lines
 * (configuration.txt §5.2), with haproxy 2.6's argument checks and messages
 * (srv_parse_*() in src/server.c, src/check.c, src/cfgparse-ssl.c,
 * src/cfgparse-tcp.c). haproxy prints a parser's message followed by "."
 * (`ha_alert("%s.\n", errmsg)` in _srv_parse_kw()), which is why several of
 * them end in "..": we keep that.
 */
import { existsSync } from 'node:fs';
import type { ProxyConfig } from '../config/model/proxy.js';
import type { InitAddrMethod, ServerConfig, ServerOptions, ServerTlsOptions } from '../config/model/server.js';
import type { LineContext } from '../config/section-registry.js';
import { parseTime } from '../config/units.js';
import { parseSampleExpression } from '../sample/expression.js';
import { cAtoi } from '../config/global/c-numbers.js';
import { parseAddress, parseIPv4Strict, parseIPv6Strict, formatIPv6 } from '../net/address.js';
import { loadCaLike } from '../net/bind-options.js';

/** What an option parser gets. */
export interface ServerOptionContext {
  readonly ctx: LineContext;
  readonly proxy: ProxyConfig;
  /** The server being built (a copy of default-server), or the proxy's default-server itself. */
  readonly srv: ServerOptions & Partial<Pick<ServerConfig, 'id' | 'track'>>;
  readonly words: readonly string[];
  readonly index: number;
  /** The first argument ('' when missing). */
  readonly arg: string;
  /** The server's name as haproxy knows it at this point: the name, 'default-server', or '(null)' for templates. */
  readonly srvName: string;
  readonly isDefault: boolean;
  /** Servers of the proxy already parsed (for duplicate ids). */
  readonly siblings: readonly ServerConfig[];
  /** Prints an alert with the line's server context, before the option's own message. */
  alertWithContext(code: string, message: string): void;
}

export interface ServerOptionResult {
  /** haproxy's errmsg; printed followed by "." unless `noDot`. */
  readonly error?: string;
  readonly warning?: string;
  /** An alert that does not stop the line nor fail the configuration (ERR_ALERT without ERR_FATAL). */
  readonly nonFatal?: boolean;
  readonly noDot?: boolean;
  /** Printed with no place and no server context. */
  readonly placeless?: boolean;
  /** Words consumed after the keyword, when it differs from `skip` (`source`). */
  readonly consumed?: number;
}

export interface ServerOption {
  readonly name: string;
  readonly skip: number;
  /** Accepted on default-server lines (haproxy's srv_kw.default_ok). */
  readonly defaultOk: boolean;
  /** Why the runtime does not act on it yet; undefined when enforced. */
  readonly pending?: string;
  /** Same, when it depends on the arguments (`proto h2` pending, `proto h1` enforced); wins over `pending`. */
  readonly pendingFor?: (args: readonly string[]) => string | undefined;
  parse(c: ServerOptionContext): ServerOptionResult | undefined;
}

const TLS = 'lands with TLS';
const CHECKS = 'lands with health checks beyond TCP connect';
const AGENT = 'lands with agent checks';
const SOCKOPT = 'needs socket options Node does not expose, see docs/bind-options.md';
const RESOLVERS = 'lands with DNS resolvers';

const err = (error: string, more: Omit<ServerOptionResult, 'error'> = {}): ServerOptionResult => ({ error, ...more });

function flag(name: string, apply: (s: ServerOptions) => void, pending?: string, defaultOk = true): ServerOption {
  return { name, skip: 0, defaultOk, pending, parse: (c) => void apply(c.srv) };
}

/** A new options list with `more` added (the model's lists are shared with default-server copies). */
function withOptions(list: readonly string[] | undefined, more: readonly string[]): string[] {
  const out = [...(list ?? [])];
  for (const o of more) if (!out.includes(o)) out.push(o);
  return out;
}

function tls(c: ServerOptionContext, patch: Partial<ServerTlsOptions>): void {
  c.srv.tls = { ...(c.srv.tls ?? {}), ...patch };
}

/** srv_parse_check_time() family: inter, fastinter, downinter, agent-inter. */
function checkDelay(c: ServerOptionContext, set: (v: number) => void): ServerOptionResult | undefined {
  const kw = c.words[c.index]!;
  if (c.arg === '') return err(`'${kw}' expects a delay as argument.`);
  const r = parseTime(c.arg, 'ms');
  if (!r.ok) {
    if (r.overflow) return err(`timer overflow in argument <${c.arg}> to <${kw}> of server ${c.srvName}, maximum value is 2147483647 ms (~24.8 days).`);
    if (r.underflow) return err(`timer underflow in argument <${c.arg}> to <${kw}> of server ${c.srvName}, minimum non-null value is 1 ms.`);
    // haproxy 2.6 names 'agent-inter' here whatever the keyword
    return err(`unexpected character '${r.badChar ?? ''}' in 'agent-inter' argument of server ${c.srvName}.`);
  }
  if (r.value === 0) return err(`invalid value 0 for argument '${kw}' of server ${c.srvName}.`);
  set(r.value);
  return undefined;
}

function positive(c: ServerOptionContext, label: string, set: (v: number) => void): ServerOptionResult | undefined {
  const kw = c.words[c.index]!;
  if (c.arg === '') return err(`'${kw}' expects an integer argument.`);
  const v = cAtoi(c.arg);
  if (v <= 0) return err(`${label} has to be > 0.`);
  set(v);
  return undefined;
}

function needValue(c: ServerOptionContext, what: string): ServerOptionResult | undefined {
  return c.arg === '' ? err(`'${c.words[c.index]!}' expects ${what} as argument.`) : undefined;
}

function tlsString(name: string, missingText: string, key: keyof ServerTlsOptions): ServerOption {
  return {
    name, skip: 1, defaultOk: true, pending: TLS,
    parse: (c) => {
      if (c.arg === '') return err(`'${name}' : ${missingText}`);
      tls(c, { [key]: c.arg });
      return undefined;
    },
  };
}

function sslVersion(name: string, key: 'sslMinVer' | 'sslMaxVer'): ServerOption {
  return {
    name, skip: 1, defaultOk: true, pending: TLS,
    parse: (c) => {
      if (c.arg === '') return err(`'${name}' : missing the ssl/tls version`);
      if (!['SSLv3', 'TLSv1.0', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'].includes(c.arg)) return err(`'${c.arg}' : unknown ssl/tls version`);
      tls(c, { [key]: c.arg });
      return undefined;
    },
  };
}

/** `ca-file`/`crl-file`: loaded while parsing; haproxy prints two alerts, the second without context. */
function caLike(name: 'ca-file' | 'crl-file', key: 'caFile' | 'crlFile'): ServerOption {
  return {
    name, skip: 1, defaultOk: true, pending: TLS,
    parse: (c) => {
      if (c.arg === '') return err(`'${name}' : missing ${name === 'ca-file' ? 'CAfile' : 'CRLfile'} path`);
      if (c.arg === '@system-ca' && name === 'ca-file') {
        tls(c, { [key]: c.arg });
        return undefined;
      }
      const before = c.ctx.diag.list.length;
      const r = loadCaLike(c.ctx, c.arg, name, name === 'ca-file');
      if ('error' in r) {
        // re-home loadCaLike's placeless alert on the server line, as haproxy's user message context does
        const first = c.ctx.diag.list.splice(before, 1)[0];
        if (first !== undefined) c.alertWithContext(first.code, first.message);
        return err(r.error, { placeless: true });
      }
      tls(c, { [key]: r.path });
      return undefined;
    },
  };
}

/** `proto <mux>` on bind and server lines: h1 and none are enforced, h2 and fcgi are not yet. */
export function muxPending(args: readonly string[]): string | undefined {
  if (args[0] === 'h2') return 'lands with HTTP/2';
  if (args[0] === 'fcgi') return 'lands with FastCGI';
  return undefined;
}

function muxProto(c: ServerOptionContext): ServerOptionResult | string {
  const kw = c.words[c.index]!;
  if (c.arg === '') return err(`'${kw}' : missing value`);
  if (!['h1', 'h2', 'fcgi', 'none'].includes(c.arg)) return err(`'${kw}' :  unknown MUX protocol '${c.arg}'`);
  return c.arg;
}

const PV2_OPTIONS = ['ssl', 'cert-cn', 'ssl-cipher', 'cert-sig', 'cert-key', 'authority', 'crc32c', 'unique-id'];

/** `source <addr> [usesrc <addr>|client|clientip|hdr_ip(<hdr>[,<occ>])] [interface <name>]` (srv_parse_source). */
function parseSource(c: ServerOptionContext): ServerOptionResult | undefined {
  if (c.arg === '') {
    return err(`'source' expects <addr>[:<port>[-<port>]], and optionally 'usesrc' <addr>, and 'interface' <name> as argument.`);
  }
  const a = parseAddress(c.arg, { purpose: 'source' });
  if (!a.ok) {
    return a.newline ? err(`\n  'source ${c.arg}' : ${a.message}\n  \n`) : err(`'source ${c.arg}' : ${a.message}`);
  }
  let i = c.index + 2;
  let usesrc: string | undefined;
  let iface: string | undefined;
  while (i < c.words.length && c.words[i] !== '') {
    const w = c.words[i]!;
    if (w === 'usesrc') {
      const v = c.words[i + 1] ?? '';
      if (v === '') return err(`'usesrc' expects <addr>[:<port>], 'client', 'clientip', or 'hdr_ip(name,#)' as argument.`, { consumed: i - c.index });
      if (v !== 'client' && v !== 'clientip' && !/^hdr_ip\(/.test(v)) {
        const u = parseAddress(v, { purpose: 'source' });
        if (!u.ok) {
          c.alertWithContext('SRV_BAD_OPTION', `'usesrc ${v}' : ${u.message}${u.newline ? '\n' : ''}`);
          return err(`error encountered while processing 'usesrc'.`, { placeless: true, noDot: true, consumed: i - c.index + 1 });
        }
      }
      usesrc = v;
      i += 2;
    } else if (w === 'interface') {
      const v = c.words[i + 1] ?? '';
      if (v === '') return err(`'interface' expects an interface name as argument.`, { consumed: i - c.index });
      iface = v;
      i += 2;
    } else break;
  }
  c.srv.source = { address: a.address, usesrc, iface };
  return { consumed: i - c.index - 1 };
}

/** Every server option of haproxy 2.6 as built here. */
export const serverOptions: readonly ServerOption[] = [
  // check.c
  {
    name: 'addr', skip: 1, defaultOk: true,
    parse: (c) => {
      if (c.arg === '') return err(`'addr' expects <ipv4|ipv6> as argument.`);
      const a = parseAddress(c.arg, { purpose: 'check' });
      if (!a.ok) return err(`'addr' : ${a.message}`);
      c.srv.checkAddr = a.address.host;
      return undefined;
    },
  },
  {
    name: 'agent-addr', skip: 1, defaultOk: true,
    parse: (c) => {
      if (c.arg === '') return err(`'agent-addr' expects an address as argument.`);
      const a = parseAddress(c.arg, { purpose: 'check', requirePort: false });
      if (!a.ok || a.address.port !== 0) return err(`parsing agent-addr failed. Check if '${c.arg}' is correct address.`);
      c.srv.agentAddr = a.address.host;
      return undefined;
    },
  },
  flag('agent-check', (s) => void (s.agentCheck = true)),
  { name: 'agent-inter', skip: 1, defaultOk: true, parse: (c) => checkDelay(c, (v) => void (c.srv.agentInter = v)) },
  {
    name: 'agent-port', skip: 1, defaultOk: true,
    parse: (c) => needValue(c, 'a port number') ?? void (c.srv.agentPort = cAtoi(c.arg)),
  },
  {
    name: 'agent-send', skip: 1, defaultOk: true,
    parse: (c) => needValue(c, 'a string') ?? void (c.srv.agentSend = c.arg),
  },
  flag('check', (s) => void (s.check = true)),
  flag('check-send-proxy', (s) => void (s.checkSendProxy = true)),
  flag('check-via-socks4', (s) => void (s.checkViaSocks4 = true), CHECKS),
  { name: 'downinter', skip: 1, defaultOk: true, parse: (c) => checkDelay(c, (v) => void (c.srv.downinter = v)) },
  { name: 'error-limit', skip: 1, defaultOk: true, parse: (c) => positive(c, 'error-limit', (v) => void (c.srv.errorLimit = v)) },
  { name: 'fall', skip: 1, defaultOk: true, parse: (c) => positive(c, `'fall'`, (v) => void (c.srv.fall = v)) },
  { name: 'fastinter', skip: 1, defaultOk: true, parse: (c) => checkDelay(c, (v) => void (c.srv.fastinter = v)) },
  { name: 'inter', skip: 1, defaultOk: true, parse: (c) => checkDelay(c, (v) => void (c.srv.inter = v)) },
  flag('no-agent-check', (s) => void (s.agentCheck = false)),
  flag('no-check', (s) => void (s.check = false)),
  flag('no-check-send-proxy', (s) => void (s.checkSendProxy = false)),
  {
    name: 'port', skip: 1, defaultOk: true,
    parse: (c) => needValue(c, 'a port number') ?? void (c.srv.checkPort = cAtoi(c.arg)),
  },
  { name: 'rise', skip: 1, defaultOk: true, parse: (c) => positive(c, `'rise'`, (v) => void (c.srv.rise = v)) },
  // server.c
  flag('backup', (s) => void (s.backup = true)),
  {
    name: 'cookie', skip: 1, defaultOk: true,
    parse: (c) => needValue(c, '<value>') ?? void (c.srv.cookie = c.arg),
  },
  flag('disabled', (s) => void (s.disabled = true)),
  flag('enabled', (s) => void (s.disabled = false)),
  {
    name: 'id', skip: 1, defaultOk: false,
    parse: (c) => {
      if (c.arg === '') return err(`'id' : expects an integer argument`);
      const id = cAtoi(c.arg);
      if (id <= 0) return err(`'id' : custom id has to be > 0`);
      const used = c.siblings.find((s) => s.id === id);
      if (used !== undefined) {
        return err(`'id' : custom id ${id} already used at ${used.place.file}:${used.place.line} ('server ${used.name}')`);
      }
      c.srv.id = id;
      return undefined;
    },
  },
  {
    name: 'init-addr', skip: 1, defaultOk: true,
    parse: (c) => {
      const methods: InitAddrMethod[] = [];
      for (const m of c.arg.split(',')) {
        if (m === 'last' || m === 'libc' || m === 'none') methods.push(m);
        else if (parseIPv4Strict(m) !== undefined) methods.push({ ip: m, family: 'ipv4' });
        else if (parseIPv6Strict(m) !== undefined) methods.push({ ip: formatIPv6(parseIPv6Strict(m)!), family: 'ipv6' });
        else if (m !== '') {
          return err(`'init-addr' : unknown init-addr method '${m}', supported methods are 'libc', 'last', 'none'.`);
        }
      }
      c.srv.initAddr = methods;
      return undefined;
    },
  },
  {
    name: 'log-proto', skip: 1, defaultOk: true, pending: 'lands with log rings',
    parse: (c) => {
      if (c.arg !== 'legacy' && c.arg !== 'octet-count') return err(`'log-proto' expects one of 'legacy' or 'octet-count' but got '${c.arg}'`);
      c.srv.logProto = c.arg;
      return undefined;
    },
  },
  { name: 'maxconn', skip: 1, defaultOk: true, parse: (c) => void (c.srv.maxconn = cAtoi(c.arg)) },
  { name: 'maxqueue', skip: 1, defaultOk: true, parse: (c) => void (c.srv.maxqueue = cAtoi(c.arg)) },
  {
    // haproxy 2.6 does not apply max-reuse to HTTP/1 server connections (checked), nor does src/http/server-pool.ts.
    name: 'max-reuse', skip: 1, defaultOk: true,
    parse: (c) => needValue(c, '<value>') ?? void (c.srv.maxReuse = cAtoi(c.arg)),
  },
  { name: 'minconn', skip: 1, defaultOk: true, parse: (c) => void (c.srv.minconn = cAtoi(c.arg)) },
  {
    name: 'namespace', skip: 1, defaultOk: true, pending: 'refused at startup: Node.js cannot connect from a network namespace, see docs/bind-options.md',
    parse: (c) => {
      if (c.arg === '') return err(`'namespace' : expects <name> as argument`);
      if (c.arg !== '*' && !existsSync(`/var/run/netns/${c.arg}`)) return err(`Cannot open namespace '${c.arg}'`);
      c.srv.namespace = c.arg;
      return undefined;
    },
  },
  flag('no-backup', (s) => void (s.backup = false)),
  flag('no-send-proxy', (s) => void (s.sendProxy = s.sendProxy === 'v1' ? undefined : s.sendProxy)),
  flag('no-send-proxy-v2', (s) => void (s.sendProxy = s.sendProxy === 'v2' ? undefined : s.sendProxy)),
  flag('no-tfo', (s) => void (s.tfo = false)),
  flag('non-stick', (s) => void (s.nonStick = true), 'lands with stick tables'),
  {
    name: 'observe', skip: 1, defaultOk: true,
    parse: (c) => {
      if (c.arg === '') return err(`'observe' expects <mode> as argument.`);
      if (c.arg !== 'none' && c.arg !== 'layer4' && c.arg !== 'layer7') {
        return err(`'observe' expects one of 'none', 'layer4', 'layer7' but got '${c.arg}'`);
      }
      if (c.arg === 'layer7' && c.proxy.mode !== 'http') return err(`'layer7' can only be used in http proxies.`, { nonFatal: true });
      c.srv.observe = c.arg;
      return undefined;
    },
  },
  {
    name: 'on-error', skip: 1, defaultOk: true,
    parse: (c) => {
      const ok = ['fastinter', 'fail-check', 'sudden-death', 'mark-down'] as const;
      const v = ok.find((x) => x === c.arg);
      if (v === undefined) return err(`'on-error' expects one of 'fastinter', 'fail-check', 'sudden-death' or 'mark-down' but got '${c.arg}'`);
      c.srv.onError = v;
      return undefined;
    },
  },
  {
    name: 'on-marked-down', skip: 1, defaultOk: true,
    parse: (c) => {
      if (c.arg !== 'shutdown-sessions') return err(`'on-marked-down' expects 'shutdown-sessions' but got '${c.arg}'`);
      c.srv.onMarkedDown = c.arg;
      return undefined;
    },
  },
  {
    name: 'on-marked-up', skip: 1, defaultOk: true,
    parse: (c) => {
      if (c.arg !== 'shutdown-backup-sessions') return err(`'on-marked-up' expects 'shutdown-backup-sessions' but got '${c.arg}'`);
      c.srv.onMarkedUp = c.arg;
      return undefined;
    },
  },
  {
    // src/http/server-pool.ts admits released connections with it (server.c srv_add_to_idle_list()).
    name: 'pool-low-conn', skip: 1, defaultOk: true,
    parse: (c) => needValue(c, '<value>') ?? void (c.srv.poolLowConn = cAtoi(c.arg)),
  },
  {
    name: 'pool-max-conn', skip: 1, defaultOk: true,
    parse: (c) => {
      const m = needValue(c, '<value>');
      if (m !== undefined) return m;
      const v = cAtoi(c.arg);
      if (v < -1) return err(`'pool-max-conn' must be >= -1`);
      c.srv.poolMaxConn = v;
      return undefined;
    },
  },
  {
    name: 'pool-purge-delay', skip: 1, defaultOk: true,
    parse: (c) => {
      const m = needValue(c, '<value>');
      if (m !== undefined) return m;
      const r = parseTime(c.arg, 'ms');
      if (!r.ok) {
        if (r.overflow) return err(`timer overflow in argument <${c.arg}> to <pool-purge-delay>, maximum value is 2147483647 ms (~24.8 days).`);
        if (r.underflow) return err(`timer underflow in argument <${c.arg}> to <pool-purge-delay>, minimum non-null value is 1 ms.`);
        return err(`unexpected character '${r.badChar ?? ''}' in argument to <pool-purge-delay>.`);
      }
      c.srv.poolPurgeDelay = r.value;
      return undefined;
    },
  },
  {
    // h1 (and none for mode tcp) is what the streams speak (src/http/stream.ts).
    name: 'proto', skip: 1, defaultOk: true, pendingFor: muxPending,
    parse: (c) => {
      const r = muxProto(c);
      if (typeof r !== 'string') return r;
      c.srv.proto = r;
      return undefined;
    },
  },
  {
    name: 'proxy-v2-options', skip: 1, defaultOk: true,
    parse: (c) => {
      const list = c.arg.split(',');
      for (const o of list) if (!PV2_OPTIONS.includes(o)) return err(`'${o}' : proxy v2 option not implemented`);
      // server.c srv_parse_proxy_v2_options(): the options are OR-ed into pp_opts.
      c.srv.proxyV2Options = withOptions(c.srv.proxyV2Options, list);
      return undefined;
    },
  },
  {
    name: 'redir', skip: 1, defaultOk: true,
    parse: (c) => needValue(c, '<prefix>') ?? void (c.srv.redir = c.arg),
  },
  {
    name: 'resolve-net', skip: 1, defaultOk: true, pending: RESOLVERS,
    parse: (c) => {
      if (c.arg === '') return err(`'resolve-net' expects a list of networks.`);
      const nets = c.arg.split(',');
      for (const n of nets) {
        const [ip, bits] = n.split('/');
        const v4 = parseIPv4Strict(ip ?? '') !== undefined;
        const v6 = parseIPv6Strict(ip ?? '') !== undefined;
        const maxBits = v4 ? 32 : 128;
        const okBits = bits === undefined || (/^\d+$/.test(bits) && Number(bits) <= maxBits) || (v4 && parseIPv4Strict(bits) !== undefined);
        if ((!v4 && !v6) || !okBits) return err(`'resolve-net' invalid network '${n}'.`);
      }
      c.srv.resolveNet = nets;
      return undefined;
    },
  },
  {
    name: 'resolve-opts', skip: 1, defaultOk: true, pending: RESOLVERS,
    parse: (c) => {
      const opts = c.arg === '' ? [] : c.arg.split(',');
      for (const o of opts) {
        if (o !== 'allow-dup-ip' && o !== 'ignore-weight' && o !== 'prevent-dup-ip') {
          return err(`'resolve-opts' : unknown resolve-opts option '${o}', supported methods are 'allow-dup-ip', 'ignore-weight', and 'prevent-dup-ip'.`);
        }
      }
      c.srv.resolveOpts = opts;
      return undefined;
    },
  },
  {
    name: 'resolve-prefer', skip: 1, defaultOk: true, pending: RESOLVERS,
    parse: (c) => {
      if (c.arg !== 'ipv4' && c.arg !== 'ipv6') return err(`'resolve-prefer' expects either ipv4 or ipv6 as argument.`);
      c.srv.resolvePrefer = c.arg;
      return undefined;
    },
  },
  { name: 'resolvers', skip: 1, defaultOk: true, pending: RESOLVERS, parse: (c) => void (c.srv.resolvers = c.arg) },
  flag('send-proxy', (s) => void (s.sendProxy = 'v1')),
  flag('send-proxy-v2', (s) => void (s.sendProxy = 'v2')),
  {
    name: 'slowstart', skip: 1, defaultOk: true,
    parse: (c) => {
      // an empty argument prints "unexpected character '" + NUL: the message stops there
      if (c.arg === '') return err(`unexpected character '`);
      const r = parseTime(c.arg, 'ms');
      if (!r.ok) {
        if (r.overflow) return err(`timer overflow in argument <${c.arg}> to <slowstart> of server ${c.srvName}, maximum value is 2147483647 ms (~24.8 days).`);
        if (r.underflow) return err(`timer underflow in argument <${c.arg}> to <slowstart> of server ${c.srvName}, minimum non-null value is 1 ms.`);
        return err(`unexpected character '${r.badChar ?? ''}' in 'slowstart' argument of server ${c.srvName}.`);
      }
      c.srv.slowstart = r.value;
      return undefined;
    },
  },
  // `source <addr>[:<ports>]` is applied (src/proxy/socket-tuning.ts); `usesrc`/`interface` refuse the start.
  { name: 'source', skip: -1, defaultOk: true, parse: parseSource },
  flag('stick', (s) => void (s.nonStick = false), 'lands with stick tables'),
  flag('tfo', (s) => void (s.tfo = true), 'ignored with a warning at startup: Node.js cannot set TCP_FASTOPEN_CONNECT'),
  {
    name: 'track', skip: 1, defaultOk: true,
    parse: (c) => {
      if (c.arg === '') return err(`'track' expects [<proxy>/]<server> as argument.`);
      const slash = c.arg.lastIndexOf('/');
      c.srv.track = slash >= 0
        ? { backend: c.arg.slice(0, slash), server: c.arg.slice(slash + 1), place: c.ctx.place }
        : { server: c.arg, place: c.ctx.place };
      return undefined;
    },
  },
  {
    name: 'socks4', skip: 1, defaultOk: true, pending: 'lands with SOCKS4',
    parse: (c) => {
      if (c.arg === '') return err(`'socks4' expects <addr>:<port> as argument.`);
      const a = parseAddress(c.arg, { purpose: 'check', requirePort: true });
      if (!a.ok) return a.newline ? err(`\n  'socks4 ${c.arg}' : ${a.message}\n  \n`) : err(`'socks4 ${c.arg}' : ${a.message}`);
      c.srv.socks4 = a.address;
      return undefined;
    },
  },
  { name: 'usesrc', skip: 0, defaultOk: true, parse: () => err(`'usesrc' only allowed after a 'source' statement.`) },
  {
    name: 'weight', skip: 1, defaultOk: true,
    parse: (c) => {
      const w = cAtoi(c.arg);
      if (w < 0 || w > 256) return err(`weight of server ${c.srvName} is not within 0 and 256 (${w}).`);
      c.srv.weight = w;
      return undefined;
    },
  },
  {
    // websockets go over the server's HTTP/1 connection: ws h1 and auto (h1 servers) are enforced.
    name: 'ws', skip: 1, defaultOk: true, pendingFor: (a) => (a[0] === 'h2' ? 'lands with HTTP/2' : undefined),
    parse: (c) => {
      if (c.arg !== 'auto' && c.arg !== 'h1' && c.arg !== 'h2') return err(`'ws' has to be 'auto', 'h1' or 'h2'`);
      c.srv.ws = c.arg;
      return undefined;
    },
  },
  // cfgparse-tcp.c
  {
    name: 'tcp-ut', skip: 1, defaultOk: true, pending: 'ignored with a warning at startup: Node.js cannot set TCP_USER_TIMEOUT',
    parse: (c) => {
      if (c.arg === '') return err(`'tcp-ut' : missing TCP User Timeout value`);
      const r = parseTime(c.arg, 'ms');
      if (!r.ok) return err(`'tcp-ut' : expects a positive delay in milliseconds`);
      c.srv.tcpUserTimeout = r.value;
      return undefined;
    },
  },
  // cfgparse-ssl.c
  flag('allow-0rtt', () => undefined, TLS),
  tlsString('alpn', 'missing the comma-delimited ALPN protocol suite', 'alpn'),
  caLike('ca-file', 'caFile'),
  tlsString('check-alpn', 'missing the comma-delimited ALPN protocol suite', 'checkAlpn'),
  {
    name: 'check-proto', skip: 1, defaultOk: true, pending: CHECKS,
    parse: (c) => {
      const r = muxProto(c);
      if (typeof r !== 'string') return r;
      c.srv.checkProto = r;
      return undefined;
    },
  },
  tlsString('check-sni', 'missing SNI', 'checkSni'),
  flag('check-ssl', (s) => void (s.checkSsl = true)),
  tlsString('ciphers', 'missing cipher suite', 'ciphers'),
  tlsString('ciphersuites', 'missing cipher suite', 'ciphersuites'),
  caLike('crl-file', 'crlFile'),
  tlsString('crt', 'missing certificate file path', 'crt'),
  ...['sslv3', 'tlsv10', 'tlsv11', 'tlsv12', 'tlsv13'].map((v) => ({
    name: `force-${v}`, skip: 0, defaultOk: true, pending: TLS,
    parse: (c: ServerOptionContext) => void tls(c, { forced: v }),
  })),
  flag('no-check-ssl', (s) => void (s.checkSsl = false)),
  flag('no-send-proxy-v2-ssl', (s) => void (s.sendProxy = s.sendProxy === 'v2' ? undefined : s.sendProxy)),
  flag('no-send-proxy-v2-ssl-cn', (s) => void (s.sendProxy = s.sendProxy === 'v2' ? undefined : s.sendProxy)),
  flag('no-ssl', (s) => void (s.ssl = false)),
  flag('no-ssl-reuse', () => undefined, TLS),
  ...['sslv3', 'tlsv10', 'tlsv11', 'tlsv12', 'tlsv13'].map((v) => ({
    name: `no-${v}`, skip: 0, defaultOk: true, pending: TLS,
    parse: (c: ServerOptionContext) => void tls(c, { disabled: [...(c.srv.tls?.disabled ?? []), v] }),
  })),
  flag('no-tls-tickets', () => undefined, TLS),
  tlsString('npn', 'missing the comma-delimited NPN protocol suite', 'npn'),
  // server.c: SRV_PP_V2 plus SRV_PP_V2_SSL (and SRV_PP_V2_SSL_CN), kept as the
  // equivalent proxy-v2-options words so that src/net/proxy-header.ts sees one list.
  flag('send-proxy-v2-ssl', (s) => void ((s.sendProxy = 'v2'), (s.proxyV2Options = withOptions(s.proxyV2Options, ['ssl'])))),
  flag('send-proxy-v2-ssl-cn', (s) => void ((s.sendProxy = 'v2'), (s.proxyV2Options = withOptions(s.proxyV2Options, ['ssl', 'cert-cn'])))),
  {
    name: 'sni', skip: 1, defaultOk: true, pending: TLS,
    parse: (c) => {
      if (c.arg === '') return err(`'sni' : missing sni expression`);
      const r = parseSampleExpression([c.arg], 0, { place: c.ctx.place, usage: 'acl', skipUsageCheck: true });
      if (!r.ok) return err(`error detected while parsing sni expression : ${r.message}`, { noDot: true });
      tls(c, { sni: c.arg });
      return undefined;
    },
  },
  flag('ssl', (s) => void (s.ssl = true), TLS),
  sslVersion('ssl-max-ver', 'sslMaxVer'),
  sslVersion('ssl-min-ver', 'sslMinVer'),
  flag('ssl-reuse', () => undefined, TLS),
  flag('tls-tickets', () => undefined, TLS),
  {
    name: 'verify', skip: 1, defaultOk: true, pending: TLS,
    parse: (c) => {
      if (c.arg === '') return err(`'verify' : missing verify method`);
      if (c.arg !== 'none' && c.arg !== 'required') {
        return err(`'verify' : unknown verify method '${c.arg}', only 'none' and 'required' are supported`);
      }
      tls(c, { verify: c.arg });
      return undefined;
    },
  },
  tlsString('verifyhost', 'missing hostname to verify against', 'verifyHost'),
];

export const serverOptionsByName: ReadonlyMap<string, ServerOption> = new Map(serverOptions.map((o) => [o.name, o]));
