/**
 * `option pgsql-check user <name>` (configuration.txt §4.2), as haproxy 2.6
 * runs it (tcpcheck.c proxy_parse_pgsql_check_opt()): a protocol 3.0
 * StartupMessage with the user name, then an authentication request is
 * expected.
 *
 *   tcp-check connect default linger
 *   tcp-check send-binary-lf <length> 00030000 "user\0" <name> 00 00
 *   tcp-check expect !rstring "^E" min-recv 5 error-status L7RSP on-error "%[res.payload(6,0)]"
 *   tcp-check expect rbinary "^52000000[A-Z0-9]{2}000000(00|02|03|04|05|06|07|09|0A)" min-recv 9
 *       error-status L7STS on-success "PostgreSQL server is ok" on-error "PostgreSQL unknown error"
 *
 * Verified: `R\0\0\0\x08\0\0\0\0` gives `Layer7 check passed, code: 0, info:
 * "PostgreSQL server is ok"`; an ErrorResponse gives `Layer7 invalid
 * response, info: "FATAL"` (its first field, up to the NUL byte).
 */
import { defaultConnect, sendBytes, tcpExpect, type Ruleset } from './rules.js';
import { linkExpectHeads } from './tcp-check.js';

/** The StartupMessage haproxy sends for `user <name>` (captured from haproxy 2.6). */
export function pgsqlStartup(user: string): Buffer {
  const body = Buffer.concat([Buffer.from('00030000', 'hex'), Buffer.from(`user\0${user}\0\0`, 'latin1')]);
  const len = Buffer.alloc(4);
  len.writeUInt32BE(body.length + 4);
  return Buffer.concat([len, body]);
}

/** The pgsql-check rule set; `args` are the option's words (`user <name>`). */
export function pgsqlRuleset(args: readonly string[]): Ruleset {
  const user = args[0] === 'user' ? (args[1] ?? '') : '';
  const rules = [
    defaultConnect(0),
    sendBytes(1, pgsqlStartup(user)),
    tcpExpect(2, 'rstring', '^E', true, { minRecv: 5, errStatus: 'L7RSP', onError: '%[res.payload(6,0)]' }),
    tcpExpect(3, 'rbinary', '^52000000[A-Z0-9]{2}000000(00|02|03|04|05|06|07|09|0A)', false, {
      minRecv: 9, errStatus: 'L7STS', onSuccess: 'PostgreSQL server is ok', onError: 'PostgreSQL unknown error',
    }),
  ];
  linkExpectHeads(rules);
  return { kind: 'pgsql', rules, vars: new Map() };
}
