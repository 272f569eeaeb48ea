//! Attach calls of every kind (issue 4): Program methods, Link pin / update / iterator
//! output, and libbpf's fd-level XDP and TC netlink calls. Thin adapters: options come
//! from the core's declarations (opts.rs); index.js turns interface names, string enums,
//! Programs and BpfMaps into the numbers taken here. Every call runs on the JS thread,
//! so interface indexes and netlink requests use that thread's network namespace.

use crate::error::{napi_err, IntoNapi};
use crate::object::{NativeLink, NativeProgram};
use crate::opts::{self, check_keys, extra_get, extra_u64, extra_u64_list, from_js_ext};
use napi::bindgen_prelude::{BigInt, Buffer, Either, Env, Object as JsObject};
use napi_derive::napi;
use rbpf_core::attach::{self, KprobeMultiTargets, UprobeMultiTargets};
use rbpf_core::opts::{
    CgroupOpts, IterAttachOpts, KprobeMultiOpts, KprobeOpts, KsyscallOpts, NetfilterOpts,
    NetkitOpts, PerfEventOpts, TcHook, TcOpts, TcxOpts, UprobeMultiOpts, UprobeOpts, UsdtOpts,
    XdpAttachOpts,
};
use rbpf_core::Link;
use std::fs::File;
use std::os::fd::{AsRawFd, IntoRawFd};

/// An fd, or a path opened read-only for the call (a cgroup directory, /run/netns/NAME).
fn with_fd_or_path<R>(
    target: Either<i32, String>,
    what: &str,
    f: impl FnOnce(i32) -> napi::Result<R>,
) -> napi::Result<R> {
    match target {
        Either::A(fd) => f(fd),
        Either::B(path) => {
            let file = File::open(&path).map_err(|e| {
                let errno = e.raw_os_error().unwrap_or(libc::EIO);
                napi_err(
                    errno,
                    format!(
                        "failed to open {what} '{path}': {}",
                        rbpf_core::error::errno_name(errno)
                    ),
                )
            })?;
            // The file stays open for the call; the attachment holds its own reference.
            f(file.as_raw_fd())
        }
    }
}

fn pid_opt(o: Option<&JsObject>, what: &str) -> napi::Result<i32> {
    Ok(extra_get::<i32>(o, what, "pid")?.unwrap_or(-1))
}

#[napi]
impl NativeProgram {
    /// uprobe / uretprobe; options: `pid` (-1 all, 0 self), `funcOffset` and the core's
    /// bpf_uprobe_opts.
    #[napi(catch_unwind)]
    pub fn attach_uprobe(
        &self,
        path: String,
        options: Option<JsObject>,
    ) -> napi::Result<NativeLink> {
        const W: &str = "Program.attachUprobe";
        let o = options.as_ref();
        let u: UprobeOpts = from_js_ext(o, W, &["pid", "funcOffset"])?;
        let pid = pid_opt(o, W)?;
        let off = extra_u64(o, W, "funcOffset")?.unwrap_or(0) as usize;
        self.with(|p| {
            p.attach_uprobe(pid, &path, off, &u)
                .napi()
                .map(NativeLink::new)
        })
    }

    /// One uprobe.multi link: a glob `pattern`, or `syms` / `offsets` (with
    /// `refCtrOffsets`, `cookies`) in the options.
    #[napi(catch_unwind)]
    pub fn attach_uprobe_multi(
        &self,
        path: String,
        pattern: Option<String>,
        options: Option<JsObject>,
    ) -> napi::Result<NativeLink> {
        const W: &str = "Program.attachUprobeMulti";
        const EXTRA: &[&str] = &["pid", "syms", "offsets", "refCtrOffsets", "cookies"];
        let o = options.as_ref();
        let m: UprobeMultiOpts = from_js_ext(o, W, EXTRA)?;
        let pid = pid_opt(o, W)?;
        let syms = extra_get::<Vec<String>>(o, W, "syms")?.unwrap_or_default();
        let syms: Vec<&str> = syms.iter().map(String::as_str).collect();
        let offsets = extra_u64_list(o, W, "offsets")?;
        let ref_ctr_offsets = extra_u64_list(o, W, "refCtrOffsets")?;
        let cookies = extra_u64_list(o, W, "cookies")?;
        let t = UprobeMultiTargets {
            syms: &syms,
            offsets: &offsets,
            ref_ctr_offsets: &ref_ctr_offsets,
            cookies: &cookies,
        };
        self.with(|p| {
            p.attach_uprobe_multi(pid, &path, pattern.as_deref(), &t, &m)
                .napi()
                .map(NativeLink::new)
        })
    }

