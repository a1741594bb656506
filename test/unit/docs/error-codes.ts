/**
 * Finds the diagnostic and runtime error codes used in `src/` and the codes
 * listed in `docs/errors.md`, for errors-documented.test.ts (the fastify
 * pattern from DESIGN.md: every code is created in the code and a test checks
 * each one is documented).
 *
 * Codes are found without a TypeScript parser, on the source with its
 * comments removed, in two ways:
 *  1. by position: an upper-snake string literal that is the first or second argument of a
 *     call whose name says it reports something (`ctx.alert('X'`,
 *     `diag.warning('X'`, `nonFatalAlert(ctx, 'X'`, `abortingWarning(ctx, 'X'`,
 *     `fail('X'`, ternaries inside such calls), that is assigned to, compared
 *     with or defaulted into something named `code` (`code: 'X'`,
 *     `readonly code = 'X'`, `r.code ?? 'X'`, `d.code !== 'X'`,
 *     `const FOO_CODE = 'X'`), or that is inside a function named
 *     `...ErrorCode` (lookup tables); a one-word literal (`'CLI'`) counts only
 *     in the `code` positions, so check statuses such as `fail('L4CON', ...)`
 *     are not codes;
 *  2. by family: any other upper-snake literal whose first word is the prefix
 *     of a code found in (1) or of a documented code (`SMP_...` in the
 *     `sampleErrorCode` table, `CFG_...` in a lookup object). Literals of those
 *     families that are not codes are listed in NOT_CODES with the reason.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

/** Where a code was seen: `src/config/loader.ts:153`. */
export interface CodeUse {
  readonly code: string;
  readonly where: string;
  /** 'position' when found by (1), 'family' when only by (2). */
  readonly how: 'position' | 'family';
}

/** A code built at run time (`\`CFG_USER_${severity.toUpperCase()}\``): documented codes must cover it. */
export interface CodePattern {
  /** The template as written, e.g. `CFG_USER_${...}`. */
  readonly template: string;
  /** Matches the codes it can produce; each `${}` stands for upper-snake text. */
  readonly pattern: RegExp;
  readonly where: string;
}

export interface SourceScan {
  readonly codes: Map<string, CodeUse>;
  readonly patterns: CodePattern[];
}

/**
 * Upper-case literals of a code family that are not codes. Keep each with its
 * reason; add one here only when the name really is something else.
 */
export const NOT_CODES: ReadonlyMap<string, string> = new Map([
  ['CFG_PARSER', "sample checkpoint name (haproxy's SMP_CKP_CFG_PARSER), src/sample/types.ts"],
  ['CLI_PARSER', "sample checkpoint name (haproxy's SMP_CKP_CLI_PARSER), src/sample/types.ts"],
  ['UNKNOWN', 'errno placeholder for a listener failure without an errno, src/net/listener.ts'],
]);

/** Literals that are never Switchyard codes, whatever their position. */
function isForeignName(name: string): boolean {
  // Node/libc errno names (`code: 'EAFNOSUPPORT'` on a synthesized Error).
  if (/^E[A-Z0-9]+$/.test(name)) return true;
  // TLS 1.3 cipher suite names (IANA), src/net/tls-files.ts.
  if (/^TLS_(AES|CHACHA20)_/.test(name)) return true;
  return false;
}

