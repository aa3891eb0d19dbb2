/**
 * A table's columns fitted to the width of its box as the window is resized (see utils/fit-columns for the rule).
 *
 *   const fit = useFittedColumns(box, columns, [{ key: 'cleanupPolicy', label: 'Cleanup policy' }, ...]);
 *   <div ref="box"><n-data-table :columns="fit.columns.value" /></div>
 *   <hidden-columns-note :labels="fit.hidden.value" />
 *
 * Until the box is measured every column is shown. One ResizeObserver per table, disconnected on unmount.
 */
import { computed, onBeforeUnmount, onMounted, ref, toValue, watch, type MaybeRefOrGetter, type Ref } from 'vue';
import { fitColumns, type SizedColumn } from '../utils/fit-columns';

export interface OptionalColumn {
  key: string;
  /** How the page names the column when it says it is not shown. */
  label: string;
}

export function useFittedColumns<C extends SizedColumn>(
  box: Readonly<Ref<HTMLElement | null>>,
  columns: MaybeRefOrGetter<readonly C[]>,
  dropFirst: readonly OptionalColumn[],
) {
  const width = ref(Number.POSITIVE_INFINITY);
  let observer: ResizeObserver | null = null;
  const observe = (el: HTMLElement | null) => {
    observer?.disconnect();
    if (!el) return;
    observer ??= new ResizeObserver((entries) => {
      const w = entries[entries.length - 1]?.contentRect.width;
      // A box that is not laid out (a hidden tab) measures 0: keep the last width rather than drop every column.
      if (w) width.value = Math.floor(w);
    });
    observer.observe(el);
  };
  onMounted(() => observe(box.value));
  watch(box, (el) => observe(el));
  onBeforeUnmount(() => {
    observer?.disconnect();
    observer = null;
  });

  const fitted = computed(() =>
    fitColumns(
      toValue(columns),
      width.value,
      dropFirst.map((c) => c.key),
    ),
  );
  return {
    columns: computed(() => fitted.value.shown),
    /** Labels of the columns left out, in the order they were given up. */
    hidden: computed(() => fitted.value.hidden.map((k) => dropFirst.find((c) => c.key === k)!.label)),
  };
}
