#!/bin/sh
# run.sh TARGET SECONDS [LIBFUZZER_OPTION...]: runs the libFuzzer binary build/fuzz/fuzz_TARGET
# (made by `make fuzz`) for SECONDS from the top of the checkout, and prints one summary line.
#
# The committed seed corpus tests/fuzz/corpus/TARGET/ is read; new inputs go to
# build/fuzz/corpus/TARGET/, a finding's reproducer to build/fuzz/findings/TARGET/, the whole
# output to build/fuzz/TARGET.log. The summary gives libFuzzer's final figures: inputs run,
# coverage (cov: edges, ft: features) and the corpus (files, bytes). Exits 0 when the run
# found nothing, 1 on a finding (crash, leak, timeout, out of memory, sanitizer report: the
# log's tail is printed), 2 on a usage error.
set -u
[ $# -ge 2 ] || { echo "usage: $0 TARGET SECONDS [LIBFUZZER_OPTION...]" >&2; exit 2; }
target=$1 seconds=$2
shift 2
bin=build/fuzz/fuzz_$target
[ -x "$bin" ] || { echo "error: $bin is missing: build it with make fuzz" >&2; exit 2; }
mkdir -p "build/fuzz/corpus/$target" "build/fuzz/findings/$target"
log=build/fuzz/$target.log
# One BLAS thread: two fuzzers may share two cores. stdin is /dev/null so that a path named by
# an input (env.map: /dev/stdin) cannot wait on the terminal. No allocator options: a single
# allocation over -rss_limit_mb (libFuzzer's -malloc_limit_mb follows it), e.g. the zeroed
# parameters of a config's huge policy, is reported as out of memory, a finding.
OPENBLAS_NUM_THREADS=1 "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="build/fuzz/findings/$target/" "$@" \
    "build/fuzz/corpus/$target" "tests/fuzz/corpus/$target" </dev/null >"$log" 2>&1
rc=$?

# The last status line (#N DONE/pulse/NEW/REDUCE ... cov: C ft: F corp: K/SIZE ...) and the
# final stats (stat::number_of_executed_units: N).
status=$(grep -E '^#[0-9]+.*cov: ' "$log" | tail -n 1)
field() { v=$(echo "$status" | sed -n "s/.* $1: \([^ ]*\).*/\1/p"); echo "${v:-?}"; }
runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
[ -n "$runs" ] || runs=$(echo "$status" | sed -n 's/^#\([0-9]*\).*/\1/p')
figures="cov $(field cov) ft $(field ft), corpus $(field corp) (files/bytes)"
if [ $rc -eq 0 ]; then
    echo "fuzz_$target: ${runs:-?} runs in ${seconds}s, $figures, no finding"
    exit 0
fi
pattern='ERROR: (libFuzzer|AddressSanitizer|LeakSanitizer)|runtime error:|ALARM: working on the last Unit'
what=$(grep -m 1 -E "$pattern" "$log")
artifact=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -n 1)
echo "fuzz_$target: ${runs:-?} runs, $figures, stopped by a FINDING (exit $rc): ${what:-see $log}"
echo "  reproducer: ${artifact:-none written}; log: $log; rerun: $bin ${artifact:-FILE}"
sed -n -E "/$pattern/,\$p" "$log" | head -n 25 | sed 's/^/  | /'
exit 1