const LITERAL = /(['"`])([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*)\1/g;
/** A template literal that starts like a code and has substitutions. */
const TEMPLATE = /`([A-Z][A-Z0-9_]*\$\{[^`]*)`/g;
/** Names of calls whose literal arguments are codes. */
const REPORTER = /(alert|warn|notice|diag|fail)/i;
/** A literal that follows `code:`, `code =`, `code ??`, `code ===`, `FOO_CODE =`. */
const CODE_SLOT = /(?:\bcode\s*(?::|\?\?|[!=]==?|=)|\b[A-Z][A-Z0-9_]*_CODE\s*=)\s*$/;

/**
 * Replaces comments and the bodies of regular expression literals by blanks
 * (newlines kept, so line numbers hold). Knows strings, template literals
 * with `${}` and regular expression literals well enough for this code base.
 */
export function stripComments(src: string): string {
  const out: string[] = [];
  const n = src.length;
  let i = 0;
  let lastSignificant = '';
  let lastWord = '';
  const templateBraces: number[] = [];
  let braces = 0;
  let inTemplate = false;

  const copyUntil = (end: number): void => {
    out.push(src.slice(i, end));
    i = end;
  };
  const blankUntil = (end: number): void => {
    out.push(src.slice(i, end).replace(/[^\n]/g, ' '));
    i = end;
  };
  const scanTemplate = (): void => {
    // i is just after the opening backtick or the closing brace of a `${}`.
    let j = i;
    while (j < n) {
      const c = src[j];
      if (c === '\\') j += 2;
      else if (c === '`') {
        copyUntil(j + 1);
        inTemplate = false;
        lastSignificant = '`';
        return;
      } else if (c === '$' && src[j + 1] === '{') {
        copyUntil(j + 2);
        templateBraces.push(braces);
        braces++;
        inTemplate = false;
        lastSignificant = '{';
        return;
      } else j++;
    }
    copyUntil(n);
  };

  while (i < n) {
    if (inTemplate) {
      scanTemplate();
      continue;
    }
    const c = src[i]!;
    const next = src[i + 1];
    if (c === '/' && next === '/') {
      const end = src.indexOf('\n', i);
      blankUntil(end < 0 ? n : end);
      continue;
    }
    if (c === '/' && next === '*') {
      const end = src.indexOf('*/', i + 2);
      blankUntil(end < 0 ? n : end + 2);
      continue;
    }
    if (c === "'" || c === '"') {
      let j = i + 1;
      while (j < n && src[j] !== c && src[j] !== '\n') j += src[j] === '\\' ? 2 : 1;
      copyUntil(Math.min(j + 1, n));
      lastSignificant = c;
      continue;
    }
    if (c === '`') {
      copyUntil(i + 1);
      inTemplate = true;
      continue;
    }
    if (c === '/' && (lastSignificant === '' || '(,=:[!&|?{};+-*%<>~^'.includes(lastSignificant) || ['return', 'typeof', 'case', 'of', 'in'].includes(lastWord))) {
      // A regular expression literal: skip to its unescaped closing slash outside a class.
      let j = i + 1;
      let inClass = false;
      while (j < n && src[j] !== '\n') {
        const d = src[j];
        if (d === '\\') j++;
        else if (d === '[') inClass = true;
        else if (d === ']') inClass = false;
        else if (d === '/' && !inClass) break;
        j++;
      }
      if (j >= n || src[j] === '\n') {
        // No closing slash on the line: a division after all.
        copyUntil(i + 1);
        lastSignificant = '/';
        continue;
      }
      // Keep the slashes and flags, blank the body: a pattern is never a code.
      out.push('/' + src.slice(i + 1, Math.min(j, n)).replace(/[^\n]/g, ' '));
      i = Math.min(j, n);
      j++;
      while (j < n && /[a-z]/.test(src[j]!)) j++;
      copyUntil(Math.min(j, n));
      lastSignificant = '/';
      lastWord = '';
      continue;
    }
    if (c === '{') braces++;
    if (c === '}') {
      braces--;
      if (templateBraces.length > 0 && templateBraces[templateBraces.length - 1] === braces) {
        templateBraces.pop();
        copyUntil(i + 1);
        inTemplate = true;
        continue;
      }
    }
    if (/[A-Za-z0-9_$]/.test(c)) {
      let j = i;
      while (j < n && /[A-Za-z0-9_$]/.test(src[j]!)) j++;
      lastWord = src.slice(i, j);
      lastSignificant = 'a';
      copyUntil(j);
      continue;
    }
    if (!/\s/.test(c)) {
      lastSignificant = c;
      lastWord = '';
    }
    copyUntil(i + 1);
  }
  return out.join('');
}

/**
 * True when the literal starting at `at` is the first or second argument of a
 * reporting call: walk back to the unclosed `(`, read the callee name.
 */
function inReporterCall(text: string, at: number): boolean {
  let depth = 0;
  let commas = 0;
  for (let j = at - 1; j >= 0 && j >= at - 400; j--) {
    const c = text[j];
    if (c === ')' || c === ']') depth++;
    else if (c === '(' || c === '[') {
      if (depth > 0) {
        depth--;
        continue;
      }
      if (c === '[') return false;
      // `failure(status: 'L4CON' | 'L4TOUT')` declares a parameter type: not a call.
      if (/^\s*[\w$]+\??\s*:/.test(text.slice(j + 1, at))) return false;
      const m = /([A-Za-z_$][\w$]*)\s*$/.exec(text.slice(Math.max(0, j - 60), j));
      return m !== null && REPORTER.test(m[1]!) && commas <= 1;
    } else if (depth === 0 && c === ',') commas++;
    else if (c === ';' || c === '{' || c === '}') return false;
  }
  return false;
}

/**
 * True when the literal is inside a function whose name says it maps to error
 * codes (`...ErrorCode`, e.g. `sampleErrorCode(message)` and its table): the
 * nearest `function name` before it. (`methodCode()` returns other codes.)
 */
