/**
 * The replica map of a cluster with a 2,000-partition topic (issue 9 item 5), end to end: serve mode, real
 * Chromium. The page shows one row per topic counted per broker (getReplicaSummary), draws the open topic's
 * partitions a page at a time (listPartitionPage), and follows a broker stopping through bounded events:
 * what travels is read from the page's own WebSocket frames, and it never asks for every partition.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { TopicReplicaSummary } from '../../core/api/api';
import type { Connection } from '../../core/api/client';
import { watchApiFrames, type ApiFrames } from './support/api-frames';
import { scriptConnection } from './support/app-page';
import { launchBrowser, type Browser } from './support/browser';
import { startServeProcess, type ServeProcess } from './support/serve-process';
import { eventually, screenshot } from './support/screens';
import { readTable, rowOf } from './support/tables-and-labels';

const PARTITIONS = 2000;
/** Partitions per page of the map (renderer/src/stores/replica-map.ts). */
const PAGE = 200;

let serve: ServeProcess;
let browser: Browser;
let page: Page;
let script: Connection;
/** Methods the page called over its WebSocket, the pages it asked for, and what it received. */
let calls: ApiFrames['calls'];
let pagesAsked: ApiFrames['pagesAsked'];
let received: ApiFrames['received'];

beforeAll(async () => {
  serve = await startServeProcess(['--brokers', '3']);
  script = scriptConnection(serve);
  await script.api.createTopic({ name: 'wide', partitions: PARTITIONS, replicationFactor: 2 });
  await script.api.createTopic({ name: 'small', partitions: 3, replicationFactor: 3 });
  browser = await launchBrowser();
  page = browser.context.pages()[0] ?? (await browser.context.newPage());
  browser.context.setDefaultTimeout(20_000);
  ({ calls, pagesAsked, received } = watchApiFrames(page));
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.goto(serve.url);
  await page.getByRole('status', { name: 'Connection: Connected' }).waitFor();
}, 180_000);

afterAll(async () => {
  script?.transport.close();
  await browser?.close();
  if (serve) expect(await serve.stop()).toBe(0);
});

const topicsTable = () => page.locator('[aria-label="Replicas per topic and broker"].n-data-table');
const mapTable = () => page.locator('[aria-label="Replica map of the cluster"].n-data-table');
const summaryText = async () =>
  (await page.getByRole('status', { name: 'Replica map summary' }).innerText()).replace(/\s+/g, ' ');

/** "4 led · 8 in sync · 2 behind · 1 offline" as the table writes a broker's counts, zeros left out. */
function countsText(t: TopicReplicaSummary, broker: number): string {
  const c = t.brokers.find((b) => b.brokerId === broker);
  if (!c) return '·';
  const parts: Array<[number, string]> = [
    [c.leaders, 'led'],
    [c.inSync, 'in sync'],
    [c.outOfSync, 'behind'],
    [c.offline, 'offline'],
  ];
  return parts
    .filter(([n]) => n > 0)
    .map(([n, what]) => `${n.toLocaleString('en-US')} ${what}`)
    .join(' · ');
}

async function topicRowMatchesEngine(topic: string) {
  const engine = (await script.api.getReplicaSummary({})).find((t) => t.topic === topic)!;
  const row = (await readTable(topicsTable())).find((r) => r.Topic === topic)!;
  expect(row, topic).toBeDefined();
  expect(row.Partitions).toBe(engine.partitions.toLocaleString('en-US'));
  for (const b of [0, 1, 2]) {
    const column = Object.keys(row).find((k) => k.startsWith(`Broker ${b} `))!;
    expect(row[column], `${topic} on broker ${b}`).toBe(countsText(engine, b));
  }
  expect(row['Under-replicated']).toBe(engine.underReplicated.toLocaleString('en-US'));
  expect(row.Offline).toBe(engine.offline.toLocaleString('en-US'));
}

