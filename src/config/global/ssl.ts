/**
 * The TLS global keywords: ssl-server-verify (cfgparse-global.c) and those
 * ssl_sock.c / cfgparse-ssl.c register (ca-base, crt-base, ssl-default-*,
 * ssl-provider, tune.ssl.*, maxsslconn...).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import type { Keyword } from '../keyword-table.js';
import { tooManyArgs } from '../proxy/util.js';
import { cAtoi, parseHaTime } from './c-numbers.js';
import { cString } from '../tokenizer.js';
import { expectsInt, flagKw, globalKeywords, keep, onOffKw, stringKw, tooMany, type GlobalState } from './table.js';

const TLS = 'lands with TLS';

/** The tune.ssl.* sizes: "expects an integer argument." then "expects a positive numeric value.". */
function sslSizeKw(name: string, deprecatedFor?: string): Keyword<GlobalState> {
  return {
    name,
    enforced: TLS,
    parse(ctx, st, words) {
      if (deprecatedFor !== undefined) {
        ctx.warning(
          'CFG_GLOBAL_DEPRECATED',
          `'${name}' is deprecated and will be removed in version 2.7. Please use '${deprecatedFor}' instead.`,
          'parsing-tight',
        );
      }
      if (tooMany(ctx, words, 1)) return;
      const arg = words[1] ?? '';
      if (arg === '') return expectsInt(ctx, name);
      const v = cAtoi(arg);
      if (v < 0) return ctx.alert('CFG_GLOBAL_RANGE', `'${name}' expects a positive numeric value.`);
      st.global.tune.set(name, v);
    },
  };
}

/** A keyword haproxy accepts with any arguments, kept as a directive. */
function anyArgsKw(name: string, enforced: boolean | string): Keyword<GlobalState> {
  return { name, enforced, parse: (ctx, st, words) => keep(ctx, st, words) };
}

