/**
 * The message browser's store when a person leaves a topic and comes straight back, and when they produce a
 * message from the browser: the topic is read afresh, and the newest page shows what was just produced.
 */
import { describe, expect, it, vi } from 'vitest';
import type { RecordDto, RecordPage } from '@core/api/api';
import { useMessagesStore } from '../../../renderer/src/stores/messages';
import { connectedPinia, fakeTransport } from '../support/fake-transport';

const record = (offset: number, value: string): RecordDto =>
  ({
    topic: 'orders',
    partition: 0,
    offset,
    timestamp: 1000 + offset,
    timestampType: 'CreateTime',
    key: null,
    value: btoa(value),
    headers: [],
    sizeInBytes: 10,
  }) as RecordDto;

/** An engine whose topic "orders" holds `stored` (newest last); a page of it comes newest first. */
function engine(stored: RecordDto[]) {
  let unwatch: (() => void) | null = null;
  const t = fakeTransport({
    listPartitions: () => [{ partition: 0 }],
    readRecordPage: () =>
      ({
        records: [...stored].reverse(),
        partitions: [{ partition: 0, logStartOffset: 0, highWatermark: stored.length }],
        lower: [{ partition: 0, offset: 0 }],
        upper: [{ partition: 0, offset: stored.length }],
      }) as unknown as RecordPage,
    watchRecords: () => ({ subscriptionId: 'w1' }),
    // The engine answers an unwatch only when the test lets it, as a slow socket would.
    unwatchRecords: () => new Promise<null>((resolve) => (unwatch = () => resolve(null))),
  });
  return { t, release: () => unwatch?.() };
}

describe('the message browser store', () => {
  it('reads a topic afresh when its page is left and opened again before the live tail has ended', async () => {
    const stored = [record(0, 'first')];
    const { t, release } = engine(stored);
    connectedPinia(t);
    const messages = useMessagesStore();
    await messages.open('orders');
    await messages.setLive(true);
    stored.push(record(1, 'second'));
    const leaving = messages.close();
    const reads = t.callsOf('readRecordPage').length;
    await messages.open('orders');
    expect(t.callsOf('readRecordPage').length).toBe(reads + 1);
    expect(messages.rows.map((r) => r.valuePreview.text)).toEqual(['second', 'first']);
    release();
    await leaving;
    expect(messages.topic).toBe('orders');
  });

  it('shows a message produced from the browser on the newest page, and leaves any other view alone', async () => {
    const stored = [record(0, 'first')];
    const { t } = engine(stored);
    connectedPinia(t);
    const messages = useMessagesStore();
    await messages.open('orders');
    expect(messages.rows.map((r) => r.valuePreview.text)).toEqual(['first']);
    stored.push(record(1, 'just produced'));
    await messages.produced();
    expect(messages.rows.map((r) => r.valuePreview.text)).toEqual(['just produced', 'first']);

    messages.startMode = 'offset';
    messages.startOffset = 0;
    await messages.load();
    const reads = t.callsOf('readRecordPage').length;
    stored.push(record(2, 'another'));
    await messages.produced();
    expect(t.callsOf('readRecordPage').length).toBe(reads);
    await vi.waitFor(() => expect(messages.loading).toBe(false));
  });
});
