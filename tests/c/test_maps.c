// SPDX-License-Identifier: (BSD-2-Clause OR MIT)
// Issue 5 through the C ABI, on this machine's kernel: per-ring accessors and
// consume_n, the user ring buffer, the perf buffer, batch map operations (object and fd
// level), NULL-key queue ops, tail calls, pinning (explicit, by name, reuse checks),
// reuse_fd, set_inner_map_fd and freeze. Programs are run with BPF_PROG_TEST_RUN
// through the raw syscall (the C ABI has no test-run call). Every test checks that it
// leaves no fd behind; pins live in /sys/fs/bpf/rbpf-c-maps-<pid>-* and are removed.
#define _GNU_SOURCE
#include "harness.h"
#include "rbpf.h"

#include <dirent.h>
#include <linux/bpf.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#define BPF_FS_MAGIC_ 0xcafe4a11

static struct rbpf_object *load(const char *name)
{
	struct rbpf_object *obj = CHECK_PTR(rbpf_object_open_file(bpf_obj_path(name), NULL));

	CHECK_OK(rbpf_object_load(obj));
	return obj;
}

static struct rbpf_map *map_of(struct rbpf_object *obj, const char *name)
{
	return CHECK_PTR(rbpf_object_find_map_by_name(obj, name));
}

static void *glob(struct rbpf_object *obj, const char *name)
{
	size_t sz = 0;
	void *p = rbpf_object_global(obj, name, &sz);

	if (!p)
		FAIL("global '%s': %s", name, rbpf_last_error());
	return p;
}

/* BPF_PROG_TEST_RUN: syscall programs without input, socket programs on 64 bytes. */
static uint32_t test_run(struct rbpf_object *obj, const char *prog, bool packet)
{
	struct rbpf_program *p = CHECK_PTR(rbpf_object_find_program_by_name(obj, prog));
	char pkt[64] = { 0 };
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.test.prog_fd = rbpf_program_fd(p);
	if (packet) {
		a.test.data_in = (uintptr_t)pkt;
		a.test.data_size_in = sizeof(pkt);
		a.test.repeat = 1;
	}
	if (syscall(__NR_bpf, BPF_PROG_TEST_RUN, &a, sizeof(a)) != 0)
		FAIL("test run of %s: %s", prog, strerror(errno));
	return a.test.retval;
}

/* ---- ring buffer: per-ring accessors, consume_n, stopping ----------------------- */

struct seq_ctx {
	uint64_t next;
	int bad;
	int stop_at; /* return -E2BIG on this record number (1-based), 0: never */
	int n;
};

static int on_seq(void *ctx, void *data, size_t size)
{
	struct seq_ctx *c = ctx;
	uint64_t v;

	memcpy(&v, data, sizeof(v));
	if (size != 16 || v != c->next)
		c->bad++;
	c->next++;
	c->n++;
	if (c->stop_at && c->n == c->stop_at)
		return -E2BIG;
	return 7; /* positive: ignored, as libbpf */
}

