/**
 * `balance source` lives with the other hash algorithms in hash-balance.ts
 * (shared map and ring lookups); this module keeps the names it used to
 * export for existing importers.
 */
export { SourceHash } from './hash-balance.js';
export { fullHash, sourceAddressHash as sourceHash } from './hash-functions.js';
