// SPDX-License-Identifier: (BSD-2-Clause OR MIT)
// API tests without the kernel: errors, NULL and stale handles, OPTS validation, bad
// objects, logging, the header's layout.
#define _GNU_SOURCE
#include "harness.h"
#include "rbpf.h"

#include <fcntl.h>
#include <linux/btf.h>
#include <stdalign.h>
#include <unistd.h>

TEST(version_and_misc)
{
	char buf[64];
	const char *v = rbpf_version_string();

	CHECK(v && strlen(v) >= 5);
	CHECK(rbpf_num_possible_cpus() >= 1);
	CHECK_OK(rbpf_strerror(-ENOENT, buf, sizeof(buf)));
	CHECKF(strstr(buf, "ENOENT") && strstr(buf, "No such file"), "strerror: %s", buf);
	CHECK_OK(rbpf_strerror(EINVAL, buf, 8)); /* truncated, NUL-terminated */
	CHECK_EQ(strlen(buf), 7);
	CHECK_ERR(rbpf_strerror(1, NULL, 10), EINVAL, "buf is NULL");
	CHECK(rbpf_last_error() != NULL);
}

/* The C layout the generator promises: sz first, sizeof a multiple of 8, fields in
 * declaration order. */
TEST(opts_layout)
{
	CHECK_EQ(offsetof(struct rbpf_object_open_opts, sz), 0);
	CHECK_EQ(sizeof(struct rbpf_object_open_opts) % 8, 0);
	CHECK_EQ(sizeof(struct rbpf_tracepoint_opts) % 8, 0);
	CHECK_EQ(sizeof(struct rbpf_raw_tracepoint_opts) % 8, 0);
	CHECK_EQ(sizeof(struct rbpf_trace_opts) % 8, 0);
	CHECK_EQ(sizeof(struct rbpf_ring_buffer_opts), sizeof(size_t));
	CHECK(offsetof(struct rbpf_object_open_opts, object_name) <
	      offsetof(struct rbpf_object_open_opts, relaxed_maps));
	CHECK(offsetof(struct rbpf_object_open_opts, relaxed_maps) <
	      offsetof(struct rbpf_object_open_opts, kernel_log_level));
	CHECK_EQ(offsetof(struct rbpf_tracepoint_opts, bpf_cookie), 8);

	RBPF_OPTS(rbpf_object_open_opts, o, .object_name = "x", .kernel_log_level = 1);
	CHECK_EQ(o.sz, sizeof(o));
	CHECK(o.relaxed_maps == false && o.pin_root_path == NULL);
	RBPF_OPTS_RESET(o, .relaxed_maps = true);
	CHECK(o.object_name == NULL && o.relaxed_maps && o.sz == sizeof(o));
}

