// SPDX-License-Identifier: (BSD-2-Clause OR MIT)
// Used by: the .kconfig extern tests in every language and the libbpf oracle test in
// testprogs/tests. Values come from /proc/config.gz (this kernel: CONFIG_HZ=250,
// CONFIG_BPF_SYSCALL=y, CONFIG_BPF_JIT=y, CONFIG_DEFAULT_HOSTNAME="(none)");
// CONFIG_RBPF_NOT_A_CONFIG does not exist, so as a __weak extern it must read 0.
// On getpid() by tgid == target_pid (0 = any), `copy_kconfig` copies them to .bss:
//   out_version, out_hz, out_bpf_syscall, out_bpf_jit (libbpf_tristate: 1 = y),
//   out_hostname[16], out_missing, and increments runs.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

extern unsigned int LINUX_KERNEL_VERSION __kconfig;
extern int CONFIG_HZ __kconfig __weak;
extern bool CONFIG_BPF_SYSCALL __kconfig __weak;
extern enum libbpf_tristate CONFIG_BPF_JIT __kconfig __weak;
extern char CONFIG_DEFAULT_HOSTNAME[16] __kconfig __weak;
extern int CONFIG_RBPF_NOT_A_CONFIG __kconfig __weak;

const volatile int target_pid = 0;

__u32 out_version;
int out_hz;
int out_bpf_syscall;
int out_bpf_jit;
char out_hostname[16];
int out_missing = -1;
__u64 runs;

SEC("tp/syscalls/sys_enter_getpid")
int copy_kconfig(void *ctx)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	int i;

	if (target_pid != 0 && tgid != (__u32)target_pid)
		return 0;

	out_version = LINUX_KERNEL_VERSION;
	out_hz = CONFIG_HZ;
	out_bpf_syscall = CONFIG_BPF_SYSCALL;
	out_bpf_jit = CONFIG_BPF_JIT;
#pragma unroll
	for (i = 0; i < 16; i++)
		out_hostname[i] = CONFIG_DEFAULT_HOSTNAME[i];
	out_missing = CONFIG_RBPF_NOT_A_CONFIG;
	__sync_fetch_and_add(&runs, 1);
	return 0;
}
