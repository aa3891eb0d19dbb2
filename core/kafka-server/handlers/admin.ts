/**
 * Topic administration: CreateTopics (validate-only included), DeleteTopics,
 * CreatePartitions (with or without explicit replica assignments), DeleteRecords and DescribeLogDirs. Changes go
 * through the
 * cluster's controller, whichever broker received the request (in KRaft
 * brokers forward them the same way); DeleteRecords must reach each
 * partition's leader, as in Kafka.
 */
import { statfsSync } from 'node:fs';
import { asKafkaError, KafkaError } from '../../errors';
import { API_KEYS, ZERO_UUID } from '../../protocol/index';
import type { CreateTopicsResponse } from '../../protocol/index';
import { api, type ApiHandler, type RequestContext } from '../context';
import { codeOf, kafkaError, OK, wireError } from '../error-codes';
import { deprecatedTopicConfigs } from '../../cluster/topic-configs';
import { configSourceCode, warnDeprecated } from './configs';
import { refuseInternalTopicCreation } from '../../cluster/topic-configs';

type CreatedTopic = CreateTopicsResponse['topics'][number];

interface CreatableTopic {
  name: string;
  numPartitions: number;
  replicationFactor: number;
  assignments: Array<{ partitionIndex: number; brokerIds: number[] }>;
  configs: Array<{ name: string; value: string | null }>;
}

async function createOne(ctx: RequestContext, t: CreatableTopic, validateOnly: boolean): Promise<CreatedTopic> {
  const v = ctx.apiVersion;
  const out: CreatedTopic = {
    name: t.name,
    topicId: ZERO_UUID,
    errorCode: 0,
    errorMessage: null,
    topicConfigErrorCode: 0,
    numPartitions: -1,
    replicationFactor: -1,
    configs: v >= 5 ? [] : null,
  };
  try {
    refuseInternalTopicCreation(t.name);
    let assignments: number[][] | undefined;
    if (t.assignments.length > 0) {
      if (t.numPartitions !== -1 || t.replicationFactor !== -1) {
        throw new KafkaError(
          'INVALID_REQUEST',
          'Both numPartitions or replicationFactor and replicasAssignments were set. Both cannot be used at the ' +
            'same time.',
        );
      }
      const sorted = [...t.assignments].sort((a, b) => a.partitionIndex - b.partitionIndex);
      sorted.forEach((a, i) => {
        if (a.partitionIndex !== i)
          throw new KafkaError(
            'INVALID_REPLICA_ASSIGNMENT',
            `Partitions should be a consecutive 0-based integer sequence; partition ${i} is missing or repeated`,
          );
      });
      assignments = sorted.map((a) => a.brokerIds);
    }
    const configs: Record<string, string> = {};
    for (const c of t.configs) {
      if (c.value === null)
        throw new KafkaError('INVALID_CONFIG', `Null value not supported for topic configs: ${c.name}`);
      configs[c.name] = c.value;
    }
    const d = await ctx.server.cluster.createTopic({
      name: t.name,
      partitions: t.numPartitions === -1 ? undefined : t.numPartitions,
      replicationFactor: t.replicationFactor === -1 ? undefined : t.replicationFactor,
      assignments,
      configs,
      validateOnly,
    });
    const deprecated = deprecatedTopicConfigs(Object.keys(configs));
    if (deprecated.length && !validateOnly) warnDeprecated(ctx, `topic ${t.name}`, deprecated);
    out.topicId = d.topicId || ZERO_UUID;
    out.numPartitions = d.partitions;
    out.replicationFactor = d.replicationFactor;
    if (v >= 5) {
      out.configs = d.configs.map((c) => ({
        name: c.name,
        value: c.value,
        readOnly: c.readOnly,
        configSource: configSourceCode(c.source),
        isSensitive: c.sensitive,
      }));
    }
  } catch (err) {
    const e = wireError(err);
    out.errorCode = e.errorCode;
    out.errorMessage = e.errorMessage;
  }
  return out;
}