KTEST(ring_accessors_and_consume_n)
{
	int fds = count_open_fds();
	struct rbpf_object *obj = CHECK_PTR(rbpf_object_open_file(bpf_obj_path("ringbench"), NULL));
	struct seq_ctx ctx = { 0 };
	struct rbpf_ring_buffer *rb;
	struct rbpf_ring *r;

	CHECK_OK(rbpf_object_load(obj));
	rb = CHECK_PTR(rbpf_ring_buffer_new(rbpf_map_fd(map_of(obj, "bench_rb")), on_seq, &ctx, NULL));
	*(uint32_t *)glob(obj, "nr_records") = 100;
	test_run(obj, "produce", false);

	r = CHECK_PTR(rbpf_ring_buffer_ring(rb, 0));
	CHECK(rbpf_ring_buffer_ring(rb, 0) == r);
	CHECK_NULL_ERR(rbpf_ring_buffer_ring(rb, 1), ENOENT, "no ring 1");
	CHECK_EQ(rbpf_ring_size(r), 256 * 1024);
	CHECK_EQ(rbpf_ring_avail_data_size(r), 100 * 24);
	CHECK_EQ(rbpf_ring_producer_pos(r) - rbpf_ring_consumer_pos(r), 100 * 24);
	CHECK(rbpf_ring_map_fd(r) >= 3);

	CHECK_EQ(rbpf_ring_consume_n(r, 30), 30);
	CHECK_EQ(rbpf_ring_avail_data_size(r), 70 * 24);
	CHECK_EQ(rbpf_ring_buffer_consume_n(rb, 20), 20);
	ctx.stop_at = 55;
	CHECK_ERR(rbpf_ring_buffer_consume(rb), E2BIG, NULL);
	CHECK_EQ(ctx.n, 55);
	ctx.stop_at = 0;
	CHECK_EQ(rbpf_ring_consume(r), 45);
	CHECK_EQ(ctx.next, 100);
	CHECK_EQ(ctx.bad, 0);
	CHECK_EQ(rbpf_ring_avail_data_size(r), 0);
	CHECK_EQ(rbpf_ring_buffer_poll(rb, 0), 0);

	rbpf_ring_buffer_free(rb);
	/* the ring handle died with its manager */
	CHECK_ERR(rbpf_ring_consume(r), EINVAL, "not a live rbpf_ring");
	rbpf_object_close(obj);
	CHECK_EQ(count_open_fds(), fds);
}

/* ---- user ring buffer --------------------------------------------------------- */

static void fill(void *p, uint64_t value, uint64_t size)
{
	memcpy(p, &value, 8);
	memcpy((char *)p + 8, &size, 8);
}

KTEST(user_ring_buffer_produce_and_drain)
{
	int fds = count_open_fds();
	struct rbpf_object *obj = load("user_ringbuf");
	int fd = rbpf_map_fd(map_of(obj, "user_ringbuf"));
	struct rbpf_user_ring_buffer *rb;
	void *s, *d;
	int n = 0;

	CHECK_NULL_ERR(rbpf_user_ring_buffer_new(rbpf_map_fd(map_of(obj, ".bss")), NULL), EINVAL,
		       "not BPF_MAP_TYPE_USER_RINGBUF");
	rb = CHECK_PTR(rbpf_user_ring_buffer_new(fd, NULL));

	s = CHECK_PTR(rbpf_user_ring_buffer_reserve(rb, 16));
	CHECK(((uintptr_t)s & 7) == 0);
	fill(s, 5, 16);
	rbpf_user_ring_buffer_submit(rb, s);
	d = CHECK_PTR(rbpf_user_ring_buffer_reserve(rb, 16));
	fill(d, 1000, 16);
	rbpf_user_ring_buffer_discard(rb, d);
	s = CHECK_PTR(rbpf_user_ring_buffer_reserve(rb, 20));
	fill(s, 7, 20);
	rbpf_user_ring_buffer_submit(rb, s);
	/* a pointer that is not a sample is refused, not written through */
	errno = 0;
	rbpf_user_ring_buffer_submit(rb, (char *)s + 4);
	CHECK_EQ(errno, EINVAL);
	errno = 0;
	rbpf_user_ring_buffer_submit(rb, s); /* already submitted */
	CHECK_EQ(errno, EINVAL);

	test_run(obj, "drain", false);
	CHECK_EQ(*(long *)glob(obj, "drain_ret"), 2);
	CHECK_EQ(*(uint64_t *)glob(obj, "drained_sum"), 12);
	CHECK_EQ(*(uint64_t *)glob(obj, "drained_bytes"), 36);

	CHECK_NULL_ERR(rbpf_user_ring_buffer_reserve(rb, 16 * 1024), E2BIG, NULL);
	while ((s = rbpf_user_ring_buffer_reserve(rb, 1024))) {
		fill(s, 1, 1024);
		rbpf_user_ring_buffer_submit(rb, s);
		n++;
	}
	CHECK_EQ(errno, ENOSPC);
	CHECK_EQ(n, 15);
	CHECK_NULL_ERR(rbpf_user_ring_buffer_reserve_blocking(rb, 1024, 20), ENOSPC, "within 20 ms");
	test_run(obj, "drain", false);
	s = CHECK_PTR(rbpf_user_ring_buffer_reserve_blocking(rb, 1024, 100));
	rbpf_user_ring_buffer_discard(rb, s);
	CHECK_EQ(*(uint64_t *)glob(obj, "drained_cnt"), 17);

	rbpf_user_ring_buffer_free(rb);
	rbpf_user_ring_buffer_free(NULL);
	rbpf_object_close(obj);
	CHECK_EQ(count_open_fds(), fds);
}

