// SPDX-License-Identifier: (BSD-2-Clause OR MIT)
// Used by: the perf buffer tests in every language (records per CPU, BTF-typed
// records, lost-sample notices).
//
//   events   PERF_EVENT_ARRAY, key/value u32, no max_entries: the loader sizes it to
//            the number of possible CPUs, as libbpf does.
// On getppid() by tgid == target_pid (0 = any), `emit_events` writes `burst` records
// (0 counts as 1; at most 1024 per call; getppid because interpreters call getpid on
// their own) with bpf_perf_event_output(BPF_F_CURRENT_CPU):
//   struct perf_rec { u32 pid; u32 seq; u64 cookie; char comm[16]; }
// seq counts records across calls (.bss `next_seq`; not atomic: one caller at a time);
// cookie = 0x1122334455667788 (64-bit: bigint in Node). A large burst into a one-page
// buffer overflows it; the kernel writes the lost-sample notice with the next sample
// that fits after the consumer made room. `struct perf_rec` is in the object's BTF
// (anchored by .bss `perf_rec_type`).
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define MAX_BURST 1024

const volatile int target_pid = 0;
/* Records per getpid(); writable after load (.data). */
__u32 burst = 1;
__u32 next_seq = 0;

struct perf_rec {
	__u32 pid;
	__u32 seq;
	__u64 cookie;
	char comm[16];
};

struct perf_rec *perf_rec_type __attribute__((unused));

struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
} events SEC(".maps");

SEC("tp/syscalls/sys_enter_getppid")
int emit_events(void *ctx)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	struct perf_rec rec = {};
	__u32 i, n;

	if (target_pid != 0 && tgid != (__u32)target_pid)
		return 0;

	n = burst;
	if (n == 0)
		n = 1;
	if (n > MAX_BURST)
		n = MAX_BURST;

	rec.pid = tgid;
	rec.cookie = 0x1122334455667788ULL;
	bpf_get_current_comm(rec.comm, sizeof(rec.comm));
	for (i = 0; i < MAX_BURST; i++) {
		if (i >= n)
			break;
		rec.seq = next_seq++;
		bpf_perf_event_output(ctx, &events, BPF_F_CURRENT_CPU, &rec, sizeof(rec));
	}
	return 0;
}
