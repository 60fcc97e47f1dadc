#!/usr/bin/env bash
# The paper's Table 1 on this project's proxies: Kendall tau and Spearman rho of NTK, SNIP, Fisher, GraSP, NASWOT,
# SynFlow and LogSynFlow against NATS-Bench TSS test accuracy, on 1,000 random architectures (the same ones for every
# column), each the mean over three weight initialisations (--seed 0, 1, 2 with one image batch, --batch-seed 0),
# on CIFAR-10 and CIFAR-100 images and ground truth.
#
#   benchmarks/table1.sh [OUT_DIR=benchmarks/proxies/table1] [WORKERS=2]     # from the repository root, after `dotnet build -c Release`
#
# Three phases, each over CIFAR-10 then CIFAR-100 (so that six of the seven rows of both columns are complete before
# the long NTK phase), each resumable (rerun the same command and every table continues where it stopped):
#   1. Fisher, GraSP, NASWOT, SynFlow, LogSynFlow -> OUT_DIR/tss-{cifar10,cifar100}-seed{0,1,2}.csv
#   2. SNIP                                       -> OUT_DIR/tss-{cifar10,cifar100}-seed{0,1,2}.snip.csv
#   3. NTK                                        -> OUT_DIR/tss-{cifar10,cifar100}-seed{0,1,2}.ntk.csv
# (SNIP has a file of its own since it was recomputed from one pass over the whole batch; docs/scores.md says why.)
# NTK costs one backward pass of the 64-image batch per image, about 20-35 s per architecture on one thread here, so
# phase 3 is most of the work (docs/scores.md, "The paper's Table 1", has the measured costs). The correlations are
# printed once every table is complete. The binary may be a copy (GANAS=/path/to/ganas), so that a rebuild of the
# working tree does not replace the DLLs under a running job.
set -euo pipefail
out=${1:-benchmarks/proxies/table1}
workers=${2:-2}
ganas=${GANAS:-src/GaNas.Cli/bin/Release/net10.0/ganas}
data=${GANAS_BENCHMARK_DIR:-../shared/benchmarks}
archs=random:1000:1
[ -x "$ganas" ] || { echo "table1.sh: $ganas not found; run 'dotnet build -c Release' first" >&2; exit 2; }
mkdir -p "$out"

classes_of() { [ "$1" = cifar100 ] && echo 100 || echo 10; }

compute() { # dataset seed proxies table trim-every
  local resume=(); [ -s "$4" ] && resume=(--resume) # expanded as ${resume[@]+...}: bash before 4.4 calls an empty array unbound under set -u
  "$ganas" proxies --space tss --images "$data/images/$1-960" --table "$data/nats-tss/$1.csv" --classes "$(classes_of "$1")" \
    --archs "$archs" --proxies "$3" --seed "$2" --batch-seed 0 --threads 1 --workers "$workers" --trim-every "$5" --out "$4" ${resume[@]+"${resume[@]}"}
}

for phase in cheap snip ntk; do
  for dataset in cifar10 cifar100; do
    for seed in 0 1 2; do
      # Freed native memory goes back to the OS after every architecture (--trim-every 1): the five and NTK free gigabytes
      # each, which glibc would otherwise keep until the default trim every 32 (docs/scores.md, "Memory of the job").
      # SNIP frees little, and trimming after each of its architectures costs it about two thirds of its rate (same section).
      case $phase in
        cheap) compute "$dataset" "$seed" fisher,grasp,naswot,synflow,logsynflow "$out/tss-$dataset-seed$seed.csv" 1 ;;
        snip) compute "$dataset" "$seed" snip "$out/tss-$dataset-seed$seed.snip.csv" 32 ;;
        ntk) compute "$dataset" "$seed" ntk "$out/tss-$dataset-seed$seed.ntk.csv" 1 ;;
      esac
    done
  done
done

for dataset in cifar10 cifar100; do
  tables=()
  for seed in 0 1 2; do tables+=(--proxies "$out/tss-$dataset-seed$seed.csv,$out/tss-$dataset-seed$seed.snip.csv,$out/tss-$dataset-seed$seed.ntk.csv"); done
  echo "== $dataset: mean over the three initialisations =="
  "$ganas" correlate "${tables[@]}" --truth "$data/nats-tss/$dataset.csv"
done
