//! uprobe / uretprobe / uprobe.multi against the real kernel, on a C program and shared
//! library built by the test (attachutil). Hand-assembled KPROBE programs count hits in an
//! array map.

mod attachutil;
mod sysutil;

use attachutil::*;
use rbpf_core::attach::uprobe::{self, ElfImage, RBPF_PROBE_ATTACH_MODE_LEGACY, RBPF_PROBE_ATTACH_MODE_PERF};
use rbpf_core::attach::{self, LinkKind, UprobeMultiTargets};
use rbpf_core::obj::Insn;
use rbpf_core::opts::{UprobeMultiOpts, UprobeOpts};
use rbpf_core::sys;
use rbpf_core::uapi::*;
use std::os::fd::{AsRawFd, OwnedFd};
use sysutil::*;

const N: u32 = 7;

fn ready(name: &str) -> Option<(&'static Fixture, std::sync::MutexGuard<'static, ()>)> {
    if !need_bpf(name) {
        return None;
    }
    if sys::probe::probe_pmu_type(sys::probe::ProbeKind::Uprobe).is_err() {
        skip(name, "the kernel has no uprobe PMU");
        return None;
    }
    match fixture() {
        Ok(f) => Some((f, serial())),
        Err(e) => {
            skip(name, &format!("cannot build the C fixture: {e}"));
            None
        }
    }
}

/// map[0] += 1 (or += bpf_get_attach_cookie() with `cookie`).
fn counting_prog(map_fd: i32, cookie: bool, eat: u32) -> OwnedFd {
    let mut v: Vec<Insn> = Vec::new();
    if cookie {
        v.extend([call(HELPER_GET_ATTACH_COOKIE), mov64_reg(R7, R0)]);
    } else {
        v.push(mov64_imm(R7, 1));
    }
    v.extend([st_w(R10, -4, 0), mov64_reg(R2, R10), add64_imm(R2, -4)]);
    v.extend(ld_map_fd(R1, map_fd));
    v.extend([call(HELPER_MAP_LOOKUP), jeq_imm(R0, 0, 1), atomic_add_dw(R0, R7, 0), mov64_imm(R0, 0), exit()]);
    sys::prog_load(&sys::ProgLoadAttr { prog_type: BPF_PROG_TYPE_KPROBE, name: "count_uprobe", insns: &v, license: "GPL", expected_attach_type: eat, ..Default::default() })
        .unwrap_or_else(|e| panic!("load: {e} {:?}", e.verifier_log()))
}

fn counter() -> OwnedFd {
    create_map(BPF_MAP_TYPE_ARRAY, 4, 8, 1, 0)
}

fn by_name(f: &str) -> UprobeOpts {
    opts!(UprobeOpts { func_name: Some(f.into()) })
}

#[test]
fn uprobe_pie_by_name_counts_and_detach_stops() {
    let Some((fx, _g)) = ready("uprobe_pie_by_name_counts_and_detach_stops") else { return };
    let map = counter();
    let prog = counting_prog(map.as_raw_fd(), false, 0);
    let mut link = attach::attach_uprobe(prog.as_raw_fd(), -1, &fx.pie, 0, &by_name("rbpf_test_func")).unwrap();
    assert_eq!(link.kind(), LinkKind::PerfLink);
    assert!(link.target().starts_with("uprobe '"), "{}", link.target());
    run(&fx.pie, N);
    assert_eq!(array_u64(map.as_raw_fd(), 0), N as u64);
    link.detach().unwrap();
    run(&fx.pie, N);
    assert_eq!(array_u64(map.as_raw_fd(), 0), N as u64, "no counting after detach");
}

#[test]
fn uretprobe_exec_with_cookie() {
    let Some((fx, _g)) = ready("uretprobe_exec_with_cookie") else { return };
    assert!(!ElfImage::open(&fx.exec).unwrap().is_shared(), "fixture must be ET_EXEC");
    let map = counter();
    let prog = counting_prog(map.as_raw_fd(), true, 0);
    let opts = opts!(UprobeOpts { func_name: Some("rbpf_test_func2".into()), retprobe: true, bpf_cookie: 1000 });
    let link = attach::attach_uprobe(prog.as_raw_fd(), -1, &fx.exec, 0, &opts).unwrap();
    run(&fx.exec, N);
    assert_eq!(array_u64(map.as_raw_fd(), 0), 1000 * N as u64);
    drop(link);
    run(&fx.exec, N);
    assert_eq!(array_u64(map.as_raw_fd(), 0), 1000 * N as u64);
}

