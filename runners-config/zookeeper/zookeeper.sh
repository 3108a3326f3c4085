#!/usr/bin/env bash
# Starts, stops and inspects a local Apache ZooKeeper 3.8.4 ensemble on loopback, class path
# resolved from Maven: the quorum behind Flink's high availability (cluster.sh with
# TRIBUTARY_FLINK_HA=zookeeper:<connect string>).
#
#   runners-config/zookeeper/zookeeper.sh start          # one node, client port 127.0.0.1:2181
#   ZK_NODES=3 runners-config/zookeeper/zookeeper.sh start   # a 3-node quorum, ports 2181-2183
#   runners-config/zookeeper/zookeeper.sh connect-string # 127.0.0.1:2181[,127.0.0.1:2182,...]
#   runners-config/zookeeper/zookeeper.sh status         # each node's mode (standalone/leader/follower)
#   runners-config/zookeeper/zookeeper.sh kill NODE      # kill -9 of node NODE (1..ZK_NODES), for drills
#   runners-config/zookeeper/zookeeper.sh stop
#
# State (config, data, logs, pids) lives in $TRIBUTARY_ZK_HOME (default /tmp/tributary-zookeeper).
# ZK_CLIENT_PORT moves the first client port (2181; node i listens on ZK_CLIENT_PORT+i-1);
# ZK_PEER_PORT and ZK_ELECTION_PORT move the quorum ports of a multi-node ensemble (2888, 3888;
# node i uses +i-1). ZK_NODES (1 or an odd number; default 1) is read by start; the other commands
# act on the nodes that start wrote down.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
state="${TRIBUTARY_ZK_HOME:-/tmp/tributary-zookeeper}"
client_port="${ZK_CLIENT_PORT:-2181}"
peer_port="${ZK_PEER_PORT:-2888}"
election_port="${ZK_ELECTION_PORT:-3888}"

die() { echo "zookeeper.sh: $*" >&2; exit 2; }

classpath() {
  if [ ! -s "$state/classpath.txt" ]; then
    mkdir -p "$state"
    mvn -q -B -f "$here/zookeeper-classpath.xml" dependency:build-classpath \
      -Dstyle.color=never -Dmdep.outputFile="$state/classpath.txt" >"$state/mvn.log" 2>&1 \
      || die "cannot resolve ZooKeeper's jars with Maven; see $state/mvn.log"
  fi
  cat "$state/classpath.txt"
}

# The ensemble start wrote down (node count, first client port), or the environment's.
nodes() { if [ -s "$state/nodes" ]; then cut -d' ' -f1 "$state/nodes"; else echo "${ZK_NODES:-1}"; fi; }
first_port() { if [ -s "$state/nodes" ]; then cut -d' ' -f2 "$state/nodes"; else echo "$client_port"; fi; }

connect_string() {
  local n first i out=""
  n=$(nodes); first=$(first_port)
  for ((i = 1; i <= n; i++)); do out="$out${out:+,}127.0.0.1:$((first + i - 1))"; done
  echo "$out"
}

alive() { [ -f "$state/node-$1/pid" ] && kill -0 "$(cat "$state/node-$1/pid")" 2>/dev/null; }

# A four-letter-word command to node $1 (srvr, ruok); prints the answer, empty if none.
ask() {
  local port=$(($(first_port) + $1 - 1))
  ( exec 3<>"/dev/tcp/127.0.0.1/$port" && printf '%s' "$2" >&3 && timeout 5 cat <&3 ) 2>/dev/null || true
}

mode() { ask "$1" srvr | sed -n 's/^Mode: //p'; }

configure() { # node count
  local n=$1 i j dir
  echo "$n $client_port" > "$state/nodes"
  for ((i = 1; i <= n; i++)); do
    dir="$state/node-$i"
    mkdir -p "$dir/data" "$dir/log"
    echo "$i" > "$dir/data/myid"
    {
      echo "# Written by runners-config/zookeeper/zookeeper.sh; node $i of $n."
      echo "tickTime=2000"
      echo "initLimit=10"
      echo "syncLimit=5"
      echo "dataDir=$dir/data"
      echo "clientPort=$((client_port + i - 1))"
      echo "clientPortAddress=127.0.0.1"
      echo "maxClientCnxns=100"
      # No embedded Jetty admin server (its jars are not on the class path; it would take :8080).
      echo "admin.enableServer=false"
      echo "4lw.commands.whitelist=srvr,ruok,mntr"
      echo "autopurge.snapRetainCount=3"
      echo "autopurge.purgeInterval=1"
      if [ "$n" -gt 1 ]; then
        for ((j = 1; j <= n; j++)); do
          echo "server.$j=127.0.0.1:$((peer_port + j - 1)):$((election_port + j - 1))"
        done
      fi
    } > "$dir/zoo.cfg"
  done
}

