#!/usr/bin/env bash
# Regenerates include/rbpf.h, ffi-c/src/opts_gen.rs, include/rbpf-opts.json and the
# typing fragments in gen/out/ (see gen/src/lib.rs). `--check` writes nothing and fails
# when a committed file is stale (cargo test -p rbpf-gen checks the same).
set -euo pipefail
cd "$(dirname "$0")/.."
exec cargo run -q -p rbpf-gen -- "$@"
