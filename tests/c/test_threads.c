// SPDX-License-Identifier: (BSD-2-Clause OR MIT)
// Several threads at once: map element operations on one loaded object, and the
// per-thread last error.
#define _GNU_SOURCE
#include "harness.h"
#include "rbpf.h"

#include <pthread.h>

#define THREADS 4
#define ROUNDS 2000

struct hkey {
	uint32_t a, b;
};
struct hvalue {
	uint64_t x;
	char tag[8];
};

struct worker {
	struct rbpf_map *array, *hash;
	uint32_t id;
	int errors;
	char what[256];
};

static void *map_worker(void *arg)
{
	struct worker *w = arg;

	for (uint32_t r = 0; r < ROUNDS && !w->errors; r++) {
		uint32_t k = w->id * 4 + r % 4; /* four keys of its own */
		uint64_t v = ((uint64_t)w->id << 32) | r, got = 0;
		struct hkey hk = { w->id, r % 16 };
		struct hvalue hv = { .x = v }, hout;

		if (rbpf_map_update_elem(w->array, &k, 4, &v, 8, BPF_ANY) ||
		    rbpf_map_lookup_elem(w->array, &k, 4, &got, 8, 0) || got != v) {
			snprintf(w->what, sizeof(w->what), "array key %u round %u: got %llx (%s)", k, r,
				 (unsigned long long)got, rbpf_last_error());
			w->errors++;
		}
		if (rbpf_map_update_elem(w->hash, &hk, sizeof(hk), &hv, sizeof(hv), BPF_ANY) ||
		    rbpf_map_lookup_and_delete_elem(w->hash, &hk, sizeof(hk), &hout, sizeof(hout), 0) ||
		    hout.x != v) {
			snprintf(w->what, sizeof(w->what), "hash round %u: %s", r, rbpf_last_error());
			w->errors++;
		}
	}
	return NULL;
}

KTEST(threads_map_ops_concurrently)
{
	int fds = count_open_fds();
	struct rbpf_object *obj = CHECK_PTR(rbpf_object_open_file(bpf_obj_path("maps"), NULL));
	struct worker w[THREADS];
	pthread_t t[THREADS];

	CHECK_OK(rbpf_object_load(obj));
	for (int i = 0; i < THREADS; i++) {
		w[i] = (struct worker){
			.array = CHECK_PTR(rbpf_object_find_map_by_name(obj, "array_map")),
			.hash = CHECK_PTR(rbpf_object_find_map_by_name(obj, "hash_map")),
			.id = i,
		};
		CHECK(pthread_create(&t[i], NULL, map_worker, &w[i]) == 0);
	}
	for (int i = 0; i < THREADS; i++)
		CHECK(pthread_join(t[i], NULL) == 0);
	for (int i = 0; i < THREADS; i++)
		CHECKF(w[i].errors == 0, "thread %d: %s", i, w[i].what);
	for (uint32_t k = 0; k < THREADS * 4; k++) {
		uint64_t v;

		CHECK_OK(rbpf_map_lookup_elem(w[0].array, &k, 4, &v, 8, 0));
		CHECK_EQ(v >> 32, k / 4);
	}
	rbpf_object_close(obj);
	CHECK_EQ(count_open_fds(), fds);
}

struct err_worker {
	const char *name;
	int ok;
};

static void *err_worker(void *arg)
{
	struct err_worker *w = arg;

	for (int i = 0; i < 200; i++) {
		struct rbpf_object *o = rbpf_object_open_file(w->name, NULL);

		if (o || errno != ENOENT || !strstr(rbpf_last_error(), w->name)) {
			rbpf_object_close(o);
			return NULL;
		}
	}
	w->ok = 1;
	return NULL;
}

/* Each thread sees its own last error, naming its own file. */
TEST(threads_last_error_is_per_thread)
{
	struct err_worker w[THREADS] = {
		{ "/nonexistent/rbpf-a.bpf.o", 0 },
		{ "/nonexistent/rbpf-b.bpf.o", 0 },
		{ "/nonexistent/rbpf-c.bpf.o", 0 },
		{ "/nonexistent/rbpf-d.bpf.o", 0 },
	};
	pthread_t t[THREADS];

	for (int i = 0; i < THREADS; i++)
		CHECK(pthread_create(&t[i], NULL, err_worker, &w[i]) == 0);
	for (int i = 0; i < THREADS; i++)
		CHECK(pthread_join(t[i], NULL) == 0);
	for (int i = 0; i < THREADS; i++)
		CHECKF(w[i].ok, "thread %d saw another thread's error", i);
}
