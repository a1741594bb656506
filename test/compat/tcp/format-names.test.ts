/**
 * Differential: a dynamic `use_backend` name whose sample is missing. Outside
 * log lines haproxy prints nothing for it (lf_text_len() without
 * LOG_OPT_MANDATORY), so `b_%[var(txn.x)]` with x unset names `b_`, and
 * `set-var-fmt` stores nothing for it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { differential } from '../../helpers/differential.js';
import { haproxyAvailable } from '../../helpers/paths.js';

const CONFIG = `
defaults
  mode tcp
  timeout connect 1s
  timeout client 2s
  timeout server 2s
frontend fe
  bind \${ADDR:fe}
  use_backend b_%[var(txn.x)]
  default_backend dflt
frontend fv
  bind \${ADDR:fv}
  tcp-request content set-var-fmt(sess.y) "v%[var(txn.nope)]w"
  use_backend %[var(sess.y)]
  default_backend dflt
backend b_
  server s \${ORIGIN:b}
backend b_-
  server s \${ORIGIN:dash}
backend vw
  server s \${ORIGIN:v}
backend dflt
  server s \${ORIGIN:dflt}
`;

test('missing samples print nothing in use_backend names and set-var-fmt', { skip: !haproxyAvailable() }, async () => {
  const result = await differential({
    config: CONFIG,
    origins: {
      b: { kind: 'tcp', echo: false, banner: 'b_' },
      dash: { kind: 'tcp', echo: false, banner: 'b_-' },
      v: { kind: 'tcp', echo: false, banner: 'vw' },
      dflt: { kind: 'tcp', echo: false, banner: 'dflt' },
    },
    exchanges: [
      { listener: 'fe', send: 'x', idleMs: 100 },
      { listener: 'fv', send: 'x', idleMs: 100 },
    ],
  });
  const got = (side: typeof result.against): string[] => side.exchanges.map((e) => e.response.toString('latin1'));
  assert.deepStrictEqual(got(result.reference), ['b_', 'vw'], 'haproxy');
  assert.deepStrictEqual(got(result.against), got(result.reference));
});
