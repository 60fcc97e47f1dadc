#!/usr/bin/env bash
# The paper's Table 1 on this project's proxies: Kendall tau and Spearman rho of NTK, SNIP, Fisher, GraSP, NASWOT,
# SynFlow and LogSynFlow against NATS-Bench TSS test accuracy, on 1,000 random architectures (the same ones for every
# column), each the mean over three weight initialisations (--seed 0, 1, 2 with one image batch, --batch-seed 0),
# on CIFAR-10 and CIFAR-100 images and ground truth.
#
#   benchmarks/table1.sh [OUT_DIR=benchmarks/proxies/table1] [WORKERS=2]     # from the repository root, after `dotnet build -c Release`
#
# Resumable: rerun the same command and each table continues where it stopped. Cost on this 2-core machine, two
# one-thread workers: NTK takes about 11 s per architecture (one backward pass of the 64-image batch per image),
# GraSP about 2.3 s, the other five together about 2 s, so about 15 s per architecture and seed: 6,000 architecture-seeds,
# about 12.5 hours in all.
set -euo pipefail
out=${1:-benchmarks/proxies/table1}
workers=${2:-2}
ganas=${GANAS:-src/GaNas.Cli/bin/Release/net10.0/ganas}
data=${GANAS_BENCHMARK_DIR:-../shared/benchmarks}
[ -x "$ganas" ] || { echo "table1.sh: $ganas not found; run 'dotnet build -c Release' first" >&2; exit 2; }
mkdir -p "$out"
proxies=ntk,snip,fisher,grasp,naswot,synflow,logsynflow
for dataset in cifar10 cifar100; do
  classes=10; [ "$dataset" = cifar100 ] && classes=100
  tables=()
  for seed in 0 1 2; do
    table="$out/tss-$dataset-seed$seed.csv"
    resume=(); [ -s "$table" ] && resume=(--resume)
    "$ganas" proxies --space tss --images "$data/images/$dataset-960" --table "$data/nats-tss/$dataset.csv" --classes "$classes" \
      --archs random:1000:1 --proxies "$proxies" --seed "$seed" --batch-seed 0 --threads 1 --workers "$workers" --out "$table" "${resume[@]}"
    tables+=(--proxies "$table")
  done
  echo "== $dataset: mean over the three initialisations =="
  "$ganas" correlate "${tables[@]}" --truth "$data/nats-tss/$dataset.csv"
done
