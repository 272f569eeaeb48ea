// SPDX-License-Identifier: (BSD-2-Clause OR MIT)
// Used by: the map-type tests (Rust core/tests/maps_types.rs, C tests/c/test_maps.c).
// One map of each kind maps.bpf.c does not cover:
//   lpm          LPM_TRIE  struct lpm_key {prefixlen, addr} -> u32, BPF_F_NO_PREALLOC
//   queue/stack  QUEUE / STACK of u32, 8 entries (NULL-key push / pop / peek)
//   jmp_table    PROG_ARRAY, slot 1 = tail_1 through `values`; `entry` tail-calls slot
//                `tail_slot` (.bss) and returns 1 when the slot is empty
//   inner_a/b    ARRAY u32 -> u64, 1 entry; `outer` ARRAY_OF_MAPS slots 0 = inner_a,
//                2 = inner_b through `values`; `hoh` HASH_OF_MAPS with an inner template
//   mmapable     ARRAY u32 -> u64, 64 entries, BPF_F_MMAPABLE
//   devmap       DEVMAP u32 -> u32, 4 entries; cpumap CPUMAP u32 -> struct bpf_cpumap_val
//   sockmap      SOCKMAP u32 -> u64 (a lookup returns the socket cookie)
//   perf_events  PERF_EVENT_ARRAY (max_entries 0: one slot per possible CPU, as libbpf);
//                `perf_out` (SEC("socket")) writes the u64 perf_value to it
// `entry` (SEC("socket"), BPF_PROG_TEST_RUN) also copies outer[0][0] into seen_inner_a,
// outer[2][0] into seen_inner_b, and adds 1 to mmapable[3].
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

struct lpm_key {
	__u32 prefixlen;
	__u32 addr;
};

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 16);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct lpm_key);
	__type(value, __u32);
} lpm SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_QUEUE);
	__uint(max_entries, 8);
	__type(value, __u32);
} queue SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_STACK);
	__uint(max_entries, 8);
	__type(value, __u32);
} stack SEC(".maps");

struct inner_map {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} inner_a SEC(".maps"), inner_b SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 4);
	__type(key, __u32);
	__array(values, struct inner_map);
} outer SEC(".maps") = {
	.values = { [0] = &inner_a, [2] = &inner_b },
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH_OF_MAPS);
	__uint(max_entries, 4);
	__type(key, __u32);
	__array(values, struct inner_map);
} hoh SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 64);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, __u64);
} mmapable SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u32);
} devmap SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_CPUMAP);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct bpf_cpumap_val);
} cpumap SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_SOCKMAP);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} sockmap SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
} perf_events SEC(".maps");

__u32 tail_slot = 0;
__u64 perf_value = 0;
__u64 seen_inner_a = 0;
__u64 seen_inner_b = 0;

SEC("socket")
int tail_1(struct __sk_buff *skb)
{
	return 42;
}

SEC("socket")
int tail_2(struct __sk_buff *skb)
{
	return 43;
}

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__array(values, int (void *));
} jmp_table SEC(".maps") = {
	.values = { [1] = (void *)&tail_1 },
};

SEC("socket")
int entry(struct __sk_buff *skb)
{
	__u32 zero = 0, two = 2, three = 3;
	__u64 *v;
	void *inner;

	inner = bpf_map_lookup_elem(&outer, &zero);
	if (inner) {
		v = bpf_map_lookup_elem(inner, &zero);
		if (v)
			seen_inner_a = *v;
	}
	inner = bpf_map_lookup_elem(&outer, &two);
	if (inner) {
		v = bpf_map_lookup_elem(inner, &zero);
		if (v)
			seen_inner_b = *v;
	}
	v = bpf_map_lookup_elem(&mmapable, &three);
	if (v)
		__sync_fetch_and_add(v, 1);
	bpf_tail_call(skb, &jmp_table, tail_slot);
	return 1;
}

SEC("socket")
int perf_out(struct __sk_buff *skb)
{
	__u64 v = perf_value;

	bpf_perf_event_output(skb, &perf_events, BPF_F_CURRENT_CPU, &v, sizeof(v));
	return 0;
}