/* ---- perf buffer --------------------------------------------------------------- */

struct perf_ctx {
	int samples;
	uint64_t value;
	int cpu;
};

static void on_sample(void *ctx, int cpu, void *data, uint32_t size)
{
	struct perf_ctx *c = ctx;

	if (size >= 8)
		memcpy(&c->value, data, 8);
	c->cpu = cpu;
	c->samples++;
}

static void on_lost(void *ctx, int cpu, uint64_t cnt)
{
}

KTEST(perf_buffer_samples)
{
	int fds = count_open_fds();
	struct rbpf_object *obj = load("map_types");
	int fd = rbpf_map_fd(map_of(obj, "perf_events"));
	struct perf_ctx ctx = { .cpu = -1 };
	struct rbpf_perf_buffer *pb;
	int got = 0;

	CHECK_NULL_ERR(rbpf_perf_buffer_new(fd, 3, on_sample, on_lost, &ctx, NULL), EINVAL, "power of 2");
	CHECK_NULL_ERR(rbpf_perf_buffer_new(rbpf_map_fd(map_of(obj, "lpm")), 1, on_sample, on_lost, &ctx, NULL),
		       EINVAL, "not BPF_MAP_TYPE_PERF_EVENT_ARRAY");
	RBPF_OPTS(rbpf_perf_buffer_opts, po, .sample_period = 1);
	pb = CHECK_PTR(rbpf_perf_buffer_new(fd, 1, on_sample, on_lost, &ctx, &po));
	CHECK(rbpf_perf_buffer_buffer_cnt(pb) >= 1);
	CHECK(rbpf_perf_buffer_buffer_fd(pb, 0) >= 3);
	CHECK_ERR(rbpf_perf_buffer_buffer_fd(pb, 100000), EINVAL, NULL);
	CHECK(rbpf_perf_buffer_epoll_fd(pb) >= 3);

	*(uint64_t *)glob(obj, "perf_value") = 0xfeed;
	test_run(obj, "perf_out", true);
	for (int i = 0; i < 20 && got == 0; i++) {
		int r = rbpf_perf_buffer_poll(pb, 100);

		CHECK_OK(r);
		got += r;
	}
	CHECK_EQ(ctx.samples, 1);
	CHECK_EQ(ctx.value, 0xfeed);
	CHECK(ctx.cpu >= 0);
	CHECK_EQ(rbpf_perf_buffer_consume(pb), 0);
	CHECK_EQ(rbpf_perf_buffer_consume_buffer(pb, 0), 0);
	CHECK_ERR(rbpf_perf_buffer_consume_buffer(pb, 100000), EINVAL, NULL);

	rbpf_perf_buffer_free(pb);
	rbpf_object_close(obj);
	CHECK_EQ(count_open_fds(), fds);
}

/* ---- batch operations ---------------------------------------------------------- */

struct hkey {
	uint32_t a, b;
};
struct hvalue {
	uint64_t x;
	char tag[8];
};

