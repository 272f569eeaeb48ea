//! The kernel's `union bpf_attr`, one `#[repr(C)]` struct per command (cilium's
//! internal/sys model), plus `bpf_map_info` / `bpf_prog_info` / `bpf_link_info` and
//! `perf_event_attr`.
//!
//! HAND-KEPT from this kernel's BTF (`bpftool btf dump file /sys/kernel/btf/vmlinux
//! format c`, kernel 6.18). Rules: every struct is plain old data with explicit padding
//! fields (no implicit padding, so the whole struct may be viewed as bytes), and each one
//! stops at the last field rbpf sets: the kernel zero-fills a shorter attr, and an older
//! kernel rejects a longer one only when the tail it does not know is non-zero.
//! Sizes are asserted at the bottom of this file, and every field offset is checked
//! against the running kernel's BTF by core/tests/sys_abi.rs.

#![allow(missing_docs)]

/// Marker for the attr structs: `#[repr(C)]`, no implicit padding, every bit pattern
/// valid. Only types in this file implement it.
pub(crate) trait Pod: Sized {}

macro_rules! pod {
    ($($t:ty),* $(,)?) => { $( impl Pod for $t {} )* };
}

/// BPF_MAP_CREATE.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct MapCreate {
    pub map_type: u32,
    pub key_size: u32,
    pub value_size: u32,
    pub max_entries: u32,
    pub map_flags: u32,
    pub inner_map_fd: u32,
    pub numa_node: u32,
    pub map_name: [u8; 16],
    pub map_ifindex: u32,
    pub btf_fd: u32,
    pub btf_key_type_id: u32,
    pub btf_value_type_id: u32,
    pub btf_vmlinux_value_type_id: u32,
    pub map_extra: u64,
    pub value_type_btf_obj_fd: i32,
    pub map_token_fd: i32,
}

/// BPF_MAP_LOOKUP_ELEM, UPDATE_ELEM, DELETE_ELEM, GET_NEXT_KEY, LOOKUP_AND_DELETE_ELEM,
/// FREEZE. `value` doubles as `next_key`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct MapElem {
    pub map_fd: u32,
    pub _pad0: u32,
    pub key: u64,
    pub value: u64,
    pub flags: u64,
}

/// BPF_MAP_{LOOKUP,LOOKUP_AND_DELETE,UPDATE,DELETE}_BATCH.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct MapBatch {
    pub in_batch: u64,
    pub out_batch: u64,
    pub keys: u64,
    pub values: u64,
    pub count: u32,
    pub map_fd: u32,
    pub elem_flags: u64,
    pub flags: u64,
}

/// BPF_PROG_LOAD (up to `fd_array_cnt`; signature fields are not used).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct ProgLoad {
    pub prog_type: u32,
    pub insn_cnt: u32,
    pub insns: u64,
    pub license: u64,
    pub log_level: u32,
    pub log_size: u32,
    pub log_buf: u64,
    pub kern_version: u32,
    pub prog_flags: u32,
    pub prog_name: [u8; 16],
    pub prog_ifindex: u32,
    pub expected_attach_type: u32,
    pub prog_btf_fd: u32,
    pub func_info_rec_size: u32,
    pub func_info: u64,
    pub func_info_cnt: u32,
    pub line_info_rec_size: u32,
    pub line_info: u64,
    pub line_info_cnt: u32,
    pub attach_btf_id: u32,
    /// Union with `attach_btf_obj_fd`.
    pub attach_prog_fd: u32,
    pub core_relo_cnt: u32,
    pub fd_array: u64,
    pub core_relos: u64,
    pub core_relo_rec_size: u32,
    pub log_true_size: u32,
    pub prog_token_fd: i32,
    pub fd_array_cnt: u32,
}

/// BPF_OBJ_PIN, BPF_OBJ_GET.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct ObjPin {
    pub pathname: u64,
    pub bpf_fd: u32,
    pub file_flags: u32,
    pub path_fd: i32,
    pub _pad0: u32,
}

