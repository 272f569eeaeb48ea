//! The attach calls of `struct rbpf_program` beyond tracepoints (uprobe, USDT, kprobe,
//! XDP, tcx, TC, cgroup, netns, sockmap, socket filter, iter, perf_event, netfilter,
//! LSM), libbpf's fd-level TC and XDP netlink calls (`rbpf_tc_*`, `rbpf_xdp_*`) and
//! their constants. Each entry point is a thin adapter over `rbpf_core::Program` /
//! `rbpf_core::attach`.

use crate::error::{arg_error, arg_str, int_call, ptr_call};
use crate::handles::get;
use crate::link::rbpf_link;
use crate::opts::has;
use crate::opts_gen::*;
use crate::program::rbpf_program;
use rbpf_core::attach::{self, KprobeMultiTargets, UprobeMultiTargets};
use rbpf_core::{Link, Program, Result};
use std::ffi::{c_char, c_int};
use std::mem::offset_of;

/// `attach_point` of `rbpf_tc_hook` and `rbpf_program_attach_tc`: ingress.
pub const RBPF_TC_INGRESS: u32 = 1 << 0;
/// `attach_point`: egress.
pub const RBPF_TC_EGRESS: u32 = 1 << 1;
/// `attach_point`: a custom parent (`rbpf_tc_hook.parent`).
pub const RBPF_TC_CUSTOM: u32 = 1 << 2;
/// `attach_point`: the qdisc named by `rbpf_tc_hook.qdisc` / `.handle`.
pub const RBPF_TC_QDISC: u32 = 1 << 3;
/// `rbpf_tc_opts.flags`: replace an existing filter with the same handle and priority.
pub const RBPF_TC_F_REPLACE: u32 = 1 << 0;
/// `attach_mode` of the uprobe / kprobe options: the best the kernel has.
pub const RBPF_PROBE_ATTACH_MODE_DEFAULT: u32 = 0;
/// `attach_mode`: tracefs `uprobe_events` / `kprobe_events`.
pub const RBPF_PROBE_ATTACH_MODE_LEGACY: u32 = 1;
/// `attach_mode`: `perf_event_open` + `PERF_EVENT_IOC_SET_BPF`.
pub const RBPF_PROBE_ATTACH_MODE_PERF: u32 = 2;
/// `attach_mode`: a BPF perf link.
pub const RBPF_PROBE_ATTACH_MODE_LINK: u32 = 3;

// The C constants are the core's.
const _: () = assert!(RBPF_TC_INGRESS == attach::tc::RBPF_TC_INGRESS);
const _: () = assert!(RBPF_TC_EGRESS == attach::tc::RBPF_TC_EGRESS);
const _: () = assert!(RBPF_TC_CUSTOM == attach::tc::RBPF_TC_CUSTOM);
const _: () = assert!(RBPF_TC_QDISC == attach::tc::RBPF_TC_QDISC);
const _: () = assert!(RBPF_TC_F_REPLACE == attach::tc::RBPF_TC_F_REPLACE);
const _: () = assert!(RBPF_PROBE_ATTACH_MODE_LINK == attach::uprobe::RBPF_PROBE_ATTACH_MODE_LINK);
const _: () =
    assert!(RBPF_PROBE_ATTACH_MODE_LEGACY == attach::uprobe::RBPF_PROBE_ATTACH_MODE_LEGACY);
const _: () = assert!(RBPF_PROBE_ATTACH_MODE_PERF == attach::uprobe::RBPF_PROBE_ATTACH_MODE_PERF);

/// Run a link-returning attach on a registry-checked program.
fn attach_with(
    f: &str,
    prog: *const rbpf_program,
    body: impl FnOnce(&Program) -> Result<Link>,
) -> *mut rbpf_link {
    ptr_call(|| {
        // SAFETY: the registry rejects anything that is not a live program.
        let p = unsafe { get(f, "prog", prog) }?;
        body(p.core()?).map(rbpf_link::wrap)
    })
}

/// An optional C string (NULL → None), UTF-8 checked.
///
/// # Safety
/// `p` is NULL or NUL-terminated.
unsafe fn opt_str<'a>(f: &str, arg: &str, p: *const c_char) -> Result<Option<&'a str>> {
    if p.is_null() {
        return Ok(None);
    }
    // SAFETY: forwarded.
    unsafe { arg_str(f, arg, p) }.map(Some)
}

