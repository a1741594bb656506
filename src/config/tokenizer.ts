/**
 * The haproxy.cfg line tokenizer: a faithful port of HAProxy 2.6 `parse_line()`
 * (src/tools.c) as called by `readcfgfile()` (src/cfgparse.c), specified by
 * configuration.txt §2.2 "Quoting and escaping" and §2.3 "Environment variables".
 * Every rule below was checked against haproxy 2.6.12 (see
 * test/compat/config/tokenizer.test.ts, which runs both on the same lines).
 *
 * Strings are byte strings: one UTF-16 code unit per byte (decode files as
 * 'latin1'). `\xNN` yields one code unit, and every position in a message
 * counts code units, i.e. bytes, like haproxy.
 *
 * Notes for the reader (cfgparse side), all verified with haproxy 2.6.12:
 *  - Pass the line without its '\n' but otherwise raw: leading blanks are
 *    skipped here (readcfgfile does it before parse_line) yet still counted in
 *    the "at position N" of error messages; a '\r' ends the line.
 *  - A line whose `words` is empty, or whose first word is "" (e.g. `"" foo` or
 *    `"${UNSET}" foo`), is ignored by haproxy (`if (!**args) continue`).
 *  - A line starting with '[' is a scope declaration, not tokenized: see
 *    `TokenizedLine.scope` (processed even inside a false `.if`).
 *  - Every `error` here is an ALERT and the line is skipped (haproxy: fatal++,
 *    `goto next_line`). The lexer never emits warnings in 2.6.
 *  - A NUL byte: haproxy processes the line up to it as usual (lexer errors,
 *    directives, keywords), THEN reports `strayNul` and stops reading the file
 *    (the unclosed-block check still runs).
 *  - Lines inside a false `.if` block ARE tokenized and their lexer errors ARE
 *    reported (e.g. an unmatched quote inside `.if 0` is still a fatal alert);
 *    only keyword parsing and `.notice`-like directives are skipped.
 *  - These messages use haproxy's "parsing [file:line]: " prefix WITHOUT a
 *    space before the colon (unlike keyword errors, "parsing [file:line] : ").
 *  - haproxy stops a file after 50 fatal errors: "too many fatal errors (50),
 *    stopping now." (reader's job).
 *  - There is no line length limit in 2.6 (a 70000-byte line is accepted).
 */

import type { EnvLookup } from './environment.js';

/** tools.h MAX_LINE_ARGS: a line may hold at most 64 words. */
export const MAX_LINE_ARGS = 64;

/** A lexer error, in haproxy's wording without the "parsing [f:l]: " prefix. */
export interface TokenizeError {
  code: string;
  /** Possibly multi-line (the offending line and a caret), no trailing newline. */
  message: string;
  /** 1-based byte position in the raw line, as printed by haproxy. */
  position?: number;
  /** haproxy stops reading the file after this error (only CFG_STRAY_NUL). */
  stop?: boolean;
  /**
   * The place prefix is "parsing [f:l] : " (with a space, like keyword errors)
   * rather than the lexer's "parsing [f:l]: " (scope declaration errors).
   */
  spacedPrefix?: boolean;
}

export interface TokenizedLine {
  /** The arguments haproxy would see (`args[0..nbargs-1]`). */
  words: string[];
  error?: TokenizeError;
  warnings?: string[];
  /**
   * The line held a NUL byte: `words`/`error` describe the bytes before it
   * (what haproxy sees as a C string); once the line is processed, report this
   * alert (CFG_STRAY_NUL, "Stray NUL character at position N.") and stop
   * reading the file.
   */
  strayNul?: TokenizeError;
  /**
   * The line is a scope declaration "[name]" (cfgparse.c cfg_parse_scope():
   * a first non-blank '[' bypasses the tokenizer, even inside a false `.if`).
   * `words` is then empty; the reader stores the scope.
   */
  scope?: string;
  /**
   * True when the line ended with an empty, uncounted slot (a trailing blank,
   * a blank before '#', or a final `""`). haproxy keeps it in its output
   * buffer; it matters only when words are re-merged, as `.if` does
   * ("`.if foo # c`" reports 'foo ' with a trailing space).
   */
  trailingEmptySlot?: boolean;
}

/** Values of the pseudo-variables `${.FILE}`, `${.LINE}`, `${.SECTION}` (configuration.txt §2.3). */
export interface PseudoVars {
  file: string;
  line: number;
  /** Section name, or its type when unnamed ("global"), or "" before the first section. */
  section: string;
}

