/**
 * Frame-level API of the Kafka wire protocol: the API table, request and
 * response headers, and whole request/response frames.
 *
 * A frame on the wire is a big-endian int32 size followed by that many bytes.
 * `encode*` functions return the frame *with* its size prefix; `decode*`
 * functions take the frame *without* it (what a frame splitter hands out).
 *
 * Header versions: a request uses header v2 when its API version is flexible,
 * v1 otherwise; a response uses header v1 when flexible, v0 otherwise, except
 * ApiVersions responses, which always use v0 (a client must be able to read
 * the answer before it knows which versions the broker speaks).
 */
import { compileMessage, type CompiledMessage } from './compiler';
import type { MessageDefinition } from './definition';
import { ProtocolDecodeError, ProtocolEncodeError, UnsupportedRequestError } from './errors';
import { API_KEYS, MESSAGE_DEFINITIONS, type ApiKey, type ApiName } from './messages/schemas.generated';
import type { RequestBodies, ResponseBodies } from './messages/types.generated';
import { Reader } from './reader';
import { inVersionRange, parseVersionRange, type VersionRange } from './versions';
import { Writer, zeroCopy } from './writer';

export { API_KEYS };
export type { ApiKey, ApiName };

// ---------------------------------------------------------------------------
// Body types.

/** Everything optional, recursively: what encoders accept (missing fields take their default). */
export type DeepPartial<T> = T extends Buffer
  ? T
  : T extends ReadonlyArray<infer U>
    ? Array<DeepPartial<U>>
    : T extends object
      ? { [K in keyof T]?: DeepPartial<T[K]> }
      : T;

export type RequestBody<K extends number> = K extends keyof RequestBodies ? RequestBodies[K] : Record<string, unknown>;
export type ResponseBody<K extends number> = K extends keyof ResponseBodies
  ? ResponseBodies[K]
  : Record<string, unknown>;
export type RequestBodyInput<K extends number> = DeepPartial<RequestBody<K>>;
export type ResponseBodyInput<K extends number> = DeepPartial<ResponseBody<K>>;

// ---------------------------------------------------------------------------
// API table.

export interface ApiSchema {
  readonly apiKey: number;
  readonly name: ApiName;
  readonly request: MessageDefinition;
  readonly response: MessageDefinition;
  /** Valid versions (from the request definition; the response's are the same). */
  readonly validVersions: { readonly min: number; readonly max: number };
  /** Flexible versions; `max` is Infinity for "N+", min > max for "none". */
  readonly flexibleVersions: VersionRange;
}

/** API name by key, for the APIs this project carries. */
export const API_NAMES: Readonly<Record<number, ApiName>> = Object.freeze(
  Object.fromEntries(Object.entries(API_KEYS).map(([name, key]) => [key, name as ApiName])),
);

const schemas: (ApiSchema | undefined)[] = [];
for (const [name, key] of Object.entries(API_KEYS) as Array<[ApiName, number]>) {
  const request = MESSAGE_DEFINITIONS[`${name}Request`];
  const response = MESSAGE_DEFINITIONS[`${name}Response`];
  if (!request || !response) throw new Error(`missing definitions for ${name}`);
  const valid = parseVersionRange(request.validVersions);
  const respValid = parseVersionRange(response.validVersions);
  if (valid.min !== respValid.min || valid.max !== respValid.max)
    throw new Error(`${name}: request and response valid versions differ`);
  schemas[key] = Object.freeze({
    apiKey: key,
    name,
    request,
    response,
    validVersions: Object.freeze({ min: valid.min, max: valid.max }),
    flexibleVersions: parseVersionRange(request.flexibleVersions),
  });
}

/** The schema of an API, or undefined for an API key this project does not carry. */
export function messageSchema(apiKey: number): ApiSchema | undefined {
  return apiKey >= 0 ? schemas[apiKey] : undefined;
}

/** All APIs this project carries, by ascending key. */
export function allApis(): ApiSchema[] {
  return schemas.filter((s): s is ApiSchema => s !== undefined);
}

export function isValidVersion(apiKey: number, version: number): boolean {
  const s = messageSchema(apiKey);
  return s !== undefined && version >= s.validVersions.min && version <= s.validVersions.max;
}

/** Whether `version` of the API is flexible (also for versions past the valid range: "N+" is open). */
export function isFlexibleVersion(apiKey: number, version: number): boolean {
  const s = messageSchema(apiKey);
  return s !== undefined && inVersionRange(s.flexibleVersions, version);
}

