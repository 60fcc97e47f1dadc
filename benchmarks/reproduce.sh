#!/usr/bin/env bash
# Reproduces the paper's NATS-Bench table for one space and dataset from this project's own proxy table:
# 30 runs x 1,000 evaluations each of the size baselines (GA by params: the largest network; RS by params),
# RS by NI, NASWOT, LogSynFlow and rk, and GA-rk, SA-rk, REA-rk
# (seeds 0..29), written to benchmarks/results/{space}-{dataset}-{strategy}-{score}.json, then the
# Markdown table and (with ground truth) the best-so-far plot. When the extension table
# {space}-{dataset}.extra.csv[.gz] (AZ-NAS expressivity/progressivity, MeCo) exists, the project's scores
# lrk, trk, srk (chosen on CIFAR-10), ctrk (the default on TSS) and csrk (the default on SSS) are benched too (RS, GA, SA, REA), on the two
# tables joined by index, and GA and RS with the space's default score as {space}-{dataset}-{ga,rs}-default.json.
#
#   benchmarks/reproduce.sh tss cifar10 ../shared/benchmarks/nats-tss/cifar10.csv   # with ground truth
#   benchmarks/reproduce.sh sss cifar100                                            # architectures only
#
# Run from the repository root after `dotnet build -c Release`.
set -euo pipefail
space=${1:?usage: benchmarks/reproduce.sh tss|sss cifar10|cifar100|imagenet16-120 [truth.csv]}
dataset=${2:?usage: benchmarks/reproduce.sh tss|sss cifar10|cifar100|imagenet16-120 [truth.csv]}
truth=${3:-}
ganas=${GANAS:-src/GaNas.Cli/bin/Release/net10.0/ganas}
[ -x "$ganas" ] || { echo "reproduce.sh: $ganas not found; run 'dotnet build -c Release' first" >&2; exit 2; }
table=benchmarks/proxies/$space-$dataset.csv.gz
[ -f "$table" ] || table=benchmarks/proxies/$space-$dataset.csv
[ -f "$table" ] || { echo "reproduce.sh: no proxy table benchmarks/proxies/$space-$dataset.csv[.gz]" >&2; exit 2; }
truth_args=()
if [ -n "$truth" ]; then truth_args=(--truth "$truth"); fi
mkdir -p benchmarks/results
# bench <strategy> <score> <proxy tables>: 30 runs x 1,000 evaluations, seeds 0..29.
bench() {
  "$ganas" bench --space "$space" --strategy "$1" --score "$2" --proxies "$3" "${truth_args[@]}" \
    --runs 30 --evaluations 1000 --seed 0 --out "benchmarks/results/$space-$dataset-$1-$2.json"
}
for run in "ga params" "rs params" "rs ni" "rs naswot" "rs logsynflow" "rs rk" "ga rk" "sa rk" "rea rk"; do
  bench $run "$table"
done
extra=benchmarks/proxies/$space-$dataset.extra.csv.gz
[ -f "$extra" ] || extra=benchmarks/proxies/$space-$dataset.extra.csv
if [ -f "$extra" ]; then
  for score in lrk trk srk ctrk csrk; do
    for strategy in rs ga sa rea; do bench "$strategy" "$score" "$table,$extra"; done
  done
  # The space's default (ctrk on TSS with its best 10 re-scored under 4 more initialisations, csrk on SSS) under its
  # own name, for the results pages. Re-scoring computes the finalists' repeats live on the table's images.
  classes=10
  case "$dataset" in cifar100) classes=100 ;; imagenet16-120) classes=120 ;; esac
  images=${GANAS_BENCHMARK_DIR:-../shared/benchmarks}/images/${dataset%-120}-960
  for strategy in ga rs; do
    "$ganas" bench --space "$space" --strategy "$strategy" --score default --proxies "$table,$extra" "${truth_args[@]}" \
      --runs 30 --evaluations 1000 --seed 0 --images "$images" --classes "$classes" --table-seed 0 --threads 1 --workers 2 \
      --out "benchmarks/results/$space-$dataset-$strategy-default.json"
  done
fi
plot_args=()
if [ -n "$truth" ]; then plot_args=(--plot "benchmarks/results/$space-$dataset-curve.png"); fi
"$ganas" summarize --results benchmarks/results --prefix "$space-$dataset" "${plot_args[@]}" | tee "benchmarks/results/$space-$dataset.md"