/** Options of {@link splitLine}; the defaults are those readcfgfile() uses. */
export interface SplitOptions {
  /** '#' starts a comment and `\#` is an escape (PARSE_OPT_SHARP). Default true. */
  comments?: boolean;
  /** Skip leading blanks before parsing, as readcfgfile() does. Default true. */
  skipLeadingBlanks?: boolean;
  /** `${VAR[*]}` splits the value into words (PARSE_OPT_WORD_EXPAND). Default true. */
  wordExpand?: boolean;
  pseudo?: PseudoVars;
  /**
   * Detect PARSE_ERR_OVERLAP: `haproxy -cc` parses its argument in place, so a
   * variable value longer than its reference overwrites unread input (haproxy
   * 2.6 then reports "Unmatched quote"). Default false.
   */
  inPlace?: boolean;
}

export type SplitErrorKind = 'quote' | 'brace' | 'varname' | 'hex' | 'expand';

/** Raw outcome of parse_line(), before it is turned into messages. */
export interface SplitOutcome {
  /** Every output slot, including a trailing empty one; words may contain '\0' (from `\x00`). */
  slots: string[];
  /** haproxy's nbargs: slots minus a trailing empty one. */
  count: number;
  /** Index in the line where parsing started (after leading blanks). */
  start: number;
  error?: { kind: SplitErrorKind; index: number; printEnd?: number };
  /** More than MAX_LINE_ARGS slots were started (PARSE_ERR_TOOMANY). */
  tooMany: boolean;
  /** With `inPlace`: the output caught up with the input (PARSE_ERR_OVERLAP). */
  overlap?: boolean;
}

/** C isspace() in the "C" locale. */
function isSpace(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d);
}
function isAlpha(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}
function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}
function isHex(c: number): boolean {
  return isDigit(c) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
}
function hexVal(c: number): number {
  return isDigit(c) ? c - 0x30 : (c | 0x20) - 0x61 + 10;
}

/**
 * Cuts a C string at its first NUL: a word holding `\x00` ends there for
 * haproxy, and a message built with a NUL (printf's `%c` of the '\0' that
 * ended a value) is printed up to it. The one implementation for words and
 * messages alike.
 */
export function cString(s: string): string {
  const z = s.indexOf('\0');
  return z < 0 ? s : s.slice(0, z);
}

/**
 * Runs parse_line() on `line` and returns the raw slots and error kind.
 * Lower-level than {@link tokenizeLine}; also used for `-cc` (no comments,
 * no blank skipping).
 */
