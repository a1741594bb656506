/**
 * `set-log-level` (configuration.txt §4.2): the syslog severity of the
 * transaction's line, `silent` for no line (log.c strm_log()), compared
 * with haproxy 2.6 on a `format priority` target where the severity shows
 * (`<134>` = local0.info, `<131>` = local0.err). A level above a target's
 * `level` filter drops the line on that target only.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { differential, type DifferentialResult, type Exchange } from '../../helpers/differential.js';
import { haproxyAvailable } from '../../helpers/paths.js';

const skip = haproxyAvailable() ? false : 'haproxy 2.6 is not installed';

const CONFIG = `
global
  log stdout format priority local0
defaults
  mode http
  log global
  log stderr format priority local1 notice
  log-format "LOG %ST %{+Q}r"
  timeout connect 1s
  timeout client 2s
  timeout server 2s
frontend fe
  bind \${ADDR:fe}
  option log-separate-errors
  http-request set-log-level silent if { path /quiet }
  http-request set-log-level err if { path /err }
  http-request set-log-level debug if { path /debug }
  http-request set-log-level notice if { path /notice }
  http-request set-log-level emerg if { path /e1 }
  http-request set-log-level info if { path /e1 }
  http-request set-var(txn.resp) str(1) if { path /resp }
  # path is gone in http-response rules (haproxy 2.6 matches nothing): a variable carries it
  http-response set-log-level alert if { path /resp }
  http-response set-log-level alert if { var(txn.resp) -m found }
  http-request deny if { path /deny }
  http-request set-log-level warning if { path /fail }
  default_backend be
backend be
  http-request return status 503 if { path /fail }
  server s1 \${ORIGIN:web}
`;

const G = (path: string, conn = 'Connection: close\r\n'): string => `GET ${path} HTTP/1.1\r\nHost: x\r\n${conn}\r\n`;
const ex = (name: string, send: Exchange['send']): Exchange => ({ listener: 'fe', name, send });

const EXCHANGES: Exchange[] = [
  ex('no rule: info', G('/plain')),
  ex('silent', G('/quiet')),
  ex('err', G('/err')),
  ex('debug', G('/debug')),
  ex('notice', G('/notice')),
  ex('the last rule wins', G('/e1')),
  ex('http-response set-log-level', G('/resp')),
  ex('a denied request (error, log-separate-errors): err', G('/deny')),
  ex('an error with a level set: the set level', G('/fail')),
  ex('keep-alive: the level is per transaction', [G('/quiet', ''), G('/after')]),
];

/** Log lines with their priority, sorted (the output mixes stdout and stderr). */
const lines = (o: string): string[] => o.split('\n').filter((l) => /^<\d+>LOG /.test(l)).sort();

describe('set-log-level: haproxy 2.6 and Switchyard', { skip }, () => {
  let result: DifferentialResult | undefined;
  before(async () => {
    result = await differential({ config: CONFIG, origins: { web: { kind: 'http' } }, exchanges: EXCHANGES, settleMs: 150 });
  });
  it('the same lines at the same severities on each target', () => {
    assert.ok(result !== undefined);
    const ref = lines(result.reference.output);
    assert.ok(ref.length > 5, result.reference.output);
    assert.deepEqual(lines(result.against.output), ref);
  });
});