KTEST(map_batch_ops)
{
	int fds = count_open_fds();
	struct rbpf_object *obj = load("maps");
	struct rbpf_map *h = map_of(obj, "hash_map");
	struct hkey keys[100], okeys[100];
	struct hvalue vals[100], ovals[100];
	uint32_t in = 0, out = 0, count;
	int total = 0, r, seen[100] = { 0 };
	bool first = true;

	for (int i = 0; i < 100; i++) {
		keys[i] = (struct hkey){ i, i * 10 };
		vals[i] = (struct hvalue){ .x = i * 3ULL, .tag = "batch" };
	}
	count = 100;
	CHECK_OK(rbpf_map_update_batch(h, keys, vals, &count, NULL));
	CHECK_EQ(count, 100);
	CHECK_ERR(rbpf_map_update_batch(h, keys, vals, NULL, NULL), EINVAL, "count is NULL");

	/* walk in batches of 16 until -ENOENT */
	do {
		count = 16;
		r = rbpf_map_lookup_batch(h, first ? NULL : &in, &out, okeys, ovals, &count, NULL);
		if (r < 0 && r != -ENOENT)
			FAIL("lookup_batch: %d %s", r, rbpf_last_error());
		for (uint32_t i = 0; i < count; i++) {
			CHECK(okeys[i].a < 100 && okeys[i].b == okeys[i].a * 10);
			CHECK_EQ(ovals[i].x, okeys[i].a * 3ULL);
			seen[okeys[i].a]++;
		}
		total += count;
		in = out;
		first = false;
	} while (r == 0);
	CHECK_EQ(errno, ENOENT);
	CHECK_EQ(total, 100);
	for (int i = 0; i < 100; i++)
		CHECK_EQ(seen[i], 1);

	/* fd level: the same map through its fd */
	count = 100;
	r = rbpf_sys_map_lookup_batch(rbpf_map_fd(h), NULL, &out, okeys, ovals, &count, NULL);
	CHECK(r == 0 || r == -ENOENT);
	CHECK(count > 0);

	count = 20;
	CHECK_OK(rbpf_map_delete_batch(h, keys, &count, NULL));
	CHECK_EQ(count, 20);
	count = 1;
	CHECK_ERR(rbpf_map_delete_batch(h, keys, &count, NULL), ENOENT, NULL);
	CHECK_EQ(count, 0);

	total = 0;
	first = true;
	do {
		count = 32;
		r = rbpf_map_lookup_and_delete_batch(h, first ? NULL : &in, &out, okeys, ovals, &count, NULL);
		CHECK(r == 0 || r == -ENOENT);
		total += count;
		in = out;
		first = false;
	} while (r == 0);
	CHECK_EQ(total, 80);
	CHECK_ERR(rbpf_map_get_next_key(h, NULL, okeys, sizeof(okeys[0])), ENOENT, NULL);

	/* elem_flags reach the kernel, which takes only BPF_F_LOCK for batches */
	count = 1;
	CHECK_OK(rbpf_map_update_batch(h, keys, vals, &count, NULL));
	RBPF_OPTS(rbpf_map_batch_opts, noexist, .elem_flags = BPF_NOEXIST);
	count = 1;
	CHECK_ERR(rbpf_map_update_batch(h, keys, vals, &count, &noexist), EINVAL, "update batch");
	struct rbpf_map_batch_opts bad = { .sz = 2 };
	count = 1;
	CHECK_ERR(rbpf_map_update_batch(h, keys, vals, &count, &bad), EINVAL, "rbpf_map_batch_opts size (2) is too small");
	count = 1;
	CHECK_OK(rbpf_sys_map_delete_batch(rbpf_map_fd(h), keys, &count, NULL));

	rbpf_object_close(obj);
	CHECK_EQ(count_open_fds(), fds);
}

/* ---- queue (NULL key), prog array tail calls, map-in-map, freeze ---------------- */

