// SPDX-License-Identifier: (BSD-2-Clause OR MIT)
// Used by: the pinning tests (LIBBPF_PIN_BY_NAME: pinned at <pin_root_path>/<map name>,
// reused by a second object, left in bpffs after close) and the libbpf oracle test in
// testprogs/tests, which sets pin_root_path to a temporary bpffs directory.
// Tests must set pin_root_path (or unpin) so nothing stays under /sys/fs/bpf.
//
//   pinned_map   ARRAY u32 -> u64, 4 entries, pinning LIBBPF_PIN_BY_NAME
//   private_map  ARRAY u32 -> u64, 4 entries, no pinning
// On getpid() by tgid == target_pid (0 = any), `bump_pinned` increments pinned_map[0]
// and private_map[0].
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

const volatile int target_pid = 0;

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
	__type(key, __u32);
	__type(value, __u64);
} pinned_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} private_map SEC(".maps");

SEC("tp/syscalls/sys_enter_getpid")
int bump_pinned(void *ctx)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	__u32 zero = 0;
	__u64 *v;

	if (target_pid != 0 && tgid != (__u32)target_pid)
		return 0;
	v = bpf_map_lookup_elem(&pinned_map, &zero);
	if (v)
		__sync_fetch_and_add(v, 1);
	v = bpf_map_lookup_elem(&private_map, &zero);
	if (v)
		__sync_fetch_and_add(v, 1);
	return 0;
}