export function requestHeaderVersion(apiKey: number, apiVersion: number): 1 | 2 {
  return isFlexibleVersion(apiKey, apiVersion) ? 2 : 1;
}

export function responseHeaderVersion(apiKey: number, apiVersion: number): 0 | 1 {
  if (apiKey === API_KEYS.ApiVersions) return 0;
  return isFlexibleVersion(apiKey, apiVersion) ? 1 : 0;
}

// ---------------------------------------------------------------------------
// Compiled codecs, built lazily once per (api, version).

export interface MessageCodec<T = Record<string, unknown>> {
  readonly name: string;
  readonly version: number;
  readonly flexible: boolean;
  /** Encodes a body (no size prefix, no header). */
  encode(body?: DeepPartial<T>): Buffer;
  /** Decodes a body occupying buf[start, end) exactly (trailing bytes are an error). */
  decode(buf: Buffer, start?: number, end?: number): T;
  /** Decodes a body at the reader's position, leaving the reader after it. */
  read(r: Reader): T;
  /** Encoded size of a body. */
  size(body?: DeepPartial<T>): number;
  /** Writes a body at the writer's position (the writer must have `size(body)` bytes of room). */
  write(w: Writer, body?: DeepPartial<T>): void;
}

const EMPTY_BODY = Object.freeze({});

function wrap<T>(m: CompiledMessage): MessageCodec<T> {
  const c = m.codec;
  return Object.freeze({
    name: m.name,
    version: m.version,
    flexible: m.flexible,
    encode(body?: DeepPartial<T>): Buffer {
      const b = body ?? EMPTY_BODY;
      const n = c.size(b);
      const w = new Writer(Buffer.allocUnsafe(n));
      c.write(w, b);
      if (w.pos !== n) throw new ProtocolEncodeError(`${m.name} v${m.version}: wrote ${w.pos} bytes, expected ${n}`);
      return w.buf;
    },
    decode(buf: Buffer, start = 0, end = buf.length): T {
      const r = new Reader(buf, start, end);
      const v = c.decode(r) as T;
      if (r.pos !== end) throw new ProtocolDecodeError(`${m.name} v${m.version}: ${end - r.pos} trailing bytes`, r.pos);
      return v;
    },
    read(r: Reader): T {
      return c.decode(r) as T;
    },
    size(body?: DeepPartial<T>): number {
      return c.size(body ?? EMPTY_BODY);
    },
    write(w: Writer, body?: DeepPartial<T>): void {
      c.write(w, body ?? EMPTY_BODY);
    },
  });
}

const requestCodecs: MessageCodec[][] = [];
const responseCodecs: MessageCodec[][] = [];

function codecFor(
  table: MessageCodec[][],
  apiKey: number,
  version: number,
  which: 'request' | 'response',
): MessageCodec {
  const row = table[apiKey];
  const hit = row?.[version];
  if (hit) return hit;
  const s = messageSchema(apiKey);
  if (!s) throw new RangeError(`unknown API key ${apiKey}`);
  if (!Number.isInteger(version) || version < s.validVersions.min || version > s.validVersions.max) {
    throw new RangeError(
      `${s.name} ${which} version ${version} is outside ${s.validVersions.min}-${s.validVersions.max}`,
    );
  }
  const codec = wrap<Record<string, unknown>>(compileMessage(s[which], version));
  (table[apiKey] ??= [])[version] = codec;
  return codec;
}

/** The compiled request codec of an API version (throws RangeError for an unknown API or version). */
export function requestCodec<K extends number>(apiKey: K, version: number): MessageCodec<RequestBody<K>> {
  return codecFor(requestCodecs, apiKey, version, 'request') as unknown as MessageCodec<RequestBody<K>>;
}

/** The compiled response codec of an API version (throws RangeError for an unknown API or version). */
export function responseCodec<K extends number>(apiKey: K, version: number): MessageCodec<ResponseBody<K>> {
  return codecFor(responseCodecs, apiKey, version, 'response') as unknown as MessageCodec<ResponseBody<K>>;
}

/** Compiles every codec up front (otherwise each is compiled on first use). */
export function precompileAll(): void {
  for (const s of allApis()) {
    for (let v = s.validVersions.min; v <= s.validVersions.max; v++) {
      requestCodec(s.apiKey, v);
      responseCodec(s.apiKey, v);
    }
  }
}

