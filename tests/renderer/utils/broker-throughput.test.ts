/**
 * The Broker detail page's rate cards: the sandbox's figures, a remote cluster's sampled ones with its out rates
 * said to be not observable (never 0), bytes not offered, still measuring, and a connection without per-broker rates.
 */
import { describe, expect, it } from 'vitest';
import { throughputCards } from '../../../renderer/src/utils/broker-throughput';

describe('broker throughput cards', () => {
  it('shows the sandbox figures in and out', () => {
    expect(
      throughputCards({ messagesInPerSec: 1234.4, bytesInPerSec: 2048, messagesOutPerSec: 10, bytesOutPerSec: 1024 }),
    ).toEqual({
      inValue: '1,234/s',
      inHint: '2.0 KB/s to partitions it leads',
      outValue: '10/s',
      outHint: '1.0 KB/s fetched from it',
    });
  });

  it('says a remote cluster’s out rates are not observable, not 0', () => {
    const c = throughputCards({
      messagesInPerSec: 50,
      bytesInPerSec: null,
      messagesOutPerSec: null,
      bytesOutPerSec: null,
      notes: { out: 'not observable on a remote cluster', bytesIn: 'not offered by this broker' },
    });
    expect(c).toEqual({
      inValue: '50/s',
      inHint: 'Bytes in: not offered by this broker',
      outValue: '—',
      outHint: 'Not observable on a remote cluster',
    });
  });

  it('says it is measuring until the first rates come, and why there are none without per-broker rates', () => {
    const c = throughputCards({
      messagesInPerSec: null,
      bytesInPerSec: null,
      messagesOutPerSec: null,
      bytesOutPerSec: null,
      notes: { out: 'not observable on a remote cluster' },
    });
    expect(c.inValue).toBe('—');
    expect(c.inHint).toMatch(/Measuring/);
    expect(throughputCards(null).inHint).toBe('Not measured per broker on this connection');
  });
});
