// SPDX-License-Identifier: (BSD-2-Clause OR MIT)
// Used by: the Program-level attach tests of every language (core/tests/program_attach.rs,
// tests/c/test_attach.c, Python, Node).
//
// Network and other non-probe kinds; each counts in .bss:
// - xdp_count (XDP), tcx_count (tcx/ingress, returns TCX_NEXT), tc_count (SEC("tc") for
//   clsact + cls_bpf, returns TC_ACT_UNSPEC): IPv4 UDP packets seen.
// - sock_create (cgroup/sock_create): sockets created in the cgroup (allowed).
// - sock_filter (socket): packets seen by the socket it is attached to (kept whole).
// - dump_task (iter/task): "TGID PID\n" per task, only `target_tgid`'s when set.
// - on_sample (perf_event): samples.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

const volatile __u32 target_tgid = 0;

__u64 xdp_pkts;
__u64 tcx_pkts;
__u64 tc_pkts;
__u64 sock_creates;
__u64 sock_filter_pkts;
__u64 perf_samples;

static __always_inline bool is_udp4(void *data, void *data_end)
{
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);

	if ((void *)(ip + 1) > data_end)
		return false;
	return eth->h_proto == bpf_htons(0x0800) && ip->protocol == 17;
}

SEC("xdp")
int xdp_count(struct xdp_md *ctx)
{
	if (is_udp4((void *)(long)ctx->data, (void *)(long)ctx->data_end))
		__sync_fetch_and_add(&xdp_pkts, 1);
	return XDP_PASS;
}

SEC("tcx/ingress")
int tcx_count(struct __sk_buff *skb)
{
	if (is_udp4((void *)(long)skb->data, (void *)(long)skb->data_end))
		__sync_fetch_and_add(&tcx_pkts, 1);
	return -1; /* TCX_NEXT */
}

SEC("tc")
int tc_count(struct __sk_buff *skb)
{
	if (is_udp4((void *)(long)skb->data, (void *)(long)skb->data_end))
		__sync_fetch_and_add(&tc_pkts, 1);
	return -1; /* TC_ACT_UNSPEC */
}

SEC("cgroup/sock_create")
int sock_create(struct bpf_sock *sk)
{
	__sync_fetch_and_add(&sock_creates, 1);
	return 1;
}

SEC("socket")
int sock_filter(struct __sk_buff *skb)
{
	__sync_fetch_and_add(&sock_filter_pkts, 1);
	return skb->len;
}

SEC("iter/task")
int dump_task(struct bpf_iter__task *ctx)
{
	struct seq_file *seq = ctx->meta->seq;
	struct task_struct *task = ctx->task;

	if (!task)
		return 0;
	if (target_tgid && task->tgid != target_tgid)
		return 0;
	BPF_SEQ_PRINTF(seq, "%d %d\n", task->tgid, task->pid);
	return 0;
}

SEC("perf_event")
int on_sample(void *ctx)
{
	__sync_fetch_and_add(&perf_samples, 1);
	return 0;
}
