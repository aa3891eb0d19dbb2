/**
 * Sizes the engine refuses to go beyond, shared by the controller, the API's
 * schemas and the create form, so all three agree.
 *
 * MAX_PARTITIONS is what was measured to work on a 2-core machine (bench
 * keys create_10k_partitions_ms and rss_mb_10k_partitions): one topic of
 * 10,000 partitions at replication factor 3 on 3 brokers (30,000 replicas)
 * is created within the API's 30 s timeout, and every view of it pages.
 */
export const MAX_PARTITIONS = 10_000;
