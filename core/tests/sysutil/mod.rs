//! Helpers shared by the sys / attach / ringbuf kernel tests: a tiny BPF assembler,
//! the skip convention, and unique names.
#![allow(dead_code)]

use rbpf_core::obj::Insn;
use rbpf_core::sys::{self, MapCreateAttr};
use rbpf_core::uapi::*;
use std::os::fd::OwnedFd;

// --- skip convention -------------------------------------------------------------------

/// Report a test that cannot run (the workspace convention: rbpf_testprogs::skip).
pub fn skip(name: &str, reason: &str) {
    rbpf_testprogs::skip(name, reason);
}

/// True when the bpf syscall works here; otherwise records a skip for `name`.
pub fn need_bpf(name: &str) -> bool {
    let a = MapCreateAttr { map_type: BPF_MAP_TYPE_ARRAY, name: "probe".into(), key_size: 4, value_size: 4, max_entries: 1, ..Default::default() };
    match sys::map_create(&a) {
        Ok(_) => true,
        Err(e) => {
            skip(name, &format!("bpf(2) unavailable: {e}"));
            false
        }
    }
}

/// A name unique to this process and call site.
pub fn unique(tag: &str) -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    format!("rbpf_{tag}_{}_{}", std::process::id(), N.fetch_add(1, Ordering::Relaxed))
}

/// This thread's kernel tid (from /proc/thread-self, which links to "<pid>/task/<tid>").
pub fn gettid() -> u32 {
    let link = std::fs::read_link("/proc/thread-self").expect("read /proc/thread-self");
    link.file_name().and_then(|s| s.to_str()).and_then(|s| s.parse().ok()).expect("tid in /proc/thread-self")
}

/// Make sure bpffs is mounted at /sys/fs/bpf (tests pin under it and remove their pins).
pub fn ensure_bpffs() -> bool {
    if std::path::Path::new("/sys/fs/bpf").exists() && is_mountpoint("/sys/fs/bpf") {
        return true;
    }
    let _ = std::fs::create_dir_all("/sys/fs/bpf");
    std::process::Command::new("mount").args(["-t", "bpf", "bpf", "/sys/fs/bpf"]).status().map(|s| s.success()).unwrap_or(false)
}

fn is_mountpoint(p: &str) -> bool {
    std::fs::read_to_string("/proc/self/mounts").map(|m| m.lines().any(|l| l.split_whitespace().nth(1) == Some(p))).unwrap_or(false)
}

/// Make sure tracefs is mounted at /sys/kernel/tracing.
pub fn ensure_tracefs() -> bool {
    if std::path::Path::new("/sys/kernel/tracing/events").is_dir() || std::path::Path::new("/sys/kernel/debug/tracing/events").is_dir() {
        return true;
    }
    std::process::Command::new("mount").args(["-t", "tracefs", "tracefs", "/sys/kernel/tracing"]).status().map(|s| s.success()).unwrap_or(false)
}

// --- maps ---------------------------------------------------------------------------------

pub fn create_map(map_type: u32, key_size: u32, value_size: u32, max_entries: u32, flags: u32) -> OwnedFd {
    let a = MapCreateAttr { map_type, name: "test_map".into(), key_size, value_size, max_entries, map_flags: flags, ..Default::default() };
    sys::map_create(&a).unwrap_or_else(|e| panic!("map_create type {map_type}: {e}"))
}

pub fn array_u64(fd: i32, idx: u32) -> u64 {
    let mut v = [0u8; 8];
    assert!(sys::map_lookup_elem(fd, &idx.to_ne_bytes(), &mut v, 0).unwrap());
    u64::from_ne_bytes(v)
}

// --- a tiny assembler ---------------------------------------------------------------------

pub const R0: u8 = 0;
pub const R1: u8 = 1;
pub const R2: u8 = 2;
pub const R3: u8 = 3;
pub const R4: u8 = 4;
pub const R6: u8 = 6;
pub const R7: u8 = 7;
pub const R10: u8 = 10;

const JEQ: u8 = 0x10;
const JNE: u8 = 0x50;
const RSH: u8 = 0x70;
const ATOMIC: u8 = 0xc0;

