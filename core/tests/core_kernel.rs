//! CO-RE on the real kernel: bpf/core_kinds.bpf.c records one relocation of each of the
//! 13 kinds into .bss when this process calls getpid(); the values must equal what the
//! kernel's BTF (/sys/kernel/btf/vmlinux) says, computed here independently. And a
//! relocation that cannot be resolved in reachable code makes the load fail with an
//! error naming the program, the instruction, the type and the field path.

use rbpf_core::btf::{Btf, Kind};
use rbpf_core::{Object, ObjectOpenOpts};
use rbpf_testprogs::object_path;
use std::path::PathBuf;
use std::time::{Duration, Instant};

fn getpid() -> i32 {
    // SAFETY: getpid has no preconditions (glibc does not cache it: a real syscall).
    unsafe { libc::getpid() }
}

fn global(obj: &Object, name: &str) -> Vec<u8> {
    let g = obj.global(name).unwrap_or_else(|| panic!("no global {name}"));
    obj.maps()[g.map_index].read_data(g.offset, g.size).unwrap()
}

fn set_global(obj: &Object, name: &str, bytes: &[u8]) {
    let g = obj.global(name).unwrap_or_else(|| panic!("no global {name}"));
    obj.maps()[g.map_index].write_data(g.offset, bytes).unwrap();
}

/// Field order of `struct kinds` in bpf/core_kinds.bpf.c (all __u64).
const FIELDS: &[&str] = &[
    "field_byte_offset",
    "field_byte_size",
    "field_exists",
    "field_missing",
    "field_signed",
    "field_unsigned",
    "bf_byte_offset",
    "bf_byte_size",
    "bf_lshift",
    "bf_rshift",
    "bf_value",
    "type_id_local",
    "type_id_target",
    "type_exists",
    "type_missing",
    "type_size",
    "enumval_exists",
    "enumval_missing",
    "enumval_value",
    "type_matches",
    "type_mismatch",
    "pid_read",
    "runs",
];

fn member(btf: &Btf, sid: u32, name: &str) -> (u32, u32, u32) {
    let t = btf.type_by_id(sid).unwrap();
    let m = t.members().find(|m| m.name == name).unwrap_or_else(|| panic!("kernel task_struct has no {name}"));
    (m.bit_offset, m.bitfield_size, m.type_id)
}

/// libbpf's bpf_core_calc_field_relo for a (bit)field on little-endian:
/// (byte_off, byte_sz, lshift_u64, rshift_u64).
fn field_layout(bit_off: u32, bit_sz: u32, type_size: u32) -> (u32, u32, u32, u32) {
    if bit_sz == 0 {
        let byte_sz = type_size;
        return (bit_off / 8, byte_sz, 64 - byte_sz * 8, 64 - byte_sz * 8);
    }
    let mut byte_sz = type_size;
    let mut byte_off = bit_off / 8 / byte_sz * byte_sz;
    while bit_off + bit_sz - byte_off * 8 > byte_sz * 8 {
        byte_sz *= 2;
        byte_off = bit_off / 8 / byte_sz * byte_sz;
    }
    (byte_off, byte_sz, 64 - (bit_off + bit_sz - byte_off * 8), 64 - bit_sz)
}

#[test]
fn every_relocation_kind_on_the_kernel() {
    let Ok(vmlinux) = Btf::vmlinux() else {
        rbpf_testprogs::skip("", "no kernel BTF (/sys/kernel/btf/vmlinux)");
        return;
    };
    let mut obj = Object::open_file(object_path("core_kinds"), &ObjectOpenOpts::default()).unwrap();
    let me = getpid();
    set_global(&obj, "target_pid", &(me as u32).to_ne_bytes());
    obj.load().unwrap_or_else(|e| panic!("load core_kinds: {e}"));
    let _link = obj.program("record_kinds").unwrap().attach().unwrap();
    let t = Instant::now();
    let runs = |o: &Object| {
        let b = global(o, "out");
        u64::from_ne_bytes(b[(FIELDS.len() - 1) * 8..FIELDS.len() * 8].try_into().unwrap())
    };
    while runs(&obj) == 0 && t.elapsed() < Duration::from_secs(2) {
        getpid();
        std::thread::sleep(Duration::from_millis(2));
    }
    let raw = global(&obj, "out");
    assert_eq!(raw.len(), FIELDS.len() * 8, "struct kinds layout changed");
    let got: Vec<(&str, u64)> = FIELDS.iter().enumerate().map(|(i, f)| (*f, u64::from_ne_bytes(raw[i * 8..i * 8 + 8].try_into().unwrap()))).collect();
    let val = |n: &str| got.iter().find(|g| g.0 == n).unwrap().1;
    assert!(val("runs") > 0, "the program never ran for pid {me}");

    // Expected values, from the kernel's BTF.
    let ts = vmlinux.find_by_name_kind("task_struct", Kind::Struct).unwrap();
    let ts_size = vmlinux.type_by_id(ts).unwrap().size().unwrap();
    let size_of = |id: u32| vmlinux.resolve_size(id).unwrap();
    let signed = |id: u32| {
        let t = vmlinux.type_by_id(vmlinux.skip_mods_and_typedefs(id).unwrap()).unwrap();
        t.int().is_some_and(|i| i.is_signed()) as u64
    };
    let (pid_bits, _, pid_ty) = member(&vmlinux, ts, "pid");
    let (comm_bits, _, comm_ty) = member(&vmlinux, ts, "comm");
    let (_, _, flags_ty) = member(&vmlinux, ts, "flags");
    let (bf_off, bf_sz, bf_ty) = member(&vmlinux, ts, "sched_migrated");
    let _ = comm_bits;
    assert!(bf_sz > 0, "task_struct.sched_migrated is expected to be a bitfield");
    let (bo, bs, ls, rs) = field_layout(bf_off, bf_sz, size_of(bf_ty));
    let ringbuf = vmlinux.find_by_name_kind("bpf_map_type", Kind::Enum).unwrap();
    let ringbuf_val = vmlinux.type_by_id(ringbuf).unwrap().enum_values().find(|v| v.name == "BPF_MAP_TYPE_RINGBUF").unwrap().value;
    let local_ts = obj.btf().unwrap().find_by_name_kind("task_struct", Kind::Struct).unwrap();
    let expected: Vec<(&str, u64)> = vec![
        ("field_byte_offset", (pid_bits / 8) as u64),
        ("field_byte_size", size_of(comm_ty) as u64),
        ("field_exists", 1),
        ("field_missing", 0),
        ("field_signed", signed(pid_ty)),
        ("field_unsigned", signed(flags_ty)),
        ("bf_byte_offset", bo as u64),
        ("bf_byte_size", bs as u64),
        ("bf_lshift", ls as u64),
        ("bf_rshift", rs as u64),
        ("type_id_local", local_ts as u64),
        ("type_id_target", ts as u64),
        ("type_exists", 1),
        ("type_missing", 0),
        ("type_size", ts_size as u64),
        ("enumval_exists", 1),
        ("enumval_missing", 0),
        ("enumval_value", ringbuf_val),
        ("type_matches", 1),
        ("type_mismatch", 0),
        ("pid_read", me as u64),
    ];
    let mut bad = Vec::new();
    for (name, want) in &expected {
        if val(name) != *want {
            bad.push(format!("{name}: program recorded {}, kernel BTF says {want}", val(name)));
        }
    }
    assert_eq!(val("field_signed"), 1, "pid is a signed int");
    assert_eq!(val("field_unsigned"), 0, "flags is unsigned");
    // The bitfield read through the relocated shifts is a 0/1 value.
    assert!(val("bf_value") <= 1, "bf_value {}", val("bf_value"));
    assert!(bad.is_empty(), "relocated values differ from the kernel's BTF:\n{}", bad.join("\n"));
}

