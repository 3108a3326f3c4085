#!/usr/bin/env bash
# Starts, stops and inspects a single-node Kafka 3.9.1 broker (KRaft, no ZooKeeper) on loopback,
# its class path resolved from Maven: the broker of the streaming scenario in docs/operations.md.
#
#   runners-config/kafka/broker.sh start                 # PLAINTEXT on 127.0.0.1:9092
#   runners-config/kafka/broker.sh create-topic clicks 2 # name, partitions
#   runners-config/kafka/broker.sh topics
#   runners-config/kafka/broker.sh produce-live clicks --count=3000 --rate=100  # events with event time now
#   runners-config/kafka/broker.sh count clicks-clean    # read_committed: records, distinct keys, duplicates
#   runners-config/kafka/broker.sh status
#   runners-config/kafka/broker.sh stop
#
# State (config, data, log, pid) lives in $TRIBUTARY_KAFKA_HOME (default /tmp/tributary-kafka).
# KAFKA_PORT and KAFKA_CONTROLLER_PORT move the ports (9092, 9093).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
state="${TRIBUTARY_KAFKA_HOME:-/tmp/tributary-kafka}"
port="${KAFKA_PORT:-9092}"
cport="${KAFKA_CONTROLLER_PORT:-9093}"
bootstrap="127.0.0.1:$port"

die() { echo "broker.sh: $*" >&2; exit 2; }

classpath() {
  if [ ! -s "$state/classpath.txt" ]; then
    mkdir -p "$state"
    mvn -q -B -f "$here/broker-classpath.xml" dependency:build-classpath \
      -Dstyle.color=never -Dmdep.outputFile="$state/classpath.txt" >"$state/mvn.log" 2>&1 \
      || die "cannot resolve Kafka's jars with Maven; see $state/mvn.log"
  fi
  cat "$state/classpath.txt"
}

tool() { # main-class args...
  java -Dlog4j.configuration="file:$here/log4j.properties" -Dkafka.logs.dir="$state/log" \
    -cp "$(classpath)" "$@"
}

alive() { [ -f "$state/broker.pid" ] && kill -0 "$(cat "$state/broker.pid")" 2>/dev/null; }

ready() { tool org.apache.kafka.tools.TopicCommand --bootstrap-server "$bootstrap" --list >/dev/null 2>&1; }

case "${1:-}" in
  start)
    if alive; then echo "broker already running (pid $(cat "$state/broker.pid")) on $bootstrap"; exit 0; fi
    mkdir -p "$state/data" "$state/log"
    sed -e "s#@STATE@#$state#g" -e "s#@PORT@#$port#g" -e "s#@CONTROLLER_PORT@#$cport#g" \
      "$here/server.properties" > "$state/server.properties"
    if [ ! -f "$state/data/meta.properties" ]; then
      tool kafka.tools.StorageTool format -t "$(tool kafka.tools.StorageTool random-uuid)" \
        -c "$state/server.properties" > "$state/log/format.out" 2>&1 \
        || die "cannot format $state/data; see $state/log/format.out"
    fi
    nohup java -Xmx512m -Dlog4j.configuration="file:$here/log4j.properties" -Dkafka.logs.dir="$state/log" \
      -cp "$(classpath)" kafka.Kafka "$state/server.properties" > "$state/log/broker.out" 2>&1 &
    echo $! > "$state/broker.pid"
    deadline=$((SECONDS + ${2:-60}))
    until ready; do
      alive || die "broker exited; see $state/log/broker.out and broker.log"
      [ $SECONDS -lt $deadline ] || die "broker not ready after ${2:-60} s; see $state/log/"
      sleep 1
    done
    echo "broker ready on $bootstrap (pid $(cat "$state/broker.pid")), log $state/log/broker.log"
    ;;
  create-topic)
    [ -n "${2:-}" ] || die "usage: broker.sh create-topic NAME [PARTITIONS]"
    tool org.apache.kafka.tools.TopicCommand --bootstrap-server "$bootstrap" --create --if-not-exists \
      --topic "$2" --partitions "${3:-1}" --replication-factor 1
    ;;
  produce-live|count)
    cmd=$1; [ -n "${2:-}" ] || die "usage: broker.sh $cmd TOPIC [--option=value ...]"
    topic=$2; shift 2
    tool "$here/KafkaTool.java" "$cmd" "$bootstrap" "$topic" "$@"
    ;;
  topics)
    tool org.apache.kafka.tools.TopicCommand --bootstrap-server "$bootstrap" --describe
    ;;
  stop)
    if alive; then
      kill "$(cat "$state/broker.pid")"
      for _ in $(seq 1 30); do alive || break; sleep 1; done
      alive && kill -9 "$(cat "$state/broker.pid")"
      echo "broker stopped"
    fi
    rm -f "$state/broker.pid"
    ;;
  status)
    if alive; then echo "broker: running (pid $(cat "$state/broker.pid")) on $bootstrap"; else echo "broker: stopped"; fi
    ;;
  *)
    die "usage: broker.sh start|stop|status|create-topic NAME [PARTITIONS]|topics|produce-live TOPIC --count=N [--rate=R]|count TOPIC"
    ;;
esac
