"""A producer at a steady rate, independent of Noticeboard (confluent_kafka, librdkafka), for the rate tests.

Usage: steady_producer.py BOOTSTRAP TOPIC RATE SECONDS VALUE_BYTES
Sends RATE messages a second (keys spread over the partitions, each message stamped with the time it is sent,
CreateTime) for SECONDS, or until killed. Prints one JSON line when the first message is acknowledged
({"started": true}) and one at the end ({"sent": N, "lastTimestamp": ms}).
"""
import json
import sys
import time

from confluent_kafka import Producer

bootstrap, topic, rate, seconds, size = sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5])
producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 5, "acks": "all"})
state = {"acked": 0, "announced": False}


def delivered(err, _msg):
    if err is not None:
        print(json.dumps({"error": str(err)}), flush=True)
        return
    state["acked"] += 1
    if not state["announced"]:
        state["announced"] = True
        print(json.dumps({"started": True}), flush=True)


start = time.monotonic()
sent = 0
last = 0
value = b"x" * size
while time.monotonic() - start < seconds:
    due = start + sent / rate
    wait = due - time.monotonic()
    if wait > 0:
        producer.poll(wait)
        continue
    last = int(time.time() * 1000)
    producer.produce(topic, key=str(sent).encode(), value=value, timestamp=last, on_delivery=delivered)
    sent += 1
    producer.poll(0)
producer.flush(30)
print(json.dumps({"sent": sent, "acked": state["acked"], "lastTimestamp": last}), flush=True)
