//! Issue 4 attach kinds: the bodies of Program.attach_* / Link.pin ... (the #[pymethods]
//! entries in object.rs forward here) and the module-level netlink calls (xdp_*, tc_*).
//! Options come from the core's declarations through `from_kwargs`; only libbpf's
//! positional arguments (pid, func_offset, ...) are taken out of the keywords here.
//! Interface names are resolved and attach calls made on the calling thread: interface
//! indexes and netns are per thread.

use crate::errors::{catch, catch_core, to_py, CoreResultExt};
use crate::object::{Link, Program};
use crate::opts::from_kwargs;
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyBytes, PyDict, PyInt, PyString};
use rbpf_core::attach::tc::{RBPF_TC_CUSTOM, RBPF_TC_EGRESS, RBPF_TC_INGRESS, RBPF_TC_QDISC};
use rbpf_core::opts::{
    CgroupOpts, IterAttachOpts, KprobeMultiOpts, KprobeOpts, KsyscallOpts, NetfilterOpts, NetkitOpts,
    PerfEventOpts, TcHook, TcOpts, TcxOpts, UprobeMultiOpts, UprobeOpts, UsdtOpts, XdpAttachOpts,
};
use std::os::fd::{AsRawFd, IntoRawFd, RawFd};

type Kw<'a, 'py> = Option<&'a Bound<'py, PyDict>>;

/// Values of the non-option keywords, and the remaining option keywords.
type Split<'py> = (Vec<Option<Bound<'py, PyAny>>>, Option<Bound<'py, PyDict>>);

/// Take the non-option keywords `names` out of `kwargs`: (their values, the rest).
fn split<'py>(kwargs: Kw<'_, 'py>, _py: Python<'py>, names: &[&str]) -> PyResult<Split<'py>> {
    let Some(kw) = kwargs else { return Ok((names.iter().map(|_| None).collect(), None)) };
    let rest = kw.copy()?;
    let mut vals = Vec::with_capacity(names.len());
    for n in names {
        let v = rest.get_item(n)?;
        if v.is_some() {
            rest.del_item(n)?;
        }
        vals.push(v);
    }
    Ok((vals, Some(rest)))
}

fn opt_or<'py, T: FromPyObjectOwned<'py>>(func: &str, name: &str, v: &Option<Bound<'py, PyAny>>, default: T) -> PyResult<T> {
    match v {
        None => Ok(default),
        Some(v) if v.is_none() => Ok(default),
        Some(v) => v
            .extract()
            .map_err(|_| PyTypeError::new_err(format!("{func}() argument '{name}' has the wrong type"))),
    }
}

/// Replace a string enum keyword by its number (attach_mode="link" → 3).
fn enum_kw(func: &str, kw: &Option<Bound<'_, PyDict>>, key: &str, table: &[(&str, u32)]) -> PyResult<()> {
    let Some(kw) = kw else { return Ok(()) };
    let Some(v) = kw.get_item(key)? else { return Ok(()) };
    if let Ok(s) = v.cast::<PyString>() {
        let s = s.to_str()?;
        let n = table.iter().find(|(n, _)| n.eq_ignore_ascii_case(s)).map(|(_, v)| *v).ok_or_else(|| {
            let names: Vec<_> = table.iter().map(|(n, _)| format!("'{n}'")).collect();
            PyValueError::new_err(format!("{func}() argument '{key}' must be one of {} (got '{s}')", names.join(", ")))
        })?;
        kw.set_item(key, n)?;
    }
    Ok(())
}

const PROBE_MODES: &[(&str, u32)] = &[("default", 0), ("legacy", 1), ("perf", 2), ("link", 3)];

/// An int ifindex, or an interface name of the calling thread's network namespace.
pub fn ifindex(_py: Python<'_>, v: &Bound<'_, PyAny>) -> PyResult<i32> {
    if let Ok(s) = v.cast::<PyString>() {
        let name = s.to_str()?.to_owned();
        return catch(|| rbpf_core::sys::netlink::if_nametoindex(&name).py());
    }
    if v.is_instance_of::<PyInt>() && !v.is_instance_of::<PyBool>() {
        return v.extract();
    }
    Err(PyTypeError::new_err("ifindex must be an int or an interface name (str)"))
}

