//! The Program-level attach API (`Program::attach_*`, `Program::attach()`,
//! `Object::attach_all()`) on the repo's BPF objects (bpf/attach_probes.bpf.c,
//! bpf/attach_net.bpf.c, bpf/attach_kprobe.bpf.c), against the real kernel: the C fixture
//! program / library of attachutil, veth pairs in namespaces the tests create, a cgroup
//! the test creates.

mod attachutil;
mod sysutil;

use attachutil::*;
use rbpf_core::attach::tc::{self, RBPF_TC_INGRESS};
use rbpf_core::attach::{self, LinkKind, UprobeMultiTargets};
use rbpf_core::opts::*;
use rbpf_core::uapi::*;
use rbpf_core::{Link, Object, ObjectOpenOpts, Program};
use std::os::fd::{AsRawFd, OwnedFd};
use sysutil::*;

const N: u32 = 7;

fn open(name: &str) -> Object {
    Object::open_mem(&rbpf_testprogs::object_bytes(name), &ObjectOpenOpts::default()).unwrap_or_else(|e| panic!("open {name}: {e}"))
}

fn load(mut obj: Object) -> Object {
    if let Err(e) = obj.load() {
        panic!("load {}: {e}\n{}", obj.name(), e.verifier_log().unwrap_or(""));
    }
    obj
}

fn set_u32(obj: &Object, var: &str, v: u32) {
    let g = obj.global(var).unwrap_or_else(|| panic!("no global {var}"));
    obj.maps()[g.map_index].write_data(g.offset, &v.to_ne_bytes()).unwrap();
}

fn get_u64(obj: &Object, var: &str) -> u64 {
    let g = obj.global(var).unwrap_or_else(|| panic!("no global {var}"));
    let b = obj.maps()[g.map_index].read_data(g.offset, 8).unwrap();
    u64::from_ne_bytes(b.try_into().unwrap())
}

fn get_i64(obj: &Object, var: &str) -> i64 {
    get_u64(obj, var) as i64
}

fn get_i64_at(obj: &Object, var: &str, idx: usize) -> i64 {
    let g = obj.global(var).unwrap_or_else(|| panic!("no global {var}"));
    let b = obj.maps()[g.map_index].read_data(g.offset + idx * 8, 8).unwrap();
    i64::from_ne_bytes(b.try_into().unwrap())
}

fn prog<'a>(obj: &'a Object, name: &str) -> &'a Program {
    obj.program(name).unwrap_or_else(|| panic!("no program {name}"))
}