/// A C array of `cnt` elements (NULL or cnt 0 → empty).
///
/// # Safety
/// `p` is NULL or points to `cnt` readable elements.
unsafe fn slice<'a, T>(p: *const T, cnt: usize) -> &'a [T] {
    if p.is_null() || cnt == 0 {
        return &[];
    }
    // SAFETY: per the caller's contract.
    unsafe { std::slice::from_raw_parts(p, cnt) }
}

/// `cnt` C strings as UTF-8 (NULL array → empty; a NULL element is EINVAL).
///
/// # Safety
/// `p` is NULL or points to `cnt` pointers, each NULL or NUL-terminated.
unsafe fn str_array<'a>(
    f: &str,
    arg: &str,
    p: *const *const c_char,
    cnt: usize,
) -> Result<Vec<&'a str>> {
    // SAFETY: forwarded.
    let ptrs = unsafe { slice(p, cnt) };
    ptrs.iter()
        .enumerate()
        // SAFETY: each element is NULL (rejected by arg_str) or NUL-terminated.
        .map(|(i, &s)| unsafe { arg_str(f, &format!("{arg}[{i}]"), s) })
        .collect()
}

// --- uprobe / uretprobe / uprobe.multi ---------------------------------------------------

/// Attach a uprobe (or a uretprobe with `retprobe`) at `func_offset` of `binary_path`
/// (a path, or a name resolved like libbpf: /proc/PID/maps when `pid` > 0,
/// LD_LIBRARY_PATH / PATH, ld.so.cache, standard directories). `pid`: -1 every process,
/// 0 the calling one. A new link, or NULL with errno.
#[no_mangle]
pub unsafe extern "C" fn rbpf_program_attach_uprobe(
    prog: *const rbpf_program,
    retprobe: bool,
    pid: c_int,
    binary_path: *const c_char,
    func_offset: usize,
) -> *mut rbpf_link {
    const F: &str = "rbpf_program_attach_uprobe";
    attach_with(F, prog, |p| {
        // SAFETY: a C string per the C contract.
        let path = unsafe { arg_str(F, "binary_path", binary_path) }?;
        let mut o = rbpf_core::opts::UprobeOpts::default();
        o.retprobe = retprobe;
        p.attach_uprobe(pid, path, func_offset, &o)
    })
}

/// `rbpf_program_attach_uprobe` with options: `func_name` ("func" or "func@LIB", the
/// offset is then relative to it), `retprobe`, `ref_ctr_offset`, `bpf_cookie`,
/// `attach_mode` (RBPF_PROBE_ATTACH_MODE_*). NULL opts: defaults.
#[no_mangle]
pub unsafe extern "C" fn rbpf_program_attach_uprobe_opts(
    prog: *const rbpf_program,
    pid: c_int,
    binary_path: *const c_char,
    func_offset: usize,
    opts: *const rbpf_uprobe_opts,
) -> *mut rbpf_link {
    const F: &str = "rbpf_program_attach_uprobe_opts";
    attach_with(F, prog, |p| {
        // SAFETY: a C string and an options struct per the C contract.
        let path = unsafe { arg_str(F, "binary_path", binary_path) }?;
        let o = unsafe { rbpf_uprobe_opts::to_core(opts) }?;
        p.attach_uprobe(pid, path, func_offset, &o)
    })
}

/// One uprobe.multi link on every function of `binary_path` matching the glob
/// `func_pattern` (`*`, `?`). The program must be loaded for BPF_TRACE_UPROBE_MULTI
/// (SEC("uprobe.multi")). For explicit names or offsets use
/// `rbpf_program_attach_uprobe_multi_targets`.
#[no_mangle]
pub unsafe extern "C" fn rbpf_program_attach_uprobe_multi(
    prog: *const rbpf_program,
    pid: c_int,
    binary_path: *const c_char,
    func_pattern: *const c_char,
    opts: *const rbpf_uprobe_multi_opts,
) -> *mut rbpf_link {
    const F: &str = "rbpf_program_attach_uprobe_multi";
    attach_with(F, prog, |p| {
        // SAFETY: C strings and an options struct per the C contract.
        let path = unsafe { arg_str(F, "binary_path", binary_path) }?;
        let pattern = unsafe { arg_str(F, "func_pattern", func_pattern) }?;
        let o = unsafe { rbpf_uprobe_multi_opts::to_core(opts) }?;
        p.attach_uprobe_multi(pid, path, Some(pattern), &UprobeMultiTargets::default(), &o)
    })
}

