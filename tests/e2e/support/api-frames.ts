/**
 * What a page says to the engine and hears back over its WebSocket, read from
 * the frames themselves (not from the page's code), so a test can assert what
 * the UI asked for: which API methods, which pages of partitions, and how much
 * partition state came back. Watch before the page navigates, or the first
 * frames are missed.
 */
import type { Page } from 'playwright-core';

export interface ApiFrames {
  /** The API methods the page called, in order. */
  calls: string[];
  /** The pages of partitions it asked for (listPartitionPage), in order. */
  pagesAsked: Array<{ offset: number; limit: number }>;
  /** Characters received in all, partition states received in all, and the most in one frame. */
  received: { bytes: number; partitionStates: number; largestFrameStates: number };
}

const text = (payload: string | Buffer) => (typeof payload === 'string' ? payload : payload.toString());

/** Starts recording the page's API frames into the returned object. */
export function watchApiFrames(page: Page): ApiFrames {
  const frames: ApiFrames = {
    calls: [],
    pagesAsked: [],
    received: { bytes: 0, partitionStates: 0, largestFrameStates: 0 },
  };
  page.on('websocket', (ws) => {
    ws.on('framesent', (f) => {
      const sent = text(f.payload);
      const m = /"method":"([A-Za-z]+)"/.exec(sent);
      if (m) frames.calls.push(m[1]!);
      if (m?.[1] === 'listPartitionPage') {
        const offset = /"offset":(\d+)/.exec(sent);
        const limit = /"limit":(\d+)/.exec(sent);
        frames.pagesAsked.push({ offset: Number(offset?.[1] ?? 0), limit: Number(limit?.[1] ?? -1) });
      }
    });
    ws.on('framereceived', (f) => {
      const got = text(f.payload);
      const r = frames.received;
      r.bytes += got.length;
      // Every partition state carries its replicas' states; a summary does not.
      const states = got.split('"replicaStates"').length - 1;
      r.partitionStates += states;
      r.largestFrameStates = Math.max(r.largestFrameStates, states);
    });
  });
  return frames;
}
