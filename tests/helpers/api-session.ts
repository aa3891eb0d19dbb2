/** Calls through an engine API session in tests: a call that must succeed gives its result, one that must fail its error. */
import type { ApiSession } from '../../core/service/engine-api';

export async function apiResult<T = any>(session: ApiSession, method: string, input?: unknown): Promise<T> {
  const e = await session.call(method, input);
  if (!e.ok) throw new Error(`${method} failed: ${e.error.errorName} ${e.error.message}`);
  return e.result as T;
}

export async function apiError(session: ApiSession, method: string, input?: unknown) {
  const e = await session.call(method, input);
  if (e.ok) throw new Error(`${method} should have failed`);
  return e.error;
}
