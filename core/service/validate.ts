/**
 * Where arguments enter the engine: parse a raw call against the table's
 * schema, and turn any failure (schema or engine) into the one error shape
 * every transport carries.
 */
import type { z } from 'zod';
import { asKafkaError, KafkaError, type ErrorName } from '../errors';
import { API, isMethodName, type ApiErrorShape, type MethodName, type ParsedInput } from '../api/api';

export function describeIssuePath(path: ReadonlyArray<PropertyKey>): string {
  return path.length === 0
    ? 'input'
    : path
        .map((p) => (typeof p === 'number' ? `[${p}]` : String(p)))
        .join('.')
        .replace(/\.\[/g, '[');
}

/**
 * The `field` of a schema failure: a topic config's own name under `configs` (createTopic) or `set` (alterConfigs),
 * as the engine names it; otherwise the input's path. Nothing for the input as a whole.
 */
export function fieldOfIssuePath(path: ReadonlyArray<PropertyKey>): string | undefined {
  if (path.length === 0) return undefined;
  if (path.length >= 2 && (path[0] === 'configs' || path[0] === 'set') && typeof path[1] === 'string') return path[1];
  return describeIssuePath(path);
}

/** The Kafka error for a schema failure: the first issue that names one, else INVALID_REQUEST. */
export function errorFromIssues(method: string, issues: ReadonlyArray<z.core.$ZodIssue>): KafkaError {
  const named = issues.find(
    (i) => i.code === 'custom' && typeof (i.params as { errorName?: unknown } | undefined)?.errorName === 'string',
  );
  const first = named ?? issues[0];
  const errorName: ErrorName = named
    ? ((named as z.core.$ZodIssueCustom).params!.errorName as ErrorName)
    : 'INVALID_REQUEST';
  const where = first ? describeIssuePath(first.path) : 'input';
  const what = first?.message ?? 'invalid input';
  return new KafkaError(errorName, `${method}: ${where}: ${what}`, {
    field: first ? fieldOfIssuePath(first.path) : undefined,
  });
}

/** Validates a call; throws KafkaError (INVALID_REQUEST for an unknown method or malformed input). */
export function parseCall<M extends MethodName>(method: M, raw: unknown): ParsedInput<M>;
export function parseCall(method: unknown, raw: unknown): unknown;
export function parseCall(method: unknown, raw: unknown): unknown {
  if (!isMethodName(method)) {
    throw new KafkaError(
      'INVALID_REQUEST',
      `Unknown method: ${typeof method === 'string' ? method.slice(0, 64) : typeof method}`,
    );
  }
  const parsed = API[method].input.safeParse(raw === undefined || raw === null ? {} : raw);
  if (!parsed.success) throw errorFromIssues(method, parsed.error.issues);
  return parsed.data;
}

/** Any thrown value as the wire's error shape; engine errors keep their Kafka code and name. */
export function toApiError(err: unknown): ApiErrorShape {
  return asKafkaError(err).toJSON();
}
