import { describe, expect, it } from 'vitest';
import { columnWidth, fitColumns, UNSIZED_COLUMN_PX } from '../../../renderer/src/utils/fit-columns';

const topicsColumns = [
  { key: 'name', minWidth: 160 },
  { key: 'partitions', width: 96 },
  { key: 'replicationFactor', width: 106 },
  { key: 'messages', width: 112 },
  { key: 'groups', width: 84 },
  { key: 'cleanupPolicy', width: 116 },
  { key: 'actions', width: 56 },
];
const dropFirst = ['cleanupPolicy', 'groups', 'replicationFactor'];
const total = topicsColumns.reduce((s, c) => s + columnWidth(c), 0);

describe('fitting a table to its box', () => {
  it('keeps every column while they fit', () => {
    const fit = fitColumns(topicsColumns, total, dropFirst);
    expect(fit.shown.map((c) => c.key)).toEqual(topicsColumns.map((c) => c.key));
    expect(fit.hidden).toEqual([]);
  });

  it('leaves out the optional columns in their order, only as many as needed', () => {
    expect(fitColumns(topicsColumns, total - 1, dropFirst).hidden).toEqual(['cleanupPolicy']);
    expect(fitColumns(topicsColumns, total - 116, dropFirst).hidden).toEqual(['cleanupPolicy']);
    expect(fitColumns(topicsColumns, total - 117, dropFirst).hidden).toEqual(['cleanupPolicy', 'groups']);
    const narrow = fitColumns(topicsColumns, 400, dropFirst);
    expect(narrow.hidden).toEqual(dropFirst);
    // The columns not named as optional stay, in their order, even when the table still does not fit.
    expect(narrow.shown.map((c) => c.key)).toEqual(['name', 'partitions', 'messages', 'actions']);
  });

  it('counts widths given as pixel strings, selection columns and columns without a width', () => {
    expect(columnWidth({ width: '90px' })).toBe(90);
    expect(columnWidth({ minWidth: '75' })).toBe(75);
    expect(columnWidth({ type: 'selection' })).toBe(48);
    expect(columnWidth({ key: 'value' })).toBe(UNSIZED_COLUMN_PX);
    expect(columnWidth({ width: '30%' })).toBe(UNSIZED_COLUMN_PX);
  });

  it('shows everything until the box has been measured', () => {
    expect(fitColumns(topicsColumns, Number.POSITIVE_INFINITY, dropFirst).hidden).toEqual([]);
  });
});