    /// Every site of USDT probe provider:name; options `pid` and bpf_usdt_opts.
    #[napi(catch_unwind)]
    pub fn attach_usdt(
        &self,
        path: String,
        provider: String,
        name: String,
        options: Option<JsObject>,
    ) -> napi::Result<NativeLink> {
        const W: &str = "Program.attachUsdt";
        let o = options.as_ref();
        let u: UsdtOpts = from_js_ext(o, W, &["pid"])?;
        let pid = pid_opt(o, W)?;
        self.with(|p| {
            p.attach_usdt(pid, &path, &provider, &name, &u)
                .napi()
                .map(NativeLink::new)
        })
    }

    #[napi(catch_unwind)]
    pub fn attach_kprobe(
        &self,
        func: String,
        options: Option<JsObject>,
    ) -> napi::Result<NativeLink> {
        let k: KprobeOpts = from_js_ext(options.as_ref(), "Program.attachKprobe", &[])?;
        self.with(|p| p.attach_kprobe(&func, &k).napi().map(NativeLink::new))
    }

    #[napi(catch_unwind)]
    pub fn attach_ksyscall(
        &self,
        name: String,
        options: Option<JsObject>,
    ) -> napi::Result<NativeLink> {
        let k: KsyscallOpts = from_js_ext(options.as_ref(), "Program.attachKsyscall", &[])?;
        self.with(|p| p.attach_ksyscall(&name, &k).napi().map(NativeLink::new))
    }

    /// One kprobe.multi link: a glob `pattern`, or `syms` / `addrs` (+ `cookies`).
    #[napi(catch_unwind)]
    pub fn attach_kprobe_multi(
        &self,
        pattern: Option<String>,
        options: Option<JsObject>,
    ) -> napi::Result<NativeLink> {
        const W: &str = "Program.attachKprobeMulti";
        let o = options.as_ref();
        let k: KprobeMultiOpts = from_js_ext(o, W, &["syms", "addrs", "cookies"])?;
        let syms = extra_get::<Vec<String>>(o, W, "syms")?.unwrap_or_default();
        let syms: Vec<&str> = syms.iter().map(String::as_str).collect();
        let addrs = extra_u64_list(o, W, "addrs")?;
        let cookies = extra_u64_list(o, W, "cookies")?;
        let t = KprobeMultiTargets {
            syms: &syms,
            addrs: &addrs,
            cookies: &cookies,
        };
        self.with(|p| {
            p.attach_kprobe_multi(pattern.as_deref(), &t, &k)
                .napi()
                .map(NativeLink::new)
        })
    }

    /// XDP through a BPF link; `flags`: XDP_FLAGS_SKB_MODE / _DRV_MODE / _HW_MODE.
    #[napi(catch_unwind)]
    pub fn attach_xdp(&self, ifindex: i32, options: Option<JsObject>) -> napi::Result<NativeLink> {
        const W: &str = "Program.attachXdp";
        let o = options.as_ref();
        check_keys(o, W, &["flags"])?;
        let flags = extra_get::<u32>(o, W, "flags")?.unwrap_or(0);
        self.with(|p| {
            p.attach_xdp_with_flags(ifindex, flags)
                .napi()
                .map(NativeLink::new)
        })
    }

    #[napi(catch_unwind)]
    pub fn attach_tcx(&self, ifindex: i32, options: Option<JsObject>) -> napi::Result<NativeLink> {
        let t: TcxOpts = from_js_ext(options.as_ref(), "Program.attachTcx", &[])?;
        self.with(|p| p.attach_tcx(ifindex, &t).napi().map(NativeLink::new))
    }

