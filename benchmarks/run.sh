#!/usr/bin/env bash
# Issue 10: one script run = every variant on the same generated input on this machine, then a
# markdown table on stdout (and in $OUT/table.md). Nothing here runs in mvn's test phase.
#
#   benchmarks/run.sh                           # N=100000, all variants, Direct runner at 2,000 lines
#   SIZES="100000 1000000" benchmarks/run.sh    # add 1e6 (about 10 more minutes on 2 busy cores)
#   JMH=1 benchmarks/run.sh                     # also the JMH hot-path microbenchmarks
#   ONLY=expr benchmarks/run.sh                 # only ExpressionBenchmark (CEL vs Janino vs lambda) and
#                                               # the engines' error messages; about 2 minutes
#   DEDUP_STATE=1 benchmarks/run.sh             # also Dedup state memory vs N (streaming)
#   ONLY=join-state SIZES="1000000 10000000" benchmarks/run.sh
#                                               # only interval-join state memory vs N (streaming)
#   ONLY=asof-state benchmarks/run.sh           # only AsOfJoin state memory vs N (ASOF_SIZES, LATENESS s,
#                                               # ASOF_SOURCE=unbounded|generate)
#   ONLY=dedup-state SIZES=1000000 benchmarks/run.sh
#                                               # only Dedup state memory vs N at TTL 1 min and 24 h
#                                               # (DEDUP_TTLS, DEDUP_SOURCE=unbounded|generate)
#   ONLY=cdc-versions benchmarks/run.sh         # only Cdc events/s at 10, 100, 1,000 versions per key
#                                               # (CDC_LINES events, CDC_VERSIONS; CDC_BASELINE_JAR=a
#                                               # transforms jar to compare with); about 2 minutes
#   SPEC=1 benchmarks/run.sh                    # also clickstream as a spec vs the Java job (issue 16)
#   STEADY=4 FORKS=3 SIZES=1000000 benchmarks/run.sh
#                                               # also (e), (b), (c), (c'), (a) 4 rounds in one JVM, 3 JVMs
#                                               # each, interleaved: steady and cold medians, ratios per JVM
#   CDS=0 ...                                   # without the row of (a) on a class-data-sharing archive
#   BUILD=0 ...                                 # reuse the last build
#
# The streaming benchmark on a real cluster (Kafka in, exactly-once Kafka sink out, Tributary vs
# native Flink; issue 19) is its own script: benchmarks/streaming.sh.
#
# Every row carries the 1-minute load average read just before that variant started: on a shared
# machine the numbers are disturbed and the load says by how much.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
SIZES=${SIZES:-100000}
DIRECT_LINES=${DIRECT_LINES:-2000}
JMH=${JMH:-0}
BUILD=${BUILD:-1}
PAR1=${PAR1:-1}              # also run (a) and (b) at parallelism 1 ...
PAR1_MAX=${PAR1_MAX:-100000} # ... for N up to this
DIRECT=${DIRECT:-1}          # run (d), the Direct runner, on DIRECT_LINES lines
CDS=${CDS:-1}                # also (a) started on a class-data-sharing archive, as pipelines/bin/tributary starts it
SPEC=${SPEC:-0}               # clickstream-as-spec vs the Java clickstream, same JVM, alternating rounds
SPEC_ROUNDS=${SPEC_ROUNDS:-5}
DEDUP_STATE=${DEDUP_STATE:-0} # Dedup state memory vs N at TTL 1 min and 24 h (streaming, synthetic input)
STEADY=${STEADY:-0}           # R > 1: also (e), (b), (c), (a) R times each in one JVM; ratios of rounds 2..R (no JIT warm-up)
FORKS=${FORKS:-1}             # F > 1: the STEADY JVMs F times each, interleaved, odd forks in one order and even forks
                              # in the reverse; medians over the forks, and each fork's ratios as a range
HEAP=${HEAP:--Xmx3g}
OUT=${OUT:-/tmp/tributary-bench}
mkdir -p "$OUT"

if [ "$BUILD" = 1 ]; then
  # package, not install: the shared ~/.m2 is never written.
  mvn -q -pl benchmarks -am package -Dmaven.test.skip=true -Dmaven.javadoc.skip=true -Dmaven.source.skip=true \
    dependency:build-classpath -Dmdep.outputFile=target/cp.txt >&2
