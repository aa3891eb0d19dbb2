/**
 * Reading the UI as a person would: a table as rows of header → cell text,
 * and the controls that a screen reader would announce without a name
 * (Chromium's own accessibility tree, not a guess from attributes).
 */
import type { Locator, Page } from 'playwright-core';

const clean = (s: string) => s.replace(/\s+/g, ' ').trim();

/** The rendered rows of a table (a virtualised one renders only what is in view), keyed by column header. */
export async function readTable(table: Locator): Promise<Array<Record<string, string>>> {
  // Runs in the page; typed loosely because the tests compile without the DOM library.
  type El = { innerText: string; querySelectorAll(selector: string): Iterable<El> };
  return table.evaluate((root: El) => {
    const text = (el: El) => el.innerText.replace(/\s+/g, ' ').trim();
    const headers = [...root.querySelectorAll('thead th')].map((th) => text(th));
    return [...root.querySelectorAll('tbody tr')]
      .filter((tr) => [...tr.querySelectorAll('td')].length === headers.length)
      .map((tr) =>
        Object.fromEntries([...tr.querySelectorAll('td')].map((td, i) => [headers[i] || `#${i}`, text(td)])),
      );
  });
}

/** The table row whose first cell reads exactly `first` (or matches it). */
export function rowOf(table: Locator, first: string | RegExp): Locator {
  const pattern =
    typeof first === 'string' ? new RegExp(`^\\s*${first.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*$`) : first;
  return table.locator('tbody tr').filter({ has: table.page().locator('td:first-child', { hasText: pattern }) });
}

export async function cellTexts(row: Locator): Promise<string[]> {
  return (await row.locator('td').allInnerTexts()).map(clean);
}

const CONTROL_ROLES = new Set([
  'button',
  'textbox',
  'searchbox',
  'combobox',
  'switch',
  'checkbox',
  'radio',
  'link',
  'spinbutton',
  'slider',
  'menuitem',
  'tab',
]);

interface AXNode {
  role?: { value?: string };
  name?: { value?: string };
  ignored?: boolean;
  backendDOMNodeId?: number;
}

/**
 * Controls on the page with no accessible name, as Chromium computes it
 * (aria-label, labels, text content, title...). Each is described by its
 * role and a bit of its HTML, to find it.
 */
export async function unlabelledControls(page: Page): Promise<string[]> {
  const cdp = await page.context().newCDPSession(page);
  try {
    const { nodes } = (await cdp.send('Accessibility.getFullAXTree')) as { nodes: AXNode[] };
    const out: string[] = [];
    for (const n of nodes) {
      const role = n.role?.value ?? '';
      if (n.ignored || !CONTROL_ROLES.has(role) || clean(n.name?.value ?? '') !== '') continue;
      let html = '';
      if (n.backendDOMNodeId !== undefined) {
        const { object } = (await cdp.send('DOM.resolveNode', { backendNodeId: n.backendDOMNodeId })) as {
          object: { objectId?: string };
        };
        if (object.objectId) {
          const r = (await cdp.send('Runtime.callFunctionOn', {
            objectId: object.objectId,
            functionDeclaration:
              'function () { return this.outerHTML ? this.outerHTML.slice(0, 160) : String(this.nodeName); }',
            returnByValue: true,
          })) as { result: { value?: string } };
          html = r.result.value ?? '';
        }
      }
      out.push(`${role}: ${html}`);
    }
    return out;
  } finally {
    await cdp.detach().catch(() => undefined);
  }
}
