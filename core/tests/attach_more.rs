//! cgroup, iterator, socket filter, sockmap, perf_event sampler, writable raw
//! tracepoint, and the kinds this kernel refuses (kprobe, ksyscall, kprobe.multi,
//! fentry), against the real kernel.

mod attachutil;
mod sysutil;

use attachutil::*;
use rbpf_core::attach::{self, LinkKind};
use rbpf_core::obj::Insn;
use rbpf_core::opts::{CgroupOpts, IterAttachOpts, KprobeMultiOpts, KprobeOpts, KsyscallOpts, PerfEventOpts, RawTracepointOpts, TraceOpts};
use rbpf_core::sys;
use rbpf_core::uapi::*;
use std::os::fd::{AsRawFd, OwnedFd};
use sysutil::*;

fn load_eat(prog_type: u32, eat: u32, insns: &[Insn]) -> rbpf_core::Result<OwnedFd> {
    sys::prog_load(&sys::ProgLoadAttr { prog_type, name: "t", insns, license: "GPL", expected_attach_type: eat, ..Default::default() })
}

/// map[0] += 1; return `ret`.
fn count_prog(map_fd: i32, ret: i32) -> Vec<Insn> {
    let mut v = add_to_slot0(map_fd, 1);
    v.extend([mov64_imm(R0, ret), exit()]);
    v
}

fn slot0(map: &OwnedFd) -> u64 {
    array_u64(map.as_raw_fd(), 0)
}

struct Cgroup(std::path::PathBuf);
impl Drop for Cgroup {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir(&self.0);
    }
}

fn run_in_cgroup(cg: &Cgroup, bin: &str, n: u32) {
    let procs = cg.0.join("cgroup.procs");
    let st = std::process::Command::new("sh").arg("-c").arg(format!("echo $$ > {} && exec {bin} {n}", procs.display())).status().unwrap();
    assert!(st.success());
}

#[test]
fn cgroup_link_and_prog_attach_count_socket_creation() {
    let name = "cgroup_link_and_prog_attach_count_socket_creation";
    if !need_bpf(name) {
        return;
    }
    let root = std::path::Path::new("/sys/fs/cgroup/unified");
    if !root.join("cgroup.procs").exists() {
        skip(name, "no cgroup v2 mount at /sys/fs/cgroup/unified");
        return;
    }
    let fx = match fixture() {
        Ok(f) => f,
        Err(e) => return skip(name, &e),
    };
    let cg = Cgroup(root.join(unique("cg")));
    std::fs::create_dir(&cg.0).unwrap();
    let cgfd = OwnedFd::from(std::fs::File::open(&cg.0).unwrap());
    let map = create_map(BPF_MAP_TYPE_ARRAY, 4, 8, 1, 0);
    let prog = load_eat(BPF_PROG_TYPE_CGROUP_SOCK, BPF_CGROUP_INET_SOCK_CREATE, &count_prog(map.as_raw_fd(), 1)).unwrap();

    let mut link = attach::attach_cgroup(prog.as_raw_fd(), cgfd.as_raw_fd(), BPF_CGROUP_INET_SOCK_CREATE, &CgroupOpts::default()).unwrap();
    assert_eq!(link.kind(), LinkKind::Fd);
    assert_eq!(link.info().unwrap().link_type, BPF_LINK_TYPE_CGROUP);
    run_in_cgroup(&cg, &fx.sockmaker, 4);
    assert_eq!(slot0(&map), 4);
    link.detach().unwrap();
    settle();
    run_in_cgroup(&cg, &fx.sockmaker, 2);
    assert_eq!(slot0(&map), 4);

    // The BPF_PROG_ATTACH path (what older kernels get), detached by BPF_PROG_DETACH.
    let mut l2 = attach::cgroup_prog_attach(prog.as_raw_fd(), cgfd.as_raw_fd(), BPF_CGROUP_INET_SOCK_CREATE, BPF_F_ALLOW_MULTI).unwrap();
    assert_eq!(l2.kind(), LinkKind::Custom);
    run_in_cgroup(&cg, &fx.sockmaker, 3);
    assert_eq!(slot0(&map), 7);
    assert_eq!(l2.pin("/sys/fs/bpf/x").unwrap_err().errno(), libc::EOPNOTSUPP);
    l2.detach().unwrap();
    run_in_cgroup(&cg, &fx.sockmaker, 3);
    assert_eq!(slot0(&map), 7);

    // Wrong attach type for the program: a clear error naming the cgroup.
    let e = attach::attach_cgroup(prog.as_raw_fd(), cgfd.as_raw_fd(), BPF_CGROUP_INET_EGRESS, &CgroupOpts::default()).unwrap_err();
    assert!(e.message().starts_with("failed to attach to cgroup fd"), "{e}");
}