fi
CP="$ROOT/benchmarks/target/tributary-benchmarks-0.1.0-SNAPSHOT.jar:$(cat "$ROOT/benchmarks/target/cp.txt")"

if [ "${ONLY:-}" = expr ]; then
  before=$(cut -d' ' -f1-3 /proc/loadavg)
  java -cp "$CP" org.openjdk.jmh.Main ExpressionBenchmark -prof gc -rf text -rff "$OUT/expr-jmh.txt" >"$OUT/expr-jmh.log" 2>&1
  echo "ExpressionBenchmark (ns/op, one op = one row; 5 warm-up + 5 measured 1-s iterations, 1 fork; load average before: $before, after: $(cut -d' ' -f1-3 /proc/loadavg)):"
  echo '```'
  grep -v -E 'gc\.(count|time|alloc\.rate )' "$OUT/expr-jmh.txt"
  echo '```'
  echo
  echo "Errors reported by each engine:"
  echo
  java -cp "$CP" io.tributary.benchmarks.jmh.ExpressionErrors 2>/dev/null
  exit 0
fi
# Native Flink's Kryo needs these on Java 17 (STACK.md); given to every JVM so all run alike.
JVM=("$HEAP" --add-opens java.base/java.util=ALL-UNNAMED --add-opens java.base/java.lang=ALL-UNNAMED
     --add-opens java.base/java.lang.reflect=ALL-UNNAMED --add-opens java.base/java.io=ALL-UNNAMED)

dedup_state() { # Dedup state memory vs N at TTL 1 min and 24 h (streaming, synthetic input; DedupStateJob)
  : > "$OUT/dedup-state.txt"
  for n in $SIZES; do
    for ttl in ${DEDUP_TTLS:-1 1440}; do
      load=$(cut -d' ' -f1 /proc/loadavg)
      java "${JVM[@]}" -cp "$CP" io.tributary.benchmarks.BenchMain --variant=dedup-state --lines="$n" --ttl="$ttl" --parallelism=2 \
        --source="${DEDUP_SOURCE:-unbounded}" 2>"$OUT/last-stderr.log" \
        | grep '^RESULT' | sed "s/$/ load=$load/" >> "$OUT/dedup-state.txt" || echo "FAILED dedup-state $n $ttl" >&2
    done
  done
  echo
  echo "Dedup state memory (streaming, watermark advancing 10 ms of event time per element, each id twice, source ${DEDUP_SOURCE:-unbounded}):"
  echo
  echo "| N | TTL | unique out | live heap after full GC at 45% / 90% MiB | max heap after any GC MiB | peak RSS MiB | events/s | load (1m) |"
  echo "|---|---|---|---|---|---|---|---|"
  awk '{ delete kv; for (i = 2; i <= NF; i++) { split($i, p, "="); kv[p[1]] = p[2] }
    ttl = kv["variant"]; sub(/.*\+ttl/, "", ttl); sub(/\+.*/, "", ttl)
    printf "| %d | %s | %d | %s / %s | %d | %d | %\047d | %s |\n", kv["lines"], ttl, kv["events"], kv["live_heap_mib_at_45pct"], kv["live_heap_mib_at_90pct"], kv["max_heap_after_gc_mib"], kv["peak_rss_mib"], kv["events_per_s"], kv["load"] }' "$OUT/dedup-state.txt"
}
if [ "${ONLY:-}" = dedup-state ]; then
  dedup_state
  exit 0