/// One uprobe.multi link on `cnt` targets of `binary_path`: function names `syms` or
/// file offsets `offsets` (exactly one of them non-NULL), optional per-target
/// `ref_ctr_offsets` and `cookies` (NULL or `cnt` entries). libbpf keeps these arrays in
/// `bpf_uprobe_multi_opts`; rbpf passes them here.
#[no_mangle]
pub unsafe extern "C" fn rbpf_program_attach_uprobe_multi_targets(
    prog: *const rbpf_program,
    pid: c_int,
    binary_path: *const c_char,
    syms: *const *const c_char,
    offsets: *const u64,
    ref_ctr_offsets: *const u64,
    cookies: *const u64,
    cnt: usize,
    opts: *const rbpf_uprobe_multi_opts,
) -> *mut rbpf_link {
    const F: &str = "rbpf_program_attach_uprobe_multi_targets";
    attach_with(F, prog, |p| {
        if cnt == 0 {
            return Err(arg_error(F, "cnt is 0"));
        }
        // SAFETY: C strings, arrays of `cnt` entries and an options struct per the C contract.
        let path = unsafe { arg_str(F, "binary_path", binary_path) }?;
        let syms = unsafe { str_array(F, "syms", syms, cnt) }?;
        let t = UprobeMultiTargets {
            syms: &syms,
            offsets: unsafe { slice(offsets, cnt) },
            ref_ctr_offsets: unsafe { slice(ref_ctr_offsets, cnt) },
            cookies: unsafe { slice(cookies, cnt) },
        };
        let o = unsafe { rbpf_uprobe_multi_opts::to_core(opts) }?;
        p.attach_uprobe_multi(pid, path, None, &t, &o)
    })
}

// --- USDT ---------------------------------------------------------------------------------

/// Attach to every site of USDT probe `usdt_provider`:`usdt_name` in `binary_path`
/// (path or name, as uprobes). The object must include `usdt.bpf.h` (ESRCH otherwise).
/// `opts.usdt_cookie` is what bpf_usdt_cookie() returns. NULL opts: defaults.
#[no_mangle]
pub unsafe extern "C" fn rbpf_program_attach_usdt(
    prog: *const rbpf_program,
    pid: c_int,
    binary_path: *const c_char,
    usdt_provider: *const c_char,
    usdt_name: *const c_char,
    opts: *const rbpf_usdt_opts,
) -> *mut rbpf_link {
    const F: &str = "rbpf_program_attach_usdt";
    attach_with(F, prog, |p| {
        // SAFETY: C strings and an options struct per the C contract.
        let path = unsafe { arg_str(F, "binary_path", binary_path) }?;
        let provider = unsafe { arg_str(F, "usdt_provider", usdt_provider) }?;
        let name = unsafe { arg_str(F, "usdt_name", usdt_name) }?;
        let o = unsafe { rbpf_usdt_opts::to_core(opts) }?;
        p.attach_usdt(pid, path, provider, name, &o)
    })
}

// --- kprobe / ksyscall / kprobe.multi -----------------------------------------------------

/// Attach a kprobe (or kretprobe) to kernel function `func_name`. On a kernel without
/// kprobes: NULL, errno EOPNOTSUPP, and rbpf_last_error() says so.
#[no_mangle]
pub unsafe extern "C" fn rbpf_program_attach_kprobe(
    prog: *const rbpf_program,
    retprobe: bool,
    func_name: *const c_char,
) -> *mut rbpf_link {
    const F: &str = "rbpf_program_attach_kprobe";
    attach_with(F, prog, |p| {
        // SAFETY: a C string per the C contract.
        let func = unsafe { arg_str(F, "func_name", func_name) }?;
        let mut o = rbpf_core::opts::KprobeOpts::default();
        o.retprobe = retprobe;
        p.attach_kprobe(func, &o)
    })
}

/// `rbpf_program_attach_kprobe` with options; a NULL `func_name` makes `opts.offset` a
/// raw kernel address (as libbpf).
#[no_mangle]
pub unsafe extern "C" fn rbpf_program_attach_kprobe_opts(
    prog: *const rbpf_program,
    func_name: *const c_char,
    opts: *const rbpf_kprobe_opts,
) -> *mut rbpf_link {
    const F: &str = "rbpf_program_attach_kprobe_opts";
    attach_with(F, prog, |p| {
        // SAFETY: a C string (or NULL) and an options struct per the C contract.
        let func = unsafe { opt_str(F, "func_name", func_name) }?.unwrap_or("");
        let o = unsafe { rbpf_kprobe_opts::to_core(opts) }?;
        p.attach_kprobe(func, &o)
    })
}

