//! Kernel UAPI constants, with their kernel names (API.md: UAPI constants keep them).
//! The enums are generated from kernel BTF; the flags and opcodes below are hand-kept.

mod generated;
pub use generated::*;

// Map update flags.
pub const BPF_ANY: u64 = 0;
pub const BPF_NOEXIST: u64 = 1;
pub const BPF_EXIST: u64 = 2;
pub const BPF_F_LOCK: u64 = 4;

// Map creation flags.
pub const BPF_F_NO_PREALLOC: u32 = 1 << 0;
pub const BPF_F_NO_COMMON_LRU: u32 = 1 << 1;
pub const BPF_F_NUMA_NODE: u32 = 1 << 2;
pub const BPF_F_RDONLY: u32 = 1 << 3;
pub const BPF_F_WRONLY: u32 = 1 << 4;
pub const BPF_F_STACK_BUILD_ID: u32 = 1 << 5;
pub const BPF_F_ZERO_SEED: u32 = 1 << 6;
pub const BPF_F_RDONLY_PROG: u32 = 1 << 7;
pub const BPF_F_WRONLY_PROG: u32 = 1 << 8;
pub const BPF_F_CLONE: u32 = 1 << 9;
pub const BPF_F_MMAPABLE: u32 = 1 << 10;
pub const BPF_F_PRESERVE_ELEMS: u32 = 1 << 11;
pub const BPF_F_INNER_MAP: u32 = 1 << 12;
pub const BPF_F_LINK: u32 = 1 << 13;
pub const BPF_F_PATH_FD: u32 = 1 << 14;

// Program load flags.
pub const BPF_F_STRICT_ALIGNMENT: u32 = 1 << 0;
pub const BPF_F_ANY_ALIGNMENT: u32 = 1 << 1;
pub const BPF_F_TEST_RND_HI32: u32 = 1 << 2;
pub const BPF_F_TEST_STATE_FREQ: u32 = 1 << 3;
pub const BPF_F_SLEEPABLE: u32 = 1 << 4;
pub const BPF_F_XDP_HAS_FRAGS: u32 = 1 << 5;
pub const BPF_F_XDP_DEV_BOUND_ONLY: u32 = 1 << 6;

// Instruction classes and fields.
pub const BPF_LD: u8 = 0x00;
pub const BPF_LDX: u8 = 0x01;
pub const BPF_ST: u8 = 0x02;
pub const BPF_STX: u8 = 0x03;
pub const BPF_ALU: u8 = 0x04;
pub const BPF_JMP: u8 = 0x05;
pub const BPF_JMP32: u8 = 0x06;
pub const BPF_ALU64: u8 = 0x07;
pub const BPF_K: u8 = 0x00;
pub const BPF_X: u8 = 0x08;
pub const BPF_IMM: u8 = 0x00;
pub const BPF_MEM: u8 = 0x60;
pub const BPF_MEMSX: u8 = 0x80;
pub const BPF_W: u8 = 0x00;
pub const BPF_H: u8 = 0x08;
pub const BPF_B: u8 = 0x10;
pub const BPF_DW: u8 = 0x18;
pub const BPF_MOV: u8 = 0xb0;
pub const BPF_ADD: u8 = 0x00;
pub const BPF_CALL: u8 = 0x80;
pub const BPF_EXIT: u8 = 0x90;
pub const BPF_JA: u8 = 0x00;

// src_reg values of ldimm64 and call.
pub const BPF_PSEUDO_MAP_FD: u8 = 1;
pub const BPF_PSEUDO_MAP_VALUE: u8 = 2;
pub const BPF_PSEUDO_BTF_ID: u8 = 3;
pub const BPF_PSEUDO_FUNC: u8 = 4;
pub const BPF_PSEUDO_MAP_IDX: u8 = 5;
pub const BPF_PSEUDO_MAP_IDX_VALUE: u8 = 6;
pub const BPF_PSEUDO_CALL: u8 = 1;
pub const BPF_PSEUDO_KFUNC_CALL: u8 = 2;

/// Poison immediates libbpf uses for failed relocations (kept identical for log rewrites).
pub const POISON_CORE_RELO: i32 = 0xbad2310;
pub const POISON_MAP_BASE: i32 = 2_001_000_000;
pub const POISON_KFUNC_BASE: i32 = 2_002_000_000;

// XDP flags.
pub const XDP_FLAGS_UPDATE_IF_NOEXIST: u32 = 1 << 0;
pub const XDP_FLAGS_SKB_MODE: u32 = 1 << 1;
pub const XDP_FLAGS_DRV_MODE: u32 = 1 << 2;
pub const XDP_FLAGS_HW_MODE: u32 = 1 << 3;
pub const XDP_FLAGS_REPLACE: u32 = 1 << 4;

// BPF_PROG_ATTACH / BPF_LINK_CREATE attach flags (mprog ordering: tcx, netkit, cgroup).
pub const BPF_F_ALLOW_OVERRIDE: u32 = 1 << 0;
pub const BPF_F_ALLOW_MULTI: u32 = 1 << 1;
pub const BPF_F_REPLACE: u32 = 1 << 2;
pub const BPF_F_BEFORE: u32 = 1 << 3;
pub const BPF_F_AFTER: u32 = 1 << 4;
pub const BPF_F_ID: u32 = 1 << 5;

// kprobe.multi / uprobe.multi link flags.
pub const BPF_F_KPROBE_MULTI_RETURN: u32 = 1 << 0;
pub const BPF_F_UPROBE_MULTI_RETURN: u32 = 1 << 0;

// XDP query results (IFLA_XDP_ATTACHED).
pub const XDP_ATTACHED_NONE: u32 = 0;
pub const XDP_ATTACHED_DRV: u32 = 1;
pub const XDP_ATTACHED_SKB: u32 = 2;
pub const XDP_ATTACHED_HW: u32 = 3;
pub const XDP_ATTACHED_MULTI: u32 = 4;

// XDP actions.
pub const XDP_ABORTED: u32 = 0;
pub const XDP_DROP: u32 = 1;
pub const XDP_PASS: u32 = 2;
pub const XDP_TX: u32 = 3;
pub const XDP_REDIRECT: u32 = 4;

// TC actions (direct-action cls_bpf / tcx return codes).
pub const TC_ACT_UNSPEC: i32 = -1;
pub const TC_ACT_OK: i32 = 0;
pub const TC_ACT_SHOT: i32 = 2;
pub const TCX_NEXT: i32 = -1;
pub const TCX_PASS: i32 = 0;
pub const TCX_DROP: i32 = 2;

// Cgroup iterator walk orders (bpf_iter_link_info.cgroup.order).
pub const BPF_CGROUP_ITER_ORDER_UNSPEC: u32 = 0;
pub const BPF_CGROUP_ITER_SELF_ONLY: u32 = 1;
pub const BPF_CGROUP_ITER_DESCENDANTS_PRE: u32 = 2;
pub const BPF_CGROUP_ITER_DESCENDANTS_POST: u32 = 3;
pub const BPF_CGROUP_ITER_ANCESTORS_UP: u32 = 4;