#[test]
fn uprobe_by_offset_and_pid_filter() {
    let Some((fx, _g)) = ready("uprobe_by_offset_and_pid_filter") else { return };
    let off = ElfImage::open(&fx.pie).unwrap().find_func_offset("rbpf_test_func").unwrap();
    let map = counter();
    let prog = counting_prog(map.as_raw_fd(), false, 0);
    let target = Runner::spawn(&fx.pie, N);
    let other = Runner::spawn(&fx.pie, N);
    let _link = attach::attach_uprobe(prog.as_raw_fd(), target.pid(), &fx.pie, off as usize, &UprobeOpts::default()).unwrap();
    other.go();
    assert_eq!(array_u64(map.as_raw_fd(), 0), 0, "another process is filtered out");
    target.go();
    assert_eq!(array_u64(map.as_raw_fd(), 0), N as u64);
}

#[test]
fn uprobe_shared_library_by_name() {
    let Some((fx, _g)) = ready("uprobe_shared_library_by_name") else { return };
    let map = counter();
    let prog = counting_prog(map.as_raw_fd(), false, 0);
    // By library name through the process's own mappings (pid given).
    let r = Runner::spawn(&fx.pie, N);
    let link = attach::attach_uprobe(prog.as_raw_fd(), r.pid(), "librbpfprobe.so", 0, &by_name("rbpf_lib_func")).unwrap();
    assert!(link.target().contains(&fx.lib), "{}", link.target());
    r.go();
    assert_eq!(array_u64(map.as_raw_fd(), 0), N as u64);
    drop(link);
    // By path, every process: the non-PIE binary uses the same library.
    let _l = attach::attach_uprobe(prog.as_raw_fd(), -1, &fx.lib, 0, &by_name("rbpf_lib_func")).unwrap();
    run(&fx.exec, N);
    assert_eq!(array_u64(map.as_raw_fd(), 0), 2 * N as u64);
}

#[test]
fn uprobe_library_through_ld_library_path() {
    let Some((fx, _g)) = ready("uprobe_library_through_ld_library_path") else { return };
    // Only this test reads LD_LIBRARY_PATH.
    std::env::set_var("LD_LIBRARY_PATH", &fx.dir);
    assert_eq!(uprobe::resolve_path("librbpfprobe.so", -1).unwrap(), fx.lib);
    let map = counter();
    let prog = counting_prog(map.as_raw_fd(), false, 0);
    let _l = attach::attach_uprobe(prog.as_raw_fd(), -1, "librbpfprobe.so", 0, &by_name("rbpf_lib_func")).unwrap();
    run(&fx.pie, 3);
    assert_eq!(array_u64(map.as_raw_fd(), 0), 3);
}

#[test]
fn uprobe_ref_ctr_offset_sets_semaphore() {
    let Some((fx, _g)) = ready("uprobe_ref_ctr_offset_sets_semaphore") else { return };
    if !sys::probe::uprobe_has_ref_ctr() {
        skip("uprobe_ref_ctr_offset_sets_semaphore", "uprobe PMU has no ref_ctr_offset");
        return;
    }
    let img = ElfImage::open(&fx.pie).unwrap();
    let sema = img.object_vaddr("rbpftest_sema_probe_semaphore").unwrap();
    let sema_off = img.vaddr_to_offset(sema).unwrap();
    assert_eq!(run(&fx.pie, 1), 0, "semaphore is 0 without a probe");
    let map = counter();
    let prog = counting_prog(map.as_raw_fd(), false, 0);
    let opts = opts!(UprobeOpts { func_name: Some("rbpf_sema_site".into()), ref_ctr_offset: sema_off as usize });
    let link = attach::attach_uprobe(prog.as_raw_fd(), -1, &fx.pie, 0, &opts).unwrap();
    assert_eq!(run(&fx.pie, N), 1, "the kernel raised the semaphore");
    assert_eq!(array_u64(map.as_raw_fd(), 0), N as u64);
    drop(link);
    assert_eq!(run(&fx.pie, 1), 0);
}