// Header codecs, compiled from RequestHeader.json / ResponseHeader.json.
const REQUEST_HEADER_V1 = compileMessage(MESSAGE_DEFINITIONS.RequestHeader!, 1).codec;
const REQUEST_HEADER_V2 = compileMessage(MESSAGE_DEFINITIONS.RequestHeader!, 2).codec;
const RESPONSE_HEADER_V0 = compileMessage(MESSAGE_DEFINITIONS.ResponseHeader!, 0).codec;
const RESPONSE_HEADER_V1 = compileMessage(MESSAGE_DEFINITIONS.ResponseHeader!, 1).codec;

// ---------------------------------------------------------------------------
// Requests.

export interface RequestHeader {
  apiKey: number;
  apiVersion: number;
  correlationId: number;
  clientId: string | null;
  /** 1 or 2 (v2 adds a tagged-field section). */
  headerVersion: number;
  /** Bytes the header takes at the start of the frame; the body follows. */
  headerSize: number;
}

/**
 * Decodes the request header at the start of `frame` (a frame without its
 * size prefix). The header version follows the API's flexible versions; for
 * an API key this project does not carry, v1 is assumed (its fields are
 * still returned, so a caller can log or answer). Throws ProtocolDecodeError.
 */
export function decodeRequestHeader(frame: Buffer): RequestHeader {
  if (frame.length < 8) throw new ProtocolDecodeError(`request header truncated: ${frame.length} bytes`, 0);
  const apiKey = (((frame[0]! << 8) | frame[1]!) << 16) >> 16;
  const apiVersion = (((frame[2]! << 8) | frame[3]!) << 16) >> 16;
  const headerVersion = requestHeaderVersion(apiKey, apiVersion);
  const r = new Reader(frame);
  const h = (headerVersion === 2 ? REQUEST_HEADER_V2 : REQUEST_HEADER_V1).decode(r) as {
    correlationId: number;
    clientId: string | null;
  };
  return { apiKey, apiVersion, correlationId: h.correlationId, clientId: h.clientId, headerVersion, headerSize: r.pos };
}

export type DecodedRequest = {
  [K in ApiKey]: {
    apiKey: K;
    apiVersion: number;
    header: RequestHeader;
    body: RequestBodies[K];
    /** Bytes left after the body (0 for a well-formed frame; ignored, as Kafka does). */
    trailingBytes: number;
  };
}[ApiKey];

/**
 * Decodes a whole request frame (without its size prefix). Throws
 * ProtocolDecodeError for malformed bytes and UnsupportedRequestError (with
 * the decoded header) for an unknown API key or a version outside the valid
 * range. Bytes and records in the body are zero-copy views of `frame`.
 */
export function decodeRequest(frame: Buffer): DecodedRequest {
  const header = decodeRequestHeader(frame);
  const s = messageSchema(header.apiKey);
  if (!s) throw new UnsupportedRequestError('unknown_api', header, `unknown API key ${header.apiKey}`);
  const v = header.apiVersion;
  if (v < s.validVersions.min || v > s.validVersions.max) {
    throw new UnsupportedRequestError(
      'unsupported_version',
      header,
      `${s.name} version ${v} is not supported (valid: ${s.validVersions.min}-${s.validVersions.max})`,
    );
  }
  const codec = requestCodec(header.apiKey, v);
  const r = new Reader(frame, header.headerSize);
  const body = codec.read(r);
  return {
    apiKey: header.apiKey,
    apiVersion: v,
    header,
    body,
    trailingBytes: frame.length - r.pos,
  } as unknown as DecodedRequest;
}

function checkCorrelationId(correlationId: number): void {
  if ((correlationId | 0) !== correlationId)
    throw new ProtocolEncodeError(`correlation id must be an int32, got ${correlationId}`);
}

/** Encodes a request frame, size prefix included. */
export function encodeRequest<K extends number>(
  apiKey: K,
  version: number,
  correlationId: number,
  clientId: string | null,
  body?: RequestBodyInput<K>,
): Buffer {
  const codec = requestCodec(apiKey, version);
  checkCorrelationId(correlationId);
  const hc = requestHeaderVersion(apiKey, version) === 2 ? REQUEST_HEADER_V2 : REQUEST_HEADER_V1;
  const h = { requestApiKey: apiKey, requestApiVersion: version, correlationId, clientId };
  const b = (body ?? EMPTY_BODY) as DeepPartial<RequestBody<K>>;
  const headerSize = hc.size(h);
  const total = headerSize + codec.size(b);
  const w = new Writer(Buffer.allocUnsafe(4 + total));
  w.int32(total);
  hc.write(w, h);
  codec.write(w, b);
  if (w.pos !== 4 + total)
    throw new ProtocolEncodeError(`${codec.name} v${version}: wrote ${w.pos - 4} bytes, expected ${total}`);
  return w.buf;
}