#[test]
fn iter_task_output_is_read() {
    let name = "iter_task_output_is_read";
    if !need_bpf(name) {
        return;
    }
    let Some(btf_id) = vmlinux_type_id(12, "bpf_iter_task") else {
        return skip(name, "no bpf_iter_task in vmlinux BTF");
    };
    // r6 = ctx->meta; r7 = ctx->task; if !task goto out; *(u8*)(fp-1) = 't';
    // bpf_seq_write(meta->seq, fp-1, 1); out: return 0
    let insns = vec![
        ins(BPF_LDX | BPF_MEM | BPF_DW, R6, R1, 0, 0),
        ins(BPF_LDX | BPF_MEM | BPF_DW, R7, R1, 8, 0),
        jeq_imm(R7, 0, 6),
        ins(BPF_ST | BPF_MEM | BPF_B, R10, 0, -1, b't' as i32),
        ins(BPF_LDX | BPF_MEM | BPF_DW, R1, R6, 0, 0),
        mov64_reg(R2, R10),
        add64_imm(R2, -1),
        mov64_imm(R3, 1),
        call(127),
        mov64_imm(R0, 0),
        exit(),
    ];
    let prog = match sys::prog_load(&sys::ProgLoadAttr {
        prog_type: BPF_PROG_TYPE_TRACING,
        name: "it",
        insns: &insns,
        license: "GPL",
        expected_attach_type: BPF_TRACE_ITER,
        attach_btf_id: btf_id,
        ..Default::default()
    }) {
        Ok(p) => p,
        Err(e) if e.errno() == libc::EPERM => return skip(name, &format!("iterator programs are refused here: {e}")),
        Err(e) => panic!("{e}\n{}", e.verifier_log().unwrap_or("")),
    };
    let mut link = attach::attach_iter(prog.as_raw_fd(), &IterAttachOpts::default()).unwrap();
    assert_eq!(link.info().unwrap().link_type, BPF_LINK_TYPE_ITER);
    let out = attach::iter_read_all(&link).unwrap();
    assert!(out.len() > 1 && out.iter().all(|&c| c == b't'), "one 't' per task: {} bytes", out.len());
    // This process's own task only.
    let mut o = IterAttachOpts::default();
    o.tid = gettid();
    let l2 = attach::attach_iter(prog.as_raw_fd(), &o).unwrap();
    assert_eq!(attach::iter_read_all(&l2).unwrap(), b"t");
    let mut bad = IterAttachOpts::default();
    bad.tid = 1;
    bad.map_fd = 3;
    assert_eq!(attach::attach_iter(prog.as_raw_fd(), &bad).unwrap_err().errno(), libc::EINVAL);
    link.detach().unwrap();
    assert_eq!(attach::iter_create(&link).unwrap_err().errno(), libc::EINVAL);
}