/// An fd: an int, an object with fileno() (sockets, files), or one with an `fd`
/// attribute (rbpf.Map, rbpf.Program).
pub fn fd_of(v: &Bound<'_, PyAny>, what: &str) -> PyResult<RawFd> {
    if v.is_instance_of::<PyInt>() && !v.is_instance_of::<PyBool>() {
        return v.extract();
    }
    if v.hasattr("fileno")? {
        return v.call_method0("fileno")?.extract();
    }
    if v.hasattr("fd")? {
        return v.getattr("fd")?.extract();
    }
    Err(PyTypeError::new_err(format!("{what} must be an fd (int), an object with fileno(), or an rbpf object with .fd")))
}

/// An fd, or a path opened O_RDONLY for the call (cgroup dirs, /run/netns/x).
enum FdOrPath {
    Fd(RawFd),
    Owned(std::fs::File),
}
impl FdOrPath {
    fn from(v: &Bound<'_, PyAny>, what: &str) -> PyResult<Self> {
        if v.is_instance_of::<PyString>() || v.hasattr("__fspath__")? {
            let p: std::path::PathBuf = v.extract()?;
            return std::fs::File::open(&p)
                .map(FdOrPath::Owned)
                .map_err(|e| {
                    let errno = e.raw_os_error().unwrap_or(libc::EINVAL);
                    Python::attach(|py| to_py(py, rbpf_core::Error::new(errno, format!("{what} '{}': {e}", p.display()))))
                });
        }
        Ok(FdOrPath::Fd(fd_of(v, what)?))
    }
    fn fd(&self) -> RawFd {
        match self {
            FdOrPath::Fd(fd) => *fd,
            FdOrPath::Owned(f) => f.as_raw_fd(),
        }
    }
}

fn attach_point(v: &Bound<'_, PyAny>) -> PyResult<u32> {
    if let Ok(s) = v.cast::<PyString>() {
        return match s.to_str()?.to_ascii_lowercase().as_str() {
            "ingress" => Ok(RBPF_TC_INGRESS),
            "egress" => Ok(RBPF_TC_EGRESS),
            "ingress+egress" | "both" => Ok(RBPF_TC_INGRESS | RBPF_TC_EGRESS),
            "custom" => Ok(RBPF_TC_CUSTOM),
            "qdisc" => Ok(RBPF_TC_QDISC),
            other => Err(PyValueError::new_err(format!(
                "attach_point must be 'ingress', 'egress', 'ingress+egress', 'custom' or 'qdisc' (got '{other}')"
            ))),
        };
    }
    v.extract()
}

fn u64_list(func: &str, name: &str, v: &Option<Bound<'_, PyAny>>) -> PyResult<Vec<u64>> {
    match v {
        None => Ok(Vec::new()),
        Some(v) if v.is_none() => Ok(Vec::new()),
        Some(v) => v.extract().map_err(|_| PyTypeError::new_err(format!("{func}() argument '{name}' must be a sequence of ints"))),
    }
}
fn str_list(func: &str, name: &str, v: &Option<Bound<'_, PyAny>>) -> PyResult<Vec<String>> {
    match v {
        None => Ok(Vec::new()),
        Some(v) if v.is_none() => Ok(Vec::new()),
        Some(v) if v.is_instance_of::<PyString>() => Err(PyTypeError::new_err(format!("{func}() argument '{name}' must be a sequence of str, not str"))),
        Some(v) => v.extract().map_err(|_| PyTypeError::new_err(format!("{func}() argument '{name}' must be a sequence of str"))),
    }
}

fn run(prog: &Program, py: Python<'_>, f: impl FnOnce(&rbpf_core::Program) -> rbpf_core::Result<rbpf_core::Link>) -> PyResult<Link> {
    prog.with(py, |p| f(p).py()).map(Link::new)
}

