/**
 * throttleLog: a few events per type and interval pass, the rest become one 'suppressed' count; lifecycle events always
 * pass.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ServerLogEvent } from '../../../core/kafka-server/kafka-listeners';
import { throttleLog } from '../../../core/kafka-server/log-throttle';

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

const event = (type: ServerLogEvent['type'], brokerId = 0): ServerLogEvent => ({
  level: 'warn',
  type,
  brokerId,
  message: `${type} from a client`,
});

describe('throttleLog', () => {
  it('passes the first events of a type, then one summary line with the count per interval', () => {
    const out: ServerLogEvent[] = [];
    const log = throttleLog((e) => out.push(e), { intervalMs: 10_000, burst: 3 });
    for (let i = 0; i < 1000; i++) log(event('malformed', i % 2));
    log(event('oversized'));
    expect(out.map((e) => e.type)).toEqual(['malformed', 'malformed', 'malformed', 'oversized']);
    vi.advanceTimersByTime(10_000);
    expect(out).toHaveLength(5);
    expect(out[4]).toMatchObject({
      type: 'suppressed',
      level: 'warn',
      message: "997 more 'malformed' events in the last 10 s not logged (brokers 0, 1)",
    });
    // A new interval starts afresh.
    log(event('malformed'));
    expect(out).toHaveLength(6);
    vi.advanceTimersByTime(10_000);
    expect(out).toHaveLength(6);
  });

  it('never holds back listener lifecycle events', () => {
    const out: ServerLogEvent[] = [];
    const log = throttleLog((e) => out.push(e), { burst: 1 });
    for (let i = 0; i < 20; i++) log({ level: 'info', type: 'listening', brokerId: i, message: 'listening' });
    expect(out).toHaveLength(20);
  });
});