KTEST(queue_tail_calls_and_freeze)
{
	int fds = count_open_fds();
	struct rbpf_object *obj = load("map_types");
	struct rbpf_map *q = map_of(obj, "queue"), *jt = map_of(obj, "jmp_table");
	struct rbpf_map *mm = map_of(obj, "mmapable");
	uint32_t v, k;
	uint64_t x;

	for (v = 1; v <= 3; v++)
		CHECK_OK(rbpf_map_update_elem(q, NULL, 0, &v, sizeof(v), BPF_ANY));
	CHECK_OK(rbpf_map_lookup_elem(q, NULL, 0, &v, sizeof(v), 0));
	CHECK_EQ(v, 1);
	CHECK_OK(rbpf_map_lookup_and_delete_elem(q, NULL, 0, &v, sizeof(v), 0));
	CHECK_EQ(v, 1);
	CHECK_OK(rbpf_map_lookup_and_delete_elem(q, NULL, 0, &v, sizeof(v), 0));
	CHECK_EQ(v, 2);

	*(uint32_t *)glob(obj, "tail_slot") = 1;
	CHECK_EQ(test_run(obj, "entry", true), 42);
	*(uint32_t *)glob(obj, "tail_slot") = 2;
	CHECK_EQ(test_run(obj, "entry", true), 1);
	k = 2;
	v = rbpf_program_fd(rbpf_object_find_program_by_name(obj, "tail_2"));
	CHECK_OK(rbpf_map_update_elem(jt, &k, sizeof(k), &v, sizeof(v), 0));
	CHECK_EQ(test_run(obj, "entry", true), 43);

	/* freeze: user space can't write any more, programs still can (entry ran 3 times) */
	k = 3;
	CHECK_OK(rbpf_map_freeze(mm));
	x = 1;
	CHECK_ERR(rbpf_map_update_elem(mm, &k, sizeof(k), &x, sizeof(x), 0), EPERM, NULL);
	test_run(obj, "entry", true);
	CHECK_OK(rbpf_map_lookup_elem(mm, &k, sizeof(k), &x, sizeof(x), 0));
	CHECK_EQ(x, 4);
	CHECK_OK(rbpf_sys_map_freeze(rbpf_map_fd(q)));

	rbpf_object_close(obj);
	CHECK_EQ(count_open_fds(), fds);
}

KTEST(reuse_fd_and_inner_map_fd)
{
	int fds = count_open_fds();
	struct rbpf_object *a = load("maps");
	struct rbpf_object *b = CHECK_PTR(rbpf_object_open_file(bpf_obj_path("maps"), NULL));
	struct rbpf_object *c = CHECK_PTR(rbpf_object_open_file(bpf_obj_path("map_types"), NULL));
	struct rbpf_map *am = map_of(a, "array_map");
	uint32_t k = 4;
	uint64_t x = 44;

	CHECK_OK(rbpf_map_update_elem(am, &k, sizeof(k), &x, sizeof(x), 0));
	CHECK_OK(rbpf_map_reuse_fd(map_of(b, "array_map"), rbpf_map_fd(am)));
	CHECK_OK(rbpf_object_load(b));
	x = 0;
	CHECK_OK(rbpf_map_lookup_elem(map_of(b, "array_map"), &k, sizeof(k), &x, sizeof(x), 0));
	CHECK_EQ(x, 44);
	CHECK_ERR(rbpf_map_reuse_fd(map_of(b, "array_map"), rbpf_map_fd(am)), EBUSY, NULL);

	/* inner template from an fd: array_map has u32 -> u64 like inner_map, 16 entries */
	CHECK_ERR(rbpf_map_set_inner_map_fd(map_of(c, "lpm"), rbpf_map_fd(am)), EINVAL, "not a map-in-map");
	CHECK_OK(rbpf_map_set_inner_map_fd(map_of(c, "hoh"), rbpf_map_fd(am)));
	CHECK_ERR(rbpf_map_set_inner_map_fd(map_of(c, "hoh"), rbpf_map_fd(am)), EINVAL, "already");
	CHECK_OK(rbpf_object_load(c));
	k = 9;
	uint32_t inner = rbpf_map_fd(am);
	CHECK_OK(rbpf_map_update_elem(map_of(c, "hoh"), &k, sizeof(k), &inner, sizeof(inner), 0));

	rbpf_object_close(c);
	rbpf_object_close(b);
	rbpf_object_close(a);
	CHECK_EQ(count_open_fds(), fds);
}

