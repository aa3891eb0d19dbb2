/**
 * Metadata and DescribeCluster: which brokers listen where, and every
 * partition's leader, replicas, ISR and offline replicas, from the addressed
 * broker's metadata image (every running broker holds the same one).
 *
 * Brokers appear while they run and their listener is open, as in Kafka,
 * where only live brokers are registered; a replica on any other broker is
 * listed as offline. Auto-creation (Metadata v4+ allow_auto_topic_creation,
 * always on before v4) creates a missing topic with the cluster's default
 * partitions and replication factor when the server's auto.create.topics.enable
 * is on, then answers with the new topic's metadata.
 */
import type { MetadataImage, TopicImage } from '../../cluster/metadata-image';
import { isInternalTopic, validateTopicName } from '../../cluster/topic-configs';
import { asKafkaError } from '../../errors';
import { API_KEYS, ZERO_UUID, type MetadataResponse } from '../../protocol/index';
import { api, type ApiHandler, type RequestContext } from '../context';
import { codeOf } from '../error-codes';

/** Kafka's AclOperation codes, as the authorized-operations bitfields carry them. */
const OP = {
  READ: 3,
  WRITE: 4,
  CREATE: 5,
  DELETE: 6,
  ALTER: 7,
  DESCRIBE: 8,
  CLUSTER_ACTION: 9,
  DESCRIBE_CONFIGS: 10,
  ALTER_CONFIGS: 11,
  IDEMPOTENT_WRITE: 12,
};
const bits = (...ops: number[]) => ops.reduce((n, op) => n | (1 << op), 0);
/** No authorizer: every operation is allowed. */
export const TOPIC_OPERATIONS = bits(
  OP.READ,
  OP.WRITE,
  OP.CREATE,
  OP.DELETE,
  OP.ALTER,
  OP.DESCRIBE,
  OP.DESCRIBE_CONFIGS,
  OP.ALTER_CONFIGS,
);
export const CLUSTER_OPERATIONS = bits(
  OP.CREATE,
  OP.ALTER,
  OP.DESCRIBE,
  OP.CLUSTER_ACTION,
  OP.DESCRIBE_CONFIGS,
  OP.ALTER_CONFIGS,
  OP.IDEMPOTENT_WRITE,
);
const NOT_REQUESTED = -2147483648;

type TopicMetadata = MetadataResponse['topics'][number];

/**
 * The image a request is answered from: the broker's own, except on a failed
 * broker (its log dir offline), whose image stopped with it: a running
 * broker's then, the cluster as it is now.
 */
function currentImage(ctx: RequestContext): MetadataImage {
  if (!ctx.broker.isFailed) return ctx.broker.image;
  return ctx.server.cluster.allBrokers().find((b) => b.status === 'running')?.image ?? ctx.broker.image;
}

/** Partition metadata of a topic as the image has it, with offline replicas filled in. */
export function topicMetadata(ctx: RequestContext, t: TopicImage, includeOps: boolean): TopicMetadata {
  const live = new Set(ctx.server.liveEndpoints().map((e) => e.nodeId));
  return {
    errorCode: 0,
    name: t.name,
    topicId: t.topicId,
    isInternal: isInternalTopic(t.name),
    partitions: t.partitions.map((p) => ({
      errorCode: p.leader < 0 ? codeOf('LEADER_NOT_AVAILABLE') : 0,
      partitionIndex: p.partition,
      leaderId: p.leader,
      leaderEpoch: p.leaderEpoch,
      replicaNodes: p.replicas,
      isrNodes: p.isr,
      offlineReplicas: p.replicas.filter((r) => !live.has(r)),
    })),
    topicAuthorizedOperations: includeOps ? TOPIC_OPERATIONS : NOT_REQUESTED,
  };
}

function missingTopic(name: string | null, topicId: string, errorCode: number): TopicMetadata {
  return { errorCode, name, topicId, isInternal: false, partitions: [], topicAuthorizedOperations: NOT_REQUESTED };
}

