/**
 * Properties of the HTTP/1 parser (fast-check):
 *  - feeding a message in pieces, at any split points, with the unconsumed
 *    bytes re-presented in new Buffers, gives the same events (and the same
 *    error) as feeding it whole; for valid messages, for mutated ones, for
 *    responses;
 *  - it never throws, whatever the bytes;
 *  - on messages built from a grammar with at most one known fault, its
 *    verdict and framing equal a small reference model of haproxy's verdicts
 *    (the model is written from the observations in h1-verdicts.test.ts, not
 *    from the parser).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as fc from 'fast-check';
import { BODY_CHUNKED, BODY_LENGTH, BODY_NONE } from '../../src/http/h1-head.js';
import { H1Parser, type H1ParserOptions } from '../../src/http/h1-parser.js';
import { writeHead } from '../../src/http/h1-writer.js';

interface Outcome {
  events: string[];
  error: string | null;
}

/** Runs the parser over `bytes` cut at `cuts`; data events are merged so that chunking does not matter. */
function outcome(opts: H1ParserOptions, bytes: Buffer, cuts: number[] = []): Outcome {
  const events: string[] = [];
  const push = (e: string): void => {
    const last = events[events.length - 1];
    if (e.startsWith('data:') && last !== undefined && last.startsWith('data:')) events[events.length - 1] = last + e.slice(5);
    else events.push(e);
  };
  const p = new H1Parser(opts, {
    onHead: (h) => push(`head:${h.bodyKind}:${h.contentLength}:${writeHead(h).toString('latin1')}`),
    onData: (b, s, e) => push(`data:${b.toString('latin1', s, e)}`),
    onTrailers: (t) => push(`trailers:${t.toCanonical().headers.join('|')}`),
    onEnd: () => push('end'),
  });
  let pending = Buffer.alloc(0);
  let at = 0;
  const points = [...new Set(cuts)].filter((c) => c > 0 && c < bytes.length).sort((a, b) => a - b);
  for (const cut of [...points, bytes.length]) {
    const pad = Buffer.alloc(cut % 5, 0x7a);
    const buf = Buffer.concat([pad, pending, bytes.subarray(at, cut)]);
    at = cut;
    const n = p.feed(buf, pad.length, buf.length);
    if (n < 0) return { events, error: p.error?.code ?? 'unknown' };
    assert.ok(n <= buf.length - pad.length, 'consumed more than given');
    pending = Buffer.from(buf.subarray(pad.length + n));
  }
  return { events, error: null };
}

// ---- generators ------------------------------------------------------------

const tchar = fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.!~*'.split(''));
const token = fc.array(tchar, { minLength: 1, maxLength: 10 }).map((a) => a.join(''));
const vchar = fc.constantFrom(...'abcXYZ019 ,;=/"()\t:@'.split(''));
const value = fc.array(vchar, { maxLength: 20 }).map((a) => a.join('').trim());
const pathChar = fc.constantFrom(...'abc/019-_.~%?=&;:@!$'.split(''));
const target = fc.array(pathChar, { maxLength: 16 }).map((a) => `/${a.join('')}`);
const field = fc.tuple(token, value).filter(([n]) => !/^(content-length|transfer-encoding|connection|upgrade|host|sec-websocket-key|expect)$/i.test(n));
const chunks = fc.array(fc.string({ minLength: 1, maxLength: 12 }).map((s) => Buffer.from(s, 'utf8').toString('latin1')), { maxLength: 4 });

interface MsgSpec {
  method: string;
  target: string;
  version: string;
  fields: Array<[string, string]>;
  body: { kind: 'none' } | { kind: 'length'; data: string } | { kind: 'chunked'; chunks: string[]; ext: boolean; trailers: Array<[string, string]> };
}

const msgSpec: fc.Arbitrary<MsgSpec> = fc.record({
  method: fc.constantFrom('GET', 'POST', 'PUT', 'OPTIONS', 'PATCH'),
  target,
  version: fc.constantFrom('HTTP/1.1', 'HTTP/1.0'),
  fields: fc.array(field, { maxLength: 6 }),
  body: fc.oneof(
    fc.constant({ kind: 'none' as const }),
    fc.string({ maxLength: 20 }).map((d) => ({ kind: 'length' as const, data: d })),
    fc.record({ kind: fc.constant('chunked' as const), chunks, ext: fc.boolean(), trailers: fc.array(field, { maxLength: 2 }) }),
  ),
});

