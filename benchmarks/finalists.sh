#!/usr/bin/env bash
# Runs the search itself on select-score's finalists: for each score given, GA with 30 runs x 1,000 evaluations
# (seeds 0..29) on one space's CIFAR-10 and CIFAR-100 tables, and prints the mean test accuracy on each with
# the regret against the table's best architecture. select-score's elite objective only predicts what a GA
# returns; this measures it. Nothing is written to benchmarks/results.
#
#   benchmarks/finalists.sh tss 'log:logsynflow+2*meco+naswot+0.5*top(az_progressivity)' trk ...
#
# Run from the repository root after `dotnet build -c Release`; the ground truth is read from ../shared.
set -euo pipefail
space=${1:?usage: benchmarks/finalists.sh tss|sss score [score ...]}
shift
[ $# -gt 0 ] || { echo "finalists.sh: name at least one score" >&2; exit 2; }
ganas=${GANAS:-src/GaNas.Cli/bin/Release/net10.0/ganas}
shared=${GANAS_SHARED:-../shared/benchmarks}
[ -x "$ganas" ] || { echo "finalists.sh: $ganas not found; run 'dotnet build -c Release' first" >&2; exit 2; }
out=$(mktemp)
trap 'rm -f "$out"' EXIT
# mean <json>: the summary's mean test accuracy (the first "mean" after "test_acc").
mean() { grep -A1 '"test_acc": {' "$1" | sed -n 's/.*"mean": \([0-9.]*\).*/\1/p' | head -1; }
# The best test accuracy of each table, read once: the regret's reference.
declare -A best
for dataset in cifar10 cifar100; do
  truth="$shared/nats-$space/$dataset.csv"
  [ -f "$truth" ] || { echo "finalists.sh: no ground truth $truth" >&2; exit 2; }
  best[$dataset]=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "test_acc") c = i; next } c && $c > m { m = $c } END { print m }' "$truth")
done
printf '%s\t%s\t%s\t%s\n' score cifar10 cifar100 worst_regret
for score in "$@"; do
  line="$score"
  worst=0
  for dataset in cifar10 cifar100; do
    truth="$shared/nats-$space/$dataset.csv"
    "$ganas" bench --space "$space" --strategy ga --score "$score" \
      --proxies "benchmarks/proxies/$space-$dataset.csv.gz,benchmarks/proxies/$space-$dataset.extra.csv.gz" \
      --truth "$truth" --runs 30 --evaluations 1000 --seed 0 --out "$out" > /dev/null
    acc=$(mean "$out")
    [ -n "$acc" ] || { echo "finalists.sh: no test accuracy in the bench of '$score' on $dataset" >&2; exit 1; }
    regret=$(awk -v b="${best[$dataset]}" -v a="$acc" 'BEGIN { printf "%.2f", b - a }')
    worst=$(awk -v w="$worst" -v r="$regret" 'BEGIN { print (r > w ? r : w) }')
    line="$line	$acc"
  done
  printf '%s\t%s\n' "$line" "$worst"
done
