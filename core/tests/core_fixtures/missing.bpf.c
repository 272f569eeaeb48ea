#include "common.h"
#ifndef TARGET
struct m {
	u64 shrink;
	s64 sshrink;
	int gone;
	int *gone_ptr;
	u32 grow;
	int kept;
} CORE;
struct vanished { int x; } CORE;
#else
struct m {
	int kept;
	u32 shrink;
	int sshrink;
	u64 grow;
};
SEC("tp/t") int t(struct m *p) { return 0; }
#endif
#ifndef TARGET
SEC("tp/m/exists") int exists(struct m *p)
{
	u64 v = 0;
	v += FI(p->gone, 2) + FI(p->gone_ptr, 2) + FI(p->kept, 2);
	v += TI(struct vanished, 0) + TI(struct vanished, 1);
	v += TI(struct m, 0) + TI(struct m, 1);
	return v;
}
SEC("tp/m/poison") int poison(struct m *p)
{
	/* byte offset of a missing field: poisoned (dead at run time in real code) */
	return FI(p->gone, 0) + FI(p->gone, 1) + FI(((struct vanished *)p)->x, 0);
}
SEC("tp/m/memsz") int memsz(struct m *p)
{
	u64 v = 0;
	v += p->shrink;		/* u64 -> u32: LDX size adjusted */
	v += p->sshrink;	/* s64 -> int: signed, poisoned */
	v += p->kept;
	return v;
}
#endif
