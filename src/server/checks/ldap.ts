/**
 * `option ldap-check` (configuration.txt §4.2), as haproxy 2.6 runs it
 * (tcpcheck.c proxy_parse_ldap_check_opt(), tcpcheck_ldap_expect_bindrsp()):
 * an anonymous LDAPv3 BindRequest, then a BindResponse with resultCode 0 is
 * expected.
 *
 *   tcp-check send-binary "300C020101600702010304008000"
 *   tcp-check expect rbinary "^30" min-recv 14 on-error "Not LDAPv3 protocol"
 *   tcp-check expect custom (the BindResponse)
 *
 * Verified: success is `Layer7 check passed, code: 0` (counted twice toward
 * `rise`, as haproxy 2.6 does); resultCode 49 is `Layer7 wrong status, code:
 * 49, info: "See RFC: http://tools.ietf.org/html/rfc4511#section-4.1.9"`; other
 * bytes are `Layer7 invalid response, info: "Not LDAPv3 protocol"`.
 */
import { customExpect, onErrorMessage, sendBytes, tcpExpect, type ExpectContext, type ExpectRule, type ExpectVerdict, type Ruleset } from './rules.js';
import { linkExpectHeads, withImplicitConnect } from './tcp-check.js';

/** The BindRequest haproxy sends (captured from haproxy 2.6). */
export const LDAP_BIND_REQUEST = Buffer.from('300c020101600702010304008000', 'hex');

const NOT_LDAP = 'Not LDAPv3 protocol';

function bindResponse(rule: ExpectRule, ctx: ExpectContext): ExpectVerdict {
  const bi = ctx.payload;
  const error = (status: 'L7RSP' | 'L7STS', info: string): ExpectVerdict =>
    ({ verdict: 'stop', status, desc: onErrorMessage(rule, ctx, false, info), code: ctx.code });
  const tooShort = (): ExpectVerdict => (ctx.lastRead ? error('L7RSP', '') : { verdict: 'wait' });
  let p = 1;
  let nbytes = 0;
  let msglen: number;
  const first = bi[p] ?? 0;
  if (first & 0x80) {
    // Only 2- and 4-byte lengths are handled (Active Directory uses 4).
    nbytes = first & 0x7f;
    if (bi.length < 1 + nbytes) return tooShort();
    if (nbytes === 4) msglen = bi.readUInt32BE(p + 1);
    else if (nbytes === 2) msglen = bi.readUInt16BE(p + 1);
    else return error('L7RSP', NOT_LDAP);
  } else {
    msglen = first;
  }
  p += 1 + nbytes;
  if (bi.length < 2 + nbytes + msglen) return tooShort();
  // RFC 4511 §4.2.2: messageID INTEGER 1, then protocolOp bindResponse (0x61).
  if (bi.compare(Buffer.from([0x02, 0x01, 0x01, 0x61]), 0, 4, p, p + 4) !== 0) return error('L7RSP', NOT_LDAP);
  p += 4;
  const sz = bi[p] ?? 0;
  p += 1 + (sz & 0x80 ? sz & 0x7f : 0);
  // RFC 4511 §4.1.9: resultCode ENUMERATED.
  if (bi[p] !== 0x0a || bi[p + 1] !== 0x01) return error('L7RSP', NOT_LDAP);
  p += 2;
  ctx.code = bi[p] ?? 0;
  if (ctx.code !== 0) return error('L7STS', 'See RFC: http://tools.ietf.org/html/rfc4511#section-4.1.9');
  return { verdict: 'continue', reported: true };
}

/** The ldap-check rule set. */
export function ldapRuleset(): Ruleset {
  const rules = withImplicitConnect([
    sendBytes(0, LDAP_BIND_REQUEST),
    tcpExpect(1, 'rbinary', '^30', false, { minRecv: 14, onError: NOT_LDAP }),
    customExpect(2, {}, bindResponse),
  ]);
  linkExpectHeads(rules);
  return { kind: 'ldap', rules, vars: new Map() };
}
