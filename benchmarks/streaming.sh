#!/usr/bin/env bash
# Issue 19, item 3: the streaming benchmark on a real local cluster. Kafka in, the streaming
# clickstream logic (parse + validate, dedup by event_id, 1-minute windows), an exactly-once Kafka
# sink out; once for Tributary (the bundled jar's CLI, --profile=flink-cluster --streaming=true)
# and once for a native Flink job with the same logic (NativeKafkaJob: KafkaSource read_committed,
# KafkaSink EXACTLY_ONCE, flink-connector-kafka 3.3.0-1.19). Then a markdown table on stdout (and
# in $OUT/streaming-table.md).
#
#   nice -n 10 benchmarks/streaming.sh                       # smoke: 60-s steps, RATES below
#   STEP_SECONDS=150 WINDOW_SECONDS=120 RATES="500 1000 2000 4000 8000 16000" \
#     benchmarks/streaming.sh                                # a full run on a quiet machine
#   SYSTEMS=native INTERVALS="1000" benchmarks/streaming.sh  # one system, one interval
#   TRIBUTARY_ARGS="--routerBuckets=2" ...                   # more options for Tributary's job
#   BUILD=0 ...                                              # reuse the last build
#
# For each system: a job at checkpoint interval FIRST_INTERVAL (the first of INTERVALS) steps the
# producer's rate through RATES until the first one that is not sustainable (StreamingBench's
# javadoc: lag slope over the last WINDOW_SECONDS below 1% of the rate, and a full drain), then
# one step at half the highest sustainable rate gives latency p50/p99; every further interval of
# INTERVALS gets its own job and one latency step at that same rate.
#
# It starts its own broker (127.0.0.1:$KAFKA_PORT) and standalone Flink 1.19 cluster (REST
# $FLINK_REST_PORT) with state under $OUT/streaming, and stops both on exit, failed or not.
# Launch it under `nice -n 10` on a shared machine: the broker, the cluster and the jobs inherit it.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
BUILD=${BUILD:-1}
OUT=${OUT:-/tmp/tributary-bench}
SYSTEMS=${SYSTEMS:-native tributary}
INTERVALS=${INTERVALS:-1000 10000}
RATES=${RATES:-500 1000 2000 3000 4000 6000}
STEP_SECONDS=${STEP_SECONDS:-60}
WINDOW_SECONDS=${WINDOW_SECONDS:-45}
DRAIN_SECONDS=${DRAIN_SECONDS:-30}
JOB_TIMEOUT=${JOB_TIMEOUT:-1800}   # seconds one driver run (one job) may take in all
TRIBUTARY_ARGS=${TRIBUTARY_ARGS:-} # further options of Tributary's CLI run, e.g. "--routerBuckets=2"
export FLINK_REST_PORT=${FLINK_REST_PORT:-19181}
export FLINK_RPC_PORT=${FLINK_RPC_PORT:-17123}
export KAFKA_PORT=${KAFKA_PORT:-19492}
export KAFKA_CONTROLLER_PORT=${KAFKA_CONTROLLER_PORT:-19493}
STATE="$OUT/streaming"
export TRIBUTARY_FLINK_HOME="$STATE/flink"
export TRIBUTARY_KAFKA_HOME="$STATE/kafka"
mkdir -p "$STATE"

if [ "$BUILD" = 1 ]; then
  # package, not install: the shared ~/.m2 is never written. -am builds the bundled pipelines jar.
  mvn -o -q -pl benchmarks -am package -Dmaven.test.skip=true -Dmaven.javadoc.skip=true -Dmaven.source.skip=true >&2
  mvn -o -q -pl benchmarks org.apache.maven.plugins:maven-dependency-plugin:3.8.1:build-classpath \
    -Dmdep.outputFile=target/cp.txt >&2
fi
BENCH_JAR="$ROOT/benchmarks/target/tributary-benchmarks-0.1.0-SNAPSHOT.jar"
CP="$BENCH_JAR:$(cat "$ROOT/benchmarks/target/cp.txt")"
BUNDLED="$ROOT/pipelines/target/tributary-pipelines-0.1.0-SNAPSHOT-bundled.jar"
# What the native job ships to the cluster (which has only Flink itself on its class path): its own
# classes, the Kafka connector, connector-base (provided in the connector's pom), kafka-clients and
# jackson-core (ClickParser).
JOB_JARS="$BENCH_JAR:$(echo "$CP" | tr ':' '\n' | grep -E '/(flink-connector-kafka|flink-connector-base|kafka-clients|jackson-core)-[0-9][^/]*\.jar$' | paste -sd:)"

cleanup() {
  runners-config/flink/cluster.sh stop >&2 || true
  runners-config/kafka/broker.sh stop >&2 || true
}
trap cleanup EXIT
rm -rf "$TRIBUTARY_KAFKA_HOME/data" "$TRIBUTARY_FLINK_HOME/checkpoints"
runners-config/kafka/broker.sh start 120 >&2
runners-config/flink/cluster.sh start 180 >&2

