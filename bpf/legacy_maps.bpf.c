// SPDX-License-Identifier: (BSD-2-Clause OR MIT)
// Used by: the legacy-map tests in every language and the libbpf oracle test in
// testprogs/tests. A pre-BTF `SEC("maps")` map definition: libbpf 1.x refuses the
// object at open ("legacy map definitions in 'maps' section are not supported"),
// and so must rbpf, with a clear error.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

// The old libbpf struct, declared here since libbpf 1.x headers no longer have it.
struct legacy_map_def {
	unsigned int type;
	unsigned int key_size;
	unsigned int value_size;
	unsigned int max_entries;
	unsigned int map_flags;
};

struct legacy_map_def legacy_map SEC("maps") = {
	.type = BPF_MAP_TYPE_ARRAY,
	.key_size = sizeof(__u32),
	.value_size = sizeof(__u64),
	.max_entries = 4,
};

SEC("tp/syscalls/sys_enter_getpid")
int use_legacy(void *ctx)
{
	__u32 key = 0;
	__u64 *v = bpf_map_lookup_elem(&legacy_map, &key);

	if (v)
		__sync_fetch_and_add(v, 1);
	return 0;
}