#[test]
fn uprobe_self_pid_zero() {
    let Some((_, _g)) = ready("uprobe_self_pid_zero") else { return };
    let map = counter();
    let prog = counting_prog(map.as_raw_fd(), false, 0);
    let opts = by_name("rbpf_uprobe_self_target");
    let link = attach::attach_uprobe(prog.as_raw_fd(), 0, "/proc/self/exe", 0, &opts).unwrap();
    for i in 0..N {
        std::hint::black_box(rbpf_uprobe_self_target(i));
    }
    assert_eq!(array_u64(map.as_raw_fd(), 0), N as u64);
    drop(link);
}

#[no_mangle]
#[inline(never)]
pub extern "C" fn rbpf_uprobe_self_target(x: u32) -> u32 {
    std::hint::black_box(x.wrapping_mul(3))
}

#[test]
fn uprobe_attach_modes_perf_and_legacy() {
    let Some((fx, _g)) = ready("uprobe_attach_modes_perf_and_legacy") else { return };
    let map = counter();
    let prog = counting_prog(map.as_raw_fd(), false, 0);
    let opts = opts!(UprobeOpts { func_name: Some("rbpf_test_func".into()), attach_mode: RBPF_PROBE_ATTACH_MODE_PERF });
    let link = attach::attach_uprobe(prog.as_raw_fd(), -1, &fx.pie, 0, &opts).unwrap();
    assert_eq!(link.kind(), LinkKind::PerfIoctl);
    run(&fx.pie, 2);
    assert_eq!(array_u64(map.as_raw_fd(), 0), 2);
    drop(link);
    if !ensure_tracefs() || sys::probe::tracefs_file("uprobe_events").is_none() {
        skip("uprobe_attach_modes_perf_and_legacy (legacy part)", "no tracefs uprobe_events");
        return;
    }
    let opts = opts!(UprobeOpts { func_name: Some("rbpf_test_func".into()), attach_mode: RBPF_PROBE_ATTACH_MODE_LEGACY });
    let mut link = attach::attach_uprobe(prog.as_raw_fd(), -1, &fx.pie, 0, &opts).unwrap();
    assert_eq!(link.kind(), LinkKind::Custom);
    run(&fx.pie, 3);
    assert_eq!(array_u64(map.as_raw_fd(), 0), 5);
    link.detach().unwrap();
    let events = std::fs::read_to_string(sys::probe::tracefs_file("uprobe_events").unwrap()).unwrap();
    assert!(!events.contains(&format!("rbpf_{}_u", std::process::id())), "legacy event removed: {events}");
}

#[test]
fn uprobe_errors_are_clear() {
    let Some((fx, _g)) = ready("uprobe_errors_are_clear") else { return };
    let map = counter();
    let prog = counting_prog(map.as_raw_fd(), false, 0);
    let e = attach::attach_uprobe(prog.as_raw_fd(), -1, &fx.pie, 0, &by_name("no_such_func")).unwrap_err();
    assert_eq!(e.errno(), libc::ENOENT);
    assert!(e.message().contains("failed to find symbol 'no_such_func'"), "{e}");
    let e = attach::attach_uprobe(prog.as_raw_fd(), -1, "/nonexistent/bin", 0, &by_name("f")).unwrap_err();
    assert_eq!(e.errno(), libc::ENOENT, "{e}");
    let e = attach::attach_uprobe(prog.as_raw_fd(), -1, "librbpf-none.so", 0, &UprobeOpts::default()).unwrap_err();
    assert!(e.message().contains("failed to resolve full path for 'librbpf-none.so'"), "{e}");
}