// ---------------------------------------------------------------------------
// Responses.

/** Encodes a response frame, size prefix included, with the right response header version. */
export function encodeResponse<K extends number>(
  apiKey: K,
  version: number,
  correlationId: number,
  body?: ResponseBodyInput<K>,
): Buffer {
  const codec = responseCodec(apiKey, version);
  checkCorrelationId(correlationId);
  const flexibleHeader = responseHeaderVersion(apiKey, version) === 1;
  const b = (body ?? EMPTY_BODY) as DeepPartial<ResponseBody<K>>;
  const total = (flexibleHeader ? 5 : 4) + codec.size(b);
  const w = new Writer(Buffer.allocUnsafe(4 + total));
  w.int32(total);
  w.int32(correlationId);
  if (flexibleHeader) w.buf[w.pos++] = 0; // no tagged fields in the header
  codec.write(w, b);
  if (w.pos !== 4 + total)
    throw new ProtocolEncodeError(`${codec.name} v${version}: wrote ${w.pos - 4} bytes, expected ${total}`);
  return w.buf;
}

/**
 * Like `encodeResponse`, but bytes/records values of at least
 * `minZeroCopyBytes` are not copied: the frame comes back as chunks (to write
 * in order, e.g. with socket.cork()/write()/uncork()) that reference those
 * payloads. Concatenated, the chunks equal `encodeResponse`'s output. Meant
 * for Fetch responses, whose record batches already sit in memory.
 */
export function encodeResponseChunks<K extends number>(
  apiKey: K,
  version: number,
  correlationId: number,
  body?: ResponseBodyInput<K>,
  minZeroCopyBytes = 4096,
): Buffer[] {
  const codec = responseCodec(apiKey, version);
  checkCorrelationId(correlationId);
  const flexibleHeader = responseHeaderVersion(apiKey, version) === 1;
  const b = (body ?? EMPTY_BODY) as DeepPartial<ResponseBody<K>>;
  zeroCopy.threshold = Math.max(1, minZeroCopyBytes);
  zeroCopy.external = 0;
  try {
    const total = (flexibleHeader ? 5 : 4) + codec.size(b);
    const inline = 4 + total - zeroCopy.external;
    const w = new Writer(Buffer.allocUnsafe(inline));
    w.spliced = [];
    w.int32(total);
    w.int32(correlationId);
    if (flexibleHeader) w.buf[w.pos++] = 0;
    codec.write(w, b);
    if (w.pos !== inline)
      throw new ProtocolEncodeError(`${codec.name} v${version}: wrote ${w.pos} inline bytes, expected ${inline}`);
    return w.chunks();
  } finally {
    zeroCopy.threshold = Infinity;
    zeroCopy.external = 0;
  }
}

export interface DecodedResponse<T> {
  correlationId: number;
  body: T;
  /** Bytes left after the body (0 for a well-formed frame; ignored). */
  trailingBytes: number;
}

/**
 * Decodes a response frame (without its size prefix) of a known API version:
 * a response does not say what it answers, the caller matches it by
 * correlation id (see `peekCorrelationId`). Throws ProtocolDecodeError.
 */
export function decodeResponse<K extends number>(
  apiKey: K,
  version: number,
  frame: Buffer,
): DecodedResponse<ResponseBody<K>> {
  const codec = responseCodec(apiKey, version);
  const r = new Reader(frame);
  const header = (responseHeaderVersion(apiKey, version) === 1 ? RESPONSE_HEADER_V1 : RESPONSE_HEADER_V0).decode(r) as {
    correlationId: number;
  };
  const body = codec.read(r);
  return { correlationId: header.correlationId, body, trailingBytes: frame.length - r.pos };
}

/** The correlation id of a response frame (its first 4 bytes), without decoding the rest. */
export function peekCorrelationId(frame: Buffer): number {
  if (frame.length < 4)
    throw new ProtocolDecodeError(`response frame of ${frame.length} bytes has no correlation id`, 0);
  return frame.readInt32BE(0);
}

export { inVersionRange, type VersionRange };
