/**
 * Checks a rule regex the way haproxy's regex_comp() reports it with PCRE2:
 * `regex '<re>' is invalid (error=<pcre2 message>, erroffset=<n>)`.
 *
 * A syntax scan finds the errors people actually make (unbalanced
 * parentheses or brackets, misplaced quantifiers, bad `(?` groups, trailing
 * backslash) with PCRE2's own wording and offsets; other patterns are
 * accepted here and compiled by the runtime.
 */

interface RegexProblem {
  readonly message: string;
  readonly offset: number;
}

const GROUP_STARTS = ':=!<>|#\'P(&+-0123456789RimnsxJU^';

/** Scans a PCRE pattern; undefined when no error is found. */
export function scanRegex(re: string): RegexProblem | undefined {
  const open: number[] = [];
  let atom = false;
  let i = 0;
  const quantifier = (pos: number): RegexProblem | undefined =>
    atom ? undefined : { message: 'quantifier does not follow a repeatable item', offset: pos };
  while (i < re.length) {
    const c = re[i]!;
    if (c === '\\') {
      if (i + 1 >= re.length) return { message: '\\ at end of pattern', offset: re.length };
      i += 2;
      atom = true;
      continue;
    }
    if (c === '[') {
      let j = i + 1;
      if (re[j] === '^') j++;
      if (re[j] === ']') j++;
      for (;;) {
        if (j >= re.length) return { message: 'missing terminating ] for character class', offset: re.length };
        const d = re[j]!;
        if (d === '\\') j += 2;
        else if (d === '[' && re[j + 1] === ':') {
          const end = re.indexOf(':]', j + 2);
          j = end < 0 ? j + 1 : end + 2;
        } else if (d === ']') break;
        else j++;
      }
      i = j + 1;
      atom = true;
      continue;
    }
    if (c === '(') {
      if (re[i + 1] === '?') {
        const n = re[i + 2] ?? '';
        if (n === '' || !GROUP_STARTS.includes(n)) return { message: 'unrecognized character after (? or (?-', offset: i + 2 };
        if ((n === '<' && re[i + 3] !== '=' && re[i + 3] !== '!') || (n === 'P' && re[i + 3] === '<')) {
          let j = i + (n === 'P' ? 4 : 3);
          if (!/[A-Za-z_]/.test(re[j] ?? '')) return { message: 'subpattern name expected', offset: j };
          while (/[A-Za-z0-9_]/.test(re[j] ?? '')) j++;
          if (re[j] !== '>') return { message: 'syntax error in subpattern name (missing terminator?)', offset: j };
        }
      }
      open.push(i);
      atom = false;
      // "(?" introduces a group kind or inline options: not a quantifier.
      i += re[i + 1] === '?' ? 2 : 1;
      continue;
    }
    if (c === ')') {
      if (open.length === 0) return { message: 'unmatched closing parenthesis', offset: i };
      open.pop();
      atom = true;
      i++;
      continue;
    }
    if (c === '*' || c === '+' || c === '?') {
      const bad = quantifier(i);
      if (bad !== undefined) return bad;
      i++;
      // A lazy '?' or possessive '+' may follow a quantifier.
      if (re[i] === '?' || re[i] === '+') i++;
      atom = false;
      continue;
    }
    if (c === '{') {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(re.slice(i));
      if (m !== null) {
        const bad = quantifier(i);
        if (bad !== undefined) return bad;
        const min = Number(m[1]);
        const max = m[3] !== undefined && m[3] !== '' ? Number(m[3]) : undefined;
        const close = i + m[0].length - 1;
        if (min > 65535 || (max !== undefined && max > 65535)) return { message: 'number too big in {} quantifier', offset: close };
        if (max !== undefined && max < min) return { message: 'numbers out of order in {} quantifier', offset: close };
        i += m[0].length;
        if (re[i] === '?' || re[i] === '+') i++;
        atom = false;
        continue;
      }
      atom = true;
      i++;
      continue;
    }
    atom = !(c === '|' || c === '^' || c === '$');
    i++;
  }
  if (open.length > 0) return { message: 'missing closing parenthesis', offset: re.length };
  return undefined;
}

/** haproxy's message for an invalid regex, or undefined when it compiles. */
export function checkRegex(re: string): string | undefined {
  const p = scanRegex(re);
  return p === undefined ? undefined : `regex '${re}' is invalid (error=${p.message}, erroffset=${p.offset})`;
}
