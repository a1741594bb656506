/**
 * Every section parser and every module that registers keywords, imported
 * once for its side effect of registering. One line per module.
 */
import './global.js';
// Global keywords haproxy registers from its other modules (src/config/global/),
// in the order their suggestions are tried after the section's own keywords.
import '../global/ssl.js';
import '../global/lifecycle.js';
import '../global/http.js';
import '../global/lua.js';
import '../global/process.js';
import '../global/stats.js';
import '../global/tune.js';
import './proxy.js';
import './peers.js';
import './resolvers.js';
import './mailers.js';
import './userlist.js';
import './cache.js';
import './program.js';
import './ring.js';
import './http-errors.js';
import './log-forward.js';

// Proxy keywords registered by the subsystems that implement them.
import '../../net/bind-keywords.js';
import '../../server/server-keywords.js';
import '../../tcp/rule-keywords.js';
import '../../http/rule-keywords.js';
import '../legacy.js';
