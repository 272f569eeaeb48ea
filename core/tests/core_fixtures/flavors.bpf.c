#include "common.h"
#ifndef TARGET
struct task { int pid; int tgid; } CORE;
struct task___v1 { int pid; long old_field; } CORE;
struct task___v2 { int tgid; long new_field; } CORE;
struct only___here { int z; } CORE;
#else
struct task { long new_field; int tgid; int pid; };
struct task___copy { long new_field; int tgid; int pid; };
SEC("tp/t") int t(struct task *a, struct task___copy *b) { return 0; }
#endif
#ifndef TARGET
SEC("tp/v/flavors") int flavors(struct task *t)
{
	u64 v = 0;
	struct task___v1 *a = (void *)t;
	struct task___v2 *b = (void *)t;
	v += t->pid + t->tgid;
	v += FI(a->pid, 0) + FI(a->old_field, 2);
	v += FI(b->tgid, 0) + FI(b->new_field, 2) + FI(b->new_field, 0);
	v += TI(struct task___v1, 0) + TI(struct task___v2, 1) + TI(struct only___here, 0);
	/* (a target type id here would be ambiguous: task and task___copy both match) */
	return v;
}
#endif