fi
if [ "${ONLY:-}" = join-state ]; then
  # Interval-join state memory vs N at a fixed bound (streaming, synthetic input, 1,000 keys).
  JOIN_BOUND_MS=${JOIN_BOUND_MS:-1000}
  JOIN_PAR=${JOIN_PAR:-2}
  JOIN_RATE=${JOIN_RATE:-0} # elements per second the source may emit; 0 = as fast as it can
  JOIN_SOURCE=${JOIN_SOURCE:-unbounded} # or generate: GenerateSequence.to(N), watermark stuck (the first runs)
  : > "$OUT/join-state.txt"
  for n in $SIZES; do
    load=$(cut -d' ' -f1-3 /proc/loadavg)
    java "${JVM[@]}" -cp "$CP" io.tributary.benchmarks.BenchMain --variant=interval-join-state --lines="$n" \
      --bound-ms="$JOIN_BOUND_MS" --parallelism="$JOIN_PAR" --rate="$JOIN_RATE" --source="$JOIN_SOURCE" 2>"$OUT/last-stderr.log" \
      | grep '^RESULT' | sed "s/$/ load=${load// /,}/" >> "$OUT/join-state.txt" || echo "FAILED join-state $n" >&2
  done
  echo "Interval-join state memory (streaming, watermark advancing 10 ms of event time per element, bound ${JOIN_BOUND_MS} ms each way, 1,000 keys, parallelism ${JOIN_PAR}, source rate ${JOIN_RATE}/s (0 = unthrottled), source ${JOIN_SOURCE}; PROGRESS lines in $OUT/last-stderr.log):"
  echo
  echo "| N | joined rows | live heap after full GC at 25% / 50% / 75% / 100% MiB | rows held by the join at 25% / 50% / 75% / 100% | watermark lag at the probe (elements) at 25% / 50% / 75% / 100% | max heap after any GC MiB | peak RSS MiB | events/s | load (1m,5m,15m) |"
  echo "|---|---|---|---|---|---|---|---|---|"
  awk '{ delete kv; for (i = 2; i <= NF; i++) { split($i, p, "="); kv[p[1]] = p[2] }
    printf "| %\047d | %\047d | %s | %s | %s | %d | %d | %\047d | %s |\n", kv["lines"], kv["joined"], kv["live_heap_mib_at_25_50_75_100pct"], kv["held_in_join_at_25_50_75_100pct"], kv["lag_elements_at_25_50_75_100pct"], kv["max_heap_after_gc_mib"], kv["peak_rss_mib"], kv["events_per_s"], kv["load"] }' "$OUT/join-state.txt"
  exit 0
fi
if [ "${ONLY:-}" = asof-state ]; then
  # AsOfJoin state memory vs N at a fixed lateness (streaming, synthetic input; AsOfJoinStateJob).
  ASOF_SOURCE=${ASOF_SOURCE:-unbounded} # or generate: GenerateSequence.to(N), watermark stuck (the first runs)
  : > "$OUT/asof-state.txt"
  for n in ${ASOF_SIZES:-1000000 10000000}; do
    load=$(cut -d' ' -f1-3 /proc/loadavg)
    java "${JVM[@]}" -cp "$CP" io.tributary.benchmarks.BenchMain --variant=asof-state --lines="$n" --lateness="${LATENESS:-60}" --parallelism=2 \
      --source="$ASOF_SOURCE" 2>"$OUT/last-stderr.log" \
      | grep '^RESULT' | sed "s/$/ load=${load// /,}/" >> "$OUT/asof-state.txt" || echo "FAILED asof-state $n" >&2
  done
  echo "AsOfJoin state memory (streaming, lateness ${LATENESS:-60} s, 1,000 keys, parallelism 2, source ${ASOF_SOURCE}; PROGRESS lines in $OUT/last-stderr.log):"
  echo
  echo "| N | facts joined | live heap after full GC at 25/50/75/100% MiB | versions held at 25/50/75/100% | facts not yet joined at 25/50/75/100% | max heap after any GC MiB | peak RSS MiB | events/s | load (1m,5m,15m) |"
  echo "|---|---|---|---|---|---|---|---|---|"
  awk '{ delete kv; for (i = 2; i <= NF; i++) { split($i, p, "="); kv[p[1]] = p[2] }
    printf "| %\047d | %\047d | %s | %s | %s | %d | %d | %\047d | %s |\n", kv["lines"], kv["aggregates"], kv["live_heap_mib_at_25_50_75_100pct"], kv["versions_held_at_25_50_75_100pct"], kv["facts_not_joined_at_25_50_75_100pct"], kv["max_heap_after_gc_mib"], kv["peak_rss_mib"], kv["events_per_s"], kv["load"] }' "$OUT/asof-state.txt"
  exit 0
fi

