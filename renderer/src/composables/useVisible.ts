/**
 * Whether an element is on screen (in the viewport or its scrolling
 * container), for live views that need not redraw what nobody sees: a table
 * below the fold skips the once-a-second updates and catches up when it
 * scrolls into view.
 */
import { onBeforeUnmount, ref, watch, type Ref } from 'vue';

export function useVisible(target: Ref<HTMLElement | null>, margin = '120px'): Ref<boolean> {
  // Visible until told otherwise, so a browser without IntersectionObserver shows everything live.
  const visible = ref(true);
  if (typeof IntersectionObserver === 'undefined') return visible;
  const observer = new IntersectionObserver(
    (entries) => {
      for (const e of entries) visible.value = e.isIntersecting;
    },
    { rootMargin: margin },
  );
  watch(
    target,
    (el, old) => {
      if (old) observer.unobserve(old);
      if (el) observer.observe(el);
    },
    { immediate: true },
  );
  onBeforeUnmount(() => observer.disconnect());
  return visible;
}
