/**
 * Narrowed ApiVersions answers, so the embedded cluster can stand in for an
 * older or different broker in tests of Kafka clients (core/remote among
 * them): a listener started with a profile advertises, and serves, only the
 * versions inside the profile's ranges, intersected with its own. APIs the
 * profile leaves out keep their own ranges; an API the profile sets to null
 * (the broker does not have it) or an empty intersection is dropped from the
 * answer.
 *
 * The ranges are the brokers' published ApiVersions answers for the APIs
 * this server has: Apache Kafka 2.8.x, and Redpanda 23.x (whose Produce
 * 0-7, Fetch 4-11 and Metadata 0-7 are the narrowest a client meets).
 * kafka-2.2 is the oldest Kafka core/remote manages: each API up to the
 * last version released by 2.2 (the version history in each message's
 * definition), without the APIs that came later (IncrementalAlterConfigs
 * 2.3, OffsetDelete 2.4, DescribeCluster 2.8), and ElectLeaders only as
 * 2.2's ElectPreferredLeaders (v0).
 */
import { API_KEYS, type ApiName } from '../protocol/index';

export type VersionLimits = ReadonlyMap<number, { min: number; max: number }>;

type Profile = Partial<Record<ApiName, [number, number] | null>>;

const PROFILES: Record<string, Profile> = {
  'kafka-2.8': {
    Produce: [0, 9],
    Fetch: [0, 12],
    ListOffsets: [0, 6],
    Metadata: [0, 11],
    OffsetCommit: [0, 8],
    OffsetFetch: [0, 7],
    FindCoordinator: [0, 3],
    JoinGroup: [0, 7],
    Heartbeat: [0, 4],
    LeaveGroup: [0, 4],
    SyncGroup: [0, 5],
    DescribeGroups: [0, 5],
    ListGroups: [0, 4],
    SaslHandshake: [0, 1],
    ApiVersions: [0, 3],
    CreateTopics: [0, 7],
    DeleteTopics: [0, 6],
    DeleteRecords: [0, 2],
    InitProducerId: [0, 4],
    DescribeConfigs: [0, 4],
    AlterConfigs: [0, 2],
    DescribeLogDirs: [0, 2],
    SaslAuthenticate: [0, 2],
    CreatePartitions: [0, 3],
    DeleteGroups: [0, 2],
    ElectLeaders: [0, 2],
    IncrementalAlterConfigs: [0, 1],
    OffsetDelete: [0, 0],
    DescribeCluster: [0, 0],
  },
  'kafka-2.2': {
    Produce: [0, 7],
    Fetch: [0, 10],
    ListOffsets: [0, 5],
    Metadata: [0, 7],
    OffsetCommit: [0, 6],
    OffsetFetch: [0, 5],
    FindCoordinator: [0, 2],
    JoinGroup: [0, 4],
    Heartbeat: [0, 2],
    LeaveGroup: [0, 2],
    SyncGroup: [0, 2],
    DescribeGroups: [0, 2],
    ListGroups: [0, 2],
    SaslHandshake: [0, 1],
    ApiVersions: [0, 2],
    CreateTopics: [0, 3],
    DeleteTopics: [0, 3],
    DeleteRecords: [0, 1],
    InitProducerId: [0, 1],
    DescribeConfigs: [0, 2],
    AlterConfigs: [0, 1],
    DescribeLogDirs: [0, 1],
    SaslAuthenticate: [0, 1],
    CreatePartitions: [0, 1],
    DeleteGroups: [0, 1],
    ElectLeaders: [0, 0],
    IncrementalAlterConfigs: null,
    OffsetDelete: null,
    DescribeCluster: null,
  },
  redpanda: {
    Produce: [0, 7],
    Fetch: [4, 11],
    ListOffsets: [0, 4],
    Metadata: [0, 7],
    OffsetCommit: [0, 8],
    OffsetFetch: [1, 7],
    FindCoordinator: [0, 3],
    JoinGroup: [0, 6],
    Heartbeat: [0, 4],
    LeaveGroup: [0, 4],
    SyncGroup: [0, 4],
    DescribeGroups: [0, 4],
    ListGroups: [0, 4],
    SaslHandshake: [0, 1],
    ApiVersions: [0, 3],
    CreateTopics: [0, 6],
    DeleteTopics: [0, 5],
    DeleteRecords: [0, 2],
    InitProducerId: [0, 4],
    DescribeConfigs: [0, 4],
    AlterConfigs: [0, 1],
    DescribeLogDirs: [0, 2],
    SaslAuthenticate: [0, 2],
    CreatePartitions: [0, 3],
    DeleteGroups: [0, 2],
    IncrementalAlterConfigs: [0, 1],
    OffsetDelete: [0, 0],
    // Redpanda balances leaders itself and has no ElectLeaders.
    ElectLeaders: null,
  },
};

export const API_VERSION_PROFILES = Object.keys(PROFILES);

/**
 * A profile name ("kafka-2.8", "redpanda") or a list such as
 * "Produce:0-7,Fetch:4-11,Metadata:0-7"; throws RangeError with what is wrong.
 */
export function parseVersionLimits(spec: string): VersionLimits {
  const profile = PROFILES[spec];
  // A range that ends below its start drops the API (the router serves no version of it).
  const entries: Array<[string, number, number]> = profile
    ? Object.entries(profile).map(([name, range]) => (range ? [name, range[0], range[1]] : [name, 0, -1]))
    : spec.split(',').map((part) => {
        const m = /^\s*([A-Za-z]+):(\d+)-(\d+)\s*$/.exec(part);
        if (!m)
          throw new RangeError(
            `"${part}" is not Api:min-max; use ${API_VERSION_PROFILES.join(', ')} or e.g. Produce:0-7,Fetch:4-11`,
          );
        return [m[1]!, Number(m[2]), Number(m[3])];
      });
  const out = new Map<number, { min: number; max: number }>();
  for (const [name, min, max] of entries) {
    const key = (API_KEYS as Record<string, number>)[name];
    if (key === undefined) throw new RangeError(`Unknown API ${name} in the version limits`);
    if (max < min && !profile) throw new RangeError(`${name}:${min}-${max} is an empty range`);
    out.set(key, { min, max });
  }
  return out;
}
