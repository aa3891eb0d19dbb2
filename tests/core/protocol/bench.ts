/**
 * Codec micro-benchmark: `npx tsx tests/core/protocol/bench.ts`.
 * Not a test (vitest only runs *.test.ts); prints ops/s and throughput.
 */
import {
  API_KEYS,
  decodeRequest,
  decodeResponse,
  encodeRequest,
  encodeResponse,
  encodeResponseChunks,
  randomUuid,
} from '../../../core/protocol/index';

function bench(name: string, fn: () => unknown, bytesPerOp = 0): void {
  for (let i = 0; i < 200; i++) fn(); // warm up
  // Best of 5 rounds of ~200 ms: the machine may be shared and noisy.
  let best = Infinity;
  for (let round = 0; round < 5; round++) {
    let ops = 0;
    const start = process.hrtime.bigint();
    let elapsed = 0;
    while (elapsed < 200) {
      for (let i = 0; i < 20; i++) fn();
      ops += 20;
      elapsed = Number(process.hrtime.bigint() - start) / 1e6;
    }
    best = Math.min(best, (elapsed * 1000) / ops);
  }
  const gbps = bytesPerOp ? `  ${(bytesPerOp / (best / 1e6) / 1e9).toFixed(2)} GB/s` : '';
  console.log(
    `${name.padEnd(62)} ${Math.round(1e6 / best)
      .toString()
      .padStart(9)} ops/s  ${best.toFixed(2).padStart(9)} µs/op${gbps}`,
  );
}

const records100k = Buffer.alloc(100 * 1024, 0xab);
const produceBody = {
  transactionalId: null,
  acks: -1,
  timeoutMs: 30000,
  topicData: [{ name: 'orders', partitionData: [{ index: 0, records: records100k }] }],
};
const produceFrame = encodeRequest(API_KEYS.Produce, 9, 1, 'bench', produceBody);

bench('memcpy baseline: Buffer.from(100 KB)', () => Buffer.from(records100k), records100k.length);
bench(
  'Produce v9 request, 100 KB records: encode',
  () => encodeRequest(API_KEYS.Produce, 9, 1, 'bench', produceBody),
  produceFrame.length,
);
bench(
  'Produce v9 request, 100 KB records: decode (zero-copy)',
  () => decodeRequest(produceFrame.subarray(4)),
  produceFrame.length,
);

const small = Buffer.alloc(1024, 1);
const ids = Array.from({ length: 10 }, () => randomUuid());
const fetchBody = {
  throttleTimeMs: 0,
  errorCode: 0,
  sessionId: 0,
  responses: ids.map((topicId) => ({
    topicId,
    topic: 'topic-' + topicId.slice(0, 4),
    partitions: Array.from({ length: 100 }, (_, p) => ({
      partitionIndex: p,
      errorCode: 0,
      highWatermark: 123456789 + p,
      lastStableOffset: 123456789,
      logStartOffset: 0,
      abortedTransactions: [],
      preferredReadReplica: -1,
      records: small,
    })),
  })),
};
for (const v of [12, 16]) {
  const frame = encodeResponse(API_KEYS.Fetch, v, 1, fetchBody);
  bench(
    `Fetch v${v} response, 1000 partitions x 1 KB: encode`,
    () => encodeResponse(API_KEYS.Fetch, v, 1, fetchBody),
    frame.length,
  );
  bench(
    `Fetch v${v} response, 1000 partitions x 1 KB: encode chunks`,
    () => encodeResponseChunks(API_KEYS.Fetch, v, 1, fetchBody, 512),
    frame.length,
  );
  bench(
    `Fetch v${v} response, 1000 partitions x 1 KB: decode`,
    () => decodeResponse(API_KEYS.Fetch, v, frame.subarray(4)),
    frame.length,
  );
}
const fetchV4 = encodeResponse(API_KEYS.Fetch, 4, 1, fetchBody);
bench(
  'Fetch v4 response, 1000 partitions x 1 KB: encode',
  () => encodeResponse(API_KEYS.Fetch, 4, 1, fetchBody),
  fetchV4.length,
);
bench(
  'Fetch v4 response, 1000 partitions x 1 KB: decode',
  () => decodeResponse(API_KEYS.Fetch, 4, fetchV4.subarray(4)),
  fetchV4.length,
);

const metadataBody = {
  brokers: [1, 2, 3].map((nodeId) => ({ nodeId, host: 'localhost', port: 9090 + nodeId, rack: null })),
  clusterId: 'noticeboard',
  controllerId: 1,
  topics: Array.from({ length: 100 }, (_, t) => ({
    errorCode: 0,
    name: `topic-${t}`,
    topicId: randomUuid(),
    isInternal: false,
    partitions: Array.from({ length: 10 }, (_, p) => ({
      errorCode: 0,
      partitionIndex: p,
      leaderId: 1 + (p % 3),
      leaderEpoch: 5,
      replicaNodes: [1, 2, 3],
      isrNodes: [1, 2, 3],
      offlineReplicas: [],
    })),
    topicAuthorizedOperations: -2147483648,
  })),
};
const md = encodeResponse(API_KEYS.Metadata, 12, 1, metadataBody);
bench(
  'Metadata v12 response, 100 topics x 10 partitions: encode',
  () => encodeResponse(API_KEYS.Metadata, 12, 1, metadataBody),
  md.length,
);
bench(
  'Metadata v12 response, 100 topics x 10 partitions: decode',
  () => decodeResponse(API_KEYS.Metadata, 12, md.subarray(4)),
  md.length,
);

const hb = { groupId: 'my-group', generationId: 3, memberId: 'member-1-5b0f', groupInstanceId: null };
const hbFrame = encodeRequest(API_KEYS.Heartbeat, 4, 1, 'bench', hb);
bench('Heartbeat v4 request: encode', () => encodeRequest(API_KEYS.Heartbeat, 4, 1, 'bench', hb));
bench('Heartbeat v4 request: decode', () => decodeRequest(hbFrame.subarray(4)));
