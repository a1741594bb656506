/**
 * `userlist <name>` sections (configuration.txt §3.4): `group <name> [users
 * <u1>,<u2>...]` and `user <name> [password|insecure-password <pw>] [groups
 * <g1>,<g2>...]`. haproxy 2.6 parses them in cfgparse.c cfg_parse_users(),
 * calls the section 'users' in its messages and uses the tight
 * `parsing [f:l]: ` form; the cross references between users and groups are
 * resolved once everything is parsed (auth.c userlist_postinit()).
 */
import type { UserlistSection } from '../model/sections.js';
import { registerPostCheck, registerSection, type LineContext, type SectionParser } from '../section-registry.js';
import { invalidChar, tooManyArgs } from '../proxy/util.js';
import { applyModifier } from '../global/keyword-modifier.js';
import { cryptScheme } from '../../http/crypt.js';

interface UserlistState {
  /** The list lines go to: the new one, or the last one created when the header failed (as haproxy). */
  readonly list: UserlistSection | undefined;
}

/** strtok(s, ","): the non-empty pieces. */
function commaList(text: string): string[] {
  return text.split(',').filter((s) => s !== '');
}

function lastList(ctx: LineContext): UserlistSection | undefined {
  return ctx.model.userlists[ctx.model.userlists.length - 1];
}

function parseGroup(ctx: LineContext, list: UserlistSection | undefined, words: string[]): void {
  const name = words[1] ?? '';
  if (name === '') return ctx.alert('CFG_USERLIST_MISSING_NAME', `'group' expects <name> as arguments.`, 'parsing-tight');
  const bad = invalidChar(name);
  if (bad !== undefined) {
    return ctx.alert('CFG_USERLIST_BAD_NAME', `character '${bad}' is not permitted in 'group' name '${name}'.`, 'parsing-tight');
  }
  if (list === undefined) return;
  if (list.groups.some((g) => g.name === name)) {
    return ctx.warning('CFG_USERLIST_DUPLICATE', `ignoring duplicated group '${name}' in userlist '${list.name}'.`, 'parsing-tight');
  }
  let users: string[] = [];
  for (let i = 2; (words[i] ?? '') !== ''; i += 2) {
    if (words[i] !== 'users') return ctx.alert('CFG_USERLIST_BAD_OPTION', `'group' only supports 'users' option.`, 'parsing-tight');
    users = commaList(words[i + 1] ?? '');
  }
  list.groups.push({ name, users, place: ctx.place });
}

function parseUser(ctx: LineContext, list: UserlistSection | undefined, words: string[]): void {
  const name = words[1] ?? '';
  if (name === '') return ctx.alert('CFG_USERLIST_MISSING_NAME', `'user' expects <name> as arguments.`, 'parsing-tight');
  if (list === undefined) return;
  if (list.users.some((u) => u.name === name)) {
    return ctx.warning('CFG_USERLIST_DUPLICATE', `ignoring duplicated user '${name}' in userlist '${list.name}'.`, 'parsing-tight');
  }
  let password: string | undefined;
  let insecure = false;
  let groups: string[] = [];
  // haproxy adds the user before reading its options: an error leaves it defined
  const index = list.users.length;
  const commit = (): void => {
    list.users[index] = { name, password, insecure, groups, place: ctx.place };
  };
  commit();
  for (let i = 2; (words[i] ?? '') !== ''; i += 2) {
    const opt = words[i];
    const arg = words[i + 1] ?? '';
    // crypt(3) here is libxcrypt, which returns a failure token rather than NULL for
    // an unknown hash: haproxy's "not supported by crypt(3)" check never fires
    if (opt === 'password') password = arg;
    else if (opt === 'insecure-password') {
      password = arg;
      insecure = true;
    } else if (opt === 'groups') groups = commaList(arg);
    else {
      commit();
      return ctx.alert('CFG_USERLIST_BAD_OPTION', `'user' only supports 'password', 'insecure-password' and 'groups' options.`, 'parsing-tight');
    }
  }
  commit();
}

