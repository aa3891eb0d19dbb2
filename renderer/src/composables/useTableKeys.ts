/**
 * Arrow keys through a table, for Naive UI's NDataTable (virtualised or not):
 * rows are focusable with a roving tabindex (Tab enters the table once, on
 * the current row), Up/Down/Home/End/PageUp/PageDown move between rows,
 * Enter opens the row. A row that the virtual list has not rendered yet is
 * scrolled to first, then focused.
 *
 *   const keys = useTableKeys({ rows: () => rows.value, key: (r) => r.name, onOpen: open });
 *   <div :ref="keys.container"><n-data-table :row-props="keys.rowProps" ref="…" class="nb-table" /></div>
 */
import { nextTick, ref, type HTMLAttributes } from 'vue';
import type { DataTableInst } from 'naive-ui';
import '../styles/tables.css';

export interface TableKeysOptions<T> {
  /** The rows in the order the table shows them. */
  rows: () => readonly T[];
  key: (row: T) => string | number;
  onOpen?: (row: T) => void;
  /** What a screen reader says for a focused row, when the cells alone would not do. */
  label?: (row: T) => string;
}

const PAGE = 10;

export function useTableKeys<T>(opts: TableKeysOptions<T>) {
  const container = ref<HTMLElement | null>(null);
  const table = ref<DataTableInst | null>(null);
  const activeKey = ref<string | number | null>(null);

  function isActive(row: T): boolean {
    const rows = opts.rows();
    const k = opts.key(row);
    if (activeKey.value !== null && rows.some((r) => opts.key(r) === activeKey.value)) return activeKey.value === k;
    return rows.length > 0 && opts.key(rows[0]!) === k;
  }

  function rowElement(k: string | number): HTMLElement | null {
    return container.value?.querySelector<HTMLElement>(`tr[data-row-key="${CSS.escape(String(k))}"]`) ?? null;
  }

  async function focusIndex(index: number): Promise<void> {
    const rows = opts.rows();
    const row = rows[index];
    if (!row) return;
    const k = opts.key(row);
    activeKey.value = k;
    let el = rowElement(k);
    if (!el) {
      table.value?.scrollTo({ index });
      await nextTick();
      await new Promise((r) => requestAnimationFrame(() => r(null)));
      el = rowElement(k);
    }
    if (el) {
      el.focus({ preventScroll: true });
      el.scrollIntoView({ block: 'nearest' });
    }
  }

  function onKeydown(e: KeyboardEvent, row: T): void {
    if (e.target !== e.currentTarget || e.altKey || e.ctrlKey || e.metaKey) return;
    const rows = opts.rows();
    const i = rows.findIndex((r) => opts.key(r) === opts.key(row));
    let next: number;
    switch (e.key) {
      case 'ArrowDown':
        next = i + 1;
        break;
      case 'ArrowUp':
        next = i - 1;
        break;
      case 'Home':
        next = 0;
        break;
      case 'End':
        next = rows.length - 1;
        break;
      case 'PageDown':
        next = i + PAGE;
        break;
      case 'PageUp':
        next = i - PAGE;
        break;
      case 'Enter':
      case ' ':
        if (opts.onOpen) {
          e.preventDefault();
          opts.onOpen(row);
        }
        return;
      default:
        return;
    }
    e.preventDefault();
    void focusIndex(Math.max(0, Math.min(rows.length - 1, next)));
  }

  function rowProps(row: T): HTMLAttributes {
    const k = opts.key(row);
    return {
      tabindex: isActive(row) ? 0 : -1,
      'data-row-key': String(k),
      'aria-label': opts.label?.(row),
      onFocus: () => {
        activeKey.value = k;
      },
      onKeydown: (e: KeyboardEvent) => onKeydown(e, row),
      onDblclick: opts.onOpen ? () => opts.onOpen!(row) : undefined,
    } as HTMLAttributes;
  }

  return { container, table, rowProps, focusIndex, activeKey };
}
