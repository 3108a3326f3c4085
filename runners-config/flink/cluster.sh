#!/usr/bin/env bash
# Starts, stops and inspects a standalone Flink 1.19.0 session cluster on localhost:
# one JobManager and one TaskManager, each its own JVM, class path resolved from Maven.
#
#   runners-config/flink/cluster.sh start            # web UI and REST on http://localhost:8081
#   runners-config/flink/cluster.sh status
#   runners-config/flink/cluster.sh kill-taskmanager # kill -9, for fault drills
#   runners-config/flink/cluster.sh start-taskmanager
#   runners-config/flink/cluster.sh kill-jobmanager  # kill -9, for fault drills
#   runners-config/flink/cluster.sh start-jobmanager
#   runners-config/flink/cluster.sh stop
#
# State (config, logs, checkpoints, savepoints, pids) lives in $TRIBUTARY_FLINK_HOME
# (default /tmp/tributary-flink). FLINK_REST_PORT and FLINK_RPC_PORT move the ports (8081, 6123);
# FLINK_TASK_SLOTS sets the TaskManager's slots (2: one job of parallelism 2). FLINK_JVM_OPTS adds
# options to both JVMs (unset: the JVM's defaults); the test drills, whose jobs are small, use
# "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC" (docs/operations.md, "A lean submission client").
#
# High availability: with TRIBUTARY_FLINK_HA=zookeeper:<host:port[,host:port...]> (a quorum such
# as runners-config/zookeeper/zookeeper.sh starts), start writes ZooKeeper HA into the config:
# leader election and the job/checkpoint registry in ZooKeeper under the cluster id
# TRIBUTARY_FLINK_HA_CLUSTER_ID (default /tributary), job graphs, jars and checkpoint handles in
# $TRIBUTARY_FLINK_HOME/ha. A JobManager started after one died takes over its jobs and restores
# them from their last completed checkpoint. Unset (the default): no HA, as before.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
state="${TRIBUTARY_FLINK_HOME:-/tmp/tributary-flink}"
port="${FLINK_REST_PORT:-8081}"
rpc_port="${FLINK_RPC_PORT:-6123}"
slots="${FLINK_TASK_SLOTS:-2}"
conf="$state/conf"

die() { echo "cluster.sh: $*" >&2; exit 2; }

classpath() {
  if [ ! -s "$state/classpath.txt" ]; then
    mkdir -p "$state"
    mvn -q -B -f "$here/cluster-classpath.xml" dependency:build-classpath \
      -Dstyle.color=never -Dmdep.outputFile="$state/classpath.txt" >"$state/mvn.log" 2>&1 \
      || die "cannot resolve Flink's jars with Maven; see $state/mvn.log"
  fi
  cat "$state/classpath.txt"
}

configure() {
  mkdir -p "$conf" "$state/log" "$state/checkpoints" "$state/savepoints" "$state/web-upload" "$state/tmp"
  sed -e "s#@STATE@#$state#g" -e "s#^rest.port: .*#rest.port: $port#" \
    -e "s#^jobmanager.rpc.port: .*#jobmanager.rpc.port: $rpc_port#" \
    -e "s#^taskmanager.numberOfTaskSlots: .*#taskmanager.numberOfTaskSlots: $slots#" \
    "$here/conf/config.yaml" > "$conf/config.yaml"
  cp "$here/conf/log4j.properties" "$conf/log4j.properties"
  ha_config >> "$conf/config.yaml"
}

# The high-availability lines of config.yaml for TRIBUTARY_FLINK_HA; none when it is unset.
ha_config() {
  local ha="${TRIBUTARY_FLINK_HA:-}"
  [ -n "$ha" ] || return 0
  case "$ha" in
    zookeeper:?*) ;;
    *) die "TRIBUTARY_FLINK_HA: expected zookeeper:<host:port[,host:port...]>, got '$ha'" ;;
  esac
  mkdir -p "$state/ha"
  cat <<YAML

# High availability (cluster.sh, TRIBUTARY_FLINK_HA): ZooKeeper elects the leading JobManager and
# keeps the running jobs and their latest completed checkpoints; the files behind them live below.
high-availability.type: zookeeper
high-availability.zookeeper.quorum: ${ha#zookeeper:}
high-availability.zookeeper.path.root: /flink
high-availability.cluster-id: ${TRIBUTARY_FLINK_HA_CLUSTER_ID:-/tributary}
high-availability.storageDir: file://$state/ha
# The RPC port stays the one asked for (HA would pick a random one).
high-availability.jobmanager.port: $rpc_port
# A new JobManager becomes leader once the dead one's ZooKeeper session expires: 15 s instead of
# 60 s (which a ZooKeeper with tickTime 2 s caps at 40 s anyway).
high-availability.zookeeper.client.session-timeout: 15000
YAML
}

