/**
 * The topic list's live columns, for every topic in one call: messages in per second, the last append, and the
 * consumer groups with offsets for (or assigned) each topic. Summaries the engine already keeps (its throughput
 * meter, core/cluster/throughput.ts, and the groups' lag), so the renderer never reads partitions per topic.
 *
 * Rates and last appends are counted since the app started; a connection whose port does not count them per topic
 * (a remote cluster) answers null for both, and an engine without consumer groups lists no groups.
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