#[test]
fn socket_filter_on_a_socketpair() {
    let name = "socket_filter_on_a_socketpair";
    if !need_bpf(name) {
        return;
    }
    let map = create_map(BPF_MAP_TYPE_ARRAY, 4, 8, 1, 0);
    // Count and keep the whole packet.
    let prog = load_eat(BPF_PROG_TYPE_SOCKET_FILTER, 0, &count_prog(map.as_raw_fd(), -1)).unwrap();
    let (a, b) = std::os::unix::net::UnixDatagram::pair().unwrap();
    let mut link = attach::attach_socket_filter(prog.as_raw_fd(), b.as_raw_fd()).unwrap();
    assert_eq!(link.kind(), LinkKind::Custom);
    let mut buf = [0u8; 16];
    for _ in 0..3 {
        a.send(b"hello").unwrap();
        assert_eq!(b.recv(&mut buf).unwrap(), 5);
    }
    assert_eq!(slot0(&map), 3);
    link.detach().unwrap();
    settle();
    a.send(b"hello").unwrap();
    b.recv(&mut buf).unwrap();
    assert_eq!(slot0(&map), 3, "no counting after detach");
    // A filter that drops everything.
    let drop_all = load_eat(BPF_PROG_TYPE_SOCKET_FILTER, 0, &count_prog(map.as_raw_fd(), 0)).unwrap();
    let _l = attach::attach_socket_filter(drop_all.as_raw_fd(), b.as_raw_fd()).unwrap();
    a.send(b"x").unwrap();
    b.set_nonblocking(true).unwrap();
    assert!(b.recv(&mut buf).is_err(), "dropped by the filter");
    assert_eq!(attach::attach_socket_filter(prog.as_raw_fd(), -1).unwrap_err().errno(), libc::EBADF);
}

#[test]
fn sk_msg_on_a_sockmap_counts_sends() {
    let name = "sk_msg_on_a_sockmap_counts_sends";
    if !need_bpf(name) {
        return;
    }
    if !have_netns() {
        return skip(name, "`ip netns` is not available");
    }
    let net = match VethPair::new("skmsg") {
        Ok(n) => n,
        Err(e) => return skip(name, &e),
    };
    let map = create_map(BPF_MAP_TYPE_ARRAY, 4, 8, 1, 0);
    let sockmap = create_map(BPF_MAP_TYPE_SOCKMAP, 4, 4, 2, 0);
    let prog = load_eat(BPF_PROG_TYPE_SK_MSG, BPF_SK_MSG_VERDICT, &count_prog(map.as_raw_fd(), 1)).unwrap(); // SK_PASS
    let mut link = attach::attach_sockmap(prog.as_raw_fd(), sockmap.as_raw_fd(), BPF_SK_MSG_VERDICT).unwrap();
    // TCP over the namespace's own loopback.
    let smfd = sockmap.as_raw_fd();
    let got = VethPair::in_ns(&net.ns_a, move || {
        use std::io::{Read, Write};
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let mut c = std::net::TcpStream::connect(l.local_addr().unwrap()).unwrap();
        let (mut s, _) = l.accept().unwrap();
        sys::map_update_elem(smfd, &0u32.to_ne_bytes(), &(c.as_raw_fd() as u32).to_ne_bytes(), 0).unwrap();
        for _ in 0..4 {
            c.write_all(b"ping").unwrap();
        }
        let mut buf = [0u8; 16];
        let mut got = 0;
        while got < 16 {
            got += s.read(&mut buf).unwrap();
        }
        got
    });
    assert_eq!(got, 16);
    assert_eq!(slot0(&map), 4);
    link.detach().unwrap();
    // sk_skb verdict on the same map.
    let skb = load_eat(BPF_PROG_TYPE_SK_SKB, BPF_SK_SKB_STREAM_VERDICT, &count_prog(map.as_raw_fd(), 1)).unwrap();
    let l2 = attach::attach_sockmap(skb.as_raw_fd(), sockmap.as_raw_fd(), BPF_SK_SKB_STREAM_VERDICT).unwrap();
    assert!(!l2.is_detached());
}

