#!/bin/sh
# bench-scaling.sh: weak scaling of training over the cores, each worker thread or MPI rank with
# the same work (ENVS envs x 64 steps of CONFIG, 2 minibatches, UPDATES updates, no early stop):
#  1. one process with W worker threads and W x ENVS envs, for W in COUNTS;
#  2. R MPI ranks of ENVS envs and 1 worker each, for R in COUNTS;
#  3. the ceiling: 1, then the largest of COUNTS, independent single-worker processes at once
#     (no communication at all: what the cores give when nothing waits on anything).
# Prints each configuration's end-to-end env steps/s, its speed-up over 1 and its parallel
# efficiency (speed-up / count).
# Usage: scripts/bench-scaling.sh [CONFIG] [COUNTS] [ENVS] [UPDATES]
# Environment: MPIRUN (default: mpirun --allow-run-as-root --oversubscribe --bind-to none);
# EXTRA: more options for every run, e.g. EXTRA="--set run.learner_parts_per_worker=2".
set -eu
config=${1:-configs/cartpole.yaml}
counts=${2:-"1 2 4 8 16"}
envs=${3:-32}
updates=${4:-100}
mpirun=${MPIRUN:-"mpirun --allow-run-as-root --oversubscribe --bind-to none"}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
export OPENBLAS_NUM_THREADS=1
# evaluations off: the CartPole configs evaluate every 10 updates to stop on (run.stop_on_eval),
# work that is not training and runs on one thread
common="--quiet --set run.stop_return=0 --set run.stop_on_eval=false --set run.eval_interval=0
        --set run.checkpoint_interval=0 --set run.total_timesteps=1000000000 --max-updates $updates --set run.runs_dir=$dir --set run.num_steps=64 --set ppo.num_minibatches=2 ${EXTRA:-}"
# the env steps/s a run printed: "trained N steps in S s (X steps/s)"
sps() { sed -n 's/.*(\([0-9]*\) steps\/s).*/\1/p' | tail -1; }
row() { # kind count steps/s base
    awk -v k="$1" -v n="$2" -v s="$3" -v b="$4" 'BEGIN {
        printf "%-22s %3d: %9d steps/s  %5.2fx  efficiency %3.0f%%\n", k, n, s, s / b, 100 * s / b / n }'
}
base=
for w in $counts; do
    s=$(./ppo train "$config" $common --set run.workers="$w" --set run.num_envs=$((envs * w)) \
        --run-name "t$w" | sps)
    base=${base:-$s}
    row "worker threads" "$w" "$s" "$base"
done
base=
for r in $counts; do
    s=$($mpirun -np "$r" ./ppo train "$config" $common --set run.workers=1 --set run.num_envs="$envs" \
        --run-name "r$r" 2>/dev/null | sps)
    base=${base:-$s}
    row "MPI ranks" "$r" "$s" "$base"
done
top=$(echo "$counts" | tr ' ' '\n' | sort -n | tail -1)
base=
for n in 1 "$top"; do
    i=1
    while [ "$i" -le "$n" ]; do
        ./ppo train "$config" $common --set run.workers=1 --set run.num_envs="$envs" --set run.seed="$i" \
            --run-name "p$n-$i" | sps > "$dir/p$n-$i.sps" &
        i=$((i + 1))
    done
    wait
    s=$(cat "$dir"/p"$n"-*.sps | awk '{ t += $1 } END { printf "%d", t }')
    base=${base:-$s}
    row "independent processes" "$n" "$s" "$base"
done