/// Attach a kprobe to the kernel entry of system call `syscall_name` ("openat").
#[no_mangle]
pub unsafe extern "C" fn rbpf_program_attach_ksyscall(
    prog: *const rbpf_program,
    syscall_name: *const c_char,
    opts: *const rbpf_ksyscall_opts,
) -> *mut rbpf_link {
    const F: &str = "rbpf_program_attach_ksyscall";
    attach_with(F, prog, |p| {
        // SAFETY: a C string and an options struct per the C contract.
        let name = unsafe { arg_str(F, "syscall_name", syscall_name) }?;
        let o = unsafe { rbpf_ksyscall_opts::to_core(opts) }?;
        p.attach_ksyscall(name, &o)
    })
}

/// One kprobe.multi link on every kernel function matching the glob `pattern`. For
/// explicit symbols or addresses use `rbpf_program_attach_kprobe_multi_targets`.
#[no_mangle]
pub unsafe extern "C" fn rbpf_program_attach_kprobe_multi_opts(
    prog: *const rbpf_program,
    pattern: *const c_char,
    opts: *const rbpf_kprobe_multi_opts,
) -> *mut rbpf_link {
    const F: &str = "rbpf_program_attach_kprobe_multi_opts";
    attach_with(F, prog, |p| {
        // SAFETY: a C string and an options struct per the C contract.
        let pattern = unsafe { arg_str(F, "pattern", pattern) }?;
        let o = unsafe { rbpf_kprobe_multi_opts::to_core(opts) }?;
        p.attach_kprobe_multi(Some(pattern), &KprobeMultiTargets::default(), &o)
    })
}

/// One kprobe.multi link on `cnt` kernel functions: `syms` or `addrs` (exactly one
/// non-NULL), optional `cookies` (NULL or `cnt` entries).
#[no_mangle]
pub unsafe extern "C" fn rbpf_program_attach_kprobe_multi_targets(
    prog: *const rbpf_program,
    syms: *const *const c_char,
    addrs: *const u64,
    cookies: *const u64,
    cnt: usize,
    opts: *const rbpf_kprobe_multi_opts,
) -> *mut rbpf_link {
    const F: &str = "rbpf_program_attach_kprobe_multi_targets";
    attach_with(F, prog, |p| {
        if cnt == 0 {
            return Err(arg_error(F, "cnt is 0"));
        }
        // SAFETY: arrays of `cnt` entries and an options struct per the C contract.
        let syms = unsafe { str_array(F, "syms", syms, cnt) }?;
        let t = KprobeMultiTargets {
            syms: &syms,
            addrs: unsafe { slice(addrs, cnt) },
            cookies: unsafe { slice(cookies, cnt) },
        };
        let o = unsafe { rbpf_kprobe_multi_opts::to_core(opts) }?;
        p.attach_kprobe_multi(None, &t, &o)
    })
}

// --- network -------------------------------------------------------------------------------

/// Attach an XDP program to `ifindex` (of the calling thread's network namespace)
/// through a BPF link. EBUSY / EEXIST, naming the program already there, when the
/// interface has one.
#[no_mangle]
pub unsafe extern "C" fn rbpf_program_attach_xdp(
    prog: *const rbpf_program,
    ifindex: c_int,
) -> *mut rbpf_link {
    attach_with("rbpf_program_attach_xdp", prog, |p| p.attach_xdp(ifindex))
}

/// A tcx link on `ifindex`, ingress or egress per the program's section
/// (SEC("tcx/egress")), ingress by default; ordering in `opts` (NULL: defaults).
#[no_mangle]
pub unsafe extern "C" fn rbpf_program_attach_tcx(
    prog: *const rbpf_program,
    ifindex: c_int,
    opts: *const rbpf_tcx_opts,
) -> *mut rbpf_link {
    const F: &str = "rbpf_program_attach_tcx";
    attach_with(F, prog, |p| {
        // SAFETY: an options struct per the C contract.
        let o = unsafe { rbpf_tcx_opts::to_core(opts) }?;
        p.attach_tcx(ifindex, &o)
    })
}

/// A netkit link on `ifindex` (primary, or peer per SEC("netkit/peer")).
#[no_mangle]
pub unsafe extern "C" fn rbpf_program_attach_netkit(
    prog: *const rbpf_program,
    ifindex: c_int,
    opts: *const rbpf_netkit_opts,
) -> *mut rbpf_link {
    const F: &str = "rbpf_program_attach_netkit";
    attach_with(F, prog, |p| {
        // SAFETY: an options struct per the C contract.
        let o = unsafe { rbpf_netkit_opts::to_core(opts) }?;
        p.attach_netkit(ifindex, &o)
    })
}

