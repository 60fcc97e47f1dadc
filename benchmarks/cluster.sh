#!/usr/bin/env bash
# The cluster path's cost, measured on one machine (docs/performance.md, "Distributed evaluation"):
#  1. `ganas proxies --archs random:N:1` in this process, one worker of one thread (the baseline);
#  2. the same with two local workers of one thread each (what this machine does without a cluster);
#  3. the same sent to two `ganas worker` processes (one lane of one thread each) with --cluster.
# Prints each run's wall time, the ratios to the baseline, the cluster's per-architecture overhead (round trip less
# the workers' evaluation time), and whether the three tables hold the same values (the seconds column aside).
#
#   benchmarks/cluster.sh [N=200]     # from the repository root, after `dotnet build -c Release`
set -euo pipefail
n=${1:-200}
ganas=${GANAS:-src/GaNas.Cli/bin/Release/net10.0/ganas}
data=${GANAS_BENCHMARK_DIR:-../shared/benchmarks}
[ -x "$ganas" ] || { echo "cluster.sh: $ganas not found; run 'dotnet build -c Release' first" >&2; exit 2; }
out=$(mktemp -d)
workers=()
cleanup() { for p in "${workers[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$out"; }
trap cleanup EXIT
common=(proxies --space tss --images "$data/images/cifar10-960" --table "$data/nats-tss/cifar10.csv" --archs "random:$n:1" --threads 1)

run() { # run <name> <args...>: one table, its wall time in $out/<name>.time
  local name=$1; shift
  local start end
  start=$(date +%s.%N)
  "$ganas" "${common[@]}" --out "$out/$name.csv" "$@" 2> "$out/$name.log"
  end=$(date +%s.%N)
  awk -v a="$start" -v b="$end" 'BEGIN { print b - a }' > "$out/$name.time"
  grep -E "^(cluster|proxies): " "$out/$name.log" | sed "s/^/  [$name] /"
}

run local-1 --workers 1
run local-2 --workers 2
"$ganas" worker --threads 1 --lanes 1 --silo-port 11111 --gateway-port 30000 2> "$out/worker-1.log" & workers+=($!)
"$ganas" worker --threads 1 --lanes 1 --silo-port 11112 --gateway-port 30001 2> "$out/worker-2.log" & workers+=($!)
run cluster-2 --cluster localhost:30000,30001

base=$(cat "$out/local-1.time")
for name in local-1 local-2 cluster-2; do
  t=$(cat "$out/$name.time")
  awk -v n="$name" -v t="$t" -v b="$base" 'BEGIN { printf "%-10s %8.1f s  speed-up over local-1 %.2fx\n", n, t, b / t }'
done
values() { cut -d, -f1-5 "$1" | sort; }  # index,arch,naswot,ni,logsynflow (seconds left out)
if [ "$(values "$out/local-1.csv")" = "$(values "$out/cluster-2.csv")" ] && [ "$(values "$out/local-1.csv")" = "$(values "$out/local-2.csv")" ]; then
  echo "values: the three tables are identical ($n rows)"
else
  echo "values: the tables differ" >&2
  exit 1
fi
