/**
 * How long a lag chart looks back, and how its points are kept bounded. The engine samples lag once a second and
 * keeps 5 minutes of those, then one point per 10 s for an hour (core/groups/lag.ts); a chart keeps the same shape:
 * points inside the last FINE_MS stay as they came, older ones are thinned to one per COARSE_MS, and nothing older
 * than the range is kept. So a series never holds more than FINE_MS/1 s + range/COARSE_MS points (660 for an hour),
 * however long the page stays open.
 */
import type { LagPointTuple } from '@core/api/api';

/** The ranges a lag chart offers, in seconds: 5 minutes and 1 hour (the engine keeps no more). */
export const LAG_RANGES = [300, 3600] as const;
export type LagRange = (typeof LAG_RANGES)[number];
export const FINE_MS = 300_000;
export const COARSE_MS = 10_000;
/** Coarse points arrive about COARSE_MS apart (timer jitter): a gap up to this much shorter still counts as one. */
const COARSE_SLACK_MS = 500;

/** Drops, in place, the points older than `rangeMs` before `now` and thins those older than FINE_MS. */
export function trimLagPoints(points: LagPointTuple[], now: number, rangeMs: number): void {
  const since = now - rangeMs;
  const fineSince = now - FINE_MS;
  let kept = 0;
  let lastKept = -Infinity;
  for (const p of points) {
    const t = p[0];
    if (t < since) continue;
    if (t < fineSince && t - lastKept < COARSE_MS - COARSE_SLACK_MS) continue;
    points[kept++] = p;
    lastKept = t;
  }
  points.length = kept;
}

/** "5 min" or "1 h", for the range switch and the chart's caption. */
export function lagRangeLabel(seconds: number): string {
  return seconds >= 3600 && seconds % 3600 === 0 ? `${seconds / 3600} h` : `${Math.round(seconds / 60)} min`;
}
