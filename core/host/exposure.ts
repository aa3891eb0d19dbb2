/**
 * What serve mode tells a person about who can reach what. The UI (with its
 * WebSocket API) and the Kafka listeners bind separately: the UI needs the
 * token, the Kafka ports have no authentication at all in serve mode (no
 * SASL users), so moving one off loopback must never move the other, and
 * each exposure is said in words at start.
 */

/** Addresses only this machine can reach. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

const described = (host: string) =>
  host === '0.0.0.0' || host === '::' || host === '' ? `every network interface (${host || 'all'})` : host;

/** One warning per exposed endpoint; none when both stay on loopback. */
export function exposureWarnings(uiHost: string, kafkaHost: string, sasl = false): string[] {
  const out: string[] = [];
  if (!isLoopback(uiHost)) {
    out.push(
      `Warning: the UI and its WebSocket API listen on ${described(uiHost)}. Anyone on another machine who can reach it ` +
        'and has the token in the URL can drive the cluster: stop brokers, delete topics, read and write every ' +
        'message.',
    );
  }
  if (!isLoopback(kafkaHost)) {
    out.push(
      sasl
        ? `Warning: the Kafka ports listen on ${described(kafkaHost)}; other machines can reach them (SASL is required).`
        : `Warning: the Kafka ports listen on ${described(kafkaHost)} without any authentication (no SASL). Any machine that ` +
            'can reach them can read, write and delete every topic, and change configs and consumer groups.',
    );
  }
  return out;
}
