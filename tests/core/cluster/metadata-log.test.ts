import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Cluster } from '../../../core/cluster/cluster';
import { MetadataImage, type MetadataRecord, type MetadataRecordBody } from '../../../core/cluster/metadata-image';
import { MetadataLog, type MetadataReplica } from '../../../core/cluster/metadata-log';
import { readStoreView, writeSnapshot } from '../../../core/cluster/metadata-snapshot';
import { KafkaError } from '../../../core/errors';
import { BrokerStore } from '../../../core/storage/broker-store';
import { snapshotKey, SNAPSHOT_END } from '../../../core/storage/keys';
import { tempDir } from '../../helpers/temp-cluster';

const ID = (n: number) => Buffer.alloc(16, n).toString('base64url');

/** A body for offset `i` that names its history, so copies that differ are told apart. */
function body(i: number, history = 'a'): MetadataRecordBody {
  if (i === 0) return { type: 'Cluster', clusterId: 'c', brokers: 3 };
  return { type: 'Topic', name: `${history}-${i}`, topicId: ID(i) };
}

function rec(i: number, e: number, history = 'a'): MetadataRecord {
  return { ...body(i, history), v: 1, e } as MetadataRecord;
}

/** Log records `from`..`to`-1 of one history at one epoch, as a controller would have written them. */
function range(from: number, to: number, e: number, history = 'a'): Array<{ offset: number; record: MetadataRecord }> {
  return Array.from({ length: to - from }, (_, k) => ({ offset: from + k, record: rec(from + k, e, history) }));
}

function imageOf(records: MetadataRecord[]): MetadataImage {
  const image = new MetadataImage();
  records.forEach((r, i) => image.apply(i, r));
  return image;
}

interface FakeReplica extends MetadataReplica {
  applied: number[];
  isUp: boolean;
}

function replica(id: number, store: BrokerStore): FakeReplica {
  const r: FakeReplica = {
    id,
    store,
    isUp: true,
    applied: [],
    applyMetadata: async (offset) => {
      r.applied.push(offset);
    },
  };
  return r;
}

