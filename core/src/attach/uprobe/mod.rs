//! uprobe / uretprobe: a function (by name, "name@VERSION", or file offset) in an
//! executable or shared library, for one process or all. Opened on the uprobe PMU
//! (perf_event_open) and attached through a BPF perf link (cookie-capable), the legacy
//! perf ioctl, or tracefs `uprobe_events` when the PMU is missing; uprobe.multi links
//! attach many offsets at once.

pub mod elf;
pub mod resolve;

use super::perf_event::{attach_perf_fd, attach_perf_event_legacy};
use super::{Link, LinkDetach};
use crate::opts::{UprobeMultiOpts, UprobeOpts};
use crate::sys::probe::{self, ProbeKind};
use crate::sys::{self, LinkCreateAttr, LinkTarget};
use crate::uapi::*;
use crate::{bail, Error, Result};
use std::ffi::CString;
use std::os::fd::RawFd;

pub use elf::ElfImage;
pub use resolve::resolve_path;

/// libbpf's `enum probe_attach_mode`.
pub const RBPF_PROBE_ATTACH_MODE_DEFAULT: u32 = 0;
pub const RBPF_PROBE_ATTACH_MODE_LEGACY: u32 = 1;
pub const RBPF_PROBE_ATTACH_MODE_PERF: u32 = 2;
pub const RBPF_PROBE_ATTACH_MODE_LINK: u32 = 3;

/// Attach a uprobe (or, with `opts.retprobe`, a uretprobe) to `binary_path` at
/// `func_offset` (relative to `opts.func_name` when given, else a file offset).
/// `pid`: -1 every process, 0 this process, N process N. A path without '/' is resolved
/// (see [`resolve_path`]).
pub fn attach_uprobe(prog_fd: RawFd, pid: i32, binary_path: &str, func_offset: usize, opts: &UprobeOpts) -> Result<Link> {
    let kind = if opts.retprobe { "uretprobe" } else { "uprobe" };
    let shown = match &opts.func_name {
        Some(f) if func_offset != 0 => format!("{binary_path}:{f}+0x{func_offset:x}"),
        Some(f) => format!("{binary_path}:{f}"),
        None => format!("{binary_path}:0x{func_offset:x}"),
    };
    let wrap = |e: Error| Error::new(e.errno(), format!("failed to attach {kind} '{shown}': {}", e.message()));
    let path = resolve_path(binary_path, pid).map_err(wrap)?;
    let mut offset = func_offset as u64;
    if let Some(name) = opts.func_name.as_deref().filter(|n| !n.is_empty()) {
        let img = ElfImage::open(&path).map_err(wrap)?;
        offset = offset.checked_add(img.find_func_offset(name).map_err(wrap)?).ok_or_else(|| wrap(Error::new(libc::EINVAL, "offset overflow")))?;
    }
    let pid = if pid == 0 { std::process::id() as i32 } else { pid };
    let target = format!("{kind} '{path}' offset 0x{offset:x}{}", if pid > 0 { format!(" pid {pid}") } else { String::new() });
    open_and_attach(prog_fd, ProbeKind::Uprobe, opts.retprobe, &path, offset, pid, opts.ref_ctr_offset as u64, opts.bpf_cookie, opts.attach_mode, target).map_err(wrap)
}

/// The shared part of uprobe and kprobe attach: open the probe by `attach_mode` and
/// attach the program. For kprobes `name` is the function and `offset` its offset.
#[allow(clippy::too_many_arguments)]
pub(crate) fn open_and_attach(prog_fd: RawFd, kind: ProbeKind, retprobe: bool, name: &str, offset: u64, pid: i32, ref_ctr: u64, cookie: u64, mode: u32, target: String) -> Result<Link> {
    let have_pmu = probe::probe_pmu_type(kind).is_ok();
    let legacy_file = probe::tracefs_file(&format!("{}_events", kind.name()));
    if !have_pmu && legacy_file.is_none() {
        let k = kind.name();
        return Err(Error::new(libc::EOPNOTSUPP, format!("{k}s are not supported by this kernel (no {k} PMU and no {k}_events)")));
    }
    match mode {
        RBPF_PROBE_ATTACH_MODE_LEGACY => {}
        RBPF_PROBE_ATTACH_MODE_DEFAULT | RBPF_PROBE_ATTACH_MODE_PERF | RBPF_PROBE_ATTACH_MODE_LINK if have_pmu => {
            if mode == RBPF_PROBE_ATTACH_MODE_LINK && !sys::features::have_link_perf_event() {
                bail!(libc::EOPNOTSUPP, "attach mode 'link' needs BPF perf links, which this kernel lacks");
            }
            if mode == RBPF_PROBE_ATTACH_MODE_PERF && cookie != 0 {
                bail!(libc::EOPNOTSUPP, "a BPF cookie needs attach mode 'link'");
            }
            let pfd = probe::perf_event_open_probe(kind, retprobe, Some(name).filter(|n| !n.is_empty()), offset, pid, ref_ctr)?;
            return if mode == RBPF_PROBE_ATTACH_MODE_PERF { attach_perf_event_legacy(prog_fd, pfd) } else { attach_perf_fd(prog_fd, pfd, cookie, target) };
        }
        RBPF_PROBE_ATTACH_MODE_DEFAULT | RBPF_PROBE_ATTACH_MODE_PERF | RBPF_PROBE_ATTACH_MODE_LINK => {
            bail!(libc::EOPNOTSUPP, "attach mode {mode} needs the {} PMU, which this kernel lacks", kind.name())
        }
        m => bail!(libc::EINVAL, "invalid probe attach mode {m}"),
    }
    // Legacy: a named event in tracefs, opened as a tracepoint.
    let Some(events) = legacy_file else {
        bail!(libc::EOPNOTSUPP, "{}_events is not available (tracefs not mounted?)", kind.name());
    };
    if ref_ctr != 0 && kind == ProbeKind::Kprobe {
        bail!(libc::EINVAL, "kprobes have no reference counter");
    }
    legacy_attach(prog_fd, kind, retprobe, name, offset, pid, ref_ctr, cookie, &events, target)
}

