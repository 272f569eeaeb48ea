// SPDX-License-Identifier: (BSD-2-Clause OR MIT)
// Used by: the benchmark (bench/: open+load+close through rbpf and libbpf) and the
// CO-RE tests (field relocations against vmlinux, compared with libbpf's results).
//
// A small CO-RE tracepoint object: on getpid(), `read_task` reads a handful of
// task_struct fields through BPF_CORE_READ and stores them in .bss.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

__u32 seen_pid;
__u32 seen_tgid;
__u32 seen_ppid;
int seen_prio;
__u64 seen_start_time;
char seen_comm[16];

SEC("tp/syscalls/sys_enter_getpid")
int read_task(void *ctx)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();

	seen_pid = BPF_CORE_READ(task, pid);
	seen_tgid = BPF_CORE_READ(task, tgid);
	seen_ppid = BPF_CORE_READ(task, real_parent, tgid);
	seen_prio = BPF_CORE_READ(task, prio);
	seen_start_time = BPF_CORE_READ(task, start_time);
	BPF_CORE_READ_STR_INTO(&seen_comm, task, comm);
	return 0;
}