/// TC over netlink as a link: a direct-action cls_bpf filter on `ifindex`'s
/// `attach_point` (RBPF_TC_INGRESS or RBPF_TC_EGRESS), creating the clsact qdisc when
/// absent; `priority` / `handle` 0 let the kernel choose. Destroying the link removes
/// the filter, and the qdisc if this call created it.
#[no_mangle]
pub unsafe extern "C" fn rbpf_program_attach_tc(
    prog: *const rbpf_program,
    ifindex: c_int,
    attach_point: u32,
    priority: u32,
    handle: u32,
) -> *mut rbpf_link {
    attach_with("rbpf_program_attach_tc", prog, |p| {
        p.attach_tc(ifindex, attach_point, priority, handle)
    })
}

/// Attach to the cgroup open at `cgroup_fd` with the section's attach type (a BPF link,
/// else BPF_PROG_ATTACH with BPF_F_ALLOW_MULTI).
#[no_mangle]
pub unsafe extern "C" fn rbpf_program_attach_cgroup(
    prog: *const rbpf_program,
    cgroup_fd: c_int,
) -> *mut rbpf_link {
    // SAFETY: forwarded C contract.
    unsafe {
        cgroup(
            "rbpf_program_attach_cgroup",
            prog,
            cgroup_fd,
            std::ptr::null(),
        )
    }
}

/// `rbpf_program_attach_cgroup` with ordering options (NULL: defaults).
#[no_mangle]
pub unsafe extern "C" fn rbpf_program_attach_cgroup_opts(
    prog: *const rbpf_program,
    cgroup_fd: c_int,
    opts: *const rbpf_cgroup_opts,
) -> *mut rbpf_link {
    // SAFETY: forwarded C contract.
    unsafe { cgroup("rbpf_program_attach_cgroup_opts", prog, cgroup_fd, opts) }
}

unsafe fn cgroup(
    f: &str,
    prog: *const rbpf_program,
    cgroup_fd: c_int,
    opts: *const rbpf_cgroup_opts,
) -> *mut rbpf_link {
    attach_with(f, prog, |p| {
        // SAFETY: an options struct per the C contract.
        let o = unsafe { rbpf_cgroup_opts::to_core(opts) }?;
        p.attach_cgroup(cgroup_fd, &o)
    })
}

/// Attach a flow_dissector / sk_lookup program to the network namespace `netns_fd`.
#[no_mangle]
pub unsafe extern "C" fn rbpf_program_attach_netns(
    prog: *const rbpf_program,
    netns_fd: c_int,
) -> *mut rbpf_link {
    attach_with("rbpf_program_attach_netns", prog, |p| {
        p.attach_netns(netns_fd)
    })
}

/// Attach an sk_msg / sk_skb program to the sockmap or sockhash `map_fd`.
#[no_mangle]
pub unsafe extern "C" fn rbpf_program_attach_sockmap(
    prog: *const rbpf_program,
    map_fd: c_int,
) -> *mut rbpf_link {
    attach_with("rbpf_program_attach_sockmap", prog, |p| {
        p.attach_sockmap(map_fd)
    })
}

/// Attach a socket filter to the socket `sock_fd` (SO_ATTACH_BPF; destroying the link
/// detaches it). An rbpf addition: libbpf leaves this to setsockopt().
#[no_mangle]
pub unsafe extern "C" fn rbpf_program_attach_socket_filter(
    prog: *const rbpf_program,
    sock_fd: c_int,
) -> *mut rbpf_link {
    attach_with("rbpf_program_attach_socket_filter", prog, |p| {
        p.attach_socket_filter(sock_fd)
    })
}

// --- iter, perf_event, netfilter, LSM --------------------------------------------------

/// An iterator link (NULL opts: every object). Read it with `rbpf_iter_create(link)`
/// and read(2), or `rbpf_iter_read_all`.
#[no_mangle]
pub unsafe extern "C" fn rbpf_program_attach_iter(
    prog: *const rbpf_program,
    opts: *const rbpf_iter_attach_opts,
) -> *mut rbpf_link {
    const F: &str = "rbpf_program_attach_iter";
    attach_with(F, prog, |p| {
        // SAFETY: an options struct per the C contract.
        let o = unsafe { rbpf_iter_attach_opts::to_core(opts) }?;
        p.attach_iter(&o)
    })
}

