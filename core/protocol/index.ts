/**
 * The Kafka wire-protocol codec layer: schema-driven encoders and decoders for
 * the APIs in `messages/`, compiled once per (API, version). See README.md.
 */
export {
  API_KEYS,
  API_NAMES,
  allApis,
  decodeRequest,
  decodeRequestHeader,
  decodeResponse,
  encodeRequest,
  encodeResponse,
  encodeResponseChunks,
  isFlexibleVersion,
  isValidVersion,
  messageSchema,
  peekCorrelationId,
  precompileAll,
  requestCodec,
  requestHeaderVersion,
  responseCodec,
  responseHeaderVersion,
} from './protocol';
export type {
  ApiKey,
  ApiName,
  ApiSchema,
  DecodedRequest,
  DecodedResponse,
  DeepPartial,
  MessageCodec,
  RequestBody,
  RequestBodyInput,
  RequestHeader,
  ResponseBody,
  ResponseBodyInput,
} from './protocol';
export {
  CONSUMER_ASSIGNMENT_MAX_VERSION,
  CONSUMER_SUBSCRIPTION_MAX_VERSION,
  decodeConsumerAssignment,
  decodeConsumerSubscription,
  encodeConsumerAssignment,
  encodeConsumerSubscription,
} from './consumer-protocol';
export { ZERO_UUID } from './compiler';
export { ProtocolDecodeError, ProtocolEncodeError, UnsupportedRequestError } from './errors';
export { DEFAULT_MAX_FRAME_SIZE, FrameSplitter } from './frames';
export { Reader } from './reader';
export { Writer, uvarintSize, uvarlongSize } from './writer';
export { parseVersionRange, type VersionRange } from './versions';
export { uuidFromHex, uuidToHex, randomUuid } from './uuid';
export type * from './messages/types.generated';
