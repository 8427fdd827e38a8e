#!/bin/sh
# compare.sh: the "Why linear attention" table of the README. For each seed, each config in turn
# (interleaved, so that a busy spell of a shared machine falls on every config alike): train,
# then evaluate the final policy over EPISODES episodes with the seed as eval seed, once
# deterministic (argmax) and once stochastic (sampled). Then one Markdown row per config: the
# deterministic eval return and success rate (share of episodes with return >= SUCCESS) and the
# stochastic success rate, each as mean +- std over seeds; the steps and the seconds at which the
# training mean return (last 100 episodes) first reached TARGET, median and range over the seeds
# that reached it; the median wall-clock of the whole run.
# Usage: [COMPARE_SETS="SECTION.KEY=VALUE ..."] [COMPARE_JOBS=N] scripts/compare.sh "CONFIG..."
#        [SEEDS] [EPISODES] [TARGET] [SUCCESS]
# COMPARE_SETS are given to every run as --set (e.g. run.stop_return=0: each run trains its whole
# budget, and the final policy is evaluated at its end rather than where the target was reached).
# COMPARE_JOBS (default 1) runs that many trainings at once, in batches (give each run.workers 1
# and keep COMPARE_JOBS * workers within the cores, so that wall-clock figures stay comparable).
# e.g. the GLA config against its mlp, lstm and gru twins:
#   scripts/compare.sh "configs/cartpole-stateless.yaml configs/cartpole-stateless-mlp.yaml configs/cartpole-stateless-lstm.yaml configs/cartpole-stateless-gru.yaml"
# Run folders go to runs/compare/ (kept, so `ppo plot` can draw them).
set -eu
configs=$1
seeds=${2:-"1 2 3 4 5"}
episodes=${3:-100}
target=${4:-475}
success=${5:-475}
out=runs/compare
jobs=${COMPARE_JOBS:-1}
sets=""
for kv in ${COMPARE_SETS:-}; do sets="$sets --set $kv"; done
mkdir -p "$out"

# one_run CFG SEED: train, evaluate twice, and write the row of steps and seconds to the target
# ("-" if never), run seconds, eval mean, success argmax, success sampled to $out/STEM-sSEED.row.
one_run() {
    stem=$(basename "$1" .yaml)
    rm -rf "$out/$stem-s$2" "$out/$stem-s$2.row"
    # shellcheck disable=SC2086 # $sets: one word per --set and its value
    ./ppo train "$1" --quiet --run-name "$stem-s$2" --set run.seed="$2" --set run.runs_dir="$out" \
        $sets > "$out/$stem-s$2.log" 2>&1 || { cat "$out/$stem-s$2.log"; return 1; }
    ./ppo eval "$out/$stem-s$2/checkpoints/latest.ckpt" --episodes "$episodes" --seed "$2" \
        --csv "$out/$stem-s$2.eval.csv" > /dev/null || return 1
    ./ppo eval "$out/$stem-s$2/checkpoints/latest.ckpt" --episodes "$episodes" --seed "$2" \
        --stochastic --csv "$out/$stem-s$2.sampled.csv" > /dev/null || return 1
    awk -F, -v t="$target" -v ok="$success" -v csv="$out/$stem-s$2.eval.csv" \
        -v csv2="$out/$stem-s$2.sampled.csv" '
        NR > 1 { secs = $3; if (!hit && $5 >= 100 && $6 != "" && $6 >= t) { hit = $2; hit_secs = $3 } }
        END { while ((getline line < csv) > 0) { split(line, f, ","); if (f[1] == "episode") continue;
                  n++; sum += f[2]; if (f[2] >= ok) wins++ }
              while ((getline line < csv2) > 0) { split(line, f, ","); if (f[1] == "episode") continue;
                  n2++; if (f[2] >= ok) wins2++ }
              printf "%s %s %s %.6g %.6g %.6g\n", hit ? hit : "-", hit ? hit_secs : "-", secs,
                  sum / n, wins / n, wins2 / n2 }' \
        "$out/$stem-s$2/progress.csv" > "$out/$stem-s$2.row"
}

# the (seed, config) pairs in order, COMPARE_JOBS at a time; a failed one stops the script once
# its batch has ended
pids=""
running=0
fail=0
for s in $seeds; do
    for cfg in $configs; do
        if [ "$jobs" -le 1 ]; then
            one_run "$cfg" "$s" || exit 1
            continue
        fi
        one_run "$cfg" "$s" &
        pids="$pids $!"
        running=$((running + 1))
        if [ "$running" -ge "$jobs" ]; then
            for p in $pids; do wait "$p" || fail=1; done
            [ "$fail" -eq 0 ] || exit 1
            pids=""
            running=0
        fi
    done
done
for p in $pids; do wait "$p" || fail=1; done
[ "$fail" -eq 0 ] || exit 1
for cfg in $configs; do
    stem=$(basename "$cfg" .yaml)
    for s in $seeds; do cat "$out/$stem-s$s.row"; done > "$out/$stem.rows"
done
echo "| config | seeds | eval return, argmax | success, argmax | success, sampled | steps to $target: median (range) | seconds to $target: median (range) | wall-clock s (median) |"
echo "|---|---|---|---|---|---|---|---|"
for cfg in $configs; do
    awk -v cfg="$cfg" '
        function median(a, n,    i, j, t) { for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
            return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
        function lo(a, n,    i, m) { m = a[1]; for (i = 2; i <= n; i++) if (a[i] < m) m = a[i]; return m }
        function hi(a, n,    i, m) { m = a[1]; for (i = 2; i <= n; i++) if (a[i] > m) m = a[i]; return m }
        { n++; ev[n] = $4; sr[n] = $5; st[n] = $6; secs[n] = $3
          if ($1 != "-") { k++; steps[k] = $1; tsecs[k] = $2 } }
        END { for (i = 1; i <= n; i++) { m += ev[i]; ms += sr[i]; mt += st[i] } m /= n; ms /= n; mt /= n
              for (i = 1; i <= n; i++) { v += (ev[i] - m) ^ 2; vs += (sr[i] - ms) ^ 2; vt += (st[i] - mt) ^ 2 }
              sd = n > 1 ? sqrt(v / (n - 1)) : 0; sds = n > 1 ? sqrt(vs / (n - 1)) : 0; sdt = n > 1 ? sqrt(vt / (n - 1)) : 0
              printf "| `%s` | %d | %.4g +- %.3g | %.1f%% +- %.1f | %.1f%% +- %.1f | %s | %s | %.1f |\n", cfg, n, m, sd,
                  100 * ms, 100 * sds, 100 * mt, 100 * sdt,
                  k ? sprintf("%d (%d-%d; %d of %d reached it)", median(steps, k), lo(steps, k), hi(steps, k), k, n) : "not reached",
                  k ? sprintf("%.1f (%.1f-%.1f)", median(tsecs, k), lo(tsecs, k), hi(tsecs, k)) : "-", median(secs, n) }' \
        "$out/$(basename "$cfg" .yaml).rows"
done
