/** Registers every converter table (our equivalent of HAProxy's INITCALL registration). */
import { registerConverters } from '../converter-registry.js';
import { ARITH_CONVERTERS } from './arith.js';
import { ENCODING_CONVERTERS } from './encoding.js';
import { EXTERNAL_CONVERTERS } from './external.js';
import { HASH_CONVERTERS } from './hash.js';
import { INTERNAL_CONVERTERS } from './internal.js';
import { MAP_CONVERTERS } from './map.js';
import { PROTOCOL_CONVERTERS } from './protocol.js';
import { STRING_CONVERTERS } from './string.js';
import { TABLE_CONVERTERS } from './table.js';

registerConverters(ARITH_CONVERTERS);
registerConverters(STRING_CONVERTERS);
registerConverters(ENCODING_CONVERTERS);
registerConverters(HASH_CONVERTERS);
registerConverters(PROTOCOL_CONVERTERS);
registerConverters(INTERNAL_CONVERTERS);
registerConverters(MAP_CONVERTERS);
registerConverters(TABLE_CONVERTERS);
registerConverters(EXTERNAL_CONVERTERS);
