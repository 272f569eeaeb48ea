// SPDX-License-Identifier: (BSD-2-Clause OR MIT)
// Standalone BTF from C: rbpf_btf_load_vmlinux / rbpf_btf_parse (owned handles), type
// kind, name, size, vlen and members, and the error paths.
#include "harness.h"
#include "rbpf.h"

#define BTF_KIND_INT 1
#define BTF_KIND_STRUCT 4
#define BTF_KIND_ARRAY 3

struct member {
	const char *name;
	uint32_t type_id, bit_offset, bitfield_size;
};

static int get_member(const struct rbpf_btf *btf, uint32_t id, uint32_t idx, struct member *m)
{
	return rbpf_btf_member(btf, id, idx, &m->name, &m->type_id, &m->bit_offset,
			       &m->bitfield_size);
}

/* The index of the member named `name` of STRUCT/UNION `id`, found by iterating until
 * -ENOENT; -1 when there is none. */
static int member_index(const struct rbpf_btf *btf, uint32_t id, const char *name,
			struct member *out)
{
	int vlen = rbpf_btf_vlen(btf, id);
	uint32_t i;
	int err;

	CHECK(vlen >= 0);
	for (i = 0;; i++) {
		err = get_member(btf, id, i, out);
		if (err == -ENOENT) {
			CHECK_EQ(i, vlen);
			return -1;
		}
		CHECK_EQ(err, 0);
		CHECK(out->name != NULL);
		if (strcmp(out->name, name) == 0)
			return (int)i;
	}
}

static struct rbpf_btf *vmlinux_or_skip(void)
{
	struct rbpf_btf *btf = rbpf_btf_load_vmlinux();

	if (!btf && errno == ENOENT)
		SKIP("no vmlinux BTF: %s", rbpf_last_error());
	return CHECK_PTR(btf);
}

TEST(btf_vmlinux_task_struct)
{
	struct rbpf_btf *btf = vmlinux_or_skip();
	struct rbpf_btf *again = CHECK_PTR(rbpf_btf_load_vmlinux());
	struct member m;
	int32_t id, any;
	int idx;

	CHECK(rbpf_btf_type_cnt(btf) > 1000);
	id = rbpf_btf_find_by_name_kind(btf, "task_struct", BTF_KIND_STRUCT);
	CHECK(id > 0);
	any = rbpf_btf_find_by_name(btf, "task_struct");
	CHECK(any > 0);
	CHECK_EQ(rbpf_btf_kind(btf, id), BTF_KIND_STRUCT);
	CHECK(strcmp(rbpf_btf_name(btf, id), "task_struct") == 0);
	CHECK(rbpf_btf_size(btf, id) > 0);
	CHECK_EQ(rbpf_btf_resolve_size(btf, id), rbpf_btf_size(btf, id));
	CHECK(rbpf_btf_vlen(btf, id) > 10);

	idx = member_index(btf, id, "tgid", &m);
	CHECKF(idx >= 0, "task_struct has no member tgid");
	CHECK(m.bit_offset > 0 && m.bit_offset % 8 == 0);
	CHECK(m.bit_offset / 8 < (uint32_t)rbpf_btf_size(btf, id));
	CHECK_EQ(m.bitfield_size, 0);
	uint32_t tgid_off = m.bit_offset;
	/* pid_t tgid: a typedef resolving to a 4-byte int. */
	CHECK(strcmp(rbpf_btf_name(btf, m.type_id), "pid_t") == 0);
	CHECK_EQ(rbpf_btf_resolve_size(btf, m.type_id), 4);
	CHECK_ERR(rbpf_btf_size(btf, m.type_id), EINVAL, "no size");
	CHECK_EQ(member_index(btf, id, "no_such_member_xyz", &m), -1);

	/* Past the last member, non-composite kinds, bad ids, NULL out. */
	CHECK_ERR(get_member(btf, id, (uint32_t)rbpf_btf_vlen(btf, id), &m), ENOENT, "no member");
	int32_t int_id = rbpf_btf_find_by_name_kind(btf, "int", BTF_KIND_INT);
	CHECK(int_id > 0);
	CHECK_EQ(rbpf_btf_kind(btf, int_id), BTF_KIND_INT);
	CHECK_EQ(rbpf_btf_size(btf, int_id), 4);
	CHECK_EQ(rbpf_btf_vlen(btf, int_id), 0);
	CHECK_ERR(get_member(btf, int_id, 0, &m), EINVAL, "not a struct");
	/* Out-pointers are optional. */
	CHECK_EQ(rbpf_btf_member(btf, id, 0, NULL, NULL, NULL, NULL), 0);
	uint32_t off = 1;
	CHECK_EQ(rbpf_btf_member(btf, id, (uint32_t)idx, NULL, NULL, &off, NULL), 0);
	CHECK_EQ(off, tgid_off);
	CHECK_ERR(rbpf_btf_kind(btf, 0xffffff), EINVAL, "out of range");
	CHECK_NULL_ERR(rbpf_btf_name(btf, 0xffffff), EINVAL, "out of range");
	CHECK_ERR(rbpf_btf_vlen(btf, 0xffffff), EINVAL, "out of range");

	/* Void is type 0: kind 0, anonymous. */
	CHECK_EQ(rbpf_btf_kind(btf, 0), 0);
	CHECK(strcmp(rbpf_btf_name(btf, 0), "") == 0);

	/* A second handle shares the parsed BTF; freeing one leaves the other usable. */
	CHECK(again != btf);
	rbpf_btf_free(btf);
	CHECK_EQ(rbpf_btf_find_by_name_kind(again, "task_struct", BTF_KIND_STRUCT), id);
	rbpf_btf_free(again);
	/* A freed handle is rejected, not dereferenced. */
	CHECK_ERR(rbpf_btf_kind(again, id), EINVAL, "not a live rbpf_btf");
	errno = 0;
	rbpf_btf_free(again);
	CHECK_EQ(errno, EINVAL);
}

