//! attach/ against the real kernel: tracepoint (perf link, cookie), raw tracepoint,
//! tp_btf through attach_trace, perf_event, Link detach/pin/unpin/open_pinned. Programs
//! are hand-assembled and count only the test's own thread.

mod sysutil;

use rbpf_core::attach::{self, Link, LinkKind};
use rbpf_core::opts::{RawTracepointOpts, TraceOpts, TracepointOpts};
use rbpf_core::sys::{self, ProgLoadAttr};
use rbpf_core::uapi::*;
use std::os::fd::AsRawFd;
use sysutil::*;

fn getpid_n(n: usize) {
    for _ in 0..n {
        // std::process::id() is getpid(2) (glibc does not cache it).
        std::hint::black_box(std::process::id());
    }
}

fn ready(name: &str) -> bool {
    if !need_bpf(name) {
        return false;
    }
    if !ensure_tracefs() {
        skip(name, "tracefs is not mounted and mounting failed");
        return false;
    }
    true
}

#[test]
fn tracepoint_counts_and_detach_stops() {
    if !ready("tracepoint_counts_and_detach_stops") {
        return;
    }
    let map = create_map(BPF_MAP_TYPE_ARRAY, 4, 8, 1, 0);
    let prog = load(BPF_PROG_TYPE_TRACEPOINT, "count_getpid", &counter_prog(map.as_raw_fd(), gettid(), 1)).unwrap();
    let mut link = attach::attach_tracepoint(prog.as_raw_fd(), "syscalls", "sys_enter_getpid", &TracepointOpts::default()).unwrap();
    assert_eq!(link.kind(), LinkKind::PerfLink);
    assert!(link.fd() >= 3 && link.perf_event_fd() >= 3);
    assert_eq!(link.target(), "tracepoint 'syscalls/sys_enter_getpid'");
    assert_eq!(link.info().unwrap().link_type, BPF_LINK_TYPE_PERF_EVENT);

    getpid_n(10);
    assert_eq!(array_u64(map.as_raw_fd(), 0), 10);

    // Perf links do not support program replacement (the kernel says EINVAL).
    let e = link.update_program(prog.as_raw_fd()).unwrap_err();
    assert_eq!(e.errno(), libc::EINVAL, "{e}");
    assert_eq!(e.message(), "link tracepoint 'syscalls/sys_enter_getpid': link update: EINVAL");

    link.detach().unwrap();
    assert!(link.is_detached());
    assert_eq!(link.fd(), -1);
    link.detach().unwrap(); // idempotent
    getpid_n(10);
    assert_eq!(array_u64(map.as_raw_fd(), 0), 10, "no counting after detach");

    // Drop detaches too.
    {
        let _l = attach::attach_tracepoint(prog.as_raw_fd(), "syscalls", "sys_enter_getpid", &TracepointOpts::default()).unwrap();
        getpid_n(5);
    }
    getpid_n(5);
    assert_eq!(array_u64(map.as_raw_fd(), 0), 15);
}

#[test]
fn tracepoint_cookie() {
    if !ready("tracepoint_cookie") {
        return;
    }
    if !sys::features::have_bpf_cookie() {
        skip("tracepoint_cookie", "kernel lacks bpf_get_attach_cookie (5.15+)");
        return;
    }
    let map = create_map(BPF_MAP_TYPE_ARRAY, 4, 8, 1, 0);
    // r6 = ctx; filter tid; r7 = bpf_get_attach_cookie(ctx); map[0] = r7.
    let mut insns = vec![mov64_reg(R6, R1)];
    let mut body = vec![mov64_reg(R1, R6), call(HELPER_GET_ATTACH_COOKIE), mov64_reg(R7, R0), st_w(R10, -4, 0), mov64_reg(R2, R10), add64_imm(R2, -4)];
    body.extend(ld_map_fd(R1, map.as_raw_fd()));
    body.extend([call(HELPER_MAP_LOOKUP), jeq_imm(R0, 0, 1), stx_dw(R0, R7, 0)]);
    insns.extend(filter_tid(gettid(), body.len() as i16));
    insns.extend(body);
    insns.extend([mov64_imm(R0, 0), exit()]);
    let prog = load(BPF_PROG_TYPE_TRACEPOINT, "cookie", &insns).unwrap();
    let mut opts = TracepointOpts::default();
    opts.bpf_cookie = 0xdead_beef_1234;
    let link = attach::attach_tracepoint(prog.as_raw_fd(), "syscalls", "sys_enter_getpid", &opts).unwrap();
    getpid_n(1);
    assert_eq!(array_u64(map.as_raw_fd(), 0), 0xdead_beef_1234);
    drop(link);
}

