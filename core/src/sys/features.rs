//! Kernel feature probes: load or create something tiny and see whether the kernel takes
//! it. Results are cached per process. Each probe names the kernel that introduced the
//! feature (cilium's convention); behaviour is chosen by probing, never by uname.

use super::{bpf, map_create, prog_load, MapCreateAttr, ProgLoadAttr};
use crate::obj::Insn;
use crate::uapi::*;
use parking_lot::Mutex;
use std::collections::HashMap;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Key {
    ProgType(u32),
    MapType(u32),
    Helper(u32, u32),
    BpfCookie,
    RawTpCookie,
    LinkPerfEvent,
    UprobeMultiLink,
}

fn cached(key: Key, probe: impl FnOnce() -> bool) -> bool {
    static CACHE: Mutex<Option<HashMap<Key, bool>>> = Mutex::new(None);
    if let Some(v) = CACHE.lock().as_ref().and_then(|m| m.get(&key)) {
        return *v;
    }
    let v = probe();
    CACHE.lock().get_or_insert_with(HashMap::new).insert(key, v);
    v
}

const fn insn(code: u8, regs: u8, off: i16, imm: i32) -> Insn {
    Insn { code, regs, off, imm }
}
/// r0 = 0; exit
const RET0: [Insn; 2] = [insn(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0), insn(BPF_JMP | BPF_EXIT, 0, 0, 0)];

fn load(prog_type: u32, expected_attach_type: u32, insns: &[Insn]) -> crate::Result<std::os::fd::OwnedFd> {
    prog_load(&ProgLoadAttr { prog_type, insns, license: "GPL", expected_attach_type, log_level: 0, ..Default::default() })
}

/// The kernel can load programs of this type (a `r0 = 0; exit` program). Types that need
/// a BTF attach target (tracing, lsm, ext, struct_ops) report false here.
pub fn have_prog_type(prog_type: u32) -> bool {
    cached(Key::ProgType(prog_type), || {
        let eat = match prog_type {
            BPF_PROG_TYPE_CGROUP_SOCK_ADDR => BPF_CGROUP_INET4_CONNECT,
            BPF_PROG_TYPE_SK_LOOKUP => BPF_SK_LOOKUP,
            BPF_PROG_TYPE_NETFILTER => BPF_NETFILTER,
            _ => 0,
        };
        load(prog_type, eat, &RET0).is_ok()
    })
}

/// The kernel can create maps of this type (with small, type-appropriate parameters).
/// Local-storage maps need a BTF value type and report false here.
pub fn have_map_type(map_type: u32) -> bool {
    cached(Key::MapType(map_type), || {
        let mut a = MapCreateAttr { map_type, name: "probe".into(), key_size: 4, value_size: 4, max_entries: 1, ..Default::default() };
        match map_type {
            BPF_MAP_TYPE_RINGBUF | BPF_MAP_TYPE_USER_RINGBUF => {
                a.key_size = 0;
                a.value_size = 0;
                a.max_entries = super::page_size() as u32;
            }
            BPF_MAP_TYPE_QUEUE | BPF_MAP_TYPE_STACK | BPF_MAP_TYPE_BLOOM_FILTER => a.key_size = 0,
            BPF_MAP_TYPE_LPM_TRIE => {
                a.key_size = 8;
                a.map_flags = BPF_F_NO_PREALLOC;
            }
            _ => {}
        }
        map_create(&a).is_ok()
    })
}

/// `helper` can be called from programs of `prog_type`.
pub fn have_helper(prog_type: u32, helper: u32) -> bool {
    cached(Key::Helper(prog_type, helper), || {
        let insns = [insn(BPF_JMP | BPF_CALL, 0, 0, helper as i32), RET0[0], RET0[1]];
        match load(prog_type, 0, &insns) {
            Ok(_) => true,
            // The verifier names unknown or disallowed helpers (libbpf's probe reads the
            // same texts); any other verifier complaint (e.g. bad arguments) means the
            // helper exists. Non-verifier failures (EPERM, ...) are inconclusive: false.
            Err(e) => {
                matches!(e.errno(), libc::EINVAL | libc::EACCES)
                    && e.verifier_log().is_some_and(|l| !l.contains("invalid func ") && !l.contains("unknown func ") && !l.contains("program of this type cannot use helper"))
            }
        }
    })
}

/// bpf_get_attach_cookie() for tracepoint programs (5.15).
pub fn have_bpf_cookie() -> bool {
    cached(Key::BpfCookie, || have_helper(BPF_PROG_TYPE_TRACEPOINT, 174))
}

/// A cookie in BPF_RAW_TRACEPOINT_OPEN (6.10): tested by opening a raw tracepoint with a
/// cookie on a harmless tracepoint and closing it at once.
pub fn have_raw_tp_cookie() -> bool {
    cached(Key::RawTpCookie, || {
        let Ok(prog) = load(BPF_PROG_TYPE_RAW_TRACEPOINT, 0, &RET0) else { return false };
        use std::os::fd::AsRawFd;
        bpf::raw_tracepoint_open(Some("sys_enter"), prog.as_raw_fd(), 1).is_ok()
    })
}

/// BPF_LINK_CREATE for perf events (5.15): probed by asking for a link on an invalid
/// perf fd: EBADF means the command path exists.
pub fn have_link_perf_event() -> bool {
    cached(Key::LinkPerfEvent, || {
        let Ok(prog) = load(BPF_PROG_TYPE_TRACEPOINT, 0, &RET0) else { return false };
        use std::os::fd::AsRawFd;
        let a = bpf::LinkCreateAttr { prog_fd: prog.as_raw_fd(), target_fd: -1, attach_type: BPF_PERF_EVENT, ..Default::default() };
        matches!(bpf::link_create(&a), Err(e) if e.errno() == libc::EBADF)
    })
}

/// uprobe.multi links (6.6): libbpf's probe, a link on "/" that fails with EBADF only
/// when the kernel knows the link type.
pub fn have_uprobe_multi_link() -> bool {
    cached(Key::UprobeMultiLink, || {
        let Ok(prog) = load(BPF_PROG_TYPE_KPROBE, BPF_TRACE_UPROBE_MULTI, &RET0) else { return false };
        use std::os::fd::AsRawFd;
        let Ok(path) = std::ffi::CString::new("/") else { return false };
        let a = bpf::LinkCreateAttr {
            prog_fd: prog.as_raw_fd(),
            attach_type: BPF_TRACE_UPROBE_MULTI,
            target: bpf::LinkTarget::UprobeMulti { path, offsets: vec![0], ref_ctr_offsets: vec![], cookies: vec![], flags: 0, pid: 0 },
            ..Default::default()
        };
        matches!(bpf::link_create(&a), Err(e) if e.errno() == libc::EBADF)
    })
}