export const userlistSection: SectionParser<UserlistState> = {
  keyword: 'userlist',
  displayName: 'users',
  open(ctx, words) {
    const name = words[1] ?? '';
    const previous = { list: lastList(ctx) };
    if (name === '') {
      ctx.alert('CFG_USERLIST_MISSING_NAME', `'userlist' expects <name> as arguments.`, 'parsing-tight');
      return previous;
    }
    if (tooManyArgs(ctx, words, 1)) return previous;
    const bad = invalidChar(name);
    if (bad !== undefined) {
      ctx.alert('CFG_USERLIST_BAD_NAME', `character '${bad}' is not permitted in 'userlist' name '${name}'.`, 'parsing-tight');
      return previous;
    }
    if (ctx.model.userlists.some((u) => u.name === name)) {
      ctx.warning('CFG_USERLIST_DUPLICATE', `ignoring duplicated userlist '${name}'.`, 'parsing-tight');
      return previous;
    }
    const list: UserlistSection = { name, place: ctx.place, directives: [], users: [], groups: [] };
    ctx.model.userlists.push(list);
    return { list };
  },
  line(ctx, st, rawWords) {
    const { words } = applyModifier(ctx, rawWords);
    const kw = words[0] ?? '';
    if (kw === 'group') parseGroup(ctx, st.list, words);
    else if (kw === 'user') parseUser(ctx, st.list, words);
    else ctx.alert('CFG_UNKNOWN_KEYWORD', `unknown keyword '${kw}' in 'users' section`, 'parsing-tight');
  },
};

registerSection(userlistSection);

/**
 * auth.c userlist_postinit(): every group named by a user and every user
 * named by a group must exist. haproxy keeps its lists newest first and stops
 * at the first error, so we walk them in that order.
 */
registerPostCheck('userlist-references', (model, diag) => {
  for (const list of [...model.userlists].reverse()) {
    for (const user of [...list.users].reverse()) {
      for (const g of user.groups) {
        if (!list.groups.some((x) => x.name === g)) {
          diag.push({ severity: 'alert', code: 'CFG_USERLIST_NO_GROUP', message: `userlist '${list.name}': no such group '${g}' specified in user '${user.name}'` });
          return 'stop';
        }
      }
    }
    for (const group of [...list.groups].reverse()) {
      for (const u of group.users) {
        if (!list.users.some((x) => x.name === u)) {
          diag.push({ severity: 'alert', code: 'CFG_USERLIST_NO_USER', message: `userlist '${list.name}': no such user '${u}' specified in group '${group.name}'` });
          return 'stop';
        }
      }
    }
  }
  return undefined;
}, 10);

/** libxcrypt schemes Switchyard does not compute (crypt.ts), by prefix, for the warning below. */
const UNSUPPORTED_SCHEMES: ReadonlyArray<readonly [string, string]> = [
  ['$2', 'bcrypt'], ['$y$', 'yescrypt'], ['$gy$', 'gost-yescrypt'], ['$7$', 'scrypt'], ['$sha1$', 'sha1crypt'],
  ['$md5', 'SunMD5'], ['$3$', 'NT hash'], ['_', 'BSDi extended DES'],
];

/**
 * Not a haproxy check: haproxy hands any hash to the system crypt(3), while
 * Switchyard computes MD5-, SHA-256-, SHA-512- and DES-crypt itself
 * (src/http/crypt.ts). A user whose hash is of another kind can never log in:
 * say so at startup, naming the user and the scheme.
 */
registerPostCheck('userlist-hashes', (model, diag) => {
  for (const list of model.userlists) {
    for (const user of list.users) {
      if (user.insecure || user.password === undefined || cryptScheme(user.password) !== undefined) continue;
      const kind = UNSUPPORTED_SCHEMES.find(([p]) => user.password!.startsWith(p))?.[1];
      const why = kind === undefined ? 'is not a crypt(3) hash Switchyard recognises' : `uses ${kind}, which Switchyard does not implement (use $5$ or $6$)`;
      diag.warning('CFG_USERLIST_UNSUPPORTED_HASH', `userlist '${list.name}': the password of user '${user.name}' ${why}; this user will never authenticate.`, user.place, 'parsing-tight');
    }
  }
  return undefined;
}, 11);
