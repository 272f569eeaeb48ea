#include "common.h"
#ifndef TARGET
struct s { int a; long b; } CORE;
union u { int a; long b; } CORE;
struct as_union { int a; } CORE;
typedef struct s s_t;
typedef int (*cb_t)(int, struct s *);
typedef unsigned int myint;
struct fwd_only;
struct holder { struct fwd_only *f; } CORE;
#else
struct s { long b; int a; char extra; };
union u { long b; int a; };
union as_union { int a; };
typedef struct s s_t;
typedef int (*cb_t)(int, struct s *);
typedef unsigned long myint;
struct fwd_only { int real; };
struct holder { struct fwd_only *f; };
SEC("tp/t") int t(struct s *a, union u *b, union as_union *c, s_t *d) { return 0; }
SEC("tp/t2") int t2(cb_t e, myint f, struct holder *h) { return 0; }
#endif
#ifndef TARGET
SEC("tp/y/types") int types(void *ctx)
{
	u64 v = 0;
	v += TI(struct s, 0) + TI(struct s, 1) + TI(struct s, 2);
	v += TI(union u, 0) + TI(union u, 1) + TI(union u, 2);
	v += TI(struct as_union, 0) + TI(struct as_union, 2);
	v += TI(s_t, 0) + TI(s_t, 1) + TI(s_t, 2);
	v += TI(cb_t, 0) + TI(cb_t, 2);
	v += TI(myint, 0) + TI(myint, 1) + TI(myint, 2);
	v += TI(struct holder, 2);
	v += TID(struct s, 0) + TID(struct s, 1) + TID(union u, 1) + TID(s_t, 1) + TID(cb_t, 1);
	return v;
}
#endif
