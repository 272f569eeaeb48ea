// SPDX-License-Identifier: (BSD-2-Clause OR MIT)
// Kernel tests: the same programs as the Rust, Python and Node suites (bpf/*.bpf.c),
// loaded, attached and observed on this machine's kernel. Every test checks that it
// leaves no fd (program, map, link, ring) behind.
#define _GNU_SOURCE
#include "harness.h"
#include "rbpf.h"

#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define CHILD_COMM "rbpf-c-child"
/* BPF_F_CPU (kernel 6.18 UAPI; older <linux/bpf.h> lack it) */
#define RBPF_TEST_F_CPU 8ULL

struct child {
	pid_t pid;
	int go_fd; /* write one byte: the child runs its syscalls and exits */
};

/* A child that waits for the go signal, then calls getppid() n times and exits. */
static struct child spawn_child(int n)
{
	int p[2];
	struct child c;

	CHECK(pipe(p) == 0);
	c.pid = fork();
	CHECK(c.pid >= 0);
	if (c.pid == 0) {
		char b;

		close(p[1]);
		prctl(PR_SET_NAME, CHILD_COMM, 0, 0, 0);
		if (read(p[0], &b, 1) != 1)
			_exit(2);
		for (int i = 0; i < n; i++)
			syscall(SYS_getppid);
		_exit(0);
	}
	close(p[0]);
	c.go_fd = p[1];
	return c;
}