/// Attach to the perf event `pfd` the caller opened (the link uses a duplicate; the
/// caller still closes `pfd`).
#[no_mangle]
pub unsafe extern "C" fn rbpf_program_attach_perf_event(
    prog: *const rbpf_program,
    pfd: c_int,
) -> *mut rbpf_link {
    // SAFETY: forwarded C contract.
    unsafe { rbpf_program_attach_perf_event_opts(prog, pfd, std::ptr::null()) }
}

/// `rbpf_program_attach_perf_event` with options (NULL: defaults).
#[no_mangle]
pub unsafe extern "C" fn rbpf_program_attach_perf_event_opts(
    prog: *const rbpf_program,
    pfd: c_int,
    opts: *const rbpf_perf_event_opts,
) -> *mut rbpf_link {
    const F: &str = "rbpf_program_attach_perf_event_opts";
    attach_with(F, prog, |p| {
        // SAFETY: an options struct per the C contract.
        let o = unsafe { rbpf_perf_event_opts::to_core(opts) }?;
        p.attach_perf_event(pfd, &o)
    })
}

/// A netfilter link (in the calling thread's network namespace).
#[no_mangle]
pub unsafe extern "C" fn rbpf_program_attach_netfilter(
    prog: *const rbpf_program,
    opts: *const rbpf_netfilter_opts,
) -> *mut rbpf_link {
    const F: &str = "rbpf_program_attach_netfilter";
    attach_with(F, prog, |p| {
        // SAFETY: an options struct per the C contract.
        let o = unsafe { rbpf_netfilter_opts::to_core(opts) }?;
        p.attach_netfilter(&o)
    })
}

/// Attach an LSM program (SEC("lsm/HOOK")).
#[no_mangle]
pub unsafe extern "C" fn rbpf_program_attach_lsm(prog: *const rbpf_program) -> *mut rbpf_link {
    attach_with("rbpf_program_attach_lsm", prog, |p| p.attach_lsm())
}

// --- TC over netlink (libbpf's bpf_tc_*) --------------------------------------------------

/// Write a `u32` output field at `off` when it lies within `sz` (libbpf's OPTS_SET).
///
/// # Safety
/// `base` points to at least `sz` writable bytes.
unsafe fn set_u32(base: *mut u8, sz: usize, off: usize, v: u32) {
    if has(sz, off, 4) {
        // SAFETY: within `sz` bytes, per the caller's contract.
        unsafe { base.add(off).cast::<u32>().write_unaligned(v) };
    }
}

/// As `set_u32` for a `u64` field.
///
/// # Safety
/// As `set_u32`.
unsafe fn set_u64(base: *mut u8, sz: usize, off: usize, v: u64) {
    if has(sz, off, 8) {
        // SAFETY: within `sz` bytes, per the caller's contract.
        unsafe { base.add(off).cast::<u64>().write_unaligned(v) };
    }
}

/// The `sz` of a validated non-NULL options struct.
///
/// # Safety
/// `p` is non-NULL and starts with a readable `size_t`.
unsafe fn sz_of<T>(p: *const T) -> usize {
    // SAFETY: per the caller's contract.
    unsafe { p.cast::<usize>().read_unaligned() }
}

/// A required TC hook.
///
/// # Safety
/// `hook` is NULL or a valid `rbpf_tc_hook` of `hook->sz` bytes.
unsafe fn tc_hook(f: &str, hook: *const rbpf_tc_hook) -> Result<rbpf_core::opts::TcHook> {
    if hook.is_null() {
        return Err(arg_error(f, "hook is NULL"));
    }
    // SAFETY: forwarded.
    unsafe { rbpf_tc_hook::to_core(hook) }
}

/// Create the hook's qdisc (clsact, or `hook->qdisc` with RBPF_TC_QDISC). -EEXIST when
/// it exists already (callers usually tolerate that, as with libbpf).
#[no_mangle]
pub unsafe extern "C" fn rbpf_tc_hook_create(hook: *mut rbpf_tc_hook) -> c_int {
    int_call(|| {
        // SAFETY: a hook per the C contract.
        let h = unsafe { tc_hook("rbpf_tc_hook_create", hook) }?;
        attach::tc_hook_create(&h)?;
        Ok(0)
    })
}

/// Destroy the hook: RBPF_TC_INGRESS | RBPF_TC_EGRESS deletes the clsact qdisc; one
/// direction flushes its filters.
#[no_mangle]
pub unsafe extern "C" fn rbpf_tc_hook_destroy(hook: *mut rbpf_tc_hook) -> c_int {
    int_call(|| {
        // SAFETY: a hook per the C contract.
        let h = unsafe { tc_hook("rbpf_tc_hook_destroy", hook) }?;
        attach::tc_hook_destroy(&h)?;
        Ok(0)
    })
}

