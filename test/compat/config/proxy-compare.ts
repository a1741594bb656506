/**
 * Runs the proxy corpus through `haproxy -c` (several at a time) and through
 * our loader, and reports each case whose verdict or printed messages differ.
 * Messages are compared exactly and in order, warnings included; our
 * "parsed but not enforced yet" warnings are left out.
 */
import { load, referenceAsync, type Printed } from '../../unit/config/proxy-driver.js';
import { FIXTURES } from './proxy-cases.js';

export interface CaseDiff {
  readonly text: string;
  readonly ours: Printed;
  readonly haproxy: Printed;
}

/** Compares every case; resolves to the differing ones. */
export async function compareCases(cases: readonly string[], concurrency = 8): Promise<CaseDiff[]> {
  const refs: (Printed | undefined)[] = new Array<Printed | undefined>(cases.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < cases.length) {
      const i = next++;
      refs[i] = await referenceAsync(cases[i] ?? '', { extra: { ...FIXTURES } });
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const diffs: CaseDiff[] = [];
  cases.forEach((text, i) => {
    const haproxy = refs[i];
    if (haproxy === undefined) throw new Error('haproxy could not be run');
    const ours = load(text, { extra: { ...FIXTURES } });
    if (ours.failed !== haproxy.failed || JSON.stringify(ours.lines) !== JSON.stringify(haproxy.lines)) {
      diffs.push({ text, ours, haproxy });
    }
  });
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
