#!/bin/sh
# bench-train.sh: time to solve a config over several seeds, and the final policies' scores.
# For each seed: ppo train CONFIG until its own stop rule ends the run (run.stop_return, judged
# on an evaluation during training with run.stop_on_eval, else on the mean return of the last
# 100 training episodes); with TARGET, until the mean return of the last 100 training episodes
# reaches TARGET (evaluations off), the rule the CartPole configs used before they evaluated.
# Then ppo eval of the final checkpoint over 100 episodes.
# Prints per seed: the steps and wall-clock seconds at which the run stopped on its target
# (the last row of progress.csv; - when the budget ran out first), SPS, eval mean; then the
# median and range. Usage: scripts/bench-train.sh [CONFIG] [SEEDS] [TARGET]
set -eu
config=${1:-configs/cartpole.yaml}
seeds=${2:-"1 2 3 4 5"}
target=${3:-}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
printf '%-6s %10s %10s %10s %12s\n' seed steps seconds SPS eval_mean
for s in $seeds; do
    ./ppo train "$config" --quiet --run-name "s$s" --set run.seed="$s" --set run.runs_dir="$dir" \
        ${target:+--set run.stop_return="$target" --set run.stop_on_eval=false --set run.eval_interval=0} \
        > "$dir/out$s" 2>&1 || { cat "$dir/out$s"; exit 1; }
    # where the run stopped on its target ("reached a mean return ..."), else none
    row=$(grep -q '^reached a mean return' "$dir/out$s" &&
        awk -F, 'NR > 1 { r = $2 " " $3 } END { print r }' "$dir/s$s/progress.csv" || true)
    [ -n "$row" ] || row="- -"
    sps=$(awk -F, 'NR > 1 { steps = $2; secs = $3 } END { if (secs > 0) printf "%.0f", steps / secs }' \
        "$dir/s$s/progress.csv")
    ev=$(./ppo eval "$dir/s$s/checkpoints/latest.ckpt" --episodes 100 --seed "$s" |
        awk '/^return/ { print $2 }')
    set -- $row
    printf '%-6s %10s %10s %10s %12s\n' "$s" "$1" "$2" "$sps" "$ev"
    echo "$1 $2 $sps $ev" >> "$dir/rows"
done
awk -v target="${target:-the config's stop_return}" '
    { sps[NR] = $3; ev[NR] = $4
      if ($1 == "-") unsolved++; else { k++; steps[k] = $1; secs[k] = $2 } }
    function median(a, n,    i, j, t, b) { for (i = 1; i <= n; i++) b[i] = a[i];
        for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (b[j] + 0 < b[i] + 0) { t = b[i]; b[i] = b[j]; b[j] = t }
        return n % 2 ? b[(n + 1) / 2] : (b[n / 2] + b[n / 2 + 1]) / 2 }
    function lo(a, n,    i, m) { m = a[1]; for (i = 2; i <= n; i++) if (a[i] + 0 < m + 0) m = a[i]; return m }
    function hi(a, n,    i, m) { m = a[1]; for (i = 2; i <= n; i++) if (a[i] + 0 > m + 0) m = a[i]; return m }
    END { n = NR
        if (k > 0) printf "to %s (the %d solved runs): median %s steps (range %s-%s), median %.2f s (range %.2f-%.2f)\n",
            target, k, median(steps, k), lo(steps, k), hi(steps, k), median(secs, k), lo(secs, k), hi(secs, k)
        printf "unsolved %d of %d; training SPS median %.0f; final policies: lowest eval mean %.1f\n",
            unsolved + 0, n, median(sps, n), lo(ev, n) }' "$dir/rows"