/* ---- pinning -------------------------------------------------------------------- */

static char pin_dir[256];

static void rm_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char p[512];

	if (!d)
		return;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.') {
			snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
			unlink(p);
		}
	closedir(d);
	rmdir(dir);
}

/* A fresh per-process pin directory; stale ones of dead test processes are removed. */
static void make_pin_dir(const char *tag)
{
	struct statfs st;
	DIR *d;
	struct dirent *e;

	if (statfs("/sys/fs/bpf", &st) != 0 || st.f_type != BPF_FS_MAGIC_)
		mount("bpf", "/sys/fs/bpf", "bpf", 0, NULL);
	if (statfs("/sys/fs/bpf", &st) != 0 || st.f_type != BPF_FS_MAGIC_)
		SKIP("bpffs is not mounted at /sys/fs/bpf");
	d = opendir("/sys/fs/bpf");
	while (d && (e = readdir(d))) {
		int pid;
		char p[512];

		if (sscanf(e->d_name, "rbpf-c-maps-%d-", &pid) == 1 && kill(pid, 0) != 0 && errno == ESRCH) {
			snprintf(p, sizeof(p), "/sys/fs/bpf/%s", e->d_name);
			rm_dir(p);
		}
	}
	if (d)
		closedir(d);
	snprintf(pin_dir, sizeof(pin_dir), "/sys/fs/bpf/rbpf-c-maps-%d-%s", getpid(), tag);
	rm_dir(pin_dir);
	CHECK(mkdir(pin_dir, 0700) == 0);
}

static const char *pin_file(const char *name)
{
	static char buf[4][512];
	static int n;
	char *p = buf[n++ % 4];

	snprintf(p, sizeof(buf[0]), "%s/%s", pin_dir, name);
	return p;
}

KTEST(map_pin_unpin_and_pin_path)
{
	int fds = count_open_fds();
	struct rbpf_object *obj = load("maps");
	struct rbpf_map *m = map_of(obj, "array_map");
	const char *p;
	uint32_t k = 1;
	uint64_t x = 11;
	int fd;

	make_pin_dir("pin");
	p = pin_file("array_map");
	CHECK(!rbpf_map_is_pinned(m));
	CHECK(rbpf_map_pin_path(m) == NULL);
	CHECK_ERR(rbpf_map_pin(m, NULL), EINVAL, "missing a path");
	CHECK_OK(rbpf_map_update_elem(m, &k, sizeof(k), &x, sizeof(x), 0));
	CHECK_OK(rbpf_map_pin(m, p));
	CHECK(rbpf_map_is_pinned(m));
	CHECK(strcmp(rbpf_map_pin_path(m), p) == 0);
	CHECK_OK(rbpf_map_pin(m, NULL)); /* already there: no-op */
	CHECK_ERR(rbpf_map_pin(m, pin_file("other")), EINVAL, "different");

	fd = rbpf_sys_obj_get(p);
	CHECK(fd >= 3);
	x = 0;
	uint32_t in = 0, out = 0, cnt = 16, ks[16];
	uint64_t vs[16];
	int r = rbpf_sys_map_lookup_batch(fd, NULL, &out, ks, vs, &cnt, NULL);
	CHECK(r == 0 || r == -ENOENT);
	CHECK_EQ(cnt, 16);
	CHECK_EQ(vs[1], 11);
	(void)in;
	close(fd);
	CHECK_ERR(rbpf_sys_obj_get(pin_file("nope")), ENOENT, NULL);

	CHECK_OK(rbpf_map_unpin(m, NULL));
	CHECK(!rbpf_map_is_pinned(m));
	CHECK(access(p, F_OK) != 0);

	/* set_pin_path before load: load pins, a second object reuses */
	struct rbpf_object *a = CHECK_PTR(rbpf_object_open_file(bpf_obj_path("maps"), NULL));
	struct rbpf_object *b = CHECK_PTR(rbpf_object_open_file(bpf_obj_path("maps"), NULL));
	p = pin_file("shared");
	CHECK_OK(rbpf_map_set_pin_path(map_of(a, "array_map"), p));
	CHECK_OK(rbpf_map_set_pin_path(map_of(b, "array_map"), p));
	CHECK_OK(rbpf_object_load(a));
	x = 99;
	CHECK_OK(rbpf_map_update_elem(map_of(a, "array_map"), &k, sizeof(k), &x, sizeof(x), 0));
	CHECK_OK(rbpf_object_load(b));
	x = 0;
	CHECK_OK(rbpf_map_lookup_elem(map_of(b, "array_map"), &k, sizeof(k), &x, sizeof(x), 0));
	CHECK_EQ(x, 99);
	CHECK(rbpf_map_is_pinned(map_of(b, "array_map")));
	CHECK_OK(rbpf_map_unpin(map_of(b, "array_map"), p));

	rbpf_object_close(b);
	rbpf_object_close(a);
	rbpf_object_close(obj);
	rm_dir(pin_dir);
	CHECK_EQ(count_open_fds(), fds);
}

