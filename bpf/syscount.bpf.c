// SPDX-License-Identifier: (BSD-2-Clause OR MIT)
// Used by: the syscall-counting tests in every language (Rust core tests, C tests,
// pytest, node --test), the Rust example `syscount`, the libbpf oracle test in
// testprogs/tests and the benchmark (bench/).
//
// Counts the syscalls of one process (tgid == target_pid; 0 = every process):
//   counts    HASH    u32 syscall id -> u64 count        (tracepoint program)
//   total     .bss    u64, every counted syscall           (tracepoint program)
//   events    RINGBUF struct event, one per syscall == watch_syscall (-1 = none);
//             `struct event` is in the object's BTF (anchored by .bss `event_type`)
//   raw_total .bss    u64, counted by the raw_tp program  `count_raw`
//   btf_total .bss    u64, counted by the tp_btf program  `count_btf`
// Tests that only need one attach kind disable the others with autoload.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

const volatile int target_pid = 0;
const volatile int watch_syscall = -1;

__u64 total = 0;
__u64 raw_total = 0;
__u64 btf_total = 0;

struct event {
	__u32 pid;
	__u32 syscall_id;
	char comm[16];
};

// clang puts only the types of globals and functions into BTF; this .bss pointer keeps
// `struct event` there so user space can decode ring records by type name.
struct event *event_type __attribute__((unused));

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, __u64);
} counts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} events SEC(".maps");

// The tgid read through CO-RE, so every program exercises a task_struct relocation.
static __always_inline bool pid_matches(__u32 *tgid_out)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	__u32 tgid = BPF_CORE_READ(task, tgid);

	*tgid_out = tgid;
	return target_pid == 0 || tgid == (__u32)target_pid;
}

SEC("tracepoint/raw_syscalls/sys_enter")
int count_syscalls(struct trace_event_raw_sys_enter *ctx)
{
	__u32 tgid;
	__u32 id = (__u32)ctx->id;
	__u64 one = 1, *cnt;

	if (!pid_matches(&tgid))
		return 0;

	cnt = bpf_map_lookup_elem(&counts, &id);
	if (cnt)
		__sync_fetch_and_add(cnt, 1);
	else
		bpf_map_update_elem(&counts, &id, &one, BPF_NOEXIST);
	__sync_fetch_and_add(&total, 1);

	if (watch_syscall >= 0 && id == (__u32)watch_syscall) {
		struct event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);

		if (!e)
			return 0;
		e->pid = tgid;
		e->syscall_id = id;
		bpf_get_current_comm(e->comm, sizeof(e->comm));
		bpf_ringbuf_submit(e, 0);
	}
	return 0;
}

SEC("raw_tp/sys_enter")
int count_raw(struct bpf_raw_tracepoint_args *ctx)
{
	__u32 tgid;

	if (pid_matches(&tgid))
		__sync_fetch_and_add(&raw_total, 1);
	return 0;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(count_btf, struct pt_regs *regs, long id)
{
	__u32 tgid;

	if (pid_matches(&tgid))
		__sync_fetch_and_add(&btf_total, 1);
	return 0;
}
