import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { KafkaError } from '../../../core/errors';
import {
  CODEC_IDS,
  CODEC_NAMES,
  codecId,
  codecName,
  compress,
  compressSync,
  decompress,
  decompressSync,
  hasSyncCodec,
  isXerialFramed,
} from '../../../core/record/compression';

const text = Buffer.from('noticeboard '.repeat(50));
const codecs = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;

function kafkaErrorOf(fn: () => unknown): KafkaError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(KafkaError);
    return err as KafkaError;
  }
  throw new Error('expected a throw');
}

async function kafkaErrorOfAsync(p: Promise<unknown>): Promise<KafkaError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(KafkaError);
    return err as KafkaError;
  }
  throw new Error('expected a rejection');
}

describe('codec ids and names', () => {
  it('map both ways as in the batch attributes', () => {
    expect(CODEC_IDS).toEqual({ none: 0, gzip: 1, snappy: 2, lz4: 3, zstd: 4 });
    CODEC_NAMES.forEach((name, id) => {
      expect(codecId(name)).toBe(id);
      expect(codecId(id)).toBe(id);
      expect(codecName(id)).toBe(name);
    });
  });

  it('reject unknown codecs with UNSUPPORTED_COMPRESSION_TYPE', async () => {
    for (const bad of [5, 7, -1, 1.5, 'brotli', 'toString']) {
      expect(kafkaErrorOf(() => codecId(bad)).errorName).toBe('UNSUPPORTED_COMPRESSION_TYPE');
    }
    expect(kafkaErrorOf(() => compressSync(6, text)).errorName).toBe('UNSUPPORTED_COMPRESSION_TYPE');
    expect((await kafkaErrorOfAsync(decompress(5, text))).message).toMatch(/unknown compression codec 5/);
  });
});

describe.each(codecs)('%s codec', (codec) => {
  const inputs = {
    empty: Buffer.alloc(0),
    text,
    random: randomBytes(5000),
    'larger than one snappy/lz4 block': Buffer.concat([randomBytes(70_000), Buffer.alloc(150_000, 7)]),
  };

  for (const [label, input] of Object.entries(inputs)) {
    it(`round-trips ${label} asynchronously`, async () => {
      const packed = await compress(codec, input);
      // Buffer.equals: vitest's deep equality walks large buffers byte by byte.
      expect((await decompress(codec, packed)).equals(input)).toBe(true);
    });
  }

  it('async and sync variants interoperate where sync exists', async () => {
    if (!hasSyncCodec(codec)) {
      expect(kafkaErrorOf(() => decompressSync(codec, text)).errorName).toBe('UNSUPPORTED_COMPRESSION_TYPE');
      expect(kafkaErrorOf(() => compressSync(codec, text)).errorName).toBe('UNSUPPORTED_COMPRESSION_TYPE');
      return;
    }
    expect(decompressSync(codec, await compress(codec, text))).toEqual(text);
    expect(await decompress(codec, compressSync(codec, text))).toEqual(text);
  });

  if (codec !== 'none') {
    it('reports garbage input as CORRUPT_MESSAGE', async () => {
      const garbage = Buffer.from('definitely not compressed data, just some bytes');
      const err = await kafkaErrorOfAsync(decompress(codec, garbage));
      expect(err.errorName).toBe('CORRUPT_MESSAGE');
      expect(err.message).toContain(codec);
      if (hasSyncCodec(codec))
        expect(kafkaErrorOf(() => decompressSync(codec, garbage)).errorName).toBe('CORRUPT_MESSAGE');
    });
  }
});

describe('snappy framing', () => {
  it('writes xerial framing like the Java client: magic, versions 1/1, blocks of <= 32 KiB input', () => {
    const input = Buffer.alloc(70_000, 1);
    const packed = compressSync('snappy', input);
    expect(isXerialFramed(packed)).toBe(true);
    expect(packed.subarray(0, 8)).toEqual(Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]));
    expect(packed.readInt32BE(8)).toBe(1);
    expect(packed.readInt32BE(12)).toBe(1);
    let pos = 16;
    let blocks = 0;
    while (pos < packed.length) {
      pos += 4 + packed.readInt32BE(pos);
      blocks++;
    }
    expect(pos).toBe(packed.length);
    expect(blocks).toBe(3); // 32 KiB + 32 KiB + rest
  });

  it('also reads a single raw snappy block (what librdkafka sends)', async () => {
    const framed = compressSync('snappy', text);
    const rawBlock = framed.subarray(20); // header 16 + one length prefix
    expect(isXerialFramed(rawBlock)).toBe(false);
    expect(decompressSync('snappy', rawBlock)).toEqual(text);
    expect(await decompress('snappy', rawBlock)).toEqual(text);
  });

  it('reports a xerial block length running past the end as CORRUPT_MESSAGE', async () => {
    const framed = Buffer.from(compressSync('snappy', text));
    framed.writeInt32BE(1_000_000, 16);
    expect((await kafkaErrorOfAsync(decompress('snappy', framed))).errorName).toBe('CORRUPT_MESSAGE');
    expect(kafkaErrorOf(() => decompressSync('snappy', framed)).errorName).toBe('CORRUPT_MESSAGE');
  });
});

describe('lz4 framing', () => {
  it('writes the LZ4 frame format with independent blocks, which Kafka requires', () => {
    const packed = compressSync('lz4', text);
    expect(packed.readUInt32LE(0)).toBe(0x184d2204);
    const flg = packed[4];
    expect(flg >> 6).toBe(1); // version 01
    expect(flg & 0x20).toBe(0x20); // block independence
  });

  it('reads frames from the reference lz4 tool (content checksum on)', async () => {
    // `printf 'noticeboard %.0s' $(seq 1 50) | lz4 -c`
    const fromCli = Buffer.from('BCJNGGRApxgAAADPbm90aWNlYm9hcmQgDAD//zZQb2FyZCAAAAAAm/DIyg==', 'base64');
    expect(await decompress('lz4', fromCli)).toEqual(text);
  });
});

describe('zstd framing', () => {
  it('reads a streamed frame without a content size, as the Java client writes', async () => {
    // `printf 'noticeboard %.0s' $(seq 1 50) | zstd -c` (frame header has no content size)
    const fromCli = Buffer.from('KLUv/QRYnQAAYG5vdGljZWJvYXJkIAEASV6VJMKpPxQ=', 'base64');
    expect(fromCli[4] & 0xc0).toBe(0);
    expect(await decompress('zstd', fromCli)).toEqual(text);
  });
});