export function splitLine(input: string, env: EnvLookup, options: SplitOptions = {}): SplitOutcome {
  let line = input;
  const sharp = options.comments ?? true;
  const wordExpand = options.wordExpand ?? true;
  const pseudo = options.pseudo;
  const n = line.length;
  const at = (k: number): number => (k < n ? line.charCodeAt(k) : 0);

  let i = 0;
  if (options.skipLeadingBlanks ?? true) while (i < n && isSpace(line.charCodeAt(i))) i++;
  const start = i;

  const slots: string[] = [];
  let cur = '';
  let squote = false;
  let dquote = false;
  let quote = -1;
  let tooMany = false;
  // In-place parsing: EMIT_CHAR() flags an overlap when the write position
  // passes the read position, and a value byte written exactly at the read
  // position replaces the next input byte (verified with HOME=/home/sy:
  // -cc '"$HOME"' fails, '"${HOME}"' works, and 'streq("$HOME",x)' fails
  // from 7 bytes on, one byte more than "$HOME" spans).
  const inPlace = options.inPlace ?? false;
  let outpos = 0;
  let overlap = false;
  const emitted = (count: number, readPos: number, text?: string): void => {
    if (inPlace && count > 0) {
      const last = outpos + count - 1;
      if (last > readPos) overlap = true;
      else if (last === readPos && text !== undefined && !overlap && !tooMany) {
        line = line.slice(0, readPos) + text.charAt(text.length - 1) + line.slice(readPos + 1);
      }
    }
    outpos += count;
  };
  const done = (o: SplitOutcome): SplitOutcome => (overlap ? { ...o, overlap } : o);
  const fail = (kind: SplitErrorKind, index: number, printEnd?: number): SplitOutcome => {
    slots.push(cur);
    return done({ slots, count: slots.length, start, error: { kind, index, ...(printEnd !== undefined ? { printEnd } : {}) }, tooMany });
  };
  // tools.c: "arg++; if (arg < argsmax) args[arg] = ...; else err |= PARSE_ERR_TOOMANY"
  // with argsmax = MAX_LINE_ARGS: a 65th slot is an error even if it stays empty,
  // so 64 words followed by a blank or a comment are "too many words" (verified).
  const nextSlot = (): void => {
    slots.push(cur);
    cur = '';
    if (slots.length >= MAX_LINE_ARGS) tooMany = true;
  };

  while (i < n) {
    const c = line.charCodeAt(i);
    if (c === 0 || c === 0x0a || c === 0x0d) break; // end of line: a CR ends it too
    if (c === 0x23 && sharp && !squote && !dquote) break; // '#' comment
    if (c === 0x22 && !squote) {
      // '"' toggles weak quoting
      dquote = !dquote;
      if (dquote) quote = i;
      i++;
      continue;
    }
    if (c === 0x27 && !dquote) {
      // '\'' toggles strong quoting
      squote = !squote;
      if (squote) quote = i;
      i++;
      continue;
    }
    if (c === 0x5c && !squote) {
      // configuration.txt §2.2: \<SPC> \\ \t \n \r \# \' \" \$ \xNN; any other
      // combination keeps the backslash (`a\qb` stays `a\qb`).
      const d = at(i + 1);
      let out = '\\';
      switch (d) {
        case 0x20: // ' '
        case 0x5c: // '\\'
          out = line[i + 1] as string;
          i++;
          break;
        case 0x74: // 't'
          out = '\t';
          i++;
          break;
        case 0x6e: // 'n'
          out = '\n';
          i++;
          break;
        case 0x72: // 'r'
          out = '\r';
          i++;
          break;
        case 0x23: // '#': an escape only when comments are supported
          if (sharp) {
            out = '#';
            i++;
          }
          break;
        case 0x27: // '\'' (we are outside single quotes here)
          out = "'";
          i++;
          break;
        case 0x22: // '"'
          out = '"';
          i++;
          break;
        case 0x24: // '$': only inside double quotes (outside, "\$" stays "\$")
          if (dquote) {
            out = '$';
            i++;
          }
          break;
        case 0x78: {
          // 'x'
          const h1 = at(i + 2);
          const h2 = at(i + 3);
          if (!isHex(h1) || !isHex(h2)) return fail('hex', i);
          out = String.fromCharCode((hexVal(h1) << 4) + hexVal(h2));
          i += 3;
          break;
        }
        default:
          break;
      }
      i++;
      cur += out;
      emitted(1, i);
      continue;
    }
    if (isSpace(c) && !squote && !dquote) {
      // An unquoted blank separates words; C skips every isspace() char here,
      // including a CR that follows a blank.
      while (i < n && isSpace(line.charCodeAt(i))) i++;
      nextSlot();
      emitted(1, i);
      continue;
    }
    if (c === 0x24 && dquote) {
      // configuration.txt §2.3: variables are expanded only inside double quotes.
      i++;
      let brace = -1;
      if (at(i) === 0x7b) brace = i++;
      const f = at(i);
      if (!isAlpha(f) && f !== 0x5f && f !== 0x2e) return fail('varname', i);
      const nameStart = i;
      if (f === 0x2e) i++;
      while (i < n) {
        const k = line.charCodeAt(i);
        if (!isAlpha(k) && !isDigit(k) && k !== 0x5f) break;
        i++;
      }
      const name = line.slice(nameStart, i);
      let value: string | undefined;
      if (f === 0x2e) {
        // Pseudo-variables; any other ".NAME" is rejected, and haproxy prints the
        // line cut after the name (parse_line left a NUL there).
        if (name === '.LINE') value = String(pseudo?.line ?? env.get('.LINE') ?? '');
        else if (name === '.FILE') value = pseudo?.file ?? env.get('.FILE') ?? '';
        else if (name === '.SECTION') value = pseudo?.section ?? env.get('.SECTION') ?? '';
        else return fail('varname', nameStart, i);
      } else {
        value = env.get(name);
      }
      let expand = false;
      if (at(i) === 0x5b && brace >= 0 && wordExpand) {
        // "${VAR[*]}": split the value into words
        const open = i++;
        if (at(i++) !== 0x2a || at(i++) !== 0x5d) return fail('expand', open);
        expand = true;
      }
      if (brace >= 0) {
        if (at(i) === 0x2d) {
          // "${VAR-default}": the default replaces only an unset variable, not
          // an empty one; it is taken verbatim up to the first '}'.
          const close = line.indexOf('}', i);
          if (close < 0) return fail('brace', brace);
          if (value === undefined) value = line.slice(i + 1, close);
          i = close;
        } else if (at(i) !== 0x7d) {
          return fail('brace', brace);
        }
        i++;
      }
      // An unset variable expands to nothing (2.6.12 keeps the surrounding
      // word: `"${UNSET}" x` gives '' and 'x').
      if (value !== undefined) {
        if (!expand) {
          cur += value;
          emitted(value.length, i, value);
        } else {
          let k = 0;
          while (k < value.length) {
            if (isSpace(value.charCodeAt(k))) {
              nextSlot();
              k++;
              while (k < value.length && isSpace(value.charCodeAt(k))) k++;
              emitted(1, i, '\0');
            } else {
              const ch = value[k] as string;
              cur += ch;
              k++;
              emitted(1, i, ch);
            }
          }
        }
      }
      continue;
    }
    cur += line[i];
    i++;
    emitted(1, i);
  }
  emitted(1, i); // the final NUL
  slots.push(cur);
  // tools.c: "if the last argument is empty, it must not be counted".
  const last = slots[slots.length - 1] ?? '';
  const count = last.length > 0 && last.charCodeAt(0) !== 0 ? slots.length : slots.length - 1;
  if (squote || dquote) return done({ slots, count, start, error: { kind: 'quote', index: quote }, tooMany });
  return done({ slots, count, start, tooMany });
}