TEST(btf_parse_missing_file)
{
	CHECK_NULL_ERR(rbpf_btf_parse("/nonexistent/rbpf/no.btf"), ENOENT, "/nonexistent/rbpf/no.btf");
	CHECK_NULL_ERR(rbpf_btf_parse(NULL), EINVAL, "path is NULL");
}

TEST(btf_parse_not_btf)
{
	/* A file that is neither raw BTF nor ELF. */
	errno = 0;
	struct rbpf_btf *btf = rbpf_btf_parse("/proc/self/cmdline");
	CHECK(btf == NULL);
	CHECK(errno != 0);
}

TEST(btf_parse_elf_object)
{
	struct rbpf_btf *btf = CHECK_PTR(rbpf_btf_parse(bpf_obj_path("syscount")));
	struct member m;
	int32_t id = rbpf_btf_find_by_name_kind(btf, "event", BTF_KIND_STRUCT);
	int64_t sz;

	CHECK(id > 0);
	CHECK_EQ(rbpf_btf_kind(btf, id), BTF_KIND_STRUCT);
	CHECK(strcmp(rbpf_btf_name(btf, id), "event") == 0);
	CHECK_EQ(rbpf_btf_size(btf, id), 24);
	CHECK_EQ(rbpf_btf_vlen(btf, id), 3);

	CHECK_EQ(get_member(btf, id, 0, &m), 0);
	CHECK(strcmp(m.name, "pid") == 0);
	CHECK_EQ(m.bit_offset, 0);
	CHECK_EQ(rbpf_btf_resolve_size(btf, m.type_id), 4);
	CHECK_EQ(member_index(btf, id, "syscall_id", &m), 1);
	CHECK_EQ(m.bit_offset, 32);
	CHECK_EQ(member_index(btf, id, "comm", &m), 2);
	CHECK_EQ(m.bit_offset, 64);
	CHECK_EQ(rbpf_btf_kind(btf, m.type_id), BTF_KIND_ARRAY);
	sz = rbpf_btf_resolve_size(btf, m.type_id);
	CHECK_EQ(sz, 16);

	/* The same type through the object's borrowed handle. */
	struct rbpf_object *obj = CHECK_PTR(rbpf_object_open_file(bpf_obj_path("syscount"), NULL));
	struct rbpf_btf *ob = CHECK_PTR(rbpf_object_btf(obj));
	int32_t oid = rbpf_btf_find_by_name_kind(ob, "event", BTF_KIND_STRUCT);
	CHECK(oid > 0);
	CHECK_EQ(rbpf_btf_vlen(ob, oid), 3);
	CHECK_EQ(get_member(ob, oid, 1, &m), 0);
	CHECK(strcmp(m.name, "syscall_id") == 0);
	/* A borrowed handle is not freed by rbpf_btf_free. */
	errno = 0;
	rbpf_btf_free(ob);
	CHECK_EQ(errno, EINVAL);
	CHECK(strstr(rbpf_last_error(), "rbpf_object_close") != NULL);
	CHECK_EQ(rbpf_btf_find_by_name_kind(ob, "event", BTF_KIND_STRUCT), oid);
	rbpf_object_close(obj);

	rbpf_btf_free(btf);
}

TEST(btf_null_handles)
{
	struct member m;

	rbpf_btf_free(NULL);
	CHECK_ERR(rbpf_btf_kind(NULL, 1), EINVAL, "btf is NULL");
	CHECK_NULL_ERR(rbpf_btf_name(NULL, 1), EINVAL, "btf is NULL");
	CHECK_ERR(rbpf_btf_vlen(NULL, 1), EINVAL, "btf is NULL");
	CHECK_ERR(rbpf_btf_size(NULL, 1), EINVAL, "btf is NULL");
	CHECK_ERR(get_member(NULL, 1, 0, &m), EINVAL, "btf is NULL");
	CHECK_ERR(rbpf_btf_resolve_size(NULL, 1), EINVAL, "btf is NULL");
	CHECK_ERR(rbpf_btf_find_by_name(NULL, "x"), EINVAL, "btf is NULL");
	CHECK_ERR(rbpf_btf_find_by_name_kind(NULL, "x", BTF_KIND_STRUCT), EINVAL, "btf is NULL");
	/* A pointer that is not a handle is rejected without being read. */
	int junk = 0;
	CHECK_ERR(rbpf_btf_kind((const struct rbpf_btf *)&junk, 1), EINVAL, "not a live rbpf_btf");
	errno = 0;
	rbpf_btf_free((struct rbpf_btf *)&junk);
	CHECK_EQ(errno, EINVAL);
}