TEST(null_pointers_never_crash)
{
	size_t sz = 1;
	char buf[8] = { 0 };

	CHECK_NULL_ERR(rbpf_object_open_file(NULL, NULL), EINVAL, "path is NULL");
	CHECK_NULL_ERR(rbpf_object_open_mem(NULL, 10, NULL), EINVAL, "obj_buf");
	CHECK_NULL_ERR(rbpf_object_open_mem(buf, 0, NULL), EINVAL, "obj_buf_sz is 0");
	CHECK_ERR(rbpf_object_load(NULL), EINVAL, "obj is NULL");
	rbpf_object_close(NULL);
	CHECK_NULL_ERR(rbpf_object_name(NULL), EINVAL, "obj is NULL");
	CHECK_NULL_ERR(rbpf_object_find_program_by_name(NULL, "x"), EINVAL, NULL);
	CHECK_NULL_ERR(rbpf_object_find_map_by_name(NULL, "x"), EINVAL, NULL);
	CHECK_NULL_ERR(rbpf_object_next_program(NULL, NULL), EINVAL, NULL);
	CHECK_NULL_ERR(rbpf_object_next_map(NULL, NULL), EINVAL, NULL);
	CHECK_NULL_ERR(rbpf_object_global(NULL, "x", &sz), EINVAL, NULL);
	CHECK_NULL_ERR(rbpf_object_btf(NULL), EINVAL, NULL);
	CHECK_EQ(rbpf_btf_type_cnt(NULL), 0);
	CHECK_ERR(rbpf_btf_find_by_name(NULL, "x"), EINVAL, "btf is NULL");
	CHECK_ERR(rbpf_btf_find_by_name_kind(NULL, "x", 1), EINVAL, NULL);
	CHECK_ERR(rbpf_btf_resolve_size(NULL, 1), EINVAL, NULL);
	CHECK_ERR(rbpf_object_program_cnt(NULL), EINVAL, NULL);
	CHECK_ERR(rbpf_object_map_cnt(NULL), EINVAL, NULL);
	CHECK_ERR(rbpf_object_attach_all(NULL, NULL, NULL), EINVAL, NULL);

	CHECK_NULL_ERR(rbpf_program_name(NULL), EINVAL, "prog is NULL");
	CHECK_NULL_ERR(rbpf_program_section_name(NULL), EINVAL, NULL);
	errno = 0;
	CHECK_EQ(rbpf_program_type(NULL), 0);
	CHECK_EQ(errno, EINVAL);
	errno = 0;
	CHECK_EQ(rbpf_program_expected_attach_type(NULL), 0);
	CHECK_EQ(errno, EINVAL);
	errno = 0;
	CHECK(!rbpf_program_autoload(NULL) && errno == EINVAL);
	errno = 0;
	CHECK(!rbpf_program_autoattach(NULL) && errno == EINVAL);
	rbpf_program_set_autoattach(NULL, true);
	CHECK_EQ(rbpf_program_insn_cnt(NULL), 0);
	CHECK_EQ(rbpf_program_flags(NULL), 0);
	CHECK_EQ(rbpf_program_log_level(NULL), 0);
	CHECK_ERR(rbpf_program_set_type(NULL, 1), EINVAL, NULL);
	CHECK_ERR(rbpf_program_set_expected_attach_type(NULL, 1), EINVAL, NULL);
	CHECK_ERR(rbpf_program_set_autoload(NULL, false), EINVAL, NULL);
	CHECK_ERR(rbpf_program_set_flags(NULL, 0), EINVAL, NULL);
	CHECK_ERR(rbpf_program_set_log_level(NULL, 0), EINVAL, NULL);
	CHECK_ERR(rbpf_program_fd(NULL), EINVAL, NULL);
	CHECK_NULL_ERR(rbpf_program_attach(NULL), EINVAL, NULL);
	CHECK_NULL_ERR(rbpf_program_attach_tracepoint(NULL, "a", "b"), EINVAL, NULL);
	CHECK_NULL_ERR(rbpf_program_attach_tracepoint_opts(NULL, "a", "b", NULL), EINVAL, NULL);
	CHECK_NULL_ERR(rbpf_program_attach_raw_tracepoint(NULL, "a"), EINVAL, NULL);
	CHECK_NULL_ERR(rbpf_program_attach_raw_tracepoint_opts(NULL, "a", NULL), EINVAL, NULL);
	CHECK_NULL_ERR(rbpf_program_attach_trace(NULL), EINVAL, NULL);
	CHECK_NULL_ERR(rbpf_program_attach_trace_opts(NULL, NULL), EINVAL, NULL);

	CHECK_NULL_ERR(rbpf_map_name(NULL), EINVAL, "map is NULL");
	CHECK_EQ(rbpf_map_type(NULL), 0);
	CHECK_EQ(rbpf_map_key_size(NULL), 0);
	CHECK_EQ(rbpf_map_value_size(NULL), 0);
	CHECK_EQ(rbpf_map_max_entries(NULL), 0);
	CHECK_EQ(rbpf_map_map_flags(NULL), 0);
	CHECK(!rbpf_map_is_internal(NULL));
	CHECK_ERR(rbpf_map_set_max_entries(NULL, 1), EINVAL, NULL);
	CHECK_ERR(rbpf_map_set_value_size(NULL, 1), EINVAL, NULL);
	CHECK_ERR(rbpf_map_set_map_flags(NULL, 1), EINVAL, NULL);
	CHECK_ERR(rbpf_map_fd(NULL), EINVAL, NULL);
	CHECK_ERR(rbpf_map_lookup_elem(NULL, buf, 4, buf, 8, 0), EINVAL, NULL);
	CHECK_ERR(rbpf_map_update_elem(NULL, buf, 4, buf, 8, 0), EINVAL, NULL);
	CHECK_ERR(rbpf_map_delete_elem(NULL, buf, 4, 0), EINVAL, NULL);
	CHECK_ERR(rbpf_map_lookup_and_delete_elem(NULL, buf, 4, buf, 8, 0), EINVAL, NULL);
	CHECK_ERR(rbpf_map_get_next_key(NULL, NULL, buf, 4), EINVAL, NULL);
	CHECK_NULL_ERR(rbpf_map_initial_value(NULL, &sz), EINVAL, NULL);
	CHECK_ERR(rbpf_map_set_initial_value(NULL, buf, 8), EINVAL, NULL);

	CHECK_ERR(rbpf_link_fd(NULL), EINVAL, "link is NULL");
	CHECK_ERR(rbpf_link_detach(NULL), EINVAL, NULL);
	CHECK_EQ(rbpf_link_destroy(NULL), 0);

	CHECK_NULL_ERR(rbpf_ring_buffer_new(-1, NULL, NULL, NULL), EINVAL, "sample_cb is NULL");
	CHECK_ERR(rbpf_ring_buffer_add(NULL, 0, NULL, NULL), EINVAL, NULL);
	CHECK_ERR(rbpf_ring_buffer_poll(NULL, 0), EINVAL, NULL);
	CHECK_ERR(rbpf_ring_buffer_consume(NULL), EINVAL, NULL);
	CHECK_ERR(rbpf_ring_buffer_consume_n(NULL, 1), EINVAL, NULL);
	CHECK_ERR(rbpf_ring_buffer_epoll_fd(NULL), EINVAL, NULL);
	rbpf_ring_buffer_free(NULL);
}

