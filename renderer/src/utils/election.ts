/** A preferred leader election's result in words, for the button's report (PreferredElectionButton.vue). */
import type { PreferredElection } from '@core/cluster/types';
import { formatCount, plural } from './units';

export function electionSummary(r: PreferredElection): string {
  const parts = [
    r.moved.length === 0
      ? 'No partition needed to move'
      : `${plural(r.moved.length, 'partition')} moved to ${r.moved.length === 1 ? 'its' : 'their'} preferred leader`,
  ];
  if (r.alreadyPreferred > 0) parts.push(`${formatCount(r.alreadyPreferred)} already led by it`);
  if (r.failed.length > 0) parts.push(`${formatCount(r.failed.length)} could not move`);
  return parts.join('; ') + '.';
}

/** "orders-2: broker 1 is not running", per partition that could not move. */
export function electionFailures(r: PreferredElection): string[] {
  return r.failed.map(
    (f) =>
      `${f.topic}-${f.partition} (preferred broker ${f.preferred}): ${f.reason.replace(/^The preferred leader is not available: /, '')}`,
  );
}
