/**
 * The topic list's live columns, for every topic in one call: messages in per second, the last append, and the
 * consumer groups with offsets for (or assigned) each topic. Summaries the engine already keeps (its throughput
 * meter, core/cluster/throughput.ts, and the groups' lag), so the renderer never reads partitions per topic.
 *
 * On the sandbox rates and last appends are counted since the app started. A remote cluster samples them in the
 * app (core/remote/rate-sampler.ts): asking marks the topic as looked at, and the answer is null until two samples
 * of its high watermarks came (a few seconds); its last append is the newest record's timestamp. A port that does
 * not count them per topic answers null for both, and an engine without consumer groups lists no groups.
 */
import type { TopicActivityRow } from '../api/api';
import type { ClusterPort } from './engine-port';

export function topicActivity(
  cluster: ClusterPort,
  groups: Array<{ groupId: string; topics: string[] }>,
  includeInternal: boolean,
): TopicActivityRow[] {
  const byTopic = new Map<string, string[]>();
  for (const g of groups)
    for (const t of g.topics) {
      const list = byTopic.get(t);
      if (list) list.push(g.groupId);
      else byTopic.set(t, [g.groupId]);
    }
  return cluster.listTopics({ includeInternal }).map((t) => {
    const a = cluster.topicActivity?.(t.name) ?? null;
    return {
      topic: t.name,
      messagesInPerSec: a ? a.messagesInPerSec : null,
      lastAppendMs: a ? a.lastAppendMs : null,
      groups: (byTopic.get(t.name) ?? []).sort(),
    };
  });
}
