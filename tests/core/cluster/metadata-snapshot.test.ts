import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Cluster } from '../../../core/cluster/cluster';
import { MetadataImage, type MetadataRecord, type MetadataRecordBody } from '../../../core/cluster/metadata-image';
import { MetadataLog, type MetadataReplica } from '../../../core/cluster/metadata-log';
import { countMetadataKeys, readStoreView, writeSnapshot } from '../../../core/cluster/metadata-snapshot';
import { BrokerStore } from '../../../core/storage/broker-store';
import { metadataRange, snapshotKey, SNAPSHOT_END, SNAPSHOT_RECORD } from '../../../core/storage/keys';
import { seededRandom } from '../../helpers/random';
import { tempDir } from '../../helpers/temp-cluster';

const T1 = Buffer.alloc(16, 1).toString('base64url');
const T2 = Buffer.alloc(16, 2).toString('base64url');
const T3 = Buffer.alloc(16, 3).toString('base64url');

/** One history touching every record type, with deletes, re-creates and config removals. */
const HISTORY: MetadataRecordBody[] = [
  { type: 'Cluster', clusterId: 'cluster-a', brokers: 3 },
  { type: 'RegisterBroker', brokerId: 0 },
  { type: 'RegisterBroker', brokerId: 1 },
  { type: 'RegisterBroker', brokerId: 2 },
  { type: 'UnfenceBroker', brokerId: 0 },
  { type: 'UnfenceBroker', brokerId: 1 },
  { type: 'BrokerConfig', resource: '', name: 'log.retention.ms', value: '5000' },
  { type: 'BrokerConfig', resource: '1', name: 'log.retention.bytes', value: '1048576' },
  { type: 'BrokerConfig', resource: '2', name: 'log.retention.ms', value: '9000' },
  { type: 'Topic', name: 'orders', topicId: T1 },
  { type: 'Config', topicId: T1, name: 'retention.ms', value: '1000' },
  { type: 'Config', topicId: T1, name: 'cleanup.policy', value: 'compact' },
  {
    type: 'Partition',
    topicId: T1,
    partition: 0,
    replicas: [0, 1, 2],
    isr: [0, 1],
    leader: 0,
    leaderEpoch: 0,
    partitionEpoch: 0,
  },
  {
    type: 'Partition',
    topicId: T1,
    partition: 1,
    replicas: [1, 2, 0],
    isr: [1, 0],
    leader: 1,
    leaderEpoch: 0,
    partitionEpoch: 0,
  },
  { type: 'Topic', name: 'gone', topicId: T2 },
  {
    type: 'Partition',
    topicId: T2,
    partition: 0,
    replicas: [2],
    isr: [2],
    leader: 2,
    leaderEpoch: 0,
    partitionEpoch: 0,
  },
  { type: 'RemoveTopic', topicId: T2 },
  { type: 'Topic', name: 'gone', topicId: T3 },
  {
    type: 'Partition',
    topicId: T3,
    partition: 0,
    replicas: [0],
    isr: [0],
    leader: 0,
    leaderEpoch: 0,
    partitionEpoch: 0,
  },
  { type: 'Config', topicId: T1, name: 'retention.ms', value: null },
  { type: 'PartitionChange', topicId: T1, partition: 0, leader: 1, isr: [1], leaderEpoch: 1, partitionEpoch: 1 },
  { type: 'PartitionChange', topicId: T1, partition: 1, isr: [1, 0, 2], leaderEpoch: 0, partitionEpoch: 1 },
  { type: 'FenceBroker', brokerId: 0 },
  { type: 'BrokerConfig', resource: '2', name: 'log.retention.ms', value: null },
  { type: 'BrokerConfig', resource: '', name: 'log.retention.ms', value: '7000' },
  { type: 'UnfenceBroker', brokerId: 2 },
  { type: 'FenceBroker', brokerId: 7 },
  { type: 'ProducerIds', nextProducerId: 1000 },
  { type: 'ProducerIds', nextProducerId: 2000 },
];

