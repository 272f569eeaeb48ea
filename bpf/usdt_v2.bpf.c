// SPDX-License-Identifier: GPL-2.0
/* USDT probes read through libbpf's own usdt.bpf.h (the 1.7+ spec layout, 304 bytes).
 * Each program records into its slot of `out`: hit count, the first four arguments,
 * bpf_usdt_cookie() and bpf_usdt_arg_cnt(). Attached by the Rust/C/Python/Node tests to
 * the fixture binaries they build. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/usdt.bpf.h>

struct rec {
	__u64 cnt;
	__s64 args[4];
	__u64 cookie;
	__s64 arg_cnt;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, struct rec);
} out SEC(".maps");

static __always_inline void record(struct pt_regs *ctx, __u32 slot)
{
	struct rec *r = bpf_map_lookup_elem(&out, &slot);
	long v;
	int i;

	if (!r)
		return;
	__sync_fetch_and_add(&r->cnt, 1);
	r->arg_cnt = bpf_usdt_arg_cnt(ctx);
	r->cookie = bpf_usdt_cookie(ctx);
#pragma unroll
	for (i = 0; i < 4; i++) {
		if (bpf_usdt_arg(ctx, i, &v) == 0)
			r->args[i] = v;
	}
}

SEC("usdt")
int handle_args4(struct pt_regs *ctx)
{
	record(ctx, 0);
	return 0;
}

SEC("usdt")
int handle_noargs(struct pt_regs *ctx)
{
	record(ctx, 1);
	return 0;
}

SEC("usdt")
int handle_sema(struct pt_regs *ctx)
{
	record(ctx, 2);
	return 0;
}

SEC("usdt")
int handle_lib(struct pt_regs *ctx)
{
	record(ctx, 3);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