/**
 * tools.c sanitize_for_printing(): blanks become ' ', other non-printable
 * bytes '?'; when `pos` is past `width` the text is windowed around it with
 * "..." on both sides. Returns the printed text and the new position of `pos`.
 */
export function sanitizeForPrinting(text: string, pos: number, width: number): { text: string; pos: number } {
  let shift = 0;
  let out = '';
  let from = 0;
  let max = width;
  if (pos >= width) {
    shift = pos - Math.floor(width / 2);
    from = shift + 3;
    max = width - 6;
    out = '...';
  }
  for (let k = from, copied = 0; copied < max && k < text.length; k++, copied++) {
    const c = text.charCodeAt(k);
    if (c === 0) break;
    out += isSpace(c) ? ' ' : c >= 0x20 && c < 0x7f ? text[k] : '?';
  }
  if (pos >= width) out += '...';
  return { text: out, pos: pos - shift };
}

const SPLIT_ERRORS: Record<SplitErrorKind, { code: string; what: string }> = {
  quote: { code: 'CFG_UNMATCHED_QUOTE', what: 'unmatched quote' },
  brace: { code: 'CFG_UNMATCHED_BRACE', what: 'unmatched brace in environment variable name' },
  varname: { code: 'CFG_BAD_VARIABLE_NAME', what: 'forbidden first char in environment variable name' },
  hex: { code: 'CFG_BAD_HEX_ESCAPE', what: 'truncated or invalid hexadecimal sequence' },
  expand: { code: 'CFG_BAD_WORD_EXPANSION', what: 'truncated or invalid word expansion sequence' },
};

/**
 * Splits one configuration line into words like haproxy's parse_line(): blanks,
 * '#', backslash escapes, '...' and "..." quotes, "${VAR}" expansion.
 *
 * @param line the raw line without its '\n' (leading blanks included).
 * @param env variables for "$VAR" / "${VAR}"; `.FILE`/`.LINE`/`.SECTION` come
 *   from `pseudo` when given, else from `env.get('.LINE')` etc.
 */
