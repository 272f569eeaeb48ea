// SPDX-License-Identifier: (BSD-2-Clause OR MIT)
// Used by: the ring buffer throughput benchmark (bench/, `make bench`) and the
// consume_n / ring accessor tests.
//
//   bench_rb  RINGBUF 256 KiB
// `produce` (SEC("syscall"), run with BPF_PROG_TEST_RUN) emits nr_records 16-byte records
// {seq, 0} with bpf_loop; a record that does not fit is counted in `dropped`, so a
// producer that outpaces the consumer is measured, not blocked.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} bench_rb SEC(".maps");

__u32 nr_records = 0;
__u64 seq = 0;
__u64 dropped = 0;

static long emit(__u64 i, void *ctx)
{
	__u64 *p = bpf_ringbuf_reserve(&bench_rb, 16, 0);

	if (!p) {
		dropped += 1;
		return 0;
	}
	p[0] = seq++;
	p[1] = 0;
	bpf_ringbuf_submit(p, 0);
	return 0;
}

SEC("syscall")
int produce(void *ctx)
{
	bpf_loop(nr_records, emit, NULL, 0);
	return 0;
}