pub fn uprobe(prog: &Program, py: Python<'_>, path: &str, kwargs: Kw<'_, '_>) -> PyResult<Link> {
    const F: &str = "Program.attach_uprobe";
    let (v, rest) = split(kwargs, py, &["pid", "func_offset"])?;
    let pid: i32 = opt_or(F, "pid", &v[0], -1)?;
    let off: usize = opt_or(F, "func_offset", &v[1], 0)?;
    enum_kw(F, &rest, "attach_mode", PROBE_MODES)?;
    let opts: UprobeOpts = from_kwargs(F, rest.as_ref())?;
    run(prog, py, |p| p.attach_uprobe(pid, path, off, &opts))
}

pub fn uprobe_multi(prog: &Program, py: Python<'_>, path: &str, pattern: Option<&str>, kwargs: Kw<'_, '_>) -> PyResult<Link> {
    const F: &str = "Program.attach_uprobe_multi";
    let (v, rest) = split(kwargs, py, &["pid", "syms", "offsets", "ref_ctr_offsets", "cookies"])?;
    let pid: i32 = opt_or(F, "pid", &v[0], -1)?;
    let syms = str_list(F, "syms", &v[1])?;
    let offsets = u64_list(F, "offsets", &v[2])?;
    let refs = u64_list(F, "ref_ctr_offsets", &v[3])?;
    let cookies = u64_list(F, "cookies", &v[4])?;
    let opts: UprobeMultiOpts = from_kwargs(F, rest.as_ref())?;
    let sym_refs: Vec<&str> = syms.iter().map(String::as_str).collect();
    let t = rbpf_core::attach::UprobeMultiTargets { syms: &sym_refs, offsets: &offsets, ref_ctr_offsets: &refs, cookies: &cookies };
    run(prog, py, |p| p.attach_uprobe_multi(pid, path, pattern, &t, &opts))
}

pub fn usdt(prog: &Program, py: Python<'_>, path: &str, provider: &str, name: &str, kwargs: Kw<'_, '_>) -> PyResult<Link> {
    const F: &str = "Program.attach_usdt";
    let (v, rest) = split(kwargs, py, &["pid"])?;
    let pid: i32 = opt_or(F, "pid", &v[0], -1)?;
    let opts: UsdtOpts = from_kwargs(F, rest.as_ref())?;
    run(prog, py, |p| p.attach_usdt(pid, path, provider, name, &opts))
}

pub fn kprobe(prog: &Program, py: Python<'_>, func: &str, kwargs: Kw<'_, '_>) -> PyResult<Link> {
    const F: &str = "Program.attach_kprobe";
    let (_, rest) = split(kwargs, py, &[])?;
    enum_kw(F, &rest, "attach_mode", PROBE_MODES)?;
    let opts: KprobeOpts = from_kwargs(F, rest.as_ref())?;
    run(prog, py, |p| p.attach_kprobe(func, &opts))
}

pub fn ksyscall(prog: &Program, py: Python<'_>, name: &str, kwargs: Kw<'_, '_>) -> PyResult<Link> {
    let opts: KsyscallOpts = from_kwargs("Program.attach_ksyscall", kwargs)?;
    run(prog, py, |p| p.attach_ksyscall(name, &opts))
}

pub fn kprobe_multi(prog: &Program, py: Python<'_>, pattern: Option<&str>, kwargs: Kw<'_, '_>) -> PyResult<Link> {
    const F: &str = "Program.attach_kprobe_multi";
    let (v, rest) = split(kwargs, py, &["syms", "addrs", "cookies"])?;
    let syms = str_list(F, "syms", &v[0])?;
    let addrs = u64_list(F, "addrs", &v[1])?;
    let cookies = u64_list(F, "cookies", &v[2])?;
    let opts: KprobeMultiOpts = from_kwargs(F, rest.as_ref())?;
    let sym_refs: Vec<&str> = syms.iter().map(String::as_str).collect();
    let t = rbpf_core::attach::KprobeMultiTargets { syms: &sym_refs, addrs: &addrs, cookies: &cookies };
    run(prog, py, |p| p.attach_kprobe_multi(pattern, &t, &opts))
}

