#include "common.h"
#ifndef TARGET
struct elem { int k; int v; } CORE;
struct arr {
	int one[4];
	int two[3][5];
	struct elem elems[8];
	char small[10];
	int n;
	struct elem tail[];
} CORE;
#else
struct elem { long pad; int v; int k; };
struct arr {
	int n;
	char small[4];
	int two[6][5];
	struct elem elems[16];
	int one[8];
	struct elem tail[];
};
SEC("tp/t") int t(struct arr *p) { return 0; }
#endif
#ifndef TARGET
SEC("tp/a/index") int index(struct arr *p)
{
	u64 v = 0;
	v += p->one[3];
	v += p->two[2][4];
	v += p->elems[7].v;
	v += p->tail[9].k;
	v += FI(p->two[1], 0) + FI(p->two[1], 1) + FI(p->elems[5].k, 0);
	v += FI(p->tail[100].v, 0) + FI(p->one, 1) + FI(p->two, 1);
	return v;
}
SEC("tp/a/oob") int oob(struct arr *p)
{
	/* index 8 of small[10] exists locally, not in the target's small[4] */
	return FI(p->small[8], 0) + FI(p->small[8], 2) + p->small[2];
}
#endif