#[derive(Debug)]
struct LegacyEvent {
    inner: Option<Link>,
    events_file: String,
    group_name: String,
}

impl LinkDetach for LegacyEvent {
    fn detach(&mut self) -> Result<()> {
        if let Some(mut l) = self.inner.take() {
            l.detach()?;
        }
        probe::tracefs_append(&self.events_file, &format!("-:{}", self.group_name))
    }
}

fn legacy_event_name(kind: ProbeKind, name: &str, offset: u64) -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    let clean: String = name.rsplit('/').next().unwrap_or(name).chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }).take(16).collect();
    format!("rbpf_{}_{}_{clean}_0x{offset:x}_{}", std::process::id(), kind.name().chars().next().unwrap_or('p'), N.fetch_add(1, Ordering::Relaxed))
}

#[allow(clippy::too_many_arguments)]
fn legacy_attach(prog_fd: RawFd, kind: ProbeKind, retprobe: bool, name: &str, offset: u64, pid: i32, ref_ctr: u64, cookie: u64, events: &str, target: String) -> Result<Link> {
    let ev = legacy_event_name(kind, name, offset);
    let group = if kind == ProbeKind::Kprobe { "kprobes" } else { "uprobes" };
    let p = if retprobe { 'r' } else { 'p' };
    let def = match kind {
        ProbeKind::Uprobe if ref_ctr != 0 => format!("{p}:{group}/{ev} {name}:0x{offset:x}(0x{ref_ctr:x})"),
        ProbeKind::Uprobe => format!("{p}:{group}/{ev} {name}:0x{offset:x}"),
        ProbeKind::Kprobe if name.is_empty() => format!("{p}:{group}/{ev} 0x{offset:x}"),
        ProbeKind::Kprobe => format!("{p}:{group}/{ev} {name}+{offset}"),
    };
    probe::tracefs_append(events, &def)?;
    let remove = || {
        let _ = probe::tracefs_append(events, &format!("-:{group}/{ev}"));
    };
    let id = match super::tracepoint::tracepoint_id(group, &ev) {
        Ok(id) => id,
        Err(e) => {
            remove();
            return Err(e);
        }
    };
    let attr = sys::attr::PerfEventAttr { type_: sys::PERF_TYPE_TRACEPOINT, config: id, sample_period: 1, ..Default::default() };
    let (ppid, cpu) = if pid < 0 { (-1, 0) } else { (pid, -1) };
    let inner = sys::perf_event_open(&attr, ppid, cpu, -1, 0).and_then(|pfd| attach_perf_fd(prog_fd, pfd, cookie, target.clone()));
    match inner {
        Ok(l) => Ok(Link::custom(None, Box::new(LegacyEvent { inner: Some(l), events_file: events.to_string(), group_name: format!("{group}/{ev}") }), target)),
        Err(e) => {
            remove();
            Err(e)
        }
    }
}

/// The arrays of a uprobe.multi attach (libbpf keeps them in `bpf_uprobe_multi_opts`):
/// either `syms` (function names) or `offsets` (file offsets), optional per-probe
/// `ref_ctr_offsets` and `cookies`.
#[derive(Clone, Debug, Default)]
pub struct UprobeMultiTargets<'a> {
    pub syms: &'a [&'a str],
    pub offsets: &'a [u64],
    pub ref_ctr_offsets: &'a [u64],
    pub cookies: &'a [u64],
}

