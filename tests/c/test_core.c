// SPDX-License-Identifier: (BSD-2-Clause OR MIT)
// CO-RE from C: bpf/core_kinds.bpf.c loaded with and without btf_custom_path, run on
// getpid(), its recorded relocation results read back from .bss.
#define _GNU_SOURCE
#include "harness.h"
#include "rbpf.h"

#include <sys/syscall.h>
#include <unistd.h>

#define BTF_KIND_STRUCT 4

/* Leading fields of `struct kinds` in bpf/core_kinds.bpf.c (all __u64), then `runs`
 * as the 23rd. */
struct kinds_head {
	uint64_t field_byte_offset, field_byte_size, field_exists, field_missing;
	uint64_t field_signed, field_unsigned, bf_byte_offset, bf_byte_size, bf_lshift;
	uint64_t bf_rshift, bf_value, type_id_local, type_id_target, type_exists;
	uint64_t type_missing, type_size;
};
#define KINDS_SIZE (23 * 8)

struct result {
	struct kinds_head k;
	uint64_t runs;
};

/* Load core_kinds (custom_path NULL: vmlinux), run it once for this process. */
static struct result run_kinds(const char *custom_path)
{
	RBPF_OPTS(rbpf_object_open_opts, opts, .btf_custom_path = custom_path);
	struct rbpf_object *obj = CHECK_PTR(rbpf_object_open_file(bpf_obj_path("core_kinds"), &opts));
	struct rbpf_program *prog = CHECK_PTR(rbpf_object_find_program_by_name(obj, "record_kinds"));
	size_t sz = 0;
	uint32_t *pid = rbpf_object_global(obj, "target_pid", &sz);
	struct rbpf_link *link;
	struct result r;
	uint8_t *out;

	CHECK(pid && sz == 4);
	*pid = (uint32_t)getpid();
	CHECK_OK(rbpf_object_load(obj));
	link = CHECK_PTR(rbpf_program_attach(prog));
	syscall(SYS_getpid);
	out = rbpf_object_global(obj, "out", &sz);
	CHECK(out && sz == KINDS_SIZE);
	memcpy(&r.k, out, sizeof(r.k));
	memcpy(&r.runs, out + 22 * 8, 8);
	CHECK_OK(rbpf_link_destroy(link));
	rbpf_object_close(obj);
	return r;
}

/* The id of struct task_struct in an object's own BTF. */
static int32_t task_struct_id_in(const char *object)
{
	struct rbpf_object *obj = CHECK_PTR(rbpf_object_open_file(bpf_obj_path(object), NULL));
	struct rbpf_btf *btf = CHECK_PTR(rbpf_object_btf(obj));
	int32_t id = rbpf_btf_find_by_name_kind(btf, "task_struct", BTF_KIND_STRUCT);

	rbpf_object_close(obj);
	return id;
}

KTEST(core_btf_custom_path_elf_and_raw)
{
	int fds = count_open_fds();
	struct result vmlinux = run_kinds(NULL);
	/* Raw BTF: the kernel's own file, named explicitly. */
	struct result raw = run_kinds("/sys/kernel/btf/vmlinux");
	/* An ELF with .BTF: core_many.bpf.o, whose BTF has task_struct, list_head and
	 * enum bpf_map_type (all from vmlinux.h). */
	struct result elf = run_kinds(bpf_obj_path("core_many"));
	int32_t elf_id = task_struct_id_in("core_many");

	CHECK_EQ(vmlinux.runs, 1);
	CHECK_EQ(raw.runs, 1);
	CHECK_EQ(elf.runs, 1);
	CHECK(vmlinux.k.field_exists == 1 && vmlinux.k.type_exists == 1 && vmlinux.k.type_missing == 0);
	/* Same layout everywhere (vmlinux.h comes from this kernel)... */
	CHECK_EQ(raw.k.field_byte_offset, vmlinux.k.field_byte_offset);
	CHECK_EQ(elf.k.field_byte_offset, vmlinux.k.field_byte_offset);
	CHECK_EQ(elf.k.type_size, vmlinux.k.type_size);
	CHECK_EQ(elf.k.bf_lshift, vmlinux.k.bf_lshift);
	/* ...but target type ids are those of the BTF actually used. */
	CHECK_EQ(raw.k.type_id_target, vmlinux.k.type_id_target);
	CHECK(elf_id > 0);
	CHECK_EQ(elf.k.type_id_target, elf_id);
	CHECK(elf.k.type_id_target != vmlinux.k.type_id_target);
	CHECK_EQ(count_open_fds(), fds);
}

KTEST(core_btf_custom_path_errors)
{
	int fds = count_open_fds();
	struct rbpf_object *obj;

	RBPF_OPTS(rbpf_object_open_opts, missing, .btf_custom_path = "/nonexistent/rbpf.btf");
	obj = CHECK_PTR(rbpf_object_open_file(bpf_obj_path("core_kinds"), &missing));
	CHECK_ERR(rbpf_object_load(obj), ENOENT, "failed to parse target BTF");
	rbpf_object_close(obj);

	/* Neither BTF nor ELF: this process's command line. */
	RBPF_OPTS(rbpf_object_open_opts, junk, .btf_custom_path = "/proc/self/cmdline");
	obj = CHECK_PTR(rbpf_object_open_file(bpf_obj_path("core_kinds"), &junk));
	CHECK_ERR(rbpf_object_load(obj), EINVAL, "failed to parse target BTF");
	rbpf_object_close(obj);
	CHECK_EQ(count_open_fds(), fds);
}