/// Probe tests: bpf works, uprobes exist, the fixture builds. Holds the fixture lock.
fn probe_ready(name: &str) -> Option<(&'static Fixture, std::sync::MutexGuard<'static, ()>)> {
    if !need_bpf(name) {
        return None;
    }
    if rbpf_core::sys::probe::probe_pmu_type(rbpf_core::sys::probe::ProbeKind::Uprobe).is_err() {
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

#[test]
fn uprobe_and_uretprobe_by_name_with_cookie_then_detach() {
    let Some((fx, _g)) = probe_ready("uprobe_and_uretprobe_by_name_with_cookie_then_detach") else { return };
    let obj = load(open("attach_probes"));
    let mut o = UprobeOpts::default();
    o.func_name = Some("rbpf_test_func".into());
    o.bpf_cookie = 0xC0FFEE;
    let mut entry = prog(&obj, "count_uprobe").attach_uprobe(-1, &fx.pie, 0, &o).unwrap();
    let mut r = UprobeOpts::default();
    r.func_name = Some("rbpf_test_func".into());
    r.retprobe = true;
    let ret = prog(&obj, "count_uretprobe").attach_uprobe(-1, &fx.pie, 0, &r).unwrap();
    run(&fx.pie, N);
    assert_eq!(get_u64(&obj, "uprobe_cnt"), N as u64);
    assert_eq!(get_i64(&obj, "uprobe_arg"), (N - 1) as i64, "last argument");
    assert_eq!(get_u64(&obj, "uprobe_cookie"), 0xC0FFEE);
    assert_eq!(get_u64(&obj, "uretprobe_cnt"), N as u64);
    assert_eq!(get_i64(&obj, "uretprobe_ret"), 2 * (N - 1) as i64, "rbpf_test_func returns x * 2");
    entry.detach().unwrap();
    drop(ret);
    settle();
    run(&fx.pie, 2);
    assert_eq!(get_u64(&obj, "uprobe_cnt"), N as u64, "detached");
    assert_eq!(get_u64(&obj, "uretprobe_cnt"), N as u64, "dropped");
    // Errors name the program and the target.
    let mut bad = UprobeOpts::default();
    bad.func_name = Some("no_such_function".into());
    let e = prog(&obj, "count_uprobe").attach_uprobe(-1, &fx.pie, 0, &bad).unwrap_err();
    assert!(e.message().starts_with("prog 'count_uprobe': ") && e.message().contains("no_such_function"), "{e}");
}

#[test]
fn uprobe_multi_by_pattern_and_by_names() {
    let Some((fx, _g)) = probe_ready("uprobe_multi_by_pattern_and_by_names") else { return };
    if !rbpf_core::sys::features::have_uprobe_multi_link() {
        return skip("uprobe_multi_by_pattern_and_by_names", "the kernel has no uprobe.multi links");
    }
    let obj = load(open("attach_probes"));
    let p = prog(&obj, "count_multi");
    assert_eq!(p.expected_attach_type(), BPF_TRACE_UPROBE_MULTI);
    let l = p.attach_uprobe_multi(-1, &fx.pie, Some("rbpf_test_func*"), &UprobeMultiTargets::default(), &UprobeMultiOpts::default()).unwrap();
    run(&fx.pie, N);
    assert_eq!(get_u64(&obj, "multi_cnt"), 2 * N as u64, "rbpf_test_func and rbpf_test_func2");
    drop(l);
    let t = UprobeMultiTargets { syms: &["rbpf_test_func2"], ..Default::default() };
    let _l = p.attach_uprobe_multi(-1, &fx.pie, None, &t, &UprobeMultiOpts::default()).unwrap();
    settle();
    run(&fx.pie, N);
    assert_eq!(get_u64(&obj, "multi_cnt"), 3 * N as u64);
}

#[test]
fn usdt_explicit_with_arguments_and_cookie() {
    let Some((fx, _g)) = probe_ready("usdt_explicit_with_arguments_and_cookie") else { return };
    let obj = load(open("attach_probes"));
    let p = prog(&obj, "usdt_args4");
    // libbpf's SEC_USDT rule: usdt programs load for uprobe.multi when the kernel has it.
    if rbpf_core::sys::features::have_uprobe_multi_link() {
        assert_eq!(p.expected_attach_type(), BPF_TRACE_UPROBE_MULTI);
    }
    let mut o = UsdtOpts::default();
    o.usdt_cookie = 0xDEADBEEF;
    let l = p.attach_usdt(-1, &fx.pie, "rbpftest", "args4", &o).unwrap();
    run(&fx.pie, N);
    assert_eq!(get_u64(&obj, "usdt_cnt"), N as u64);
    assert_eq!(get_i64(&obj, "usdt_arg_cnt"), 4);
    let last = (N - 1) as i64;
    let want = [last, 4242, -5, 10 + (last & 3)];
    for (i, w) in want.iter().enumerate() {
        assert_eq!(get_i64_at(&obj, "usdt_args", i), *w, "argument {i}");
    }
    assert_eq!(get_u64(&obj, "usdt_cookie"), 0xDEADBEEF);
    drop(l);
    // No such probe: ENOENT naming the program.
    let e = p.attach_usdt(-1, &fx.pie, "rbpftest", "nope", &UsdtOpts::default()).unwrap_err();
    assert!(e.message().starts_with("prog 'usdt_args4': "), "{e}");
    // An object without usdt.bpf.h: ESRCH with libbpf's hint.
    let net = load(open("attach_net"));
    let e = prog(&net, "on_sample").attach_usdt(-1, &fx.pie, "rbpftest", "args4", &UsdtOpts::default()).unwrap_err();
    assert_eq!(e.errno(), libc::ESRCH);
    assert!(e.message().contains("usdt: failed to find USDT support BPF maps, did you forget to include bpf/usdt.bpf.h?"), "{e}");
}

#[test]
fn auto_attach_uprobe_usdt_and_libc_getpid_from_section_names() {
    let name = "auto_attach_uprobe_usdt_and_libc_getpid_from_section_names";
    let Some((fx, _g)) = probe_ready(name) else { return };
    // SEC("uprobe/librbpfprobe.so:...") and SEC("usdt/librbpfprobe.so:...") find the
    // fixture library by name through LD_LIBRARY_PATH (only this test binary sets it).
    std::env::set_var("LD_LIBRARY_PATH", &fx.dir);
    let obj = open("attach_probes");
    let tid = gettid();
    set_u32(&obj, "target_tid", tid);
    let obj = load(obj);
    let mut links: Vec<Link> = Vec::new();
    for p in ["auto_lib_func", "auto_usdt", "auto_getpid", "auto_getpid_ret"] {
        links.push(prog(&obj, p).attach().unwrap_or_else(|e| panic!("{p}: {e}")));
    }
    run(&fx.pie, N);
    assert_eq!(get_u64(&obj, "lib_cnt"), N as u64);
    assert_eq!(get_i64(&obj, "lib_arg"), (N - 1) as i64);
    assert_eq!(get_u64(&obj, "usdt_auto_cnt"), N as u64);
    assert_eq!(get_i64_at(&obj, "usdt_auto_args", 0), (N - 1) as i64);
    assert_eq!(get_i64_at(&obj, "usdt_auto_args", 1), (N - 1) as i64 * 1000);
    // libc's getpid, found through ld.so.cache, filtered to this thread.
    let before = get_u64(&obj, "getpid_cnt");
    for _ in 0..5 {
        // SAFETY: getpid has no preconditions.
        std::hint::black_box(unsafe { libc::getpid() });
    }
    assert_eq!(get_u64(&obj, "getpid_cnt") - before, 5);
    assert!(get_u64(&obj, "getpid_ret_cnt") >= 5);
    assert_eq!(get_i64(&obj, "getpid_ret"), std::process::id() as i64);
    drop(links);

    // attach_all: the same four, the bare sections skipped.
    let mut all = obj.attach_all().unwrap();
    assert_eq!(all.len(), 4, "{:?}", all.iter().map(|l| l.target().to_string()).collect::<Vec<_>>());
    run(&fx.pie, 1);
    assert_eq!(get_u64(&obj, "lib_cnt"), N as u64 + 1);
    for l in &mut all {
        l.detach().unwrap();
    }
}

#[test]
fn bare_sections_and_unloaded_programs_do_not_auto_attach() {
    let name = "bare_sections_and_unloaded_programs_do_not_auto_attach";
    if !need_bpf(name) {
        return;
    }
    let obj = open("attach_probes");
    let e = prog(&obj, "auto_lib_func").attach().unwrap_err();
    assert_eq!(e.errno(), libc::EINVAL);
    assert!(e.message().contains("prog 'auto_lib_func': can't attach BPF program without FD (was it loaded?)"), "{e}");
    let obj = load(obj);
    for p in ["count_uprobe", "count_uretprobe", "count_multi", "usdt_args4"] {
        let e = prog(&obj, p).attach().unwrap_err();
        assert_eq!(e.errno(), libc::EOPNOTSUPP, "{p}: {e}");
        assert!(e.message().starts_with(&format!("prog '{p}': ")), "{e}");
    }
    let net = load(open("attach_net"));
    for p in ["xdp_count", "tc_count", "sock_filter", "on_sample", "sock_create"] {
        assert_eq!(prog(&net, p).attach().unwrap_err().errno(), libc::EOPNOTSUPP, "{p}");
    }
}

#[test]
fn kprobe_kinds_fail_clearly_on_this_kernel() {
    let name = "kprobe_kinds_fail_clearly_on_this_kernel";
    if !need_bpf(name) {
        return;
    }
    ensure_tracefs();
    let obj = load(open("attach_kprobe"));
    let have = rbpf_core::sys::probe::probe_pmu_type(rbpf_core::sys::probe::ProbeKind::Kprobe).is_ok()
        || rbpf_core::sys::probe::tracefs_file("kprobe_events").is_some();
    if have {
        let l = prog(&obj, "kprobe_nanosleep").attach();
        assert!(l.is_ok(), "{:?}", l.err());
        return skip(name, "this kernel has kprobes (attach tested instead of the error)");
    }
    let e = prog(&obj, "kprobe_nanosleep").attach().unwrap_err();
    assert_eq!(e.errno(), libc::EOPNOTSUPP);
    assert!(e.message().starts_with("prog 'kprobe_nanosleep': "), "{e}");
    assert!(e.message().contains("kprobes are not supported by this kernel"), "{e}");
    let e = prog(&obj, "kprobe_nanosleep").attach_kprobe("do_nanosleep", &KprobeOpts::default()).unwrap_err();
    assert_eq!(e.errno(), libc::EOPNOTSUPP);
    assert!(e.message().contains("failed to attach kprobe 'do_nanosleep'"), "{e}");
    let e = prog(&obj, "kretprobe_nanosleep").attach().unwrap_err();
    assert!(e.message().contains("kretprobe") && e.message().contains("not supported"), "{e}");
    let e = prog(&obj, "ksyscall_nanosleep").attach_ksyscall("nanosleep", &KsyscallOpts::default()).unwrap_err();
    assert_eq!(e.errno(), libc::EOPNOTSUPP);
    assert!(e.message().contains("prog 'ksyscall_nanosleep'") && e.message().contains("nanosleep"), "{e}");
    assert_eq!(prog(&obj, "ksyscall_nanosleep").attach().unwrap_err().errno(), libc::EOPNOTSUPP);
    // kprobe.multi by pattern reads available_filter_functions, which lockdown may refuse
    // (EPERM); by name the kernel refuses the link type.
    let e = prog(&obj, "kprobe_multi_nanosleep").attach().unwrap_err();
    assert!([libc::EOPNOTSUPP, libc::ENOENT, libc::EPERM].contains(&e.errno()), "{e}");
    assert!(e.message().starts_with("prog 'kprobe_multi_nanosleep': section 'kprobe.multi/do_nanosl*': "), "{e}");
    let t = attach::KprobeMultiTargets { syms: &["do_nanosleep"], ..Default::default() };
    let e = prog(&obj, "kprobe_multi_nanosleep").attach_kprobe_multi(None, &t, &KprobeMultiOpts::default()).unwrap_err();
    assert_eq!(e.errno(), libc::EOPNOTSUPP, "{e}");
    assert!(e.message().contains("kprobe.multi links are not supported by this kernel"), "{e}");
    assert_eq!(prog(&obj, "kprobe_bare").attach().unwrap_err().errno(), libc::EOPNOTSUPP);
}

/// Run `f` on a scoped thread inside network namespace `ns` (programs are borrowed).
fn in_ns<'a, T: Send>(ns: &str, f: impl FnOnce() -> T + Send + 'a) -> T {
    let path = VethPair::ns_path(ns);
    std::thread::scope(|s| {
        s.spawn(|| {
            rbpf_core::sys::netlink::enter_netns(&path).expect("setns");
            f()
        })
        .join()
        .expect("namespace thread panicked")
    })
}

fn veth(name: &str) -> Option<VethPair> {
    if !need_bpf(name) {
        return None;
    }
    if !have_netns() {
        skip(name, "`ip netns` is not available");
        return None;
    }
    match VethPair::new("patt") {
        Ok(p) => Some(p),
        Err(e) => {
            skip(name, &format!("cannot create namespaces / veth: {e}"));
            None
        }
    }
}

/// Counter delta over `n` datagrams a → b (after one warm-up datagram for ARP).
fn count_udp(net: &VethPair, obj: &Object, var: &str, n: usize) -> u64 {
    net.send_udp(1);
    let before = get_u64(obj, var);
    net.send_udp(n);
    get_u64(obj, var) - before
}

#[test]
fn xdp_tcx_and_tc_count_packets_on_a_veth() {
    let name = "xdp_tcx_and_tc_count_packets_on_a_veth";
    let Some(net) = veth(name) else { return };
    let obj = load(open("attach_net"));
    let ifindex = in_ns(&net.ns_b, || rbpf_core::sys::netlink::if_nametoindex("vb").unwrap());

    // XDP (BPF link).
    let mut xdp = in_ns(&net.ns_b, || prog(&obj, "xdp_count").attach_xdp(ifindex).unwrap());
    assert_eq!(xdp.info().unwrap().link_type, BPF_LINK_TYPE_XDP);
    assert_eq!(count_udp(&net, &obj, "xdp_pkts", 5), 5);
    let e = in_ns(&net.ns_b, || prog(&obj, "xdp_count").attach_xdp(ifindex).unwrap_err());
    assert!(e.message().starts_with("prog 'xdp_count': "), "{e}");
    xdp.detach().unwrap();
    assert_eq!(count_udp(&net, &obj, "xdp_pkts", 3), 0, "XDP detached");

    // tcx (ingress, from the section name).
    let tcx = in_ns(&net.ns_b, || prog(&obj, "tcx_count").attach_tcx(ifindex, &TcxOpts::default()).unwrap());
    assert_eq!(tcx.info().unwrap().link_type, BPF_LINK_TYPE_TCX);
    assert_eq!(count_udp(&net, &obj, "tcx_pkts", 4), 4);
    // Swap the program of the link: tc_count counts now.
    tcx.update_program(prog(&obj, "tc_count").fd().unwrap()).unwrap();
    assert_eq!(count_udp(&net, &obj, "tc_pkts", 3), 3);
    assert_eq!(count_udp(&net, &obj, "tcx_pkts", 2), 0);
    drop(tcx);
    assert_eq!(count_udp(&net, &obj, "tc_pkts", 2), 0, "tcx detached");

    // TC over netlink: clsact + cls_bpf; detach removes the filter and the qdisc it made.
    let mut tcl = in_ns(&net.ns_b, || prog(&obj, "tc_count").attach_tc(ifindex, RBPF_TC_INGRESS, 1, 1).unwrap());
    assert_eq!(tcl.kind(), LinkKind::Custom);
    assert_eq!(count_udp(&net, &obj, "tc_pkts", 6), 6);
    let mut q = TcOpts::default();
    q.handle = 1;
    q.priority = 1;
    let hook = {
        let mut h = TcHook::default();
        h.ifindex = ifindex;
        h.attach_point = RBPF_TC_INGRESS;
        h
    };
    let h2 = hook.clone();
    in_ns(&net.ns_b, move || tc::tc_query(&h2, &mut q).unwrap());
    tcl.detach().unwrap();
    assert_eq!(count_udp(&net, &obj, "tc_pkts", 2), 0, "filter removed");
    // The qdisc went with it: creating it again succeeds (no EEXIST); then remove it.
    let mut both = hook.clone();
    both.attach_point = RBPF_TC_INGRESS | tc::RBPF_TC_EGRESS;
    in_ns(&net.ns_b, move || {
        tc::tc_hook_create(&hook).unwrap();
        tc::tc_hook_destroy(&both).unwrap();
    });
}

#[test]
fn tcx_link_pinned_outlives_its_handle_until_unpinned() {
    let name = "tcx_link_pinned_outlives_its_handle_until_unpinned";
    if !ensure_bpffs() {
        return skip(name, "bpffs cannot be mounted");
    }
    let Some(net) = veth(name) else { return };
    let obj = load(open("attach_net"));
    let ifindex = in_ns(&net.ns_b, || rbpf_core::sys::netlink::if_nametoindex("vb").unwrap());
    let pin = format!("/sys/fs/bpf/{}", unique("tcxlink"));
    struct Unpin(String);
    impl Drop for Unpin {
        fn drop(&mut self) {
            let _ = std::fs::remove_file(&self.0);
        }
    }
    let _guard = Unpin(pin.clone());
    let mut l = in_ns(&net.ns_b, || prog(&obj, "tcx_count").attach_tcx(ifindex, &TcxOpts::default()).unwrap());
    l.pin(&pin).unwrap();
    assert_eq!(l.pin_path().unwrap().to_str(), Some(pin.as_str()));
    drop(l);
    assert_eq!(count_udp(&net, &obj, "tcx_pkts", 3), 3, "the pin keeps it attached");
    let mut p = Link::open_pinned(&pin).unwrap();
    assert_eq!(p.info().unwrap().link_type, BPF_LINK_TYPE_TCX);
    p.unpin().unwrap();
    assert!(!std::path::Path::new(&pin).exists());
    p.detach().unwrap();
    assert_eq!(count_udp(&net, &obj, "tcx_pkts", 3), 0);
}

struct Cgroup(std::path::PathBuf);
impl Drop for Cgroup {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir(&self.0);
    }
}