#[test]
fn tracepoint_errors_name_the_tracepoint() {
    if !ready("tracepoint_errors_name_the_tracepoint") {
        return;
    }
    let prog = load(BPF_PROG_TYPE_TRACEPOINT, "noop", &[mov64_imm(R0, 0), exit()]).unwrap();
    let e = attach::attach_tracepoint(prog.as_raw_fd(), "syscalls", "sys_enter_nope", &TracepointOpts::default()).unwrap_err();
    assert_eq!(e.errno(), libc::ENOENT);
    assert_eq!(e.message(), "failed to attach to tracepoint 'syscalls/sys_enter_nope': ENOENT");
    let e = attach::attach_tracepoint(prog.as_raw_fd(), "../x", "y", &TracepointOpts::default()).unwrap_err();
    assert_eq!(e.errno(), libc::EINVAL);
    // A program of the wrong type is refused by the kernel at link creation.
    let sf = load(BPF_PROG_TYPE_SOCKET_FILTER, "sf", &[mov64_imm(R0, 0), exit()]).unwrap();
    let e = attach::attach_tracepoint(sf.as_raw_fd(), "syscalls", "sys_enter_getpid", &TracepointOpts::default()).unwrap_err();
    assert_eq!(e.errno(), libc::EINVAL, "{e}");
    assert!(e.message().starts_with("failed to attach to tracepoint 'syscalls/sys_enter_getpid': "), "{e}");
    assert_eq!(attach::tracepoint_id("syscalls", "sys_enter_getpid").unwrap(), attach::tracepoint_id("syscalls", "sys_enter_getpid").unwrap());
}

#[test]
fn raw_tracepoint_counts_and_detach_stops() {
    if !ready("raw_tracepoint_counts_and_detach_stops") {
        return;
    }
    let map = create_map(BPF_MAP_TYPE_ARRAY, 4, 8, 1, 0);
    let prog = load(BPF_PROG_TYPE_RAW_TRACEPOINT, "raw_count", &counter_prog(map.as_raw_fd(), gettid(), 1)).unwrap();
    let mut link = attach::attach_raw_tracepoint(prog.as_raw_fd(), "sys_enter", &RawTracepointOpts::default()).unwrap();
    assert_eq!(link.kind(), LinkKind::Fd);
    assert_eq!(link.info().unwrap().link_type, BPF_LINK_TYPE_RAW_TRACEPOINT);
    let before = array_u64(map.as_raw_fd(), 0);
    getpid_n(20);
    let after = array_u64(map.as_raw_fd(), 0);
    assert!(after >= before + 20, "sys_enter fired for each getpid: {before} -> {after}");
    link.detach().unwrap();
    let stopped = array_u64(map.as_raw_fd(), 0);
    getpid_n(20);
    assert_eq!(array_u64(map.as_raw_fd(), 0), stopped);

    let e = attach::attach_raw_tracepoint(prog.as_raw_fd(), "no_such_raw_tp", &RawTracepointOpts::default()).unwrap_err();
    assert_eq!(e.errno(), libc::ENOENT);
    assert_eq!(e.message(), "failed to attach to raw tracepoint 'no_such_raw_tp': ENOENT");
}

