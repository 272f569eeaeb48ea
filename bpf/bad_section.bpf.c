// SPDX-License-Identifier: (BSD-2-Clause OR MIT)
// Used by: the strict-section tests in every language and the libbpf oracle test in
// testprogs/tests. libbpf 1.x semantics:
//   xdp_main  SEC("xdp/main"): matches no SEC() definition, so the object opens, the
//             program has no type, and load fails with EINVAL naming the program
//             and the section; set_type(BPF_PROG_TYPE_XDP) before load rescues it.
//   xdp_pass  SEC("xdp"): a valid XDP program (loads when xdp_main is rescued or has
//             autoload disabled).
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

SEC("xdp/main")
int xdp_main(struct xdp_md *ctx)
{
	return XDP_PASS;
}

SEC("xdp")
int xdp_pass(struct xdp_md *ctx)
{
	return XDP_PASS;
}
