// SPDX-License-Identifier: (BSD-2-Clause OR MIT)
// Used by: core/tests/core_kernel.rs (every CO-RE relocation kind on the real kernel) and
// core/tests/core_differential.rs (rbpf's relocated instructions equal libbpf's).
//
// On getpid() from `target_pid`, `record_kinds` stores the value of one relocation of
// each of the 13 kinds (and of a few that must resolve to "missing") into `out`; the test
// computes the same values from /sys/kernel/btf/vmlinux and compares.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Local flavors: "___x" is ignored when matching kernel names. */
struct task_struct___missing {
	int rbpf_no_such_field;
} __attribute__((preserve_access_index));

struct task_struct___wrong {
	/* pid is an int in the kernel: a pointer does not "match". */
	char *pid;
} __attribute__((preserve_access_index));

struct rbpf_no_such_type {
	int x;
} __attribute__((preserve_access_index));

enum bpf_map_type___local {
	BPF_MAP_TYPE_RINGBUF___local = 1,
	RBPF_NO_SUCH_ENUMERATOR___local = 2,
};

struct kinds {
	__u64 field_byte_offset;	/* task_struct.pid */
	__u64 field_byte_size;		/* task_struct.comm */
	__u64 field_exists;		/* task_struct.pid */
	__u64 field_missing;		/* task_struct___missing.rbpf_no_such_field */
	__u64 field_signed;		/* task_struct.pid (int) */
	__u64 field_unsigned;		/* task_struct.flags (unsigned int) */
	__u64 bf_byte_offset;		/* task_struct.sched_migrated (bitfield) */
	__u64 bf_byte_size;
	__u64 bf_lshift;
	__u64 bf_rshift;
	__u64 bf_value;			/* BPF_CORE_READ_BITFIELD_PROBED result */
	__u64 type_id_local;		/* struct task_struct */
	__u64 type_id_target;
	__u64 type_exists;
	__u64 type_missing;		/* struct rbpf_no_such_type */
	__u64 type_size;
	__u64 enumval_exists;		/* BPF_MAP_TYPE_RINGBUF */
	__u64 enumval_missing;		/* RBPF_NO_SUCH_ENUMERATOR */
	__u64 enumval_value;		/* BPF_MAP_TYPE_RINGBUF */
	__u64 type_matches;		/* struct list_head */
	__u64 type_mismatch;		/* struct task_struct___wrong */
	__u64 pid_read;			/* BPF_CORE_READ(task, tgid): the relocated load */
	__u64 runs;
};

struct kinds out;
__u32 target_pid;

SEC("tp/syscalls/sys_enter_getpid")
int record_kinds(void *ctx)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;

	if (tgid != target_pid)
		return 0;
	out.field_byte_offset = bpf_core_field_offset(struct task_struct, pid);
	out.field_byte_size = bpf_core_field_size(struct task_struct, comm);
	out.field_exists = bpf_core_field_exists(struct task_struct, pid);
	out.field_missing = bpf_core_field_exists(struct task_struct___missing, rbpf_no_such_field);
	out.field_signed = __builtin_preserve_field_info(task->pid, BPF_FIELD_SIGNED);
	out.field_unsigned = __builtin_preserve_field_info(task->flags, BPF_FIELD_SIGNED);
	out.bf_byte_offset = __builtin_preserve_field_info(task->sched_migrated, BPF_FIELD_BYTE_OFFSET);
	out.bf_byte_size = __builtin_preserve_field_info(task->sched_migrated, BPF_FIELD_BYTE_SIZE);
	out.bf_lshift = __builtin_preserve_field_info(task->sched_migrated, BPF_FIELD_LSHIFT_U64);
	out.bf_rshift = __builtin_preserve_field_info(task->sched_migrated, BPF_FIELD_RSHIFT_U64);
	out.bf_value = BPF_CORE_READ_BITFIELD_PROBED(task, sched_migrated);
	out.type_id_local = bpf_core_type_id_local(struct task_struct);
	out.type_id_target = bpf_core_type_id_kernel(struct task_struct);
	out.type_exists = bpf_core_type_exists(struct task_struct);
	out.type_missing = bpf_core_type_exists(struct rbpf_no_such_type);
	out.type_size = bpf_core_type_size(struct task_struct);
	out.enumval_exists = bpf_core_enum_value_exists(enum bpf_map_type, BPF_MAP_TYPE_RINGBUF);
	out.enumval_missing = bpf_core_enum_value_exists(enum bpf_map_type___local, RBPF_NO_SUCH_ENUMERATOR___local);
	out.enumval_value = bpf_core_enum_value(enum bpf_map_type, BPF_MAP_TYPE_RINGBUF);
	out.type_matches = bpf_core_type_matches(struct list_head);
	out.type_mismatch = bpf_core_type_matches(struct task_struct___wrong);
	out.pid_read = BPF_CORE_READ(task, tgid);
	out.runs++;
	return 0;
}
