#!/bin/sh
# compare.sh: the "Why linear attention" table of the README. For each config and seed: train,
# then evaluate the final policy over EPISODES episodes with the seed as eval seed, once
# deterministic (argmax) and once stochastic (sampled). Prints one Markdown row per config: the
# deterministic eval return and success rate (share of episodes with return >= SUCCESS) and the
# stochastic success rate, each as mean +- std over seeds; the median steps at which the
# training mean return (last 100 episodes) first reached TARGET; the median wall-clock.
# Usage: scripts/compare.sh "CONFIG..." [SEEDS] [EPISODES] [TARGET] [SUCCESS]
# Run folders go to runs/compare/ (kept, so `ppo plot` can draw them).
set -eu
configs=$1
seeds=${2:-"1 2 3 4 5"}
episodes=${3:-100}
target=${4:-475}
success=${5:-475}
out=runs/compare
mkdir -p "$out"
echo "| config | seeds | eval return, argmax | success, argmax | success, sampled | steps to $target (median) | wall-clock s (median) |"
echo "|---|---|---|---|---|---|---|"
for cfg in $configs; do
    stem=$(basename "$cfg" .yaml)
    : > "$out/$stem.rows"
    for s in $seeds; do
        rm -rf "$out/$stem-s$s"
        ./ppo train "$cfg" --quiet --run-name "$stem-s$s" --set run.seed="$s" --set run.runs_dir="$out" \
            > "$out/$stem-s$s.log" 2>&1 || { cat "$out/$stem-s$s.log"; exit 1; }
        ./ppo eval "$out/$stem-s$s/checkpoints/latest.ckpt" --episodes "$episodes" --seed "$s" \
            --csv "$out/$stem-s$s.eval.csv" > /dev/null
        ./ppo eval "$out/$stem-s$s/checkpoints/latest.ckpt" --episodes "$episodes" --seed "$s" \
            --stochastic --csv "$out/$stem-s$s.sampled.csv" > /dev/null
        awk -F, -v t="$target" -v ok="$success" -v csv="$out/$stem-s$s.eval.csv" \
            -v csv2="$out/$stem-s$s.sampled.csv" '
            NR > 1 { secs = $3; if (!hit && $5 >= 100 && $6 != "" && $6 >= t) { hit = $2 } }
            END { while ((getline line < csv) > 0) { split(line, f, ","); if (f[1] == "episode") continue;
                      n++; sum += f[2]; if (f[2] >= ok) wins++ }
                  while ((getline line < csv2) > 0) { split(line, f, ","); if (f[1] == "episode") continue;
                      n2++; if (f[2] >= ok) wins2++ }
                  printf "%s %s %.6g %.6g %.6g\n", hit ? hit : "-", secs, sum / n, wins / n, wins2 / n2 }' \
            "$out/$stem-s$s/progress.csv" >> "$out/$stem.rows"
    done
    awk -v cfg="$cfg" '
        function median(a, n,    i, j, t) { for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
            return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
        { n++; ev[n] = $3; sr[n] = $4; st[n] = $5; secs[n] = $2; if ($1 != "-") { k++; steps[k] = $1 } }
        END { for (i = 1; i <= n; i++) { m += ev[i]; ms += sr[i]; mt += st[i] } m /= n; ms /= n; mt /= n
              for (i = 1; i <= n; i++) { v += (ev[i] - m) ^ 2; vs += (sr[i] - ms) ^ 2; vt += (st[i] - mt) ^ 2 }
              sd = n > 1 ? sqrt(v / (n - 1)) : 0; sds = n > 1 ? sqrt(vs / (n - 1)) : 0; sdt = n > 1 ? sqrt(vt / (n - 1)) : 0
              printf "| `%s` | %d | %.4g +- %.3g | %.1f%% +- %.1f | %.1f%% +- %.1f | %s | %.1f |\n", cfg, n, m, sd,
                  100 * ms, 100 * sds, 100 * mt, 100 * sdt,
                  k ? sprintf("%d (%d of %d reached it)", median(steps, k), k, n) : "not reached", median(secs, n) }' \
        "$out/$stem.rows"
done