/// Write `o`'s output fields (prog_id, handle, priority) into `opts` within its `sz`.
///
/// # Safety
/// `opts` is a validated non-NULL `rbpf_tc_opts` of `sz` writable bytes.
unsafe fn tc_opts_out(opts: *mut rbpf_tc_opts, o: &rbpf_core::opts::TcOpts) {
    // SAFETY: per the caller's contract.
    unsafe {
        let sz = sz_of(opts);
        let b = opts.cast::<u8>();
        set_u32(b, sz, offset_of!(rbpf_tc_opts, prog_id), o.prog_id);
        set_u32(b, sz, offset_of!(rbpf_tc_opts, handle), o.handle);
        set_u32(b, sz, offset_of!(rbpf_tc_opts, priority), o.priority);
    }
}

/// Attach `opts->prog_fd` as a direct-action cls_bpf filter on `hook` (handle and
/// priority default to 1; RBPF_TC_F_REPLACE replaces). On success `opts->prog_id`,
/// `handle` and `priority` are filled in (when within `opts->sz`).
#[no_mangle]
pub unsafe extern "C" fn rbpf_tc_attach(
    hook: *const rbpf_tc_hook,
    opts: *mut rbpf_tc_opts,
) -> c_int {
    const F: &str = "rbpf_tc_attach";
    int_call(|| {
        if opts.is_null() {
            return Err(arg_error(F, "opts is NULL"));
        }
        // SAFETY: a hook and an options struct per the C contract.
        let h = unsafe { tc_hook(F, hook) }?;
        let mut o = unsafe { rbpf_tc_opts::to_core(opts) }?;
        attach::tc_attach(&h, &mut o)?;
        // SAFETY: validated above.
        unsafe { tc_opts_out(opts, &o) };
        Ok(0)
    })
}

/// Remove the filter `opts->handle` / `opts->priority` from `hook` (prog_fd, prog_id
/// and flags must be 0).
#[no_mangle]
pub unsafe extern "C" fn rbpf_tc_detach(
    hook: *const rbpf_tc_hook,
    opts: *const rbpf_tc_opts,
) -> c_int {
    const F: &str = "rbpf_tc_detach";
    int_call(|| {
        if opts.is_null() {
            return Err(arg_error(F, "opts is NULL"));
        }
        // SAFETY: a hook and an options struct per the C contract.
        let h = unsafe { tc_hook(F, hook) }?;
        let o = unsafe { rbpf_tc_opts::to_core(opts) }?;
        attach::tc_detach(&h, &o)?;
        Ok(0)
    })
}

/// Look up the filter `opts->handle` / `opts->priority` on `hook`: fills in
/// `opts->prog_id` (-ENOENT when there is none).
#[no_mangle]
pub unsafe extern "C" fn rbpf_tc_query(
    hook: *const rbpf_tc_hook,
    opts: *mut rbpf_tc_opts,
) -> c_int {
    const F: &str = "rbpf_tc_query";
    int_call(|| {
        if opts.is_null() {
            return Err(arg_error(F, "opts is NULL"));
        }
        // SAFETY: a hook and an options struct per the C contract.
        let h = unsafe { tc_hook(F, hook) }?;
        let mut o = unsafe { rbpf_tc_opts::to_core(opts) }?;
        attach::tc_query(&h, &mut o)?;
        // SAFETY: validated above.
        unsafe { tc_opts_out(opts, &o) };
        Ok(0)
    })
}

// --- XDP over netlink (libbpf's bpf_xdp_*) ------------------------------------------------

/// Attach `prog_fd` to `ifindex` over netlink (`flags`: XDP_FLAGS_*; a non-zero
/// `opts->old_prog_fd` replaces only that program).
#[no_mangle]
pub unsafe extern "C" fn rbpf_xdp_attach(
    ifindex: c_int,
    prog_fd: c_int,
    flags: u32,
    opts: *const rbpf_xdp_attach_opts,
) -> c_int {
    int_call(|| {
        // SAFETY: an options struct per the C contract.
        let o = unsafe { rbpf_xdp_attach_opts::to_core(opts) }?;
        attach::xdp_attach(ifindex, prog_fd, flags, &o)?;
        Ok(0)
    })
}