# What else was running: the load average and the busiest processes, before and after.
{ echo "before: $(uptime)"; ps -eo pcpu,nice,etimes,comm --sort=-pcpu | head -8; } > "$OUT/streaming-machine.txt"
RESULTS="$OUT/streaming-results.txt"
: > "$RESULTS"
JVM=(-Xmx1g --add-opens java.base/java.util=ALL-UNNAMED --add-opens java.base/java.lang=ALL-UNNAMED)
driver() { # system interval args... -> RESULT/SUMMARY lines appended to $RESULTS
  local log="$OUT/streaming-$1-$2.log"
  timeout "$JOB_TIMEOUT" java "${JVM[@]}" -cp "$CP" io.tributary.benchmarks.StreamingBench \
    --system="$1" --checkpoint-ms="$2" --master="localhost:$FLINK_REST_PORT" \
    --bootstrap="127.0.0.1:$KAFKA_PORT" --jar="$BUNDLED" --jars="$JOB_JARS" --out="$STATE/out" \
    --step-seconds="$STEP_SECONDS" --window-seconds="$WINDOW_SECONDS" --drain-seconds="$DRAIN_SECONDS" \
    --tributary-args="$TRIBUTARY_ARGS" --tm-pid-file="$TRIBUTARY_FLINK_HOME/taskmanager.pid" \
    "${@:3}" 2>"$log" | grep --line-buffered -E '^(RESULT|SUMMARY)' | tee -a "$RESULTS" >&2 \
    || echo "FAILED $1 at $2 ms (see $log)" | tee -a "$RESULTS" >&2
}

first=$(echo "$INTERVALS" | awk '{print $1}')
for system in $SYSTEMS; do
  driver "$system" "$first" --rates="$(echo "$RATES" | tr ' ' ',')"
  max=$(awk -v S="$system" -v I="$first" '$1 == "SUMMARY" && $2 == "system=" S && $3 == "checkpoint_ms=" I { sub("max_sustainable=", "", $4); print $4 }' "$RESULTS" | tail -1)
  for interval in $INTERVALS; do
    [ "$interval" = "$first" ] && continue
    if [ -n "$max" ] && [ "$max" -gt 0 ]; then
      driver "$system" "$interval" --latency-rate=$((max / 2))
    fi
  done
done

{
  echo "| system | checkpoint interval s | step | rate ev/s | achieved ev/s | sent | visible | duplicates | lag slope ev/s² | max lag | drained | sustainable | latency p50 / p99 / max ms | TaskManager CPU µs/event | restarts | load (1m,5m,15m) before |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
  awk '$1 == "RESULT" { delete kv; for (i = 2; i <= NF; i++) { split($i, p, "="); kv[p[1]] = p[2] }
    if (kv["step"] == "warmup") kv["sustainable"] = "-"
    cpu = kv["tm_cpu_us_per_event"] == "" || kv["tm_cpu_us_per_event"] < 0 ? "-" : kv["tm_cpu_us_per_event"]
    printf "| %s | %g | %s | %\047d | %\047d | %\047d | %\047d | %d | %s | %\047d | %s | %s | %d / %d / %d | %s | %d | %s |\n", kv["system"], kv["checkpoint_ms"] / 1000, kv["step"], kv["rate"], kv["achieved_rate"], kv["sent"], kv["visible"], kv["duplicates"], kv["lag_slope_per_s"], kv["lag_max"], kv["drained"], kv["sustainable"], kv["p50_ms"], kv["p99_ms"], kv["max_ms"], cpu, kv["restarts"], kv["load"] }
    $1 == "FAILED" { print "| " $0 " |" }' "$RESULTS"
  echo
  echo "| system @ checkpoint interval | max sustainable ev/s (≥: no rate of RATES failed) | latency step rate ev/s |"
  echo "|---|---|---|"
  awk '$1 == "SUMMARY" { delete kv; for (i = 2; i <= NF; i++) { split($i, p, "="); kv[p[1]] = p[2] }
    max = kv["max_sustainable"] > 0 ? sprintf("%s%\047d", kv["limit_found"] == "false" ? "≥ " : "", kv["max_sustainable"]) : "(not searched)"
    printf "| %s @ %g s | %s | %\047d |\n", kv["system"], kv["checkpoint_ms"] / 1000, max, kv["latency_rate"] }' "$RESULTS"
  echo
  echo "Machine: $(nproc) cores, $(free -g | awk '/^Mem:/{print $2}') GiB, $(java -version 2>&1 | head -1); uptime at end: $(uptime)"
} | tee "$OUT/streaming-table.md"
{ echo "after: $(uptime)"; ps -eo pcpu,nice,etimes,comm --sort=-pcpu | head -8; } >> "$OUT/streaming-machine.txt"
