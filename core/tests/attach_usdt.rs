//! USDT end to end: objects built from bpf/usdt_v2.bpf.c (libbpf's usdt.bpf.h, 1.7+
//! spec layout) and bpf/usdt_v1.bpf.c (the ≤ 1.6 layout), loaded with rbpf_core::Object
//! and attached to the <sys/sdt.h> probes of the fixture program and library.

mod attachutil;
mod sysutil;

use attachutil::*;
use rbpf_core::attach::usdt::{self, note, SpecLayout};
use rbpf_core::attach::{self, uprobe::ElfImage, UsdtMaps};
use rbpf_core::opts::UsdtOpts;
use rbpf_core::uapi::*;
use rbpf_core::{Object, ObjectOpenOpts};
use sysutil::*;

const N: u32 = 3;

#[derive(Debug, PartialEq)]
struct Rec {
    cnt: u64,
    args: [i64; 4],
    cookie: u64,
    arg_cnt: i64,
}

fn rec(obj: &Object, slot: u32) -> Rec {
    let v = obj.map("out").unwrap().lookup(&slot.to_ne_bytes(), 0).unwrap().unwrap();
    let q = |i: usize| u64::from_ne_bytes(v[i * 8..i * 8 + 8].try_into().unwrap());
    Rec { cnt: q(0), args: [q(1) as i64, q(2) as i64, q(3) as i64, q(4) as i64], cookie: q(5), arg_cnt: q(6) as i64 }
}

fn setup(name: &str, obj_name: &str, multi: &[&str]) -> Option<(&'static Fixture, Object, std::sync::MutexGuard<'static, ()>)> {
    if !need_bpf(name) {
        return None;
    }
    let fx = match fixture() {
        Ok(f) => f,
        Err(e) => {
            skip(name, &format!("cannot build the C fixture: {e}"));
            return None;
        }
    };
    let bytes = rbpf_testprogs::object_bytes(obj_name);
    let mut obj = match Object::open_mem(&bytes, &ObjectOpenOpts::default()) {
        Ok(o) => o,
        Err(e) => panic!("open {obj_name}: {e}"),
    };
    // Programs loaded for uprobe.multi get one link; the others one uprobe per site.
    if rbpf_core::sys::features::have_uprobe_multi_link() {
        for p in multi {
            obj.program_mut(p).unwrap().set_expected_attach_type(BPF_TRACE_UPROBE_MULTI).unwrap();
        }
    }
    if let Err(e) = obj.load() {
        panic!("load {obj_name}: {e}\n{}", e.verifier_log().unwrap_or(""));
    }
    Some((fx, obj, serial()))
}

fn maps(obj: &Object) -> UsdtMaps {
    UsdtMaps { specs_map_fd: obj.map(usdt::SPECS_MAP).unwrap().fd().unwrap(), ip_map_fd: obj.map(usdt::IP_MAP).and_then(|m| m.fd().ok()) }
}

fn cookie(c: u64) -> UsdtOpts {
    let mut o = UsdtOpts::default();
    o.usdt_cookie = c;
    o
}

#[test]
fn usdt_notes_of_the_fixture() {
    let Ok(fx) = fixture() else { return skip("usdt_notes_of_the_fixture", "no C fixture") };
    let img = ElfImage::open(&fx.pie).unwrap();
    let sites = note::find_sites(&img, "rbpftest", "args4").unwrap();
    assert_eq!(sites.len(), 1);
    let args = usdt::arg::parse_args(&sites[0].note.args).unwrap();
    let kinds: Vec<_> = args.iter().map(|a| a.kind).collect();
    use usdt::arg::ArgKind::*;
    assert_eq!(kinds, [Reg, RegDeref, Const, Sib], "spec '{}'", sites[0].note.args);
    let sema = note::find_sites(&img, "rbpftest", "sema_probe").unwrap();
    assert_ne!(sema[0].sema_off, 0);
    assert_eq!(sema[0].sema_off, img.vaddr_to_offset(img.object_vaddr("rbpftest_sema_probe_semaphore").unwrap()).unwrap());
    let e = note::find_sites(&img, "rbpftest", "nope").unwrap_err();
    assert_eq!(e.errno(), libc::ENOENT);
    assert!(e.message().contains("failed to find USDT notes for rbpftest:nope"), "{e}");
}

