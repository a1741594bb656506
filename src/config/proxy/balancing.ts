/**
 * Server selection keywords (configuration.txt §4.2): `balance`, `hash-type`,
 * `hash-balance-factor`, `source`, `dispatch`, `transparent`,
 * `http-send-name-header`, `server-state-file-name`,
 * `load-server-state-from-file`, `use-fcgi-app`, and the removed `redisp`.
 */
import type { ProxyConfig } from '../model/proxy.js';
import type { LineContext } from '../section-registry.js';
import { proxyKeywords } from '../sections/proxy-keywords.js';
import { parseAddress } from '../../net/address.js';
import { cAtoi, cInt, cStrtol } from '../global/c-numbers.js';
import { keepDirective, tooManyArgs, warnIfNotCap } from './util.js';

/** The algorithms the runtime implements (others are checked and reported as not enforced yet). */
const ENFORCED_ALGORITHMS = new Set(['roundrobin', 'static-rr', 'leastconn', 'first', 'source', 'random', 'uri', 'url_param', 'hdr', 'hash', 'rdp-cookie']);

/**
 * backend.c backend_parse_balance(): returns haproxy's message (printed after
 * "balance ") or undefined when the algorithm and its arguments are valid.
 */
export function checkBalance(args: readonly string[]): string | undefined {
  const algo = args[0] ?? '';
  const arg = (i: number): string => args[i] ?? '';
  if (algo === '' || algo === 'roundrobin' || algo === 'static-rr' || algo === 'first' || algo === 'leastconn' || algo === 'source') return undefined;
  if (algo.startsWith('random')) {
    if (algo[6] === '(' && algo[7] !== ')') {
      // backend.c: strtol() base 0 on the draws into an int, then a closing parenthesis.
      const r = cStrtol(algo.slice(7), 0);
      if (r.rest[0] !== ')') return r.rest === '' ? 'random : missing closing parenthesis.' : `random : unexpected character '${r.rest[0] ?? ''}' after argument.`;
      const draws = cInt(r.value);
      if (!(draws >= 1)) return 'random : number of draws must be at least 1.';
    }
    return undefined;
  }
  if (algo === 'uri') {
    for (let i = 1; arg(i) !== '';) {
      const w = arg(i);
      if (w === 'len' || w === 'depth') {
        if (arg(i + 1) === '' || cAtoi(arg(i + 1)) <= 0) return `uri : '${w}' expects a positive integer (got '${arg(i + 1)}').`;
        i += 2;
      } else if (w === 'whole' || w === 'path-only') {
        i += 1;
      } else {
        return `uri only accepts parameters 'len', 'depth', 'path-only', and 'whole' (got '${w}').`;
      }
    }
    return undefined;
  }
  if (algo === 'url_param') {
    if (arg(1) === '') return 'url_param requires an URL parameter name.';
    if (arg(2) !== '' && arg(2) !== 'check_post') return `url_param only accepts 'check_post' modifier (got '${arg(2)}').`;
    return undefined;
  }
  if (algo.startsWith('hdr(')) {
    const close = algo.indexOf(')', 4);
    if (close < 0 || close === 4) return 'hdr requires an http header field name.';
    if (arg(1) !== '' && arg(1) !== 'use_domain_only') return `${algo} only accepts 'use_domain_only' modifier (got '${arg(1)}').`;
    return undefined;
  }
  if (algo.startsWith('rdp-cookie')) {
    const rest = algo.slice(10);
    if (rest === '') return undefined;
    if (rest[0] === '(') {
      const close = rest.indexOf(')', 1);
      if (close > 1) return undefined;
    }
    return 'rdp-cookie : missing cookie name.';
  }
  if (algo === 'hash') {
    if (arg(1) === '') return 'hash requires a sample expression.';
    return undefined;
  }
  return "only supports 'roundrobin', 'static-rr', 'leastconn', 'source', 'uri', 'url_param', 'hdr(name)' and 'rdp-cookie(name)' options.";
}