describe('metadata log', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function stores(n: number): Promise<BrokerStore[]> {
    const dir = tempDir();
    cleanups.push(dir.remove);
    const out = await Promise.all(Array.from({ length: n }, (_, i) => BrokerStore.open(join(dir.path, `broker-${i}`))));
    cleanups.push(() => Promise.all(out.map((s) => s.close())).then(() => undefined));
    return out;
  }

  describe('commit', () => {
    it('commits and applies an append once every broker that is up has persisted it', async () => {
      const [s0, s1] = await stores(2);
      const log = new MetadataLog();
      const rs = [replica(0, s0!), replica(1, s1!)];
      expect(await log.append([body(0), body(1)], rs)).toBe(0);
      expect(log.nextOffset).toBe(2);
      for (const r of rs) {
        expect(r.applied).toEqual([0, 1]);
        expect((await r.store.readMetadata()).map((x) => x.offset)).toEqual([0, 1]);
      }
    });

    it('fails with KAFKA_STORAGE_ERROR when a broker cannot persist: applies nothing, cuts back copies', async () => {
      const [s0, s1] = await stores(2);
      const log = new MetadataLog();
      const rs = [replica(0, s0!), replica(1, s1!)];
      await log.append([body(0)], rs);
      await s1!.close();
      const err = await log.append([body(1)], rs).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(KafkaError);
      expect((err as KafkaError).errorName).toBe('KAFKA_STORAGE_ERROR');
      expect((err as KafkaError).message).toMatch(/broker 1/);
      expect(log.nextOffset).toBe(1);
      expect(rs[0]!.applied).toEqual([0]);
      expect((await s0!.readMetadata()).map((x) => x.offset)).toEqual([0]);
      expect(log.cloneImage().topic('a-1')).toBeUndefined();
    });

    it('commits without a broker that was stopped while the append was in flight', async () => {
      const [s0, s1] = await stores(2);
      const log = new MetadataLog();
      const rs = [replica(0, s0!), replica(1, s1!)];
      await log.append([body(0)], rs);
      await s1!.close();
      rs[1]!.isUp = false;
      expect(await log.append([body(1)], rs)).toBe(1);
      expect(rs[0]!.applied).toEqual([0, 1]);
      expect(rs[1]!.applied).toEqual([0]);
      expect(log.cloneImage().topic('a-1')).toBeDefined();
    });

    it('fails when no broker persisted the append, even if every failure is excused', async () => {
      const [s0] = await stores(1);
      const log = new MetadataLog();
      await expect(log.append([body(0)], [])).rejects.toMatchObject({
        errorName: 'KAFKA_STORAGE_ERROR',
        message: /no broker is running/,
      });
      const r = replica(0, s0!);
      await s0!.close();
      r.isUp = false;
      await expect(log.append([body(0)], [r])).rejects.toMatchObject({ errorName: 'KAFKA_STORAGE_ERROR' });
      expect(log.nextOffset).toBe(0);
    });
  });

  describe('which copy wins on reopen', () => {
    /** Recovers from the stores, syncs each, and returns every store's copy as (snapshot offset, records). */
    async function recoverAndSync(
      ss: BrokerStore[],
    ): Promise<{ log: MetadataLog; copies: Array<{ start: number; image: MetadataImage; tail: string[] }> }> {
      const log = await MetadataLog.recover(ss);
      for (const s of ss) await log.syncReplica(s);
      const copies = [];
      for (const s of ss) {
        const v = await readStoreView(s);
        const start = v.snapshot?.header.offset ?? 0;
        const image = MetadataImage.fromRecords(v.snapshot?.records ?? [], start - 1);
        v.tail.forEach((r, i) => image.apply(start + i, r));
        expect(v.invalidSnapshots).toEqual([]);
        expect(v.strayLogKeys).toBe(false);
        copies.push({ start, image, tail: v.tailJson });
      }
      return { log, copies };
    }

    it('takes the longest copy when the last epochs are equal, and refills the shorter ones', async () => {
      const ss = await stores(3);
      await ss[0]!.appendMetadata(range(0, 5, 1));
      await ss[1]!.appendMetadata(range(0, 7, 1));
      await ss[2]!.appendMetadata(range(0, 3, 1));
      const { log, copies } = await recoverAndSync(ss);
      expect(log.nextOffset).toBe(7);
      const expected = imageOf(range(0, 7, 1).map((x) => x.record));
      for (const c of copies) {
        expect(c.image.topicsByName.size).toBe(6);
        expect([...c.image.topicsByName.keys()]).toEqual([...expected.topicsByName.keys()]);
      }
    });

    it('takes the copy whose last record has the higher epoch over a longer one, cutting the longer back', async () => {
      const ss = await stores(2);
      await ss[0]!.appendMetadata([...range(0, 5, 1), ...range(5, 6, 2, 'new')]);
      await ss[1]!.appendMetadata([...range(0, 5, 1), ...range(5, 9, 1, 'old')]);
      const { log, copies } = await recoverAndSync(ss);
      expect(log.nextOffset).toBe(6);
      expect(log.controllerEpoch).toBe(2);
      for (const c of copies) {
        expect(c.image.topic('new-5')).toBeDefined();
        expect([...c.image.topicsByName.keys()].filter((n) => n.startsWith('old'))).toEqual([]);
      }
      expect((await ss[1]!.readMetadata()).map((x) => x.offset)).toEqual([0, 1, 2, 3, 4, 5]);
    });

    it('prefers a snapshot-plus-log copy over an equally long log without one, installing the snapshot', async () => {
      const ss = await stores(2);
      const all = range(0, 8, 2);
      // Broker 0: snapshot at 6 and records 6..7; broker 1: only the log, up to 6.
      await writeSnapshot(ss[0]!, 6, 2, imageOf(all.slice(0, 6).map((x) => x.record)).toRecords());
      await ss[0]!.appendMetadata(all.slice(6));
      await ss[1]!.appendMetadata(all.slice(0, 6));
      const { log, copies } = await recoverAndSync(ss);
      expect(log.nextOffset).toBe(8);
      expect(log.snapshotOffset).toBe(6);
      const expected = imageOf(all.map((x) => x.record));
      expected.offset = 7;
      for (const c of copies) expect(c.image).toEqual(expected);
      // The log-only copy was behind the snapshot, so it now starts from an installed one.
      expect(copies[1]!.start).toBe(8);
      expect(await ss[1]!.readMetadata()).toEqual([]);
    });

    it("keeps a copy's snapshot that ends in the winner's epoch, and refills only the log after it", async () => {
      const ss = await stores(2);
      const all = range(0, 9, 3);
      await writeSnapshot(ss[0]!, 6, 3, imageOf(all.slice(0, 6).map((x) => x.record)).toRecords());
      await ss[1]!.appendMetadata(all);
      const { log, copies } = await recoverAndSync(ss);
      expect(log.nextOffset).toBe(9);
      expect(copies[0]!.start).toBe(6);
      expect(copies[0]!.tail).toEqual(all.slice(6).map((x) => JSON.stringify(x.record)));
      expect(copies[0]!.image).toEqual(copies[1]!.image);
    });

    it("replaces a copy whose snapshot is of another history (last epoch differs from the winner's)", async () => {
      const ss = await stores(2);
      const winner = [...range(0, 4, 1), ...range(4, 8, 3, 'w')];
      await ss[0]!.appendMetadata(winner);
      // Broker 1 snapshotted at 6 after records of epoch 2 that the winner never had.
      const other = [...range(0, 4, 1), ...range(4, 6, 2, 'x')];
      await writeSnapshot(ss[1]!, 6, 2, imageOf(other.map((x) => x.record)).toRecords());
      const { log, copies } = await recoverAndSync(ss);
      expect(log.nextOffset).toBe(8);
      for (const c of copies) {
        expect(c.image.topic('w-5')).toBeDefined();
        expect(c.image.topic('x-5')).toBeUndefined();
      }
      expect(copies[1]!.start).toBe(8);
    });

    it('ignores a torn snapshot and a torn tail (a gap): uses the previous snapshot and contiguous log', async () => {
      const ss = await stores(3);
      const all = range(0, 10, 1);
      // Broker 0: valid snapshot at 4, log 4..6, a torn snapshot at 6 (no end marker).
      await writeSnapshot(ss[0]!, 4, 1, imageOf(all.slice(0, 4).map((x) => x.record)).toRecords());
      await ss[0]!.appendMetadata(all.slice(4, 6));
      await writeSnapshot(ss[0]!, 6, 1, imageOf(all.slice(0, 6).map((x) => x.record)).toRecords());
      await ss[0]!.db.del(snapshotKey(6, SNAPSHOT_END));
      // Broker 1: log 0..5 only. Broker 2: log 0..4 and a stray record at 9 after a gap.
      await ss[1]!.appendMetadata(all.slice(0, 5));
      await ss[2]!.appendMetadata([...all.slice(0, 4), all[9]!]);
      const views = await Promise.all(ss.map((s) => readStoreView(s)));
      expect(views[0]!.snapshot?.header.offset).toBe(4);
      expect(views[0]!.invalidSnapshots).toEqual([6]);
      expect(views[2]!.strayLogKeys).toBe(true);
      const { log, copies } = await recoverAndSync(ss);
      expect(log.nextOffset).toBe(6);
      for (const c of copies) expect([...c.image.topicsByName.keys()]).toEqual(['a-1', 'a-2', 'a-3', 'a-4', 'a-5']);
      // The log-only copies cannot be checked against a log that starts at snapshot 4: they get it installed.
      expect(copies.map((c) => c.start)).toEqual([4, 6, 6]);
      expect(await ss[2]!.readMetadata()).toEqual([]);
    });
  });

  it('reopens a cluster whose brokers hold divergent copies with every broker on the winning one', async () => {
    const dir = tempDir();
    cleanups.push(dir.remove);
    let c = await Cluster.open({ dataDir: dir.path, brokers: 3 });
    await c.createTopic({ name: 'base', partitions: 3, replicationFactor: 3 });
    await c.close();
    // A controller killed mid-append: broker 1 took two more records (a topic), broker 2 one of them.
    const ss = await Promise.all([0, 1, 2].map((i) => BrokerStore.open(join(dir.path, `broker-${i}`))));
    const log = await MetadataLog.recover(ss);
    const at = log.nextOffset;
    const e = log.controllerEpoch;
    const topicId = ID(42);
    const extra: MetadataRecord[] = [
      { type: 'Topic', name: 'half-written', topicId, v: 1, e },
      {
        type: 'Partition',
        topicId,
        partition: 0,
        replicas: [0, 1, 2],
        isr: [0, 1, 2],
        leader: 0,
        leaderEpoch: 0,
        partitionEpoch: 0,
        v: 1,
        e,
      },
    ];
    await ss[1]!.appendMetadata(extra.map((record, i) => ({ offset: at + i, record })));
    await ss[2]!.appendMetadata([{ offset: at, record: extra[0]! }]);
    for (const s of ss) await s.close();
    c = await Cluster.open({ dataDir: dir.path });
    cleanups.push(() => c.close());
    expect(c.listTopics().map((t) => t.name)).toEqual(['base', 'half-written']);
    expect(c.partitions('half-written')).toHaveLength(1);
    const tails = [];
    for (const b of c.allBrokers()) {
      const v = await readStoreView(b.store);
      tails.push({ start: v.snapshot?.header.offset, tail: v.tailJson });
    }
    expect(tails[1]).toEqual(tails[0]);
    expect(tails[2]).toEqual(tails[0]);
  });
});
