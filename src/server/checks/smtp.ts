/**
 * `option smtpchk [HELO|EHLO <domain>]` (configuration.txt §4.2), as haproxy
 * 2.6 runs it (tcpcheck.c proxy_parse_smtpchk_opt()):
 *
 *   tcp-check connect default linger
 *   tcp-check expect rstring "^[0-9]{3}[ \r]" min-recv 4 error-status L7RSP
 *       on-error "%[res.payload(0,0),cut_crlf]"
 *   tcp-check expect rstring "^2[0-9]{2}[ \r]" min-recv 4 error-status L7STS
 *       on-error "%[res.payload(4,0),ltrim(' '),cut_crlf]" status-code "res.payload(0,3)"
 *   tcp-check send-lf "%[var(check.smtp_cmd)]\r\n"          (HELO localhost by default)
 *   tcp-check expect rstring "^2[0-9]{2}[- \r]" ... (same)
 *   tcp-check send "QUIT\r\n"
 *   tcp-check expect rstring "^2[0-9]{2}[- \r]" ... on-success "%[res.payload(4,0),ltrim(' '),cut_crlf]"
 *
 * Verified: a 220 banner, 250 to HELO and 221 bye to QUIT give
 * `Layer7 check passed, code: 221, info: "bye"`; a 554 banner gives
 * `Layer7 wrong status, code: 554, info: "no service"`; a non-SMTP banner
 * gives `Layer7 invalid response, info: "<its first line>"`.
 */
import { defaultConnect, sendBytes, tcpExpect, type CheckRule, type ExpectOptions, type Ruleset } from './rules.js';
import { compileCheckFormat, evalCheckFormat } from './check-format.js';
import { linkExpectHeads } from './tcp-check.js';

const REPLY_ERR = "%[res.payload(4,0),ltrim(' '),cut_crlf]";

/** The command sent after the banner: `HELO localhost` unless `EHLO|HELO <domain>` is given (case matters). */
export function smtpCommand(args: readonly string[]): string {
  const [verb = '', domain = ''] = args;
  if (domain !== '' && (verb === 'EHLO' || verb === 'HELO')) return `${verb} ${domain}`;
  return 'HELO localhost';
}

/** The smtpchk rule set for the option's arguments. */
export function smtpRuleset(args: readonly string[]): Ruleset {
  const reply = (extra: ExpectOptions = {}): ExpectOptions => ({
    minRecv: 4, errStatus: 'L7STS', onError: REPLY_ERR, statusCode: 'res.payload(0,3)', ...extra,
  });
  const cmd = compileCheckFormat('%[var(check.smtp_cmd)]\r\n');
  const rules: CheckRule[] = [
    defaultConnect(0),
    tcpExpect(1, 'rstring', '^[0-9]{3}[ \r]', false, { minRecv: 4, errStatus: 'L7RSP', onError: '%[res.payload(0,0),cut_crlf]' }),
    tcpExpect(2, 'rstring', '^2[0-9]{2}[ \r]', false, reply()),
    { action: 'send', index: 3, http: false, data: (ctx) => Buffer.from(evalCheckFormat(cmd, ctx), 'latin1') },
    tcpExpect(4, 'rstring', '^2[0-9]{2}[- \r]', false, reply()),
    sendBytes(5, Buffer.from('QUIT\r\n', 'latin1')),
    tcpExpect(6, 'rstring', '^2[0-9]{2}[- \r]', false, reply({ onSuccess: REPLY_ERR })),
  ];
  linkExpectHeads(rules);
  return { kind: 'smtp', rules, vars: new Map([['smtp_cmd', smtpCommand(args)]]) };
}