function inCodeFunction(text: string, at: number): boolean {
  let last: RegExpExecArray | undefined;
  for (const m of text.slice(0, at).matchAll(/\bfunction\s+([\w$]+)/g)) last = m;
  if (last === undefined || !/ErrorCode$/.test(last[1]!)) return false;
  // Still inside it: more braces opened than closed since its name.
  const body = text
    .slice(last.index, at)
    .replace(/'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*"/g, '')
    .replace(/\/(?:[^/\\\n]|\\.)+\/[a-z]*/g, '');
  return (body.match(/\{/g)?.length ?? 0) > (body.match(/\}/g)?.length ?? 0);
}

function lineOf(text: string, at: number): number {
  let line = 1;
  for (let j = 0; j < at; j++) if (text.charCodeAt(j) === 10) line++;
  return line;
}

function listTsFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) listTsFiles(p, out);
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

/**
 * Every code used under `root/src`, with the first place it appears, and the
 * codes built from templates. The family rule uses the prefixes of the
 * position codes and of `documented`.
 */
export function scanSource(root: string, documented: Iterable<string> = []): SourceScan {
  const codes = new Map<string, CodeUse>();
  const patterns: CodePattern[] = [];
  const candidates: { name: string; where: string }[] = [];
  const inCodeSlot = (text: string, at: number): boolean => CODE_SLOT.test(text.slice(Math.max(0, at - 80), at));
  const isPosition = (text: string, at: number): boolean => inCodeSlot(text, at) || inReporterCall(text, at) || inCodeFunction(text, at);
  // A one-word literal passed to a reporting call is a status, not a code
  // (`this.fail('L4CON', ...)` in health checks): one-word codes ('CLI') count
  // only when assigned to `code`.
  const isCodePosition = (text: string, at: number, name: string): boolean =>
    name.includes('_') ? isPosition(text, at) : inCodeSlot(text, at);
  for (const file of listTsFiles(join(root, 'src'))) {
    const text = stripComments(readFileSync(file, 'utf8'));
    const whereAt = (at: number): string => `${relative(root, file)}:${lineOf(text, at)}`;
    for (const m of text.matchAll(LITERAL)) {
      const name = m[2]!;
      if (isForeignName(name)) continue;
      if (isCodePosition(text, m.index, name) && !NOT_CODES.has(name)) {
        if (!codes.has(name)) codes.set(name, { code: name, where: whereAt(m.index), how: 'position' });
      } else if (name.includes('_')) candidates.push({ name, where: whereAt(m.index) });
    }
    for (const m of text.matchAll(TEMPLATE)) {
      if (!isPosition(text, m.index)) continue;
      const parts = m[1]!.split(/\$\{[^}]*\}/);
      const source = parts.map((x) => x.replace(/[^A-Z0-9_]/g, '')).join('[A-Z0-9_]+');
      patterns.push({ template: parts.join('${...}'), pattern: new RegExp(`^${source}$`), where: whereAt(m.index) });
    }
  }
  const prefixes = new Set<string>();
  for (const c of [...codes.keys(), ...documented]) if (c.includes('_')) prefixes.add(c.slice(0, c.indexOf('_')));
  for (const { name, where } of candidates) {
    if (codes.has(name) || NOT_CODES.has(name)) continue;
    if (prefixes.has(name.slice(0, name.indexOf('_')))) codes.set(name, { code: name, where, how: 'family' });
  }
  return { codes, patterns };
}

/** Every upper-case literal in `root/src` (comments removed), for the stale-entry check. */
export function allSourceLiterals(root: string): Set<string> {
  const out = new Set<string>();
  for (const file of listTsFiles(join(root, 'src'))) {
    for (const m of stripComments(readFileSync(file, 'utf8')).matchAll(LITERAL)) out.add(m[2]!);
  }
  return out;
}

export interface DocumentedCode {
  readonly code: string;
  /** The `## ` heading of the table the code is in. */
  readonly area: string;
  readonly line: number;
  /** The row's cells, trimmed (code, severity, meaning, wording). */
  readonly cells: string[];
}

/** The codes of docs/errors.md: the first cell of each table row, in backquotes. */
export function readDocumentedCodes(path: string): DocumentedCode[] {
  const out: DocumentedCode[] = [];
  let area = '';
  readFileSync(path, 'utf8')
    .split('\n')
    .forEach((line, k) => {
      if (line.startsWith('## ')) area = line.slice(3).trim();
      const m = /^\|\s*`([A-Z][A-Z0-9_]*)`\s*\|/.exec(line);
      if (m === null) return;
      // Split on unescaped pipes; drop the empty cells before the first and after the last.
      const cells = line.split(/(?<!\\)\|/).slice(1, -1).map((c) => c.trim());
      out.push({ code: m[1]!, area, line: k + 1, cells });
    });
  return out;
}
