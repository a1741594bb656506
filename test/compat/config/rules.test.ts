/**
 * Differential: `haproxy -c` and Switchyard's loader on the same small rule
 * configurations. Compared: the verdict (any alert or not), and every alert
 * line's place and message (haproxy's "[ALERT] (pid) : config : " tag
 * removed). Skipped when haproxy is not installed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkConfig } from '../../helpers/processes.js';
import { haproxyAvailable } from '../../helpers/paths.js';
import { loadConfigText } from '../../helpers/load-config.js';

const HEAD = [
  'defaults',
  '  mode http',
  '  timeout client 1s',
  '  timeout server 1s',
  '  timeout connect 1s',
  'backend bk',
  '  server s 127.0.0.1:80',
  'listen fe',
  '  bind 127.0.0.1:65000',
  '  acl ok always_true',
].join('\n');

/** One rule line per case, placed at line 11 of a listen section. */
const CASES: string[] = [
  // valid
  'http-request deny if ok',
  'http-request set-header X-A %[src] unless ok',
  'http-request return status 200 content-type text/plain string ok if ok',
  'http-request redirect scheme https code 301 if !ok',
  'http-request set-var(txn.a,ifnotset) str(x)',
  'http-request sc-inc-gpc0(1) if ok',
  'http-response set-status 503 reason "Busy now"',
  'http-after-response set-header X-B c',
  'redirect prefix /x drop-query if ok',
  'tcp-request content accept if ok',
  'tcp-request connection expect-proxy layer4',
  'tcp-request inspect-delay 2s',
  // invalid
  'http-request foo',
  'http-request denyy',
  'http-response set-heade x y',
  'http-request set-status 200',
  'http-request add-header x',
  'http-request deny if nope',
  'http-request deny xx',
  'http-request deny deny_status 999',
  'http-request return status 204 content-type text/plain string hi',
  'http-request redirect location /x code 999',
  'http-request redirect location /x if nope',
  'http-request set-var(x) str(a)',
  'http-request replace-header x ( z',
  'http-request wait-for-body time x',
  'http-response set-status 99',
  'http-request normalize-uri path-merge-slashes',
  'redirect scheme',
  'redirect location / if nope',
  'tcp-request foo',
  'tcp-request content acept',
  'tcp-request connection accept x',
  'tcp-request connection accept if nope',
  'tcp-request session expect-proxy layer4',
  'tcp-request content switch-mode tcp',
  'tcp-request inspect-delay 5x',
  'tcp-response content foo',
];

interface Outcome {
  valid: boolean;
  alerts: string[];
}

/** Switchyard's verdict through the real loader (loadConfiguration(), post-parse checks included). */
function ours(text: string): Outcome {
  const r = loadConfigText(text, { exactText: true });
  // haproxy ends some tcp messages with a newline (an empty line on stderr), which the parser drops.
  return { valid: r.alerts.length === 0, alerts: r.alerts.map((a) => a.replace('t.cfg', 'F').trimEnd()) };
}

async function theirs(text: string): Promise<Outcome> {
  const r = await checkConfig('haproxy', text);
  const file = r.files[0] ?? '';
  const alerts = r.alerts
    .map((d) => d.message.replace(file, 'F'))
    .filter((m) => !m.startsWith('Error(s) found') && !m.startsWith('Fatal errors found'));
  return { valid: r.code === 0 || (r.code === 2 && alerts.length === 0), alerts };
}

test('rule lines: same verdict and alerts as haproxy -c', { skip: !haproxyAvailable() }, async () => {
  const failures: string[] = [];
  for (const line of CASES) {
    const text = `${HEAD}\n  ${line}\n`;
    const [a, b] = [ours(text), await theirs(text)];
    try {
      assert.deepEqual(a, b);
    } catch {
      failures.push(`${line}\n  ours:    ${JSON.stringify(a)}\n  haproxy: ${JSON.stringify(b)}`);
    }
  }
  assert.deepEqual(failures, []);
});
