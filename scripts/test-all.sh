#!/usr/bin/env bash
# Runs every test suite that exists (Rust, C, Python, Node), prints one line per suite
# and ends with exactly one line `N passed, M failed, K skipped` (sums over the suites).
# Exit status is non-zero when any test failed or any suite could not run.
# Called by `make test` after deps/mounts/build; usable alone once things are built.
#
# Conventions (see README.md, "Tests"):
# - Skips in suites without a native skip (Rust; C if it wants): a test that cannot run
#   appends one line `<test name>: <reason>` to the file named by $RBPF_SKIP_LOG and
#   returns (Rust: rbpf_testprogs::skip / skip!). Those tests are moved from passed to
#   skipped. pytest and node report skips natively.
# - C: tests/c/run.sh (or `make -C tests/c test`) prints TAP lines (`ok N - name`,
#   `not ok N - name`, `ok N - name # SKIP reason`) or a last line
#   `N passed, M failed, K skipped`; its exit status is non-zero on failure.
# - BPF objects are at $RBPF_BPF_DIR/<name>.bpf.o (= target/bpf).
#
# Environment: RBPF_SUITES="rust c python node fuzz" selects suites; RBPF_SUITE_TIMEOUT
# (seconds, default 900) bounds each; CARGO_TEST_ARGS replaces `--workspace`.
set -uo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"

export RBPF_BPF_DIR="$ROOT/target/bpf"
SUITES="${RBPF_SUITES:-rust c python node fuzz}"
TIMEOUT="${RBPF_SUITE_TIMEOUT:-900}"
TMP="$(mktemp -d /tmp/rbpf-test-all.XXXXXX)"
trap 'rm -rf "$TMP"' EXIT

TOTAL_P=0 TOTAL_F=0 TOTAL_S=0 FAILED_SUITES=0
SUITE_LINES=()
SKIP_LINES=()

num() { [[ "${1:-}" =~ ^[0-9]+$ ]] && echo "$1" || echo 0; }

# --- parsers: each reads $1 (the suite's log) and prints "passed failed skipped" ------
parse_cargo() {
    awk '/^test result: /{
            for (i = 1; i <= NF; i++) {
                if ($(i+1) ~ /^passed;?$/)  p += $i;
                if ($(i+1) ~ /^failed;?$/)  f += $i;
                if ($(i+1) ~ /^ignored;?$/) s += $i;
            }
         } END { printf "%d %d %d\n", p, f, s }' "$1"
}

parse_junit() { # $1 = junit xml
    "$PYTHON" - "$1" <<'PY' 2>/dev/null || echo "0 0 0"
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
t = f = e = s = 0
for su in suites:
    t += int(su.get("tests", 0)); f += int(su.get("failures", 0))
    e += int(su.get("errors", 0)); s += int(su.get("skipped", 0))
print(t - f - e - s, f + e, s)
PY
}

parse_node_tap() {
    # node --test (TAP reporter) ends with "# pass N", "# fail N", "# cancelled N",
    # "# skipped N", "# todo N"; the last occurrence wins.
    awk '/^# pass /{p=$3} /^# fail /{f=$3} /^# cancelled /{c=$3}
         /^# skipped /{s=$3} /^# todo /{t=$3}
         END { printf "%d %d %d\n", p, f + c, s + t }' "$1"
}

parse_c() {
    local last
    last="$(grep -E '^[0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$' "$1" | tail -n1)"
    if [ -n "$last" ]; then
        echo "$last" | awk '{ printf "%d %d %d\n", $1, $3, $5 }'
    else
        awk '/^not ok /{f++; next}
             /^ok / { if ($0 ~ /# *[Ss][Kk][Ii][Pp]/) s++; else p++ }
             END { printf "%d %d %d\n", p, f, s }' "$1"
    fi
}

# run_suite NAME PARSER [ARG] -- CMD...   (PARSER junit takes the xml path as ARG)
run_suite() {
    local name="$1" parser="$2" parg="$3"; shift 4
    local log="$TMP/$name.log" rc
    export RBPF_SKIP_LOG="$TMP/$name.skips"
    : >"$RBPF_SKIP_LOG"
    echo "==> test suite '$name': $*"
    local t0=$SECONDS
    timeout --foreground -k 30 "$TIMEOUT" "$@" 2>&1 | tee "$log"
    rc=${PIPESTATUS[0]}

    local p f s
    case "$parser" in
        junit) read -r p f s < <(parse_junit "$parg") ;;
        *)     read -r p f s < <("parse_$parser" "$log") ;;
    esac
    p=$(num "$p") f=$(num "$f") s=$(num "$s")

    # Tests that logged a skip ran to completion, so libtest counted them as passed.
    local n=0 line
    if [ -s "$RBPF_SKIP_LOG" ]; then
        while IFS= read -r line; do
            [ -n "$line" ] || continue
            SKIP_LINES+=("$name: $line")
            n=$((n + 1))
        done < <(sort -u "$RBPF_SKIP_LOG")
    fi
    [ "$n" -gt "$p" ] && n=$p
    p=$((p - n)) s=$((s + n))

    local note=""
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
        # The suite failed without reporting a failed test (build error, crash, timeout).
        f=1
        if [ "$rc" -eq 124 ]; then note=" (timed out after ${TIMEOUT}s)"; else note=" (exited $rc without a test result)"; fi
    elif [ "$rc" -eq 0 ] && [ $((p + f + s)) -eq 0 ]; then
        note=" (no tests found)"
    fi
    [ "$rc" -ne 0 ] && FAILED_SUITES=$((FAILED_SUITES + 1))
    SUITE_LINES+=("$(printf '%-7s %d passed, %d failed, %d skipped%s [%ss]' "$name:" "$p" "$f" "$s" "$note" "$((SECONDS - t0))")")
    TOTAL_P=$((TOTAL_P + p)) TOTAL_F=$((TOTAL_F + f)) TOTAL_S=$((TOTAL_S + s))
    unset RBPF_SKIP_LOG
}

