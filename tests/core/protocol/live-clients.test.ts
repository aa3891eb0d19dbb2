/**
 * Live check against the installed clients: kafkajs and @platformatic/kafka
 * connect to fixtures/fake-broker.ts (answered with this codec), create a
 * topic, produce a message and consume it back through a consumer group. The
 * run completing proves the clients accept the encoded responses (ApiVersions,
 * Metadata, Produce, JoinGroup, SyncGroup, ListOffsets, Fetch with a record
 * batch...); every request frame they sent must decode and re-encode
 * byte-identically. Takes about a second.
 */
import { describe, expect, it } from 'vitest';
import { API_KEYS, decodeRequest, encodeRequest } from '../../../core/protocol/index';
import { captureKafkajs, capturePlatformatic, type Capture } from './fixtures/capture';

function checkFrames(c: Capture): void {
  expect(c.frames.length).toBeGreaterThan(10);
  for (const f of c.frames) {
    const frame = Buffer.from(f.hex, 'hex');
    const d = decodeRequest(frame);
    expect(d.trailingBytes).toBe(0);
    expect(
      encodeRequest(d.apiKey, d.apiVersion, d.header.correlationId, d.header.clientId, d.body as never)
        .subarray(4)
        .toString('hex'),
    ).toBe(f.hex);
  }
  const keys = new Set(c.frames.map((f) => f.apiKey));
  for (const k of [
    API_KEYS.ApiVersions,
    API_KEYS.Metadata,
    API_KEYS.CreateTopics,
    API_KEYS.Produce,
    API_KEYS.JoinGroup,
    API_KEYS.SyncGroup,
    API_KEYS.Fetch,
  ])
    expect(keys.has(k)).toBe(true);
}

describe('real clients against a fake broker speaking this codec', () => {
  it('kafkajs 2.2.4 completes admin, produce, consume, SASL flows; its frames round-trip', async () => {
    checkFrames(await captureKafkajs());
  }, 20_000);

  it('@platformatic/kafka: admin, produce, consume, SASL at flexible versions; its frames round-trip', async () => {
    checkFrames(await capturePlatformatic());
  }, 20_000);
});
