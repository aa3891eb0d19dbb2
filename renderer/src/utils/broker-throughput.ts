/**
 * The Broker detail page's "Messages in" and "Messages out" cards from a BrokerThroughput: a figure, and a hint
 * saying what it counts. A null figure shows "—" with the connection's reason (a remote cluster's out rates are
 * not observable from outside it; its bytes need DescribeLogDirs) or "measuring" while the first samples come.
 */
import type { BrokerThroughput } from '@core/api/api';
import { formatBytes, formatCount } from './units';

const NOT_PER_BROKER = 'Not measured per broker on this connection';
const rate = (v: number | null) => (v === null ? '—' : `${formatCount(Math.round(v))}/s`);

export interface ThroughputCards {
  inValue: string;
  inHint: string;
  outValue: string;
  outHint: string;
}

export function throughputCards(t: BrokerThroughput | null): ThroughputCards {
  if (!t) return { inValue: '—', inHint: NOT_PER_BROKER, outValue: '—', outHint: NOT_PER_BROKER };
  const bytesIn =
    t.bytesInPerSec !== null
      ? `${formatBytes(t.bytesInPerSec)}/s to partitions it leads`
      : t.notes?.bytesIn
        ? `Bytes in: ${t.notes.bytesIn}`
        : 'Measuring bytes in…';
  const out =
    t.messagesOutPerSec !== null && t.bytesOutPerSec !== null
      ? `${formatBytes(t.bytesOutPerSec)}/s fetched from it`
      : t.notes?.out
        ? t.notes.out.charAt(0).toUpperCase() + t.notes.out.slice(1)
        : 'Measuring…';
  return {
    inValue: t.messagesInPerSec === null ? '—' : rate(t.messagesInPerSec),
    inHint: t.messagesInPerSec === null ? 'Measuring… (a few seconds)' : bytesIn,
    outValue: rate(t.messagesOutPerSec),
    outHint: out,
  };
}
