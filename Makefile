# rbpf: the two commands are `make run` (main demo) and `make test` (every suite).
# Every target is idempotent; steps for binding crates that are not there yet are skipped.

SHELL       := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS   += --no-print-directory

ROOT   := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
VENV   := $(ROOT)/.venv
CARGO  ?= cargo
# Profile of librbpf.so for the C tests: target/$(FFI_PROFILE)/librbpf.so
FFI_PROFILE ?= debug
FFI_FLAG    := $(if $(filter release,$(FFI_PROFILE)),--release,)
# The Python and Node crates are built by maturin / napi, not by the plain cargo build.
CARGO_EXCLUDE := $(if $(wildcard py/Cargo.toml),--exclude rbpf-py) \
                 $(if $(wildcard node/Cargo.toml),--exclude rbpf-node)

say = @echo "==> $(1)"

.PHONY: help deps mounts bpf build build-rust build-c build-py build-node test run bench gen clean distclean

help:
	@echo "make run    - install what is missing, build, run the main demo (Python execsnoop)"
	@echo "make test   - install what is missing, build, run every suite; last line: N passed, M failed, K skipped"
	@echo "make deps | mounts | bpf | build | bench | gen | clean | distclean"

deps:
	@scripts/deps.sh

mounts:
	@if ! mountpoint -q /sys/fs/bpf; then echo "==> mounting bpffs on /sys/fs/bpf"; mount -t bpf bpf /sys/fs/bpf; fi
	@if ! mountpoint -q /sys/kernel/tracing; then echo "==> mounting tracefs on /sys/kernel/tracing"; mount -t tracefs tracefs /sys/kernel/tracing; fi

bpf:
	$(call say,compiling bpf/*.bpf.c -> target/bpf/)
	@$(CARGO) build -q -p rbpf-testprogs

build: bpf build-rust build-c build-py build-node

build-rust:
	$(call say,cargo build (workspace))
	@$(CARGO) build -q --workspace $(CARGO_EXCLUDE)

build-c:
	@if [ -f ffi-c/Cargo.toml ]; then \
		echo "==> librbpf ($(FFI_PROFILE)): target/$(FFI_PROFILE)/librbpf.so"; \
		$(CARGO) build -q -p rbpf-ffi $(FFI_FLAG); \
	fi

build-py:
	@if [ -f py/pyproject.toml ]; then \
		echo "==> python extension into .venv (maturin develop)"; \
		cd py && VIRTUAL_ENV=$(VENV) PATH=$(VENV)/bin:$$PATH $(VENV)/bin/maturin develop -q; \
	fi

build-node:
	@if [ -f node/package.json ]; then \
		echo "==> node addon (npm run build)"; \
		cd node && npm run -s build; \
	fi

# A failed build does not stop the suites: what built is still tested, and the failure is
# counted (the "build" line), so the summary line is always printed.
test: deps mounts
	@rc=0; $(MAKE) build || rc=$$?; RBPF_BUILD_STATUS=$$rc scripts/test-all.sh

run: deps mounts build
	$(call say,main demo: examples/python/execsnoop.py)
	@$(VENV)/bin/python examples/python/execsnoop.py --duration 5

bench: deps mounts
	$(call say,building rbpf-bench (release))
	@$(CARGO) build -q --release -p rbpf-bench -p rbpf-ffi -p rbpf-testprogs
	@$(CARGO) run -q --release -p rbpf-bench -- --output $(ROOT)/BENCHMARKS.md

gen:
	@if [ -f gen/Cargo.toml ]; then echo "==> rbpf-gen"; $(CARGO) run -q -p rbpf-gen; \
	elif [ -f ffi-c/Cargo.toml ] && grep -q 'name *= *"rbpf-gen"' ffi-c/Cargo.toml; then \
		echo "==> rbpf-gen"; $(CARGO) run -q -p rbpf-ffi --bin rbpf-gen; fi
	@if [ -x scripts/gen-header.sh ]; then echo "==> scripts/gen-header.sh"; scripts/gen-header.sh; fi

clean:
	$(CARGO) clean
	rm -rf build py/python/rbpf/*.so node/*.node .pytest_cache

# Also removes the installed development tools (.venv, node_modules).
distclean: clean
	rm -rf $(VENV) node/node_modules