/// Attach one program to many uprobes of one file with a single uprobe.multi link (6.6+).
/// Give a `func_pattern` glob (`*`, `?`), or names / offsets in `targets`. The program
/// must be loaded with expected attach type BPF_TRACE_UPROBE_MULTI (or _SESSION).
pub fn attach_uprobe_multi(prog_fd: RawFd, pid: i32, binary_path: &str, func_pattern: Option<&str>, targets: &UprobeMultiTargets<'_>, opts: &UprobeMultiOpts) -> Result<Link> {
    let shown = format!("{binary_path}:{}", func_pattern.unwrap_or("<offsets>"));
    let wrap = |e: Error| Error::new(e.errno(), format!("failed to attach uprobe.multi '{shown}': {}", e.message()));
    let given = [func_pattern.is_some(), !targets.syms.is_empty(), !targets.offsets.is_empty()].iter().filter(|b| **b).count();
    if given != 1 {
        return Err(wrap(Error::new(libc::EINVAL, "give exactly one of a pattern, symbol names or offsets")));
    }
    let path = resolve_path(binary_path, pid).map_err(wrap)?;
    let offsets: Vec<u64> = if let Some(pat) = func_pattern {
        let img = ElfImage::open(&path).map_err(wrap)?;
        let found = img.find_func_pattern(pat);
        if found.is_empty() {
            return Err(wrap(Error::new(libc::ENOENT, format!("no function in '{path}' matches '{pat}'"))));
        }
        found.into_iter().map(|(_, o)| o).collect()
    } else if !targets.syms.is_empty() {
        let img = ElfImage::open(&path).map_err(wrap)?;
        targets.syms.iter().map(|s| img.find_func_offset(s)).collect::<Result<_>>().map_err(wrap)?
    } else {
        targets.offsets.to_vec()
    };
    let n = offsets.len();
    if (!targets.cookies.is_empty() && targets.cookies.len() != n) || (!targets.ref_ctr_offsets.is_empty() && targets.ref_ctr_offsets.len() != n) {
        return Err(wrap(Error::new(libc::EINVAL, format!("cookies and ref_ctr_offsets must have one entry per probe ({n})"))));
    }
    if !sys::features::have_uprobe_multi_link() {
        return Err(wrap(Error::new(libc::EOPNOTSUPP, "uprobe.multi links are not supported by this kernel")));
    }
    let cpath = CString::new(path.clone()).map_err(|_| wrap(Error::new(libc::EINVAL, "path contains a NUL byte")))?;
    // The kernel's pid 0 means "any process".
    let kpid = match pid {
        p if p < 0 => 0,
        0 => std::process::id(),
        p => p as u32,
    };
    let attach_type = if opts.session { BPF_TRACE_UPROBE_SESSION } else { BPF_TRACE_UPROBE_MULTI };
    let flags = if opts.retprobe { BPF_F_UPROBE_MULTI_RETURN } else { 0 };
    let a = LinkCreateAttr {
        prog_fd,
        target_fd: 0,
        attach_type,
        flags: 0,
        target: LinkTarget::UprobeMulti { path: cpath, offsets, ref_ctr_offsets: targets.ref_ctr_offsets.to_vec(), cookies: targets.cookies.to_vec(), flags, pid: kpid },
    };
    let fd = sys::link_create(&a).map_err(wrap)?;
    Ok(Link::from_fd(fd, format!("uprobe.multi '{path}' ({n} probes)")))
}

/// Parse a uprobe SEC() target "PATH:FUNC[+OFF]" or "PATH:OFF" (the part after
/// "uprobe/"), into (path, func_name, offset).
pub fn parse_uprobe_sec(extras: &str) -> Result<(String, Option<String>, usize)> {
    let bad = || Error::new(libc::EINVAL, format!("invalid format of uprobe section target '{extras}', expected PATH:FUNC[+OFFSET]"));
    let (path, func) = extras.rsplit_once(':').ok_or_else(bad)?;
    if path.is_empty() || func.is_empty() {
        return Err(bad());
    }
    let parse_num = |s: &str| -> Option<usize> {
        match s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
            Some(h) => usize::from_str_radix(h, 16).ok(),
            None => s.parse().ok(),
        }
    };
    if let Some(off) = parse_num(func) {
        return Ok((path.to_string(), None, off));
    }
    let (name, off) = match func.split_once('+') {
        Some((n, o)) => (n, parse_num(o).ok_or_else(bad)?),
        None => (func, 0),
    };
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.' || c == '@') {
        return Err(bad());
    }
    Ok((path.to_string(), Some(name.to_string()), off))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sec_targets() {
        assert_eq!(parse_uprobe_sec("/bin/bash:readline").unwrap(), ("/bin/bash".into(), Some("readline".into()), 0));
        assert_eq!(parse_uprobe_sec("libc.so.6:malloc+0x10").unwrap(), ("libc.so.6".into(), Some("malloc".into()), 16));
        assert_eq!(parse_uprobe_sec("/x:0x1234").unwrap(), ("/x".into(), None, 0x1234));
        assert_eq!(parse_uprobe_sec("/x").unwrap_err().errno(), libc::EINVAL);
        assert_eq!(parse_uprobe_sec("/x:f+zz").unwrap_err().errno(), libc::EINVAL);
    }
}
