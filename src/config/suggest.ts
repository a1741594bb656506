/**
 * "did you mean 'check' maybe ?" — haproxy's keyword suggestions.
 *
 * Word start and word end are classes of their own (28 and 29), apart from
 * punctuation (27): with a shared class, 'ead-group' came closer to 'group'
 * than to 'thread-group', which haproxy suggests. A few words still differ
 * (haproxy suggests nothing for 'option', 'tion' or 'orts' in global, where
 * this measure finds a candidate within the cut-off): see the todo test in
 * test/compat/config/global.test.ts.
 *
 * HAProxy (src/tools.c make_word_fingerprint / word_fingerprint_distance, used by
 * cfg_find_best_match) compares bigram fingerprints rather than edit distances;
 * we use the same measure and the same cut-off so we suggest what it suggests.
 */

const SLOTS = 32;

// Classes: 0..25 letters, 26 digits, 27 anything else, 28 word start, 29 word end.
const BEGIN = 28;
const END = 29;

function classOf(code: number): number {
  if (code >= 97 && code <= 122) return code - 97;
  if (code >= 65 && code <= 90) return code - 65;
  if (code >= 48 && code <= 57) return 26;
  return 27;
}

/** The bigram histogram of a word, word boundaries included. */
export function wordFingerprint(word: string): Uint8Array {
  const fp = new Uint8Array(SLOTS * SLOTS);
  let from = BEGIN;
  for (let i = 0; i < word.length; i++) {
    const to = classOf(word.charCodeAt(i));
    fp[SLOTS * from + to]!++;
    from = to;
  }
  fp[SLOTS * from + END]!++;
  return fp;
}

export function fingerprintDistance(a: Uint8Array, b: Uint8Array): number {
  let dist = 0;
  for (let i = 0; i < a.length; i++) dist += Math.abs(a[i]! - b[i]!);
  return dist;
}

/**
 * The closest candidate to `word`, or undefined when nothing is close enough
 * (haproxy: distance above twice the length of either word).
 */
export function bestMatch(word: string, candidates: Iterable<string>): string | undefined {
  const fp = wordFingerprint(word);
  let best: string | undefined;
  let bestDist = Number.MAX_SAFE_INTEGER;
  for (const c of candidates) {
    const d = fingerprintDistance(fp, wordFingerprint(c));
    if (d < bestDist) {
      bestDist = d;
      best = c;
    }
  }
  if (best === undefined) return undefined;
  if (bestDist > 2 * word.length || bestDist > 2 * best.length) return undefined;
  return best;
}

/** "; did you mean 'x' maybe ?" or the empty string. */
export function suggestionSuffix(word: string, candidates: Iterable<string>): string {
  const m = bestMatch(word, candidates);
  return m === undefined ? '' : `; did you mean '${m}' maybe ?`;
}