fn xdp_mode(mode: Option<&str>, flags: u32) -> PyResult<u32> {
    let m = match mode {
        None => 0,
        Some("skb") | Some("generic") => rbpf_core::uapi::XDP_FLAGS_SKB_MODE,
        Some("drv") | Some("native") => rbpf_core::uapi::XDP_FLAGS_DRV_MODE,
        Some("hw") => rbpf_core::uapi::XDP_FLAGS_HW_MODE,
        Some(o) => return Err(PyValueError::new_err(format!("mode must be 'skb', 'drv' or 'hw' (got '{o}')"))),
    };
    Ok(flags | m)
}

pub fn xdp(prog: &Program, py: Python<'_>, ifx: &Bound<'_, PyAny>, flags: u32, mode: Option<&str>) -> PyResult<Link> {
    let idx = ifindex(py, ifx)?;
    let flags = xdp_mode(mode, flags)?;
    run(prog, py, |p| p.attach_xdp_with_flags(idx, flags))
}

pub fn tcx(prog: &Program, py: Python<'_>, ifx: &Bound<'_, PyAny>, kwargs: Kw<'_, '_>) -> PyResult<Link> {
    let idx = ifindex(py, ifx)?;
    let opts: TcxOpts = from_kwargs("Program.attach_tcx", kwargs)?;
    run(prog, py, |p| p.attach_tcx(idx, &opts))
}

pub fn netkit(prog: &Program, py: Python<'_>, ifx: &Bound<'_, PyAny>, kwargs: Kw<'_, '_>) -> PyResult<Link> {
    let idx = ifindex(py, ifx)?;
    let opts: NetkitOpts = from_kwargs("Program.attach_netkit", kwargs)?;
    run(prog, py, |p| p.attach_netkit(idx, &opts))
}

pub fn tc(prog: &Program, py: Python<'_>, ifx: &Bound<'_, PyAny>, point: &Bound<'_, PyAny>, priority: u32, handle: u32) -> PyResult<Link> {
    let idx = ifindex(py, ifx)?;
    let ap = attach_point(point)?;
    run(prog, py, |p| p.attach_tc(idx, ap, priority, handle))
}

pub fn cgroup(prog: &Program, py: Python<'_>, cg: &Bound<'_, PyAny>, kwargs: Kw<'_, '_>) -> PyResult<Link> {
    let opts: CgroupOpts = from_kwargs("Program.attach_cgroup", kwargs)?;
    let fd = FdOrPath::from(cg, "cgroup")?;
    run(prog, py, |p| p.attach_cgroup(fd.fd(), &opts))
}

pub fn netns(prog: &Program, py: Python<'_>, ns: &Bound<'_, PyAny>) -> PyResult<Link> {
    let fd = FdOrPath::from(ns, "netns")?;
    run(prog, py, |p| p.attach_netns(fd.fd()))
}

pub fn sockmap(prog: &Program, py: Python<'_>, map: &Bound<'_, PyAny>) -> PyResult<Link> {
    let fd = fd_of(map, "map")?;
    run(prog, py, |p| p.attach_sockmap(fd))
}

pub fn socket_filter(prog: &Program, py: Python<'_>, sock: &Bound<'_, PyAny>) -> PyResult<Link> {
    let fd = fd_of(sock, "sock")?;
    run(prog, py, |p| p.attach_socket_filter(fd))
}

pub fn iter(prog: &Program, py: Python<'_>, kwargs: Kw<'_, '_>) -> PyResult<Link> {
    const F: &str = "Program.attach_iter";
    let (v, rest) = split(kwargs, py, &["map"])?;
    let mut opts: IterAttachOpts = from_kwargs(F, rest.as_ref())?;
    if let Some(m) = &v[0] {
        if !m.is_none() {
            opts.map_fd = fd_of(m, "map")? as u32;
        }
    }
    run(prog, py, |p| p.attach_iter(&opts))
}

pub fn perf_event(prog: &Program, py: Python<'_>, pfd: &Bound<'_, PyAny>, kwargs: Kw<'_, '_>) -> PyResult<Link> {
    let fd = fd_of(pfd, "perf_fd")?;
    let opts: PerfEventOpts = from_kwargs("Program.attach_perf_event", kwargs)?;
    run(prog, py, |p| p.attach_perf_event(fd, &opts))
}

