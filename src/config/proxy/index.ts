/**
 * The general proxy keywords, one module per theme, each registering its
 * keywords in the shared proxy keyword table when imported. The checks between
 * sections live in post-checks.ts.
 */
import './general.js';
import './timeouts.js';
import './options.js';
import './limits.js';
import './balancing.js';
import './logging.js';
import './persistence.js';
import './error-pages.js';
import './checks.js';
import './stats.js';
import './filters.js';
import './post-checks.js';
