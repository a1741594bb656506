/**
 * Helpers of the log differential tests: a UDP syslog collector on
 * 127.0.0.1, a runner that starts haproxy or Switchyard with `${UDP}`
 * replaced by the collector's port, plays a scenario and returns the lines
 * received, and a mask for what legitimately differs (dates, pids, client
 * ports, timer values).
 */
import dgram from 'node:dgram';
import net from 'node:net';
import { startProxy, type ProxyKind, type RunningProxy } from '../../helpers/processes.js';

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A UDP socket that records every datagram as a latin1 string. */
export async function udpCollector(): Promise<{ port: number; lines: string[]; close(): void }> {
  const sock = dgram.createSocket('udp4');
  const lines: string[] = [];
  sock.on('message', (m) => lines.push(m.toString('latin1')));
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
  return { port: sock.address().port, lines, close: () => sock.close() };
}

/**
 * Runs `config` (with `${UDP}` = the collector's port) under `kind`, plays
 * `scenario`, waits for the lines to arrive and returns them.
 */
export async function logLines(
  kind: ProxyKind,
  config: string,
  scenario: (p: RunningProxy) => Promise<void>,
  vars: Record<string, string> = {},
  settleMs = 150,
): Promise<{ lines: string[]; stdout: string }> {
  const udp = await udpCollector();
  const p = await startProxy(kind, config, { vars: { UDP: String(udp.port), ...vars } });
  try {
    await scenario(p);
    await sleep(settleMs);
    return { lines: [...udp.lines], stdout: p.stdout() };
  } finally {
    await p.stop();
    udp.close();
  }
}

/** One timer value: -1 is kept (a phase not reached), others become N (+N with logasap). */
export const maskTimer = (x: string): string => (x === '-1' ? '-1' : x.startsWith('+') ? '+N' : 'N');

/** Masks dates, pids, ports and non-negative timers so that haproxy's and Switchyard's lines compare. */
export function maskLine(l: string): string {
  let s = l
    .replace(/\w{3} [ \d]\d \d\d:\d\d:\d\d/, 'DATE')
    .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}[+-]\d\d:\d\d/g, 'ISO')
    .replace(/\[(\d\d\/\w{3}\/\d{4}:\d\d:\d\d:\d\d)(\.\d{3})?( [+-]\d{4})?\]/g, '[T]')
    .replace(/(\w+)\[\d+\]: /, '$1[PID]: ')
    .replace(/^(<\d+>1 ISO \S+ \S+) \d+ /, '$1 PID ')
    .replace(/127\.0\.0\.1:\d+/g, '127.0.0.1:P');
  // The first slash-separated number group after the server name is the timers
  // ('+' before the total time with option logasap is kept).
  s = s.replace(/ (-?\d+(?:\/[-+]?\d+){2,4}) /, (_m, g: string) => ` ${g.split('/').map(maskTimer).join('/')} `);
  return s;
}

/** Sends `data` on a new connection and resolves with what came back once the connection closes (bounded). */
export function exchange(port: number, data: string | Buffer, opts: { endAfterMs?: number; resetAfterMs?: number; timeoutMs?: number } = {}): Promise<string> {
  return new Promise((resolve) => {
    const c = net.connect({ port, host: '127.0.0.1', allowHalfOpen: false });
    let got = '';
    const t = setTimeout(() => c.destroy(), opts.timeoutMs ?? 3000);
    c.on('connect', () => {
      if (data.length > 0) c.write(data);
      if (opts.endAfterMs !== undefined) setTimeout(() => c.end(), opts.endAfterMs);
      if (opts.resetAfterMs !== undefined) setTimeout(() => c.resetAndDestroy(), opts.resetAfterMs);
    });
    c.on('data', (d) => (got += d.toString('latin1')));
    c.on('error', () => undefined);
    c.on('close', () => {
      clearTimeout(t);
      resolve(got);
    });
  });
}

/** Runs the same scenario through both programs and returns their masked lines. */
export async function bothMasked(
  config: string,
  scenario: (p: RunningProxy) => Promise<void>,
  vars: Record<string, string> = {},
): Promise<{ haproxy: string[]; switchyard: string[] }> {
  const h = await logLines('haproxy', config, scenario, vars);
  const s = await logLines('switchyard', config, scenario, vars);
  return { haproxy: h.lines.map(maskLine), switchyard: s.lines.map(maskLine) };
}
