/**
 * Which columns of a table fit its box. Naive UI lays a table out with the columns' widths (or minimum widths);
 * whatever does not fit is cut off behind a scrollbar that shows only on hover, so the last columns, often a row's
 * Stop/Kill buttons or its menu, end up out of sight at the window's default size. Instead a table names the
 * columns it can do without, in the order it gives them up, and they are left out until the rest fit. The caller
 * says which were left out, so a narrower window never hides facts silently.
 */

/** The part of a Naive column this needs: its key and the width it takes. */
export interface SizedColumn {
  key?: string | number;
  type?: string;
  width?: number | string;
  minWidth?: number | string;
}

/** What a column without a width or minimum width is counted as: the least its content reads at. */
export const UNSIZED_COLUMN_PX = 120;
/** Naive's selection (checkbox) column when it is given no width. */
const SELECTION_COLUMN_PX = 48;

export function columnWidth(c: SizedColumn): number {
  const w = c.width ?? c.minWidth;
  if (typeof w === 'number') return w;
  if (typeof w === 'string' && /^\d+(px)?$/.test(w)) return Number.parseInt(w, 10);
  return c.type === 'selection' ? SELECTION_COLUMN_PX : UNSIZED_COLUMN_PX;
}

/**
 * The columns to show in a box `boxWidth` px wide, and the keys of those left out: columns named in `dropFirst`
 * go first ones first, and only as many as needed. Columns not named there always stay, even if the table still
 * does not fit.
 */
export function fitColumns<C extends SizedColumn>(
  columns: readonly C[],
  boxWidth: number,
  dropFirst: readonly (string | number)[],
): { shown: C[]; hidden: (string | number)[] } {
  let total = columns.reduce((sum, c) => sum + columnWidth(c), 0);
  const hidden = new Set<string | number>();
  for (const key of dropFirst) {
    if (total <= boxWidth) break;
    const c = columns.find((col) => col.key === key);
    if (!c) continue;
    hidden.add(key);
    total -= columnWidth(c);
  }
  return {
    shown: columns.filter((c) => c.key === undefined || !hidden.has(c.key)),
    hidden: dropFirst.filter((k) => hidden.has(k)),
  };
}
