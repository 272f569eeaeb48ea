#include "common.h"
#ifndef TARGET
struct bf {
	unsigned int a : 3;
	int b : 5;
	unsigned int c : 1;
	u64 d : 20;
	int e : 7;
	u8 f;
} CORE;
#else
struct bf {
	u8 f;
	int e : 9;
	unsigned int pad : 13;
	unsigned int a : 12;
	u64 d : 30;
	int b : 4;
	unsigned int c : 1;
};
SEC("tp/t") int t(struct bf *p) { return 0; }
#endif
#ifndef TARGET
#define ALL(f) (FI(p->f, 0) + FI(p->f, 1) + FI(p->f, 2) + FI(p->f, 3) + FI(p->f, 4) + FI(p->f, 5))
SEC("tp/b/shifts") int shifts(struct bf *p)
{
	return ALL(a) + ALL(b) + ALL(c) + ALL(d) + ALL(e) + ALL(f);
}
#endif