/* Pointers that were never handles (stack addresses, garbage) are rejected by address,
 * never dereferenced. */
TEST(bogus_handles_rejected)
{
	char junk[256];

	memset(junk, 0xa5, sizeof(junk));
	CHECK_ERR(rbpf_object_load((struct rbpf_object *)junk), EINVAL, "not a live rbpf_object");
	CHECK_ERR(rbpf_map_fd((struct rbpf_map *)junk), EINVAL, "not a live rbpf_map");
	CHECK_ERR(rbpf_link_destroy((struct rbpf_link *)0x1000), EINVAL, "not a live rbpf_link");
	CHECK_NULL_ERR(rbpf_program_name((struct rbpf_program *)junk), EINVAL, "not a live rbpf_program");
	rbpf_object_close((struct rbpf_object *)junk); /* rejected, not freed */
	rbpf_ring_buffer_free((struct rbpf_ring_buffer *)junk);
}

TEST(open_missing_file)
{
	CHECK_NULL_ERR(rbpf_object_open_file("/nonexistent/rbpf/x.bpf.o", NULL), ENOENT, NULL);
	CHECK(strlen(rbpf_last_error()) > 0);
}

TEST(open_empty_and_garbage)
{
	char path[] = "/tmp/rbpf-c-empty-XXXXXX";
	int fd = mkstemp(path);
	unsigned char garbage[4096];

	CHECK(fd >= 0);
	close(fd);
	errno = 0;
	struct rbpf_object *o = rbpf_object_open_file(path, NULL);
	int e = errno;
	unlink(path);
	CHECKF(!o && e == EINVAL, "empty file: %p errno %d (%s)", (void *)o, e, rbpf_last_error());
	CHECK(strlen(rbpf_last_error()) > 0);

	for (size_t i = 0; i < sizeof(garbage); i++)
		garbage[i] = (unsigned char)(i * 131 + 7);
	CHECK_NULL_ERR(rbpf_object_open_mem(garbage, sizeof(garbage), NULL), EINVAL, NULL);
	CHECK(strlen(rbpf_last_error()) > 0);
	/* ELF magic followed by garbage */
	memcpy(garbage, "\177ELF\002\001\001", 7);
	CHECK_NULL_ERR(rbpf_object_open_mem(garbage, sizeof(garbage), NULL), EINVAL, NULL);
	CHECK_NULL_ERR(rbpf_object_open_mem(garbage, 4, NULL), EINVAL, NULL);
}

