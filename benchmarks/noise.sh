#!/usr/bin/env bash
# How much the proxies' rankings move with the image batch and with the weight initialisation (issue 16, item 3):
# N random TSS architectures (the same ones throughout), the proxies of the default scores and of rk, computed
#   - with three image batches (--batch-seed 0, 1, 2) and one initialisation (--seed 0), and
#   - with one batch (--batch-seed 0) and three initialisations (--seed 0, 1, 2),
# then `ganas correlate` over each set of three as repeats: each repeat's Kendall tau against test accuracy, and how
# the repeats agree with one another (mean pairwise Kendall, overlap of their top 10 %), for the proxies and for
# the scores rk, trk (the TSS default) and lrk. The tables of the figures in docs/scores.md are committed in
# benchmarks/proxies/noise/ (rerunning the script with that folder only runs the correlations).
#
#   benchmarks/noise.sh [DATASET=cifar10] [N=300] [OUT_DIR=benchmarks/proxies/noise]   # after `dotnet build -c Release`
set -euo pipefail
dataset=${1:-cifar10}
n=${2:-300}
out=${3:-benchmarks/proxies/noise}
ganas=${GANAS:-src/GaNas.Cli/bin/Release/net10.0/ganas}
data=${GANAS_BENCHMARK_DIR:-../shared/benchmarks}
[ -x "$ganas" ] || { echo "noise.sh: $ganas not found; run 'dotnet build -c Release' first" >&2; exit 2; }
classes=10; [ "$dataset" = cifar100 ] && classes=100
mkdir -p "$out"
proxies=naswot,ni,logsynflow,synflow,az_expressivity,az_progressivity,meco
table() { # table <batch seed> <weight seed>
  local file="$out/tss-$dataset-b$1-w$2.csv" resume=()
  [ -s "$file" ] && resume=(--resume)
  "$ganas" proxies --space tss --images "$data/images/$dataset-960" --table "$data/nats-tss/$dataset.csv" --classes "$classes" \
    --archs "random:$n:2" --proxies "$proxies" --batch-seed "$1" --seed "$2" --threads 1 --workers 2 --out "$file" "${resume[@]}" >&2
  echo "$file"
}
b0=$(table 0 0); b1=$(table 1 0); b2=$(table 2 0); w1=$(table 0 1); w2=$(table 0 2)
scores=(--hybrid rk --hybrid trk --hybrid lrk)
echo "== $dataset, three image batches (one initialisation) =="
"$ganas" correlate --proxies "$b0" --proxies "$b1" --proxies "$b2" --truth "$data/nats-tss/$dataset.csv" "${scores[@]}"
echo "== $dataset, three initialisations (one image batch) =="
"$ganas" correlate --proxies "$b0" --proxies "$w1" --proxies "$w2" --truth "$data/nats-tss/$dataset.csv" "${scores[@]}"
