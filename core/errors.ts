/**
 * The one table of Kafka error codes. The engine throws `KafkaError`, the wire
 * protocol writes `.code`, the API and the GUI show `.errorName` and `.message`:
 * all three read the same entry, so a user sees the same name everywhere.
 *
 * Codes and names are Kafka's (org.apache.kafka.common.protocol.Errors); only
 * those the project can produce or must understand are listed.
 *
 * An error may also name the `field` at fault, so a UI can show it next to
 * that input instead of reading the message: a topic config's name (as Kafka
 * names configs, e.g. `min.insync.replicas`) for a config error, otherwise the
 * path of the bad input in the API call (`partitions`, `records[2].value`).
 */

export const ERRORS = {
  UNKNOWN_SERVER_ERROR: {
    code: -1,
    retriable: false,
    text: 'The server experienced an unexpected error when processing the request.',
  },
  NONE: { code: 0, retriable: false, text: '' },
  OFFSET_OUT_OF_RANGE: {
    code: 1,
    retriable: false,
    text: 'The requested offset is not within the range of offsets maintained by the server.',
  },
  CORRUPT_MESSAGE: {
    code: 2,
    retriable: true,
    text:
      'This message has failed its CRC checksum, exceeds the valid size, has a null key for a compacted topic, or ' +
      'is otherwise corrupt.',
  },
  UNKNOWN_TOPIC_OR_PARTITION: { code: 3, retriable: true, text: 'This server does not host this topic-partition.' },
  INVALID_FETCH_SIZE: { code: 4, retriable: false, text: 'The requested fetch size is invalid.' },
  LEADER_NOT_AVAILABLE: {
    code: 5,
    retriable: true,
    text: 'There is no leader for this topic-partition as we are in the middle of a leadership election.',
  },
  NOT_LEADER_OR_FOLLOWER: {
    code: 6,
    retriable: true,
    text: 'For requests intended only for the leader, this error indicates that the broker is not the current leader.',
  },
  REQUEST_TIMED_OUT: { code: 7, retriable: true, text: 'The request timed out.' },
  BROKER_NOT_AVAILABLE: { code: 8, retriable: false, text: 'The broker is not available.' },
  REPLICA_NOT_AVAILABLE: {
    code: 9,
    retriable: true,
    text: 'The replica is not available for the requested topic-partition.',
  },
  MESSAGE_TOO_LARGE: {
    code: 10,
    retriable: false,
    text: 'The request included a message larger than the max message size the server will accept.',
  },
  STALE_CONTROLLER_EPOCH: { code: 11, retriable: false, text: 'The controller moved to another broker.' },
  OFFSET_METADATA_TOO_LARGE: {
    code: 12,
    retriable: false,
    text: 'The metadata field of the offset request was too large.',
  },
  NETWORK_EXCEPTION: { code: 13, retriable: true, text: 'The server disconnected before a response was received.' },
  COORDINATOR_LOAD_IN_PROGRESS: {
    code: 14,
    retriable: true,
    text: "The coordinator is loading and hence can't process requests.",
  },
  COORDINATOR_NOT_AVAILABLE: { code: 15, retriable: true, text: 'The coordinator is not available.' },
  NOT_COORDINATOR: { code: 16, retriable: true, text: 'This is not the correct coordinator.' },
  INVALID_TOPIC_EXCEPTION: {
    code: 17,
    retriable: false,
    text: 'The request attempted to perform an operation on an invalid topic.',
  },
  RECORD_LIST_TOO_LARGE: {
    code: 18,
    retriable: false,
    text: 'The request included message batch larger than the configured segment size on the server.',
  },
  NOT_ENOUGH_REPLICAS: {
    code: 19,
    retriable: true,
    text: 'Messages are rejected since there are fewer in-sync replicas than required.',
  },
  NOT_ENOUGH_REPLICAS_AFTER_APPEND: {
    code: 20,
    retriable: true,
    text: 'Messages are written to the log, but to fewer in-sync replicas than required.',
  },
  INVALID_REQUIRED_ACKS: {
    code: 21,
    retriable: false,
    text: 'Produce request specified an invalid value for required acks.',
  },
  ILLEGAL_GENERATION: { code: 22, retriable: false, text: 'Specified group generation id is not valid.' },
  INCONSISTENT_GROUP_PROTOCOL: {
    code: 23,
    retriable: false,
    text:
      "The group member's supported protocols are incompatible with those of existing members or first group " +
      'member tried to join with empty protocol type or empty protocol list.',
  },
  INVALID_GROUP_ID: { code: 24, retriable: false, text: 'The configured groupId is invalid.' },
  UNKNOWN_MEMBER_ID: { code: 25, retriable: false, text: 'The coordinator is not aware of this member.' },
  INVALID_SESSION_TIMEOUT: {
    code: 26,
    retriable: false,
    text: 'The session timeout is not within the range allowed by the broker.',
  },
  REBALANCE_IN_PROGRESS: { code: 27, retriable: false, text: 'The group is rebalancing, so a rejoin is needed.' },
  INVALID_COMMIT_OFFSET_SIZE: { code: 28, retriable: false, text: 'The committing offset data size is not valid.' },
  TOPIC_AUTHORIZATION_FAILED: { code: 29, retriable: false, text: 'Topic authorization failed.' },
  GROUP_AUTHORIZATION_FAILED: { code: 30, retriable: false, text: 'Group authorization failed.' },
  CLUSTER_AUTHORIZATION_FAILED: { code: 31, retriable: false, text: 'Cluster authorization failed.' },
  INVALID_TIMESTAMP: { code: 32, retriable: false, text: 'The timestamp of the message is out of acceptable range.' },
  UNSUPPORTED_SASL_MECHANISM: {
    code: 33,
    retriable: false,
    text: 'The broker does not support the requested SASL mechanism.',
  },
  ILLEGAL_SASL_STATE: { code: 34, retriable: false, text: 'Request is not valid given the current SASL state.' },
  UNSUPPORTED_VERSION: { code: 35, retriable: false, text: 'The version of API is not supported.' },
  TOPIC_ALREADY_EXISTS: { code: 36, retriable: false, text: 'Topic with this name already exists.' },
  INVALID_PARTITIONS: { code: 37, retriable: false, text: 'Number of partitions is below 1.' },
  INVALID_REPLICATION_FACTOR: {
    code: 38,
    retriable: false,
    text: 'Replication factor is below 1 or larger than the number of available brokers.',
  },
  INVALID_REPLICA_ASSIGNMENT: { code: 39, retriable: false, text: 'Replica assignment is invalid.' },
  INVALID_CONFIG: { code: 40, retriable: false, text: 'Configuration is invalid.' },
  NOT_CONTROLLER: { code: 41, retriable: true, text: 'This is not the correct controller for this cluster.' },
  INVALID_REQUEST: {
    code: 42,
    retriable: false,
    text:
      'This most likely occurs because of a request being malformed by the client library or the message was sent ' +
      'to an incompatible broker.',
  },
  UNSUPPORTED_FOR_MESSAGE_FORMAT: {
    code: 43,
    retriable: false,
    text: 'The message format version on the broker does not support the request.',
  },
  POLICY_VIOLATION: { code: 44, retriable: false, text: 'Request parameters do not satisfy the configured policy.' },
  OUT_OF_ORDER_SEQUENCE_NUMBER: {
    code: 45,
    retriable: false,
    text: 'The broker received an out of order sequence number.',
  },
  DUPLICATE_SEQUENCE_NUMBER: { code: 46, retriable: false, text: 'The broker received a duplicate sequence number.' },
  INVALID_PRODUCER_EPOCH: { code: 47, retriable: false, text: 'Producer attempted to produce with an old epoch.' },
  INVALID_TXN_STATE: {
    code: 48,
    retriable: false,
    text: 'The producer attempted a transactional operation in an invalid state.',
  },
  INVALID_PRODUCER_ID_MAPPING: {
    code: 49,
    retriable: false,
    text: 'The producer attempted to use a producer id which is not currently assigned to its transactional id.',
  },
  INVALID_TRANSACTION_TIMEOUT: {
    code: 50,
    retriable: false,
    text: 'The transaction timeout is larger than the maximum value allowed by the broker.',
  },
  CONCURRENT_TRANSACTIONS: {
    code: 51,
    retriable: true,
    text:
      'The producer attempted to update a transaction while another concurrent operation on the same transaction ' +
      'was ongoing.',
  },
  TRANSACTIONAL_ID_AUTHORIZATION_FAILED: { code: 53, retriable: false, text: 'Transactional Id authorization failed.' },
  SECURITY_DISABLED: { code: 54, retriable: false, text: 'Security features are disabled.' },
  OPERATION_NOT_ATTEMPTED: {
    code: 55,
    retriable: false,
    text: 'The broker did not attempt to execute this operation.',
  },
  KAFKA_STORAGE_ERROR: { code: 56, retriable: true, text: 'Disk error when trying to access log file on the disk.' },
  LOG_DIR_NOT_FOUND: {
    code: 57,
    retriable: false,
    text: 'The user-specified log directory is not found in the broker config.',
  },
  SASL_AUTHENTICATION_FAILED: { code: 58, retriable: false, text: 'SASL Authentication failed.' },
  UNKNOWN_PRODUCER_ID: {
    code: 59,
    retriable: false,
    text:
      'This exception is raised by the broker if it could not locate the producer metadata associated with the ' +
      'producerId in question.',
  },
  REASSIGNMENT_IN_PROGRESS: { code: 60, retriable: false, text: 'A partition reassignment is in progress.' },
  NON_EMPTY_GROUP: { code: 68, retriable: false, text: 'The group is not empty.' },
  GROUP_ID_NOT_FOUND: { code: 69, retriable: false, text: 'The group id does not exist.' },
  FETCH_SESSION_ID_NOT_FOUND: { code: 70, retriable: true, text: 'The fetch session ID was not found.' },
  INVALID_FETCH_SESSION_EPOCH: { code: 71, retriable: true, text: 'The fetch session epoch is invalid.' },
  FENCED_LEADER_EPOCH: {
    code: 74,
    retriable: true,
    text: 'The leader epoch in the request is older than the epoch on the broker.',
  },
  UNKNOWN_LEADER_EPOCH: {
    code: 75,
    retriable: true,
    text: 'The leader epoch in the request is newer than the epoch on the broker.',
  },
  UNSUPPORTED_COMPRESSION_TYPE: {
    code: 76,
    retriable: false,
    text: 'The requesting client does not support the compression type of given partition.',
  },
  STALE_BROKER_EPOCH: { code: 77, retriable: false, text: 'Broker epoch has changed.' },
  OFFSET_NOT_AVAILABLE: {
    code: 78,
    retriable: true,
    text:
      'The leader high watermark has not caught up from a recent leader election so the offsets cannot be ' +
      'guaranteed to be monotonically increasing.',
  },
  MEMBER_ID_REQUIRED: {
    code: 79,
    retriable: false,
    text: 'The group member needs to have a valid member id before actually entering a consumer group.',
  },
  PREFERRED_LEADER_NOT_AVAILABLE: { code: 80, retriable: true, text: 'The preferred leader was not available.' },
  GROUP_MAX_SIZE_REACHED: { code: 81, retriable: false, text: 'The consumer group has reached its max size.' },
  FENCED_INSTANCE_ID: {
    code: 82,
    retriable: false,
    text:
      'The broker rejected this static consumer since another consumer with the same group.instance.id has ' +
      'registered with a different member.id.',
  },
  ELIGIBLE_LEADERS_NOT_AVAILABLE: {
    code: 83,
    retriable: true,
    text: 'Eligible topic partition leaders are not available.',
  },
  ELECTION_NOT_NEEDED: { code: 84, retriable: true, text: 'Leader election not needed for topic partition.' },
  GROUP_SUBSCRIBED_TO_TOPIC: {
    code: 86,
    retriable: false,
    text: 'The consumer group is actively subscribed to the topic.',
  },
  INVALID_RECORD: {
    code: 87,
    retriable: false,
    text: 'This record has failed the validation on broker and hence will be rejected.',
  },
  UNSTABLE_OFFSET_COMMIT: { code: 88, retriable: true, text: 'There are unstable offsets that need to be cleared.' },
  UNKNOWN_TOPIC_ID: { code: 100, retriable: true, text: 'This server does not host this topic ID.' },
  INCONSISTENT_TOPIC_ID: {
    code: 103,
    retriable: true,
    text: "The log's topic ID did not match the topic ID in the request.",
  },
  FEATURE_UPDATE_FAILED: {
    code: 96,
    retriable: false,
    text: 'Unable to update finalized features due to an unexpected server error.',
  },
  THROTTLING_QUOTA_EXCEEDED: { code: 89, retriable: true, text: 'The throttling quota has been exceeded.' },
  UNSUPPORTED_ENDPOINT_TYPE: { code: 115, retriable: false, text: 'This endpoint type is not supported.' },
} as const;