function render(m: MsgSpec, eol = '\r\n'): string {
  let s = `${m.method} ${m.target} ${m.version}${eol}Host: example.com${eol}`;
  for (const [n, v] of m.fields) s += `${n}: ${v}${eol}`;
  const b = m.body;
  // haproxy refuses bodies on HTTP/1.0 GET; keep the generated valid messages valid
  const noBody = m.version === 'HTTP/1.0' && m.method === 'GET';
  if (b.kind === 'length' && !noBody) s += `Content-Length: ${Buffer.byteLength(b.data, 'latin1')}${eol}${eol}${b.data}`;
  else if (b.kind === 'chunked' && !noBody) {
    s += `Transfer-Encoding: chunked${eol}${eol}`;
    for (const c of b.chunks) s += `${c.length.toString(16)}${b.ext ? ';x=y' : ''}${eol}${c}${eol}`;
    s += `0${eol}`;
    for (const [n, v] of b.trailers) s += `${n}: ${v}${eol}`;
    s += eol;
  } else s += eol;
  return s;
}

const messages = fc.array(msgSpec, { minLength: 1, maxLength: 3 }).map((ms) => ms.map((m) => render(m)).join(''));
const cutsFor = (len: number): fc.Arbitrary<number[]> => fc.array(fc.integer({ min: 0, max: len }), { maxLength: 8 });

/** Bytes that exercise the parser's branches, for mutations. */
const nasty = fc.constantFrom('\r', '\n', '\r\n', ' ', '\t', ':', '\0', '\x7f', '\xe9', '#', ',', ';', '0', 'f', 'chunked', 'Content-Length: 1\r\n', 'Transfer-Encoding: chunked\r\n', '\r\n\r\n');

interface Mutation {
  at: number;
  del: number;
  insert: string;
}
const mutations = fc.array(fc.record({ at: fc.nat(), del: fc.integer({ min: 0, max: 3 }), insert: fc.oneof(nasty, fc.string({ maxLength: 3 })) }), { minLength: 1, maxLength: 4 });

function mutate(s: string, ms: Mutation[]): string {
  for (const m of ms) {
    const at = s.length === 0 ? 0 : m.at % (s.length + 1);
    s = s.slice(0, at) + m.insert + s.slice(at + m.del);
  }
  return s;
}

const latin1 = (s: string): Buffer => Buffer.from(s, 'latin1');

describe('h1 parser: incremental feeding', () => {
  test('valid pipelined requests: any split points give the same events as whole', () => {
    fc.assert(
      fc.property(messages.chain((m) => fc.tuple(fc.constant(m), cutsFor(m.length))), ([m, cuts]) => {
        const whole = outcome({ kind: 'request' }, latin1(m));
        assert.equal(whole.error, null, `valid message refused: ${JSON.stringify(m)}`);
        assert.deepEqual(outcome({ kind: 'request' }, latin1(m), cuts), whole);
      }),
      { numRuns: 300 },
    );
  });

  test('every split point of one message', () => {
    fc.assert(
      fc.property(msgSpec, (spec) => {
        const m = latin1(render(spec));
        const whole = outcome({ kind: 'request' }, m);
        for (let i = 1; i < m.length; i++) assert.deepEqual(outcome({ kind: 'request' }, m, [i]), whole, `split at ${i}`);
      }),
      { numRuns: 40 },
    );
  });

  test('mutated requests and responses: never throw, same outcome whole or split', () => {
    const responses = fc.constantFrom(
      'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok',
      'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2;a\r\nok\r\n0\r\nX: y\r\n\r\n',
      'HTTP/1.0 200 OK\r\nX-A: a\r\n b\r\n\r\nrest',
    );
    fc.assert(
      fc.property(
        fc.oneof(messages.map((m) => ['request', m] as const), responses.map((r) => ['response', r] as const)),
        mutations,
        fc.array(fc.nat(), { maxLength: 6 }),
        fc.boolean(),
        ([kind, m], ms, rawCuts, acceptInvalid) => {
          const bytes = latin1(mutate(m, ms));
          const opts: H1ParserOptions = { kind, acceptInvalid, maxhdr: 8, bufsize: 2048, maxrewrite: 256 };
          const whole = outcome(opts, bytes);
          const split = outcome(opts, bytes, rawCuts.map((c) => c % (bytes.length + 1)));
          assert.deepEqual(split, whole);
        },
      ),
      { numRuns: 1500 },
    );
  });

  test('random bytes never throw', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.constantFrom('request', 'response') as fc.Arbitrary<'request' | 'response'>, (arr, kind) => {
        const b = Buffer.from(arr);
        outcome({ kind }, b);
        outcome({ kind, acceptInvalid: true }, b, [1, 7, 30]);
      }),
      { numRuns: 1000 },
    );
  });
});

