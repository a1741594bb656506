/**
 * `filter <name> [args]` and `compression algo|type|offload`
 * (configuration.txt §4.2 "compression", §9 "Filters"), as filters.c and
 * flt_http_comp.c parse them.
 */
import type { ProxyConfig } from '../model/proxy.js';
import type { LineContext } from '../section-registry.js';
import { proxyKeywords } from '../sections/proxy-keywords.js';
import { keepDirective, proxyTypeStr } from './util.js';

/** filters.c: the registered filter keywords, as haproxy lists them ("[COMP] compression"). */
const FILTERS: readonly (readonly [string, string])[] = [
  ['CACHE', 'cache'], ['COMP', 'compression'], ['FCGI', 'fcgi-app'], ['  OT', 'opentracing'], ['SPOE', 'spoe'], ['TRACE', 'trace'],
];

/** flt_http_comp.c: the algorithms haproxy 2.6 knows (with zlib or slz). */
const ALGORITHMS = new Set(['identity', 'gzip', 'deflate', 'raw-deflate']);

function parseFilter(ctx: LineContext, p: ProxyConfig, words: string[]): void {
  const at = `parsing [${ctx.place.file}:${ctx.place.line}] : `;
  if (p.cap.defaults) {
    ctx.alert('CFG_FILTER', `${at}filter is not allowed in a 'default' section.`);
    return;
  }
  const name = words[1] ?? '';
  if (name === '') {
    ctx.alert('CFG_FILTER', `${at}missing argument for 'filter' in ${proxyTypeStr(p)} '${p.name}'.`);
    return;
  }
  if (!FILTERS.some(([, n]) => n === name)) {
    const list = FILTERS.map(([tag, n]) => `\n    [${tag}] ${n}`).join('');
    ctx.alert('CFG_FILTER', `'filter' : unknown keyword '${name}'. Registered keywords :${list}`);
    return;
  }
  p.filters.push({ keyword: 'filter', args: words.slice(1), place: ctx.place });
  ctx.notEnforced(`'filter ${name}' (lands with filters)`);
}

function parseCompression(ctx: LineContext, p: ProxyConfig, words: string[]): void {
  const sub = words[1] ?? '';
  if (sub === 'algo') {
    if ((words[2] ?? '') === '') {
      ctx.alert('CFG_COMPRESSION', `parsing [${ctx.place.file}:${ctx.place.line}] : 'compression' expects <algorithm>.`);
      return;
    }
    const algos: string[] = [];
    for (let i = 2; (words[i] ?? '') !== ''; i++) {
      const a = words[i] ?? '';
      if (!ALGORITHMS.has(a)) {
        ctx.alert('CFG_COMPRESSION', `'compression' : '${a}' is not a supported algorithm.`);
        return;
      }
      algos.push(a);
    }
    p.compression.algorithms = algos;
  } else if (sub === 'offload') {
    if (p.cap.defaults) {
      ctx.warning('CFG_COMPRESSION', `'compression' : 'offload' ignored in 'defaults' section.`);
      return;
    }
    p.compression.offload = true;
  } else if (sub === 'type') {
    if ((words[2] ?? '') === '') {
      ctx.alert('CFG_COMPRESSION', `'compression' expects <type>.`);
      return;
    }
    p.compression.types = words.slice(2).filter((w) => w !== '');
  } else {
    ctx.alert('CFG_COMPRESSION', `'compression' expects 'algo', 'type' or 'offload'`);
    return;
  }
  keepDirective(ctx, p, words);
  ctx.notEnforced(`'compression ${sub}' (lands with compression)`);
}

proxyKeywords.register(
  { name: 'filter', parse: parseFilter },
  { name: 'compression', parse: parseCompression },
);
