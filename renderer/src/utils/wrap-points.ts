/**
 * Where a long identifier may wrap when its box is narrower than it: between camel-case humps and after
 * . - _ / : so that "leader.imbalance.check.interval.seconds" wraps as "leader.imbalance.check. / interval.seconds"
 * and "RoundRobinAssigner" as "RoundRobin / Assigner", never inside a word. Joined with <wbr>, the pieces copy
 * and read as the one identifier.
 */
export function wrapPoints(text: string): string[] {
  return text.split(/(?<=[a-z0-9])(?=[A-Z])|(?<=[.\-_/:])(?=.)/);
}