KTEST(pin_by_name_reuse_and_mismatch)
{
	int fds = count_open_fds();
	make_pin_dir("byname");
	RBPF_OPTS(rbpf_object_open_opts, opts, .pin_root_path = pin_dir);
	struct rbpf_object *a = CHECK_PTR(rbpf_object_open_file(bpf_obj_path("pinned"), &opts));
	struct rbpf_object *b, *c;
	uint32_t k = 0;
	uint64_t x = 77;

	CHECK(strcmp(rbpf_map_pin_path(map_of(a, "pinned_map")), pin_file("pinned_map")) == 0);
	CHECK_OK(rbpf_object_load(a));
	CHECK(access(pin_file("pinned_map"), F_OK) == 0);
	CHECK_OK(rbpf_map_update_elem(map_of(a, "pinned_map"), &k, sizeof(k), &x, sizeof(x), 0));
	b = CHECK_PTR(rbpf_object_open_file(bpf_obj_path("pinned"), &opts));
	CHECK_OK(rbpf_object_load(b));
	x = 0;
	CHECK_OK(rbpf_map_lookup_elem(map_of(b, "pinned_map"), &k, sizeof(k), &x, sizeof(x), 0));
	CHECK_EQ(x, 77);
	rbpf_object_close(b);
	rbpf_object_close(a);

	/* Replace the pin with a map of another size: the next load is refused, naming it. */
	unlink(pin_file("pinned_map"));
	struct rbpf_object *other = CHECK_PTR(rbpf_object_open_file(bpf_obj_path("pinned"), &opts));
	/* no auto-pinning for this one: clearing the pin path turns LIBBPF_PIN_BY_NAME off */
	CHECK_OK(rbpf_map_set_pin_path(map_of(other, "pinned_map"), NULL));
	CHECK(rbpf_map_pin_path(map_of(other, "pinned_map")) == NULL);
	CHECK_OK(rbpf_map_set_max_entries(map_of(other, "private_map"), 8));
	CHECK_OK(rbpf_object_load(other));
	CHECK_OK(rbpf_map_pin(map_of(other, "private_map"), pin_file("pinned_map")));
	rbpf_object_close(other);
	c = CHECK_PTR(rbpf_object_open_file(bpf_obj_path("pinned"), &opts));
	CHECK_ERR(rbpf_object_load(c), EINVAL, "max_entries is 8 in the pinned map, 4 in the object");
	rbpf_object_close(c);

	rm_dir(pin_dir);
	CHECK_EQ(count_open_fds(), fds);
}
