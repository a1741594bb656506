/** Shared by the CLI tests that run one scenario under haproxy and Switchyard. */
import { haproxyAvailable } from '../../helpers/paths.js';
import type { ProxyKind } from '../../helpers/processes.js';

/** Both programs; haproxy's run is skipped when it is not installed. */
export const KINDS: Array<{ kind: ProxyKind; skip: string | false }> = [
  { kind: 'haproxy', skip: haproxyAvailable() ? false : 'haproxy is not installed' },
  { kind: 'switchyard', skip: false },
];

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** `p`'s value, or 'timeout' after `ms` (the timer is cleared so it never holds the test process). */
export async function within<T>(p: Promise<T>, ms: number): Promise<T | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), ms)));
  try {
    return await Promise.race([p, t]);
  } finally {
    clearTimeout(timer);
  }
}