#[test]
fn uprobe_multi_pattern_syms_cookies() {
    let Some((fx, _g)) = ready("uprobe_multi_pattern_syms_cookies") else { return };
    if !sys::features::have_uprobe_multi_link() {
        skip("uprobe_multi_pattern_syms_cookies", "no uprobe.multi links in this kernel");
        return;
    }
    let map = counter();
    let prog = counting_prog(map.as_raw_fd(), true, BPF_TRACE_UPROBE_MULTI);
    // Pattern: rbpf_test_func and rbpf_test_func2, no cookies (0 each): count via a
    // cookie-less program instead.
    let plain = counting_prog(map.as_raw_fd(), false, BPF_TRACE_UPROBE_MULTI);
    let link = attach::attach_uprobe_multi(plain.as_raw_fd(), -1, &fx.pie, Some("rbpf_test_func*"), &UprobeMultiTargets::default(), &UprobeMultiOpts::default()).unwrap();
    assert_eq!(link.info().unwrap().link_type, BPF_LINK_TYPE_UPROBE_MULTI);
    run(&fx.pie, N);
    assert_eq!(array_u64(map.as_raw_fd(), 0), 2 * N as u64);
    drop(link);
    sys::map_update_elem(map.as_raw_fd(), &0u32.to_ne_bytes(), &0u64.to_ne_bytes(), 0).unwrap();
    // Names with cookies, return probes, this pid only.
    let r = Runner::spawn(&fx.pie, N);
    let t = UprobeMultiTargets { syms: &["rbpf_test_func", "rbpf_test_func2"], cookies: &[1, 100], ..Default::default() };
    let _l = attach::attach_uprobe_multi(prog.as_raw_fd(), r.pid(), &fx.pie, None, &t, &opts!(UprobeMultiOpts { retprobe: true })).unwrap();
    run(&fx.pie, N); // another process: filtered
    assert_eq!(array_u64(map.as_raw_fd(), 0), 0);
    r.go();
    assert_eq!(array_u64(map.as_raw_fd(), 0), 101 * N as u64);
    // Mismatched arrays.
    let t = UprobeMultiTargets { offsets: &[1, 2], cookies: &[1], ..Default::default() };
    let e = attach::attach_uprobe_multi(prog.as_raw_fd(), -1, &fx.pie, None, &t, &UprobeMultiOpts::default()).unwrap_err();
    assert_eq!(e.errno(), libc::EINVAL);
}

#[test]
fn uprobe_auto_attach_from_section_names() {
    let Some((fx, _g)) = ready("uprobe_auto_attach_from_section_names") else { return };
    use rbpf_core::obj::sec_def::find_sec_def;
    let map = counter();
    let prog = counting_prog(map.as_raw_fd(), false, 0);
    let mut links = Vec::new();
    for sec in [format!("uprobe/{}:rbpf_test_func", fx.pie), format!("uretprobe/{}:rbpf_test_func2", fx.pie), format!("uprobe/{}:rbpf_lib_func+0", fx.lib)] {
        let d = find_sec_def(&sec).unwrap();
        links.push(attach::attach_by_sec(prog.as_raw_fd(), d, &sec, None).unwrap_or_else(|e| panic!("{sec}: {e}")));
    }
    run(&fx.pie, N);
    assert_eq!(array_u64(map.as_raw_fd(), 0), 3 * N as u64);
    drop(links);
    if sys::features::have_uprobe_multi_link() {
        let multi = counting_prog(map.as_raw_fd(), false, BPF_TRACE_UPROBE_MULTI);
        let sec = format!("uprobe.multi/{}:rbpf_test_func*", fx.pie);
        let _l = attach::attach_by_sec(multi.as_raw_fd(), find_sec_def(&sec).unwrap(), &sec, None).unwrap();
        run(&fx.pie, N);
        assert_eq!(array_u64(map.as_raw_fd(), 0), 5 * N as u64);
    }
    let sec = format!("uprobe/{}:no_such_fn", fx.pie);
    let e = attach::attach_by_sec(prog.as_raw_fd(), find_sec_def(&sec).unwrap(), &sec, None).unwrap_err();
    assert!(e.message().contains(&format!("section '{sec}'")) && e.message().contains("no_such_fn"), "{e}");
}

#[test]
fn sleepable_uprobe_counts() {
    let Some((fx, _g)) = ready("sleepable_uprobe_counts") else { return };
    let map = counter();
    let mut v: Vec<Insn> = vec![mov64_imm(R7, 1), st_w(R10, -4, 0), mov64_reg(R2, R10), add64_imm(R2, -4)];
    v.extend(ld_map_fd(R1, map.as_raw_fd()));
    v.extend([call(HELPER_MAP_LOOKUP), jeq_imm(R0, 0, 1), atomic_add_dw(R0, R7, 0), mov64_imm(R0, 0), exit()]);
    let prog = match sys::prog_load(&sys::ProgLoadAttr { prog_type: BPF_PROG_TYPE_KPROBE, name: "sleepy", insns: &v, license: "GPL", prog_flags: BPF_F_SLEEPABLE, ..Default::default() }) {
        Ok(p) => p,
        Err(e) => return skip("sleepable_uprobe_counts", &format!("sleepable KPROBE programs refused: {e}")),
    };
    let _l = attach::attach_uprobe(prog.as_raw_fd(), -1, &fx.pie, 0, &by_name("rbpf_test_func")).unwrap();
    run(&fx.pie, N);
    assert_eq!(array_u64(map.as_raw_fd(), 0), N as u64);
}
