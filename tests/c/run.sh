#!/usr/bin/env bash
# Builds librbpf (cargo), the BPF objects, and the C tests against include/rbpf.h, then
# runs them. Prints PASS/FAIL/SKIP per test and a last line `N passed, M failed, K skipped`;
# exits non-zero on failure. Arguments select tests by name substring.
#
# Environment:
#   FFI_PROFILE=debug|release   which target/<profile>/librbpf.so to test (default debug)
#   RBPF_C_SANITIZE=address     build the tests with -fsanitize=address (+undefined)
#   RBPF_C_VALGRIND=1           run the test binary under valgrind (errors fail the run)
#   RBPF_C_STATIC=1             link librbpf.a instead of librbpf.so
#   CC                          C compiler (default cc)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"

PROFILE="${FFI_PROFILE:-debug}"
CC="${CC:-cc}"
LIBDIR="$ROOT/target/$PROFILE"
OUT="$ROOT/target/c-tests"
export RBPF_BPF_DIR="${RBPF_BPF_DIR:-$ROOT/target/bpf}"
mkdir -p "$OUT"

cargo_flags=(-q)
[ "$PROFILE" = release ] && cargo_flags+=(--release)
cargo build "${cargo_flags[@]}" -p rbpf-ffi
cargo build -q -p rbpf-testprogs

mountpoint -q /sys/fs/bpf 2>/dev/null || mount -t bpf bpf /sys/fs/bpf 2>/dev/null || true
mountpoint -q /sys/kernel/tracing 2>/dev/null || mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null || true

CFLAGS=(-std=gnu11 -g -O1 -Wall -Wextra -Werror -Wno-unused-parameter -I"$ROOT/include")
LDFLAGS=(-pthread)
if [ -n "${RBPF_C_SANITIZE:-}" ]; then
    CFLAGS+=(-fsanitize="$RBPF_C_SANITIZE" -fno-omit-frame-pointer)
    [ "$RBPF_C_SANITIZE" = address ] && CFLAGS+=(-fsanitize=undefined)
fi
if [ -n "${RBPF_C_STATIC:-}" ]; then
    LDFLAGS+=("$LIBDIR/librbpf.a" -lpthread -ldl -lm -lgcc_s)
else
    LDFLAGS+=(-L"$LIBDIR" -lrbpf -Wl,-rpath,"$LIBDIR")
fi

# The header compiles on its own, as C and as C++.
echo '#include "rbpf.h"' >"$OUT/header_only.c"
"$CC" "${CFLAGS[@]}" -fsyntax-only "$OUT/header_only.c"
if command -v c++ >/dev/null; then
    c++ -std=gnu++20 -Wall -Wextra -Werror -I"$ROOT/include" -fsyntax-only -x c++ "$OUT/header_only.c"
fi

# Every function the header declares is exported by librbpf.so, and nothing else is
# (rbpf_test_panic exists only with the test-panic feature).
if [ -z "${RBPF_C_STATIC:-}" ] && command -v nm >/dev/null; then
    declared="$(grep -oE '\brbpf_[a-z0-9_]+\(' include/rbpf.h | tr -d '(' | grep -v '^rbpf_test_panic$' | sort -u)"
    exported="$(nm -D --defined-only "$LIBDIR/librbpf.so" | awk '{print $3}' | grep -v '^rbpf_test_panic$' | sort -u)"
    if [ "$declared" != "$exported" ]; then
        echo "run.sh: rbpf.h and librbpf.so disagree (< header only, > library only):" >&2
        diff <(echo "$declared") <(echo "$exported") >&2 || true
        echo "0 passed, 1 failed, 0 skipped"
        exit 1
    fi
fi

# The C example builds with the same flags.
"$CC" "${CFLAGS[@]}" -o "$OUT/example_syscount" examples/c/syscount.c "${LDFLAGS[@]}"
"$CC" "${CFLAGS[@]}" -o "$OUT/test_rbpf" tests/c/harness.c tests/c/test_*.c "${LDFLAGS[@]}"

if [ -n "${RBPF_C_VALGRIND:-}" ]; then
    exec valgrind -q --error-exitcode=99 --suppressions="$ROOT/tests/c/valgrind.supp" --trace-children=yes --child-silent-after-fork=no \
        --leak-check=no "$OUT/test_rbpf" "$@"
fi
exec "$OUT/test_rbpf" "$@"