/** Fails to compile when a record type is added to metadata-image.ts and not listed here (and so not in HISTORY). */
const EVERY_TYPE: Record<MetadataRecord['type'], true> = {
  Cluster: true,
  RegisterBroker: true,
  FenceBroker: true,
  UnfenceBroker: true,
  Topic: true,
  RemoveTopic: true,
  Partition: true,
  PartitionChange: true,
  Config: true,
  BrokerConfig: true,
  ProducerIds: true,
};

function replay(bodies: readonly MetadataRecordBody[], brokerId = -1): MetadataImage {
  const image = new MetadataImage(brokerId);
  bodies.forEach((b, i) => image.apply(i, { ...b, v: 1, e: 0 } as MetadataRecord));
  return image;
}

function storeReplica(id: number, store: BrokerStore): MetadataReplica {
  return { id, store, isUp: true, applyMetadata: async () => undefined };
}

/** A random history of cluster changes on top of HISTORY (leader moves, ISR changes, configs, topics). */
function randomHistory(seed: number, length: number): MetadataRecordBody[] {
  const rnd = seededRandom(seed);
  const out = [...HISTORY];
  const epochs = new Map<number, { leaderEpoch: number; partitionEpoch: number }>([
    [0, { leaderEpoch: 1, partitionEpoch: 1 }],
    [1, { leaderEpoch: 0, partitionEpoch: 1 }],
  ]);
  let topics = 0;
  while (out.length < length) {
    const pick = rnd();
    if (pick < 0.5) {
      const partition = rnd() < 0.5 ? 0 : 1;
      const e = epochs.get(partition)!;
      const move = rnd() < 0.5;
      if (move) e.leaderEpoch++;
      e.partitionEpoch++;
      const isr = [0, 1, 2].filter(() => rnd() < 0.7);
      out.push({
        type: 'PartitionChange',
        topicId: T1,
        partition,
        ...(move ? { leader: isr[0] ?? -1 } : {}),
        isr: isr.length ? isr : [0],
        ...e,
      });
    } else if (pick < 0.7) {
      out.push({
        type: 'Config',
        topicId: T1,
        name: 'segment.ms',
        value: rnd() < 0.3 ? null : String(Math.floor(rnd() * 1e6)),
      });
    } else if (pick < 0.8) {
      out.push({ type: rnd() < 0.5 ? 'FenceBroker' : 'UnfenceBroker', brokerId: Math.floor(rnd() * 3) });
    } else if (pick < 0.9) {
      const topicId = Buffer.alloc(16, 100 + (topics % 100)).toString('base64url');
      out.push({ type: 'Topic', name: `t${topics++}`, topicId });
      out.push({
        type: 'Partition',
        topicId,
        partition: 0,
        replicas: [0, 1],
        isr: [0, 1],
        leader: 0,
        leaderEpoch: 0,
        partitionEpoch: 0,
      });
      if (rnd() < 0.5) out.push({ type: 'RemoveTopic', topicId });
    } else {
      out.push({ type: 'ProducerIds', nextProducerId: 2000 + out.length * 1000 });
    }
  }
  return out;
}