/// BPF_PROG_ATTACH, BPF_PROG_DETACH.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct ProgAttach {
    /// Union with `target_ifindex`.
    pub target_fd: u32,
    pub attach_bpf_fd: u32,
    pub attach_type: u32,
    pub attach_flags: u32,
    pub replace_bpf_fd: u32,
    /// Union with `relative_id`.
    pub relative_fd: u32,
    pub expected_revision: u64,
}

/// BPF_PROG_TEST_RUN.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct TestRun {
    pub prog_fd: u32,
    pub retval: u32,
    pub data_size_in: u32,
    pub data_size_out: u32,
    pub data_in: u64,
    pub data_out: u64,
    pub repeat: u32,
    pub duration: u32,
    pub ctx_size_in: u32,
    pub ctx_size_out: u32,
    pub ctx_in: u64,
    pub ctx_out: u64,
    pub flags: u32,
    pub cpu: u32,
    pub batch_size: u32,
    pub _pad0: u32,
}

/// BPF_*_GET_NEXT_ID, BPF_*_GET_FD_BY_ID.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct GetId {
    /// Union of start_id / prog_id / map_id / btf_id / link_id.
    pub id: u32,
    pub next_id: u32,
    pub open_flags: u32,
    pub token_fd: i32,
}

/// BPF_OBJ_GET_INFO_BY_FD.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct InfoByFd {
    pub bpf_fd: u32,
    pub info_len: u32,
    pub info: u64,
}

/// BPF_RAW_TRACEPOINT_OPEN (`cookie` since 6.10).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct RawTracepointOpen {
    pub name: u64,
    pub prog_fd: u32,
    pub _pad0: u32,
    pub cookie: u64,
}

/// BPF_BTF_LOAD.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct BtfLoad {
    pub btf: u64,
    pub btf_log_buf: u64,
    pub btf_size: u32,
    pub btf_log_size: u32,
    pub btf_log_level: u32,
    pub btf_log_true_size: u32,
    pub btf_flags: u32,
    pub btf_token_fd: i32,
}

/// BPF_LINK_CREATE. The per-attach-type union is kept as raw bytes and filled through
/// the typed setters of [`LinkCreate`], so new link kinds only add a setter.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct LinkCreate {
    /// Union with `map_fd` (struct_ops).
    pub prog_fd: u32,
    /// Union with `target_ifindex`.
    pub target_fd: u32,
    pub attach_type: u32,
    pub flags: u32,
    pub u: LinkCreateUnion,
}

#[repr(C, align(8))]
#[derive(Clone, Copy, Debug)]
pub struct LinkCreateUnion(pub [u8; 48]);

impl Default for LinkCreateUnion {
    fn default() -> Self {
        LinkCreateUnion([0; 48])
    }
}

