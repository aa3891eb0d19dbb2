/**
 * "Test connection": the steps of a first connection, one after another,
 * stopping at the first that fails, with what happened in words. After the
 * bootstrap broker answers ApiVersions (and SASL), the versions the views
 * need are checked (a broker below them is "too old"), then Metadata lists
 * the brokers, and every broker it names is connected to in turn, since an
 * advertised address clients cannot reach is the most common misconfiguration.
 */
import { KafkaError } from '../errors';
import { API_KEYS } from '../protocol/index';
import { KafkaClient } from './client';
import { BrokerConnection, StageError } from './connection';
import type { ConnectionStage, ConnectionTestResult, RemoteConnectionConfig } from './types';
import { chooseVersion, tooOld } from './versions';

/** The APIs every view needs, with the floors of versions.ts. */
const NEEDED = [API_KEYS.Metadata, API_KEYS.Fetch, API_KEYS.ListOffsets, API_KEYS.Produce];

export async function testConnection(config: RemoteConnectionConfig): Promise<ConnectionTestResult> {
  const started = performance.now();
  let stage: ConnectionStage = 'dns';
  const done = (ok: boolean, message: string, extra: Partial<ConnectionTestResult> = {}): ConnectionTestResult => ({
    ok,
    stage,
    message,
    ...extra,
    elapsedMs: Math.round(performance.now() - started),
  });
  let client: KafkaClient;
  try {
    client = new KafkaClient(config, { onStage: (s) => (stage = s) });
  } catch (e) {
    return done(false, (e as Error).message);
  }
  try {
    const conn = await client.any();
    stage = 'versions';
    for (const k of NEEDED) if (chooseVersion(conn.versions, k) === null) return done(false, tooOld(conn.versions, k));
    stage = 'metadata';
    let body;
    try {
      ({ body } = await client.metadata([]));
    } catch (e) {
      // Kafka closes the connection of a client that skips SASL on a SASL listener.
      const sasl = config.securityProtocol === 'SASL_PLAINTEXT' || config.securityProtocol === 'SASL_SSL';
      if (!sasl && e instanceof KafkaError && e.errorName === 'NETWORK_EXCEPTION') {
        stage = 'sasl';
        return done(
          false,
          'SASL: the broker closed the connection at the first request: it requires authentication ' +
            '(choose SASL_PLAINTEXT or SASL_SSL with a mechanism, username and password)',
        );
      }
      throw e;
    }
    const brokers = body.brokers.map((b) => ({ nodeId: b.nodeId, host: b.host, port: b.port, rack: b.rack }));
    for (const b of brokers) {
      try {
        const c = await BrokerConnection.open(b, config);
        c.close();
      } catch (e) {
        stage = 'metadata';
        const why = e instanceof Error ? e.message : String(e);
        return done(false, `Metadata: broker ${b.nodeId} is advertised as ${b.host}:${b.port}, which fails: ${why}`, {
          brokers,
          clusterId: body.clusterId,
          controllerId: body.controllerId,
        });
      }
    }
    stage = 'metadata';
    return done(true, `Connected: ${brokers.length} broker${brokers.length === 1 ? '' : 's'}`, {
      brokers,
      clusterId: body.clusterId,
      controllerId: body.controllerId,
    });
  } catch (e) {
    if (e instanceof StageError) {
      stage = e.stage;
      return done(false, e.message);
    }
    const message = e instanceof KafkaError ? `${e.errorName}: ${e.message}` : String(e);
    return done(false, message);
  } finally {
    await client.close();
  }
}
