/**
 * User and group names resolved the way getpwnam()/getgrnam() do with the
 * "files" source, for `user`, `group`, `unix-bind` and the program section.
 */
import { readFileSync } from 'node:fs';

/** Entries of /etc/passwd or /etc/group (the "files" source of getpwnam()/getgrnam()), by name. */
const systemIds = new Map<string, Map<string, number>>();
export function systemId(file: '/etc/passwd' | '/etc/group', name: string): number | undefined {
  let m = systemIds.get(file);
  if (m === undefined) {
    m = new Map();
    try {
      for (const line of readFileSync(file, 'utf8').split('\n')) {
        const f = line.split(':');
        if (f.length >= 3 && f[0] !== '' && !m.has(f[0]!)) m.set(f[0]!, Number(f[2]));
      }
    } catch {
      /* no file: no names */
    }
    systemIds.set(file, m);
  }
  return m.get(name);
}