#[test]
fn perf_event_cpu_clock_sampler() {
    let name = "perf_event_cpu_clock_sampler";
    if !need_bpf(name) {
        return;
    }
    let map = create_map(BPF_MAP_TYPE_ARRAY, 4, 8, 1, 0);
    let prog = load_eat(BPF_PROG_TYPE_PERF_EVENT, 0, &count_prog(map.as_raw_fd(), 0)).unwrap();
    // This thread, every 100 µs of CPU time.
    let pfd = attach::open_cpu_clock_sampler(0, -1, 100_000, false).unwrap();
    let mut link = attach::attach_perf_event_opts(prog.as_raw_fd(), pfd, &PerfEventOpts::default()).unwrap();
    let burn = |ms| {
        let t = std::time::Instant::now();
        let mut x = 0u64;
        while t.elapsed() < std::time::Duration::from_millis(ms) {
            x = std::hint::black_box(x.wrapping_mul(31).wrapping_add(7));
        }
    };
    burn(50);
    let n = slot0(&map);
    assert!(n > 10, "samples counted: {n}");
    link.detach().unwrap();
    settle();
    let n = slot0(&map);
    burn(20);
    assert_eq!(slot0(&map), n);
    // The ioctl path.
    let pfd = attach::open_cpu_clock_sampler(0, -1, 1000, true).unwrap();
    let mut o = PerfEventOpts::default();
    o.force_ioctl_attach = true;
    let l = attach::attach_perf_event_opts(prog.as_raw_fd(), pfd, &o).unwrap();
    assert_eq!(l.kind(), LinkKind::PerfIoctl);
    assert_eq!(attach::open_cpu_clock_sampler(0, -1, 0, false).unwrap_err().errno(), libc::EINVAL);
}

#[test]
fn raw_tp_writable_runs_on_bpf_test_finish() {
    let name = "raw_tp_writable_runs_on_bpf_test_finish";
    if !need_bpf(name) {
        return;
    }
    let map = create_map(BPF_MAP_TYPE_ARRAY, 4, 8, 1, 0);
    let prog = load_eat(BPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE, 0, &count_prog(map.as_raw_fd(), 0)).unwrap();
    let link = match attach::attach_raw_tracepoint(prog.as_raw_fd(), "bpf_test_finish", &RawTracepointOpts::default()) {
        Ok(l) => l,
        Err(e) if e.errno() == libc::ENOENT => return skip(name, &format!("no writable tracepoint bpf_test_finish: {e}")),
        Err(e) => panic!("{e}"),
    };
    // BPF_PROG_TEST_RUN of any skb program fires trace_bpf_test_finish().
    let cls = load_eat(BPF_PROG_TYPE_SCHED_CLS, 0, &[mov64_imm(R0, 0), exit()]).unwrap();
    let data = [0u8; 64];
    for _ in 0..3 {
        let mut o = sys::TestRunOpts { data_in: &data, ..Default::default() };
        sys::prog_test_run(cls.as_raw_fd(), &mut o).unwrap();
    }
    assert_eq!(slot0(&map), 3);
    drop(link);
    let e = attach::attach_raw_tracepoint(prog.as_raw_fd(), "rbpf_no_such_tp", &RawTracepointOpts::default()).unwrap_err();
    assert!(e.message().contains("rbpf_no_such_tp"), "{e}");
}

