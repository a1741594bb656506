/**
 * The `-c` corpus (test/compat/corpus/*.cfg): reading the header comments,
 * running a checker on one file, and the recorded haproxy verdicts
 * (expected.json).
 *
 * Each file starts with comment lines:
 *   # corpus: what the file is about
 *   # source: where the snippet comes from (seed document, configuration.txt §)
 *   # expect: valid | invalid | no-listener      (haproxy -c exit 0 | 1 | 2)
 *   # switchyard: accepts-with-warning          (legacy directives only)
 * Placeholders `${CERT_PEM}`, `${ECDSA_PEM}`, `${CA_CRT}`, `${CLIENT_PEM}`,
 * `${CERT_DIR}` (generated certificates) and `${CORPUS}` (this directory) are
 * filled into a temporary copy with the same base name, so reported places
 * read `<name>.cfg:<line>` on every machine.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { certVars } from './certs.js';
import { CORPUS_DIR } from './paths.js';
import { checkConfig, fillPlaceholders, type ParsedDiagnostic, type ProxyKind } from './processes.js';

export type Verdict = 'valid' | 'invalid' | 'no-listener';

/** The exit code haproxy -c gives for each verdict. */
export const VERDICT_CODE: Record<Verdict, number> = { valid: 0, invalid: 1, 'no-listener': 2 };

export interface CorpusEntry {
  /** Base name, e.g. `err-unknown-keyword-global.cfg`. */
  readonly name: string;
  readonly path: string;
  readonly what: string;
  readonly source: string;
  readonly expect: Verdict;
  /** Switchyard deliberately accepts (exit 0) with a warning where haproxy alerts. */
  readonly acceptsWithWarning: boolean;
  readonly text: string;
}

/** A diagnostic with its file reduced to a base name; `line` is null without a place. */
export interface PlacedDiagnostic {
  readonly file: string | null;
  readonly line: number | null;
  readonly message: string;
}

/** The outcome of one checker on one corpus file, independent of pid and temp paths. */
export interface CorpusOutcome {
  readonly code: number;
  readonly alerts: PlacedDiagnostic[];
  readonly warnings: PlacedDiagnostic[];
}

/** Reads every `*.cfg` of the corpus with its header, sorted by name. */
export function loadCorpus(dir: string = CORPUS_DIR): CorpusEntry[] {
  const out: CorpusEntry[] = [];
  for (const name of readdirSync(dir).filter((n) => n.endsWith('.cfg')).sort()) {
    const path = join(dir, name);
    const text = readFileSync(path, 'utf8');
    const field = (key: string): string | undefined => new RegExp(`^# ${key}: (.*)$`, 'm').exec(text)?.[1]?.trim();
    const expect = field('expect');
    if (expect !== 'valid' && expect !== 'invalid' && expect !== 'no-listener') {
      throw new Error(`${name}: missing or bad "# expect:" header (${String(expect)})`);
    }
    out.push({
      name,
      path,
      what: field('corpus') ?? '',
      source: field('source') ?? '',
      expect,
      acceptsWithWarning: field('switchyard') === 'accepts-with-warning',
      text,
    });
  }
  return out;
}

function placed(d: ParsedDiagnostic): PlacedDiagnostic {
  // haproxy prints the path as given on the command line; keep the base name
  // and drop the pid-free message's copies of the temporary directory.
  const file = d.file === undefined ? null : basename(d.file);
  return { file, line: d.line ?? null, message: d.message.replace(/\/[^\s'"]*\/(?=[^/\s'"]+\.cfg\b)/g, '') };
}

/**
 * Runs `kind -c` on one corpus file (placeholders filled into a temporary
 * copy with the same base name, run from the corpus directory).
 */
export async function checkCorpusFile(kind: ProxyKind, entry: CorpusEntry): Promise<CorpusOutcome> {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-corpus-'));
  try {
    const vars: Record<string, string> = { CORPUS: CORPUS_DIR };
    if (/\$\{(CERT_PEM|ECDSA_PEM|CA_CRT|CLIENT_PEM|CERT_DIR)\}/.test(entry.text)) Object.assign(vars, await certVars());
    const copy = join(dir, entry.name);
    writeFileSync(copy, fillPlaceholders(entry.text, { vars }));
    const r = await checkConfig(kind, [copy], { cwd: CORPUS_DIR });
    return { code: r.code, alerts: r.alerts.map(placed), warnings: r.warnings.map(placed) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `file:line` keys of the placed alerts, de-duplicated and sorted; `-` for alerts without a place. */
export function alertPlaces(o: CorpusOutcome): string[] {
  return [...new Set(o.alerts.map((a) => (a.line === null ? '-' : `${a.file ?? '?'}:${a.line}`)))].sort();
}

/** Lines (in the file itself) that carry at least one warning. */
export function warningLines(o: CorpusOutcome, file: string): number[] {
  return [...new Set(o.warnings.filter((w) => w.file === file && w.line !== null).map((w) => w.line as number))].sort((a, b) => a - b);
}

export const EXPECTED_JSON = join(CORPUS_DIR, 'expected.json');

/** Recorded haproxy 2.6 outcomes by file name. */
export function readExpected(): Record<string, CorpusOutcome> {
  if (!existsSync(EXPECTED_JSON)) return {};
  return JSON.parse(readFileSync(EXPECTED_JSON, 'utf8')) as Record<string, CorpusOutcome>;
}

/** Writes expected.json (sorted keys, stable formatting). */
export function writeExpected(all: Record<string, CorpusOutcome>): void {
  const sorted: Record<string, CorpusOutcome> = {};
  for (const k of Object.keys(all).sort()) {
    const v = all[k];
    if (v !== undefined) sorted[k] = v;
  }
  writeFileSync(EXPECTED_JSON, `${JSON.stringify(sorted, null, 2)}\n`);
}
