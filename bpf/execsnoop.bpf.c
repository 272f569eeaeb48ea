// SPDX-License-Identifier: (BSD-2-Clause OR MIT)
// Used by: the main demo (`make run` -> examples/python/execsnoop.py), the examples in
// every language, and the ring-buffer decoding tests (a test spawns a child and looks
// for its pid and comm in `events`).
//
// One struct exec_event per successful exec, into the ring buffer `events`:
//   pid (tgid after exec), ppid (task->real_parent->tgid through CO-RE),
//   ts_ns (bpf_ktime_get_ns), comm (after exec), filename (the tracepoint's
//   __data_loc field: the path given to execve, truncated to 63 bytes).
// `struct exec_event` is in the object's BTF (anchored by .bss `exec_event_type`).
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

struct exec_event {
	__u32 pid;
	__u32 ppid;
	__u64 ts_ns;
	char comm[16];
	char filename[64];
};

// clang puts only the types of globals and functions into BTF; this .bss pointer keeps
// `struct exec_event` there so user space can decode ring records by type name.
struct exec_event *exec_event_type __attribute__((unused));

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} events SEC(".maps");

SEC("tp/sched/sched_process_exec")
int handle_exec(struct trace_event_raw_sched_process_exec *ctx)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	/* __data_loc: low 16 bits are the offset from the start of the record */
	unsigned int off = ctx->__data_loc_filename & 0xFFFF;
	struct exec_event *e;

	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e)
		return 0;
	e->pid = bpf_get_current_pid_tgid() >> 32;
	e->ppid = BPF_CORE_READ(task, real_parent, tgid);
	e->ts_ns = bpf_ktime_get_ns();
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	bpf_probe_read_kernel_str(e->filename, sizeof(e->filename), (void *)ctx + off);
	bpf_ringbuf_submit(e, 0);
	return 0;
}
