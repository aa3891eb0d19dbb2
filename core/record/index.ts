/**
 * The record-batch layer: the one place that knows the magic v2 byte layout,
 * shared by the storage engine, the wire protocol and the GUI.
 */

export * from './record-batch';
export * from './batch-builder';
export * from './record-decoder';
export {
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
  type CodecId,
  type CodecName,
} from './compression';
export { murmur2, toPositive, partitionForKey } from './murmur2';
export {
  cursor as varintCursor,
  readVarint,
  readVarlong,
  readUnsignedVarint,
  writeVarint,
  writeVarlong,
  writeUnsignedVarint,
  sizeOfVarint,
  sizeOfVarlong,
  sizeOfUnsignedVarint,
} from './varint';
export * from './log-validator';