pub fn netfilter(prog: &Program, py: Python<'_>, kwargs: Kw<'_, '_>) -> PyResult<Link> {
    let opts: NetfilterOpts = from_kwargs("Program.attach_netfilter", kwargs)?;
    run(prog, py, |p| p.attach_netfilter(&opts))
}

pub fn lsm(prog: &Program, py: Python<'_>) -> PyResult<Link> {
    run(prog, py, |p| p.attach_lsm())
}

// ---- Link ----

fn link_op<T: Send>(link: &Link, py: Python<'_>, f: impl FnOnce(&mut rbpf_core::Link) -> rbpf_core::Result<T> + Send) -> PyResult<T> {
    py.detach(|| catch_core(|| f(&mut link.inner.lock()))).map_err(|e| to_py(py, e))
}

pub fn link_pin(link: &Link, py: Python<'_>, path: std::path::PathBuf) -> PyResult<()> {
    link_op(link, py, |l| l.pin(&path))
}
pub fn link_unpin(link: &Link, py: Python<'_>) -> PyResult<()> {
    link_op(link, py, |l| l.unpin())
}
pub fn link_pin_path(link: &Link) -> PyResult<Option<String>> {
    catch(|| Ok(link.inner.lock().pin_path().map(|p| p.to_string_lossy().into_owned())))
}
pub fn link_open(py: Python<'_>, path: std::path::PathBuf) -> PyResult<Link> {
    py.detach(|| catch_core(|| rbpf_core::Link::open_pinned(&path))).map(Link::new).map_err(|e| to_py(py, e))
}
pub fn link_update_program(link: &Link, py: Python<'_>, prog: &Bound<'_, PyAny>) -> PyResult<()> {
    let fd = fd_of(prog, "prog")?;
    link_op(link, py, |l| l.update_program(fd))
}
pub fn link_disconnect(link: &Link) -> PyResult<()> {
    catch(|| {
        link.inner.lock().disconnect();
        Ok(())
    })
}
pub fn link_iter_read<'py>(link: &Link, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
    let data = link_op(link, py, |l| rbpf_core::attach::iter_read_all(l))?;
    Ok(PyBytes::new(py, &data))
}
pub fn link_iter_create(link: &Link, py: Python<'_>) -> PyResult<i32> {
    link_op(link, py, |l| rbpf_core::attach::iter_create(l).map(|fd| fd.into_raw_fd()))
}
pub fn link_info<'py>(link: &Link, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
    let i = link_op(link, py, |l| l.info())?;
    let d = PyDict::new(py);
    d.set_item("type", i.link_type)?;
    d.set_item("id", i.id)?;
    d.set_item("prog_id", i.prog_id)?;
    Ok(d)
}

// ---- module functions ----

/// Open a software CPU-clock sampling perf event; returns the fd (close it with os.close).
#[pyfunction]
#[pyo3(signature = (*, pid = 0, cpu = -1, period = 1_000_000, freq = false), text_signature = "(*, pid=0, cpu=-1, period=1000000, freq=False)")]
pub fn open_cpu_clock_sampler(pid: i32, cpu: i32, period: u64, freq: bool) -> PyResult<i32> {
    catch(|| rbpf_core::attach::open_cpu_clock_sampler(pid, cpu, period, freq).map(|fd| fd.into_raw_fd()).py())
}

/// libbpf's bpf_xdp_attach (netlink). `prog`: a Program or an fd.
#[pyfunction]
#[pyo3(signature = (ifindex, prog, flags = 0, /, **kwargs))]
pub fn xdp_attach(py: Python<'_>, ifindex: &Bound<'_, PyAny>, prog: &Bound<'_, PyAny>, flags: u32, kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<()> {
    let idx = self::ifindex(py, ifindex)?;
    let fd = fd_of(prog, "prog")?;
    let opts: XdpAttachOpts = from_kwargs("xdp_attach", kwargs)?;
    catch(|| rbpf_core::attach::xdp_attach(idx, fd, flags, &opts).py())
}