function parseBalance(ctx: LineContext, p: ProxyConfig, words: string[]): void {
  const ignored = warnIfNotCap(ctx, p, 'backend', 'balance');
  const err = checkBalance(words.slice(1));
  if (err !== undefined) {
    ctx.alert('CFG_BALANCE_INVALID', `balance ${err}`);
    return;
  }
  const algorithm = words[1] ?? 'roundrobin';
  // `balance hash <expr>`: the expression is parsed after every section is read (post-checks.ts).
  p.balance = { algorithm: algorithm === '' ? 'roundrobin' : algorithm, args: words.slice(2), place: ctx.place };
  const base = algorithm.replace(/\(.*$/, '');
  if (!ignored && !ENFORCED_ALGORITHMS.has(base === '' ? 'roundrobin' : base)) {
    ctx.notEnforced(`'balance ${base}' (lands with hash-based balancing)`);
  }
}

function parseHashType(ctx: LineContext, p: ProxyConfig, words: string[]): void {
  warnIfNotCap(ctx, p, 'backend', 'hash-type');
  const method = words[1] ?? '';
  if (method === 'avalanche') {
    ctx.alert('CFG_HASH_TYPE', `experimental feature 'hash-type avalanche' is not supported anymore, please use 'hash-type map-based sdbm avalanche' instead.`);
    return;
  }
  if (method !== 'consistent' && method !== 'map-based') {
    ctx.alert('CFG_HASH_TYPE', `'hash-type' only supports 'consistent' and 'map-based'.`);
    return;
  }
  const fn = words[2] ?? '';
  if (fn === '') {
    // configuration.txt §4.2 "hash-type": sdbm by default, with avalanche for consistent hashing.
    p.hashType = { method, function: 'sdbm', avalanche: method === 'consistent' };
  } else {
    if (fn !== 'sdbm' && fn !== 'djb2' && fn !== 'wt6' && fn !== 'crc32') {
      ctx.alert('CFG_HASH_TYPE', `'hash-type' only supports 'sdbm', 'djb2', 'crc32', or 'wt6' hash functions.`);
      return;
    }
    const mod = words[3] ?? '';
    if (mod !== '' && mod !== 'avalanche') {
      ctx.alert('CFG_HASH_TYPE', `'hash-type' only supports 'avalanche' as a modifier for hash functions.`);
      return;
    }
    p.hashType = { method, function: fn, avalanche: mod === 'avalanche' };
  }
}

function parseHashBalanceFactor(ctx: LineContext, p: ProxyConfig, words: string[]): void {
  if ((words[1] ?? '') === '') {
    ctx.alert('CFG_INTEGER_EXPECTED', `'hash-balance-factor' expects an integer argument.`);
    return;
  }
  const v = cAtoi(words[1] ?? '');
  p.hashBalanceFactor = v;
  if (v !== 0 && v <= 100) {
    ctx.alert('CFG_HASH_BALANCE_FACTOR', `'hash-balance-factor' must be 0 or greater than 100.`);
    return;
  }
}

/** `source <addr>[:<port>] [usesrc { <addr2>[:<port2>] | client | clientip | hdr_ip(<hdr>[,<occ>]) }] [interface <name>]`. */
function parseSource(ctx: LineContext, p: ProxyConfig, words: string[]): void {
  warnIfNotCap(ctx, p, 'backend', 'source');
  const text = words[1] ?? '';
  if (text === '') {
    ctx.alert('CFG_SOURCE_ARGS', `'source' expects <addr>[:<port>], and optionally 'usesrc' <addr>, and 'interface' <name>.`);
    return;
  }
  const a = parseAddress(text, { purpose: 'source', allowRange: false });
  if (!a.ok) {
    ctx.alert('CFG_SOURCE_ARGS', `'source ${text}' : ${a.message}`);
    return;
  }
  for (let i = 2; (words[i] ?? '') !== '';) {
    const w = words[i] ?? '';
    if (w === 'usesrc') {
      const v = words[i + 1] ?? '';
      if (v === '') {
        ctx.alert('CFG_SOURCE_ARGS', `'usesrc' expects <addr>[:<port>], 'client', or 'clientip' as argument.`);
        return;
      }
      if (v !== 'client' && v !== 'clientip' && !v.startsWith('hdr_ip(')) {
        const u = parseAddress(v, { purpose: 'source' });
        if (!u.ok) {
          ctx.alert('CFG_SOURCE_ARGS', `'usesrc ${v}' : ${u.message}`);
          return;
        }
      }
      i += 2;
    } else if (w === 'interface') {
      if ((words[i + 1] ?? '') === '') {
        ctx.alert('CFG_SOURCE_ARGS', `'source' : missing interface name.`);
        return;
      }
      i += 2;
    } else {
      ctx.alert('CFG_SOURCE_ARGS', `'source' only supports optional keywords 'interface' and 'usesrc'.`);
      return;
    }
  }
  p.source = { keyword: 'source', args: words.slice(1), place: ctx.place };
  // The address and port are applied (src/proxy/socket-tuning.ts); `usesrc`/`interface` refuse the start.
  if (words.includes('usesrc') || words.includes('interface')) ctx.notEnforced(`'source ... ${words.includes('usesrc') ? 'usesrc' : 'interface'}' (refused at startup: Node.js cannot set IP_TRANSPARENT or SO_BINDTODEVICE)`);
}

function parseDispatch(ctx: LineContext, p: ProxyConfig, words: string[]): void {
  if (p.cap.defaults) ctx.alert('CFG_NOT_IN_DEFAULTS', `'dispatch' not allowed in 'defaults' section.`);
  else warnIfNotCap(ctx, p, 'backend', 'dispatch');
  const a = parseAddress(words[1] ?? '', { purpose: 'server', requirePort: true, allowOffset: false, allowRange: false });
  if (!a.ok) {
    ctx.alert('CFG_DISPATCH_ADDRESS', `'dispatch' : ${a.message}`);
    return;
  }
  if (tooManyArgs(ctx, words, 1)) return;
  if (p.cap.defaults) return;
  p.dispatch = { keyword: 'dispatch', args: words.slice(1), place: ctx.place };
  ctx.notEnforced(`'dispatch' (lands with dispatch mode)`);
}

function parseServerStateFileName(ctx: LineContext, p: ProxyConfig, words: string[]): void {
  warnIfNotCap(ctx, p, 'backend', 'server-state-file-name');
  if (tooManyArgs(ctx, words, 1)) return;
  const v = words[1] ?? '';
  p.serverStateFileName = v === '' || v === 'use-backend-name' ? p.name : v;
  ctx.notEnforced(`'server-state-file-name' (lands with server state files)`);
}

function parseLoadServerState(ctx: LineContext, p: ProxyConfig, words: string[]): void {
  warnIfNotCap(ctx, p, 'backend', 'load-server-state-from-file');
  const v = words[1] ?? '';
  if (v !== 'global' && v !== 'local' && v !== 'none') {
    ctx.alert('CFG_SERVER_STATE', `'load-server-state-from-file' expects 'global', 'local' or 'none'. Got '${v}'`);
    return;
  }
  p.loadServerStateFromFile = v;
  if (v !== 'none') ctx.notEnforced(`'load-server-state-from-file' (lands with server state files)`);
}

function parseUseFcgiApp(ctx: LineContext, p: ProxyConfig, words: string[]): void {
  // fcgi-app.c proxy_parse_use_fcgi_app()
  if (p.cap.defaults || !p.cap.backend) {
    ctx.alert('CFG_FCGI_APP', `'use-fcgi-app' only available in backend or listen section`);
    return;
  }
  if ((words[1] ?? '') === '') {
    ctx.alert('CFG_FCGI_APP', `'use-fcgi-app' expects <name> as argument`);
    return;
  }
  keepDirective(ctx, p, words);
}

proxyKeywords.register(
  { name: 'balance', parse: parseBalance },
  { name: 'hash-type', parse: parseHashType },
  { name: 'hash-balance-factor', parse: parseHashBalanceFactor },
  { name: 'source', parse: parseSource },
  { name: 'dispatch', parse: parseDispatch },
  {
    name: 'transparent',
    parse(ctx, p, words) {
      p.options.set('transparent', true);
      p.optionPlaces.set('transparent', ctx.place);
      if (tooManyArgs(ctx, words, 0)) return;
      ctx.notEnforced(`'transparent' (lands with transparent proxying)`);
    },
  },
  {
    name: 'http-send-name-header',
    parse(ctx, p, words) {
      warnIfNotCap(ctx, p, 'backend', 'http-send-name-header');
      const h = words[1] ?? '';
      if (h === '') {
        ctx.alert('CFG_HEADER_NAME_MISSING', `'http-send-name-header' requires a header string.`);
        return;
      }
      // Applied on every connection attempt by src/http/l7-retry.ts attemptHead().
      p.httpSendNameHeader = h;
    },
  },
  { name: 'server-state-file-name', parse: parseServerStateFileName },
  { name: 'load-server-state-from-file', parse: parseLoadServerState },
  { name: 'use-fcgi-app', parse: parseUseFcgiApp },
  // `redispatch` and `appsession` are translated by src/config/legacy.ts; `redisp` is only refused.
  {
    name: 'redisp',
    parse(ctx: LineContext): void {
      ctx.alert('CFG_REMOVED_KEYWORD', `keyword 'redisp' directive is not supported anymore since HAProxy 2.1. Use 'option redispatch'.`);
    },
  },
);
