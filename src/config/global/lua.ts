/**
 * The Lua global keywords hlua.c registers: lua-load, lua-load-per-thread,
 * lua-prepend-path and tune.lua.*.
 */
import { readFileSync, statSync } from 'node:fs';
import type { Keyword } from '../keyword-table.js';
import { cStrtol, parseHaTime } from './c-numbers.js';
import { globalKeywords, keep, tooMany, type GlobalState } from './table.js';

const LUA = 'lands with Lua';

/** hlua_read_timeout(). */
function luaTimeoutKw(name: string): Keyword<GlobalState> {
  return {
    name,
    enforced: LUA,
    parse(ctx, st, words) {
      const arg = words[1] ?? '';
      const r = parseHaTime(arg, 'ms', ctx);
      if (r.ok) return void st.global.tune.set(name, r.value);
      if ('over' in r) {
        return ctx.alert('CFG_GLOBAL_BAD_TIME', `timer overflow in argument <${arg}> to <${name}> (maximum value is 2147483647 ms or ~24.8 days)`);
      }
      if ('under' in r) return ctx.alert('CFG_GLOBAL_BAD_TIME', `timer underflow in argument <${arg}> to <${name}> (minimum non-null value is 1 ms)`);
      ctx.alert('CFG_GLOBAL_BAD_TIME', `${name}: invalid timeout`);
    },
  };
}

/** Lua's own wording for a file it cannot load (luaL_loadfilex). */
function luaFileError(file: string): string | undefined {
  try {
    if (statSync(file).isDirectory()) return `cannot read ${file}: Is a directory`;
    readFileSync(file);
    return undefined;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'EACCES' ? 'Permission denied' : code === 'ENOTDIR' ? 'Not a directory' : 'No such file or directory';
    return `cannot open ${file}: ${why}`;
  }
}

globalKeywords.register(
  // hlua.c
  ...(['lua-load', 'lua-load-per-thread'] as const).map(
    (name): Keyword<GlobalState> => ({
      name,
      enforced: LUA,
      parse(ctx, st, words) {
        const file = words[1] ?? '';
        if (file === '') {
          return ctx.alert('CFG_GLOBAL_MISSING_ARG', name === 'lua-load' ? `'lua-load' expects a file name as parameter.` : `'lua-load-per-thread' expects a file as parameter.`);
        }
        const err = luaFileError(file);
        if (err !== undefined) return ctx.alert('CFG_GLOBAL_LUA_FILE', `error in Lua file '${file}': ${err}`);
        st.global.luaLoads.push({ file, perThread: name === 'lua-load-per-thread', place: ctx.place });
      },
    }),
  ),
  {
    name: 'lua-prepend-path',
    enforced: LUA,
    parse(ctx, st, words) {
      if (tooMany(ctx, words, 2)) return;
      if ((words[1] ?? '') === '') return ctx.alert('CFG_GLOBAL_MISSING_ARG', `'lua-prepend-path' expects to receive a <path> as argument`);
      const type = words[2] ?? '';
      if (type !== '' && type !== 'path' && type !== 'cpath') return ctx.alert('CFG_GLOBAL_BAD_VALUE', `'lua-prepend-path' expects <type> to either be 'path' or 'cpath'`);
      keep(ctx, st, words);
    },
  },
  {
    name: 'tune.lua.forced-yield',
    enforced: LUA,
    parse(ctx, st, words) {
      const r = cStrtol(words[1] ?? '');
      if (r.rest !== '' && (r.digits || (words[1] ?? '') !== '')) return ctx.alert('CFG_GLOBAL_BAD_VALUE', 'tune.lua.forced-yield: invalid number');
      st.global.tune.set('tune.lua.forced-yield', Number(r.value));
    },
  },
  {
    name: 'tune.lua.maxmem',
    enforced: LUA,
    parse(ctx, st, words) {
      const arg = words[1] ?? '';
      if (arg === '') return ctx.alert('CFG_GLOBAL_EXPECTS_INT', `'tune.lua.maxmem' expects an integer argument (Lua memory size in MB).`);
      const r = cStrtol(arg);
      if (r.rest !== '') return ctx.alert('CFG_GLOBAL_BAD_VALUE', `tune.lua.maxmem: invalid number ${arg} (error at '${r.rest[0]!}')`);
      st.global.tune.set('tune.lua.maxmem', Number(r.value));
    },
  },
  luaTimeoutKw('tune.lua.service-timeout'),
  luaTimeoutKw('tune.lua.session-timeout'),
  luaTimeoutKw('tune.lua.task-timeout'),
);
