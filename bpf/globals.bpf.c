// SPDX-License-Identifier: (BSD-2-Clause OR MIT)
// Used by: the global-variable tests in every language (values written before load
// must arrive in the kernel; .bss read live after load; .rodata writes after load
// refused) and the libbpf oracle test in testprogs/tests.
//
// On getpid() by a process whose tgid == target_pid (0 = any), `copy_globals` copies
//   ro_u32 -> out_ro_u32, ro_s64 -> out_ro_s64, ro_str -> out_ro_str,
//   data_int -> out_data_int, custom_data -> out_custom_data, custom_ro -> out_custom_ro,
//   data_cfg -> bss_cfg, bss_arr[i] = data_cfg.arr[i] + i (i < 3), bss_arr[3] = ro_u32,
// then increments bss_counter. All outputs live in .bss.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

struct cfg {
	int a;
	char name[16];
	__u64 arr[3];
};

/* .rodata */
const volatile int target_pid = 0;
const volatile __u32 ro_u32 = 1;
const volatile char ro_str[16] = "hello";
const volatile __s64 ro_s64 = -5;

/* .data */
int data_int = 7;
struct cfg data_cfg = { .a = 11, .name = "cfg-name", .arr = { 100, 200, 300 } };

/* .bss */
__u64 bss_counter;
struct cfg bss_cfg;
__u32 bss_arr[4];
__u32 out_ro_u32;
__s64 out_ro_s64;
char out_ro_str[16];
int out_data_int;
int out_custom_data;
int out_custom_ro;

/* custom sections: each becomes its own internal map */
int custom_data SEC(".data.custom") = 3;
const volatile int custom_ro SEC(".rodata.custom") = 4;

SEC("tp/syscalls/sys_enter_getpid")
int copy_globals(void *ctx)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	int i;

	if (target_pid != 0 && tgid != (__u32)target_pid)
		return 0;

	out_ro_u32 = ro_u32;
	out_ro_s64 = ro_s64;
#pragma unroll
	for (i = 0; i < 16; i++)
		out_ro_str[i] = ro_str[i];
	out_data_int = data_int;
	out_custom_data = custom_data;
	out_custom_ro = custom_ro;

	bss_cfg = data_cfg;
#pragma unroll
	for (i = 0; i < 3; i++)
		bss_arr[i] = (__u32)data_cfg.arr[i] + i;
	bss_arr[3] = ro_u32;

	__sync_fetch_and_add(&bss_counter, 1);
	return 0;
}