    #[napi(catch_unwind)]
    pub fn attach_netkit(
        &self,
        ifindex: i32,
        options: Option<JsObject>,
    ) -> napi::Result<NativeLink> {
        let t: NetkitOpts = from_js_ext(options.as_ref(), "Program.attachNetkit", &[])?;
        self.with(|p| p.attach_netkit(ifindex, &t).napi().map(NativeLink::new))
    }

    /// clsact + direct-action cls_bpf over netlink (index.js parses the options).
    #[napi(catch_unwind)]
    pub fn attach_tc(
        &self,
        ifindex: i32,
        attach_point: u32,
        priority: u32,
        handle: u32,
    ) -> napi::Result<NativeLink> {
        self.with(|p| {
            p.attach_tc(ifindex, attach_point, priority, handle)
                .napi()
                .map(NativeLink::new)
        })
    }

    /// A cgroup given by fd or by path (opened for the call).
    #[napi(catch_unwind)]
    pub fn attach_cgroup(
        &self,
        cgroup: Either<i32, String>,
        options: Option<JsObject>,
    ) -> napi::Result<NativeLink> {
        let c: CgroupOpts = from_js_ext(options.as_ref(), "Program.attachCgroup", &[])?;
        with_fd_or_path(cgroup, "cgroup", |fd| {
            self.with(|p| p.attach_cgroup(fd, &c).napi().map(NativeLink::new))
        })
    }

    /// A network namespace given by fd or path (/run/netns/NAME, /proc/PID/ns/net).
    #[napi(catch_unwind)]
    pub fn attach_netns(&self, netns: Either<i32, String>) -> napi::Result<NativeLink> {
        with_fd_or_path(netns, "network namespace", |fd| {
            self.with(|p| p.attach_netns(fd).napi().map(NativeLink::new))
        })
    }

    #[napi(catch_unwind)]
    pub fn attach_sockmap(&self, map_fd: i32) -> napi::Result<NativeLink> {
        self.with(|p| p.attach_sockmap(map_fd).napi().map(NativeLink::new))
    }

    #[napi(catch_unwind)]
    pub fn attach_socket_filter(&self, sock_fd: i32) -> napi::Result<NativeLink> {
        self.with(|p| p.attach_socket_filter(sock_fd).napi().map(NativeLink::new))
    }

    #[napi(catch_unwind)]
    pub fn attach_iter(&self, options: Option<JsObject>) -> napi::Result<NativeLink> {
        let i: IterAttachOpts = from_js_ext(options.as_ref(), "Program.attachIter", &[])?;
        self.with(|p| p.attach_iter(&i).napi().map(NativeLink::new))
    }

    /// A perf event fd the caller opened (duplicated: the caller still closes its own).
    #[napi(catch_unwind)]
    pub fn attach_perf_event(
        &self,
        fd: i32,
        options: Option<JsObject>,
    ) -> napi::Result<NativeLink> {
        let o: PerfEventOpts = from_js_ext(options.as_ref(), "Program.attachPerfEvent", &[])?;
        self.with(|p| p.attach_perf_event(fd, &o).napi().map(NativeLink::new))
    }

    #[napi(catch_unwind)]
    pub fn attach_netfilter(&self, options: Option<JsObject>) -> napi::Result<NativeLink> {
        let o: NetfilterOpts = from_js_ext(options.as_ref(), "Program.attachNetfilter", &[])?;
        self.with(|p| p.attach_netfilter(&o).napi().map(NativeLink::new))
    }

    #[napi(catch_unwind)]
    pub fn attach_lsm(&self) -> napi::Result<NativeLink> {
        self.with(|p| p.attach_lsm().napi().map(NativeLink::new))
    }
}

impl NativeLink {
    fn live(&self) -> napi::Result<&Link> {
        self.link
            .as_ref()
            .ok_or_else(|| napi_err(libc::EINVAL, "link is detached"))
    }
    fn live_mut(&mut self) -> napi::Result<&mut Link> {
        self.link
            .as_mut()
            .ok_or_else(|| napi_err(libc::EINVAL, "link is detached"))
    }
}

#[napi(object)]
pub struct LinkInfo {
    /// BPF_LINK_TYPE_* number.
    pub r#type: u32,
    pub id: u32,
    pub prog_id: u32,
}

