/**
 * Throttles a ServerLog: a client that opens thousands of bad connections
 * (a port scanner, a fuzzer, a misconfigured client in a retry loop) must
 * not write thousands of lines. Per event type, the first `burst` events of
 * each interval pass; the rest are counted, and when the interval ends one
 * 'suppressed' line says how many of that type were left out. Listener
 * lifecycle events (listening, closed, listen-error) always pass: they are
 * few and each one matters.
 */
import type { ServerLog, ServerLogEvent } from './context';

export interface LogThrottleOptions {
  /** Length of one interval (default 10 s). */
  intervalMs?: number;
  /** Events of one type passed per interval (default 5). */
  burst?: number;
}

const ALWAYS = new Set<ServerLogEvent['type']>(['listening', 'closed', 'listen-error']);

interface Window {
  passed: number;
  suppressed: number;
  level: ServerLogEvent['level'];
  brokerIds: Set<number>;
  timer: NodeJS.Timeout;
}

export function throttleLog(sink: ServerLog, opts: LogThrottleOptions = {}): ServerLog {
  const intervalMs = opts.intervalMs ?? 10_000;
  const burst = opts.burst ?? 5;
  const windows = new Map<ServerLogEvent['type'], Window>();
  const closeWindow = (type: ServerLogEvent['type']) => {
    const w = windows.get(type);
    windows.delete(type);
    if (!w || w.suppressed === 0) return;
    const brokers = [...w.brokerIds].sort((a, b) => a - b);
    sink({
      level: w.level,
      type: 'suppressed',
      brokerId: brokers[0] ?? -1,
      message:
        `${w.suppressed} more '${type}' event${w.suppressed === 1 ? '' : 's'} ` +
        `in the last ${Math.round(intervalMs / 1000)} s not logged ` +
        `(broker${brokers.length === 1 ? '' : 's'} ${brokers.join(', ')})`,
    });
  };
  return (e) => {
    if (ALWAYS.has(e.type)) return sink(e);
    let w = windows.get(e.type);
    if (!w) {
      w = {
        passed: 0,
        suppressed: 0,
        level: e.level,
        brokerIds: new Set(),
        timer: setTimeout(() => closeWindow(e.type), intervalMs),
      };
      w.timer.unref();
      windows.set(e.type, w);
    }
    if (w.passed < burst) {
      w.passed++;
      sink(e);
      return;
    }
    w.suppressed++;
    w.brokerIds.add(e.brokerId);
    if (e.level === 'error' || (e.level === 'warn' && w.level === 'info')) w.level = e.level;
  };
}