export const adminHandlers: ApiHandler[] = [
  api({
    apiKey: API_KEYS.CreateTopics,
    minVersion: 0,
    maxVersion: 7,
    async handle(ctx, body) {
      const counts = new Map<string, number>();
      for (const t of body.topics) counts.set(t.name, (counts.get(t.name) ?? 0) + 1);
      const topics: CreatedTopic[] = [];
      for (const t of body.topics) {
        if (counts.get(t.name)! > 1) {
          const e = kafkaError(
            'INVALID_REQUEST',
            `Create topics request from client ${ctx.conn.clientId ?? ''} contains multiple entries for the ` +
              `following topics: ${t.name}`,
          );
          topics.push({
            name: t.name,
            topicId: ZERO_UUID,
            errorCode: e.errorCode,
            errorMessage: e.errorMessage,
            topicConfigErrorCode: 0,
            numPartitions: -1,
            replicationFactor: -1,
            configs: ctx.apiVersion >= 5 ? [] : null,
          });
          continue;
        }
        topics.push(await createOne(ctx, t, body.validateOnly));
      }
      return { throttleTimeMs: 0, topics };
    },
  }),
  api({
    apiKey: API_KEYS.DeleteTopics,
    minVersion: 0,
    maxVersion: 6,
    async handle(ctx, body) {
      const v = ctx.apiVersion;
      const wanted = v >= 6 ? body.topics : body.topicNames.map((name) => ({ name, topicId: ZERO_UUID }));
      const responses = [];
      for (const t of wanted) {
        const image = ctx.broker.image;
        const byId = t.name === null || t.name === undefined;
        const topic = byId ? image.topicsById.get(t.topicId) : image.topic(t.name!);
        const out = {
          name: topic?.name ?? t.name ?? null,
          topicId: topic?.topicId ?? t.topicId,
          errorCode: 0,
          errorMessage: null as string | null,
        };
        try {
          if (!topic)
            throw new KafkaError(
              byId ? 'UNKNOWN_TOPIC_ID' : 'UNKNOWN_TOPIC_OR_PARTITION',
              byId ? `Topic id ${t.topicId} does not exist` : `Topic ${t.name} does not exist`,
            );
          await ctx.server.cluster.deleteTopic(topic.name);
        } catch (err) {
          Object.assign(out, wireError(err));
        }
        responses.push(out);
      }
      return { throttleTimeMs: 0, responses };
    },
  }),
  api({
    apiKey: API_KEYS.CreatePartitions,
    minVersion: 0,
    maxVersion: 3,
    async handle(ctx, body) {
      const results = [];
      for (const t of body.topics) {
        let e = OK;
        try {
          // Some clients (kafkajs) send an empty list rather than null when they place nothing themselves.
          const assignments =
            t.assignments === null || t.assignments.length === 0 ? undefined : t.assignments.map((a) => a.brokerIds);
          await ctx.server.cluster.createPartitions(t.name, t.count, body.validateOnly, assignments);
        } catch (err) {
          e = wireError(err);
        }
        results.push({ name: t.name, ...e });
      }
      return { throttleTimeMs: 0, results };
    },
  }),
  api({
    apiKey: API_KEYS.DeleteRecords,
    minVersion: 0,
    maxVersion: 2,
    async handle(ctx, body) {
      const topics = await Promise.all(
        body.topics.map(async (t) => ({
          name: t.name,
          partitions: await Promise.all(
            t.partitions.map(async (p) => {
              try {
                const lowWatermark = await ctx.broker.replicas.deleteRecords(t.name, p.partitionIndex, p.offset);
                return { partitionIndex: p.partitionIndex, lowWatermark, errorCode: 0 };
              } catch (err) {
                return {
                  partitionIndex: p.partitionIndex,
                  lowWatermark: -1,
                  errorCode: wireError(err, true).errorCode,
                };
              }
            }),
          ),
        })),
      );
      return { throttleTimeMs: 0, topics };
    },
  }),
  api({
    apiKey: API_KEYS.DescribeLogDirs,
    minVersion: 0,
    maxVersion: 4,
    handle(ctx, body) {
      const broker = ctx.broker;
      if (broker.isFailed) {
        // Kafka's answer for an offline log dir: the dir with KAFKA_STORAGE_ERROR, nothing under it.
        return {
          throttleTimeMs: 0,
          errorCode: 0,
          results: [
            {
              errorCode: codeOf('KAFKA_STORAGE_ERROR'),
              logDir: broker.path,
              topics: [],
              totalBytes: -1,
              usableBytes: -1,
            },
          ],
        };
      }
      let rm;
      try {
        rm = broker.replicas;
      } catch (err) {
        return { throttleTimeMs: 0, errorCode: asKafkaError(err).code, results: [] };
      }
      const wanted = body.topics === null ? null : new Map(body.topics.map((t) => [t.topic, new Set(t.partitions)]));
      const byTopic = new Map<
        string,
        Array<{ partitionIndex: number; partitionSize: number; offsetLag: number; isFutureKey: boolean }>
      >();
      for (const p of rm.partitions.values()) {
        const name = p.topic.name;
        if (wanted && !wanted.get(name)?.has(p.index)) continue;
        let lag = 0;
        if (p.role !== 'leader') {
          const lp = ctx.server.cluster.replicaOn(p.topic, p.index, p.leaderId);
          lag = lp ? Math.max(0, lp.log.logEndOffset - p.log.logEndOffset) : 0;
        }
        let list = byTopic.get(name);
        if (!list) byTopic.set(name, (list = []));
        list.push({ partitionIndex: p.index, partitionSize: p.log.sizeBytes, offsetLag: lag, isFutureKey: false });
      }
      let totalBytes = -1;
      let usableBytes = -1;
      try {
        const s = statfsSync(broker.path);
        totalBytes = s.blocks * s.bsize;
        usableBytes = s.bavail * s.bsize;
      } catch {
        // unknown
      }
      const topics = [...byTopic]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([name, partitions]) => ({
          name,
          partitions: partitions.sort((a, b) => a.partitionIndex - b.partitionIndex),
        }));
      return {
        throttleTimeMs: 0,
        errorCode: 0,
        results: [{ errorCode: 0, logDir: broker.path, topics, totalBytes, usableBytes }],
      };
    },
  }),
];
