// SPDX-License-Identifier: GPL-2.0
/* The BPF side of USDT as programs built against libbpf <= 1.6 see it: the same map
 * names as usdt.bpf.h, but the older 16-byte argument spec (no base+index*scale form)
 * and 208-byte spec. Written here because only the 1.7 header ships with libbpf-sys; the
 * loader must fill these maps in this layout (chosen by the spec map's value size). */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

enum v1_arg_type {
	V1_ARG_CONST,
	V1_ARG_REG,
	V1_ARG_REG_DEREF,
};

struct v1_arg_spec {
	__u64 val_off;
	enum v1_arg_type arg_type;
	short reg_off;
	bool arg_signed;
	char arg_bitshift;
};

struct v1_spec {
	struct v1_arg_spec args[12];
	__u64 usdt_cookie;
	short arg_cnt;
};

_Static_assert(sizeof(struct v1_arg_spec) == 16, "old arg spec is 16 bytes");
_Static_assert(sizeof(struct v1_spec) == 208, "old spec is 208 bytes");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 64);
	__type(key, int);
	__type(value, struct v1_spec);
} __bpf_usdt_specs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, long);
	__type(value, __u32);
} __bpf_usdt_ip_to_spec_id SEC(".maps");

struct rec {
	__u64 cnt;
	__s64 args[4];
	__u64 cookie;
	__s64 arg_cnt;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, struct rec);
} out SEC(".maps");

/* This kernel has BPF cookies: the cookie is the spec id. */
static __always_inline struct v1_spec *spec_of(struct pt_regs *ctx)
{
	int id = bpf_get_attach_cookie(ctx);

	return bpf_map_lookup_elem(&__bpf_usdt_specs, &id);
}

static __always_inline int read_arg(struct pt_regs *ctx, struct v1_spec *s, int n, long *res)
{
	struct v1_arg_spec *a;
	unsigned long val;
	int err;

	if (n >= s->arg_cnt || n >= 12)
		return -2;
	a = &s->args[n];
	switch (a->arg_type) {
	case V1_ARG_CONST:
		val = a->val_off;
		break;
	case V1_ARG_REG:
		err = bpf_probe_read_kernel(&val, sizeof(val), (void *)ctx + a->reg_off);
		if (err)
			return err;
		break;
	case V1_ARG_REG_DEREF:
		err = bpf_probe_read_kernel(&val, sizeof(val), (void *)ctx + a->reg_off);
		if (err)
			return err;
		err = bpf_probe_read_user(&val, sizeof(val), (void *)val + a->val_off);
		if (err)
			return err;
		break;
	default:
		return -22;
	}
	val <<= a->arg_bitshift;
	if (a->arg_signed)
		val = ((long)val) >> a->arg_bitshift;
	else
		val = val >> a->arg_bitshift;
	*res = val;
	return 0;
}

static __always_inline void record(struct pt_regs *ctx, __u32 slot)
{
	struct rec *r = bpf_map_lookup_elem(&out, &slot);
	struct v1_spec *s = spec_of(ctx);
	long v;
	int i;

	if (!r || !s)
		return;
	__sync_fetch_and_add(&r->cnt, 1);
	r->arg_cnt = s->arg_cnt;
	r->cookie = s->usdt_cookie;
#pragma unroll
	for (i = 0; i < 4; i++) {
		if (read_arg(ctx, s, i, &v) == 0)
			r->args[i] = v;
	}
}

SEC("usdt")
int handle_noargs(struct pt_regs *ctx)
{
	record(ctx, 1);
	return 0;
}

SEC("usdt")
int handle_sema(struct pt_regs *ctx)
{
	record(ctx, 2);
	return 0;
}

SEC("usdt")
int handle_lib(struct pt_regs *ctx)
{
	record(ctx, 3);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
