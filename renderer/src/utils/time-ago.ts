/**
 * How long ago a moment was, in the fewest words a table cell needs: "just now", "42 s ago", "5 min ago", "3 h ago".
 */
export function formatAgo(ms: number, now: number): string {
  const s = Math.max(0, Math.floor((now - ms) / 1000));
  if (s < 5) return 'just now';
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86_400)} d ago`;
}

/** A messages-per-second figure for a table cell: whole numbers, one decimal below 10, "0" for none. */
export function formatRate(perSec: number): string {
  if (perSec === 0) return '0';
  if (perSec < 10) return (Math.round(perSec * 10) / 10).toLocaleString('en-US');
  return Math.round(perSec).toLocaleString('en-US');
}