pub fn ins(code: u8, dst: u8, src: u8, off: i16, imm: i32) -> Insn {
    Insn { code, regs: (dst & 0xf) | (src << 4), off, imm }
}
pub fn mov64_imm(dst: u8, imm: i32) -> Insn {
    ins(BPF_ALU64 | BPF_MOV | BPF_K, dst, 0, 0, imm)
}
pub fn mov64_reg(dst: u8, src: u8) -> Insn {
    ins(BPF_ALU64 | BPF_MOV | BPF_X, dst, src, 0, 0)
}
/// 32-bit mov: zero-extends, so `mov32_reg(r, r)` keeps the low 32 bits.
pub fn mov32_reg(dst: u8, src: u8) -> Insn {
    ins(BPF_ALU | BPF_MOV | BPF_X, dst, src, 0, 0)
}
pub fn add64_imm(dst: u8, imm: i32) -> Insn {
    ins(BPF_ALU64 | BPF_ADD | BPF_K, dst, 0, 0, imm)
}
pub fn rsh64_imm(dst: u8, imm: i32) -> Insn {
    ins(BPF_ALU64 | RSH | BPF_K, dst, 0, 0, imm)
}
pub fn ld_map_fd(dst: u8, fd: i32) -> [Insn; 2] {
    [ins(BPF_LD | BPF_IMM | BPF_DW, dst, BPF_PSEUDO_MAP_FD, 0, fd), ins(0, 0, 0, 0, 0)]
}
pub fn call(helper: i32) -> Insn {
    ins(BPF_JMP | BPF_CALL, 0, 0, 0, helper)
}
pub fn exit() -> Insn {
    ins(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)
}
pub fn jne_imm(dst: u8, imm: i32, off: i16) -> Insn {
    ins(BPF_JMP | JNE | BPF_K, dst, 0, off, imm)
}
pub fn jeq_imm(dst: u8, imm: i32, off: i16) -> Insn {
    ins(BPF_JMP | JEQ | BPF_K, dst, 0, off, imm)
}
pub fn st_dw(dst: u8, off: i16, imm: i32) -> Insn {
    ins(BPF_ST | BPF_MEM | BPF_DW, dst, 0, off, imm)
}
pub fn st_w(dst: u8, off: i16, imm: i32) -> Insn {
    ins(BPF_ST | BPF_MEM | BPF_W, dst, 0, off, imm)
}
pub fn stx_dw(dst: u8, src: u8, off: i16) -> Insn {
    ins(BPF_STX | BPF_MEM | BPF_DW, dst, src, off, 0)
}
/// lock *(u64 *)(dst + off) += src
pub fn atomic_add_dw(dst: u8, src: u8, off: i16) -> Insn {
    ins(BPF_STX | ATOMIC | BPF_DW, dst, src, off, 0)
}

pub const HELPER_MAP_LOOKUP: i32 = 1;
pub const HELPER_GET_CURRENT_PID_TGID: i32 = 14;
pub const HELPER_RINGBUF_OUTPUT: i32 = 130;
pub const HELPER_RINGBUF_RESERVE: i32 = 131;
pub const HELPER_RINGBUF_DISCARD: i32 = 133;
pub const HELPER_GET_ATTACH_COOKIE: i32 = 174;

/// `if (u32)current_tid != tid goto out` where `out` is `skip` insns after this block.
/// Clobbers r0-r5. 3 instructions.
pub fn filter_tid(tid: u32, skip: i16) -> Vec<Insn> {
    vec![call(HELPER_GET_CURRENT_PID_TGID), mov32_reg(R0, R0), jne_imm(R0, tid as i32, skip)]
}

/// `map[0] += add` on an ARRAY map with u64 values. Clobbers r0-r5. 10 instructions.
pub fn add_to_slot0(map_fd: i32, add: i32) -> Vec<Insn> {
    let mut v = vec![st_w(R10, -4, 0), mov64_reg(R2, R10), add64_imm(R2, -4)];
    v.extend(ld_map_fd(R1, map_fd));
    v.extend([call(HELPER_MAP_LOOKUP), jeq_imm(R0, 0, 2), mov64_imm(R1, add), atomic_add_dw(R0, R1, 0)]);
    v
}

/// A program that, for thread `tid` only, adds `add` to slot 0 of `map_fd`.
pub fn counter_prog(map_fd: i32, tid: u32, add: i32) -> Vec<Insn> {
    let body = add_to_slot0(map_fd, add);
    let mut v = filter_tid(tid, body.len() as i16);
    v.extend(body);
    v.extend([mov64_imm(R0, 0), exit()]);
    v
}

pub fn load(prog_type: u32, name: &str, insns: &[Insn]) -> rbpf_core::Result<OwnedFd> {
    sys::prog_load(&sys::ProgLoadAttr { prog_type, name, insns, license: "GPL", ..Default::default() })
}

// --- vmlinux BTF: find a type id by kind and name (enough for attach_btf_id) ----------

pub fn vmlinux_type_id(kind: u32, name: &str) -> Option<u32> {
    let b = std::fs::read("/sys/kernel/btf/vmlinux").ok()?;
    let u32at = |o: usize| -> Option<u32> { Some(u32::from_le_bytes(b.get(o..o + 4)?.try_into().ok()?)) };
    let hdr_len = u32at(4)? as usize;
    let (type_off, type_len, str_off) = (u32at(8)? as usize, u32at(12)? as usize, u32at(16)? as usize);
    let types = hdr_len + type_off;
    let strs = hdr_len + str_off;
    let mut off = types;
    let mut id = 1u32;
    while off < types + type_len {
        let name_off = u32at(off)? as usize;
        let info = u32at(off + 4)?;
        let k = (info >> 24) & 0x1f;
        let vlen = (info & 0xffff) as usize;
        if k == kind {
            let s = &b[strs + name_off..];
            let end = s.iter().position(|&c| c == 0)?;
            if &s[..end] == name.as_bytes() {
                return Some(id);
            }
        }
        off += 12
            + match k {
                1 | 14 | 17 => 4,
                3 => 12,
                4 | 5 | 15 | 19 => vlen * 12,
                6 | 13 => vlen * 8,
                _ => 0,
            };
        id += 1;
    }
    None
}
