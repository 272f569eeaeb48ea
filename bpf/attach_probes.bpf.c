// SPDX-License-Identifier: (BSD-2-Clause OR MIT)
// Used by: the Program-level attach tests of every language (core/tests/program_attach.rs,
// tests/c/test_attach.c, Python, Node).
//
// User-space probes. Each program counts its hits (and records what it saw) in .bss.
// `target_tid` (set before load; 0 = every thread) filters the system-wide probes.
// - count_uprobe / count_uretprobe / count_multi: bare sections, attached explicitly
//   (to the fixture's `rbpf_test_func(int x)`; cookie from bpf_get_attach_cookie()).
// - auto_getpid / auto_getpid_ret: auto-attach to libc's getpid (name resolved like libbpf).
// - auto_lib_func / auto_usdt: auto-attach to the fixture library librbpfprobe.so, found
//   through LD_LIBRARY_PATH: `rbpf_lib_func(int x)` and USDT rbpflib:lib_probe(x, x*1000).
// - usdt_args: bare usdt, attached explicitly to rbpftest:args4 (4 args) with a cookie.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/usdt.bpf.h>

char LICENSE[] SEC("license") = "GPL";

const volatile __u32 target_tid = 0;

__u64 uprobe_cnt;
__s64 uprobe_arg;
__u64 uprobe_cookie;
__u64 uretprobe_cnt;
__s64 uretprobe_ret;
__u64 multi_cnt;
__u64 getpid_cnt;
__u64 getpid_ret_cnt;
__s64 getpid_ret;
__u64 lib_cnt;
__s64 lib_arg;
__u64 usdt_auto_cnt;
__s64 usdt_auto_args[2];
__u64 usdt_cnt;
__s64 usdt_args[4];
__u64 usdt_cookie;
__s64 usdt_arg_cnt;

static __always_inline bool mine(void)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();

	return !target_tid || tid == target_tid;
}

SEC("uprobe")
int BPF_UPROBE(count_uprobe, int x)
{
	if (!mine())
		return 0;
	__sync_fetch_and_add(&uprobe_cnt, 1);
	uprobe_arg = x;
	uprobe_cookie = bpf_get_attach_cookie(ctx);
	return 0;
}

SEC("uretprobe")
int BPF_URETPROBE(count_uretprobe, int ret)
{
	if (!mine())
		return 0;
	__sync_fetch_and_add(&uretprobe_cnt, 1);
	uretprobe_ret = ret;
	return 0;
}

SEC("uprobe.multi")
int count_multi(struct pt_regs *ctx)
{
	if (mine())
		__sync_fetch_and_add(&multi_cnt, 1);
	return 0;
}

SEC("uprobe/libc.so.6:getpid")
int auto_getpid(struct pt_regs *ctx)
{
	if (target_tid && mine())
		__sync_fetch_and_add(&getpid_cnt, 1);
	return 0;
}

SEC("uretprobe/libc.so.6:getpid")
int BPF_URETPROBE(auto_getpid_ret, int ret)
{
	if (!target_tid || !mine())
		return 0;
	__sync_fetch_and_add(&getpid_ret_cnt, 1);
	getpid_ret = ret;
	return 0;
}

SEC("uprobe/librbpfprobe.so:rbpf_lib_func")
int BPF_UPROBE(auto_lib_func, int x)
{
	__sync_fetch_and_add(&lib_cnt, 1);
	lib_arg = x;
	return 0;
}

SEC("usdt/librbpfprobe.so:rbpflib:lib_probe")
int BPF_USDT(auto_usdt, int x, long y)
{
	__sync_fetch_and_add(&usdt_auto_cnt, 1);
	usdt_auto_args[0] = x;
	usdt_auto_args[1] = y;
	return 0;
}

SEC("usdt")
int usdt_args4(struct pt_regs *ctx)
{
	long v;
	int i;

	__sync_fetch_and_add(&usdt_cnt, 1);
	usdt_arg_cnt = bpf_usdt_arg_cnt(ctx);
	usdt_cookie = bpf_usdt_cookie(ctx);
#pragma unroll
	for (i = 0; i < 4; i++) {
		if (bpf_usdt_arg(ctx, i, &v) == 0)
			usdt_args[i] = v;
	}
	return 0;
}
