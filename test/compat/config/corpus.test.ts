/**
 * The `-c` corpus: every file of test/compat/corpus/ checked by haproxy 2.6
 * and by Switchyard, which must agree on the verdict (exit code) and on the
 * set of (file, line) places of the alerts.
 *
 * - The haproxy half runs the live /usr/sbin/haproxy when it is installed and
 *   falls back to the recorded expected.json otherwise; either way each
 *   verdict must be the one the file's "# expect:" header claims.
 * - Files marked "# switchyard: accepts-with-warning" hold legacy 1.x
 *   directives that haproxy 2.6 refuses and Switchyard deliberately accepts:
 *   there Switchyard must exit 0 and warn on every line haproxy alerted on.
 *
 * SWITCHYARD_UPDATE_CORPUS=1 rewrites expected.json from the live haproxy.
 * SWITCHYARD_CORPUS_FILTER=<regex> limits the run to matching file names
 * (each Switchyard check is a node process start, so the full run takes a
 * few seconds per hundred files).
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import {
  alertPlaces,
  checkCorpusFile,
  loadCorpus,
  readExpected,
  VERDICT_CODE,
  warningLines,
  writeExpected,
  type CorpusEntry,
  type CorpusOutcome,
} from '../../helpers/corpus.js';
import { haproxyAvailable, switchyardAvailable, SWITCHYARD_BIN } from '../../helpers/paths.js';
import type { ProxyKind } from '../../helpers/processes.js';

const filter = process.env['SWITCHYARD_CORPUS_FILTER'];
const allEntries = loadCorpus();
const entries = filter ? allEntries.filter((e) => new RegExp(filter).test(e.name)) : allEntries;
const live = haproxyAvailable();
const update = process.env['SWITCHYARD_UPDATE_CORPUS'] === '1';

/** Runs `fn` over `items` with at most `limit` in flight. */
async function pool<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      const item = items[i];
      if (item !== undefined) out[i] = await fn(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

async function checkAll(kind: ProxyKind): Promise<Map<string, CorpusOutcome>> {
  const results = await pool(entries, 8, async (e) => [e.name, await checkCorpusFile(kind, e)] as const);
  return new Map(results);
}

let referenceRun: Promise<Map<string, CorpusOutcome>> | undefined;
/** haproxy's outcomes: live (once per process) or recorded. */
function haproxyOutcomes(): Promise<Map<string, CorpusOutcome>> {
  referenceRun ??= live ? checkAll('haproxy') : Promise.resolve(new Map(Object.entries(readExpected())));
  return referenceRun;
}

function describeOutcome(o: CorpusOutcome): string {
  return `exit ${o.code}\n${o.alerts.map((a) => `  ALERT ${a.line ?? '-'}: ${a.message}`).join('\n')}\n${o.warnings
    .map((w) => `  WARNING ${w.line ?? '-'}: ${w.message}`)
    .join('\n')}`;
}

describe('corpus files are well formed', () => {
  it('has at least 70 files, each with a description and a source', () => {
    assert.ok(allEntries.length >= 70, `only ${allEntries.length} files`);
    for (const e of allEntries) {
      assert.notEqual(e.what, '', `${e.name}: missing "# corpus:" line`);
      assert.notEqual(e.source, '', `${e.name}: missing "# source:" line`);
      if (e.acceptsWithWarning) assert.equal(e.expect, 'invalid', `${e.name}: legacy files are refused by haproxy`);
    }
  });
});

describe(`haproxy 2.6 verdicts (${live ? 'live haproxy' : 'recorded expected.json'})`, () => {
  let reference = new Map<string, CorpusOutcome>();
  const recorded = readExpected();
  before(async () => {
    reference = await haproxyOutcomes();
    if (live && update) {
      if (filter) throw new Error('SWITCHYARD_UPDATE_CORPUS needs the whole corpus: unset SWITCHYARD_CORPUS_FILTER');
      writeExpected(Object.fromEntries(reference));
    }
  });

  for (const e of entries) {
    it(`${e.name}: ${e.expect}`, () => {
      const got = reference.get(e.name);
      assert.ok(got, `${e.name}: no haproxy outcome (run with SWITCHYARD_UPDATE_CORPUS=1 to record it)`);
      assert.equal(got.code, VERDICT_CODE[e.expect], `${e.name} claims "${e.expect}" but haproxy says:\n${describeOutcome(got)}`);
      if (live && !update) {
        const rec = recorded[e.name];
        assert.ok(rec, `${e.name} is missing from expected.json (run with SWITCHYARD_UPDATE_CORPUS=1)`);
        assert.equal(got.code, rec.code, `${e.name}: live haproxy disagrees with expected.json`);
        assert.deepEqual(alertPlaces(got), alertPlaces(rec), `${e.name}: live haproxy alert places differ from expected.json`);
      }
    });
  }
});

describe('switchyard -c agrees with haproxy', () => {
  let reference = new Map<string, CorpusOutcome>();
  let ours = new Map<string, CorpusOutcome>();
  before(async () => {
    reference = await haproxyOutcomes();
    if (switchyardAvailable()) ours = await checkAll('switchyard');
  });

  const compare = (e: CorpusEntry): void => {
    assert.ok(switchyardAvailable(), `the Switchyard CLI is missing (${SWITCHYARD_BIN})`);
    const ref = reference.get(e.name);
    const got = ours.get(e.name);
    assert.ok(ref && got, `${e.name}: missing outcome`);
    const context = `\n--- haproxy ---\n${describeOutcome(ref)}\n--- switchyard ---\n${describeOutcome(got)}`;
    if (e.acceptsWithWarning) {
      // Switchyard accepts the legacy directive and warns on the same line instead.
      assert.equal(got.code, 0, `${e.name}: switchyard must accept legacy directives${context}`);
      const alerted = [...new Set(ref.alerts.filter((a) => a.file === e.name && a.line !== null).map((a) => a.line as number))].sort((a, b) => a - b);
      const warned = warningLines(got, e.name);
      for (const line of alerted) {
        assert.ok(warned.includes(line), `${e.name}: expected a warning on line ${line}${context}`);
      }
      return;
    }
    assert.equal(got.code, ref.code, `${e.name}: exit code differs${context}`);
    assert.deepEqual(alertPlaces(got), alertPlaces(ref), `${e.name}: alert places differ${context}`);
  };

  for (const e of entries) {
    it(`${e.name}${e.acceptsWithWarning ? ' (accepts with warning)' : ''}`, () => compare(e));
  }
});
