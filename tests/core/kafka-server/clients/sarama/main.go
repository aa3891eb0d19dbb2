// sarama 1.22 (Debian's golang-github-shopify-sarama-dev) against a Noticeboard
// cluster, built in GOPATH mode by clients/helpers.ts. Each subcommand runs one
// scenario of the client matrix and prints one JSON line; sarama.test.ts checks
// it against what the broker stored.
//
// Usage: sarama-client <command> <bootstrap> args...
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/Shopify/sarama"
)

func config() *sarama.Config {
	c := sarama.NewConfig()
	c.Version = sarama.V2_1_0_0
	c.ClientID = "sarama-matrix"
	c.Producer.Return.Successes = true
	c.Producer.RequiredAcks = sarama.WaitForAll
	c.Producer.Flush.Frequency = 20 * time.Millisecond
	c.Metadata.Retry.Backoff = 100 * time.Millisecond
	return c
}

func emit(v interface{}) {
	b, _ := json.Marshal(v)
	fmt.Println(string(b))
}

func fail(err error) {
	emit(map[string]string{"error": err.Error()})
	os.Exit(1)
}

var codecs = map[string]sarama.CompressionCodec{
	"none": sarama.CompressionNone, "gzip": sarama.CompressionGZIP, "snappy": sarama.CompressionSnappy,
	"lz4": sarama.CompressionLZ4, "zstd": sarama.CompressionZSTD,
}

func produce(brokers []string, topic, codec string, n int) {
	c := config()
	c.Producer.Compression = codecs[codec]
	p, err := sarama.NewSyncProducer(brokers, c)
	if err != nil {
		fail(err)
	}
	defer p.Close()
	msgs := make([]*sarama.ProducerMessage, n)
	for i := range msgs {
		msgs[i] = &sarama.ProducerMessage{Topic: topic, Key: sarama.StringEncoder(fmt.Sprintf("k%d", i)),
			Value: sarama.StringEncoder(strings.Repeat(fmt.Sprintf("%s value %d ", codec, i), 8))}
	}
	errors := []string{}
	if err := p.SendMessages(msgs); err != nil {
		if pe, ok := err.(sarama.ProducerErrors); ok {
			for _, e := range pe {
				errors = append(errors, e.Err.Error())
			}
		} else {
			errors = append(errors, err.Error())
		}
	}
	emit(map[string]interface{}{"acked": n - len(errors), "errors": errors})
}

func idempotent(brokers []string, topic string, n int) {
	var mu sync.Mutex
	acked := []string{}
	errors := []string{}
	var wg sync.WaitGroup
	for j := 0; j < 2; j++ {
		wg.Add(1)
		go func(j int) {
			defer wg.Done()
			c := config()
			c.Producer.Idempotent = true
			c.Net.MaxOpenRequests = 1
			c.Producer.Retry.Max = 5
			p, err := sarama.NewAsyncProducer(brokers, c)
			if err != nil {
				fail(err)
			}
			go func() {
				for i := 0; i < n; i++ {
					p.Input() <- &sarama.ProducerMessage{Topic: topic, Value: sarama.StringEncoder(fmt.Sprintf("producer%d-%d", j, i))}
				}
				p.AsyncClose()
			}()
			succ, errs := p.Successes(), p.Errors()
			for succ != nil || errs != nil {
				select {
				case m, ok := <-succ:
					if !ok {
						succ = nil
						continue
					}
					v, _ := m.Value.Encode()
					mu.Lock()
					acked = append(acked, string(v))
					mu.Unlock()
				case e, ok := <-errs:
					if !ok {
						errs = nil
						continue
					}
					mu.Lock()
					errors = append(errors, e.Err.Error())
					mu.Unlock()
				}
			}
		}(j)
	}
	wg.Wait()
	emit(map[string]interface{}{"acked": acked, "errors": errors})
}

type member struct {
	mu       sync.Mutex
	received []string
	claims   []int32
	shared   *shared
}

type shared struct {
	mu     sync.Mutex
	unique map[string]bool
}

func (m *member) Setup(s sarama.ConsumerGroupSession) error {
	m.mu.Lock()
	m.claims = append([]int32{}, s.Claims()[topicOf(s)]...)
	m.mu.Unlock()
	return nil
}
func (m *member) Cleanup(sarama.ConsumerGroupSession) error { return nil }
func (m *member) ConsumeClaim(s sarama.ConsumerGroupSession, claim sarama.ConsumerGroupClaim) error {
	for msg := range claim.Messages() {
		m.mu.Lock()
		m.received = append(m.received, string(msg.Value))
		m.mu.Unlock()
		m.shared.mu.Lock()
		m.shared.unique[string(msg.Value)] = true
		m.shared.mu.Unlock()
		s.MarkMessage(msg, "")
	}
	return nil
}

func topicOf(s sarama.ConsumerGroupSession) string {
	for t := range s.Claims() {
		return t
	}
	return ""
}