static void run_child(struct child *c)
{
	int status;

	CHECK(write(c->go_fd, "g", 1) == 1);
	close(c->go_fd);
	CHECK(waitpid(c->pid, &status, 0) == c->pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void *global(struct rbpf_object *obj, const char *name, size_t want_size)
{
	size_t sz = 0;
	void *p = rbpf_object_global(obj, name, &sz);

	if (!p)
		FAIL("global '%s': %s", name, rbpf_last_error());
	if (sz != want_size)
		FAIL("global '%s': size %zu, want %zu", name, sz, want_size);
	return p;
}

static uint64_t read_u64(struct rbpf_object *obj, const char *name)
{
	return *(volatile uint64_t *)global(obj, name, 8);
}

/* syscount: counts a child's syscalls, filtered by the child's pid set in .rodata. */
KTEST(syscount_counts_child_syscalls)
{
	const int n = 50;
	int fds = count_open_fds();
	struct child c = spawn_child(n);
	struct rbpf_object *obj = CHECK_PTR(rbpf_object_open_file(bpf_obj_path("syscount"), NULL));
	struct rbpf_program *prog = CHECK_PTR(rbpf_object_find_program_by_name(obj, "count_syscalls"));
	struct rbpf_map *counts;
	struct rbpf_link *link;
	uint32_t key, next, getppid_nr = SYS_getppid;
	uint64_t val, sum = 0, total;
	int keys = 0;

	*(int *)global(obj, "target_pid", sizeof(int)) = c.pid;
	CHECK_OK(rbpf_program_set_autoload(CHECK_PTR(rbpf_object_find_program_by_name(obj, "count_raw")), false));
	CHECK_OK(rbpf_program_set_autoload(CHECK_PTR(rbpf_object_find_program_by_name(obj, "count_btf")), false));
	CHECK_OK(rbpf_object_load(obj));
	CHECK(rbpf_program_fd(prog) >= 0);
	CHECK_ERR(rbpf_program_set_autoload(prog, false), EINVAL, NULL); /* after load */
	link = CHECK_PTR(rbpf_program_attach(prog));
	CHECK(rbpf_link_fd(link) >= 0);

	run_child(&c);

	counts = CHECK_PTR(rbpf_object_find_map_by_name(obj, "counts"));
	CHECK(rbpf_map_fd(counts) >= 0);
	CHECK_OK(rbpf_map_lookup_elem(counts, &getppid_nr, sizeof(getppid_nr), &val, sizeof(val), 0));
	CHECKF(val >= (uint64_t)n && val < (uint64_t)n + 5, "getppid count %llu, want %d",
	       (unsigned long long)val, n);
	/* every key is one of the child's syscalls; the counts add up to .bss total */
	for (int r = rbpf_map_get_next_key(counts, NULL, &key, sizeof(key)); r == 0;
	     r = rbpf_map_get_next_key(counts, &key, &next, sizeof(key)), key = next) {
		CHECK_OK(rbpf_map_lookup_elem(counts, &key, sizeof(key), &val, sizeof(val), 0));
		sum += val;
		keys++;
	}
	CHECK_EQ(errno, ENOENT);
	total = read_u64(obj, "total");
	CHECKF(keys >= 2 && sum == total, "keys %d sum %llu total %llu", keys,
	       (unsigned long long)sum, (unsigned long long)total);

	CHECK_OK(rbpf_link_destroy(link));
	rbpf_object_close(obj);
	CHECK_EQ(count_open_fds(), fds);
}

/* Explicit tracepoint / raw tracepoint / tp_btf attach of the same object. */
KTEST(syscount_explicit_attach_kinds)
{
	int fds = count_open_fds();
	struct child c = spawn_child(20);
	struct rbpf_object *obj = CHECK_PTR(rbpf_object_open_file(bpf_obj_path("syscount"), NULL));
	struct rbpf_program *tp, *raw, *btf;
	struct rbpf_link *l1, *l2, *l3;

	*(int *)global(obj, "target_pid", sizeof(int)) = c.pid;
	CHECK_OK(rbpf_object_load(obj));
	tp = CHECK_PTR(rbpf_object_find_program_by_name(obj, "count_syscalls"));
	raw = CHECK_PTR(rbpf_object_find_program_by_name(obj, "count_raw"));
	btf = CHECK_PTR(rbpf_object_find_program_by_name(obj, "count_btf"));
	CHECK_EQ(rbpf_program_type(raw), BPF_PROG_TYPE_RAW_TRACEPOINT);
	CHECK_EQ(rbpf_program_type(btf), BPF_PROG_TYPE_TRACING);

	RBPF_OPTS(rbpf_tracepoint_opts, tpo, .bpf_cookie = 7);
	l1 = CHECK_PTR(rbpf_program_attach_tracepoint_opts(tp, "raw_syscalls", "sys_enter", &tpo));
	l2 = CHECK_PTR(rbpf_program_attach_raw_tracepoint(raw, "sys_enter"));
	l3 = CHECK_PTR(rbpf_program_attach_trace(btf));

	/* bad attach arguments */
	CHECK_NULL_ERR(rbpf_program_attach_tracepoint(tp, NULL, "x"), EINVAL, "tp_category is NULL");
	CHECK(rbpf_program_attach_tracepoint(tp, "no_such_category", "nope") == NULL);
	CHECK(errno == ENOENT || errno == EINVAL);
	struct rbpf_tracepoint_opts bad = { .sz = 3 };
	CHECK_NULL_ERR(rbpf_program_attach_tracepoint_opts(tp, "raw_syscalls", "sys_enter", &bad),
		       EINVAL, "rbpf_tracepoint_opts size (3) is too small");

	run_child(&c);

	CHECK(read_u64(obj, "total") >= 20);
	CHECK(read_u64(obj, "raw_total") >= 20);
	CHECK(read_u64(obj, "btf_total") >= 20);

	/* detach stops counting; detach is idempotent */
	CHECK_OK(rbpf_link_detach(l2));
	CHECK_OK(rbpf_link_detach(l2));
	CHECK_EQ(rbpf_link_fd(l2), -1);
	CHECK_OK(rbpf_link_destroy(l1));
	CHECK_OK(rbpf_link_destroy(l2));
	/* a link outlives its object */
	rbpf_object_close(obj);
	CHECK_OK(rbpf_link_destroy(l3));
	CHECK_EQ(count_open_fds(), fds);
}

/* Ring buffer records decoded as the C struct of syscount.bpf.c. */
struct event {
	uint32_t pid;
	uint32_t syscall_id;
	char comm[16];
};

struct rb_ctx {
	int n;
	pid_t want_pid;
	int bad;
};

static int on_event(void *ctx, void *data, size_t size)
{
	struct rb_ctx *c = ctx;
	const struct event *e = data;

	if (size < sizeof(*e) || e->pid != (uint32_t)c->want_pid || e->syscall_id != SYS_getppid ||
	    strcmp(e->comm, CHILD_COMM) != 0)
		c->bad++;
	c->n++;
	return 0;
}

KTEST(ring_buffer_records_decoded)
{
	const int n = 10;
	int fds = count_open_fds();
	struct child c = spawn_child(n);
	struct rbpf_object *obj = CHECK_PTR(rbpf_object_open_file(bpf_obj_path("syscount"), NULL));
	struct rb_ctx ctx = { .want_pid = c.pid };
	struct rbpf_ring_buffer *rb;
	struct rbpf_link *link;
	int got = 0;

	*(int *)global(obj, "target_pid", sizeof(int)) = c.pid;
	*(int *)global(obj, "watch_syscall", sizeof(int)) = SYS_getppid;
	CHECK_OK(rbpf_program_set_autoload(rbpf_object_find_program_by_name(obj, "count_raw"), false));
	CHECK_OK(rbpf_program_set_autoload(rbpf_object_find_program_by_name(obj, "count_btf"), false));
	CHECK_OK(rbpf_object_load(obj));
	link = CHECK_PTR(rbpf_program_attach(rbpf_object_find_program_by_name(obj, "count_syscalls")));
	rb = CHECK_PTR(rbpf_ring_buffer_new(rbpf_map_fd(rbpf_object_find_map_by_name(obj, "events")),
					    on_event, &ctx, NULL));
	CHECK(rbpf_ring_buffer_epoll_fd(rb) >= 0);
	CHECK_EQ(rbpf_ring_buffer_poll(rb, 0), 0); /* nothing yet */

	run_child(&c);

	for (int i = 0; i < 50 && got < n; i++) {
		int r = rbpf_ring_buffer_poll(rb, 100);

		CHECK_OK(r);
		got += r;
	}
	CHECK_EQ(got, n);
	CHECK_EQ(ctx.n, n);
	CHECK_EQ(ctx.bad, 0);

	rbpf_ring_buffer_free(rb);
	CHECK_OK(rbpf_link_destroy(link));
	rbpf_object_close(obj);
	CHECK_EQ(count_open_fds(), fds);
}

/* The ring buffer of a non-ringbuf map, and callbacks that stop early. */
static int stop_at_two(void *ctx, void *data, size_t size)
{
	int *n = ctx;

	return ++*n == 2 ? -42 : 0;
}

KTEST(ring_buffer_callback_stops_and_bad_fd)
{
	int fds = count_open_fds();
	struct rbpf_object *obj = CHECK_PTR(rbpf_object_open_file(bpf_obj_path("maps"), NULL));
	struct rbpf_ring_buffer *rb;
	struct rbpf_link *link;
	int n = 0;

	*(int *)global(obj, "target_pid", sizeof(int)) = getpid();
	CHECK_OK(rbpf_object_load(obj));
	CHECK_NULL_ERR(rbpf_ring_buffer_new(rbpf_map_fd(rbpf_object_find_map_by_name(obj, "hash_map")),
					    stop_at_two, &n, NULL),
		       EINVAL, "not BPF_MAP_TYPE_RINGBUF");
	struct rbpf_ring_buffer_opts bad = { .sz = 1 };
	CHECK_NULL_ERR(rbpf_ring_buffer_new(rbpf_map_fd(rbpf_object_find_map_by_name(obj, "ringbuf")),
					    stop_at_two, &n, &bad),
		       EINVAL, "rbpf_ring_buffer_opts size (1) is too small");
	RBPF_OPTS(rbpf_ring_buffer_opts, ok);
	rb = CHECK_PTR(rbpf_ring_buffer_new(rbpf_map_fd(rbpf_object_find_map_by_name(obj, "ringbuf")),
					    stop_at_two, &n, &ok));
	CHECK_ERR(rbpf_ring_buffer_add(rb, rbpf_map_fd(rbpf_object_find_map_by_name(obj, "array_map")),
				       stop_at_two, &n),
		  EINVAL, "not BPF_MAP_TYPE_RINGBUF");
	CHECK_ERR(rbpf_ring_buffer_add(rb, 0, NULL, &n), EINVAL, "sample_cb is NULL");
	link = CHECK_PTR(rbpf_program_attach(rbpf_object_find_program_by_name(obj, "update_maps")));
	for (int i = 0; i < 3; i++)
		syscall(SYS_getpid);
	CHECK_OK(rbpf_link_destroy(link));
	/* one record per getpid of this process (a tool like valgrind may add its own) */
	uint32_t zero = 0;
	uint64_t calls = 0;
	CHECK_OK(rbpf_map_lookup_elem(rbpf_object_find_map_by_name(obj, "array_map"), &zero, 4, &calls, 8, 0));
	CHECK(calls >= 3);
	CHECK_EQ(rbpf_ring_buffer_consume(rb), -42); /* the callback's value comes back */
	CHECK_EQ(n, 2);
	CHECK_EQ(rbpf_ring_buffer_consume(rb), calls - 2); /* the rest is still there */
	CHECK_EQ(rbpf_ring_buffer_consume_n(rb, 5), 0);
	rbpf_ring_buffer_free(rb);
	rbpf_object_close(obj);
	CHECK_EQ(count_open_fds(), fds);
}

/* globals.bpf.c: values written before load arrive in the kernel; .bss read live. */
KTEST(globals_written_before_load_read_after)
{
	int fds = count_open_fds();
	struct rbpf_object *obj = CHECK_PTR(rbpf_object_open_file(bpf_obj_path("globals"), NULL));
	struct rbpf_map *rodata = NULL, *m;
	struct rbpf_link *link;
	size_t sz = 0;
	char *str;

	*(int *)global(obj, "target_pid", sizeof(int)) = getpid();
	*(uint32_t *)global(obj, "ro_u32", 4) = 1234;
	*(int64_t *)global(obj, "ro_s64", 8) = -77;
	str = global(obj, "ro_str", 16);
	CHECK(strcmp(str, "hello") == 0); /* the initial value from the ELF */
	memset(str, 0, 16);
	strcpy(str, "from-c");
	CHECK_EQ(*(int *)global(obj, "data_int", 4), 7);
	*(int *)global(obj, "data_int", 4) = 99;
	*(int *)global(obj, "custom_data", 4) = 5;
	*(int *)global(obj, "custom_ro", 4) = 6;

	for (m = rbpf_object_next_map(obj, NULL); m; m = rbpf_object_next_map(obj, m))
		if (strstr(rbpf_map_name(m), ".rodata") && !strstr(rbpf_map_name(m), "custom"))
			rodata = m;
	CHECK(rodata != NULL);
	CHECK(rbpf_map_is_internal(rodata));
	CHECK(rbpf_map_initial_value(rodata, &sz) != NULL);
	CHECK_EQ(sz, rbpf_map_value_size(rodata));

	CHECK_OK(rbpf_object_load(obj));
	link = CHECK_PTR(rbpf_program_attach(rbpf_object_find_program_by_name(obj, "copy_globals")));
	syscall(SYS_getpid);

	CHECK(read_u64(obj, "bss_counter") >= 1);
	CHECK_EQ(*(volatile uint32_t *)global(obj, "out_ro_u32", 4), 1234);
	CHECK_EQ(*(volatile int64_t *)global(obj, "out_ro_s64", 8), -77);
	CHECK(strcmp(global(obj, "out_ro_str", 16), "from-c") == 0);
	CHECK_EQ(*(volatile int *)global(obj, "out_data_int", 4), 99);
	CHECK_EQ(*(volatile int *)global(obj, "out_custom_data", 4), 5);
	CHECK_EQ(*(volatile int *)global(obj, "out_custom_ro", 4), 6);
	{
		volatile uint32_t *arr = global(obj, "bss_arr", 16);

		CHECK_EQ(arr[0], 100);
		CHECK_EQ(arr[1], 201);
		CHECK_EQ(arr[2], 302);
		CHECK_EQ(arr[3], 1234);
	}
	/* .bss written from user space is seen by the program's next run */
	*(volatile uint64_t *)global(obj, "bss_counter", 8) = 1000;
	syscall(SYS_getpid);
	CHECK(read_u64(obj, "bss_counter") >= 1001);

	/* the live image after load; .rodata can no longer be replaced */
	sz = 0;
	CHECK(rbpf_map_initial_value(rodata, &sz) != NULL && sz > 0);
	{
		char zero[256] = { 0 };

		CHECK(sz <= sizeof(zero));
		CHECK(rbpf_map_set_initial_value(rodata, zero, sz) < 0);
	}

	CHECK_OK(rbpf_link_destroy(link));
	rbpf_object_close(obj);
	CHECK_EQ(count_open_fds(), fds);
}

struct hkey {
	uint32_t a, b;
};
struct hvalue {
	uint64_t x;
	char tag[8];
};

/* maps.bpf.c: hash, array and per-CPU maps from the program and from user space. */
KTEST(maps_hash_array_percpu)
{
	int fds = count_open_fds();
	struct rbpf_object *obj = CHECK_PTR(rbpf_object_open_file(bpf_obj_path("maps"), NULL));
	struct rbpf_map *hash, *array, *pcpu, *pcpu_hash;
	struct rbpf_link *link;
	int ncpu = rbpf_num_possible_cpus();
	uint32_t zero = 0, one = 1, k;
	uint64_t v, *vals, sum = 0, calls;
	struct hkey hk = { 1, 2 };
	struct hvalue hv;

	CHECK(ncpu >= 1);
	*(int *)global(obj, "target_pid", sizeof(int)) = getpid();
	CHECK_OK(rbpf_object_load(obj));
	hash = CHECK_PTR(rbpf_object_find_map_by_name(obj, "hash_map"));
	array = CHECK_PTR(rbpf_object_find_map_by_name(obj, "array_map"));
	pcpu = CHECK_PTR(rbpf_object_find_map_by_name(obj, "percpu_array"));
	pcpu_hash = CHECK_PTR(rbpf_object_find_map_by_name(obj, "percpu_hash"));
	CHECK_EQ(rbpf_map_type(hash), BPF_MAP_TYPE_HASH);
	CHECK_EQ(rbpf_map_type(pcpu), BPF_MAP_TYPE_PERCPU_ARRAY);
	CHECK_EQ(rbpf_map_key_size(hash), sizeof(struct hkey));
	CHECK_EQ(rbpf_map_value_size(hash), sizeof(struct hvalue));
	CHECK_ERR(rbpf_map_set_max_entries(hash, 10), EBUSY, NULL);

	link = CHECK_PTR(rbpf_program_attach(rbpf_object_find_program_by_name(obj, "update_maps")));
	for (int i = 0; i < 3; i++)
		syscall(SYS_getpid);
	CHECK_OK(rbpf_link_destroy(link));

	/* 3 calls (a tool like valgrind may add getpid calls of its own) */
	CHECK_OK(rbpf_map_lookup_elem(array, &zero, 4, &calls, 8, 0));
	CHECKF(calls >= 3 && calls < 20, "calls %llu", (unsigned long long)calls);
	CHECK_OK(rbpf_map_lookup_elem(hash, &hk, sizeof(hk), &hv, sizeof(hv), 0));
	CHECK_EQ(hv.x, calls);
	CHECK(strcmp(hv.tag, "getpid") == 0);

	vals = calloc(ncpu, 8);
	CHECK(vals != NULL);
	CHECK_OK(rbpf_map_lookup_elem(pcpu, &zero, 4, vals, (size_t)ncpu * 8, 0));
	for (int i = 0; i < ncpu; i++)
		sum += vals[i];
	CHECK_EQ(sum, calls);
	sum = 0;
	CHECK_OK(rbpf_map_lookup_elem(pcpu_hash, &one, 4, vals, (size_t)ncpu * 8, 0));
	for (int i = 0; i < ncpu; i++)
		sum += vals[i];
	CHECK_EQ(sum, calls);
	/* per-CPU update from user space: one slot per CPU */
	for (int i = 0; i < ncpu; i++)
		vals[i] = 10 + i;
	CHECK_OK(rbpf_map_update_elem(pcpu, &one, 4, vals, (size_t)ncpu * 8, BPF_ANY));
	memset(vals, 0, (size_t)ncpu * 8);
	CHECK_OK(rbpf_map_lookup_elem(pcpu, &one, 4, vals, (size_t)ncpu * 8, 0));
	CHECK_EQ(vals[ncpu - 1], 10 + ncpu - 1);
	CHECK_ERR(rbpf_map_lookup_elem(pcpu, &one, 4, &v, 8, 0), EINVAL,
		  ncpu > 1 ? "provided for per-CPU map" : NULL);
	/* with BPF_F_CPU the value is one slot (whether the kernel supports the flag or not,
	 * a whole per-CPU buffer is the wrong size) */
	if (ncpu > 1)
		CHECK_ERR(rbpf_map_lookup_elem(pcpu, &one, 4, vals, (size_t)ncpu * 8, RBPF_TEST_F_CPU),
			  EINVAL, "BPF_F_CPU");
	free(vals);

	/* user-space element operations on the hash */
	struct hkey k2 = { 7, 8 };
	struct hvalue v2 = { .x = 99, .tag = "c-side" }, out;
	CHECK_OK(rbpf_map_update_elem(hash, &k2, sizeof(k2), &v2, sizeof(v2), BPF_NOEXIST));
	CHECK_ERR(rbpf_map_update_elem(hash, &k2, sizeof(k2), &v2, sizeof(v2), BPF_NOEXIST), EEXIST, NULL);
	CHECK_OK(rbpf_map_lookup_elem(hash, &k2, sizeof(k2), &out, sizeof(out), 0));
	CHECK(out.x == 99 && strcmp(out.tag, "c-side") == 0);
	{
		int n = 0;
		struct hkey cur, nxt;

		for (int r = rbpf_map_get_next_key(hash, NULL, &cur, sizeof(cur)); r == 0;
		     r = rbpf_map_get_next_key(hash, &cur, &nxt, sizeof(cur)), cur = nxt)
			n++;
		CHECK_EQ(n, 2);
	}
	memset(&out, 0, sizeof(out));
	CHECK_OK(rbpf_map_lookup_and_delete_elem(hash, &k2, sizeof(k2), &out, sizeof(out), 0));
	CHECK_EQ(out.x, 99);
	CHECK_ERR(rbpf_map_lookup_elem(hash, &k2, sizeof(k2), &out, sizeof(out), 0), ENOENT, NULL);
	CHECK_OK(rbpf_map_delete_elem(hash, &hk, sizeof(hk), 0));
	CHECK_ERR(rbpf_map_delete_elem(hash, &hk, sizeof(hk), 0), ENOENT, NULL);
	CHECK_ERR(rbpf_map_get_next_key(hash, NULL, &k2, sizeof(k2)), ENOENT, NULL);

	/* array: update and read back */
	v = 555;
	k = 5;
	CHECK_OK(rbpf_map_update_elem(array, &k, 4, &v, 8, BPF_ANY));
	v = 0;
	CHECK_OK(rbpf_map_lookup_elem(array, &k, 4, &v, 8, 0));
	CHECK_EQ(v, 555);

	/* wrong key / value sizes: EINVAL naming the map */
	CHECK_ERR(rbpf_map_lookup_elem(hash, &k, 4, &out, sizeof(out), 0), EINVAL,
		  "map 'hash_map': unexpected key size 4 provided, expected 8");
	CHECK_ERR(rbpf_map_update_elem(array, &k, 4, &v, 4, 0), EINVAL,
		  "map 'array_map': unexpected value size 4 provided, expected 8");
	CHECK_ERR(rbpf_map_delete_elem(array, &k, 2, 0), EINVAL, "unexpected key size 2");
	CHECK_ERR(rbpf_map_get_next_key(array, NULL, &k, 16), EINVAL, "unexpected key size 16");
	CHECK_ERR(rbpf_map_lookup_elem(array, NULL, 4, &v, 8, 0), EINVAL, "key is NULL");
	CHECK_ERR(rbpf_map_lookup_elem(array, &k, 4, NULL, 8, 0), EINVAL, "value is NULL");

	rbpf_object_close(obj);
	CHECK_EQ(count_open_fds(), fds);
}

/* subprogs.bpf.c: static and global subprograms and a bpf_loop callback. */
KTEST(subprograms_static_and_global)
{
	int fds = count_open_fds();
	struct rbpf_object *obj = CHECK_PTR(rbpf_object_open_file(bpf_obj_path("subprogs"), NULL));
	struct rbpf_link *l1, *l2;

	CHECK_EQ(rbpf_object_program_cnt(obj), 2); /* .text functions are not programs */
	*(int *)global(obj, "target_pid", sizeof(int)) = getpid();
	CHECK_OK(rbpf_object_load(obj));
	l1 = CHECK_PTR(rbpf_program_attach(rbpf_object_find_program_by_name(obj, "on_getpid")));
	l2 = CHECK_PTR(rbpf_program_attach(rbpf_object_find_program_by_name(obj, "on_sys_enter")));
	syscall(SYS_getpid);
	CHECK_OK(rbpf_link_destroy(l1));
	CHECK_OK(rbpf_link_destroy(l2));

	CHECK_EQ(*(volatile int *)global(obj, "tp_result", 4), 116);
	CHECK_EQ(*(volatile int *)global(obj, "raw_result", 4), 122);
	CHECK_EQ(read_u64(obj, "tp_loop_sum"), 45);
	CHECK_EQ(read_u64(obj, "raw_loop_sum"), 45);
	CHECK(read_u64(obj, "tp_runs") >= 1);
	rbpf_object_close(obj);
	CHECK_EQ(count_open_fds(), fds);
}

/* SEC("xdp/main") opens but does not load (EINVAL naming program and section);
 * rbpf_program_set_type before load rescues it. */
KTEST(bad_section_fails_then_set_type_rescues)
{
	int fds = count_open_fds();
	struct rbpf_object *obj = CHECK_PTR(rbpf_object_open_file(bpf_obj_path("bad_section"), NULL));
	struct rbpf_program *p = CHECK_PTR(rbpf_object_find_program_by_name(obj, "xdp_main"));

	CHECK(strcmp(rbpf_program_section_name(p), "xdp/main") == 0);
	CHECK_EQ(rbpf_program_type(p), BPF_PROG_TYPE_UNSPEC);
	CHECK_ERR(rbpf_object_load(obj), EINVAL, "xdp_main");
	check_msg(__FILE__, __LINE__, "load", "xdp/main");
	rbpf_object_close(obj);

	obj = CHECK_PTR(rbpf_object_open_file(bpf_obj_path("bad_section"), NULL));
	p = CHECK_PTR(rbpf_object_find_program_by_name(obj, "xdp_main"));
	CHECK_OK(rbpf_program_set_type(p, BPF_PROG_TYPE_XDP));
	CHECK_EQ(rbpf_program_type(p), BPF_PROG_TYPE_XDP);
	CHECK_OK(rbpf_object_load(obj));
	CHECK(rbpf_program_fd(p) >= 0);
	CHECK_ERR(rbpf_program_set_type(p, BPF_PROG_TYPE_XDP), EBUSY, NULL);
	CHECK_ERR(rbpf_object_load(obj), EINVAL, NULL); /* loading twice */
	rbpf_object_close(obj);

	/* or leave it out */
	obj = CHECK_PTR(rbpf_object_open_file(bpf_obj_path("bad_section"), NULL));
	CHECK_OK(rbpf_program_set_autoload(rbpf_object_find_program_by_name(obj, "xdp_main"), false));
	CHECK_OK(rbpf_object_load(obj));
	CHECK_ERR(rbpf_program_fd(rbpf_object_find_program_by_name(obj, "xdp_main")), EINVAL, NULL);
	rbpf_object_close(obj);
	CHECK_EQ(count_open_fds(), fds);
}

/* rbpf_object_attach_all attaches every auto-attachable program. */
KTEST(attach_all_like_a_skeleton)
{
	int fds = count_open_fds();
	struct rbpf_object *obj = CHECK_PTR(rbpf_object_open_file(bpf_obj_path("subprogs"), NULL));
	struct rbpf_link **links = NULL;
	size_t n = 0;

	*(int *)global(obj, "target_pid", sizeof(int)) = getpid();
	CHECK_OK(rbpf_object_load(obj));
	CHECK_OK(rbpf_object_attach_all(obj, &links, &n));
	CHECK_EQ(n, 2);
	syscall(SYS_getpid);
	CHECK(read_u64(obj, "tp_runs") >= 1 && read_u64(obj, "raw_runs") >= 1);
	for (size_t i = 0; i < n; i++)
		CHECK_OK(rbpf_link_destroy(links[i]));
	free(links);
	rbpf_object_close(obj);
	CHECK_EQ(count_open_fds(), fds);
}