if [ "${ONLY:-}" = cdc-versions ]; then
  # Cdc changelog events/s as the versions per key grow at a fixed N (streaming; CdcVersionsJob).
  # CDC_BASELINE_JAR (e.g. an older build's transforms jar) runs every row again with it in place
  # of this build's transforms, for the before/after.
  : > "$OUT/cdc-versions.txt"
  builds="this"
  if [ -n "${CDC_BASELINE_JAR:-}" ]; then builds="this baseline"; fi
  for v in ${CDC_VERSIONS:-10 100 1000}; do
    for b in $builds; do
      cp_b="$CP"
      if [ "$b" = baseline ]; then
        cp_b=$(echo "$CP" | tr ':' '\n' | sed "s#.*/tributary-transforms-[^/]*\.jar\$#$CDC_BASELINE_JAR#;s#.*/transforms/target/classes\$#$CDC_BASELINE_JAR#" | paste -sd:)
      fi
      load=$(cut -d' ' -f1 /proc/loadavg)
      java "${JVM[@]}" -cp "$cp_b" io.tributary.benchmarks.BenchMain --variant=cdc-versions \
        --lines="${CDC_LINES:-50000}" --versions="$v" --parallelism=1 2>"$OUT/last-stderr.log" \
        | grep '^RESULT' | sed "s/$/ build=$b versions=$v load=$load/" >> "$OUT/cdc-versions.txt" \
        || echo "FAILED cdc-versions $v $b (see $OUT/last-stderr.log)" >&2
    done
  done
  echo "| transforms | versions per key | keys | events | out of order | history rows | events/s | events/CPU-s | load (1m) |"
  echo "|---|---|---|---|---|---|---|---|---|"
  awk '{ delete kv; for (i = 2; i <= NF; i++) { split($i, p, "="); kv[p[1]] = p[2] }
    printf "| %s | %\047d | %\047d | %\047d | %\047d | %\047d | %\047d | %\047d | %s |\n", kv["build"], kv["versions"], kv["lines"] / kv["versions"], kv["lines"], kv["superseded"], kv["aggregates"], kv["events_per_s"], kv["events_per_cpu_s"], kv["load"] }' "$OUT/cdc-versions.txt"
  exit 0
fi

input() { # lines -> path of the deterministic input (seed 42)
  local f="$OUT/clicks-$1.jsonl"
  if [ ! -s "$f" ]; then
    java testdata/clickstream/GenerateClickstream.java --seed=42 --lines="$1" --out="$f" \
      --expected="$OUT/clicks-$1.expected.json" >/dev/null
  fi
  echo "$f"
}

RESULTS="$OUT/results.txt"
: > "$RESULTS"
run() { # variant-args...
  local load; load=$(cut -d' ' -f1 /proc/loadavg)
  local line
  if line=$(java "${JVM[@]}" -cp "$CP" io.tributary.benchmarks.BenchMain "$@" 2>"$OUT/last-stderr.log" | grep '^RESULT'); then
    echo "$line" | sed "s/\$/ load=$load${FORK:+ fork=$FORK}/" | tee -a "$RESULTS" >&2
  else
    echo "FAILED $* (see $OUT/last-stderr.log)" >&2
    echo "RESULT variant=FAILED:$* load=$load${FORK:+ fork=$FORK}" >> "$RESULTS"
  fi
}

cds_run() { # input -> (a) once to record the classes it loads, an archive of them, then (a) on it
  local list="$OUT/cds.classlist" jsa="$OUT/cds.jsa" saved=("${JVM[@]}")
  rm -f "$list" "$jsa"
  if java "${JVM[@]}" -XX:DumpLoadedClassList="$list" -cp "$CP" io.tributary.benchmarks.BenchMain \
      --variant=tributary-flink --input="$1" --parallelism=2 >/dev/null 2>"$OUT/last-stderr.log" &&
    java -Xshare:dump -XX:SharedClassListFile="$list" -XX:SharedArchiveFile="$jsa" -cp "$CP" >"$OUT/cds-dump.log" 2>&1; then
    JVM+=(-XX:SharedArchiveFile="$jsa")
    run --variant=tributary-flink --input="$1" --parallelism=2 --label=cds
    JVM=("${saved[@]}")
  else
    echo "RESULT variant=FAILED:cds-archive load=$(cut -d' ' -f1 /proc/loadavg)" >> "$RESULTS"
  fi
}