#[napi]
impl NativeLink {
    /// Open a link pinned on a bpffs.
    #[napi(factory, catch_unwind)]
    pub fn open_pinned(path: String) -> napi::Result<NativeLink> {
        Link::open_pinned(&path).napi().map(NativeLink::new)
    }
    #[napi(catch_unwind)]
    pub fn pin(&mut self, path: String) -> napi::Result<()> {
        self.live_mut()?.pin(&path).napi()
    }
    #[napi(catch_unwind)]
    pub fn unpin(&mut self) -> napi::Result<()> {
        self.live_mut()?.unpin().napi()
    }
    #[napi(getter, catch_unwind)]
    pub fn pin_path(&self) -> Option<String> {
        self.link
            .as_ref()
            .and_then(|l| l.pin_path())
            .map(|p| p.to_string_lossy().into_owned())
    }
    /// What the link is attached to, for messages ("tracepoint 'syscalls/...'").
    #[napi(getter, catch_unwind)]
    pub fn target(&self) -> Option<String> {
        self.link.as_ref().map(|l| l.target().to_string())
    }
    /// Replace the link's program (BPF_LINK_UPDATE).
    #[napi(catch_unwind)]
    pub fn update_program(&self, prog_fd: i32) -> napi::Result<()> {
        self.live()?.update_program(prog_fd).napi()
    }
    #[napi(catch_unwind)]
    pub fn info(&self) -> napi::Result<LinkInfo> {
        let i = self.live()?.info().napi()?;
        Ok(LinkInfo {
            r#type: i.link_type,
            id: i.id,
            prog_id: i.prog_id,
        })
    }
    /// Run the iterator once and return its whole output.
    #[napi(catch_unwind)]
    pub fn iter_read(&self) -> napi::Result<Buffer> {
        attach::iter_read_all(self.live()?).napi().map(Buffer::from)
    }
    /// A new readable iterator fd; the caller owns (and closes) it.
    #[napi(catch_unwind)]
    pub fn iter_create(&self) -> napi::Result<i32> {
        attach::iter_create(self.live()?)
            .napi()
            .map(|fd| fd.into_raw_fd())
    }
    /// Forget the link without detaching (it stays attached until the process exits).
    #[napi(catch_unwind)]
    pub fn disconnect(&mut self) {
        if let Some(mut l) = self.link.take() {
            l.disconnect();
        }
    }
}

// ---------------------------------------------------------------- module functions

/// The index of an interface in the calling thread's network namespace.
#[napi(catch_unwind)]
pub fn if_nametoindex(name: String) -> napi::Result<i32> {
    rbpf_core::sys::netlink::if_nametoindex(&name).napi()
}

#[napi(catch_unwind)]
pub fn xdp_attach(
    ifindex: i32,
    prog_fd: i32,
    flags: u32,
    options: Option<JsObject>,
) -> napi::Result<()> {
    let o: XdpAttachOpts = from_js_ext(options.as_ref(), "xdpAttach", &[])?;
    attach::xdp_attach(ifindex, prog_fd, flags, &o).napi()
}

#[napi(catch_unwind)]
pub fn xdp_detach(ifindex: i32, flags: u32, options: Option<JsObject>) -> napi::Result<()> {
    let o: XdpAttachOpts = from_js_ext(options.as_ref(), "xdpDetach", &[])?;
    attach::xdp_detach(ifindex, flags, &o).napi()
}

/// libbpf's bpf_xdp_query: bpf_xdp_query_opts' fields, camelCase (featureFlags bigint).
#[napi(catch_unwind, ts_return_type = "Record<string, number | bigint>")]
pub fn xdp_query<'e>(env: &'e Env, ifindex: i32, flags: u32) -> napi::Result<JsObject<'e>> {
    let q = attach::xdp_query(ifindex, flags).napi()?;
    opts::to_js(env, &q)
}

#[napi(catch_unwind)]
pub fn xdp_query_id(ifindex: i32, flags: u32) -> napi::Result<u32> {
    attach::xdp_query_id(ifindex, flags).napi()
}

fn tc_hook(hook: Option<JsObject>, what: &str) -> napi::Result<TcHook> {
    from_js_ext(hook.as_ref(), what, &[])
}

