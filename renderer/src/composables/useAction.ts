/**
 * Runs a user's command and tells them how it went: a short confirmation on
 * success, a readable notification (Kafka error name and message) on failure.
 */
import { useMessage, useNotification } from 'naive-ui';
import { ApiError } from '@core/api/client';

export function describeError(err: unknown): { title: string; detail: string } {
  if (err instanceof ApiError)
    return {
      title: err.errorName
        .replace(/_/g, ' ')
        .toLowerCase()
        .replace(/^./, (c) => c.toUpperCase()),
      detail: err.message,
    };
  return { title: 'Something went wrong', detail: err instanceof Error ? err.message : String(err) };
}

export function useAction() {
  const notification = useNotification();
  const message = useMessage();
  return async function run<T>(what: string, fn: () => Promise<T>, success?: string): Promise<T | undefined> {
    try {
      const result = await fn();
      if (success) message.success(success);
      return result;
    } catch (err) {
      const { title, detail } = describeError(err);
      notification.error({
        title: `${what} failed`,
        description: title,
        content: detail,
        duration: 10_000,
        keepAliveOnHover: true,
      });
      return undefined;
    }
  };
}