#[test]
fn raw_tracepoint_cookie() {
    if !ready("raw_tracepoint_cookie") {
        return;
    }
    if !sys::features::have_raw_tp_cookie() {
        skip("raw_tracepoint_cookie", "kernel lacks raw tracepoint cookies (6.10+)");
        return;
    }
    let map = create_map(BPF_MAP_TYPE_ARRAY, 4, 8, 1, 0);
    let mut insns = vec![mov64_reg(R6, R1)];
    let mut body = vec![mov64_reg(R1, R6), call(HELPER_GET_ATTACH_COOKIE), mov64_reg(R7, R0), st_w(R10, -4, 0), mov64_reg(R2, R10), add64_imm(R2, -4)];
    body.extend(ld_map_fd(R1, map.as_raw_fd()));
    body.extend([call(HELPER_MAP_LOOKUP), jeq_imm(R0, 0, 1), stx_dw(R0, R7, 0)]);
    insns.extend(filter_tid(gettid(), body.len() as i16));
    insns.extend(body);
    insns.extend([mov64_imm(R0, 0), exit()]);
    let prog = load(BPF_PROG_TYPE_RAW_TRACEPOINT, "raw_cookie", &insns).unwrap();
    let mut opts = RawTracepointOpts::default();
    opts.cookie = 4242;
    let link = attach::attach_raw_tracepoint(prog.as_raw_fd(), "sys_enter", &opts).unwrap();
    getpid_n(1);
    assert_eq!(array_u64(map.as_raw_fd(), 0), 4242);
    drop(link);
}

#[test]
fn tp_btf_through_attach_trace() {
    if !ready("tp_btf_through_attach_trace") {
        return;
    }
    let Some(btf_id) = vmlinux_type_id(8 /* TYPEDEF */, "btf_trace_sys_enter") else {
        skip("tp_btf_through_attach_trace", "no btf_trace_sys_enter in /sys/kernel/btf/vmlinux");
        return;
    };
    let map = create_map(BPF_MAP_TYPE_ARRAY, 4, 8, 1, 0);
    let insns = counter_prog(map.as_raw_fd(), gettid(), 1);
    let prog = sys::prog_load(&ProgLoadAttr {
        prog_type: BPF_PROG_TYPE_TRACING,
        name: "tp_btf_count",
        insns: &insns,
        license: "GPL",
        expected_attach_type: BPF_TRACE_RAW_TP,
        attach_btf_id: btf_id,
        ..Default::default()
    })
    .unwrap();
    let mut link = attach::attach_trace(prog.as_raw_fd(), BPF_TRACE_RAW_TP, &TraceOpts::default()).unwrap();
    getpid_n(10);
    let n = array_u64(map.as_raw_fd(), 0);
    assert!(n >= 10, "tp_btf sys_enter counted {n}");
    link.detach().unwrap();
    let stopped = array_u64(map.as_raw_fd(), 0);
    getpid_n(10);
    assert_eq!(array_u64(map.as_raw_fd(), 0), stopped);

    // fentry is refused on this kernel (lockdown) at load; attach_trace on a program of
    // the wrong kind is an error naming the attach type.
    let sf = load(BPF_PROG_TYPE_SOCKET_FILTER, "sf", &[mov64_imm(R0, 0), exit()]).unwrap();
    let e = attach::attach_trace(sf.as_raw_fd(), BPF_TRACE_FENTRY, &TraceOpts::default()).unwrap_err();
    assert!(e.message().starts_with("failed to attach fentry program: "), "{e}");
}

