// SPDX-License-Identifier: (BSD-2-Clause OR MIT)
// Used by: the map tests in every language (BTF-typed keys and values, per-CPU values,
// map attributes as parsed, element operations from user space) and the libbpf
// oracle test in testprogs/tests (map definitions must match libbpf's).
//
// Every BTF-defined map attribute except pinning (see pinned.bpf.c):
//   hash_map      HASH          struct hkey {u32 a; u32 b} -> struct hvalue {u64 x; char tag[8]}
//   array_map     ARRAY         u32 -> u64 (types)
//   sized_array   ARRAY         key_size 4 / value_size 8 (sizes, no BTF types)
//   percpu_array  PERCPU_ARRAY  u32 -> u64
//   percpu_hash   PERCPU_HASH   u32 -> u64
//   lru_hash      LRU_HASH      u32 -> u64, map_flags BPF_F_NO_COMMON_LRU
//   nopre_hash    HASH          u32 -> u64, map_flags BPF_F_NO_PREALLOC
//   numa_hash     HASH          u32 -> u32, map_flags BPF_F_NUMA_NODE, numa_node 0
//   bloom         BLOOM_FILTER  value u64, map_extra 3 (hash functions)
//   ringbuf       RINGBUF       64 KiB
// On getpid() by tgid == target_pid (0 = any), `update_maps` does, per call:
//   percpu_array[0] += 1 and percpu_hash[1] += 1 (on the current CPU),
//   array_map[0] += 1, hash_map[{1,2}] = {x: calls so far, tag: "getpid"},
//   lru_hash[tgid] = calls, nopre_hash[7] = calls, numa_hash[9] = 9, bloom <- 42,
//   and one u64 record (the call count) into ringbuf.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

const volatile int target_pid = 0;

struct hkey {
	__u32 a;
	__u32 b;
};

struct hvalue {
	__u64 x;
	char tag[8];
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 128);
	__type(key, struct hkey);
	__type(value, struct hvalue);
} hash_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 16);
	__type(key, __u32);
	__type(value, __u64);
} array_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__uint(key_size, 4);
	__uint(value_size, 8);
} sized_array SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} percpu_array SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 32);
	__type(key, __u32);
	__type(value, __u64);
} percpu_hash SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 64);
	__uint(map_flags, BPF_F_NO_COMMON_LRU);
	__type(key, __u32);
	__type(value, __u64);
} lru_hash SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u32);
	__type(value, __u64);
} nopre_hash SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8);
	__uint(map_flags, BPF_F_NUMA_NODE);
	__uint(numa_node, 0);
	__type(key, __u32);
	__type(value, __u32);
} numa_hash SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_BLOOM_FILTER);
	__uint(max_entries, 64);
	__uint(map_extra, 3);
	__type(value, __u64);
} bloom SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 * 1024);
} ringbuf SEC(".maps");

static __always_inline void bump(void *map, __u32 key)
{
	__u64 one = 1, *v = bpf_map_lookup_elem(map, &key);

	if (v)
		__sync_fetch_and_add(v, 1);
	else
		bpf_map_update_elem(map, &key, &one, BPF_NOEXIST);
}

SEC("tp/syscalls/sys_enter_getpid")
int update_maps(void *ctx)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	__u32 zero = 0, nine = 9;
	__u64 calls = 0, *cnt, bloom_val = 42;
	struct hkey k = { .a = 1, .b = 2 };
	struct hvalue v = { .tag = "getpid" };
	__u64 *rec;

	if (target_pid != 0 && tgid != (__u32)target_pid)
		return 0;

	/* per-CPU counters: the element of the current CPU only */
	bump(&percpu_array, 0);
	bump(&percpu_hash, 1);

	cnt = bpf_map_lookup_elem(&array_map, &zero);
	if (cnt)
		calls = __sync_add_and_fetch(cnt, 1);

	v.x = calls;
	bpf_map_update_elem(&hash_map, &k, &v, BPF_ANY);
	bpf_map_update_elem(&lru_hash, &tgid, &calls, BPF_ANY);
	{
		__u32 seven = 7;

		bpf_map_update_elem(&nopre_hash, &seven, &calls, BPF_ANY);
	}
	bpf_map_update_elem(&numa_hash, &nine, &nine, BPF_ANY);
	bpf_map_push_elem(&bloom, &bloom_val, BPF_ANY);

	rec = bpf_ringbuf_reserve(&ringbuf, sizeof(*rec), 0);
	if (rec) {
		*rec = calls;
		bpf_ringbuf_submit(rec, 0);
	}
	return 0;
}
