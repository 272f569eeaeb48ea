#!/usr/bin/env bash
# Short fuzzing runs for `make test`: builds every cargo-fuzz target under fuzz/ and runs
# each for FUZZ_SECONDS (default 60), FUZZ_JOBS at a time (default 2), after replaying the
# committed crash regressions (fuzz/regressions/<target>/*). A target passes when nothing
# crashed, leaked past the memory limits or timed out.
#
# Output: one line per target, then exactly one line `N passed, M failed, K skipped`
# (scripts/test-all.sh parses it with its `c` parser). Exit status 1 when any failed.
#
# Env: FUZZ_SECONDS (per target), FUZZ_JOBS, FUZZ_TARGETS (space-separated subset),
#      FUZZ_SANITIZER (address, the default, or none).
# Nightly-only flags come through RUSTC_BOOTSTRAP=1 on the stable toolchain.
# Budget (2 cores): cold build ~2.5 min + 6 targets × 60 s / 2 jobs = about 5.5 min.
set -u
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
FUZZ="$ROOT/fuzz"
SECS="${FUZZ_SECONDS:-60}"
JOBS="${FUZZ_JOBS:-2}"
SAN="${FUZZ_SANITIZER:-address}"
ALL="object_open btf_parse btf_ext core_reloc usdt_parse opts_validate"
TARGETS="${FUZZ_TARGETS:-$ALL}"
export RUSTC_BOOTSTRAP=1
# libFuzzer limits: any single allocation over 1 GiB or RSS over 2 GiB is a failure.
LIMITS=(-rss_limit_mb=2048 -malloc_limit_mb=1024 -timeout=10)

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "==> installing cargo-fuzz"
    if ! cargo install --locked cargo-fuzz >/dev/null 2>&1 && ! cargo install cargo-fuzz; then
        n=$(echo "$TARGETS" | wc -w)
        echo "fuzz: cargo-fuzz could not be installed"
        echo "0 passed, $n failed, 0 skipped"
        exit 1
    fi
fi

WORK="$FUZZ/work/short"
rm -rf "$WORK"
mkdir -p "$WORK"
BIN="$FUZZ/target/x86_64-unknown-linux-gnu/release"

# One build for every target (the `ffi` feature adds opts_validate, over ffi-c); if ffi-c
# doesn't build, the others still run and opts_validate fails.
echo "==> building fuzz targets (sanitizer: $SAN)"
build() { (cd "$FUZZ" && cargo fuzz build -O -a -s "$SAN" "$@") >"$WORK/build.log" 2>&1; }
if ! build --features ffi; then
    echo "fuzz: build with the ffi feature failed; retrying without opts_validate" >&2
    tail -n 20 "$WORK/build.log" >&2
    rm -f "$BIN/opts_validate"
    build || { tail -n 40 "$WORK/build.log" >&2; }
fi

run_target() {
    local t="$1" out="$WORK/$t.result" log="$WORK/$t.log"
    if [ ! -x "$BIN/$t" ]; then
        echo "FAILED not built (see $WORK/build.log)" >"$out"
        return
    fi
    # Replay the committed regressions first: each must run clean.
    local regs=()
    if [ -d "$FUZZ/regressions/$t" ]; then
        while IFS= read -r f; do regs+=("$f"); done < <(find "$FUZZ/regressions/$t" -type f | sort)
    fi
    if [ ${#regs[@]} -gt 0 ]; then
        if ! "$BIN/$t" "${LIMITS[@]}" "${regs[@]}" >"$log.regressions" 2>&1; then
            local which
            which="$(grep -o 'Running: .*' "$log.regressions" | tail -n1 | sed 's/Running: //')"
            echo "FAILED regression ${which#"$FUZZ"/} crashes (log: $log.regressions)" >"$out"
            return
        fi
    fi
    mkdir -p "$WORK/corpus/$t" "$WORK/artifacts/$t"
    if nice -n 19 "$BIN/$t" "$WORK/corpus/$t" "$FUZZ/corpus/$t" -max_total_time="$SECS" "${LIMITS[@]}" \
        -artifact_prefix="$WORK/artifacts/$t/" -print_final_stats=1 >"$log" 2>&1; then
        local stats runs
        stats="$(grep -E '^#[0-9]+.*(DONE|cov:)' "$log" | tail -n1 | grep -oE 'cov: [0-9]+ ft: [0-9]+ corp: [0-9]+/[0-9a-zA-Z]+')"
        runs="$(grep -oE 'stat::number_of_executed_units: [0-9]+' "$log" | awk '{print $2}')"
        echo "passed (${runs:-?} runs, ${stats:-no stats}, ${#regs[@]} regressions replayed)" >"$out"
    else
        local art
        art="$(ls "$WORK/artifacts/$t" 2>/dev/null | head -n1)"
        echo "FAILED crash${art:+ saved to fuzz/work/short/artifacts/$t/$art} (log: $log)" >"$out"
        grep -E 'ERROR|panicked|SUMMARY' "$log" | head -n 5 >&2
    fi
}

echo "==> running each target for ${SECS}s, $JOBS at a time"
running=0
for t in $TARGETS; do
    run_target "$t" &
    running=$((running + 1))
    if [ "$running" -ge "$JOBS" ]; then
        wait -n
        running=$((running - 1))
    fi
done
wait

passed=0 failed=0
for t in $TARGETS; do
    r="$(cat "$WORK/$t.result" 2>/dev/null || echo "FAILED no result")"
    printf 'fuzz %-14s %s\n' "$t:" "$r"
    case "$r" in passed*) passed=$((passed + 1)) ;; *) failed=$((failed + 1)) ;; esac
done
echo "$passed passed, $failed failed, 0 skipped"
[ "$failed" -eq 0 ]