impl LinkCreate {
    pub fn put_u32(&mut self, off: usize, v: u32) {
        self.u.0[off..off + 4].copy_from_slice(&v.to_ne_bytes());
    }
    pub fn put_u64(&mut self, off: usize, v: u64) {
        self.u.0[off..off + 8].copy_from_slice(&v.to_ne_bytes());
    }
    /// `target_btf_id` (freplace / fentry-style with target_fd).
    pub fn set_target_btf_id(&mut self, id: u32) {
        self.put_u32(0, id);
    }
    /// `perf_event.bpf_cookie`.
    pub fn set_perf_event_cookie(&mut self, cookie: u64) {
        self.put_u64(0, cookie);
    }
    /// `tracing.{target_btf_id, cookie}`.
    pub fn set_tracing(&mut self, target_btf_id: u32, cookie: u64) {
        self.put_u32(0, target_btf_id);
        self.put_u64(8, cookie);
    }
    /// `iter_info`, `iter_info_len`.
    pub fn set_iter_info(&mut self, ptr: u64, len: u32) {
        self.put_u64(0, ptr);
        self.put_u32(8, len);
    }
    /// `kprobe_multi.{flags, cnt, syms, addrs, cookies}`.
    pub fn set_kprobe_multi(&mut self, flags: u32, cnt: u32, syms: u64, addrs: u64, cookies: u64) {
        self.put_u32(0, flags);
        self.put_u32(4, cnt);
        self.put_u64(8, syms);
        self.put_u64(16, addrs);
        self.put_u64(24, cookies);
    }
    /// `uprobe_multi.{path, offsets, ref_ctr_offsets, cookies, cnt, flags, pid}`.
    #[allow(clippy::too_many_arguments)]
    pub fn set_uprobe_multi(&mut self, path: u64, offsets: u64, ref_ctr_offsets: u64, cookies: u64, cnt: u32, flags: u32, pid: u32) {
        self.put_u64(0, path);
        self.put_u64(8, offsets);
        self.put_u64(16, ref_ctr_offsets);
        self.put_u64(24, cookies);
        self.put_u32(32, cnt);
        self.put_u32(36, flags);
        self.put_u32(40, pid);
    }
    /// `netfilter.{pf, hooknum, priority, flags}`.
    pub fn set_netfilter(&mut self, pf: u32, hooknum: u32, priority: i32, flags: u32) {
        self.put_u32(0, pf);
        self.put_u32(4, hooknum);
        self.put_u32(8, priority as u32);
        self.put_u32(12, flags);
    }
    /// `tcx` / `netkit` / `cgroup`: `{relative_fd | relative_id, expected_revision}`.
    pub fn set_relative(&mut self, relative: u32, expected_revision: u64) {
        self.put_u32(0, relative);
        self.put_u64(8, expected_revision);
    }
}

/// BPF_LINK_UPDATE.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct LinkUpdate {
    pub link_fd: u32,
    /// Union with `new_map_fd`.
    pub new_prog_fd: u32,
    pub flags: u32,
    /// Union with `old_map_fd`.
    pub old_prog_fd: u32,
}

/// BPF_LINK_DETACH.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct LinkDetach {
    pub link_fd: u32,
}

/// BPF_PROG_BIND_MAP.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct ProgBindMap {
    pub prog_fd: u32,
    pub map_fd: u32,
    pub flags: u32,
}

/// BPF_ITER_CREATE.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct IterCreate {
    pub link_fd: u32,
    pub flags: u32,
}

/// `struct bpf_map_info`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BpfMapInfo {
    pub map_type: u32,
    pub id: u32,
    pub key_size: u32,
    pub value_size: u32,
    pub max_entries: u32,
    pub map_flags: u32,
    pub name: [u8; 16],
    pub ifindex: u32,
    pub btf_vmlinux_value_type_id: u32,
    pub netns_dev: u64,
    pub netns_ino: u64,
    pub btf_id: u32,
    pub btf_key_type_id: u32,
    pub btf_value_type_id: u32,
    pub btf_vmlinux_id: u32,
    pub map_extra: u64,
}

/// `struct bpf_prog_info` (up to `attach_btf_id`).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BpfProgInfo {
    pub prog_type: u32,
    pub id: u32,
    pub tag: [u8; 8],
    pub jited_prog_len: u32,
    pub xlated_prog_len: u32,
    pub jited_prog_insns: u64,
    pub xlated_prog_insns: u64,
    pub load_time: u64,
    pub created_by_uid: u32,
    pub nr_map_ids: u32,
    pub map_ids: u64,
    pub name: [u8; 16],
    pub ifindex: u32,
    /// Bit 0: gpl_compatible.
    pub gpl_compatible_bits: u32,
    pub netns_dev: u64,
    pub netns_ino: u64,
    pub nr_jited_ksyms: u32,
    pub nr_jited_func_lens: u32,
    pub jited_ksyms: u64,
    pub jited_func_lens: u64,
    pub btf_id: u32,
    pub func_info_rec_size: u32,
    pub func_info: u64,
    pub nr_func_info: u32,
    pub nr_line_info: u32,
    pub line_info: u64,
    pub jited_line_info: u64,
    pub nr_jited_line_info: u32,
    pub line_info_rec_size: u32,
    pub jited_line_info_rec_size: u32,
    pub nr_prog_tags: u32,
    pub prog_tags: u64,
    pub run_time_ns: u64,
    pub run_cnt: u64,
    pub recursion_misses: u64,
    pub verified_insns: u32,
    pub attach_btf_obj_id: u32,
    pub attach_btf_id: u32,
    pub _pad0: u32,
}