for n in $SIZES; do
  f=$(input "$n")
  run --variant=plain --input="$f"
  run --variant=native-flink --input="$f" --parallelism=2
  run --variant=beam-flink --input="$f" --parallelism=2
  run --variant=tributary-flink --input="$f" --parallelism=2
  run --variant=tributary-flink --input="$f" --parallelism=2 --fast
  run --variant=tributary-flink --input="$f" --parallelism=2 --fused=false
  if [ "$CDS" = 1 ]; then
    cds_run "$f"
  fi
  if [ "$PAR1" = 1 ] && [ "$n" -le "$PAR1_MAX" ]; then
    run --variant=native-flink --input="$f" --parallelism=1
    run --variant=tributary-flink --input="$f" --parallelism=1
  fi
  if [ "$STEADY" -gt 1 ]; then
    # Forks interleaved, and every other fork in the reverse order, so that a machine that slows
    # down or speeds up during the run does not favour the variant that always runs first or last.
    for ((k = 1; k <= FORKS; k++)); do
      order="plain native-flink beam-flink beam-flink-dlq tributary-flink"
      if ((k % 2 == 0)); then order="tributary-flink beam-flink-dlq beam-flink native-flink plain"; fi
      for v in $order; do
        FORK=$k run --variant=$v --input="$f" --parallelism=2 --rounds="$STEADY"
      done
    done
  fi
done
if [ "$DIRECT" = 1 ]; then
  fd=$(input "$DIRECT_LINES")
  run --variant=tributary-direct --input="$fd" --checks=on
  run --variant=tributary-direct --input="$fd" --checks=off
fi