// ---- reference verdicts --------------------------------------------------------

type Fault =
  | 'none'
  | 'cl-dup-same'
  | 'cl-dup-diff'
  | 'cl-and-te'
  | 'te-gzip-chunked'
  | 'te-chunked-gzip'
  | 'space-before-colon'
  | 'bare-cr-value'
  | 'obs-fold'
  | 'bare-lf'
  | 'nul-value'
  | 'bad-version'
  | 'http10-get-body'
  | 'hash-in-target'
  | 'bad-chunk-size'
  | 'too-many-fields'
  | 'two-hosts'
  | 'bad-method';

interface Expected {
  verdict: 'accept' | number;
  bodyKind?: number;
  body?: string;
}

/**
 * The reference: haproxy 2.6's verdict for a message with one fault,
 * written from the compat observations (docs/errors.md).
 */
function reference(fault: Fault, acceptInvalid: boolean, bodyKind: number, body: string): Expected {
  const ok: Expected = { verdict: 'accept', bodyKind, body };
  switch (fault) {
    case 'cl-dup-diff':
    case 'te-chunked-gzip':
    case 'bare-cr-value':
    case 'bad-chunk-size':
    case 'too-many-fields':
    case 'two-hosts':
    case 'bad-method':
      return { verdict: 400 };
    case 'te-gzip-chunked':
      return { verdict: 422 };
    case 'http10-get-body':
      return { verdict: 413 };
    case 'space-before-colon':
    case 'bad-version':
    case 'hash-in-target':
      return acceptInvalid ? ok : { verdict: 400 };
    case 'cl-and-te':
      return { verdict: 'accept', bodyKind: BODY_CHUNKED, body };
    default:
      return ok;
  }
}

const faults = fc.constantFrom<Fault>('none', 'cl-dup-same', 'cl-dup-diff', 'cl-and-te', 'te-gzip-chunked', 'te-chunked-gzip', 'space-before-colon', 'bare-cr-value', 'obs-fold', 'bare-lf', 'nul-value', 'bad-version', 'http10-get-body', 'hash-in-target', 'bad-chunk-size', 'too-many-fields', 'two-hosts', 'bad-method');

