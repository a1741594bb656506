/**
 * The HTTP global keywords: HTTP/1 header case adjustment (mux_h1.c) and the
 * internal HTTP client (http_client.c), with their checks once parsing is
 * over.
 */
import { readFileSync } from 'node:fs';
import type { Keyword } from '../keyword-table.js';
import { registerPostCheck } from '../section-registry.js';
import { flagKw, globalKeywords, keep, stringKw, tooMany, type GlobalState } from './table.js';

globalKeywords.register(
  // mux_h1.c, http_client.c
  // h1-accept-payload-with-any-method: read by src/http/http-misc.ts for the request parser.
  flagKw('h1-accept-payload-with-any-method', true),
  {
    name: 'h1-case-adjust',
    enforced: true,
    parse(ctx, st, words) {
      if (tooMany(ctx, words, 2)) return;
      const from = words[1] ?? '';
      const to = words[2] ?? '';
      if (to === '') return ctx.alert('CFG_GLOBAL_MISSING_ARG', `'h1-case-adjust' expects <from> and <to> as argument.`);
      if (from.toLowerCase() !== to.toLowerCase()) return ctx.alert('CFG_GLOBAL_BAD_VALUE', '<from> and <to> must not differ execpt the case');
      const key = `h1-case-adjust ${from.toLowerCase()}`;
      if (st.set.has(key)) return ctx.alert('CFG_GLOBAL_DUPLICATE', `duplicate entry '${from.toLowerCase()}'`);
      st.set.set(key, 1);
      keep(ctx, st, words);
    },
  },
  stringKw('h1-case-adjust-file', true, "'%s' expects <file> as argument."),
  {
    name: 'httpclient.resolvers.id',
    enforced: 'lands with the HTTP client',
    parse(ctx, st, words) {
      if (tooMany(ctx, words, 1)) return;
      keep(ctx, st, words);
    },
  },
  ...([['httpclient.resolvers.prefer', 'ipv4', 'ipv6'], ['httpclient.ssl.verify', 'none', 'required']] as const).map(
    ([name, a, b]): Keyword<GlobalState> => ({
      name,
      enforced: 'lands with the HTTP client',
      parse(ctx, st, words) {
        if (tooMany(ctx, words, 1)) return;
        const arg = words[1] ?? '';
        if (arg !== a && arg !== b) {
          // http_client.c prints its alert and returns an error without text
          ctx.alert('CFG_GLOBAL_BAD_VALUE', `'${name}' expects '${a}' or '${b}' as argument.`);
          return ctx.alert('CFG_GLOBAL_BAD_VALUE', '(null)');
        }
        keep(ctx, st, words);
      },
    }),
  ),
  {
    name: 'httpclient.ssl.ca-file',
    enforced: 'lands with the HTTP client',
    parse(ctx, st, words) {
      if (tooMany(ctx, words, 1)) return;
      keep(ctx, st, words);
    },
  },
);

// --- checks once everything is parsed --------------------------------------

registerPostCheck('global-httpclient-resolvers', (model, diag) => {
  for (const d of model.global.directives) {
    if (d.keyword !== 'httpclient.resolvers.id') continue;
    const id = d.args[0] ?? '';
    if (!model.resolvers.some((r) => r.name === id)) {
      diag.push({ severity: 'alert', code: 'CFG_GLOBAL_HTTPCLIENT_RESOLVERS', message: `Proxy '<HTTPCLIENT>': Can't find resolvers section '${id}' for do-resolve action.` });
    }
  }
}, 60);

/** mux_h1.c cfg_h1_headers_case_adjust_postparser(): the file is read once parsing is over. */
registerPostCheck('global-h1-case-adjust-file', (model, diag) => {
  for (const d of model.global.directives) {
    if (d.keyword !== 'h1-case-adjust-file') continue;
    const file = d.args[0] ?? '';
    try {
      readFileSync(file);
    } catch {
      diag.push({ severity: 'alert', code: 'CFG_GLOBAL_H1_CASE_FILE', message: `h1-headers-case-adjust-file '${file}': failed to open file.` });
    }
  }
}, 5);
