// SPDX-License-Identifier: (BSD-2-Clause OR MIT)
// Used by: the user ring buffer tests (Rust core/tests/maps_events.rs, C tests/c/test_maps.c).
//
//   user_ringbuf  USER_RINGBUF 16 KiB: user space produces, `drain` consumes
// `drain` (SEC("syscall"), run with BPF_PROG_TEST_RUN) calls bpf_user_ringbuf_drain and, per
// record, adds its first u64 to drained_sum, its size to drained_bytes and 1 to
// drained_cnt; drain_ret is the helper's return (records drained or -errno).
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

struct {
	__uint(type, BPF_MAP_TYPE_USER_RINGBUF);
	__uint(max_entries, 16 * 1024);
} user_ringbuf SEC(".maps");

__u64 drained_sum = 0;
__u64 drained_cnt = 0;
__u64 drained_bytes = 0;
long drain_ret = 0;

static long on_sample(struct bpf_dynptr *dynptr, void *ctx)
{
	__u64 v = 0;

	if (bpf_dynptr_read(&v, sizeof(v), dynptr, 0, 0))
		return 0;
	drained_sum += v;
	drained_cnt += 1;
	/* the record's size travels in its second u64 (the header is not visible) */
	if (!bpf_dynptr_read(&v, sizeof(v), dynptr, 8, 0))
		drained_bytes += v;
	return 0;
}

SEC("syscall")
int drain(void *ctx)
{
	drain_ret = bpf_user_ringbuf_drain(&user_ringbuf, on_sample, NULL, 0);
	return 0;
}
