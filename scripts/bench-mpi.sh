#!/bin/sh
# bench-mpi.sh: data-parallel training over MPI against one process, with the same total envs.
#  1. Throughput: REPS runs of CONFIG for STEPS env steps (no early stop) as one process
#     (run.num_envs N, its run.workers threads) and as RANKS ranks of N / RANKS envs with
#     one worker thread each; prints each run's steps/s (from progress.csv) and the medians.
#  2. Time to TARGET with RANKS ranks over SEEDS: steps and wall-clock seconds until the run
#     stops on TARGET (run.stop_return, judged by the config's rule: evaluations during
#     training with run.stop_on_eval, else the last 100 training episodes), then ppo eval of
#     the final policy over 100 episodes (scripts/bench-train.sh gives the one-process figures).
# Usage: scripts/bench-mpi.sh [CONFIG] [RANKS] [SEEDS] [TARGET]
# Environment: STEPS (default 300000), REPS (3), MPIRUN (mpirun with the flags for this
# machine: --allow-run-as-root --oversubscribe --bind-to none).
set -eu
config=${1:-configs/cartpole.yaml}
ranks=${2:-2}
seeds=${3:-"1 2 3 4 5"}
target=${4:-475}
steps=${STEPS:-300000}
reps=${REPS:-3}
mpirun=${MPIRUN:-"mpirun --allow-run-as-root --oversubscribe --bind-to none"}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

envs=$(awk '/^run:/ { r = 1 } r && /^ +num_envs:/ { print $2; exit }' "$config")
[ -n "$envs" ] || { echo "bench-mpi: $config sets no run.num_envs" >&2; exit 1; }
per_rank=$((envs / ranks))
[ $((per_rank * ranks)) -eq "$envs" ] || { echo "bench-mpi: $ranks ranks do not divide $envs envs" >&2; exit 1; }

# steps/s of a finished run: last global_step over its seconds
sps() { awk -F, 'NR > 1 { s = $2; t = $3 } END { if (t > 0) printf "%.0f", s / t }' "$1/progress.csv"; }
median() { sort -n | awk '{ a[NR] = $1 } END { print (NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2) }'; }

echo "== throughput: $steps steps of $config, 1 process x $envs envs vs $ranks ranks x $per_rank envs"
# evaluations off: the CartPole configs evaluate every 10 updates to stop on (run.stop_on_eval)
common="--quiet --set run.runs_dir=$dir --set run.stop_return=0 --set run.stop_on_eval=false \
        --set run.eval_interval=0 --set run.total_timesteps=$steps"
for i in $(seq "$reps"); do
    ./ppo train "$config" $common --run-name "one$i" > "$dir/log" 2>&1 || { cat "$dir/log"; exit 1; }
    $mpirun -np "$ranks" ./ppo train "$config" $common --run-name "mpi$i" --set run.num_envs="$per_rank" \
        --set run.workers=1 > "$dir/log" 2>&1 || { cat "$dir/log"; exit 1; }
    a=$(sps "$dir/one$i"); b=$(sps "$dir/mpi$i")
    echo "$a" >> "$dir/one"; echo "$b" >> "$dir/mpi"
    printf 'run %d: 1 process %8s steps/s   %d ranks %8s steps/s\n' "$i" "$a" "$ranks" "$b"
done
printf 'median: 1 process %s steps/s, %d ranks %s steps/s\n' "$(median < "$dir/one")" "$ranks" "$(median < "$dir/mpi")"

echo "== time to $target: $ranks ranks x $per_rank envs"
printf '%-6s %10s %10s %10s %12s\n' seed steps seconds SPS eval_mean
for s in $seeds; do
    $mpirun -np "$ranks" ./ppo train "$config" --quiet --run-name "s$s" --set run.seed="$s" \
        --set run.runs_dir="$dir" --set run.stop_return="$target" --set run.num_envs="$per_rank" \
        --set run.workers=1 > "$dir/out$s" 2>&1 || { cat "$dir/out$s"; exit 1; }
    # where the run stopped on its target by the config's own rule (evaluations with
    # run.stop_on_eval, else the last 100 training episodes): "reached a mean return ...", else none
    row=$(grep -q '^reached a mean return' "$dir/out$s" &&
        awk -F, 'NR > 1 { r = $2 " " $3 } END { print r }' "$dir/s$s/progress.csv" || true)
    [ -n "$row" ] || row="- -"
    ev=$(./ppo eval "$dir/s$s/checkpoints/latest.ckpt" --episodes 100 --seed "$s" | awk '/^return/ { print $2 }')
    set -- $row
    printf '%-6s %10s %10s %10s %12s\n' "$s" "$1" "$2" "$(sps "$dir/s$s")" "$ev"
    echo "$1 $2 $ev" >> "$dir/rows"
done
awk -v target="$target" '
    $1 == "-" { unsolved++; ev[++m] = $3; next }
    { k++; steps[k] = $1; secs[k] = $2; ev[++m] = $3 }
    function median(a, n,    i, j, t, b) { for (i = 1; i <= n; i++) b[i] = a[i];
        for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (b[j] + 0 < b[i] + 0) { t = b[i]; b[i] = b[j]; b[j] = t }
        return n % 2 ? b[(n + 1) / 2] : (b[n / 2] + b[n / 2 + 1]) / 2 }
    function lo(a, n,    i, x) { x = a[1]; for (i = 2; i <= n; i++) if (a[i] + 0 < x + 0) x = a[i]; return x }
    function hi(a, n,    i, x) { x = a[1]; for (i = 2; i <= n; i++) if (a[i] + 0 > x + 0) x = a[i]; return x }
    END {
        if (k) printf "to %s: %d of %d seeds; over those, median %s steps (range %s-%s), median %.2f s (range %.2f-%.2f)", target,
            k, k + unsolved, median(steps, k), lo(steps, k), hi(steps, k), median(secs, k), lo(secs, k), hi(secs, k)
        else printf "to %s: no seed reached it", target
        printf "; eval mean min %.1f\n", lo(ev, m) }' "$dir/rows"