/// libbpf's bpf_xdp_detach (netlink).
#[pyfunction]
#[pyo3(signature = (ifindex, flags = 0, /, **kwargs))]
pub fn xdp_detach(py: Python<'_>, ifindex: &Bound<'_, PyAny>, flags: u32, kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<()> {
    let idx = self::ifindex(py, ifindex)?;
    let opts: XdpAttachOpts = from_kwargs("xdp_detach", kwargs)?;
    catch(|| rbpf_core::attach::xdp_detach(idx, flags, &opts).py())
}

/// libbpf's bpf_xdp_query: a dict with the fields of rbpf_xdp_query_opts.
#[pyfunction]
#[pyo3(signature = (ifindex, flags = 0, /))]
pub fn xdp_query<'py>(py: Python<'py>, ifindex: &Bound<'_, PyAny>, flags: u32) -> PyResult<Bound<'py, PyDict>> {
    let idx = self::ifindex(py, ifindex)?;
    let q = catch(|| rbpf_core::attach::xdp_query(idx, flags).py())?;
    let d = PyDict::new(py);
    d.set_item("prog_id", q.prog_id)?;
    d.set_item("drv_prog_id", q.drv_prog_id)?;
    d.set_item("hw_prog_id", q.hw_prog_id)?;
    d.set_item("skb_prog_id", q.skb_prog_id)?;
    d.set_item("attach_mode", q.attach_mode)?;
    d.set_item("feature_flags", q.feature_flags)?;
    d.set_item("xdp_zc_max_segs", q.xdp_zc_max_segs)?;
    Ok(d)
}

/// libbpf's bpf_xdp_query_id.
#[pyfunction]
#[pyo3(signature = (ifindex, flags = 0, /))]
pub fn xdp_query_id(py: Python<'_>, ifindex: &Bound<'_, PyAny>, flags: u32) -> PyResult<u32> {
    let idx = self::ifindex(py, ifindex)?;
    catch(|| rbpf_core::attach::xdp_query_id(idx, flags).py())
}

/// Build a TcHook from ifindex, attach_point and the remaining rbpf_tc_hook fields.
fn hook(py: Python<'_>, func: &str, ifx: &Bound<'_, PyAny>, point: &Bound<'_, PyAny>, kwargs: Kw<'_, '_>) -> PyResult<TcHook> {
    reject(func, kwargs, &["ifindex", "attach_point"])?;
    let mut h: TcHook = from_kwargs(func, kwargs)?;
    h.ifindex = ifindex(py, ifx)?;
    h.attach_point = attach_point(point)?;
    Ok(h)
}

fn reject(func: &str, kwargs: Kw<'_, '_>, names: &[&str]) -> PyResult<()> {
    if let Some(kw) = kwargs {
        for n in names {
            if kw.contains(n)? {
                return Err(PyTypeError::new_err(format!("{func}() got an unexpected keyword argument '{n}'")));
            }
        }
    }
    Ok(())
}

/// libbpf's bpf_tc_hook_create (EEXIST → FileExistsError when the qdisc exists).
#[pyfunction]
#[pyo3(signature = (ifindex, attach_point = None, /, **kwargs))]
pub fn tc_hook_create(py: Python<'_>, ifindex: &Bound<'_, PyAny>, attach_point: Option<&Bound<'_, PyAny>>, kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<()> {
    let ingress = PyString::new(py, "ingress").into_any();
    let h = hook(py, "tc_hook_create", ifindex, attach_point.unwrap_or(&ingress), kwargs)?;
    catch(|| rbpf_core::attach::tc_hook_create(&h).py())
}

/// libbpf's bpf_tc_hook_destroy ("ingress+egress" deletes the clsact qdisc).
#[pyfunction]
#[pyo3(signature = (ifindex, attach_point = None, /, **kwargs))]
pub fn tc_hook_destroy(py: Python<'_>, ifindex: &Bound<'_, PyAny>, attach_point: Option<&Bound<'_, PyAny>>, kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<()> {
    let both = PyString::new(py, "ingress+egress").into_any();
    let h = hook(py, "tc_hook_destroy", ifindex, attach_point.unwrap_or(&both), kwargs)?;
    catch(|| rbpf_core::attach::tc_hook_destroy(&h).py())
}

fn tc_opts(func: &str, kwargs: Kw<'_, '_>) -> PyResult<TcOpts> {
    reject(func, kwargs, &["prog_fd", "prog_id"])?;
    from_kwargs(func, kwargs)
}

fn tc_result<'py>(py: Python<'py>, o: &TcOpts) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("prog_id", o.prog_id)?;
    d.set_item("handle", o.handle)?;
    d.set_item("priority", o.priority)?;
    Ok(d)
}