TEST(open_truncated_elf)
{
	size_t size;
	void *buf = read_file(bpf_obj_path("syscount"), &size);
	size_t cuts[] = { 16, 63, 64, 200, size / 2, size - 1 };

	for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
		errno = 0;
		struct rbpf_object *o = rbpf_object_open_mem(buf, cuts[i], NULL);
		int e = errno;

		if (o) {
			rbpf_object_close(o);
			FAIL("truncated at %zu of %zu bytes: opened", cuts[i], size);
		}
		CHECKF(e == EINVAL, "truncated at %zu: errno %d (%s)", cuts[i], e, rbpf_last_error());
		CHECKF(strlen(rbpf_last_error()) > 0, "truncated at %zu: no message", cuts[i]);
	}
	free(buf);
}

/* --- OPTS validation: exactly libbpf's OPTS_VALID ----------------------------- */

struct open_opts_plus {
	struct rbpf_object_open_opts o;
	uint64_t newer_field; /* what a newer header would have appended */
};

TEST(opts_null_is_defaults)
{
	struct rbpf_object *obj = CHECK_PTR(rbpf_object_open_file(bpf_obj_path("syscount"), NULL));

	CHECK(strcmp(rbpf_object_name(obj), "syscount") == 0);
	rbpf_object_close(obj);
}

TEST(opts_size_too_small)
{
	struct rbpf_object_open_opts o;

	memset(&o, 0, sizeof(o));
	o.sz = 4;
	CHECK_NULL_ERR(rbpf_object_open_file("/nonexistent.bpf.o", &o), EINVAL,
		       "rbpf_object_open_opts size (4) is too small");
	o.sz = 0;
	CHECK_NULL_ERR(rbpf_object_open_mem("x", 1, &o), EINVAL, "size (0) is too small");
}

TEST(opts_nonzero_tail_rejected)
{
	struct open_opts_plus p;

	memset(&p, 0, sizeof(p));
	p.o.sz = sizeof(p);
	p.newer_field = 1;
	CHECK_NULL_ERR(rbpf_object_open_file("/nonexistent.bpf.o", (void *)&p), EINVAL,
		       "rbpf_object_open_opts has non-zero extra bytes");

	/* The tail padding after the last field counts too (checked from the end of
	 * the last field, not from sizeof). */
	RBPF_OPTS(rbpf_object_open_opts, o);
	size_t end = offsetof(struct rbpf_object_open_opts, kernel_log_level) + sizeof(o.kernel_log_level);
	if (end < sizeof(o)) {
		((unsigned char *)&o)[end] = 1;
		CHECK_NULL_ERR(rbpf_object_open_file("/nonexistent.bpf.o", &o), EINVAL,
			       "has non-zero extra bytes");
	}
}

TEST(opts_zero_tail_and_smaller_sz_accepted)
{
	const char *path = bpf_obj_path("syscount");
	struct open_opts_plus p;
	struct rbpf_object *obj;

	/* newer caller, zero extra bytes: fine */
	memset(&p, 0, sizeof(p));
	p.o.sz = sizeof(p);
	p.o.object_name = "bigger";
	obj = CHECK_PTR(rbpf_object_open_file(path, (void *)&p));
	CHECK(strcmp(rbpf_object_name(obj), "bigger") == 0);
	rbpf_object_close(obj);

	/* exact size */
	RBPF_OPTS(rbpf_object_open_opts, o, .object_name = "exact");
	obj = CHECK_PTR(rbpf_object_open_file(path, &o));
	CHECK(strcmp(rbpf_object_name(obj), "exact") == 0);
	rbpf_object_close(obj);

	/* older caller: sz covers nothing but sz, object_name beyond it is not read */
	o.sz = sizeof(size_t);
	obj = CHECK_PTR(rbpf_object_open_file(path, &o));
	CHECKF(strcmp(rbpf_object_name(obj), "syscount") == 0, "name %s", rbpf_object_name(obj));
	rbpf_object_close(obj);

	/* sz ends inside object_name: not present either */
	o.sz = offsetof(struct rbpf_object_open_opts, object_name) + 4;
	obj = CHECK_PTR(rbpf_object_open_file(path, &o));
	CHECK(strcmp(rbpf_object_name(obj), "syscount") == 0);
	rbpf_object_close(obj);

	/* sz covers object_name exactly */
	o.sz = offsetof(struct rbpf_object_open_opts, object_name) + sizeof(char *);
	obj = CHECK_PTR(rbpf_object_open_file(path, &o));
	CHECK(strcmp(rbpf_object_name(obj), "exact") == 0);
	rbpf_object_close(obj);
}