ha_mode() { grep -q '^high-availability.type: zookeeper' "$conf/config.yaml" 2>/dev/null && echo "zookeeper ($(sed -n 's/^high-availability.zookeeper.quorum: //p' "$conf/config.yaml"))" || echo none; }

alive() { [ -f "$state/$1.pid" ] && kill -0 "$(cat "$state/$1.pid")" 2>/dev/null; }

launch() { # name main-class
  local name=$1 main=$2
  if alive "$name"; then echo "$name already running (pid $(cat "$state/$name.pid"))"; return; fi
  # Flink's own scripts open these packages on Java 17 (env.java.opts.all): Kryo, which Flink uses
  # for operator state such as Beam's stable-input buffers, fails at the first checkpoint without.
  # shellcheck disable=SC2086 # FLINK_JVM_OPTS is a list of options, split on purpose
  nohup java -Xmx1g ${FLINK_JVM_OPTS:-} \
    --add-opens java.base/java.util=ALL-UNNAMED --add-opens java.base/java.lang=ALL-UNNAMED \
    --add-opens java.base/java.lang.reflect=ALL-UNNAMED --add-opens java.base/java.io=ALL-UNNAMED \
    --add-opens java.base/java.net=ALL-UNNAMED --add-opens java.base/java.nio=ALL-UNNAMED \
    --add-opens java.base/java.time=ALL-UNNAMED --add-opens java.base/sun.nio.ch=ALL-UNNAMED \
    -Dlog.file="$state/log/$name.log" -Dlog4j.configurationFile="file:$conf/log4j.properties" \
    -cp "$(classpath)" "$main" --configDir "$conf" > "$state/log/$name.out" 2>&1 &
  echo $! > "$state/$name.pid"
  echo "$name started (pid $!), log $state/log/$name.log"
}

overview() { curl -fsS "http://localhost:$port/overview" 2>/dev/null; }

wait_ready() { # seconds
  local deadline=$((SECONDS + $1))
  while [ $SECONDS -lt $deadline ]; do
    if overview | grep -q '"taskmanagers":[1-9]'; then
      echo "cluster ready: http://localhost:$port ($(overview))"; return 0
    fi
    sleep 1
  done
  die "cluster not ready after $1 s; see $state/log/"
}

stop_one() {
  if alive "$1"; then kill "$(cat "$state/$1.pid")"; echo "$1 stopped"; fi
  rm -f "$state/$1.pid"
}

case "${1:-}" in
  start)
    command -v curl >/dev/null || die "curl is required"
    configure
    launch jobmanager org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint
    launch taskmanager org.apache.flink.runtime.taskexecutor.TaskManagerRunner
    wait_ready "${2:-90}"
    ;;
  start-taskmanager)
    launch taskmanager org.apache.flink.runtime.taskexecutor.TaskManagerRunner
    wait_ready "${2:-90}"
    ;;
  kill-taskmanager)
    alive taskmanager || die "no TaskManager running"
    kill -9 "$(cat "$state/taskmanager.pid")"; rm -f "$state/taskmanager.pid"; echo "taskmanager killed (-9)"
    ;;
  start-jobmanager)
    # With the config start wrote (HA or not): a JobManager in place of one that died.
    [ -f "$conf/config.yaml" ] || die "no config in $conf: run cluster.sh start first"
    launch jobmanager org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint
    wait_ready "${2:-90}"
    ;;
  kill-jobmanager)
    alive jobmanager || die "no JobManager running"
    kill -9 "$(cat "$state/jobmanager.pid")"; rm -f "$state/jobmanager.pid"
    echo "jobmanager killed (-9); high availability: $(ha_mode)"
    ;;
  stop)
    stop_one taskmanager; stop_one jobmanager
    ;;
  status)
    for n in jobmanager taskmanager; do
      if alive $n; then echo "$n: running (pid $(cat "$state/$n.pid"))"; else echo "$n: stopped"; fi
    done
    echo "high availability: $(ha_mode)"
    overview && echo || echo "REST: not answering on :$port"
    ;;
  *)
    die "usage: cluster.sh start|stop|status|start-taskmanager|kill-taskmanager|start-jobmanager|kill-jobmanager"
    ;;
esac
