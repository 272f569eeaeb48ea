#include "common.h"
#ifndef TARGET
enum color { RED = 0, GREEN = 1, BLUE = 2, GONE = 3 };
enum big { B_LOW = 1, B_HIGH = 0x100000000ULL };
enum grow { G_A = 1, G_B = 2 };
enum neg { N_MINUS = -5, N_PLUS = 5 };
#else
enum color { BLUE = 20, GREEN = 10, RED = 30 };
enum big { B_HIGH = 0x300000000ULL, B_LOW = 7 };
enum grow { G_B = 0x500000000ULL, G_A = 3 };
enum neg { N_PLUS = -50, N_MINUS = -100 };
SEC("tp/t") int t(enum color *a, enum big *b, enum grow *c, enum neg *d) { return 0; }
#endif
#ifndef TARGET
SEC("tp/e/values") int values(void *ctx)
{
	u64 v = 0;
	v += EV(enum color, RED, 0) + EV(enum color, RED, 1);
	v += EV(enum color, BLUE, 1) + EV(enum color, GONE, 0) + EV(enum color, GONE, 1);
	v += EV(enum big, B_HIGH, 1) + EV(enum big, B_LOW, 1);
	v += EV(enum grow, G_A, 1) + EV(enum grow, G_B, 0) + EV(enum grow, G_B, 1);
	v += EV(enum neg, N_MINUS, 1) + EV(enum neg, N_PLUS, 1);
	v += TI(enum color, 1) + TI(enum big, 1) + TI(enum grow, 2) + TI(enum neg, 2);
	return v;
}
#endif
