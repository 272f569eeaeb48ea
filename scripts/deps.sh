#!/usr/bin/env bash
# Installs what `make build` / `make test` / `make run` need and is missing, nothing else.
# Idempotent and non-interactive (fresh Debian, root or sudo). Called by `make deps`.
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive

say() { echo "==> deps: $*"; }

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then SUDO="sudo -n"; else
        echo "deps: not root and no sudo; install the packages below by hand" >&2; fi
fi

# --- apt -------------------------------------------------------------------------------
APT_PKGS=(clang-19 llvm-19 bpftool libelf-dev zlib1g-dev systemtap-sdt-dev iputils-ping iproute2 pkg-config)
# Python with venv + pip, and Node with npm, only when they are not already usable.
if ! command -v python3 >/dev/null 2>&1; then APT_PKGS+=(python3); fi
if ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then APT_PKGS+=(python3-venv python3-pip); fi
if [ -f node/package.json ] && ! command -v npm >/dev/null 2>&1; then APT_PKGS+=(nodejs npm); fi
# A C compiler for libbpf-sys and the C tests.
if ! command -v cc >/dev/null 2>&1; then APT_PKGS+=(gcc libc6-dev); fi

missing=()
for p in "${APT_PKGS[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$p")
    fi
done
if [ ${#missing[@]} -gt 0 ]; then
    say "apt-get install ${missing[*]}"
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# --- Rust ------------------------------------------------------------------------------
if ! command -v cargo >/dev/null 2>&1; then
    [ -f "$HOME/.cargo/env" ] && . "$HOME/.cargo/env"
fi
command -v cargo >/dev/null 2>&1 || { echo "deps: cargo not found; install Rust with rustup" >&2; exit 1; }

# --- Python venv -----------------------------------------------------------------------
if [ ! -x .venv/bin/python ]; then
    say "creating .venv"
    python3 -m venv .venv
fi
need_pip=()
.venv/bin/python -c 'import pytest' >/dev/null 2>&1 || need_pip+=(pytest)
[ -x .venv/bin/maturin ] || need_pip+=(maturin)
# py/tests type-checks the .pyi stubs with mypy.
.venv/bin/python -c 'import mypy' >/dev/null 2>&1 || need_pip+=(mypy)
if [ ${#need_pip[@]} -gt 0 ]; then
    say "pip install ${need_pip[*]}"
    .venv/bin/python -m pip install -q "${need_pip[@]}"
fi

# --- Node ------------------------------------------------------------------------------
if [ -f node/package.json ]; then
    stamp=node/node_modules/.rbpf-deps-stamp
    if [ ! -f "$stamp" ] || [ node/package.json -nt "$stamp" ] ||
       { [ -f node/package-lock.json ] && [ node/package-lock.json -nt "$stamp" ]; }; then
        say "npm install (node/)"
        (cd node && npm install --no-audit --no-fund --loglevel=error)
        touch "$stamp"
    fi
fi
exit 0
