/**
 * Errors of the wire-protocol codec layer.
 *
 * - `ProtocolDecodeError`: the bytes are not a well-formed message (truncated,
 *   bad length, overlong varint, absurd count, null where null is not allowed...).
 *   A server answers it by closing the connection, as Kafka does.
 * - `UnsupportedRequestError`: the frame's header is fine but its API key is not
 *   one this codec knows, or its version is outside the API's valid versions.
 *   The decoded header is attached so a server can answer (ApiVersions gets an
 *   UNSUPPORTED_VERSION v0 response, per KIP-511).
 * - `ProtocolEncodeError`: a body handed to an encoder does not fit the schema
 *   (wrong type, integer out of range, null in a non-nullable field...).
 */

export class ProtocolDecodeError extends Error {
  /** Byte offset (within the decoded buffer) where decoding failed, when known. */
  readonly offset: number | undefined;

  constructor(message: string, offset?: number) {
    super(offset === undefined ? message : `${message} (at byte ${offset})`);
    this.name = 'ProtocolDecodeError';
    this.offset = offset;
  }
}

export class ProtocolEncodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProtocolEncodeError';
  }
}

export interface DecodedRequestHeaderInfo {
  apiKey: number;
  apiVersion: number;
  correlationId: number;
  clientId: string | null;
  headerVersion: number;
  headerSize: number;
}

export class UnsupportedRequestError extends Error {
  readonly reason: 'unknown_api' | 'unsupported_version';
  readonly header: DecodedRequestHeaderInfo;

  constructor(reason: 'unknown_api' | 'unsupported_version', header: DecodedRequestHeaderInfo, message: string) {
    super(message);
    this.name = 'UnsupportedRequestError';
    this.reason = reason;
    this.header = header;
  }
}
