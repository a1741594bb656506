/**
 * Every section parser and every module that registers keywords, imported
 * once for its side effect of registering. One line per module.
 */
import './global.js';
import './proxy.js';
import './peers.js';
import './resolvers.js';
import './mailers.js';
import './userlist.js';
import './cache.js';
import './program.js';
import './ring.js';
import './http-errors.js';

// Proxy keywords registered by the subsystems that implement them.
import '../../net/bind-keywords.js';
import '../../server/server-keywords.js';
import '../../tcp/rule-keywords.js';
import '../../http/rule-keywords.js';
import '../legacy.js';
