#!/usr/bin/env bash
# Chooses how many of a search's final candidates to score again, under how many other weight seeds
# (FinalistRescoring; issue 16, item 3). For one space and score (default: the space's default), GA with 30 runs x 1,000 evaluations
# (seeds 0..29) on the CIFAR-10 and CIFAR-100 proxy tables, for re-scoring off and for every pair of
# FINALISTS x REPEATS below; the repeats are computed live on the images the tables were computed on (batch and
# table seed 0, weight seeds 1, 2, ...). Prints the mean test accuracy on each table. The choice is made on one
# CIFAR (the highest mean; on a tie, the cheaper setting) and the other is its validation (docs/scores.md,
# "Re-scoring the finalists"). Nothing is written to benchmarks/results.
#
#   benchmarks/rescoring.sh tss|sss [SCORE=default] [FINALISTS="5 10 20"] [REPEATS="2 4 8"]   # after `dotnet build -c Release`
set -euo pipefail
space=${1:?usage: benchmarks/rescoring.sh tss|sss [SCORE] [FINALISTS] [REPEATS]}
score=${2:-default}
finalists=${3:-5 10 20}
repeats=${4:-2 4 8}
ganas=${GANAS:-src/GaNas.Cli/bin/Release/net10.0/ganas}
data=${GANAS_BENCHMARK_DIR:-../shared/benchmarks}
[ -x "$ganas" ] || { echo "rescoring.sh: $ganas not found; run 'dotnet build -c Release' first" >&2; exit 2; }
out=$(mktemp)
trap 'rm -f "$out"' EXIT
# mean <json>: the summary's mean test accuracy (the first "mean" after "test_acc").
mean() { grep -A1 '"test_acc": {' "$1" | sed -n 's/.*"mean": \([0-9.]*\).*/\1/p' | head -1; }
bench() { # bench <dataset> [re-scoring options...]
  local dataset=$1 classes=10
  shift
  [ "$dataset" = cifar100 ] && classes=100
  "$ganas" bench --space "$space" --strategy ga --score "$score" \
    --proxies "benchmarks/proxies/$space-$dataset.csv.gz,benchmarks/proxies/$space-$dataset.extra.csv.gz" \
    --truth "$data/nats-$space/$dataset.csv" --runs 30 --evaluations 1000 --seed 0 --out "$out" \
    --images "$data/images/$dataset-960" --classes "$classes" --table-seed 0 --threads 1 --workers 2 "$@" > /dev/null 2>&1 \
    || { echo "rescoring.sh: the bench on $dataset with '$*' failed" >&2; exit 1; }
  local acc
  acc=$(mean "$out")
  [ -n "$acc" ] || { echo "rescoring.sh: no test accuracy in the bench on $dataset with '$*'" >&2; exit 1; }
  echo "$acc"
}
printf 'finalists\trepeats\tcifar10\tcifar100\n'
printf '%s\t%s\t%s\t%s\n' off - "$(bench cifar10 --rescore-finalists 1)" "$(bench cifar100 --rescore-finalists 1)"
for f in $finalists; do
  for r in $repeats; do
    printf '%s\t%s\t%s\t%s\n' "$f" "$r" "$(bench cifar10 --rescore-finalists "$f" --rescore-repeats "$r")" "$(bench cifar100 --rescore-finalists "$f" --rescore-repeats "$r")"
  done
done
