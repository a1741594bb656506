/**
 * `option mysql-check [user <name> [post-41|pre-41]]` (configuration.txt
 * §4.2), as haproxy 2.6 runs it (tcpcheck.c proxy_parse_mysql_check_opt(),
 * tcpcheck_mysql_expect_packet()):
 *
 * - without `user`: connect and read the server's initial handshake;
 * - with `user`: send a login packet (4.1 protocol by default, or pre-4.1)
 *   followed by COM_QUIT, read the handshake, then the login's answer.
 *
 * A packet starting with 0xff is an error: `Layer7 wrong status, code:
 * <error number>, info: "<the rest of the packet>"` (e.g. code 1045, info
 * "#28000Access denied for user"). A truncated packet is `Layer7 invalid
 * response`. Success is `Layer7 check passed, code: 0` and, as in haproxy
 * 2.6, counts twice toward `rise` (see CheckOutcome.repeat).
 */
import { customExpect, defaultConnect, onErrorMessage, sendBytes, type CheckRule, type ExpectContext, type ExpectRule, type ExpectVerdict, type Ruleset } from './rules.js';
import { linkExpectHeads } from './tcp-check.js';

/** The login packet + COM_QUIT haproxy sends (captured from haproxy 2.6). */
export function mysqlLogin(user: string, pre41: boolean): Buffer {
  const name = Buffer.from(`${user}\0`, 'latin1');
  const payload = pre41
    ? Buffer.concat([Buffer.from('0080000001', 'hex'), name, Buffer.from('00', 'hex')])
    : Buffer.concat([Buffer.from('0082000000800001' + '21', 'hex'), Buffer.alloc(23), name, Buffer.from('00', 'hex')]);
  const header = Buffer.alloc(4);
  header.writeUIntLE(payload.length, 0, 3);
  header[3] = 1; // sequence id
  return Buffer.concat([header, payload, Buffer.from('0100000001', 'hex')]);
}

/** tcpcheck_mysql_expect_packet(): one packet at `offset`. */
function expectPacket(rule: ExpectRule, ctx: ExpectContext, offset: number): ExpectVerdict {
  const bi = ctx.payload;
  const truncated = (): ExpectVerdict => (ctx.lastRead
    ? { verdict: 'stop', status: 'L7RSP', desc: onErrorMessage(rule, ctx, false) }
    : { verdict: 'wait' });
  if (bi.length < offset + 4) return truncated();
  const plen = bi.readUIntLE(offset, 3);
  if (bi.length < offset + plen + 4) return truncated();
  if (bi[offset + 4] === 0xff) {
    ctx.code = (bi[offset + 5] ?? 0) | ((bi[offset + 6] ?? 0) << 8);
    const info = bi.toString('latin1', offset + 7);
    return { verdict: 'stop', status: 'L7STS', desc: onErrorMessage(rule, ctx, false, info), code: ctx.code };
  }
  // The last packet sets the status itself before the end of the rules sets it again.
  return { verdict: 'continue', reported: ctx.isLast };
}

/** The mysql-check rule set for the option's words. */
export function mysqlRuleset(args: readonly string[]): Ruleset {
  const user = args[0] === 'user' ? args[1] : undefined;
  const rules: CheckRule[] = [defaultConnect(0)];
  let index = 1;
  if (user !== undefined) rules.push(sendBytes(index++, mysqlLogin(user, args[2] === 'pre-41')));
  rules.push(customExpect(index++, {}, (rule, ctx) => expectPacket(rule, ctx, 0)));
  if (user !== undefined) {
    rules.push(customExpect(index++, {}, (rule, ctx) => {
      const bi = ctx.payload;
      const hslen = 4 + ((bi[0] ?? 0) | ((bi[1] ?? 0) << 8) | ((bi[2] ?? 0) << 16));
      return expectPacket(rule, ctx, hslen);
    }));
  }
  linkExpectHeads(rules);
  return { kind: 'mysql', rules, vars: new Map() };
}
