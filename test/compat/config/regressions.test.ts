/**
 * Regressions in proxy, bind, rule and auxiliary-section parsing found while
 * folding duplicated helpers (one strtol/atoi family, one stick-table parser,
 * one `no`/`default` handling, parse_time_err()'s warning everywhere), each
 * named after what broke, against the real haproxy -c. The global-section
 * ones are in global.test.ts and sections.test.ts; the offline twin is
 * test/unit/config/regressions.test.ts.
 */
import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import { describe, it } from 'node:test';
import { haproxyAvailable } from '../../helpers/paths.js';
import { lineComparer } from './line-compare.js';

const compare = lineComparer('regressions');
const me = hostname();
const timeouts = ['timeout connect 1s', 'timeout server 1s'];

const REGRESSIONS: Array<[string, readonly string[]]> = [
  ['proxy int keywords narrow (int)atol() like C, they kept the long', [
    'backend b', ...timeouts, 'balance random(4294967296)', 'hash-balance-factor 4294967297', 'errorfile 99999999999999999999 /dev/null',
    'errorfile 4294967699 /dev/null', 'id 99999999999999999999', 'capture cookie c len 99999999999999999999',
  ]],
  ['base-0 strtol()/strtoul() keywords keep their C reading', [
    'frontend f', 'timeout client 1s', 'bind 127.0.0.1:65000', 'rate-limit sessions 0x', 'rate-limit sessions 08', 'max-keep-alive-queue 0x1g', 'clitcpka-cnt 010',
  ]],
  ['log len reads atoi(), 4294967376 is 80', ['global', 'log 127.0.0.1 len 4294967376 local0', 'log 127.0.0.1 len 99999999999999 local0']],
  ['http rule status codes read atoi()', ['frontend f', 'timeout client 1s', 'bind 127.0.0.1:65000', 'http-request deny deny_status 4294967699', 'http-request set-status 99999999999999999999']],
  ['parse_time_err() warns in cookie, stats refresh, tcpka, timeouts, tcp-ut and rules', [
    'defaults', 'mode http', 'timeout client 10sx', 'frontend f', 'bind 127.0.0.1:65000 tcp-ut 10sx', 'clitcpka-idle 10sx', 'tcp-request inspect-delay 10sx', 'default_backend b',
    'backend b', ...timeouts, 'cookie c insert maxidle 10sx', 'stats refresh 10sx', 'http-request set-timeout server 10sx', 'http-request wait-for-body time 10sx',
  ]],
  ['tcpka time errors (the line feed they end with is checked offline)', ['frontend f', 'clitcpka-idle 1x', 'srvtcpka-intvl 2x']],
  ['stick-table store lists parse like parse_stick_table()', [
    'backend b1', 'stick-table type ip size 10 store gpc_rate(3,1x,5)', 'backend b2', 'stick-table type ip size 10 store gpc0_rate(10s)junk',
    'backend b3', 'stick-table type ip size 10 store gpt0 store gpt(2)', 'backend b4', 'stick-table type ip size 10 store server_key,server_name',
    'backend b5', 'stick-table type string len x size 10', 'backend b6', 'stick-table type ip size 10 store gpc(101)',
  ]],
  ['peers tables share the proxies\' stick-table parser', [
    'peers p1', `peer ${me} 127.0.0.1:10000`, 'table t1 type ip size 4g', 'table t2 type ip size 10 store gpc_rate(2,20s),gpc0_rate(10s)',
    'table t3 type ip size 10 store server_name', 'table t4 type ip size 10 store gpc(x)', 'table t5 type ip size 10 store gpc_rate(3,10sx)',
  ]],
  ['no/default shift the words the same way in every section', [
    'peers p', 'no', 'resolvers r', 'no', 'mailers m', 'no', 'cache c', 'no', 'http-errors h', 'no', 'global', 'no',
    'backend b', 'no busy-polling', 'no numa-cpu-mapping x', 'default mode http', 'log-forward l', 'no', 'no foo',
  ]],
  ['bind unix mode, user and group', ['frontend f', 'bind /tmp/sy-compat-r3.sock mode 0x1', 'bind /tmp/sy-compat-r4.sock mode -1 user nosuchuser', 'bind /tmp/sy-compat-r5.sock group nosuchgroup']],
];

describe('regressions: haproxy -c versus Switchyard', { skip: !haproxyAvailable() && 'haproxy not installed' }, () => {
  for (const [name, lines] of REGRESSIONS) {
    it(name, async () => {
      const r = await compare(lines);
      assert.deepEqual(r.ours.lines, r.haproxy.lines);
      assert.equal(r.ours.fail, r.haproxy.fail, 'verdict');
    });
  }
});