export function tokenizeLine(line: string, env: EnvLookup, pseudo?: PseudoVars): TokenizedLine {
  // cfgparse.c works on C strings: a NUL ends the line for parse_line(), and
  // is reported once the line has been processed (verified: "unknown keyword"
  // comes before "Stray NUL character").
  const nul = line.indexOf('\0');
  if (nul >= 0) {
    const head = tokenizeLine(line.slice(0, nul), env, pseudo);
    head.strayNul = { code: 'CFG_STRAY_NUL', message: `Stray NUL character at position ${nul + 1}.`, position: nul + 1, stop: true };
    return head;
  }
  let first = 0;
  while (first < line.length && isSpace(line.charCodeAt(first))) first++;
  if (line[first] === '[') return scopeLine(line, first);
  const r = splitLine(line, env, pseudo !== undefined ? { pseudo } : {});
  const words = r.slots.slice(0, r.count).map(cString);
  const result: TokenizedLine = { words };
  if (r.count < r.slots.length) result.trailingEmptySlot = true;
  if (r.error !== undefined) {
    // cfgparse.c: "%s at position %d:\n  %s\n  %*s\n" with the line from its
    // first non-blank byte, sanitized to 80 columns, and a caret.
    const e = SPLIT_ERRORS[r.error.kind];
    const shown = line.slice(r.start, r.error.printEnd ?? line.length);
    const s = sanitizeForPrinting(shown, r.error.index - r.start, 80);
    result.error = {
      code: e.code,
      message: `${e.what} at position ${r.error.index + 1}:\n  ${s.text}\n  ${' '.repeat(s.pos)}^`,
      position: r.error.index + 1,
    };
  } else if (r.tooMany) {
    // cfgparse.c: position is the offset of args[63] in the output buffer + 1.
    let offset = 0;
    for (let k = 0; k < MAX_LINE_ARGS - 1; k++) offset += (r.slots[k] ?? '').length + 1;
    const w = cString(r.slots[MAX_LINE_ARGS - 1] ?? '');
    result.error = {
      code: 'CFG_TOO_MANY_WORDS',
      message: `too many words, truncating after word ${MAX_LINE_ARGS}, position ${offset + 1}: <${w}>.`,
    };
  }
  return result;
}

/** cfgparse.c invalid_char(): names may hold alphanumerics, '.', ':', '_' and '-'. */
function isNameChar(c: number): boolean {
  return isAlpha(c) || isDigit(c) || c === 0x2e || c === 0x3a || c === 0x5f || c === 0x2d;
}

/** cfgparse.c cfg_parse_scope(): "[name]" alone on its line (a comment may follow). */
function scopeLine(line: string, open: number): TokenizedLine {
  const fail = (code: string, message: string): TokenizedLine => ({ words: [], error: { code, message, spacedPrefix: true } });
  const close = line.indexOf(']', open + 1);
  if (close < 0 || close === open + 1) return fail('CFG_EMPTY_SCOPE', 'empty scope name is forbidden.');
  const scope = line.slice(open + 1, close);
  for (let k = 0; k < scope.length; k++) {
    if (!isNameChar(scope.charCodeAt(k))) return fail('CFG_BAD_SCOPE_NAME', `character '${scope[k] as string}' is not permitted in a scope name.`);
  }
  let k = close + 1;
  while (k < line.length && isSpace(line.charCodeAt(k))) k++;
  const c = line[k];
  if (c !== undefined && c !== '#' && c !== '\n' && c !== '\r') {
    return fail('CFG_TRAILING_AFTER_SCOPE', `character '${c}' is not permitted after scope declaration.`);
  }
  return { words: [], scope };
}

/**
 * Quotes a word so that {@link tokenizeLine} gives it back unchanged, whatever
 * the environment and its place on the line: bare when it holds only safe
 * printable ASCII (and does not start with '['), '...' when it
 * has no single quote nor CR/LF, else "..." with `\\ \" \$ \r \n` escapes.
 * A word cannot contain NUL (haproxy would cut it there).
 */
export function quoteWord(word: string): string {
  if (word.length === 0) return '""';
  if (word.indexOf('\0') >= 0) throw new RangeError('a configuration word cannot contain a NUL byte');
  let safe = true;
  let single = true;
  for (let k = 0; k < word.length; k++) {
    const c = word.charCodeAt(k);
    // Bare: printable ASCII except blank, '"', '#', '\'', '\\'.
    if (c <= 0x20 || c >= 0x7f || c === 0x22 || c === 0x23 || c === 0x27 || c === 0x5c) safe = false;
    if (c === 0x27 || c === 0x0a || c === 0x0d) single = false;
  }
  // A line whose first word starts with '[' would be a scope declaration.
  if (word[0] === '[') safe = false;
  if (safe) return word;
  if (single) return `'${word}'`;
  let out = '"';
  for (let k = 0; k < word.length; k++) {
    const ch = word[k] as string;
    if (ch === '\\' || ch === '"' || ch === '$') out += '\\' + ch;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else out += ch;
  }
  return out + '"';
}