func group(brokers []string, topic, groupID string, expected int) {
	sh := &shared{unique: map[string]bool{}}
	members := []*member{{shared: sh, received: []string{}, claims: []int32{}}, {shared: sh, received: []string{}, claims: []int32{}}}
	groups := make([]sarama.ConsumerGroup, 2)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for i := range members {
		c := config()
		c.Consumer.Offsets.Initial = sarama.OffsetOldest
		c.Consumer.Offsets.CommitInterval = 100 * time.Millisecond
		c.Consumer.Group.Heartbeat.Interval = 300 * time.Millisecond
		c.Consumer.MaxWaitTime = 200 * time.Millisecond
		g, err := sarama.NewConsumerGroup(brokers, groupID, c)
		if err != nil {
			fail(err)
		}
		groups[i] = g
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			for ctx.Err() == nil {
				if err := groups[i].Consume(ctx, []string{topic}, members[i]); err != nil && ctx.Err() == nil {
					time.Sleep(100 * time.Millisecond)
				}
			}
		}(i)
	}
	deadline := time.Now().Add(45 * time.Second)
	for time.Now().Before(deadline) {
		sh.mu.Lock()
		n := len(sh.unique)
		sh.mu.Unlock()
		members[0].mu.Lock()
		a := len(members[0].claims)
		members[0].mu.Unlock()
		members[1].mu.Lock()
		b := len(members[1].claims)
		members[1].mu.Unlock()
		if n >= expected && a > 0 && b > 0 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	// Let the marked offsets of the last records be committed, then leave (Close commits too).
	time.Sleep(300 * time.Millisecond)
	cancel()
	for _, g := range groups {
		g.Close()
	}
	wg.Wait()
	received := [][]string{members[0].received, members[1].received}
	claims := [][]int32{members[0].claims, members[1].claims}
	emit(map[string]interface{}{"received": received, "assigned": claims})
}

func times(brokers []string, topic string, base int64) {
	c := config()
	p, err := sarama.NewSyncProducer(brokers, c)
	if err != nil {
		fail(err)
	}
	msgs := []*sarama.ProducerMessage{}
	for i := 0; i < 5; i++ {
		ts := base + int64(i)*1000
		msgs = append(msgs, &sarama.ProducerMessage{Topic: topic, Partition: 0, Value: sarama.StringEncoder(fmt.Sprintf("t%d", i)),
			Timestamp: time.Unix(0, ts*int64(time.Millisecond))})
	}
	if err := p.SendMessages(msgs); err != nil {
		fail(err)
	}
	p.Close()
	client, err := sarama.NewClient(brokers, c)
	if err != nil {
		fail(err)
	}
	defer client.Close()
	offsets := []int64{}
	for _, ts := range []int64{base + 2000, base + 10000} {
		o, err := client.GetOffset(topic, 0, ts)
		if err != nil {
			fail(err)
		}
		offsets = append(offsets, o)
	}
	emit(map[string]interface{}{"offsets": offsets})
}

func admin(brokers []string, prefix string) {
	a, err := sarama.NewClusterAdmin(brokers, config())
	if err != nil {
		fail(err)
	}
	defer a.Close()
	name := prefix + "-admin"
	retention := "3600000"
	if err := a.CreateTopic(name, &sarama.TopicDetail{NumPartitions: 2, ReplicationFactor: 2,
		ConfigEntries: map[string]*string{"retention.ms": &retention}}, false); err != nil {
		fail(err)
	}
	if err := a.CreatePartitions(name, 4, nil, false); err != nil {
		fail(err)
	}
	topics, err := a.ListTopics()
	if err != nil {
		fail(err)
	}
	entries, err := a.DescribeConfig(sarama.ConfigResource{Type: sarama.TopicResource, Name: name})
	if err != nil {
		fail(err)
	}
	got := ""
	for _, e := range entries {
		if e.Name == "retention.ms" {
			got = e.Value
		}
	}
	groups, err := a.ListConsumerGroups()
	if err != nil {
		fail(err)
	}
	names := []string{}
	for g := range groups {
		names = append(names, g)
	}
	sort.Strings(names)
	described, err := a.DescribeConsumerGroups(names)
	if err != nil {
		fail(err)
	}
	states := map[string]string{}
	for _, d := range described {
		states[d.GroupId] = d.State
	}
	if err := a.DeleteTopic(name); err != nil {
		fail(err)
	}
	emit(map[string]interface{}{"partitions": topics[name].NumPartitions, "retention": got, "groups": names, "states": states})
}

func main() {
	cmd, brokers := os.Args[1], strings.Split(os.Args[2], ",")
	args := os.Args[3:]
	num := func(s string) int { n, _ := strconv.Atoi(s); return n }
	switch cmd {
	case "produce":
		produce(brokers, args[0], args[1], num(args[2]))
	case "idempotent":
		idempotent(brokers, args[0], num(args[0+1]))
	case "group":
		group(brokers, args[0], args[1], num(args[2]))
	case "times":
		b, _ := strconv.ParseInt(args[1], 10, 64)
		times(brokers, args[0], b)
	case "admin":
		admin(brokers, args[0])
	default:
		fail(fmt.Errorf("unknown command %s", cmd))
	}
}