/** Creates a topic with the cluster defaults, once even when several requests ask at the same time. */
async function autoCreate(ctx: RequestContext, name: string): Promise<void> {
  const pending = ctx.server.creatingTopics.get(name);
  if (pending) return pending;
  const p = ctx.server.cluster
    .createTopic({ name })
    .then(
      () => undefined,
      (err: unknown) => {
        if (asKafkaError(err).errorName !== 'TOPIC_ALREADY_EXISTS') throw err;
      },
    )
    .finally(() => ctx.server.creatingTopics.delete(name));
  ctx.server.creatingTopics.set(name, p);
  return p;
}

async function resolveRequested(
  ctx: RequestContext,
  image: () => MetadataImage,
  req: { topicId: string; name: string | null },
  allowCreate: boolean,
  includeOps: boolean,
): Promise<TopicMetadata> {
  if (req.name === null || req.name === undefined) {
    const t = image().topicsById.get(req.topicId);
    return t ? topicMetadata(ctx, t, includeOps) : missingTopic(null, req.topicId, codeOf('UNKNOWN_TOPIC_ID'));
  }
  const name = req.name;
  const existing = image().topic(name);
  if (existing) return topicMetadata(ctx, existing, includeOps);
  if (!allowCreate || isInternalTopic(name)) return missingTopic(name, ZERO_UUID, codeOf('UNKNOWN_TOPIC_OR_PARTITION'));
  try {
    validateTopicName(name);
    await autoCreate(ctx, name);
  } catch (err) {
    return missingTopic(name, ZERO_UUID, asKafkaError(err).code);
  }
  const created = image().topic(name);
  return created
    ? topicMetadata(ctx, created, includeOps)
    : missingTopic(name, ZERO_UUID, codeOf('LEADER_NOT_AVAILABLE'));
}

export const metadataHandlers: ApiHandler[] = [
  api({
    apiKey: API_KEYS.Metadata,
    minVersion: 0,
    maxVersion: 12,
    async handle(ctx, body) {
      const v = ctx.apiVersion;
      const image = () => currentImage(ctx);
      const includeOps = v >= 8 && body.includeTopicAuthorizedOperations;
      let topics: TopicMetadata[];
      if (body.topics === null || (v === 0 && body.topics.length === 0)) {
        topics = [...image().topicsByName.values()]
          .sort((a, b) => a.name.localeCompare(b.name))
          .map((t) => topicMetadata(ctx, t, includeOps));
      } else {
        const allowCreate = ctx.server.options.autoCreateTopics && (v < 4 || body.allowAutoTopicCreation);
        topics = await Promise.all(body.topics.map((t) => resolveRequested(ctx, image, t, allowCreate, includeOps)));
      }
      return {
        throttleTimeMs: 0,
        brokers: ctx.server.liveEndpoints(),
        clusterId: image().clusterId,
        controllerId: ctx.server.controllerId(),
        topics,
        clusterAuthorizedOperations:
          v >= 8 && v <= 10 && body.includeClusterAuthorizedOperations ? CLUSTER_OPERATIONS : NOT_REQUESTED,
      };
    },
  }),
  api({
    apiKey: API_KEYS.DescribeCluster,
    minVersion: 0,
    maxVersion: 1,
    handle(ctx, body) {
      const base = { throttleTimeMs: 0, clusterId: currentImage(ctx).clusterId, endpointType: body.endpointType };
      if (ctx.apiVersion >= 1 && body.endpointType !== 1) {
        return {
          ...base,
          errorCode: codeOf('UNSUPPORTED_ENDPOINT_TYPE'),
          errorMessage: 'Only broker endpoints (type 1) can be described; the controller runs inside the brokers',
          controllerId: -1,
          brokers: [],
        };
      }
      return {
        ...base,
        errorCode: 0,
        errorMessage: null,
        controllerId: ctx.server.controllerId(),
        brokers: ctx.server
          .liveEndpoints()
          .map((e) => ({ brokerId: e.nodeId, host: e.host, port: e.port, rack: e.rack })),
        clusterAuthorizedOperations: body.includeClusterAuthorizedOperations ? CLUSTER_OPERATIONS : NOT_REQUESTED,
      };
    },
  }),
];
