/**
 * Pages load as separate chunks (JS and CSS) on first visit. When serve mode is down, such a visit fails
 * ("Unable to preload CSS", "Failed to fetch dynamically imported module"), so:
 * - once connected, every page's chunk is fetched in the background, and later visits need no network
 *   (`data-route-chunks="loaded"` on <html> says they all came);
 * - a visit that fails anyway (the server went away before the chunks came, or a new build replaced them)
 *   is retried when the connection is back: the same route, or a full reload when the chunk is gone for good.
 */
import { watch } from 'vue';
import type { RouteLocationRaw, RouteRecordRaw, Router } from 'vue-router';
import { useConnectionStore } from './stores/connection';

type Loader = () => Promise<unknown>;

function loaders(routes: RouteRecordRaw[]): Loader[] {
  const out: Loader[] = [];
  for (const r of routes) {
    if (typeof r.component === 'function') out.push(r.component as Loader);
    if (r.children) out.push(...loaders(r.children));
  }
  return out;
}

const CHUNK_ERROR =
  /preload CSS|dynamically imported module|Importing a module script failed|error loading dynamically/i;

export function isChunkError(err: unknown): boolean {
  return err instanceof Error && CHUNK_ERROR.test(err.message);
}

export function keepRouteChunksAvailable(router: Router, routes: RouteRecordRaw[]): void {
  const connection = useConnectionStore();
  let prefetched = false;
  let retry: RouteLocationRaw | null = null;
  let retried = false;

  // Vite reports a failed CSS preload here before the import fails; the router's onError handles the failure.
  window.addEventListener('vite:preloadError', (e) => {
    if (!connection.online) e.preventDefault();
  });

  router.onError((err, to) => {
    if (isChunkError(err)) retry = to.fullPath;
  });

  watch(
    () => connection.generation,
    async () => {
      if (!prefetched) {
        prefetched = true;
        const results = await Promise.allSettled(loaders(routes).map((load) => load()));
        // Some did not come (the server went away meanwhile): the next connection tries again.
        if (results.some((r) => r.status === 'rejected')) prefetched = false;
        else document.documentElement.dataset.routeChunks = 'loaded';
      }
      if (retry === null) return;
      const to = retry;
      retry = null;
      try {
        await router.push(to);
      } catch {
        // The chunk is not there even now (a new build replaced it): load the page afresh, once.
        if (!retried) {
          retried = true;
          window.location.reload();
        }
      }
    },
  );
}