const POISON_SRC: &str = r#"
#include "vmlinux.h"
#define SEC(n) __attribute__((section(n), used))
struct task_struct___missing { int rbpf_no_such_field; } __attribute__((preserve_access_index));
static long (*get_current_task)(void) = (void *)35;
char LICENSE[] SEC("license") = "GPL";

SEC("tp/syscalls/sys_enter_getpid")
int poisoned(void *ctx)
{
	struct task_struct___missing *t = (void *)get_current_task();
	return __builtin_preserve_field_info(t->rbpf_no_such_field, 0);
}

SEC("tp/syscalls/sys_enter_getpid")
int fine(void *ctx)
{
	return 0;
}
"#;

fn clang() -> Option<&'static str> {
    ["clang-19", "clang"].into_iter().find(|c| std::process::Command::new(c).arg("--version").output().is_ok_and(|o| o.status.success()))
}

#[test]
fn poisoned_relocation_in_reachable_code_names_program_insn_type_and_field() {
    let Some(cc) = clang() else {
        rbpf_testprogs::skip("", "clang not found");
        return;
    };
    if Btf::vmlinux().is_err() {
        rbpf_testprogs::skip("", "no kernel BTF");
        return;
    }
    let dir: PathBuf = std::env::temp_dir().join(format!("rbpf-core-poison-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let src = dir.join("poison.bpf.c");
    std::fs::write(&src, POISON_SRC).unwrap();
    let obj_path = dir.join("poison.bpf.o");
    let out = std::process::Command::new(cc)
        .args(["-g", "-O2", "-target", "bpf", "-c"])
        .arg("-I")
        .arg(rbpf_testprogs::object_dir())
        .arg(&src)
        .arg("-o")
        .arg(&obj_path)
        .output()
        .unwrap();
    let data = std::fs::read(&obj_path);
    let _ = std::fs::remove_dir_all(&dir);
    assert!(out.status.success(), "clang: {}", String::from_utf8_lossy(&out.stderr));
    let data = data.unwrap();

    // Reachable: the verifier stops at the poisoned call and rbpf says why.
    let mut obj = Object::open_mem(&data, &ObjectOpenOpts::default()).unwrap();
    obj.program_mut("fine").unwrap().set_autoload(false).unwrap();
    let Err(e) = obj.load() else { panic!("loading a program with a poisoned reachable relocation must fail") };
    let text = format!("{}\n{}", e.message(), e.verifier_log().unwrap_or(""));
    for needle in ["poisoned", "<invalid CO-RE relocation>", "failed to resolve CO-RE relocation", "task_struct___missing", "rbpf_no_such_field"] {
        assert!(text.contains(needle), "error lacks {needle:?}:\n{text}");
    }
    // The instruction: "<n>: <invalid CO-RE relocation>" as libbpf rewrites the log.
    assert!(
        text.lines().any(|l| l.split_once(": <invalid CO-RE relocation>").is_some_and(|(n, _)| n.trim().parse::<u32>().is_ok())),
        "no instruction number in:\n{text}"
    );

    // Autoload off: its relocations are skipped and the rest of the object loads.
    let mut obj = Object::open_mem(&data, &ObjectOpenOpts::default()).unwrap();
    obj.program_mut("poisoned").unwrap().set_autoload(false).unwrap();
    obj.load().unwrap();
    assert!(obj.program("fine").unwrap().fd().is_ok());
    assert!(obj.program("poisoned").unwrap().fd().is_err());
}
