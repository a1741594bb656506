/**
 * `option redis-check` (configuration.txt §4.2): send PING, expect +PONG,
 * as haproxy 2.6 does (tcpcheck.c proxy_parse_redis_check_opt()):
 *
 *   tcp-check send "*1\r\n$4\r\nPING\r\n"
 *   tcp-check expect string "+PONG\r\n" error-status L7STS
 *       on-error "%[res.payload(0,0),cut_crlf]" on-success "Redis server is ok"
 *
 * Results: `Layer7 check passed, code: 0, info: "Redis server is ok"`,
 * `Layer7 wrong status, code: 0, info: "-ERR unknown"` (the server's line).
 */
import { sendBytes, tcpExpect, type Ruleset } from './rules.js';
import { linkExpectHeads, withImplicitConnect } from './tcp-check.js';

/** The bytes sent (captured from haproxy 2.6). */
export const REDIS_PING = Buffer.from('*1\r\n$4\r\nPING\r\n', 'latin1');

/** The redis-check rule set. */
export function redisRuleset(): Ruleset {
  const rules = withImplicitConnect([
    sendBytes(0, REDIS_PING),
    tcpExpect(1, 'string', '+PONG\r\n', false, {
      errStatus: 'L7STS',
      onError: '%[res.payload(0,0),cut_crlf]',
      onSuccess: 'Redis server is ok',
    }),
  ]);
  linkExpectHeads(rules);
  return { kind: 'redis', rules, vars: new Map() };
}
