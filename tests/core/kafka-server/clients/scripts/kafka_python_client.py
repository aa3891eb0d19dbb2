"""kafka-python 2.0.2 (Debian's python3-kafka) against a Noticeboard cluster.

Each subcommand does one scenario of the client matrix and prints one JSON line;
kafka-python.test.ts checks the result against what the broker stored.
Usage: kafka_python_client.py <command> <bootstrap> args...
"""
import json
import sys
import threading
import time

import kafka.codec
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import ConfigResource, ConfigResourceType, KafkaAdminClient, NewPartitions, NewTopic
from kafka.structs import OffsetAndMetadata

DEADLINE_S = 45


def codecs(bootstrap):
    have = ["none", "gzip"]
    for name, check in (("snappy", kafka.codec.has_snappy), ("lz4", kafka.codec.has_lz4), ("zstd", kafka.codec.has_zstd)):
        if check():
            have.append(name)
    print(json.dumps({"codecs": have}))


def produce(bootstrap, topic, codec, n):
    p = KafkaProducer(bootstrap_servers=bootstrap.split(","), acks="all", linger_ms=20,
                      compression_type=None if codec == "none" else codec)
    futures = [p.send(topic, key=b"k%d" % i, value=(("%s value %d " % (codec, i)) * 8).encode()) for i in range(int(n))]
    p.flush(DEADLINE_S)
    errors = [str(f.exception) for f in futures if f.failed()]
    p.close()
    print(json.dumps({"acked": sum(1 for f in futures if f.succeeded()), "errors": errors}))


def concurrent(bootstrap, topic, n):
    """Two producers at once (kafka-python 2.0.2 has no idempotent producer)."""
    producers = [KafkaProducer(bootstrap_servers=bootstrap.split(","), acks="all", linger_ms=5) for _ in range(2)]
    futures = []
    for i in range(int(n)):
        for j, p in enumerate(producers):
            v = "producer%d-%d" % (j, i)
            futures.append((v, p.send(topic, value=v.encode())))
    for p in producers:
        p.flush(DEADLINE_S)
    acked = [v for v, f in futures if f.succeeded()]
    errors = [str(f.exception) for _, f in futures if f.failed()]
    for p in producers:
        p.close()
    print(json.dumps({"acked": acked, "errors": errors}))


def group(bootstrap, topic, group_id, expected):
    """Two consumers of one group, one thread each (a consumer blocks in poll() while its group rebalances,
    so polling both from one thread would deadlock); each record is committed synchronously once handled."""
    expected = int(expected)
    consumers = [KafkaConsumer(topic, bootstrap_servers=bootstrap.split(","), group_id=group_id, enable_auto_commit=False,
                               auto_offset_reset="earliest", session_timeout_ms=10000, heartbeat_interval_ms=500)
                 for _ in range(2)]
    partitions = len(consumers[0].partitions_for_topic(topic) or [])
    received = [[], []]
    assigned = [set(), set()]
    lock = threading.Lock()
    done = threading.Event()

    def loop(i, c):
        while not done.is_set():
            for tp, records in c.poll(timeout_ms=100).items():
                for r in records:
                    with lock:
                        received[i].append(r.value.decode())
                    c.commit({tp: OffsetAndMetadata(r.offset + 1, None)})
            with lock:
                assigned[i] = set(tp.partition for tp in c.assignment())

    threads = [threading.Thread(target=loop, args=(i, c), daemon=True) for i, c in enumerate(consumers)]
    for t in threads:
        t.start()
    start = time.time()
    while time.time() - start < DEADLINE_S:
        with lock:
            unique = set(received[0]) | set(received[1])
            if len(unique) >= expected and assigned[0] and assigned[1] and len(assigned[0] | assigned[1]) == partitions:
                break
        time.sleep(0.05)
    done.set()
    for t in threads:
        t.join(10)
    final = [sorted(a) for a in assigned]
    for c in consumers:
        c.close()
    print(json.dumps({"received": received, "assigned": final}))


def times(bootstrap, topic, base_ts):
    base_ts = int(base_ts)
    p = KafkaProducer(bootstrap_servers=bootstrap.split(","), acks="all")
    for i in range(5):
        p.send(topic, value=b"t%d" % i, partition=0, timestamp_ms=base_ts + i * 1000)
    p.flush(DEADLINE_S)
    p.close()
    c = KafkaConsumer(bootstrap_servers=bootstrap.split(","))
    tp = TopicPartition(topic, 0)
    found = []
    for ts in (base_ts + 2000, base_ts + 10000):
        r = c.offsets_for_times({tp: ts})[tp]
        found.append(-1 if r is None else r.offset)
    c.close()
    print(json.dumps({"offsets": found}))


def admin(bootstrap, prefix):
    a = KafkaAdminClient(bootstrap_servers=bootstrap.split(","))
    name = prefix + "-admin"
    a.create_topics([NewTopic(name, num_partitions=2, replication_factor=2, topic_configs={"retention.ms": "3600000"})])
    a.create_partitions({name: NewPartitions(total_count=4)})
    configs = {}
    for res in a.describe_configs([ConfigResource(ConfigResourceType.TOPIC, name)]):
        for r in res.resources:
            for entry in r[4]:
                configs[entry[0]] = entry[1]
    groups = sorted(g[0] for g in a.list_consumer_groups())
    described = {d.group: d.state for d in a.describe_consumer_groups(groups)} if groups else {}
    offsets = {}
    for g in groups:
        offsets[g] = sum(o.offset for o in a.list_consumer_group_offsets(g).values())
    topics = a.list_topics()
    a.delete_topics([name])
    a.close()
    print(json.dumps({"created": name in topics, "retention": configs.get("retention.ms"), "groups": groups,
                      "states": described, "committed": offsets}))


COMMANDS = {"codecs": codecs, "produce": produce, "concurrent": concurrent, "group": group, "times": times, "admin": admin}

if __name__ == "__main__":
    COMMANDS[sys.argv[1]](*sys.argv[2:])
