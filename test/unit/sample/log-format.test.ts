import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseLogFormat } from '../../../src/sample/log-format.js';
import type { ParseCtx } from '../../../src/sample/types.js';

const ctx: ParseCtx = { place: { file: 'f', line: 1 }, usage: 'log-format', proxyMode: 'http', proxyCap: { frontend: true, backend: true } };

test('text, variables, flags, expressions and separators', () => {
  const r = parseLogFormat('%{+Q}o %ci:%cp %%[%[src,lower]] %{-Q}r', ctx);
  assert.ok(r.ok);
  const kinds = r.format.nodes.map((n) => (n.kind === 'var' ? `var:${n.name}:${n.options.quote ? 'Q' : ''}` : n.kind === 'text' ? `text:${n.text}` : n.kind === 'expr' ? `expr:${n.expr.text}:${n.options.quote ? 'Q' : ''}` : 'sep'));
  assert.deepEqual(kinds, ['sep', 'var:ci:Q', 'text::', 'var:cp:Q', 'sep', 'text:%[', 'expr:src,lower:Q', 'text:]', 'sep', 'var:r:']);
});

test("haproxy's messages", () => {
  const msg = (f: string, c: ParseCtx = ctx): string => {
    const r = parseLogFormat(f, c);
    assert.ok(!r.ok, f);
    return r.message;
  };
  assert.equal(msg('%zz'), "no such format variable 'zz'. If you wanted to emit the '%' character verbatim, you need to use '%%'");
  assert.equal(msg('%r', { ...ctx, proxyMode: 'tcp' }), "format variable 'r' is reserved for HTTP mode");
  assert.equal(msg('%1'), "unexpected variable name near '1' at position 1 line : '%1'. Maybe you want to write a single '%', use the syntax '%%'");
  assert.equal(msg('x%'), "truncated line after '%'");
  assert.equal(msg('%{+Q'), "truncated line after '+Q'");
  assert.equal(msg('%{+Q}'), "parse argument modifier without variable name near '%{+Q}'");
  assert.equal(msg('%[src'), "missing ']' after 'src'");
  assert.equal(msg('%[src)x]'), "expected ']' after 'src', but found ')'");
  assert.equal(msg('%[bogus]abc'), "failed to parse sample expression <bogus]abc> : unknown fetch method 'bogus'");
  assert.equal(msg('%[res.hdr(x)]'), "sample fetch <res.hdr(x)]> may not be reliably used here because it needs 'HTTP response headers' which is not available here");
});

test('layer-6 fetches in HTTP actions give a warning', () => {
  const r = parseLogFormat('%[req.len]', { ...ctx, usage: 'http-request' });
  assert.ok(r.ok);
  assert.deepEqual(r.warnings, ['L6 sample fetch <req.len]> ignored in HTTP log-format string.']);
});
