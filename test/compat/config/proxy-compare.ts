/**
 * Runs the proxy corpus through `haproxy -c` and through our loader, and
 * reports each case whose verdict or printed messages differ. Messages are
 * compared exactly and in order, warnings included; our "parsed but not
 * enforced yet" warnings are left out.
 *
 * haproxy takes ~30 ms per run, so cases made of one section are checked in
 * batches: their sections are renamed (`fe` → `fe_12`) and concatenated, in
 * batches of cases that fail together or pass together (so the checks
 * between sections still run for the passing ones); anonymous defaults
 * sections batch among themselves. Cases that stop the parser and messages
 * haproxy cuts at a NUL character run alone. A differing batch is re-run case by case to name the culprit.
 */
import { load, referenceAsync, type Printed } from '../../unit/config/proxy-driver.js';
import { FIXTURES } from './proxy-cases.js';

export interface CaseDiff {
  readonly text: string;
  readonly ours: Printed;
  readonly haproxy: Printed;
}

const BATCH = 30;

function same(a: Printed, b: Printed): boolean {
  return a.failed === b.failed && JSON.stringify(a.lines) === JSON.stringify(b.lines);
}

/** A case made of one frontend/backend/listen section, renamed with `suffix`; undefined otherwise. */
function renamed(text: string, suffix: string): string | undefined {
  const lines = text.split('\n');
  const headers = lines.filter((l) => l !== '' && !/^\s/.test(l));
  if (headers.length !== 1) return undefined;
  // Anonymous defaults sections do not interact: they batch as they are.
  if (headers[0] === 'defaults') return text;
  const m = /^(frontend|backend|listen) (\S+)$/.exec(headers[0] ?? '');
  if (m === null) return undefined;
  return text.replace(headers[0] ?? '', `${m[1] ?? ''} ${m[2] ?? ''}_${suffix}`);
}

/** True when our loader stops reading after this case (a probe section placed after it is not read). */
function stopsParser(text: string): boolean {
  const probe = load(`${text}\nbackend zz_probe\n  zz_unknown_keyword\n`);
  return !probe.alerts.some((a) => a.includes("'zz_unknown_keyword'"));
}

async function runAll(texts: readonly string[], concurrency: number): Promise<Printed[]> {
  const out: Printed[] = new Array<Printed>(texts.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < texts.length) {
      const i = next++;
      const r = await referenceAsync(texts[i] ?? '', { extra: { ...FIXTURES } });
      if (r === undefined) throw new Error('haproxy could not be run');
      out[i] = r;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return out;
}

/** Compares every case; resolves to the differing ones. */
export async function compareCases(cases: readonly string[], concurrency = 4): Promise<CaseDiff[]> {
  const units: { text: string; members: number[] }[] = [];
  type Pool = 'fail' | 'pass' | 'defaults-fail' | 'defaults-pass';
  const pending: Record<Pool, { texts: string[]; members: number[] }> = {
    fail: { texts: [], members: [] },
    pass: { texts: [], members: [] },
    'defaults-fail': { texts: [], members: [] },
    'defaults-pass': { texts: [], members: [] },
  };
  const flush = (kind: Pool): void => {
    const p = pending[kind];
    if (p.members.length > 0) units.push({ text: p.texts.join(''), members: p.members });
    pending[kind] = { texts: [], members: [] };
  };
  cases.forEach((text, i) => {
    const r = renamed(text, String(i));
    const ours = load(text);
    const cut = ours.lines.some((l) => /character '$/.test(l));
    if (r === undefined || cut || stopsParser(text)) {
      units.push({ text, members: [i] });
      return;
    }
    const kind: Pool = `${text.startsWith('defaults\n') ? 'defaults-' : ''}${ours.failed ? 'fail' : 'pass'}`;
    pending[kind].texts.push(r.endsWith('\n') ? r : `${r}\n`);
    pending[kind].members.push(i);
    if (pending[kind].members.length >= BATCH) flush(kind);
  });
  for (const pool of Object.keys(pending) as Pool[]) flush(pool);

  const refs = await runAll(units.map((u) => u.text), concurrency);
  const diffs: CaseDiff[] = [];
  for (const [k, unit] of units.entries()) {
    const haproxy = refs[k];
    if (haproxy === undefined) continue;
    const ours = load(unit.text, { extra: { ...FIXTURES } });
    if (same(ours, haproxy)) continue;
    if (unit.members.length === 1) {
      diffs.push({ text: unit.text, ours, haproxy });
      continue;
    }
    // Name the culprits.
    const singles = unit.members.map((i) => cases[i] ?? '');
    const singleRefs = await runAll(singles, concurrency);
    let found = false;
    singles.forEach((text, j) => {
      const h = singleRefs[j];
      const o = load(text, { extra: { ...FIXTURES } });
      if (h !== undefined && !same(o, h)) {
        diffs.push({ text, ours: o, haproxy: h });
        found = true;
      }
    });
    if (!found) diffs.push({ text: unit.text, ours, haproxy });
  }
  return diffs;
}

/** A readable report of the differences, for assertion messages. */
export function describeDiffs(diffs: readonly CaseDiff[]): string {
  return diffs
    .map((d) => [
      '--- case:', d.text.trimEnd(),
      `--- ours (failed=${String(d.ours.failed)}):`, ...d.ours.lines,
      `--- haproxy (failed=${String(d.haproxy.failed)}):`, ...d.haproxy.lines,
    ].join('\n'))
    .join('\n\n');
}
