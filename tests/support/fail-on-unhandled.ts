/**
 * Vitest setup (every test file): an unhandled rejection or uncaught
 * exception fails the test that was running when it surfaced, not only the
 * run as a whole, so a background loop that lets an error escape (a replica
 * fetcher, a timer) is caught by the test that started it.
 */
import { afterEach } from 'vitest';

const escaped: unknown[] = [];
process.on('unhandledRejection', (reason) => {
  escaped.push(reason);
});
process.on('uncaughtException', (err) => {
  escaped.push(err);
});

afterEach(() => {
  if (escaped.length === 0) return;
  const errors = escaped.splice(0);
  const text = errors.map((e) => (e instanceof Error ? `${e.name}: ${e.message}` : String(e))).join('; ');
  throw new AggregateError(errors, `An unhandled rejection or uncaught exception escaped: ${text}`);
});
