/**
 * Registers every fetch table (HAProxy registers them per source file with
 * INITCALL; importing this module is our equivalent). Adding a table is one
 * import and one line here.
 */
import { registerFetches } from '../fetch-registry.js';
import { HTTP_FETCHES } from './http.js';
import { INTERNAL_FETCHES } from './internal.js';
import { LAYER4_FETCHES } from './layer4.js';
import { LAYER5_FETCHES } from './layer5.js';
import { LAYER6_FETCHES } from './layer6.js';
import { SSL_FETCHES } from './ssl.js';
import { STICK_COUNTER_FETCHES } from './stick-counters.js';

registerFetches(INTERNAL_FETCHES);
registerFetches(LAYER4_FETCHES);
registerFetches(STICK_COUNTER_FETCHES);
registerFetches(LAYER5_FETCHES);
registerFetches(SSL_FETCHES);
registerFetches(LAYER6_FETCHES);
registerFetches(HTTP_FETCHES);

/** Names of the fetches a Lua script would register ("lua.<name>"): never present here. */
export const LUA_FETCH_PREFIX = 'lua.';