#[napi(catch_unwind)]
pub fn tc_hook_create(hook: Option<JsObject>) -> napi::Result<()> {
    attach::tc_hook_create(&tc_hook(hook, "tcHookCreate")?).napi()
}

#[napi(catch_unwind)]
pub fn tc_hook_destroy(hook: Option<JsObject>) -> napi::Result<()> {
    attach::tc_hook_destroy(&tc_hook(hook, "tcHookDestroy")?).napi()
}

/// libbpf's bpf_tc_attach; returns bpf_tc_opts with the kernel's handle / priority / id.
#[napi(catch_unwind, ts_return_type = "Record<string, number>")]
pub fn tc_attach<'e>(
    env: &'e Env,
    hook: Option<JsObject>,
    options: Option<JsObject>,
) -> napi::Result<JsObject<'e>> {
    let h = tc_hook(hook, "tcAttach")?;
    let mut o: TcOpts = from_js_ext(options.as_ref(), "tcAttach", &[])?;
    attach::tc_attach(&h, &mut o).napi()?;
    opts::to_js(env, &o)
}

#[napi(catch_unwind)]
pub fn tc_detach(hook: Option<JsObject>, options: Option<JsObject>) -> napi::Result<()> {
    let h = tc_hook(hook, "tcDetach")?;
    let o: TcOpts = from_js_ext(options.as_ref(), "tcDetach", &[])?;
    attach::tc_detach(&h, &o).napi()
}

#[napi(catch_unwind, ts_return_type = "Record<string, number>")]
pub fn tc_query<'e>(
    env: &'e Env,
    hook: Option<JsObject>,
    options: Option<JsObject>,
) -> napi::Result<JsObject<'e>> {
    let h = tc_hook(hook, "tcQuery")?;
    let mut o: TcOpts = from_js_ext(options.as_ref(), "tcQuery", &[])?;
    attach::tc_query(&h, &mut o).napi()?;
    opts::to_js(env, &o)
}

/// A PERF_COUNT_SW_CPU_CLOCK sampling event fd (the caller owns and closes it).
#[napi(catch_unwind)]
pub fn open_cpu_clock_sampler(
    pid: i32,
    cpu: i32,
    period_or_freq: Either<BigInt, f64>,
    freq: bool,
) -> napi::Result<i32> {
    let bad =
        || crate::error::type_error("openCpuClockSampler: period must be a non-negative integer");
    let n = match period_or_freq {
        Either::A(b) => match b.get_u64() {
            (false, v, true) => v,
            _ => return Err(bad()),
        },
        Either::B(f) if f >= 0.0 && f.fract() == 0.0 => f as u64,
        Either::B(_) => return Err(bad()),
    };
    attach::open_cpu_clock_sampler(pid, cpu, n, freq)
        .napi()
        .map(|fd| fd.into_raw_fd())
}

/// The JS thread's network namespace, saved when entering another one and restored by
/// `restore()` (the backing of index.js withNetns).
#[napi]
pub struct NativeNetnsGuard {
    saved: Option<File>,
}

#[napi]
impl NativeNetnsGuard {
    /// Save the calling thread's namespace, then enter the one at `path`.
    #[napi(factory, catch_unwind)]
    pub fn enter(path: String) -> napi::Result<NativeNetnsGuard> {
        const CUR: &str = "/proc/thread-self/ns/net";
        let saved = File::open(CUR).map_err(|e| {
            let errno = e.raw_os_error().unwrap_or(libc::EIO);
            napi_err(errno, format!("failed to open {CUR}"))
        })?;
        rbpf_core::sys::netlink::enter_netns(&path).napi()?;
        Ok(NativeNetnsGuard { saved: Some(saved) })
    }
    /// Go back to the saved namespace; idempotent.
    #[napi(catch_unwind)]
    pub fn restore(&mut self) -> napi::Result<()> {
        let Some(f) = self.saved.take() else {
            return Ok(());
        };
        // The saved fd re-opened through /proc: no unsafe setns here.
        let p = format!("/proc/self/fd/{}", f.as_raw_fd());
        rbpf_core::sys::netlink::enter_netns(&p).napi()
    }
}