/// `struct bpf_link_info`: the common head plus the per-type union as raw bytes.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BpfLinkInfo {
    pub link_type: u32,
    pub id: u32,
    pub prog_id: u32,
    pub _pad0: u32,
    pub u: [u64; 6],
}

/// `struct perf_event_attr` (PERF_ATTR_SIZE_VER8, 136 bytes). The bitfield word is `flags`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct PerfEventAttr {
    pub type_: u32,
    pub size: u32,
    pub config: u64,
    /// Union with `sample_freq`.
    pub sample_period: u64,
    pub sample_type: u64,
    pub read_format: u64,
    /// disabled (bit 0), inherit (1), pinned (2), exclusive (3), exclude_user (4),
    /// exclude_kernel (5), exclude_hv (6), ..., freq (10), ..., watermark (14), ...
    pub flags: u64,
    /// Union with `wakeup_watermark`.
    pub wakeup_events: u32,
    pub bp_type: u32,
    /// Union of bp_addr / kprobe_func / uprobe_path / config1.
    pub config1: u64,
    /// Union of bp_len / kprobe_addr / probe_offset / config2.
    pub config2: u64,
    pub branch_sample_type: u64,
    pub sample_regs_user: u64,
    pub sample_stack_user: u32,
    pub clockid: i32,
    pub sample_regs_intr: u64,
    pub aux_watermark: u32,
    pub sample_max_stack: u16,
    pub _reserved2: u16,
    pub aux_sample_size: u32,
    pub aux_action: u32,
    pub sig_data: u64,
    pub config3: u64,
}

pod!(
    MapCreate, MapElem, MapBatch, ProgLoad, ObjPin, ProgAttach, TestRun, GetId, InfoByFd,
    RawTracepointOpen, BtfLoad, LinkCreate, LinkUpdate, LinkDetach, ProgBindMap, IterCreate,
    BpfMapInfo, BpfProgInfo, BpfLinkInfo, PerfEventAttr,
);

// Layout checks against the kernel's offsets (a wrong size is a silent ABI bug).
const _: () = {
    use std::mem::{offset_of, size_of};
    assert!(size_of::<MapCreate>() == 80);
    assert!(offset_of!(MapCreate, map_extra) == 64);
    assert!(size_of::<MapElem>() == 32);
    assert!(size_of::<MapBatch>() == 56);
    assert!(size_of::<ProgLoad>() == 152);
    assert!(offset_of!(ProgLoad, prog_name) == 48);
    assert!(offset_of!(ProgLoad, func_info) == 80);
    assert!(offset_of!(ProgLoad, attach_prog_fd) == 112);
    assert!(offset_of!(ProgLoad, fd_array) == 120);
    assert!(offset_of!(ProgLoad, log_true_size) == 140);
    assert!(size_of::<ObjPin>() == 24);
    assert!(size_of::<ProgAttach>() == 32);
    assert!(size_of::<TestRun>() == 80);
    assert!(size_of::<RawTracepointOpen>() == 24);
    assert!(size_of::<BtfLoad>() == 40);
    assert!(size_of::<LinkCreate>() == 64);
    assert!(size_of::<BpfMapInfo>() == 88);
    assert!(offset_of!(BpfMapInfo, map_extra) == 80);
    assert!(offset_of!(BpfProgInfo, name) == 64);
    assert!(size_of::<BpfProgInfo>() == 232);
    assert!(size_of::<BpfLinkInfo>() == 64);
    assert!(offset_of!(BpfProgInfo, netns_dev) == 88);
    assert!(offset_of!(BpfProgInfo, attach_btf_id) == 224);
    assert!(size_of::<PerfEventAttr>() == 136);
    assert!(offset_of!(PerfEventAttr, wakeup_events) == 48);
    assert!(offset_of!(PerfEventAttr, config3) == 128);
};
