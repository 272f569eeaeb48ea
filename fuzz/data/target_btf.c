// SPDX-License-Identifier: (BSD-2-Clause OR MIT)
// The fixed CO-RE target for the core_reloc fuzz target: a small "kernel" BTF with the
// task_struct fields the repo's CO-RE programs read, plus every BTF kind CO-RE handles
// (bitfields, unions, enums, enum64, typedefs, arrays, flavors, func protos).
// Rebuild: see fuzz/make-seeds.sh (clang-19 -g -target bpf, then .BTF is dumped).
typedef unsigned char u8;
typedef unsigned int u32;
typedef unsigned long long u64;
typedef int pid_t;

enum task_state { TASK_RUNNING = 0, TASK_INTERRUPTIBLE = 1, TASK_DEAD = 64 };
enum big_enum { BIG_A = 1ULL << 40, BIG_B = 3 };

struct list_head { struct list_head *next, *prev; };

union sched_u { u64 vruntime; u32 weight[2]; };

struct sched_entity {
	struct list_head group_node;
	union sched_u u;
	unsigned int on_rq : 1;
	unsigned int migrate : 3;
	int nice : 5;
};

struct mm_struct { u64 start_code, end_code; unsigned long flags; };

struct task_struct {
	volatile long state;
	unsigned int flags;
	int prio;
	pid_t pid;
	pid_t tgid;
	struct task_struct *real_parent;
	struct task_struct *parent;
	struct mm_struct *mm;
	struct sched_entity se;
	u64 start_time;
	char comm[16];
	enum task_state st;
	enum big_enum be;
	const volatile u8 arr[3][4];
	int (*callback)(struct task_struct *, int);
	struct { int anon_a; union { int anon_b; char anon_c; }; };
};

struct task_struct___old { int pid; long state; };

struct task_struct t0;
struct task_struct___old t1;
union sched_u u0;
enum task_state s0;
enum big_enum b0;
