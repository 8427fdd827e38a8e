#!/bin/sh
# tune-cartpole.sh: a random search of CartPole configs for the fewest env steps to a mean return
# of 475 (the last 100 training episodes), run JOBS at a time. Each candidate is
# configs/cartpole.yaml with --set overrides drawn (with a fixed seed, so the same N and space
# give the same candidates) from the space below; each is trained with every seed of SEEDS, then its
# final policy is evaluated over 100 deterministic episodes.
# Writes one CSV row per (candidate, seed) to OUT: id, seed, steps to 475 (- if never), wall-clock
# s of the run, final eval mean, and the overrides; then prints each candidate's summary
# (solved runs, median and largest steps, lowest eval), best median first.
# Usage: scripts/tune-cartpole.sh N "SEEDS" OUT.csv [JOBS] [WORKERS] [SPACE]
# SPACE: a file of lines "section.key value value ..." replacing the default space below.
set -eu
if [ "${1:-}" = "one" ]; then # one run: one ID SEED SETS..., in $TUNE_DIR with $TUNE_WORKERS
    id=$2 seed=$3 workers=$TUNE_WORKERS dir=$TUNE_DIR
    shift 3
    name="c${id}s${seed}"
    t0=$(date +%s.%N)
    ./ppo train configs/cartpole.yaml --quiet --run-name "$name" --set run.runs_dir="$dir" \
        --set run.seed="$seed" --set run.workers="$workers" --set run.stop_return=475 \
        --set run.total_timesteps=300000 $(for s in "$@"; do printf -- '--set %s ' "$s"; done) \
        > "$dir/$name.log" 2>&1 || { echo "$id,$seed,fail,0,0,$*"; exit 0; }
    t1=$(date +%s.%N)
    steps=$(awk -F, 'NR > 1 && $5 >= 100 && $6 != "" && $6 >= 475 { print $2; exit }' "$dir/$name/progress.csv")
    ev=$(./ppo eval "$dir/$name/checkpoints/latest.ckpt" --episodes 100 --seed "$seed" | awk '/^return/ { print $2 }')
    echo "$id,$seed,${steps:--},$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }'),$ev,$*"
    rm -rf "${dir:?}/$name"
    exit 0
fi
n=${1:?N} seeds=${2:?SEEDS} out=${3:?OUT}
jobs=${4:-$(nproc)} workers=${5:-1} space=${6:-}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
# The search space: one line per key, "section.key value value ...", from SPACE or the default.
if [ -n "$space" ]; then cp "$space" "$dir/space"; else cat > "$dir/space" <<'SPACE'
ppo.learning_rate 0.002 0.003 0.005 0.008
ppo.gamma 0.98 0.99
ppo.gae_lambda 0.8 0.9 0.95
ppo.update_epochs 2 4 8
ppo.num_minibatches 1 2 4
ppo.vf_coef 0.25 0.5
ppo.ent_coef 0
ppo.clip_vloss false
run.num_envs 8 16 32
run.num_steps 16 32 64 128
policy.d_model 16 32
policy.mlp_ratio 0 1 2
SPACE
fi
# Candidates: one line each, "id set set ...", each key's value drawn at random (seeded), redrawn
# while run.num_envs is not a multiple of ppo.num_minibatches.
awk -v n="$n" 'NF >= 2 { keys[++nk] = $1; nv[nk] = NF - 1; for (i = 2; i <= NF; i++) v[nk, i - 1] = $i }
    END { srand(7)
        for (id = 1; id <= n; id++) {
            do { line = id; e = 1; m = 1
                 for (k = 1; k <= nk; k++) { x = v[k, int(rand() * nv[k]) + 1]; line = line " " keys[k] "=" x
                     if (keys[k] == "run.num_envs") e = x; if (keys[k] == "ppo.num_minibatches") m = x }
            } while (e % m != 0)
            print line } }' "$dir/space" > "$dir/candidates"
while read -r id sets; do
    for s in $seeds; do echo "$id $s $sets"; done
done < "$dir/candidates" > "$dir/runs"
TUNE_DIR=$dir TUNE_WORKERS=$workers
export TUNE_DIR TUNE_WORKERS
xargs -P "$jobs" -L 1 "$0" one < "$dir/runs" > "$out"
awk -F, '{ id = $1; k[id]++; if ($3 != "-" && $3 != "fail") { s[id] = s[id] " " $3; solved[id]++ }
           if (!(id in lo) || $5 + 0 < lo[id]) lo[id] = $5 + 0; sets[id] = $6 }
    function med(list,    a, n, i, j, t) { n = split(list, a, " "); for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
        return n ? (n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2) : 1e9 }
    function top(list,    a, n, i, m) { n = split(list, a, " "); m = 0; for (i = 1; i <= n; i++) if (a[i] + 0 > m) m = a[i] + 0; return m }
    END { for (id in k) printf "%d solved %d/%d median %s max %s lowest-eval %s  %s\n", id, solved[id] + 0, k[id],
          med(s[id]), top(s[id]), lo[id], sets[id] }' "$out" | sort -k5 -n
