#!/usr/bin/env bash
# Long fuzzing runs: each target for SECONDS (default 1800), at most JOBS (default 2) at
# a time, at nice 19. Uses already-built binaries (build first with
#   RUSTC_BOOTSTRAP=1 cargo fuzz build -O -a [--features ffi]
# ); they are copied so a rebuild meanwhile doesn't disturb the runs. Crashes don't stop
# a run (fork mode, -ignore_crashes): they land in fuzz/artifacts/<target>/.
# Corpora grow in fuzz/work/corpus/<target> (not committed); logs in fuzz/work/logs/.
# Usage: fuzz/run-long.sh [target...]   (default: every built target)
set -u
cd "$(dirname "$0")"
SECONDS_PER=${SECONDS_PER:-1800}
JOBS=${JOBS:-2}
BIN=target/x86_64-unknown-linux-gnu/release
mkdir -p work/bin work/logs
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    targets=(object_open btf_parse core_reloc btf_ext usdt_parse opts_validate)
fi
run_one() {
    local t=$1
    mkdir -p "work/corpus/$t" "artifacts/$t"
    nice -n 19 "work/bin/$t" "work/corpus/$t" "corpus/$t" \
        -fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 \
        -max_total_time="$SECONDS_PER" -rss_limit_mb=2048 -malloc_limit_mb=1024 -timeout=10 \
        -print_final_stats=1 -artifact_prefix="artifacts/$t/" > "work/logs/$t.log" 2>&1
    echo "$(date -u +%H:%M:%S) $t finished (exit $?)" >> work/logs/summary.txt
}
for t in "${targets[@]}"; do
    if [ ! -x "$BIN/$t" ]; then
        echo "$t: not built, skipped" >> work/logs/summary.txt
        continue
    fi
    cp "$BIN/$t" "work/bin/$t"
done
running=0
for t in "${targets[@]}"; do
    [ -x "work/bin/$t" ] || continue
    echo "$(date -u +%H:%M:%S) $t started" >> work/logs/summary.txt
    run_one "$t" &
    running=$((running + 1))
    if [ "$running" -ge "$JOBS" ]; then
        wait -n
        running=$((running - 1))
    fi
done
wait
