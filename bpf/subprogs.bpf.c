// SPDX-License-Identifier: (BSD-2-Clause OR MIT)
// Used by: the subprogram tests in every language (bpf-to-bpf calls to static and
// global functions in .text, a bpf_loop callback, the same subprograms appended to two
// entry programs in different sections) and the libbpf oracle test in testprogs/tests.
//
// static_fn(x) = 3*x + 1 (static, __noinline); global_fn(x) = x + 100 (global, verified
// on its own by the kernel); loop_cb sums the indexes 0..9 through bpf_loop (= 45).
// `input` (.rodata, default 5) keeps clang from folding the calls away.
// On getpid() by tgid == target_pid (0 = any):
//   on_getpid    (tp/syscalls/sys_enter_getpid): tp_result  = global_fn(static_fn(input))
//                                                tp_loop_sum = 45, tp_runs += 1
// On any syscall by tgid == target_pid (0 = any):
//   on_sys_enter (raw_tp/sys_enter):             raw_result = global_fn(static_fn(input + 2))
//                                                raw_loop_sum = 45, raw_runs += 1
// With the default input: tp_result = 116, raw_result = 122.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

const volatile int target_pid = 0;
const volatile int input = 5;

int tp_result;
int raw_result;
__u64 tp_loop_sum;
__u64 raw_loop_sum;
__u64 tp_runs;
__u64 raw_runs;

static __noinline int static_fn(int x)
{
	return 3 * x + 1;
}

__noinline int global_fn(int x)
{
	return x + 100;
}

struct loop_ctx {
	__u64 sum;
};

static long loop_cb(__u32 index, void *data)
{
	struct loop_ctx *c = data;

	c->sum += index;
	return 0;
}

static __always_inline bool pid_matches(void)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;

	return target_pid == 0 || tgid == (__u32)target_pid;
}

SEC("tp/syscalls/sys_enter_getpid")
int on_getpid(void *ctx)
{
	struct loop_ctx c = {};

	if (!pid_matches())
		return 0;
	tp_result = global_fn(static_fn(input));
	bpf_loop(10, loop_cb, &c, 0);
	tp_loop_sum = c.sum;
	__sync_fetch_and_add(&tp_runs, 1);
	return 0;
}

SEC("raw_tp/sys_enter")
int on_sys_enter(struct bpf_raw_tracepoint_args *ctx)
{
	struct loop_ctx c = {};

	if (!pid_matches())
		return 0;
	raw_result = global_fn(static_fn(input + 2));
	bpf_loop(10, loop_cb, &c, 0);
	raw_loop_sum = c.sum;
	__sync_fetch_and_add(&raw_runs, 1);
	return 0;
}