const TLS_METHODS = new Set([
  'no-sslv3', 'no-tlsv10', 'no-tlsv11', 'no-tlsv12', 'no-tlsv13',
  'force-sslv3', 'force-tlsv10', 'force-tlsv11', 'force-tlsv12', 'force-tlsv13',
]);
const TLS_VERSIONS = new Set(['SSLv3', 'TLSv1.0', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3']);

/** ssl_parse_default_bind_options() / ssl_parse_default_server_options(). */
function sslOptionsKw(name: string, bind: boolean): Keyword<GlobalState> {
  return {
    name,
    enforced: TLS,
    parse(ctx, st, words) {
      if ((words[1] ?? '') === '') return ctx.alert('CFG_GLOBAL_MISSING_ARG', `global statement '${name}' expects an option as an argument.`);
      for (let i = 1; (words[i] ?? '') !== ''; i++) {
        const o = words[i]!;
        if (o === 'no-tls-tickets' || (bind && o === 'prefer-client-ciphers') || TLS_METHODS.has(o)) continue;
        if (o === 'ssl-min-ver' || o === 'ssl-max-ver') {
          const v = words[i + 1] ?? '';
          if (v === '') return ctx.alert('CFG_GLOBAL_BAD_OPTION', `'${o}' : missing the ssl/tls version on global statement '${name}'.`);
          if (!TLS_VERSIONS.has(v)) return ctx.alert('CFG_GLOBAL_BAD_OPTION', `'${v}' : unknown ssl/tls version on global statement '${name}'.`);
          i++;
          continue;
        }
        return ctx.alert('CFG_GLOBAL_BAD_OPTION', `unknown option '${o}' on global statement '${name}'.`);
      }
      keep(ctx, st, words);
    },
  };
}

/** The OpenSSL providers this build can load: the built-in ones and the modules on disk. */
function knownProvider(name: string, path: string | undefined): boolean {
  if (name === 'default' || name === 'base' || name === 'null') return true;
  for (const dir of [path, '/usr/lib/x86_64-linux-gnu/ossl-modules', '/usr/lib/aarch64-linux-gnu/ossl-modules']) {
    if (dir === undefined) continue;
    try {
      if (statSync(`${dir}/${name}.so`).isFile()) return true;
    } catch {
      /* not there */
    }
  }
  return false;
}

globalKeywords.register(
  // cfgparse-global.c
  {
    name: 'ssl-server-verify',
    enforced: 'lands with TLS',
    parse(ctx, st, words) {
      if (tooManyArgs(ctx, words, 1)) return;
      const arg = words[1] ?? '';
      if (arg === '') return expectsInt(ctx, 'ssl-server-verify');
      if (arg !== 'none' && arg !== 'required') return ctx.alert('CFG_GLOBAL_BAD_VALUE', `'ssl-server-verify' expects 'none' or 'required' as argument.`);
      keep(ctx, st, words);
    },
  },
  // ssl_sock.c / cfgparse-ssl.c
  ...(['ca-base', 'crt-base'] as const).map(
    (name): Keyword<GlobalState> => ({
      name,
      enforced: TLS,
      parse(ctx, st, words) {
        if (tooMany(ctx, words, 1)) return;
        const cur = name === 'ca-base' ? st.global.caBase : st.global.crtBase;
        if (cur !== undefined) return ctx.alert('CFG_GLOBAL_ALREADY_SET', `'${name}' already specified.`);
        const arg = words[1] ?? '';
        if (arg === '') return ctx.alert('CFG_GLOBAL_EXPECTS_PATH', `global statement '${name}' expects a directory path as an argument.`);
        if (name === 'ca-base') st.global.caBase = arg;
        else st.global.crtBase = arg;
        // kept as a directive too: bind and server options read it from there (src/net/bind-keywords.ts globalBase())
        keep(ctx, st, words);
      },
    }),
  ),
  {
    name: 'issuers-chain-path',
    enforced: TLS,
    parse(ctx, st, words) {
      if (tooMany(ctx, words, 1)) return;
      const path = words[1] ?? '';
      let isDir = false;
      try {
        isDir = path !== '' && statSync(path).isDirectory();
        if (path !== '' && !isDir) return ctx.alert('CFG_GLOBAL_EXPECTS_PATH', `global statement 'issuers-chain-path': ${path} is not a directory.`);
      } catch {
        /* reported below */
      }
      if (!isDir) return ctx.alert('CFG_GLOBAL_EXPECTS_PATH', `global statement 'issuers-chain-path' expects a directory path as an argument.`);
      const dir = path.replace(/\/+$/, '');
      // ssl_load_global_issuers_from_path(): every regular file must hold a PEM certificate
      for (const f of listRegularFiles(dir)) {
        let text = '';
        try {
          text = readFileSync(f, 'latin1');
        } catch {
          continue;
        }
        if (!text.includes('-----BEGIN CERTIFICATE-----')) {
          ctx.diag.push({ severity: 'warning', code: 'CFG_GLOBAL_ISSUER', message: `unable to load issuers-chain ${f} : pem certificate not found.` });
        }
      }
      keep(ctx, st, words);
    },
  },
  stringKw('ssl-default-bind-ciphers', TLS, "global statement '%s' expects a cipher suite as an argument."),
  stringKw('ssl-default-bind-ciphersuites', TLS, "global statement '%s' expects a cipher suite as an argument."),
  stringKw('ssl-default-bind-curves', TLS, "global statement '%s' expects a curves suite as an arguments."),
  stringKw('ssl-default-server-ciphers', TLS, "global statement '%s' expects a cipher suite as an argument."),
  stringKw('ssl-default-server-ciphersuites', TLS, "global statement '%s' expects a cipher suite as an argument."),
  sslOptionsKw('ssl-default-bind-options', true),
  sslOptionsKw('ssl-default-server-options', false),
  {
    name: 'ssl-dh-param-file',
    enforced: TLS,
    parse(ctx, st, words) {
      if (tooMany(ctx, words, 1)) return;
      const file = words[1] ?? '';
      if (file === '') return ctx.alert('CFG_GLOBAL_EXPECTS_PATH', `'ssl-dh-param-file' expects a file path as an argument.`);
      let text = '';
      try {
        text = readFileSync(file, 'latin1');
      } catch {
        /* reported below */
      }
      if (!/-----BEGIN (X9\.42 )?DH PARAMETERS-----/.test(text)) {
        return ctx.alert('CFG_GLOBAL_TLS_FILE', `'ssl-dh-param-file': unable to load DH parameters from file <${file}>.`);
      }
      keep(ctx, st, words);
    },
  },
  {
    name: 'ssl-load-extra-files',
    enforced: TLS,
    parse(ctx, st, words) {
      const usage = `'ssl-load-extra-files' expects one or multiple arguments (none, all, bundle, sctl, ocsp, issuer).`;
      const first = words[1] ?? '';
      if (first === '') return ctx.alert('CFG_GLOBAL_BAD_VALUE', usage);
      if (first === 'none' || first === 'all') {
        if ((words[2] ?? '') !== '') return ctx.alert('CFG_GLOBAL_BAD_VALUE', `'ssl-load-extra-files' 'none' and 'all' can be only used alone`);
      } else {
        for (const w of words.slice(1)) {
          if (w === '') break;
          if (!['bundle', 'sctl', 'ocsp', 'issuer', 'key'].includes(w)) return ctx.alert('CFG_GLOBAL_BAD_VALUE', usage);
        }
      }
      keep(ctx, st, words);
    },
  },
  anyArgsKw('ssl-load-extra-del-ext', TLS),
  anyArgsKw('ssl-mode-async', TLS),
  anyArgsKw('ssl-skip-self-issued-ca', TLS),
  {
    // no check of extra words; OpenSSL refuses a malformed query and haproxy then prints an empty error
    name: 'ssl-propquery',
    enforced: TLS,
    parse(ctx, st, words) {
      const q = words[1] ?? '';
      if (q === '') return ctx.alert('CFG_GLOBAL_MISSING_ARG', `global statement 'ssl-propquery' expects a property string as an argument.`);
      const item = /^\s*-?[A-Za-z][A-Za-z0-9_.]*\s*(?:!?=\s*(?:"[^"]*"|'[^']*'|[^,\s]+)\s*)?$/;
      if (!q.split(',').every((x) => item.test(x))) return ctx.alert('CFG_GLOBAL_TLS_PROVIDER', '(null)');
      keep(ctx, st, words);
    },
  },
  {
    name: 'ssl-provider',
    enforced: TLS,
    parse(ctx, st, words) {
      const name = words[1] ?? '';
      if (name === '') return ctx.alert('CFG_GLOBAL_MISSING_ARG', `global statement 'ssl-provider' expects a valid engine provider name as an argument.`);
      let path: string | undefined;
      for (const d of st.global.directives) if (d.keyword === 'ssl-provider-path') path = d.args[0];
      if (!knownProvider(name, path)) {
        // OSSL_PROVIDER_load() fails: haproxy prints its own alert, then an empty error text
        ctx.diag.push({ severity: 'alert', code: 'CFG_GLOBAL_TLS_PROVIDER', message: `ssl-provider ${name}: unknown provider` });
        return ctx.alert('CFG_GLOBAL_TLS_PROVIDER', '(null)');
      }
      keep(ctx, st, words);
    },
  },
  stringKw('ssl-provider-path', TLS, "global statement '%s' expects a directory path as an argument.", 64),
  sslSizeKw('tune.ssl.cachesize'),
  sslSizeKw('tune.ssl.capture-buffer-size'),
  sslSizeKw('tune.ssl.capture-cipherlist-size', 'tune.ssl.capture-buffer-size'),
  sslSizeKw('tune.ssl.hard-maxrecord'),
  sslSizeKw('tune.ssl.maxrecord'),
  sslSizeKw('tune.ssl.ssl-ctx-cache-size'),
  {
    name: 'tune.ssl.default-dh-param',
    enforced: TLS,
    parse(ctx, st, words) {
      if (tooMany(ctx, words, 1)) return;
      const arg = words[1] ?? '';
      if (arg === '') return expectsInt(ctx, 'tune.ssl.default-dh-param');
      const v = cAtoi(arg);
      if (v < 1024) return ctx.alert('CFG_GLOBAL_RANGE', `'tune.ssl.default-dh-param' expects a value >= 1024.`);
      st.global.tune.set('tune.ssl.default-dh-param', v);
    },
  },
  flagKw('tune.ssl.force-private-cache', TLS),
  onOffKw('tune.ssl.keylog', TLS),
  {
    name: 'tune.ssl.lifetime',
    enforced: TLS,
    parse(ctx, st, words) {
      if (tooMany(ctx, words, 1)) return;
      const arg = words[1] ?? '';
      if (arg === '') return ctx.alert('CFG_GLOBAL_EXPECTS_TIME', `'tune.ssl.lifetime' expects ssl sessions <lifetime> in seconds as argument.`);
      const r = parseHaTime(arg, 's', ctx);
      if (r.ok) return void st.global.tune.set('tune.ssl.lifetime', r.value);
      if ('over' in r) {
        return ctx.alert('CFG_GLOBAL_BAD_TIME', `timer overflow in argument '${arg}' to <tune.ssl.lifetime> (maximum value is 2147483647 s or ~68 years).`);
      }
      if ('under' in r) return ctx.alert('CFG_GLOBAL_BAD_TIME', `timer underflow in argument '${arg}' to <tune.ssl.lifetime> (minimum value is 1 s).`);
      ctx.alert('CFG_GLOBAL_BAD_TIME', cString(`unexpected character '${r.ch}' in argument to <tune.ssl.lifetime>.`));
    },
  },
  {
    name: 'maxsslconn',
    enforced: TLS,
    parse(ctx, st, words) {
      if (tooMany(ctx, words, 1)) return;
      const arg = words[1] ?? '';
      if (arg === '') return expectsInt(ctx, 'maxsslconn');
      const v = cAtoi(arg);
      if (v < 0) return ctx.alert('CFG_GLOBAL_RANGE', `'maxsslconn' expects a positive numeric value.`);
      st.global.maxSslConn = v;
    },
  },
);

/** The directory entries of issuers-chain-path, as scandir(alphasort) lists them. */
export function listRegularFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    try {
      if (statSync(`${dir}/${name}`).isFile()) out.push(`${dir}/${name}`);
    } catch {
      /* vanished */
    }
  }
  return out;
}
