// SPDX-License-Identifier: (BSD-2-Clause OR MIT)
// Used by: the Program-level attach tests of every language (kprobe kinds).
//
// Kernel probes. They load on any kernel with BPF_EVENTS; attaching needs CONFIG_KPROBES
// (kprobe.multi: fprobe), which the test kernel lacks: the tests check the clear error.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

__u64 hits;

SEC("kprobe/do_nanosleep")
int kprobe_nanosleep(struct pt_regs *ctx)
{
	__sync_fetch_and_add(&hits, 1);
	return 0;
}

SEC("kretprobe/do_nanosleep")
int kretprobe_nanosleep(struct pt_regs *ctx)
{
	__sync_fetch_and_add(&hits, 1);
	return 0;
}

SEC("ksyscall/nanosleep")
int ksyscall_nanosleep(struct pt_regs *ctx)
{
	__sync_fetch_and_add(&hits, 1);
	return 0;
}

SEC("kprobe.multi/do_nanosl*")
int kprobe_multi_nanosleep(struct pt_regs *ctx)
{
	__sync_fetch_and_add(&hits, 1);
	return 0;
}

SEC("kprobe")
int kprobe_bare(struct pt_regs *ctx)
{
	return 0;
}