TEST(opts_string_must_be_utf8)
{
	RBPF_OPTS(rbpf_object_open_opts, o, .object_name = "bad\xff\xfe");
	CHECK_NULL_ERR(rbpf_object_open_file("/nonexistent.bpf.o", &o), EINVAL,
		       "rbpf_object_open_opts: field 'object_name' is not valid UTF-8");
}

/* --- logging ------------------------------------------------------------------- */

static int print_calls;
static enum rbpf_print_level print_level;
static char print_msg[512];

static int capture_print(enum rbpf_print_level level, const char *msg)
{
	print_calls++;
	print_level = level;
	snprintf(print_msg, sizeof(print_msg), "%s", msg);
	return 0;
}

TEST(set_print_receives_messages)
{
	struct rbpf_object_open_opts o = { .sz = 2 };
	rbpf_print_fn_t old = rbpf_set_print(capture_print);

	CHECK(old != NULL); /* the default stderr printer */
	CHECK(rbpf_object_open_file("/nonexistent.bpf.o", &o) == NULL);
	CHECKF(print_calls >= 1, "print callback not called");
	CHECK_EQ(print_level, RBPF_WARN);
	CHECKF(strstr(print_msg, "rbpf: ") == print_msg && strstr(print_msg, "size (2) is too small"),
	       "message: %s", print_msg);

	/* NULL silences; the previous callback comes back */
	CHECK(rbpf_set_print(NULL) == capture_print);
	print_calls = 0;
	CHECK(rbpf_object_open_file("/nonexistent.bpf.o", &o) == NULL);
	CHECK_EQ(print_calls, 0);
	CHECK(rbpf_set_print(old) == NULL);
	CHECK(rbpf_set_print(capture_print) == old);
	rbpf_set_print(old);
}

/* --- handles after close ------------------------------------------------------- */

TEST(handles_invalid_after_close)
{
	struct rbpf_object *obj = CHECK_PTR(rbpf_object_open_file(bpf_obj_path("maps"), NULL));
	struct rbpf_map *map = CHECK_PTR(rbpf_object_find_map_by_name(obj, "hash_map"));
	struct rbpf_program *prog = CHECK_PTR(rbpf_object_find_program_by_name(obj, "update_maps"));

	rbpf_object_close(obj);
	CHECK_ERR(rbpf_map_fd(map), EINVAL, "not a live rbpf_map");
	CHECK_NULL_ERR(rbpf_program_name(prog), EINVAL, "not a live rbpf_program");
	CHECK_ERR(rbpf_object_load(obj), EINVAL, "not a live rbpf_object");
	rbpf_object_close(obj); /* double close: rejected, no crash */
}

/* --- introspection before load ------------------------------------------------- */

