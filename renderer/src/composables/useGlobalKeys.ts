/**
 * Keys that work on every page: `/` puts the cursor in the page's search box
 * (the one in an open panel first), Esc in a search box leaves it. Panels and
 * dialogs close on Esc by themselves (Naive UI's modals and drawers).
 *
 * A search box opts in with the `data-page-search` attribute.
 */
import { onBeforeUnmount, onMounted } from 'vue';

function editable(t: EventTarget | null): boolean {
  const el = t as HTMLElement | null;
  return !!el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName));
}

function visible(el: HTMLElement): boolean {
  return el.getClientRects().length > 0;
}

export function useGlobalKeys(): void {
  const onKeydown = (e: KeyboardEvent) => {
    if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.key === '/' && !editable(e.target)) {
      const boxes = [
        ...document.querySelectorAll<HTMLInputElement>('[data-page-search] input, input[data-page-search]'),
      ].filter(visible);
      const box = boxes[boxes.length - 1];
      if (!box) return;
      e.preventDefault();
      box.focus();
      box.select();
    } else if (
      e.key === 'Escape' &&
      editable(e.target) &&
      (e.target as HTMLElement).closest('[data-page-search]') &&
      !(e.target as HTMLElement).closest('.n-modal, .n-drawer')
    ) {
      (e.target as HTMLElement).blur();
    }
  };
  onMounted(() => window.addEventListener('keydown', onKeydown));
  onBeforeUnmount(() => window.removeEventListener('keydown', onKeydown));
}