#[test]
fn kprobe_kinds_fail_clearly_without_kprobes() {
    let name = "kprobe_kinds_fail_clearly_without_kprobes";
    if !need_bpf(name) {
        return;
    }
    ensure_tracefs();
    let have_pmu = sys::probe::probe_pmu_type(sys::probe::ProbeKind::Kprobe).is_ok();
    let have_events = sys::probe::tracefs_file("kprobe_events").is_some();
    let prog = load_eat(BPF_PROG_TYPE_KPROBE, 0, &[mov64_imm(R0, 0), exit()]).unwrap();
    if have_pmu || have_events {
        // A kernel with kprobes: the attach works.
        let l = attach::attach_kprobe(prog.as_raw_fd(), Some("do_sys_openat2"), &KprobeOpts::default());
        assert!(l.is_ok(), "{:?}", l.err());
        return skip(name, "this kernel has kprobes (attach tested instead of the error)");
    }
    let e = attach::attach_kprobe(prog.as_raw_fd(), Some("do_sys_openat2"), &KprobeOpts::default()).unwrap_err();
    assert_eq!(e.errno(), libc::EOPNOTSUPP);
    assert!(e.message().contains("kprobes are not supported by this kernel (no kprobe PMU and no kprobe_events)"), "{e}");
    assert!(e.message().contains("failed to attach kprobe 'do_sys_openat2'"), "{e}");
    let mut o = KprobeOpts::default();
    o.retprobe = true;
    let e = attach::attach_kprobe(prog.as_raw_fd(), Some("do_sys_openat2"), &o).unwrap_err();
    assert!(e.message().contains("failed to attach kretprobe") && e.message().contains("not supported"), "{e}");
    let e = attach::attach_ksyscall(prog.as_raw_fd(), "openat", &KsyscallOpts::default()).unwrap_err();
    assert_eq!(e.errno(), libc::EOPNOTSUPP);
    assert!(e.message().contains("ksyscall 'openat'") && e.message().contains("__x64_sys_openat"), "{e}");
    // kprobe.multi: the kernel itself refuses the link type.
    let multi = load_eat(BPF_PROG_TYPE_KPROBE, BPF_TRACE_KPROBE_MULTI, &[mov64_imm(R0, 0), exit()]).unwrap();
    let t = attach::KprobeMultiTargets { syms: &["do_sys_openat2"], ..Default::default() };
    match attach::attach_kprobe_multi(multi.as_raw_fd(), None, &t, &KprobeMultiOpts::default()) {
        Ok(_) => skip(name, "kprobe.multi works on this kernel (fprobe without kprobes)"),
        Err(e) => {
            assert_eq!(e.errno(), libc::EOPNOTSUPP, "{e}");
            assert!(e.message().contains("kprobe.multi links are not supported by this kernel"), "{e}");
        }
    }
}

#[test]
fn fentry_is_refused_with_a_clear_error() {
    let name = "fentry_is_refused_with_a_clear_error";
    if !need_bpf(name) {
        return;
    }
    let Some(btf_id) = vmlinux_type_id(12, "do_sys_openat2") else {
        return skip(name, "no do_sys_openat2 in vmlinux BTF");
    };
    let r = sys::prog_load(&sys::ProgLoadAttr {
        prog_type: BPF_PROG_TYPE_TRACING,
        name: "fe",
        insns: &[mov64_imm(R0, 0), exit()],
        license: "GPL",
        expected_attach_type: BPF_TRACE_FENTRY,
        attach_btf_id: btf_id,
        ..Default::default()
    });
    match r {
        Err(e) => {
            assert_eq!(e.errno(), libc::EPERM, "lockdown refuses fentry: {e}");
            skip(name, "fentry load is refused here (EPERM, lockdown); attach not reachable");
        }
        Ok(p) => {
            // Attach must either work or fail naming the kind.
            match attach::attach_trace(p.as_raw_fd(), BPF_TRACE_FENTRY, &TraceOpts::default()) {
                Ok(_) => {}
                Err(e) => assert!(e.message().contains("failed to attach fentry program"), "{e}"),
            }
        }
    }
    // attach_trace on a program that is not a tracing program: clear message.
    let kp = load_eat(BPF_PROG_TYPE_KPROBE, 0, &[mov64_imm(R0, 0), exit()]).unwrap();
    let e = attach::attach_trace(kp.as_raw_fd(), BPF_TRACE_FENTRY, &TraceOpts::default()).unwrap_err();
    assert!(e.message().contains("failed to attach fentry program"), "{e}");
}
