#!/bin/sh
# bench-classic.sh: final-policy scores of configs over seeds, many runs side by side.
# JOBS is a file of lines "LABEL CONFIG [--set SECTION.KEY=VALUE ...]" ('#' starts a comment
# line); for every line and seed: ppo train CONFIG with those overrides and run.seed=SEED
# (checkpoints only at the end), then ppo eval of the final checkpoint over 100 episodes
# (deterministic: the mean action, or argmax; eval seed 12345). PARALLEL runs at a time (default:
# the number of cores). Prints one CSV row per run, label,seed,steps,train_seconds,eval_mean,
# eval_std (also in OUTDIR/results.csv), then per label the median of the eval means over the
# seeds with their range, and the median training time.
# Usage: scripts/bench-classic.sh JOBS [SEEDS] [OUTDIR]
set -eu
if [ "${1:-}" = --one ]; then # one run: --one OUTDIR LABEL SEED CONFIG [overrides]
    out=$2 label=$3 seed=$4 config=$5
    shift 5
    dir="$out/$label-s$seed"
    if ! ./ppo train "$config" --quiet --run-name "$label-s$seed" --set run.runs_dir="$out" \
        --set run.seed="$seed" --set run.checkpoint_interval=0 "$@" > "$dir.train" 2>&1; then
        echo "$label,$seed,train failed ($dir.train),,,"
        exit 0
    fi
    steps=$(awk -F, 'NR > 1 { s = $2 } END { print s }' "$dir/progress.csv")
    secs=$(awk -F, 'NR > 1 { t = $3 } END { printf "%.1f", t }' "$dir/progress.csv")
    ev=$(./ppo eval "$dir/checkpoints/latest.ckpt" --episodes 100 | awk '/^return / { print $2 "," $4 }')
    echo "$label,$seed,$steps,$secs,$ev"
    exit 0
fi
jobs=$1
seeds=${2:-"1 2 3 4 5"}
out=${3:-$(mktemp -d)}
parallel=${PARALLEL:-$(nproc)}
mkdir -p "$out"
grep -v '^[[:space:]]*\(#\|$\)' "$jobs" | while read -r label config rest; do
    # no trailing blank: xargs -L would join the next line to this one
    for s in $seeds; do echo "--one $out $label $s $config${rest:+ $rest}"; done
done > "$out/queue"
echo "label,seed,steps,train_seconds,eval_mean,eval_std" > "$out/results.csv"
xargs -P "$parallel" -L 1 "$0" < "$out/queue" >> "$out/results.csv"
cat "$out/results.csv"
awk -F, 'NR > 1 && $5 != "" { k = ++n[$1]; v[$1, k] = $5 + 0; t[$1, k] = $4 + 0 }
    function sorted(a, l, m, b,    i, j, x) { for (i = 1; i <= m; i++) b[i] = a[l, i]
        for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++) if (b[j] < b[i]) { x = b[i]; b[i] = b[j]; b[j] = x } }
    function med(b, m) { return m % 2 ? b[(m + 1) / 2] : (b[m / 2] + b[m / 2 + 1]) / 2 }
    END { for (l in n) { m = n[l]; sorted(v, l, m, bv); sorted(t, l, m, bt)
        printf "%-24s %d seeds: eval mean median %.1f (range %.1f to %.1f); training median %.1f s\n", l, m, med(bv, m), bv[1], bv[m], med(bt, m) } }' \
    "$out/results.csv" | sort