launch() { # node
  local i=$1 dir="$state/node-$1"
  if alive "$i"; then echo "node $i already running (pid $(cat "$dir/pid"))"; return; fi
  nohup java -Xmx256m -Dzookeeper.log.file="$dir/log/zookeeper.log" \
    -Dlogback.configurationFile="file:$here/logback.xml" -Dzookeeper.jmx.log4j.disable=true \
    -cp "$(classpath)" org.apache.zookeeper.server.quorum.QuorumPeerMain "$dir/zoo.cfg" \
    > "$dir/log/zookeeper.out" 2>&1 &
  echo $! > "$dir/pid"
  echo "node $i started (pid $!) on 127.0.0.1:$(($(first_port) + i - 1)), log $dir/log/zookeeper.log"
}

wait_ready() { # seconds
  local deadline=$((SECONDS + $1)) n i ok up
  n=$(nodes)
  while [ $SECONDS -lt $deadline ]; do
    ok=0 up=0
    for ((i = 1; i <= n; i++)); do
      if alive "$i"; then
        up=$((up + 1))
        if [ -n "$(mode "$i")" ]; then ok=$((ok + 1)); fi
      fi
    done
    [ $((2 * up)) -gt "$n" ] || die "only $up of $n nodes alive; see $state/node-*/log/zookeeper.out"

    # Serving once a majority has a mode (a lone node says standalone; a quorum, leader/follower).
    if [ $((2 * ok)) -gt "$n" ]; then echo "zookeeper ready: $(connect_string) ($ok of $n nodes serving)"; return 0; fi
    sleep 1
  done
  die "zookeeper not ready after $1 s; see $state/node-*/log/"
}

case "${1:-}" in
  start)
    n="${ZK_NODES:-1}"
    [[ "$n" =~ ^[1-9][0-9]*$ && $((n % 2)) -eq 1 ]] || die "ZK_NODES: expected 1, 3, 5, ... (an odd number), got '$n'"
    if [ -s "$state/nodes" ] && alive 1; then
      echo "zookeeper already running: $(connect_string)"; exit 0
    fi
    mkdir -p "$state"
    classpath > /dev/null
    configure "$n"
    for ((i = 1; i <= n; i++)); do launch "$i"; done
    wait_ready "${2:-60}"
    ;;
  start-node)
    [[ "${2:-}" =~ ^[0-9]+$ ]] && [ "$2" -ge 1 ] && [ "$2" -le "$(nodes)" ] || die "usage: zookeeper.sh start-node NODE (1..$(nodes))"
    launch "$2"
    wait_ready "${3:-60}"
    ;;
  kill)
    [[ "${2:-}" =~ ^[0-9]+$ ]] || die "usage: zookeeper.sh kill NODE (1..$(nodes))"
    alive "$2" || die "node $2 is not running"
    kill -9 "$(cat "$state/node-$2/pid")"; rm -f "$state/node-$2/pid"; echo "node $2 killed (-9)"
    ;;
  connect-string)
    connect_string
    ;;
  status)
    n=$(nodes)
    for ((i = 1; i <= n; i++)); do
      if alive "$i"; then
        echo "node $i: running (pid $(cat "$state/node-$i/pid")) mode=$(mode "$i")"
      else
        echo "node $i: stopped"
      fi
    done
    ;;
  stop)
    n=$(nodes)
    for ((i = 1; i <= n; i++)); do
      if alive "$i"; then kill "$(cat "$state/node-$i/pid")"; echo "node $i stopped"; fi
      rm -f "$state/node-$i/pid"
    done
    ;;
  *)
    die "usage: zookeeper.sh start [SECONDS]|stop|status|connect-string|kill NODE|start-node NODE"
    ;;
esac
