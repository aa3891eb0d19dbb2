/**
 * API errors name the input at fault in `field`, so a UI shows the error next to that input without reading the
 * message: the schema's path for malformed input, the config's name for a config the engine refuses. Transports
 * build their own failures from the one error table.
 */
import { describe, expect, it } from 'vitest';
import { apiError, ApiError } from '../../../core/api/client';
import { EngineApi } from '../../../core/service/engine-api';
import { fieldOfIssuePath } from '../../../core/service/validate';
import { ERRORS, KafkaError } from '../../../core/errors';
import { validateTopicConfigs } from '../../../core/cluster/topic-configs';
import { FakeCluster } from '../../support/fake-cluster';

async function failure(method: string, input: unknown) {
  const cluster = new FakeCluster(3);
  const api = new EngineApi(cluster, { transport: 'websocket', dataDir: '/tmp/x', version: '0.0.0' });
  try {
    if (method === 'alterConfigs') await cluster.createTopic({ name: 'orders', partitions: 1 });
    const e = await api.openSession(() => undefined).call(method, input);
    if (e.ok) throw new Error(`${method} succeeded`);
    return e.error;
  } finally {
    api.close();
  }
}

describe('error field', () => {
  it('is the input path of a schema failure', async () => {
    expect(await failure('createTopic', { name: 'orders', partitions: 'three' })).toMatchObject({
      errorName: 'INVALID_REQUEST',
      field: 'partitions',
    });
    expect(await failure('produce', { topic: 'orders', records: [{ value: 'a' }, { value: 7 }] })).toMatchObject({
      field: 'records[1].value',
    });
  });

  it('is the config name, dots and all, when the engine refuses a config', async () => {
    expect(await failure('createTopic', { name: 'orders', configs: { 'retention.ms': 'soon' } })).toMatchObject({
      errorName: 'INVALID_CONFIG',
      field: 'retention.ms',
    });
    expect(await failure('alterConfigs', { topic: 'orders', set: { 'no.such.config': '1' } })).toMatchObject({
      errorName: 'INVALID_CONFIG',
      field: 'no.such.config',
    });
    expect(() => validateTopicConfigs({ 'min.compaction.lag.ms': '-5' })).toThrow(
      expect.objectContaining({ field: 'min.compaction.lag.ms' }),
    );
  });

  it('is absent when no single input is at fault', async () => {
    const err = await failure('listTopics', 'all');
    expect(err.errorName).toBe('INVALID_REQUEST');
    expect(err).not.toHaveProperty('field');
  });

  it('keeps config names whole under configs and set, and other paths as paths', () => {
    expect(fieldOfIssuePath(['configs', 'cleanup.policy'])).toBe('cleanup.policy');
    expect(fieldOfIssuePath(['set', 'segment.ms'])).toBe('segment.ms');
    expect(fieldOfIssuePath(['records', 2, 'headers', 0, 'key'])).toBe('records[2].headers[0].key');
    expect(fieldOfIssuePath([])).toBeUndefined();
  });

  it('travels to the client: ApiError carries it, and KafkaError serialises it only when set', () => {
    const e = new ApiError({ code: 40, errorName: 'INVALID_CONFIG', message: 'bad', field: 'retention.ms' });
    expect(e.field).toBe('retention.ms');
    expect(new KafkaError('INVALID_CONFIG', 'bad', { field: 'retention.ms' }).toJSON()).toEqual({
      code: 40,
      errorName: 'INVALID_CONFIG',
      message: 'bad',
      field: 'retention.ms',
    });
    expect(new KafkaError('INVALID_CONFIG', 'bad').toJSON()).toEqual({
      code: 40,
      errorName: 'INVALID_CONFIG',
      message: 'bad',
    });
  });

  it('transport failures take their code from the one table', () => {
    for (const name of ['NETWORK_EXCEPTION', 'REQUEST_TIMED_OUT', 'INVALID_REQUEST', 'UNKNOWN_SERVER_ERROR'] as const) {
      expect(apiError(name, 'x')).toEqual({
        ok: false,
        error: { code: ERRORS[name].code, errorName: name, message: 'x' },
      });
    }
  });
});
