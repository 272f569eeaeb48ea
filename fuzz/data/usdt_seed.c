// SPDX-License-Identifier: (BSD-2-Clause OR MIT)
// Seed for the usdt_parse fuzz target: probes with constant, register, memory and
// semaphore-guarded arguments. Built by fuzz/make-seeds.py (clang-19 -O2, stripped).
#define _SDT_HAS_SEMAPHORES 1
#include <sys/sdt.h>

#define SEMA(n) unsigned short fuzz_##n##_semaphore __attribute__((section(".probes"))) = 0;
SEMA(noargs) SEMA(three) SEMA(mem) SEMA(konst) SEMA(sema)
volatile long g[4] = {1, 2, 3, 4};

int main(int argc, char **argv)
{
	long x = argc;
	int i = argc & 3;
	DTRACE_PROBE(fuzz, noargs);
	DTRACE_PROBE3(fuzz, three, x, (int)(x * 2), (char)x);
	DTRACE_PROBE2(fuzz, mem, g[i], &g[0]);
	DTRACE_PROBE1(fuzz, konst, 42);
	if (fuzz_sema_semaphore)
		DTRACE_PROBE2(fuzz, sema, argv[0], (short)x);
	return (int)g[i];
}