{
  echo "| variant | N lines | par | events/s (first→last) | first→last s | events/CPU-s | CPU s (first→end) | start-up s | start-up CPU s | after last s | peak RSS MiB | max heap after GC MiB | aggregates | events | load (1m) |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
  awk '{
    delete kv; for (i = 2; i <= NF; i++) { split($i, p, "="); kv[p[1]] = p[2] }
    if (kv["variant"] ~ /^FAILED/) { printf "| %s | | | | | | | | | | | | | | %s |\n", kv["variant"], kv["load"]; next }
    printf "| %s | %d | %d | %\047d | %.1f | %\047d | %.1f | %.1f | %.1f | %.1f | %d | %d | %d | %d | %s |\n", kv["variant"], kv["lines"], kv["parallelism"],
      kv["events_per_s"], kv["first_to_last_ms"] / 1000, kv["events_per_cpu_s"], kv["cpu_s"], kv["startup_ms"] / 1000, kv["startup_cpu_s"], kv["after_last_ms"] / 1000,
      kv["peak_rss_mib"], kv["max_heap_after_gc_mib"], kv["aggregates"], kv["events"], kv["load"] }' "$RESULTS"
  echo
  echo "Ratios, per N, parallelism 2, default options unless named. Wall: events/s first→last. CPU: events per CPU-second"
  echo "(a/e on CPU compares per-core efficiency; the wall target a ≥ 1/8 of 2·e assumes (a) keeps 2 cores busy)."
  echo
  echo "| N | metric | b/a (target ≤ 1.5) | a/(2·e) wall, a/e CPU (target ≥ 0.125) | c/a (target ≤ 1.10) | a+fast/a |"
  echo "|---|---|---|---|---|---|"
  for metric in events_per_s events_per_cpu_s; do
    awk -v METRIC="$metric" '{
      delete kv; for (i = 2; i <= NF; i++) { split($i, p, "="); kv[p[1]] = p[2] }
      k = kv["variant"] "@" kv["lines"] "@" kv["parallelism"]; eps[k] = kv[METRIC]; if (!(kv["lines"] in seen)) { seen[kv["lines"]] = 1; order[++m] = kv["lines"] }
    } END {
      for (j = 1; j <= m; j++) { n = order[j]; a = eps["tributary-flink@" n "@2"]; if (a == "" || eps["plain@" n "@1"] == "") continue
        cores = METRIC == "events_per_s" ? 2 : 1
        printf "| %d | %s | %.2f | %.3f | %.2f | %.2f |\n", n, METRIC == "events_per_s" ? "wall" : "CPU", eps["native-flink@" n "@2"] / a,
          a / (cores * eps["plain@" n "@1"]), eps["beam-flink@" n "@2"] / a, eps["tributary-flink+fast@" n "@2"] / a }
    }' "$RESULTS"
  done
  if [ "$STEADY" -gt 1 ]; then
    echo
    echo "Steady state: each of (e), (b), (c), (c'), (a) ran $STEADY times in one JVM (\`--rounds=$STEADY\`), in $FORKS JVM(s) per"
    echo "variant (FORKS; interleaved, every other fork in the reverse order). Events per CPU-second. Steady: each JVM's median"
    echo "of rounds 2..$STEADY, then the median over the JVMs. Cold: round 1 (it pays the JIT compiling the job), the median over"
    echo "the single run above and every steady JVM's first round. \"per JVM\": the range of the ratios JVM by JVM (fork k"
    echo "of one variant against fork k of the other; fork 0 is the single run), which shows how far one JVM's ratio can"
    echo "stray from the median. (c') is (c) with Beam's own bad-record output for rejected lines (\`beam-flink-dlq\`):"
    echo "(a)'s dead-letter guarantee in built-ins."
    echo
    echo "| N | | plain (e) | native (b) | Beam (c) | Beam + dead letters (c') | Tributary (a) | b/a (target ≤ 1.5) | c/a (target ≤ 1.10) | c'/a | a/e (target ≥ 0.125) | (a) per JVM |"
    echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
    awk '
      function median(list,   x, n, i, j, t) { n = split(list, x, " "); if (n == 0) return 0
        for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (x[j] + 0 < x[i] + 0) { t = x[i]; x[i] = x[j]; x[j] = t }
        return n % 2 ? x[(n + 1) / 2] : (x[n / 2] + x[n / 2 + 1]) / 2 }
      function add(list, v) { return list (list == "" ? "" : " ") v }
      function range(list,   x, n, i, lo, hi) { n = split(list, x, " "); if (n == 0) return "–"; lo = hi = x[1]
        for (i = 2; i <= n; i++) { if (x[i] + 0 < lo + 0) lo = x[i]; if (x[i] + 0 > hi + 0) hi = x[i] }
        return n == 1 ? sprintf("%.2f", lo) : sprintf("%.2f–%.2f", lo, hi) }
      # The ratio num/den JVM by JVM, over the forks both variants have (kind: steady or cold).
      function perJvm(kind, num, den, n, invert,   f, out, x, y) { out = ""
        for (f = 0; f <= maxFork; f++) { x = val[kind "@" num "@" n "@" f]; y = val[kind "@" den "@" n "@" f]
          if (x == "" || y == "" || x + 0 == 0 || y + 0 == 0) continue
          out = add(out, invert ? y / x : x / y) }
        return range(out) }
      { delete kv; for (i = 2; i <= NF; i++) { split($i, p, "="); kv[p[1]] = p[2] }
        v = kv["variant"]; if (v ~ /^FAILED/) next
        r = 1; if (v ~ /\+round[0-9]+$/) { r = v; sub(/.*\+round/, "", r); sub(/\+round[0-9]+$/, "", v) }
        if (v !~ /^(plain|native-flink|beam-flink|beam-flink-dlq|tributary-flink)$/) next
        if (v != "plain" && kv["parallelism"] != 2) next
        n = kv["lines"]; f = ("fork" in kv) ? kv["fork"] + 0 : 0; if (f > maxFork) maxFork = f
        if (!(n in seen)) { seen[n] = 1; order[++m] = n }
        if (r + 0 == 1) { val["cold@" v "@" n "@" f] = kv["events_per_cpu_s"]; cold[v "@" n] = add(cold[v "@" n], kv["events_per_cpu_s"]) }
        else rounds[v "@" n "@" f] = add(rounds[v "@" n "@" f], kv["events_per_cpu_s"])
      }
      END {
        for (k in rounds) { split(k, q, "@"); x = median(rounds[k]); val["steady@" k] = x; steady[q[1] "@" q[2]] = add(steady[q[1] "@" q[2]], x) }
        for (j = 1; j <= m; j++) { n = order[j]
          for (kind = 1; kind <= 2; kind++) { K = kind == 1 ? "steady" : "cold"
            split("plain native-flink beam-flink beam-flink-dlq tributary-flink", vs, " ")
            for (i = 1; i <= 5; i++) med[vs[i]] = median(K == "steady" ? steady[vs[i] "@" n] : cold[vs[i] "@" n])
            a = med["tributary-flink"]; if (a == 0) continue
            aj = ""; for (f = 0; f <= maxFork; f++) if (val[K "@tributary-flink@" n "@" f] != "") aj = add(aj, sprintf("%\047d", val[K "@tributary-flink@" n "@" f]))
            printf "| %d | %s (median) | %\047d | %\047d | %\047d | %\047d | %\047d | %.2f | %.2f | %.2f | %.3f | %s |\n", n, K,
              med["plain"], med["native-flink"], med["beam-flink"], med["beam-flink-dlq"], a,
              med["native-flink"] / a, med["beam-flink"] / a, med["beam-flink-dlq"] / a, (med["plain"] > 0 ? a / med["plain"] : 0), aj
            printf "| %d | %s, per JVM | | | | | | %s | %s | %s | %s | |\n", n, K,
              perJvm(K, "native-flink", "tributary-flink", n, 0), perJvm(K, "beam-flink", "tributary-flink", n, 0),
              perJvm(K, "beam-flink-dlq", "tributary-flink", n, 0), perJvm(K, "plain", "tributary-flink", n, 1)
          } } }' "$RESULTS"
  fi
  echo
  echo "Start-up (JVM start to the first record), seconds, parallelism 2 (target for (a): at most 5 s on an idle machine):"
  echo
  echo "| N | native (b) | Beam (c) | Tributary (a) | (a) on a class-data archive |"
  echo "|---|---|---|---|---|"
  awk '{ delete kv; for (i = 2; i <= NF; i++) { split($i, p, "="); kv[p[1]] = p[2] }
      if (kv["parallelism"] != 2) next
      s[kv["variant"] "@" kv["lines"]] = sprintf("%.1f", kv["startup_ms"] / 1000); if (!(kv["lines"] in seen)) { seen[kv["lines"]] = 1; order[++m] = kv["lines"] }
    } END { for (j = 1; j <= m; j++) { n = order[j]; if (s["tributary-flink@" n] == "") continue
      printf "| %d | %s | %s | %s | %s |\n", n, s["native-flink@" n], s["beam-flink@" n], s["tributary-flink@" n], s["tributary-flink+cds@" n] } }' "$RESULTS"
  echo
  echo "Machine: $(nproc) cores, $(free -g | awk '/^Mem:/{print $2}') GiB, $(java -version 2>&1 | head -1); uptime at end: $(uptime)"
} | tee "$OUT/table.md"