#[test]
fn usdt_v2_layout_args_cookie_semaphore_library() {
    let name = "usdt_v2_layout_args_cookie_semaphore_library";
    let Some((fx, obj, _g)) = setup(name, "usdt_v2", &["handle_args4", "handle_sema"]) else { return };
    let m = maps(&obj);
    assert_eq!(SpecLayout::from_value_size(obj.map(usdt::SPECS_MAP).unwrap().value_size()).unwrap(), SpecLayout::V2);
    let fd = |p: &str| obj.program(p).unwrap().fd().unwrap();
    let r = Runner::spawn(&fx.pie, N);
    let pid = r.pid();
    let l_args = attach::attach_usdt(fd("handle_args4"), m, pid, &fx.pie, "rbpftest", "args4", &cookie(0xabc)).unwrap();
    let l_none = attach::attach_usdt(fd("handle_noargs"), m, pid, &fx.pie, "rbpftest", "noargs", &cookie(5)).unwrap();
    let l_sema = attach::attach_usdt(fd("handle_sema"), m, pid, &fx.pie, "rbpftest", "sema_probe", &cookie(77)).unwrap();
    // A library given by name, found through the process's mappings.
    let l_lib = attach::attach_usdt(fd("handle_lib"), m, pid, "librbpfprobe.so", "rbpflib", "lib_probe", &cookie(9)).unwrap();
    assert!(l_lib.target().contains(&fx.lib), "{}", l_lib.target());
    assert_eq!(r.go(), 1, "the kernel raised the semaphore");
    let last = (N - 1) as i64;
    assert_eq!(rec(&obj, 0), Rec { cnt: N as u64, args: [last, 4242, -5, 10 + (last & 3)], cookie: 0xabc, arg_cnt: 4 });
    assert_eq!(rec(&obj, 1), Rec { cnt: N as u64, args: [0; 4], cookie: 5, arg_cnt: 0 });
    assert_eq!(rec(&obj, 2), Rec { cnt: N as u64, args: [last + 100, 0, 0, 0], cookie: 77, arg_cnt: 1 });
    assert_eq!(rec(&obj, 3), Rec { cnt: N as u64, args: [last, last * 1000, 0, 0], cookie: 9, arg_cnt: 2 });
    drop((l_args, l_none, l_sema, l_lib));
    // Detached: nothing more, and the semaphore is down.
    assert_eq!(run(&fx.pie, 1), 0);
    assert_eq!(rec(&obj, 0).cnt, N as u64);
    // Ids go back to the free list on detach (the allocator itself is unit-tested).
    for _ in 0..5 {
        attach::attach_usdt(fd("handle_noargs"), m, -1, &fx.pie, "rbpftest", "noargs", &cookie(1)).unwrap();
    }
}

#[test]
fn usdt_v1_layout_reads_arguments() {
    let name = "usdt_v1_layout_reads_arguments";
    let Some((fx, obj, _g)) = setup(name, "usdt_v1", &["handle_lib"]) else { return };
    let m = maps(&obj);
    assert_eq!(SpecLayout::from_value_size(obj.map(usdt::SPECS_MAP).unwrap().value_size()).unwrap(), SpecLayout::V1);
    let fd = |p: &str| obj.program(p).unwrap().fd().unwrap();
    let r = Runner::spawn(&fx.exec, N);
    let pid = r.pid();
    let _a = attach::attach_usdt(fd("handle_lib"), m, pid, &fx.lib, "rbpflib", "lib_probe", &cookie(0x1234)).unwrap();
    let _b = attach::attach_usdt(fd("handle_sema"), m, pid, &fx.exec, "rbpftest", "sema_probe", &cookie(8)).unwrap();
    let _c = attach::attach_usdt(fd("handle_noargs"), m, pid, &fx.exec, "rbpftest", "noargs", &cookie(3)).unwrap();
    // The old layout cannot express base+index*scale: a clear error.
    let e = attach::attach_usdt(fd("handle_noargs"), m, pid, &fx.exec, "rbpftest", "args4", &cookie(0)).unwrap_err();
    assert_eq!(e.errno(), libc::EOPNOTSUPP, "{e}");
    assert!(e.message().contains("libbpf <= 1.6 layout"), "{e}");
    assert_eq!(r.go(), 1);
    let last = (N - 1) as i64;
    assert_eq!(rec(&obj, 3), Rec { cnt: N as u64, args: [last, last * 1000, 0, 0], cookie: 0x1234, arg_cnt: 2 });
    assert_eq!(rec(&obj, 2), Rec { cnt: N as u64, args: [last + 100, 0, 0, 0], cookie: 8, arg_cnt: 1 });
    assert_eq!(rec(&obj, 1), Rec { cnt: N as u64, args: [0; 4], cookie: 3, arg_cnt: 0 });
}

#[test]
fn usdt_errors() {
    let name = "usdt_errors";
    let Some((fx, obj, _g)) = setup(name, "usdt_v2", &[]) else { return };
    let m = maps(&obj);
    let p = obj.program("handle_noargs").unwrap().fd().unwrap();
    let e = attach::attach_usdt(p, m, -1, &fx.pie, "rbpftest", "missing", &UsdtOpts::default()).unwrap_err();
    assert_eq!(e.errno(), libc::ENOENT);
    assert!(e.message().starts_with(&format!("failed to attach usdt '{}:rbpftest:missing'", fx.pie)), "{e}");
    // A map that is not a usdt.bpf.h spec map.
    let out = obj.map("out").unwrap().fd().unwrap();
    let e = attach::attach_usdt(p, UsdtMaps { specs_map_fd: out, ip_map_fd: None }, -1, &fx.pie, "rbpftest", "noargs", &UsdtOpts::default()).unwrap_err();
    assert_eq!(e.errno(), libc::EINVAL);
    assert!(e.message().contains("matches no known usdt.bpf.h layout"), "{e}");
}

#[test]
fn usdt_auto_attach_from_section_name() {
    let name = "usdt_auto_attach_from_section_name";
    let Some((fx, obj, _g)) = setup(name, "usdt_v2", &[]) else { return };
    let sec = format!("usdt/{}:rbpftest:sema_probe", fx.exec);
    let d = rbpf_core::obj::sec_def::find_sec_def(&sec).unwrap();
    let p = obj.program("handle_sema").unwrap().fd().unwrap();
    let l = attach::attach_by_sec(p, d, &sec, Some(maps(&obj))).unwrap();
    assert_eq!(run(&fx.exec, N), 1);
    assert_eq!(rec(&obj, 2).cnt, N as u64);
    drop(l);
}