export type ErrorName = keyof typeof ERRORS;

const byCode = new Map<number, ErrorName>();
for (const name of Object.keys(ERRORS) as ErrorName[]) byCode.set(ERRORS[name].code, name);

export function errorNameOf(code: number): ErrorName {
  return byCode.get(code) ?? 'UNKNOWN_SERVER_ERROR';
}

export function errorCodeOf(name: ErrorName): number {
  return ERRORS[name].code;
}

/**
 * An engine error: Kafka's code and name plus a message that says what was
 * wrong with this particular request (the table's text is the generic one).
 */
export class KafkaError extends Error {
  readonly code: number;
  readonly errorName: ErrorName;
  readonly retriable: boolean;
  /** The input at fault, when one is (see the top of this file). */
  readonly field: string | undefined;

  constructor(errorName: ErrorName, message?: string, options: { field?: string; cause?: unknown } = {}) {
    super(message ?? ERRORS[errorName].text, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'KafkaError';
    this.errorName = errorName;
    this.code = ERRORS[errorName].code;
    this.retriable = ERRORS[errorName].retriable;
    this.field = options.field;
  }

  toJSON(): { code: number; errorName: ErrorName; message: string; field?: string } {
    const shape = { code: this.code, errorName: this.errorName, message: this.message };
    return this.field === undefined ? shape : { ...shape, field: this.field };
  }
}

/** Any thrown value as a KafkaError; unexpected failures become UNKNOWN_SERVER_ERROR with their message kept. */
export function asKafkaError(err: unknown): KafkaError {
  if (err instanceof KafkaError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new KafkaError('UNKNOWN_SERVER_ERROR', message);
}