describe('metadata image as records', () => {
  it('rebuilds exactly the same image from its own records, for a history using every record type', () => {
    expect(new Set(HISTORY.map((r) => r.type))).toEqual(new Set(Object.keys(EVERY_TYPE)));
    const full = replay(HISTORY);
    const records = full.toRecords();
    expect(records.length).toBe(full.recordCount);
    expect(records.length).toBeLessThan(HISTORY.length);
    const rebuilt = MetadataImage.fromRecords(
      records.map((b) => ({ ...b, v: 1, e: 0 }) as MetadataRecord),
      HISTORY.length - 1,
    );
    expect(rebuilt).toEqual(full);
    expect(rebuilt.topic('gone')?.topicId).toBe(T3);
    expect(rebuilt.topic('orders')?.configs).toEqual({ 'cleanup.policy': 'compact' });
    expect(rebuilt.isFenced(0)).toBe(true);
    expect(rebuilt.isFenced(7)).toBe(true);
    expect(rebuilt.brokerConfigs.get('')).toEqual({ 'log.retention.ms': '7000' });
    expect(rebuilt.brokerConfigs.has('2')).toBe(false);
    // Each broker's view (its own broker-level configs inherited by topics) comes back the same way.
    for (const id of [0, 1, 2]) {
      const own = replay(HISTORY, id);
      expect(
        MetadataImage.fromRecords(
          records.map((b) => ({ ...b, v: 1, e: 0 }) as MetadataRecord),
          HISTORY.length - 1,
          id,
        ),
      ).toEqual(own);
    }
    expect(replay(HISTORY, 1).topic('orders')!.config).not.toEqual(full.topic('orders')!.config);
    // Nothing mutable is shared: changing the rebuilt image's arrays leaves the original alone.
    rebuilt.topic('orders')!.partitions[0]!.isr.push(9);
    expect(full.topic('orders')!.partitions[0]!.isr).toEqual([1]);
  });
});