PYTHON="$ROOT/.venv/bin/python"
[ -x "$PYTHON" ] || PYTHON="$(command -v python3 || echo python3)"

if [ "${RBPF_BUILD_STATUS:-0}" -ne 0 ]; then
    # `make test` ran the suites after a failed `make build` (see Makefile).
    SUITE_LINES+=("build:  0 passed, 1 failed, 0 skipped (make build exited ${RBPF_BUILD_STATUS}; see above)")
    TOTAL_F=$((TOTAL_F + 1)) FAILED_SUITES=$((FAILED_SUITES + 1))
fi

for suite in $SUITES; do
    case "$suite" in
    rust)
        # shellcheck disable=SC2086
        run_suite rust cargo "" -- cargo test ${CARGO_TEST_ARGS:---workspace} --no-fail-fast
        ;;
    c)
        if [ -x tests/c/run.sh ]; then
            run_suite c c "" -- tests/c/run.sh
        elif [ -f tests/c/Makefile ]; then
            run_suite c c "" -- make -s -C tests/c test
        fi
        ;;
    python)
        if [ -d py/tests ]; then
            if [ -x .venv/bin/pytest ]; then
                run_suite python junit "$TMP/pytest.xml" -- \
                    .venv/bin/pytest py/tests -rA -q --junitxml="$TMP/pytest.xml" -p no:cacheprovider
            else
                SUITE_LINES+=("python: 0 passed, 1 failed, 0 skipped (.venv/bin/pytest missing: run make deps)")
                TOTAL_F=$((TOTAL_F + 1)) FAILED_SUITES=$((FAILED_SUITES + 1))
            fi
        fi
        ;;
    node)
        if [ -f node/package.json ]; then
            # A test that leaves a handle open (a child on a pipe, a timer) must not hang
            # the run: per-test timeout, and exit once every test has finished.
            node_flags=(--test --test-reporter=tap --test-timeout="${RBPF_NODE_TEST_TIMEOUT_MS:-120000}")
            node --help 2>/dev/null | grep -q -- --test-force-exit && node_flags+=(--test-force-exit)
            run_suite node node_tap "" -- bash -c 'cd node && exec node "$@"' node "${node_flags[@]}"
            # The napi loader and typings are generated by the build and committed: stale is a failure.
            if git rev-parse --git-dir >/dev/null 2>&1 && ! git diff --quiet -- node/binding.js node/binding.d.ts; then
                echo "node: node/binding.js or node/binding.d.ts differ from what the build generates; commit them"
                TOTAL_F=$((TOTAL_F + 1)) FAILED_SUITES=$((FAILED_SUITES + 1))
            fi
        fi
        ;;
    fuzz)
        # Short libFuzzer runs of every target (FUZZ_SECONDS each, default 60); see FUZZING.md.
        [ -x scripts/fuzz-short.sh ] && run_suite fuzz c "" -- scripts/fuzz-short.sh
        ;;
    *) echo "test-all: unknown suite '$suite'" >&2; exit 2 ;;
    esac
done

echo
echo "==> results"
for l in "${SUITE_LINES[@]}"; do echo "  $l"; done
if [ ${#SKIP_LINES[@]} -gt 0 ]; then
    echo "==> skipped (logged through RBPF_SKIP_LOG)"
    for l in "${SKIP_LINES[@]}"; do echo "  $l"; done
fi
echo "$TOTAL_P passed, $TOTAL_F failed, $TOTAL_S skipped"
[ "$TOTAL_F" -eq 0 ] && [ "$FAILED_SUITES" -eq 0 ]
