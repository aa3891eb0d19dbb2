/**
 * Engine errors as wire error codes, through the one table in core/errors.ts.
 */
import { asKafkaError, errorCodeOf, KafkaError, type ErrorName } from '../errors';

export interface WireError {
  errorCode: number;
  errorMessage: string | null;
}

export const OK: WireError = Object.freeze({ errorCode: 0, errorMessage: null });

/**
 * A thrown value as a code and message. A partition-level call that reaches
 * a broker which has just stopped reads as NOT_LEADER_OR_FOLLOWER, which
 * makes a client refresh its metadata and go to the new leader.
 */
export function wireError(err: unknown, partitionLevel = false): WireError {
  const k = asKafkaError(err);
  if (partitionLevel && k.errorName === 'BROKER_NOT_AVAILABLE') {
    return { errorCode: 6, errorMessage: k.message };
  }
  return { errorCode: k.code, errorMessage: k.message };
}

export function kafkaError(name: ErrorName, message?: string): WireError {
  const k = new KafkaError(name, message);
  return { errorCode: k.code, errorMessage: k.message };
}

export function codeOf(name: ErrorName): number {
  return errorCodeOf(name);
}
