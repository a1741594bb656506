/**
 * Every error code used in src/ is listed in docs/errors.md, and every code
 * listed there is still used (DESIGN.md "Errors": "Every code is listed in
 * docs/errors.md and a test keeps that list complete"; the fastify pattern).
 * How codes are found is explained in error-codes.ts.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../../helpers/paths.js';
import { readDocumentedCodes, scanSource, stripComments, type DocumentedCode } from './error-codes.js';

const DOC = join(REPO_ROOT, 'docs', 'errors.md');

describe('docs/errors.md', () => {
  const documented: DocumentedCode[] = readDocumentedCodes(DOC);
  const documentedSet = new Set(documented.map((d) => d.code));
  const { codes, patterns } = scanSource(REPO_ROOT, documentedSet);

  test('the scan finds codes of every form (sanity)', () => {
    // One code per form, so a scanner regression cannot pass as "nothing to document".
    for (const c of ['CFG_UNKNOWN_KEYWORD', 'CFG_UNMATCHED_QUOTE', 'RT_START_FAILED', 'SMP_PARSE_ERROR', 'LOGFMT_SYNTAX', 'CFG_COND_UNTERMINATED']) {
      assert.ok(codes.has(c), `scanner lost ${c}`);
    }
    assert.ok(codes.size > 200, `only ${codes.size} codes found`);
    assert.ok(patterns.some((p) => p.pattern.test('CFG_USER_ALERT')), 'scanner lost the CFG_USER_${...} template');
  });

  test('every code used in src/ is documented', () => {
    const missing = [...codes.values()].filter((u) => !documentedSet.has(u.code)).map((u) => `${u.code} (${u.where})`);
    assert.deepEqual(missing, [], `add these codes to docs/errors.md:\n  ${missing.join('\n  ')}`);
  });

  test('every code built from a template has its documented instances', () => {
    const uncovered = patterns.filter((p) => !documented.some((d) => p.pattern.test(d.code))).map((p) => `${p.template} (${p.where})`);
    assert.deepEqual(uncovered, [], `document the codes these templates build:\n  ${uncovered.join('\n  ')}`);
  });

  test('every documented code is still used in src/', () => {
    const stale = documented
      .filter((d) => !codes.has(d.code) && !patterns.some((p) => p.pattern.test(d.code)))
      .map((d) => `${d.code} (docs/errors.md:${d.line})`);
    assert.deepEqual(stale, [], `these codes are no longer used; remove them from docs/errors.md:\n  ${stale.join('\n  ')}`);
  });

  test('each code is listed once, in alphabetical order within its area', () => {
    const seen = new Map<string, number>();
    const dups: string[] = [];
    for (const d of documented) {
      const first = seen.get(d.code);
      if (first !== undefined) dups.push(`${d.code} (lines ${first} and ${d.line})`);
      else seen.set(d.code, d.line);
    }
    assert.deepEqual(dups, [], 'codes listed twice');
    const unsorted: string[] = [];
    for (let i = 1; i < documented.length; i++) {
      const a = documented[i - 1]!;
      const b = documented[i]!;
      if (a.area === b.area && a.code > b.code) unsorted.push(`${b.code} (line ${b.line}) after ${a.code}`);
    }
    assert.deepEqual(unsorted, [], 'keep each table sorted');
  });

  test('every table row has a severity and a meaning', () => {
    const rows = documented.filter((d) => d.cells.length < 3 || d.cells[1] === '' || d.cells[2] === '');
    assert.deepEqual(rows.map((d) => `${d.code} (line ${d.line})`), []);
  });
});

describe('the code scanner', () => {
  function scanText(files: Record<string, string>, documented: string[] = []): { codes: string[]; patterns: string[] } {
    const root = mkdtempSync(join(tmpdir(), 'switchyard-codes-'));
    try {
      for (const [name, text] of Object.entries(files)) {
        mkdirSync(join(root, 'src', name, '..'), { recursive: true });
        writeFileSync(join(root, 'src', name), text);
      }
      const r = scanSource(root, documented);
      return { codes: [...r.codes.keys()].sort(), patterns: r.patterns.map((p) => p.template) };
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  }

  test('finds codes in reporting calls, code slots, ternaries, templates and code tables', () => {
    const r = scanText({
      'a.ts': [
        "ctx.alert('A_ONE', `x ${y}`);",
        "ctx.diag.warning('A_TWO', msg, place);",
        "nonFatalAlert(ctx, 'A_THREE', 'text');",
        "alert(r.nonFatal ? 'A_FOUR' : 'A_FIVE', text);",
        "diag.push({ severity: 'alert', code: 'A_SIX', message: 'm' });",
        "class E extends Error { readonly code = 'A_SEVEN'; }",
        "c.alert(r.code ?? 'A_EIGHT', r.error);",
        "if (d.code !== 'A_NINE') keep(d);",
        "export const BLOCK_CODE = 'A_TEN';",
        'const code = `A_USER_${severity.toUpperCase()}`;',
        "function methodCode(m: string): number { return m === 'TRACE' ? 1 : 0; }",
        'export function someErrorCode(m: string): string {',
        "  const table = [[/x/, 'B_ONE'], [/y\\}/, 'B_TWO']] as const;",
        "  return 'B_THREE';",
        '}',
        "const later = 'B_NOT_IN_TABLE_FUNCTION_SCOPE_X';",
      ].join('\n'),
    });
    assert.deepEqual(r.codes, ['A_EIGHT', 'A_FIVE', 'A_FOUR', 'A_NINE', 'A_ONE', 'A_SEVEN', 'A_SIX', 'A_TEN', 'A_THREE', 'A_TWO', 'B_NOT_IN_TABLE_FUNCTION_SCOPE_X', 'B_ONE', 'B_THREE', 'B_TWO']);
    assert.deepEqual(r.patterns, ['A_USER_${...}']);
  });

  test('ignores comments, parameter types, errno names, cipher suites and other literals', () => {
    const r = scanText({
      'b.ts': [
        '/** Stable code, e.g. `C_IN_DOC_COMMENT` and ctx.alert(\'C_IN_BLOCK\'). */',
        "// ctx.alert('C_IN_LINE_COMMENT', 'x');",
        "private failure(status: 'L4CON' | 'L4TOUT', info: string): void {}",
        "this.fail('L7RSP', desc); out.print([{ severity: 'notice', code: 'CLI', message }]);",
        "fail(Object.assign(new Error('x'), { code: 'EAFNOSUPPORT' }));",
        "const suites = ['TLS_AES_128_GCM_SHA256'];",
        "process.on('SIGHUP', f); vars.set('HAPROXY_CFGFILES', v); ckp('FE_REQ_CNT');",
        "const re = /ctx.alert('C_IN_REGEX'/; const s = \"// not a comment\"; ctx.alert('C_AFTER', s);",
      ].join('\n'),
    });
    assert.deepEqual(r.codes, ['CLI', 'C_AFTER']);
  });

  test('a literal of a known code family counts as a code wherever it is', () => {
    const r = scanText({ 'c.ts': "const T = { x: 'D_TABLE_ENTRY', y: 'OTHER_THING' };\nctx.alert('D_KNOWN', 'm');" });
    assert.deepEqual(r.codes, ['D_KNOWN', 'D_TABLE_ENTRY']);
    assert.deepEqual(scanText({ 'c.ts': "const T = { x: 'E_ENTRY' };" }, ['E_DOCUMENTED']).codes, ['E_ENTRY']);
  });

  test('stripComments keeps strings, templates and line numbers', () => {
    const src = "a('//x'); // c\n/* b\n */ const t = `t ${'/*'} u`; const r = /re\\/'/g; // 'q'\nz";
    const out = stripComments(src);
    assert.equal(out.split('\n').length, src.split('\n').length);
    assert.ok(out.includes("a('//x');"));
    assert.ok(!out.includes('// c'));
    assert.ok(out.includes("`t ${'/*'} u`"));
    assert.ok(out.includes('const r = /     /g;'), out);
    assert.ok(!out.includes("'q'"));
    assert.ok(out.endsWith('z'));
  });
});
