/**
 * Consumer groups and committed offsets: see groups.ts for the entry point.
 */
export { Groups, type GroupsOptions } from './groups';
export { GroupCoordinator, DEFAULT_COORDINATOR_OPTIONS, type GroupCoordinatorOptions } from './group-coordinator';
export { GroupAdmin } from './group-admin';
export type {
  GroupDescription,
  GroupSummary,
  MemberDescription,
  OffsetResetPlan,
  OffsetResetSpec,
  ResetOffsetsOptions,
} from './group-admin';
export { EngineConsumer, type ConsumerConfig, type ConsumerRecord, type ConsumerEvents } from './consumer';
export {
  LagSampler,
  computeGroupLag,
  type GroupLag,
  type LagHistory,
  type LagPoint,
  type LagSamplerOptions,
  type PartitionLag,
} from './lag';
export {
  ASSIGNORS,
  RangeAssignor,
  RoundRobinAssignor,
  decodeAssignment,
  decodeSubscription,
  encodeAssignment,
  encodeSubscription,
  type AssignorName,
  type MemberSubscription,
  type PartitionAssignor,
  type TopicPartitions,
} from './assignors';
export { OFFSETS_TOPIC, partitionForGroup } from './offsets-log';
export * from './types';