if [ "$DEDUP_STATE" = 1 ]; then
  dedup_state
fi

if [ "$JMH" = 1 ]; then
  echo
  before=$(cut -d' ' -f1-3 /proc/loadavg)
  java -cp "$CP" org.openjdk.jmh.Main HotPaths -rf text -rff "$OUT/jmh.txt" >"$OUT/jmh.log" 2>&1
  echo "JMH (ns/op, one op = one record; 2 warm-up + 3 measured 1-s iterations, 1 fork; load average before: $before, after: $(cut -d' ' -f1-3 /proc/loadavg)):"
  echo '```'
  cat "$OUT/jmh.txt"
  echo '```'
fi

if [ "$SPEC" = 1 ]; then
  # The spec builds the same transforms as the Java job; target: within 5% (wall and CPU medians).
  n=$(echo "$SIZES" | awk '{print $1}')
  f=$(input "$n")
  load=$(cut -d' ' -f1 /proc/loadavg)
  java "${JVM[@]}" -cp "$CP" io.tributary.benchmarks.ClickstreamSpecBench --input="$f" \
    --spec=pipelines/specs/clickstream.yaml --rounds="$SPEC_ROUNDS" --parallelism=2 \
    2>"$OUT/spec-stderr.log" | tee "$OUT/spec.txt" | grep -E '^(RESULT|SUMMARY)' >&2 || echo "FAILED spec bench (see $OUT/spec-stderr.log)" >&2
  echo
  echo "Clickstream as a spec vs the Java job ($n lines, embedded Flink, parallelism 2, 1 warm-up round, then $SPEC_ROUNDS alternating rounds, medians; load before: $load):"
  echo
  echo "| variant | wall s | CPU s |"
  echo "|---|---|---|"
  awk '/^SUMMARY/ { for (i = 2; i <= NF; i++) { split($i, p, "="); kv[p[1]] = p[2] }
    printf "| java | %s | %s |\n| spec | %s | %s |\n| spec/java | %s | %s |\n", kv["baseline_wall_s"], kv["baseline_cpu_s"], kv["spec_wall_s"], kv["spec_cpu_s"], kv["wall_ratio"], kv["cpu_ratio"] }' "$OUT/spec.txt"
fi
