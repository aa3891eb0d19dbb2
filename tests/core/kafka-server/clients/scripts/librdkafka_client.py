"""librdkafka (through Debian's python3-confluent-kafka) against a Noticeboard cluster.

Each subcommand does one scenario of the client matrix and prints one JSON line;
the test (librdkafka.test.ts) checks the result against what the broker stored.
Usage: librdkafka_client.py <command> <bootstrap> args...
"""
import json
import sys
import time

from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, ConfigResource, NewPartitions, NewTopic

DEADLINE_S = 45


def fail(msg):
    print(json.dumps({"error": msg}))
    sys.exit(1)


def produce(bootstrap, topic, codec, n):
    p = Producer({"bootstrap.servers": bootstrap, "compression.type": codec, "linger.ms": 20, "acks": "all"})
    acked = []
    errors = []

    def cb(err, msg):
        if err is not None:
            errors.append(str(err))
        else:
            acked.append(msg.value().decode())

    for i in range(int(n)):
        p.produce(topic, value=("%s value %d " % (codec, i)) * 8, key="k%d" % i, on_delivery=cb)
    p.flush(DEADLINE_S)
    print(json.dumps({"acked": len(acked), "errors": errors}))


def idempotent(bootstrap, topic, n):
    producers = [Producer({"bootstrap.servers": bootstrap, "enable.idempotence": True, "linger.ms": 5}) for _ in range(2)]
    acked = []
    errors = []

    def cb(err, msg):
        if err is not None:
            errors.append(str(err))
        else:
            acked.append(msg.value().decode())

    for i in range(int(n)):
        for j, p in enumerate(producers):
            p.produce(topic, value="producer%d-%d" % (j, i), on_delivery=cb)
            p.poll(0)
    for p in producers:
        p.flush(DEADLINE_S)
    print(json.dumps({"acked": acked, "errors": errors}))


def group(bootstrap, topic, group_id, expected):
    """Two consumers of one group, polled in turn; every record is committed synchronously once handled."""
    expected = int(expected)
    assigned = [set(), set()]

    def on_assign(idx):
        def cb(consumer, partitions):
            assigned[idx] = set(tp.partition for tp in partitions)
        return cb

    def on_revoke(idx):
        def cb(consumer, partitions):
            assigned[idx] -= set(tp.partition for tp in partitions)
        return cb

    consumers = []
    for i in range(2):
        c = Consumer({"bootstrap.servers": bootstrap, "group.id": group_id, "enable.auto.commit": False,
                      "auto.offset.reset": "earliest", "session.timeout.ms": 10000, "heartbeat.interval.ms": 500})
        c.subscribe([topic], on_assign=on_assign(i), on_revoke=on_revoke(i))
        consumers.append(c)
    received = [[], []]
    start = time.time()
    partitions = len(consumers[0].list_topics(topic, timeout=10).topics[topic].partitions)
    while time.time() - start < DEADLINE_S:
        for i, c in enumerate(consumers):
            m = c.poll(0.1)
            if m is None:
                continue
            if m.error():
                fail(str(m.error()))
            received[i].append(m.value().decode())
            c.commit(message=m, asynchronous=False)
        unique = set(received[0]) | set(received[1])
        if len(unique) >= expected and assigned[0] and assigned[1] and len(assigned[0] | assigned[1]) == partitions:
            break
    final = [sorted(a) for a in assigned]  # before close(), which revokes
    for c in consumers:
        c.close()
    print(json.dumps({"received": received, "assigned": final}))


def times(bootstrap, topic, base_ts):
    base_ts = int(base_ts)
    p = Producer({"bootstrap.servers": bootstrap, "acks": "all"})
    for i in range(5):
        p.produce(topic, value="t%d" % i, partition=0, timestamp=base_ts + i * 1000)
    p.flush(DEADLINE_S)
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "times-lookup"})
    # One lookup per call: a partition twice in one ListOffsets request is refused (as Kafka does).
    found = [c.offsets_for_times([TopicPartition(topic, 0, ts)], timeout=10)[0].offset for ts in (base_ts + 2000, base_ts + 10000)]
    c.close()
    print(json.dumps({"offsets": found}))


def admin(bootstrap, prefix):
    a = AdminClient({"bootstrap.servers": bootstrap})
    name = prefix + "-admin"
    for f in a.create_topics([NewTopic(name, num_partitions=2, replication_factor=2, config={"retention.ms": "3600000"})]).values():
        f.result(10)
    for f in a.create_partitions([NewPartitions(name, 4)]).values():
        f.result(10)
    md = a.list_topics(timeout=10)
    partitions = len(md.topics[name].partitions)
    configs = {}
    for f in a.describe_configs([ConfigResource(ConfigResource.Type.TOPIC, name)]).values():
        for k, v in f.result(10).items():
            configs[k] = v.value
    groups = sorted(g.id for g in a.list_groups(timeout=10))
    for f in a.delete_topics([name]).values():
        f.result(10)
    print(json.dumps({"partitions": partitions, "retention": configs.get("retention.ms"), "groups": groups,
                      "brokers": len(md.brokers)}))


COMMANDS = {"produce": produce, "idempotent": idempotent, "group": group, "times": times, "admin": admin}

if __name__ == "__main__":
    try:
        COMMANDS[sys.argv[1]](*sys.argv[2:])
    except KafkaException as e:
        fail(str(e))
