/**
 * The consumer protocol's embedded structs: ConsumerProtocolSubscription (the
 * `metadata` bytes of a JoinGroup protocol) and ConsumerProtocolAssignment
 * (the `assignment` bytes of SyncGroup). Each is an int16 version followed by
 * the struct in its non-flexible encoding.
 *
 * As Kafka does, a version newer than the newest known one is read with the
 * newest known layout (later versions may only append fields), and bytes
 * after the struct are ignored. Decoding is also lenient the other way: when
 * the bytes end exactly before a field added after version 0, the missing
 * fields take their defaults (@platformatic/kafka 1.35 sends a v1 subscription without
 * OwnedPartitions). A field cut in the middle is still a ProtocolDecodeError.
 */
import { compileMessage, type StructCodec } from './compiler';
import { ProtocolDecodeError, ProtocolEncodeError } from './errors';
import { MESSAGE_DEFINITIONS } from './messages/schemas.generated';
import type { ConsumerProtocolAssignment, ConsumerProtocolSubscription } from './messages/types.generated';
import type { DeepPartial } from './protocol';
import { Reader } from './reader';
import { parseVersionRange } from './versions';
import { Writer } from './writer';

export type { ConsumerProtocolAssignment, ConsumerProtocolSubscription };

class VersionedStruct<T> {
  private readonly codecs: StructCodec[] = [];
  readonly minVersion: number;
  readonly maxVersion: number;

  constructor(readonly name: string) {
    const def = MESSAGE_DEFINITIONS[name];
    if (!def) throw new Error(`missing definition ${name}`);
    const valid = parseVersionRange(def.validVersions);
    this.minVersion = valid.min;
    this.maxVersion = valid.max;
    for (let v = valid.min; v <= valid.max; v++) this.codecs[v] = compileMessage(def, v, { lenientTail: true }).codec;
  }

  encode(version: number, body: DeepPartial<T> | undefined): Buffer {
    if (!Number.isInteger(version) || version < this.minVersion || version > this.maxVersion) {
      throw new ProtocolEncodeError(
        `${this.name}: version ${version} is outside ${this.minVersion}-${this.maxVersion}`,
      );
    }
    const c = this.codecs[version]!;
    const b = body ?? {};
    const n = 2 + c.size(b);
    const w = new Writer(Buffer.allocUnsafe(n));
    w.int16(version);
    c.write(w, b);
    if (w.pos !== n) throw new ProtocolEncodeError(`${this.name}: wrote ${w.pos} bytes, expected ${n}`);
    return w.buf;
  }

  decode(buf: Buffer): T & { version: number } {
    const r = new Reader(buf);
    const version = r.int16();
    if (version < this.minVersion) throw new ProtocolDecodeError(`${this.name}: invalid version ${version}`, 0);
    const body = this.codecs[Math.min(version, this.maxVersion)]!.decode(r) as T;
    return { version, ...body };
  }
}

const subscription = new VersionedStruct<ConsumerProtocolSubscription>('ConsumerProtocolSubscription');
const assignment = new VersionedStruct<ConsumerProtocolAssignment>('ConsumerProtocolAssignment');

/** Newest known versions. */
export const CONSUMER_SUBSCRIPTION_MAX_VERSION = subscription.maxVersion;
export const CONSUMER_ASSIGNMENT_MAX_VERSION = assignment.maxVersion;

/** Encodes a ConsumerProtocolSubscription (int16 version prefix included). */
export function encodeConsumerSubscription(version: number, body?: DeepPartial<ConsumerProtocolSubscription>): Buffer {
  return subscription.encode(version, body);
}

/** Decodes a ConsumerProtocolSubscription; throws ProtocolDecodeError. */
export function decodeConsumerSubscription(buf: Buffer): ConsumerProtocolSubscription & { version: number } {
  return subscription.decode(buf);
}

/** Encodes a ConsumerProtocolAssignment (int16 version prefix included). */
export function encodeConsumerAssignment(version: number, body?: DeepPartial<ConsumerProtocolAssignment>): Buffer {
  return assignment.encode(version, body);
}

/** Decodes a ConsumerProtocolAssignment; throws ProtocolDecodeError. */
export function decodeConsumerAssignment(buf: Buffer): ConsumerProtocolAssignment & { version: number } {
  return assignment.decode(buf);
}