#[test]
fn cgroup_sock_create_counts_sockets_of_the_cgroup() {
    let name = "cgroup_sock_create_counts_sockets_of_the_cgroup";
    if !need_bpf(name) {
        return;
    }
    let root = std::path::Path::new("/sys/fs/cgroup/unified");
    let root = if root.join("cgroup.procs").exists() { root } else { std::path::Path::new("/sys/fs/cgroup") };
    if !root.join("cgroup.controllers").exists() && !root.join("cgroup.procs").exists() {
        return skip(name, "no cgroup v2 mount");
    }
    let fx = match fixture() {
        Ok(f) => f,
        Err(e) => return skip(name, &e),
    };
    let cg = Cgroup(root.join(unique("pcg")));
    std::fs::create_dir(&cg.0).unwrap();
    let cgfd = OwnedFd::from(std::fs::File::open(&cg.0).unwrap());
    let obj = load(open("attach_net"));
    let mut l = prog(&obj, "sock_create").attach_cgroup(cgfd.as_raw_fd(), &CgroupOpts::default()).unwrap();
    let run_in = |n: u32| {
        let procs = cg.0.join("cgroup.procs");
        let st = std::process::Command::new("sh").arg("-c").arg(format!("echo $$ > {} && exec {} {n}", procs.display(), fx.sockmaker)).status().unwrap();
        assert!(st.success());
    };
    run_in(4);
    assert_eq!(get_u64(&obj, "sock_creates"), 4);
    l.detach().unwrap();
    settle();
    run_in(2);
    assert_eq!(get_u64(&obj, "sock_creates"), 4);
    let e = prog(&obj, "sock_create").attach_cgroup(-1, &CgroupOpts::default()).unwrap_err();
    assert!(e.message().starts_with("prog 'sock_create': "), "{e}");
}