#[test]
fn perf_event_link_on_user_perf_fd() {
    if !ready("perf_event_link_on_user_perf_fd") {
        return;
    }
    let map = create_map(BPF_MAP_TYPE_ARRAY, 4, 8, 1, 0);
    let prog = load(BPF_PROG_TYPE_TRACEPOINT, "perf_count", &counter_prog(map.as_raw_fd(), gettid(), 1)).unwrap();
    let id = attach::tracepoint_id("syscalls", "sys_enter_getpid").unwrap();
    let pfd = sys::perf_event_open_tracepoint(id).unwrap();
    let link = attach::attach_perf_event(prog.as_raw_fd(), pfd, 0).unwrap();
    getpid_n(3);
    assert_eq!(array_u64(map.as_raw_fd(), 0), 3);
    drop(link);
    getpid_n(3);
    assert_eq!(array_u64(map.as_raw_fd(), 0), 3);
}

#[test]
fn perf_event_legacy_ioctl_attach() {
    if !ready("perf_event_legacy_ioctl_attach") {
        return;
    }
    let map = create_map(BPF_MAP_TYPE_ARRAY, 4, 8, 1, 0);
    let prog = load(BPF_PROG_TYPE_TRACEPOINT, "perf_ioctl", &counter_prog(map.as_raw_fd(), gettid(), 1)).unwrap();
    let id = attach::tracepoint_id("syscalls", "sys_enter_getpid").unwrap();
    let pfd = sys::perf_event_open_tracepoint(id).unwrap();
    let mut link = attach::attach_perf_event_legacy(prog.as_raw_fd(), pfd).unwrap();
    assert_eq!(link.kind(), LinkKind::PerfIoctl);
    assert_eq!(link.fd(), link.perf_event_fd());
    getpid_n(4);
    assert_eq!(array_u64(map.as_raw_fd(), 0), 4);
    // Not a BPF link: no pinning, no program update.
    assert_eq!(link.pin("/sys/fs/bpf/never_created").unwrap_err().errno(), libc::EOPNOTSUPP);
    assert_eq!(link.update_program(prog.as_raw_fd()).unwrap_err().errno(), libc::EOPNOTSUPP);
    link.detach().unwrap();
    link.detach().unwrap();
    getpid_n(4);
    assert_eq!(array_u64(map.as_raw_fd(), 0), 4);
}

#[test]
fn link_pin_open_pinned_unpin() {
    if !ready("link_pin_open_pinned_unpin") {
        return;
    }
    if !ensure_bpffs() {
        skip("link_pin_open_pinned_unpin", "bpffs is not mounted at /sys/fs/bpf and mounting failed");
        return;
    }
    let map = create_map(BPF_MAP_TYPE_ARRAY, 4, 8, 1, 0);
    let prog = load(BPF_PROG_TYPE_RAW_TRACEPOINT, "pinned", &counter_prog(map.as_raw_fd(), gettid(), 1)).unwrap();
    let path = format!("/sys/fs/bpf/{}", unique("link"));
    let mut link = attach::attach_raw_tracepoint(prog.as_raw_fd(), "sys_enter", &RawTracepointOpts::default()).unwrap();
    link.pin(&path).unwrap();
    assert_eq!(link.pin_path().unwrap().to_str(), Some(path.as_str()));
    assert_eq!(link.pin(&path).unwrap_err().errno(), libc::EBUSY);
    // Closing our handle leaves the pinned link attached.
    link.detach().unwrap();
    let before = array_u64(map.as_raw_fd(), 0);
    getpid_n(5);
    assert!(array_u64(map.as_raw_fd(), 0) >= before + 5, "pinned link still attached");

    let mut again = Link::open_pinned(&path).unwrap();
    assert_eq!(again.info().unwrap().link_type, BPF_LINK_TYPE_RAW_TRACEPOINT);
    again.unpin().unwrap();
    assert!(!std::path::Path::new(&path).exists());
    assert_eq!(again.unpin().unwrap_err().errno(), libc::EINVAL);
    drop(again);
    let stopped = array_u64(map.as_raw_fd(), 0);
    getpid_n(5);
    assert_eq!(array_u64(map.as_raw_fd(), 0), stopped, "unpinned and closed: detached");
    assert_eq!(Link::open_pinned(&path).unwrap_err().errno(), libc::ENOENT);
}