/** Builds a request carrying `fault`, with its natural framing. */
function faulty(fault: Fault, path: string, fieldsIn: Array<[string, string]>, data: string, chunked: boolean): { text: string; bodyKind: number; body: string } {
  const eol = fault === 'bare-lf' ? '\n' : '\r\n';
  let method = 'POST';
  let version = 'HTTP/1.1';
  let tgt = path;
  if (fault === 'bad-version') version = 'HTTP/1.10';
  if (fault === 'http10-get-body') {
    method = 'GET';
    version = 'HTTP/1.0';
  }
  if (fault === 'bad-method') method = 'PO(ST';
  if (fault === 'hash-in-target') tgt = `${path}#frag`;
  const fieldsOut: string[] = ['Host: example.com'];
  for (const [n, v] of fieldsIn) fieldsOut.push(`${n}: ${v}`);
  if (fault === 'space-before-colon') fieldsOut.push('X-Spaced : 1');
  if (fault === 'bare-cr-value') fieldsOut.push('X-Cr: a\rb');
  if (fault === 'obs-fold') fieldsOut.push(`X-Fold: a${eol} b`);
  if (fault === 'nul-value') fieldsOut.push('X-Nul: a\0b');
  if (fault === 'two-hosts') fieldsOut.push('Host: other.example');
  if (fault === 'too-many-fields') for (let i = 0; i < 101; i++) fieldsOut.push(`X-Many-${i}: v`);
  const needsLength = fault === 'cl-dup-same' || fault === 'cl-dup-diff' || fault === 'http10-get-body';
  const useChunked = (chunked && !needsLength) || fault === 'cl-and-te' || fault === 'te-gzip-chunked' || fault === 'te-chunked-gzip' || fault === 'bad-chunk-size';
  let bodyText: string;
  let bodyKind: number;
  if (useChunked) {
    const te = fault === 'te-gzip-chunked' ? 'gzip, chunked' : fault === 'te-chunked-gzip' ? 'chunked, gzip' : 'chunked';
    fieldsOut.push(`Transfer-Encoding: ${te}`);
    if (fault === 'cl-and-te') fieldsOut.push(`Content-Length: ${data.length + 7}`);
    bodyText = data.length > 0 ? `${fault === 'bad-chunk-size' ? 'g' : ''}${data.length.toString(16)}${eol}${data}${eol}0${eol}${eol}` : `${fault === 'bad-chunk-size' ? 'x' : ''}0${eol}${eol}`;
    bodyKind = BODY_CHUNKED;
  } else {
    const len = fault === 'http10-get-body' ? Math.max(1, data.length) : data.length;
    const d = fault === 'http10-get-body' ? data.padEnd(len, 'x') : data;
    fieldsOut.push(`Content-Length: ${len}`);
    if (fault === 'cl-dup-same') fieldsOut.push(`Content-Length: ${len}`);
    if (fault === 'cl-dup-diff') fieldsOut.push(`Content-Length: ${len + 1}`);
    bodyText = d;
    bodyKind = BODY_LENGTH;
    data = d;
  }
  const text = `${method} ${tgt} ${version}${eol}${fieldsOut.join(eol)}${eol}${eol}${bodyText}`;
  return { text, bodyKind: bodyKind === BODY_LENGTH && data.length === 0 ? BODY_LENGTH : bodyKind, body: data };
}

describe('h1 parser against a reference verdict model', () => {
  test('one fault at a time: verdict and framing', () => {
    fc.assert(
      fc.property(faults, target, fc.array(field, { maxLength: 4 }), fc.string({ maxLength: 16 }).map((s) => s.replace(/[^\x20-\x7e]/g, 'x')), fc.boolean(), fc.boolean(), (fault, path, fs, data, chunked, acceptInvalid) => {
        const msg = faulty(fault, path, fs, data, chunked);
        const want = reference(fault, acceptInvalid, msg.bodyKind, msg.body);
        let head: { kind: number } | null = null;
        const got: string[] = [];
        const p = new H1Parser({ kind: 'request', acceptInvalid }, {
          onHead: (h) => void (head = { kind: h.bodyKind }),
          onData: (b, s, e) => void got.push(b.toString('latin1', s, e)),
          onTrailers() {},
          onEnd: () => false,
        });
        const b = latin1(msg.text);
        const n = p.feed(b, 0, b.length);
        if (want.verdict !== 'accept') {
          assert.equal(n, -1, `${fault}: accepted ${JSON.stringify(msg.text)}`);
          assert.equal(p.error?.status, want.verdict, `${fault}: ${p.error?.code}`);
          return;
        }
        assert.notEqual(n, -1, `${fault}: refused with ${p.error?.code}: ${JSON.stringify(msg.text)}`);
        assert.ok(head !== null);
        assert.equal((head as { kind: number }).kind === BODY_NONE ? BODY_LENGTH : (head as { kind: number }).kind, want.bodyKind, `${fault}: body kind`);
        assert.equal(got.join(''), want.body, `${fault}: body`);
        assert.equal(n, b.length, `${fault}: the whole message is consumed`);
      }),
      { numRuns: 800 },
    );
  });
});
