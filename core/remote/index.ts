/**
 * A real Kafka cluster (Apache Kafka 2.x-4.x, Redpanda, MSK, Confluent)
 * behind the engine ports: see README.md in this folder for the design.
 */
export type {
  ConnectionStage,
  ConnectionTestResult,
  RemoteCluster,
  RemoteClusterOptions,
  RemoteConnectionConfig,
  SaslMechanism,
  SecurityProtocol,
} from './types';
export { testConnection } from './test-connection';
export { openRemoteCluster } from './remote-cluster';
export { StageError } from './connection';
