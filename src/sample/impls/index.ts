/**
 * Registers every run-time implementation table (fetches and converters).
 * The parse-side declaration tables are imported first: some implementation
 * tables are built from them (the map_* family).
 */
import '../converters/index.js';
import '../fetches/index.js';
import './fetch-internal.js';
import './fetch-layer4.js';
import './fetch-layer6.js';
import './fetch-http-more.js';
import './conv-arith.js';
import './conv-string.js';
import './conv-language.js';
import './conv-encoding.js';
import './conv-hash.js';
import './conv-map.js';
import './conv-internal.js';
import './conv-protocol.js';