/// libbpf's bpf_tc_attach: returns {prog_id, handle, priority}. Keywords: handle,
/// priority, flags (RBPF_TC_F_REPLACE = 1) or replace=True.
#[pyfunction]
#[pyo3(signature = (ifindex, attach_point, prog, /, *, replace = false, **kwargs))]
pub fn tc_attach<'py>(
    py: Python<'py>,
    ifindex: &Bound<'_, PyAny>,
    attach_point: &Bound<'_, PyAny>,
    prog: &Bound<'_, PyAny>,
    replace: bool,
    kwargs: Option<&Bound<'_, PyDict>>,
) -> PyResult<Bound<'py, PyDict>> {
    let h = hook(py, "tc_attach", ifindex, attach_point, None)?;
    let mut o = tc_opts("tc_attach", kwargs)?;
    o.prog_fd = fd_of(prog, "prog")?;
    if replace {
        o.flags |= rbpf_core::attach::tc::RBPF_TC_F_REPLACE;
    }
    catch(|| rbpf_core::attach::tc_attach(&h, &mut o).py())?;
    tc_result(py, &o)
}

/// libbpf's bpf_tc_detach (handle and priority required).
#[pyfunction]
#[pyo3(signature = (ifindex, attach_point, /, **kwargs))]
pub fn tc_detach(py: Python<'_>, ifindex: &Bound<'_, PyAny>, attach_point: &Bound<'_, PyAny>, kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<()> {
    let h = hook(py, "tc_detach", ifindex, attach_point, None)?;
    let o = tc_opts("tc_detach", kwargs)?;
    catch(|| rbpf_core::attach::tc_detach(&h, &o).py())
}

/// libbpf's bpf_tc_query: the program id of the filter with this handle and priority.
#[pyfunction]
#[pyo3(signature = (ifindex, attach_point, /, **kwargs))]
pub fn tc_query(py: Python<'_>, ifindex: &Bound<'_, PyAny>, attach_point: &Bound<'_, PyAny>, kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<u32> {
    let h = hook(py, "tc_query", ifindex, attach_point, None)?;
    let mut o = tc_opts("tc_query", kwargs)?;
    catch(|| rbpf_core::attach::tc_query(&h, &mut o).py())?;
    Ok(o.prog_id)
}

/// Add the module-level functions (called from lib.rs).
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(open_cpu_clock_sampler, m)?)?;
    m.add_function(wrap_pyfunction!(xdp_attach, m)?)?;
    m.add_function(wrap_pyfunction!(xdp_detach, m)?)?;
    m.add_function(wrap_pyfunction!(xdp_query, m)?)?;
    m.add_function(wrap_pyfunction!(xdp_query_id, m)?)?;
    m.add_function(wrap_pyfunction!(tc_hook_create, m)?)?;
    m.add_function(wrap_pyfunction!(tc_hook_destroy, m)?)?;
    m.add_function(wrap_pyfunction!(tc_attach, m)?)?;
    m.add_function(wrap_pyfunction!(tc_detach, m)?)?;
    m.add_function(wrap_pyfunction!(tc_query, m)?)?;
    m.add("RBPF_TC_INGRESS", RBPF_TC_INGRESS)?;
    m.add("RBPF_TC_EGRESS", RBPF_TC_EGRESS)?;
    m.add("RBPF_TC_CUSTOM", RBPF_TC_CUSTOM)?;
    m.add("RBPF_TC_QDISC", RBPF_TC_QDISC)?;
    m.add("RBPF_TC_F_REPLACE", rbpf_core::attach::tc::RBPF_TC_F_REPLACE)?;
    Ok(())
}
