/* SPDX-License-Identifier: (BSD-2-Clause OR MIT) */
/*
 * rbpf_common.h: the hand-written part of rbpf.h (included by it; do not include it alone).
 * rbpf.h itself is generated from ffi-c/src by `cargo run -p rbpf-gen`.
 *
 * Conventions of the rbpf C API (libbpf 1.x style; names: bpf_X__Y -> rbpf_X_Y):
 *
 * Errors
 *   - Functions returning int give 0 (or a count / an fd) on success and a negative
 *     errno on failure, and also set errno.
 *   - Functions returning a pointer give NULL on failure and set errno.
 *   - Getters returning a plain value (uint32_t, size_t, bool) give 0 / false for a
 *     bad handle and set errno to EINVAL.
 *   - rbpf_last_error() returns the calling thread's last error message, naming the
 *     object, program, map or section involved; rbpf_last_verifier_log() the verifier
 *     log when the last error was a verifier rejection.
 *   - NULL, closed or wrong-kind handles are rejected with EINVAL, never a crash. A
 *     panic inside the library is reported as EFAULT with its message.
 *
 * Ownership
 *   - rbpf_object_open_*() return an object the caller closes with rbpf_object_close().
 *   - rbpf_program / rbpf_map / rbpf_btf pointers (find_*, next_*, rbpf_object_btf) are
 *     borrowed from their object and become invalid when it is closed.
 *   - Strings returned by *_name() belong to the object.
 *   - rbpf_link (from the attach calls) and rbpf_ring_buffer are owned by the caller:
 *     rbpf_link_destroy() and rbpf_ring_buffer_free(). A link stays valid after its
 *     object is closed.
 *
 * Threads
 *   - Opening, configuring, loading and closing an object: one thread at a time per
 *     object. Map element operations on a loaded object may run from several threads
 *     at once. A ring buffer is used by one thread at a time. rbpf_set_print() is
 *     thread-safe; rbpf_last_error() is per thread.
 *
 * Constants
 *   - Kernel UAPI constants keep their kernel names and come from <linux/bpf.h>
 *     (BPF_ANY, BPF_MAP_TYPE_HASH, BPF_PROG_TYPE_XDP, ...), which rbpf.h includes;
 *     program and map types cross the API as uint32_t values of those enums.
 *   - libbpf's own constants take the RBPF_ prefix (RBPF_WARN, ...).
 *
 * Options structs (struct rbpf_*_opts)
 *   - size_t sz comes first; fields are only ever appended. Declare them with
 *     RBPF_OPTS(), which zeroes the whole struct and sets sz:
 *         RBPF_OPTS(rbpf_object_open_opts, opts, .object_name = "demo");
 *         obj = rbpf_object_open_file("x.bpf.o", &opts);
 *   - Validation is libbpf's OPTS_VALID: NULL means defaults; sz < sizeof(size_t) is
 *     EINVAL ("TYPE size (N) is too small"); bytes from the end of the last field this
 *     library knows (TYPE__last_field) up to sz must be zero, else EINVAL ("TYPE has
 *     non-zero extra bytes"); a smaller sz (an older caller) leaves the fields it does
 *     not cover at their defaults.
 */
#ifndef RBPF_COMMON_H
#define RBPF_COMMON_H

#include <string.h>

/* Declare `struct TYPE NAME` zeroed (padding included), with sz set and the given
 * designated initializers applied, e.g.
 *     RBPF_OPTS(rbpf_tracepoint_opts, tp_opts, .bpf_cookie = 42); */
#define RBPF_OPTS(TYPE, NAME, ...)                                   \
	struct TYPE NAME = ({                                        \
		memset(&NAME, 0, sizeof(struct TYPE));               \
		(struct TYPE){ .sz = sizeof(struct TYPE), __VA_ARGS__ }; \
	})

/* Zero an existing options variable and set it up again, as RBPF_OPTS does. */
#define RBPF_OPTS_RESET(NAME, ...)                                   \
	do {                                                         \
		__typeof__(NAME) __rbpf_tmp_##NAME = ({              \
			memset(&__rbpf_tmp_##NAME, 0, sizeof(NAME)); \
			(__typeof__(NAME)){ .sz = sizeof(NAME), __VA_ARGS__ }; \
		});                                                  \
		memcpy(&NAME, &__rbpf_tmp_##NAME, sizeof(NAME));     \
	} while (0)

/* The parent handle of a TC hook with RBPF_TC_CUSTOM (libbpf's BPF_TC_PARENT):
 *     RBPF_OPTS(rbpf_tc_hook, hook, .ifindex = i, .attach_point = RBPF_TC_CUSTOM,
 *               .parent = RBPF_TC_PARENT(0xffff, 0xfff2)); */
#define RBPF_TC_PARENT(a, b) ((((a) << 16) & 0xFFFF0000U) | ((b) & 0x0000FFFFU))

#endif /* RBPF_COMMON_H */