#[test]
fn iter_socket_filter_and_perf_event() {
    let name = "iter_socket_filter_and_perf_event";
    if !need_bpf(name) {
        return;
    }
    let obj = open("attach_net");
    let pid = std::process::id();
    set_u32(&obj, "target_tgid", pid);
    let obj = load(obj);

    // iter/task: one "TGID PID" line per thread of this process.
    let l = prog(&obj, "dump_task").attach_iter(&IterAttachOpts::default()).unwrap();
    let out = String::from_utf8(attach::iter_read_all(&l).unwrap()).unwrap();
    assert!(out.lines().any(|x| x == format!("{pid} {pid}")), "{out}");
    assert!(out.lines().all(|x| x.starts_with(&format!("{pid} "))), "{out}");
    // Auto-attach works for iter sections too.
    let l2 = prog(&obj, "dump_task").attach().unwrap();
    assert!(!attach::iter_read_all(&l2).unwrap().is_empty());

    // Socket filter on a socketpair.
    let (a, b) = std::os::unix::net::UnixDatagram::pair().unwrap();
    let mut sf = prog(&obj, "sock_filter").attach_socket_filter(b.as_raw_fd()).unwrap();
    let mut buf = [0u8; 16];
    for _ in 0..3 {
        a.send(b"hello").unwrap();
        assert_eq!(b.recv(&mut buf).unwrap(), 5);
    }
    assert_eq!(get_u64(&obj, "sock_filter_pkts"), 3);
    sf.detach().unwrap();
    a.send(b"hello").unwrap();
    b.recv(&mut buf).unwrap();
    assert_eq!(get_u64(&obj, "sock_filter_pkts"), 3);

    // perf_event: a CPU-clock sampler on this thread; the caller keeps its fd.
    let pfd = attach::open_cpu_clock_sampler(0, -1, 100_000, false).unwrap();
    let mut pl = prog(&obj, "on_sample").attach_perf_event(pfd.as_raw_fd(), &PerfEventOpts::default()).unwrap();
    let t = std::time::Instant::now();
    let mut x = 0u64;
    while t.elapsed() < std::time::Duration::from_millis(50) {
        x = std::hint::black_box(x.wrapping_mul(31).wrapping_add(7));
    }
    assert!(get_u64(&obj, "perf_samples") > 5, "samples: {}", get_u64(&obj, "perf_samples"));
    pl.detach().unwrap();
    drop(pfd);
    let e = prog(&obj, "on_sample").attach_perf_event(-1, &PerfEventOpts::default()).unwrap_err();
    assert_eq!(e.errno(), libc::EBADF);
    assert!(e.message().starts_with("prog 'on_sample': "), "{e}");
}