TEST(iterate_and_find_before_load)
{
	struct rbpf_object *obj = CHECK_PTR(rbpf_object_open_file(bpf_obj_path("syscount"), NULL));
	struct rbpf_program *p;
	struct rbpf_map *m;
	int nprogs = 0, nmaps = 0;
	bool saw_counts = false, saw_rodata = false;

	for (p = rbpf_object_next_program(obj, NULL); p; p = rbpf_object_next_program(obj, p))
		nprogs++;
	CHECK_EQ(nprogs, 3);
	CHECK_EQ(rbpf_object_program_cnt(obj), 3);
	for (m = rbpf_object_next_map(obj, NULL); m; m = rbpf_object_next_map(obj, m)) {
		const char *n = rbpf_map_name(m);

		nmaps++;
		saw_counts |= strcmp(n, "counts") == 0;
		saw_rodata |= strstr(n, ".rodata") != NULL;
	}
	CHECK(saw_counts && saw_rodata);
	CHECK_EQ(rbpf_object_map_cnt(obj), nmaps);

	p = CHECK_PTR(rbpf_object_find_program_by_name(obj, "count_syscalls"));
	CHECK(strcmp(rbpf_program_name(p), "count_syscalls") == 0);
	CHECK(strcmp(rbpf_program_section_name(p), "tracepoint/raw_syscalls/sys_enter") == 0);
	CHECK_EQ(rbpf_program_type(p), BPF_PROG_TYPE_TRACEPOINT);
	CHECK(rbpf_program_autoload(p));
	CHECK(rbpf_program_insn_cnt(p) > 0);
	CHECK_ERR(rbpf_program_fd(p), EINVAL, NULL); /* not loaded */
	CHECK_NULL_ERR(rbpf_program_attach(p), EINVAL, NULL);
	CHECK_NULL_ERR(rbpf_object_find_program_by_name(obj, "nope"), ENOENT, "nope");

	m = CHECK_PTR(rbpf_object_find_map_by_name(obj, "counts"));
	CHECK_EQ(rbpf_map_type(m), BPF_MAP_TYPE_HASH);
	CHECK_EQ(rbpf_map_key_size(m), 4);
	CHECK_EQ(rbpf_map_value_size(m), 8);
	CHECK_EQ(rbpf_map_max_entries(m), 1024);
	CHECK_OK(rbpf_map_set_max_entries(m, 2048));
	CHECK_EQ(rbpf_map_max_entries(m), 2048);
	CHECK(!rbpf_map_is_internal(m));
	CHECK_ERR(rbpf_map_fd(m), EINVAL, NULL);
	{
		uint32_t k = 0;
		uint64_t v;

		CHECK_ERR(rbpf_map_lookup_elem(m, &k, 4, &v, 8, 0), ENOENT, "counts");
	}
	CHECK_NULL_ERR(rbpf_object_find_map_by_name(obj, "nope"), ENOENT, "nope");
	CHECK_NULL_ERR(rbpf_map_initial_value(m, NULL), EINVAL, "counts");

	/* a global by name, written in the image before load */
	size_t sz = 0;
	int *pid = CHECK_PTR((int *)rbpf_object_global(obj, "target_pid", &sz));
	CHECK_EQ(sz, sizeof(int));
	CHECK_EQ(*pid, 0);
	*pid = 4242;
	CHECK_EQ(*(int *)rbpf_object_global(obj, "target_pid", NULL), 4242);
	CHECK_NULL_ERR(rbpf_object_global(obj, "no_such_var", &sz), ENOENT, "no_such_var");
	{
		struct rbpf_btf *btf = CHECK_PTR(rbpf_object_btf(obj));
		int id;

		CHECK(rbpf_btf_type_cnt(btf) > 10);
		id = rbpf_btf_find_by_name_kind(btf, "trace_entry", BTF_KIND_STRUCT);
		CHECK(id > 0);
		CHECK_EQ(rbpf_btf_resolve_size(btf, id), 8);
		CHECK_EQ(rbpf_btf_find_by_name(btf, "trace_entry"), id);
		CHECK_ERR(rbpf_btf_find_by_name(btf, "no_such_type"), ENOENT, "no_such_type");
		CHECK_ERR(rbpf_btf_find_by_name_kind(btf, "trace_entry", 99), EINVAL, "unknown BTF kind");
	}
	rbpf_object_close(obj);
}

TEST(open_mem_same_as_file)
{
	size_t size;
	void *buf = read_file(bpf_obj_path("globals"), &size);
	RBPF_OPTS(rbpf_object_open_opts, o, .object_name = "from_mem");
	struct rbpf_object *obj = CHECK_PTR(rbpf_object_open_mem(buf, size, &o));

	memset(buf, 0, size); /* the object keeps its own copy */
	free(buf);
	CHECK(strcmp(rbpf_object_name(obj), "from_mem") == 0);
	CHECK(rbpf_object_find_program_by_name(obj, "copy_globals") != NULL);
	rbpf_object_close(obj);
}
