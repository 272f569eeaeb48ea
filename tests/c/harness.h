/* SPDX-License-Identifier: (BSD-2-Clause OR MIT) */
/* A tiny test harness: each TEST() runs in its own forked child (a crash fails that
 * test only), with a timeout. Output: one line per test, PASS / FAIL / SKIP, then
 * "N passed, M failed, K skipped"; the exit status is non-zero when a test failed. */
#ifndef RBPF_TEST_HARNESS_H
#define RBPF_TEST_HARNESS_H

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef void (*test_fn)(void);

struct test_case {
	const char *name;
	test_fn fn;
	bool needs_kernel;
};

void harness_register(const char *name, test_fn fn, bool needs_kernel);
_Noreturn void harness_fail(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
_Noreturn void harness_skip(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Define a test; it registers itself before main(). */
#define TEST_IMPL(name, kernel)                                                   \
	static void test_##name(void);                                            \
	__attribute__((constructor)) static void register_##name(void)            \
	{                                                                         \
		harness_register(#name, test_##name, kernel);                     \
	}                                                                         \
	static void test_##name(void)
#define TEST(name) TEST_IMPL(name, false)
/* A test that loads programs into the kernel (skipped, saying so, without root). */
#define KTEST(name) TEST_IMPL(name, true)

#define FAIL(...) harness_fail(__FILE__, __LINE__, __VA_ARGS__)
#define SKIP(...) harness_skip(__VA_ARGS__)

#define CHECK(cond)                                                               \
	do {                                                                      \
		if (!(cond))                                                      \
			FAIL("check failed: %s (last error: %s)", #cond, rbpf_last_error()); \
	} while (0)

#define CHECKF(cond, ...)                                                         \
	do {                                                                      \
		if (!(cond))                                                      \
			FAIL(__VA_ARGS__);                                        \
	} while (0)

/* Compare integers, printing both values. */
#define CHECK_EQ(a, b)                                                            \
	do {                                                                      \
		long long _a = (long long)(a), _b = (long long)(b);               \
		if (_a != _b)                                                     \
			FAIL("%s == %s: %lld != %lld (last error: %s)", #a, #b, _a, _b, \
			     rbpf_last_error());                                  \
	} while (0)

/* Expect an int call to fail with -ERR, set errno = ERR and (if SUB is not NULL) a last
 * error containing SUB. */
#define CHECK_ERR(call, err, sub)                                                 \
	do {                                                                      \
		errno = 0;                                                        \
		long long _r = (long long)(call);                                 \
		int _e = errno;                                                   \
		if (_r != -(err) || _e != (err))                                  \
			FAIL("%s: got %lld errno %d, want %d (last error: %s)", #call, \
			     _r, _e, -(err), rbpf_last_error());                  \
		check_msg(__FILE__, __LINE__, #call, sub);                        \
	} while (0)

/* Expect a pointer call to give NULL with errno ERR and a message containing SUB. */
#define CHECK_NULL_ERR(call, err, sub)                                            \
	do {                                                                      \
		errno = 0;                                                        \
		const void *_p = (const void *)(call);                            \
		int _e = errno;                                                   \
		if (_p != NULL || _e != (err))                                    \
			FAIL("%s: got %p errno %d, want NULL errno %d (last error: %s)", \
			     #call, _p, _e, (err), rbpf_last_error());            \
		check_msg(__FILE__, __LINE__, #call, sub);                        \
	} while (0)

/* OK: an int call returns >= 0. */
#define CHECK_OK(call)                                                            \
	do {                                                                      \
		long long _r = (long long)(call);                                 \
		if (_r < 0)                                                       \
			FAIL("%s failed: %lld (%s)", #call, _r, rbpf_last_error()); \
	} while (0)

#define CHECK_PTR(call)                                                           \
	({                                                                        \
		__typeof__(call) _p = (call);                                     \
		if (!_p)                                                          \
			FAIL("%s returned NULL: errno %d (%s)", #call, errno,     \
			     rbpf_last_error());                                  \
		_p;                                                               \
	})

void check_msg(const char *file, int line, const char *what, const char *sub);

/* Helpers shared by the tests. */
const char *bpf_obj_path(const char *name); /* $RBPF_BPF_DIR/<name>.bpf.o */
void *read_file(const char *path, size_t *size);
int count_open_fds(void);

#endif
