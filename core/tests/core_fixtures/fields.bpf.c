#include "common.h"
#ifndef TARGET
struct point { int x; int y; } CORE;
struct rec {
	int a;
	struct point p;
	struct { int ia; long ib; };
	union { int ua; char uc[8]; } u;
	struct point *pp;
	long l;
	char name[16];
} CORE;
#else
struct point { long pad; int y; int x; };
struct rec {
	char before[24];
	union { int ua; char uc[16]; } u;
	long l;
	struct point *pp;
	struct point p;
	struct { long ib; int ia; };
	char name[32];
	int a;
};
SEC("tp/t") int t(struct rec *r) { return 0; }
#endif
#ifndef TARGET
SEC("tp/f/read") int read(struct rec *r)
{
	u64 v = 0;
	v += r->a;
	v += r->p.y;
	v += r->ia;
	v += r->ib;
	v += r->u.ua;
	v += r->u.uc[3];
	v += r->pp->x;
	v += r->l;
	v += r->name[5];
	return v;
}
SEC("tp/f/write") int write(struct rec *r)
{
	r->a = 1;
	r->p.x = 2;
	r->l = 3;
	r->ib = 4;
	return 0;
}
SEC("tp/f/info") int info(struct rec *r)
{
	u64 v = 0;
	v += FI(r->p, 0) + FI(r->p, 1) + FI(r->p.x, 0);
	v += FI(r->ia, 0) + FI(r->ib, 1);
	v += FI(r->u, 1) + FI(r->u.uc, 1) + FI(r->name, 1) + FI(r->name[7], 0);
	v += FI(r->pp, 1) + FI(r->l, 3) + FI(r->a, 3);
	return v;
}
#endif
