#include "common.h"
/* every kind in one object (the BTF engineer's first differential fixture) */

#ifndef TARGET
struct inner { int a; int b; } CORE;
struct s {
	int x;
	unsigned int bf1 : 3;
	int bf2 : 5;
	struct inner in;
	int arr[4];
	unsigned long long big;
	long long sbig;
	long *p;
	union { int u1; long u2; };
	int tail[];
} CORE;
struct s___flav { int x; int only_local; } CORE;
struct gone { int z; } CORE;
enum e { E_A = 1, E_B = 2, E_C = 3 };
enum e64 { F_A = 0x100000000ULL, F_B = 1 };
typedef int (*fn_t)(int, long);
typedef struct s s_t;
#else
struct inner { long pad; int b; int a; };
struct s {
	long pad0;
	int arr[8];
	union { int u1; long u2; };
	unsigned int big;
	int sbig;
	int bf2 : 7;
	unsigned int bf1 : 4;
	int x;
	struct inner in;
	long *p;
	int tail[];
};
struct s___other { char y; };
enum e { E_C = 30, E_A = 10 };
enum e64 { F_B = 5, F_A = 0x200000000ULL };
typedef int (*fn_t)(int, long);
typedef struct s s_t;
#endif


#ifdef TARGET
/* Only here so the target's types are emitted into its BTF. */
SEC("tp/target1")
int target1(struct s *p, struct inner *i, enum e *e, enum e64 *e2)
{
	return 0;
}
SEC("tp/target2")
int target2(fn_t f, s_t *t, struct s___other *o)
{
	return 0;
}
#else
SEC("tp/test/one")
int one(struct s *p)
{
	u64 r = 0;
	r += __builtin_preserve_field_info(p->x, 0);
	r += __builtin_preserve_field_info(p->x, 1);
	r += __builtin_preserve_field_info(p->x, 2);
	r += __builtin_preserve_field_info(p->x, 3);
	r += __builtin_preserve_field_info(p->in.b, 0);
	r += __builtin_preserve_field_info(p->in.a, 2);
	r += __builtin_preserve_field_info(p->arr[2], 0);
	r += __builtin_preserve_field_info(p->arr, 1);
	r += __builtin_preserve_field_info(p->bf1, 0);
	r += __builtin_preserve_field_info(p->bf1, 1);
	r += __builtin_preserve_field_info(p->bf1, 3);
	r += __builtin_preserve_field_info(p->bf1, 4);
	r += __builtin_preserve_field_info(p->bf1, 5);
	r += __builtin_preserve_field_info(p->bf2, 3);
	r += __builtin_preserve_field_info(p->bf2, 4);
	r += __builtin_preserve_field_info(p->bf2, 5);
	r += __builtin_preserve_field_info(p->u2, 0);
	r += __builtin_preserve_field_info(p->tail[3], 0);
	r += p->x;
	r += p->big;
	r += (u64)p->p;
	r += p->in.b;
	return r;
}

SEC("tp/test/two")
int two(struct s *p)
{
	u64 r = 0;
	struct s___flav *f = (void *)p;
	r += __builtin_preserve_field_info(f->x, 0);
	r += __builtin_preserve_field_info(f->only_local, 2);
	r += __builtin_preserve_field_info(f->only_local, 0);
	r += __builtin_btf_type_id(*(struct s *)0, 0);
	r += __builtin_btf_type_id(*(struct s *)0, 1);
	r += __builtin_preserve_type_info(*(struct s *)0, 0);
	r += __builtin_preserve_type_info(*(struct s *)0, 1);
	r += __builtin_preserve_type_info(*(struct s *)0, 2);
	r += __builtin_preserve_type_info(*(s_t *)0, 0);
	r += __builtin_preserve_type_info(*(s_t *)0, 1);
	r += __builtin_preserve_type_info(*(struct gone *)0, 0);
	r += __builtin_preserve_type_info(*(struct gone *)0, 1);
	r += __builtin_preserve_type_info(*(struct gone *)0, 2);
	r += __builtin_preserve_type_info(*(fn_t *)0, 0);
	r += __builtin_preserve_type_info(*(fn_t *)0, 2);
	r += __builtin_preserve_type_info(*(struct inner *)0, 2);
	r += __builtin_preserve_enum_value(*(enum e *)E_A, 0);
	r += __builtin_preserve_enum_value(*(enum e *)E_A, 1);
	r += __builtin_preserve_enum_value(*(enum e *)E_B, 0);
	r += __builtin_preserve_enum_value(*(enum e *)E_B, 1);
	r += __builtin_preserve_enum_value(*(enum e64 *)F_A, 1);
	r += __builtin_preserve_enum_value(*(enum e64 *)F_B, 1);
	r += __builtin_preserve_type_info(*(enum e *)0, 2);
	r += p->sbig;
	return r;
}
#endif