describe('metadata snapshots', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function openStore(dir: string, name: string): Promise<BrokerStore> {
    const store = await BrokerStore.open(join(dir, name));
    cleanups.push(() => store.close());
    return store;
  }

  it('replays a snapshot plus the log after it into the same image as the full log', async () => {
    const dir = tempDir();
    cleanups.push(dir.remove);
    const history = randomHistory(11, 600);
    const fullStore = await openStore(dir.path, 'full');
    const snapStore = await openStore(dir.path, 'snap');
    const fullLog = new MetadataLog({ snapshotIntervalRecords: 1_000_000 });
    const snapLog = new MetadataLog({ snapshotIntervalRecords: 25 });
    for (let i = 0; i < history.length; i += 3) {
      await fullLog.append(history.slice(i, i + 3), [storeReplica(0, fullStore)]);
      await snapLog.append(history.slice(i, i + 3), [storeReplica(0, snapStore)]);
    }
    expect(fullLog.snapshotOffset).toBe(0);
    const expected = replay(history);
    const threshold = Math.max(25, expected.recordCount);
    expect(snapLog.snapshotOffset).toBeGreaterThan(history.length - threshold - 20);

    const fromFull = await MetadataLog.recover([fullStore]);
    const fromSnapshot = await MetadataLog.recover([snapStore]);
    expect(fromSnapshot.nextOffset).toBe(history.length);
    expect(fromSnapshot.snapshotOffset).toBe(snapLog.snapshotOffset);
    expect(fromFull.cloneImage()).toEqual(expected);
    expect(fromSnapshot.cloneImage()).toEqual(expected);
    // The snapshotted store dropped the history its previous snapshot made unnecessary.
    const kept = await countMetadataKeys(snapStore);
    expect((await countMetadataKeys(fullStore)).log).toBe(history.length);
    expect(kept.log).toBeLessThan(2 * threshold + 20);
    expect(kept.snapshot).toBeLessThanOrEqual(2 * (expected.recordCount + 2));
  });

  it('falls back to the previous snapshot and the log after it when the newest is torn or corrupt', async () => {
    const dir = tempDir();
    cleanups.push(dir.remove);
    const history = randomHistory(5, 200);
    const stores = await Promise.all([0, 1, 2, 3].map((i) => openStore(dir.path, `s${i}`)));
    const log = new MetadataLog({ snapshotIntervalRecords: 1_000_000 });
    const replicas = stores.map((s, i) => storeReplica(i, s));
    await log.append(history.slice(0, 120), replicas);
    await log.snapshot(replicas);
    await log.append(history.slice(120), replicas);
    await log.snapshot(replicas);
    expect(log.snapshotOffset).toBe(200);
    const expected = replay(history);

    // s0: end marker missing (killed while writing); s1: a record's bytes changed (checksum);
    // s2: a record missing (count); s3: a write that failed part-way, chunk by chunk.
    await stores[0]!.db.del(snapshotKey(200, SNAPSHOT_END));
    const rec = snapshotKey(200, SNAPSHOT_RECORD, 3);
    const value = (await stores[1]!.db.get(rec))!.toString();
    await stores[1]!.db.put(rec, Buffer.from(value.replace(/"type"/, '"type" ')));
    await stores[2]!.db.del(snapshotKey(200, SNAPSHOT_RECORD, 0));
    const write = stores[3]!.write.bind(stores[3]!);
    let calls = 0;
    stores[3]!.write = async (ops) => {
      if (++calls === 3) throw new Error('disk went away');
      return write(ops);
    };
    await expect(writeSnapshot(stores[3]!, 200, 0, expected.toRecords(), 4)).rejects.toThrow('disk went away');
    stores[3]!.write = write;

    for (const store of stores) {
      const view = await readStoreView(store);
      expect(view.invalidSnapshots).toEqual([200]);
      expect(view.snapshot?.header.offset).toBe(120);
      expect(view.tail.length).toBe(80);
      const recovered = await MetadataLog.recover([store]);
      expect(recovered.nextOffset).toBe(200);
      expect(recovered.cloneImage()).toEqual(expected);
    }
    // Syncing a copy deletes the torn snapshot and keeps the fallback.
    const recovered = await MetadataLog.recover(stores);
    for (const store of stores) await recovered.syncReplica(store);
    for (const store of stores) {
      const view = await readStoreView(store);
      expect(view.invalidSnapshots).toEqual([]);
      expect(view.snapshot?.header.offset).toBe(120);
    }
  });

  it('keeps the previous snapshot until a newer one is fully written', async () => {
    const dir = tempDir();
    cleanups.push(dir.remove);
    const store = await openStore(dir.path, 's');
    const log = new MetadataLog({ snapshotIntervalRecords: 1_000_000 });
    const history = randomHistory(9, 90);
    await log.append(history.slice(0, 30), [storeReplica(0, store)]);
    await log.snapshot([storeReplica(0, store)]);
    await log.append(history.slice(30, 60), [storeReplica(0, store)]);
    await log.snapshot([storeReplica(0, store)]);
    // Both kept, with the log from the older on; nothing below it.
    const logKeys: number[] = [];
    for await (const key of store.db.keys(metadataRange(0))) logKeys.push(key.readUInt32BE(5));
    expect(logKeys).toEqual(Array.from({ length: 30 }, (_, i) => 30 + i));
    expect(await store.db.get(snapshotKey(30, SNAPSHOT_END))).toBeDefined();
    await log.append(history.slice(60), [storeReplica(0, store)]);
    await log.snapshot([storeReplica(0, store)]);
    expect(await store.db.get(snapshotKey(30, SNAPSHOT_END))).toBeUndefined();
    expect(await store.db.get(snapshotKey(60, SNAPSHOT_END))).toBeDefined();
    expect((await readStoreView(store)).snapshot?.header.offset).toBe(history.length);
  });
});

