/**
 * `cache <name>` sections (configuration.txt §6.2.1): `total-max-size`,
 * `max-object-size`, `max-age`, `process-vary`, `max-secondary-entries`.
 * haproxy 2.6 parses them in cache.c cfg_parse_cache(), which reports most
 * mistakes as warnings that still stop the load (ERR_ABORT), and checks the
 * sizes when the section ends (cfg_post_parse_section_cache()).
 */
import type { CacheSection } from '../model/sections.js';
import { registerSection, type LineContext, type SectionParser } from '../section-registry.js';
import { tooManyArgs } from '../proxy/util.js';
import { cAtoi, cStrtoul } from '../global/c-numbers.js';
import { abortAlert, markAbort } from '../global/diagnostic-helpers.js';
import { applyModifier } from '../global/keyword-modifier.js';

interface CacheState {
  readonly section: CacheSection | undefined;
}

/** CACHE_BLOCKSIZE (include/haproxy/cache-t.h). */
const CACHE_BLOCKSIZE = 1024;
/** UINT_MAX >> 20: the largest `total-max-size` in megabytes. */
const MAX_TOTAL_MB = 4095;

/** A warning that stops the load like haproxy's `ha_warning(); err_code |= ERR_ABORT`. */
function abortingWarning(ctx: LineContext, code: string, message: string): void {
  ctx.warning(code, message, 'parsing-tight');
  markAbort(ctx);
}

/** strtoul() that must consume the whole word (at least one digit). */
function wholeUlong(text: string): bigint | undefined {
  const r = cStrtoul(text);
  return r.digits && r.rest === '' ? r.value : undefined;
}

function parseLine(ctx: LineContext, s: CacheSection | undefined, words: string[]): void {
  const kw = words[0] ?? '';
  const arg = words[1] ?? '';
  const known = ['total-max-size', 'max-age', 'max-object-size', 'process-vary', 'max-secondary-entries'];
  // `else if (*args[0] != 0)`: an empty keyword (a lone `no`) is not reported
  if (kw === '') return;
  if (!known.includes(kw)) return ctx.alert('CFG_UNKNOWN_KEYWORD', `unknown keyword '${kw}' in 'cache' section`);
  if (tooManyArgs(ctx, words, 1)) return markAbort(ctx);
  switch (kw) {
    case 'total-max-size': {
      const v = wholeUlong(arg);
      if (v === undefined) return abortingWarning(ctx, 'CFG_CACHE_BAD_VALUE', `total-max-size wrong value '${arg}'`);
      if (v > BigInt(MAX_TOTAL_MB)) return abortingWarning(ctx, 'CFG_CACHE_BAD_VALUE', `"total-max-size" (${arg}) must not be greater than ${MAX_TOTAL_MB}`);
      if (s !== undefined) s.totalMaxSize = Number(v);
      return;
    }
    case 'max-age':
      if (arg === '') ctx.warning('CFG_CACHE_MISSING_VALUE', `'max-age' expects an age parameter in seconds.`, 'parsing-tight');
      if (s !== undefined) s.maxAge = cAtoi(arg);
      return;
    case 'max-object-size': {
      if (arg === '') ctx.warning('CFG_CACHE_MISSING_VALUE', `'max-object-size' expects a maximum file size parameter in bytes.`, 'parsing-tight');
      const v = wholeUlong(arg);
      if (v === undefined) return abortingWarning(ctx, 'CFG_CACHE_BAD_VALUE', `max-object-size wrong value '${arg}'`);
      // stored in an unsigned int
      if (s !== undefined) s.maxObjectSize = Number(BigInt.asUintN(32, v));
      return;
    }
    case 'process-vary':
      if (arg === '') ctx.warning('CFG_CACHE_MISSING_VALUE', `'process-vary' expects "on" or "off" (enable or disable vary processing).`, 'parsing-tight');
      if (arg === 'on' || arg === 'off') {
        if (s !== undefined) s.processVary = arg === 'on';
      } else {
        ctx.warning('CFG_CACHE_BAD_VALUE', `'process-vary' expects "on" or "off" (enable or disable vary processing).`, 'parsing-tight');
      }
      return;
    default: {
      if (arg === '') ctx.warning('CFG_CACHE_MISSING_VALUE', `'max-secondary-entries' expects a strictly positive number.`, 'parsing-tight');
      const v = wholeUlong(arg);
      const n = v === undefined ? 0n : BigInt.asUintN(32, v);
      if (n === 0n) return abortingWarning(ctx, 'CFG_CACHE_BAD_VALUE', `max-secondary-entries wrong value '${arg}'`);
      if (s !== undefined) s.maxSecondaryEntries = Number(n);
    }
  }
}

export const cacheSection: SectionParser<CacheState> = {
  keyword: 'cache',
  displayName: 'cache',
  open(ctx, words) {
    const full = words[1] ?? '';
    if (full === '') {
      abortAlert(ctx, 'CFG_CACHE_MISSING_NAME', `'cache' expects a <name> argument`);
      return { section: undefined };
    }
    if (tooManyArgs(ctx, words, 1)) {
      markAbort(ctx);
      return { section: undefined };
    }
    // the name is kept in a 33-byte buffer
    const name = full.slice(0, 32);
    if (full.length > 32) ctx.warning('CFG_CACHE_LONG_NAME', `cache name is limited to 32 characters, truncate to '${name}'.`, 'parsing-tight');
    if (ctx.model.caches.some((c) => c.name === name)) {
      abortAlert(ctx, 'CFG_CACHE_DUPLICATE', `Duplicate cache name '${name}'.`, 'parsing-tight');
      return { section: undefined };
    }
    const section: CacheSection = { name, place: ctx.place, directives: [], maxAge: 60 };
    ctx.model.caches.push(section);
    ctx.notEnforced(`'cache ${name}' (lands with the HTTP cache)`);
    return { section };
  },
  line(ctx, st, rawWords) {
    const { words } = applyModifier(ctx, rawWords);
    parseLine(ctx, st.section, words);
  },
  close(ctx, st) {
    const s = st.section;
    if (s === undefined) return;
    const blocks = (s.totalMaxSize ?? 0) * (1024 * 1024 / CACHE_BLOCKSIZE);
    // a cache that fails these checks is freed: its name can be used again
    const drop = (): void => {
      const i = ctx.model.caches.indexOf(s);
      if (i >= 0) ctx.model.caches.splice(i, 1);
    };
    if (blocks <= 0) {
      ctx.diag.push({ severity: 'alert', code: 'CFG_CACHE_NO_SIZE', message: `Size not specified for cache '${s.name}'` });
      return drop();
    }
    const half = (blocks * CACHE_BLOCKSIZE) / 2;
    if (s.maxObjectSize === undefined || s.maxObjectSize === 0) s.maxObjectSize = (blocks * CACHE_BLOCKSIZE) / 256;
    else if (s.maxObjectSize > half) {
      ctx.diag.push({ severity: 'alert', code: 'CFG_CACHE_OBJECT_SIZE', message: `"max-object-size" is limited to an half of "total-max-size" => ${half}` });
      drop();
    }
  },
};

registerSection(cacheSection);
