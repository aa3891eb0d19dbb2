/**
 * Messages ticked in the browser's table: kept across views of the topic, untouched when rows not shown change,
 * refused past what one export or copy takes, and forgotten when another topic opens.
 */
import { describe, expect, it } from 'vitest';
import type { RecordPage } from '@core/api/api';
import { MAX_TICKED, useMessagesStore } from '../../../renderer/src/stores/messages';
import {
  defaultSourceKind,
  sourceSpec,
  type SourceContext,
} from '../../../renderer/src/components/messages/record-source';
import { connectedPinia, fakeTransport } from '../support/fake-transport';

const empty = { records: [], partitions: [], lower: [], upper: [] } as unknown as RecordPage;
const row = (partition: number, offset: number) => ({ id: `${partition}:${offset}`, partition, offset });

function store() {
  connectedPinia(fakeTransport({ listPartitions: () => [], readRecordPage: () => empty }));
  return useMessagesStore();
}

describe('ticked messages', () => {
  it('keeps ticks of rows not shown when the rows shown are ticked or unticked', async () => {
    const messages = store();
    await messages.open('orders');
    const firstView = [row(0, 1), row(0, 2), row(1, 5)];
    messages.tick(firstView, ['0:1', '1:5']);
    const otherView = [row(2, 7), row(2, 8)];
    messages.tick(otherView, ['2:8']);
    expect([...messages.ticked.keys()].sort()).toEqual(['0:1', '1:5', '2:8']);
    // Unticking in the first view leaves the other view's tick alone.
    messages.tick(firstView, ['0:1']);
    expect([...messages.ticked.values()]).toEqual([
      { partition: 0, offset: 1 },
      { partition: 2, offset: 8 },
    ]);
  });

  it(`refuses more than ${MAX_TICKED} ticks in words and keeps the ones it had`, async () => {
    const messages = store();
    await messages.open('orders');
    const many = Array.from({ length: MAX_TICKED }, (_, i) => row(0, i));
    messages.tick(
      many,
      many.map((r) => r.id),
    );
    expect(messages.ticked.size).toBe(MAX_TICKED);
    messages.tick([row(1, 0)], ['1:0']);
    expect(messages.ticked.size).toBe(MAX_TICKED);
    expect(messages.ticked.has('1:0')).toBe(false);
    expect(messages.tickProblem).toMatch(/^At most 10,000 messages can be ticked at once/);
    messages.clearTicked();
    expect(messages.ticked.size).toBe(0);
    expect(messages.tickProblem).toBeNull();
  });

  it('forgets the ticks when another topic opens', async () => {
    const messages = store();
    await messages.open('orders');
    messages.tick([row(0, 1)], ['0:1']);
    await messages.open('payments');
    expect(messages.ticked.size).toBe(0);
  });
});

describe('the ticked messages as an export or copy source', () => {
  const ctx = (ticked: SourceContext['ticked'], search = false): SourceContext => ({
    topic: 'orders',
    shown: [{ partition: 0, offset: 1 }],
    ticked,
    search: search ? { pattern: 'x', mode: 'text', caseSensitive: false, scopes: ['value'] } : null,
  });
  const form = { partition: null, fromOffset: '', toOffset: '', fromTime: '', toTime: '' };

  it('takes exactly the ticked messages, and is offered first when there are some', () => {
    const ticked = [
      { partition: 0, offset: 9 },
      { partition: 2, offset: 3 },
    ];
    expect(defaultSourceKind(ctx(ticked, true))).toBe('ticked');
    expect(defaultSourceKind(ctx([], true))).toBe('search');
    expect(defaultSourceKind(ctx([]))).toBe('range');
    expect(sourceSpec({ ...form, kind: 'ticked' }, ctx(ticked))).toEqual({
      spec: { topic: 'orders', selection: ticked },
      problem: null,
    });
  });

  it('says to tick a message first when none is ticked', () => {
    expect(sourceSpec({ ...form, kind: 'ticked' }, ctx([]))).toEqual({ spec: null, problem: 'Tick a message first' });
  });
});