describe('metadata log of a running cluster', () => {
  let cleanup: (() => Promise<void> | void) | undefined;
  afterEach(async () => {
    await cleanup?.();
    cleanup = undefined;
  });

  it('keeps the stored record count and records replayed on reopen bounded over 200 stop/start cycles', async () => {
    const dir = tempDir();
    const interval = 100;
    let c = await Cluster.open({ dataDir: dir.path, brokers: 3, metadataSnapshotIntervalRecords: interval });
    cleanup = async () => {
      await c.close();
      dir.remove();
    };
    await c.createTopic({ name: 'cycled', partitions: 6, replicationFactor: 3, configs: { 'retention.ms': '600000' } });
    const imageRecords = 1 + 3 * 2 + 1 + 1 + 6 + 1;
    // Two snapshots (records plus header and end marker) and the log since the older one.
    const storedBound = 2 * (imageRecords + 2) + 2 * interval + 40;
    const replayBound = imageRecords + interval + 40;
    const sample = async () => {
      const out = { stored: 0, replayed: 0 };
      for (const b of c.allBrokers()) {
        const n = await countMetadataKeys(b.store);
        const view = await readStoreView(b.store);
        out.stored = Math.max(out.stored, n.log + n.snapshot);
        out.replayed = Math.max(out.replayed, (view.snapshot?.records.length ?? 0) + view.tail.length);
      }
      return out;
    };
    let early = { stored: 0, replayed: 0 };
    for (let i = 0; i < 210; i++) {
      await c.stopBroker(i % 3);
      await c.startBroker(i % 3);
      if (i === 30) early = await sample();
    }
    const late = await sample();
    expect(c.metadataOffset).toBeGreaterThan(10 * interval);
    for (const s of [early, late]) {
      expect(s.stored).toBeLessThanOrEqual(storedBound);
      expect(s.replayed).toBeLessThanOrEqual(replayBound);
    }
    const before = { topics: c.listTopics(), configs: c.describeConfigs('cycled'), offset: c.metadataOffset };
    c = await reopen(c, dir.path, interval);
    expect(c.listTopics().map((t) => [t.name, t.topicId, t.partitions])).toEqual(
      before.topics.map((t) => [t.name, t.topicId, t.partitions]),
    );
    expect(c.describeConfigs('cycled')).toEqual(before.configs);
    expect(c.metadataOffset).toBeGreaterThan(before.offset);
    expect((await sample()).replayed).toBeLessThanOrEqual(replayBound);
  });

  it('reopens from the previous snapshot when the newest one is torn on every broker', async () => {
    const dir = tempDir();
    let c = await Cluster.open({ dataDir: dir.path, brokers: 3, metadataSnapshotIntervalRecords: 30 });
    cleanup = async () => {
      await c.close();
      dir.remove();
    };
    await c.createTopic({ name: 'a', partitions: 4, replicationFactor: 3 });
    for (let i = 0; i < 12; i++) {
      await c.stopBroker(1);
      await c.startBroker(1);
    }
    await c.createTopic({ name: 'b', partitions: 2, replicationFactor: 2, configs: { 'cleanup.policy': 'compact' } });
    const before = {
      clusterId: c.clusterId,
      topics: c.listTopics().map((t) => [t.name, t.topicId, t.partitions, t.cleanupPolicy]),
    };
    await c.close();
    const stores = await Promise.all([0, 1, 2].map((i) => BrokerStore.open(join(dir.path, `broker-${i}`))));
    const intact = await MetadataLog.recover(stores);
    const newest = intact.snapshotOffset;
    for (const s of stores) {
      const view = await readStoreView(s);
      expect(view.snapshot?.header.offset).toBe(newest);
      await s.db.del(snapshotKey(newest, SNAPSHOT_END));
    }
    const torn = await MetadataLog.recover(stores);
    expect(torn.snapshotOffset).toBeLessThan(newest);
    expect(torn.nextOffset).toBe(intact.nextOffset);
    expect(torn.cloneImage()).toEqual(intact.cloneImage());
    for (const s of stores) await s.close();

    c = await Cluster.open({ dataDir: dir.path, metadataSnapshotIntervalRecords: 30 });
    expect(c.clusterId).toBe(before.clusterId);
    expect(c.listTopics().map((t) => [t.name, t.topicId, t.partitions, t.cleanupPolicy])).toEqual(before.topics);
    for (const b of c.allBrokers()) expect((await readStoreView(b.store)).invalidSnapshots).toEqual([]);
  });
});

async function reopen(c: Cluster, dataDir: string, interval: number): Promise<Cluster> {
  await c.close();
  return Cluster.open({ dataDir, metadataSnapshotIntervalRecords: interval });
}