describe('the replica map of a 2,000-partition cluster', () => {
  it('shows a row per topic, pages the open topic, follows a broker stopping, never sends all partitions', async () => {
    await page.goto(serve.url.replace(/\?token=.*$/, '') + '#/replicas');
    await eventually(async () => expect(await summaryText()).toContain('2,003 partitions · 2 topics'), 20_000);
    await eventually(() => topicRowMatchesEngine('wide'), 20_000);
    await topicRowMatchesEngine('small');
    expect(pagesAsked).toEqual([]);

    // Open the big topic: its first page of partitions, with a pager over the rest.
    await rowOf(topicsTable(), 'wide').click();
    await page.getByText('Partitions of wide').first().waitFor();
    await rowOf(mapTable(), 'wide-0').waitFor();
    expect(pagesAsked.at(-1)).toEqual({ offset: 0, limit: PAGE });
    const header = (await mapTable().locator('thead').innerText()).replace(/\s+/g, ' ');
    const wide = (await script.api.getReplicaSummary({})).find((t) => t.topic === 'wide')!;
    // The headers count the whole topic, not the page.
    for (const b of wide.brokers)
      expect(header).toContain(`Broker ${b.brokerId} ${b.leaders.toLocaleString('en-US')} led`);
    expect(await mapTable().locator('tbody tr').count()).toBeLessThan(60);
    const pager = (n: number) => page.locator('.n-pagination-item').filter({ hasText: new RegExp(`^${n}$`) });
    await pager(PARTITIONS / PAGE).click();
    await rowOf(mapTable(), `wide-${PARTITIONS - PAGE}`).waitFor();
    expect(pagesAsked.at(-1)).toEqual({ offset: PARTITIONS - PAGE, limit: PAGE });
    const beforeStop = { ...received };

    // Stop broker 1: about 1,333 partitions of `wide` change, more than an event carries; the page re-reads its rows.
    await script.api.stopBroker({ id: 1 });
    await eventually(async () => {
      const rows = await readTable(mapTable());
      expect(rows.length).toBeGreaterThan(5);
      const column = Object.keys(rows[0]!).find((k) => k.startsWith('Broker 1 '))!;
      expect(column).toBe('Broker 1 Down');
      for (const r of rows) expect(['Offline', '·']).toContain(r[column]);
    }, 30_000);
    await eventually(() => topicRowMatchesEngine('wide'), 20_000);
    await topicRowMatchesEngine('small');
    const after = await script.api.getReplicaSummary({});
    expect(after.find((t) => t.topic === 'wide')!.brokers.find((b) => b.brokerId === 1)!.offline).toBeGreaterThan(1000);
    const under = after.reduce((n, t) => n + t.underReplicated, 0);
    await eventually(async () =>
      expect(await summaryText()).toContain(`${under.toLocaleString('en-US')} under-replicated`),
    );

    // Nothing asked for every partition, every page was one page, and what arrived stayed bounded.
    expect(calls).not.toContain('listAllPartitions');
    expect(calls).not.toContain('listPartitions');
    expect(calls).not.toContain('describeTopic');
    expect(pagesAsked.every((p) => p.limit === PAGE)).toBe(true);
    expect(received.largestFrameStates).toBeLessThanOrEqual(PAGE);
    // Two pages before the stop, then a re-read page or two and the small topic's three partitions per event.
    expect(beforeStop.partitionStates).toBeLessThanOrEqual(2 * PAGE);
    expect(received.partitionStates).toBeLessThan(PARTITIONS / 2);
    expect(received.bytes).toBeLessThan(1_000_000);
    console.log(
      `replica map of ${PARTITIONS} partitions: ${received.partitionStates} partition states, ` +
        `${Math.round(received.bytes / 1024)} KiB received in all, ${pagesAsked.length} pages asked`,
    );
    await page.mouse.move(700, 880);
    await screenshot(page, 'replica-map-2000-partitions-broker-down-1440x900');
  }, 180_000);
});