/// Remove the XDP program of `ifindex` (in the mode `flags` names).
#[no_mangle]
pub unsafe extern "C" fn rbpf_xdp_detach(
    ifindex: c_int,
    flags: u32,
    opts: *const rbpf_xdp_attach_opts,
) -> c_int {
    int_call(|| {
        // SAFETY: an options struct per the C contract.
        let o = unsafe { rbpf_xdp_attach_opts::to_core(opts) }?;
        attach::xdp_detach(ifindex, flags, &o)?;
        Ok(0)
    })
}

/// Query the XDP state of `ifindex`: every field of `opts` (all outputs) within
/// `opts->sz` is filled in.
#[no_mangle]
pub unsafe extern "C" fn rbpf_xdp_query(
    ifindex: c_int,
    flags: c_int,
    opts: *mut rbpf_xdp_query_opts,
) -> c_int {
    const F: &str = "rbpf_xdp_query";
    int_call(|| {
        if opts.is_null() {
            return Err(arg_error(F, "opts is NULL"));
        }
        // SAFETY: an options struct per the C contract (validated for its sz).
        unsafe { rbpf_xdp_query_opts::to_core(opts) }?;
        let q = attach::xdp_query(ifindex, flags as u32)?;
        // SAFETY: validated above; outputs written only within sz.
        unsafe {
            let sz = sz_of(opts);
            let b = opts.cast::<u8>();
            set_u32(b, sz, offset_of!(rbpf_xdp_query_opts, prog_id), q.prog_id);
            set_u32(
                b,
                sz,
                offset_of!(rbpf_xdp_query_opts, drv_prog_id),
                q.drv_prog_id,
            );
            set_u32(
                b,
                sz,
                offset_of!(rbpf_xdp_query_opts, hw_prog_id),
                q.hw_prog_id,
            );
            set_u32(
                b,
                sz,
                offset_of!(rbpf_xdp_query_opts, skb_prog_id),
                q.skb_prog_id,
            );
            set_u32(
                b,
                sz,
                offset_of!(rbpf_xdp_query_opts, attach_mode),
                q.attach_mode,
            );
            set_u64(
                b,
                sz,
                offset_of!(rbpf_xdp_query_opts, feature_flags),
                q.feature_flags,
            );
            set_u32(
                b,
                sz,
                offset_of!(rbpf_xdp_query_opts, xdp_zc_max_segs),
                q.xdp_zc_max_segs,
            );
        }
        Ok(0)
    })
}

/// The id of the XDP program on `ifindex` (0 when none) into `*prog_id`.
#[no_mangle]
pub unsafe extern "C" fn rbpf_xdp_query_id(
    ifindex: c_int,
    flags: c_int,
    prog_id: *mut u32,
) -> c_int {
    const F: &str = "rbpf_xdp_query_id";
    int_call(|| {
        if prog_id.is_null() {
            return Err(arg_error(F, "prog_id is NULL"));
        }
        let id = attach::xdp_query_id(ifindex, flags as u32)?;
        // SAFETY: checked non-NULL; a u32 slot per the C contract.
        unsafe { prog_id.write(id) };
        Ok(0)
    })
}

// --- iterators ------------------------------------------------------------------------------

/// A new fd reading the output of iterator link `link` (close it; each fd reads one
/// pass). A negative errno on failure.
#[no_mangle]
pub unsafe extern "C" fn rbpf_iter_create(link: *const rbpf_link) -> c_int {
    int_call(|| {
        // SAFETY: registry-checked handle.
        let l = unsafe { get("rbpf_iter_create", "link", link) }?;
        use std::os::fd::IntoRawFd;
        Ok(attach::iter_create(l.core())?.into_raw_fd())
    })
}

/// Read the whole output of iterator link `link` into `buf` (`size` bytes). Returns
/// the number of bytes of the output (which may exceed `size`: the copy is truncated,
/// as snprintf), or a negative errno.
#[no_mangle]
pub unsafe extern "C" fn rbpf_iter_read_all(
    link: *const rbpf_link,
    buf: *mut c_char,
    size: usize,
) -> c_int {
    const F: &str = "rbpf_iter_read_all";
    int_call(|| {
        // SAFETY: registry-checked handle.
        let l = unsafe { get(F, "link", link) }?;
        if buf.is_null() && size != 0 {
            return Err(arg_error(F, "buf is NULL"));
        }
        let out = attach::iter_read_all(l.core())?;
        let n = out.len().min(size);
        if n > 0 {
            // SAFETY: buf has `size` ≥ n writable bytes (C contract).
            unsafe { std::ptr::copy_nonoverlapping(out.as_ptr(), buf.cast::<u8>(), n) };
        }
        Ok(out.len().min(c_int::MAX as usize) as c_int)
    })
}
