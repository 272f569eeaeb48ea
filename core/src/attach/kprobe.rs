//! kprobe / kretprobe (kprobe PMU, or tracefs kprobe_events), ksyscall (the arch-specific
//! syscall entry symbol) and kprobe.multi links. Kernels built without CONFIG_KPROBES
//! have neither the PMU nor kprobe_events: attaching fails with EOPNOTSUPP and says so.

use super::uprobe::open_and_attach;
use super::Link;
use crate::opts::{KprobeMultiOpts, KprobeOpts, KsyscallOpts};
use crate::sys::probe::{self, ProbeKind};
use crate::sys::{self, LinkCreateAttr, LinkTarget};
use crate::uapi::*;
use crate::{Error, Result};
use std::ffi::CString;
use std::os::fd::RawFd;

/// Attach a kprobe (or kretprobe with `opts.retprobe`) to `func` + `opts.offset`, or, with
/// `func` None, to the raw address `opts.offset`.
pub fn attach_kprobe(prog_fd: RawFd, func: Option<&str>, opts: &KprobeOpts) -> Result<Link> {
    let kind = if opts.retprobe { "kretprobe" } else { "kprobe" };
    let shown = match func {
        Some(f) if opts.offset != 0 => format!("{f}+0x{:x}", opts.offset),
        Some(f) => f.to_string(),
        None => format!("0x{:x}", opts.offset),
    };
    let wrap = |e: Error| Error::new(e.errno(), format!("failed to attach {kind} '{shown}': {}", e.message()));
    if let Some(f) = func {
        if f.is_empty() || f.contains(char::is_whitespace) {
            return Err(wrap(Error::new(libc::EINVAL, "invalid function name")));
        }
    } else if opts.offset == 0 {
        return Err(wrap(Error::new(libc::EINVAL, "need a function name or an address")));
    }
    if opts.retprobe && func.is_some() && opts.offset != 0 {
        return Err(wrap(Error::new(libc::EINVAL, "kretprobes cannot have an offset")));
    }
    let target = format!("{kind} '{shown}'");
    open_and_attach(prog_fd, ProbeKind::Kprobe, opts.retprobe, func.unwrap_or(""), opts.offset as u64, -1, 0, opts.bpf_cookie, opts.attach_mode, target).map_err(wrap)
}

/// The kernel symbol of system call `name` ("bpf" → "__x64_sys_bpf" on kernels with
/// syscall wrappers, else "sys_bpf"), as libbpf's ksyscall resolution.
pub fn syscall_symbol(name: &str) -> String {
    let prefix = arch_syscall_prefix();
    match prefix {
        Some(p) => format!("__{p}_sys_{name}"),
        None => format!("sys_{name}"),
    }
}

fn arch_syscall_prefix() -> Option<&'static str> {
    let arch = match std::env::consts::ARCH {
        "x86_64" => "x64",
        "aarch64" => "arm64",
        "s390x" => "s390x",
        "riscv64" => "riscv",
        "x86" => "ia32",
        _ => return None,
    };
    // Kernels with syscall wrappers (4.17+) have __<arch>_sys_bpf.
    let want = format!(" __{arch}_sys_bpf");
    let ks = std::fs::read_to_string("/proc/kallsyms").ok()?;
    ks.lines().any(|l| l.ends_with(&want) || l.contains(&format!("{want}\t"))).then_some(arch)
}

/// Attach to the kernel entry (or, with `opts.retprobe`, return) of system call
/// `syscall_name` ("openat", "bpf", ...).
pub fn attach_ksyscall(prog_fd: RawFd, syscall_name: &str, opts: &KsyscallOpts) -> Result<Link> {
    let sym = syscall_symbol(syscall_name);
    let k = KprobeOpts { bpf_cookie: opts.bpf_cookie, retprobe: opts.retprobe, ..Default::default() };
    attach_kprobe(prog_fd, Some(&sym), &k).map_err(|e| e.context(format_args!("ksyscall '{syscall_name}'")))
}

/// The arrays of a kprobe.multi attach: `syms` or `addrs`, optional `cookies`.
#[derive(Clone, Debug, Default)]
pub struct KprobeMultiTargets<'a> {
    pub syms: &'a [&'a str],
    pub addrs: &'a [u64],
    pub cookies: &'a [u64],
}

/// Kernel functions matching a glob, from tracefs available_filter_functions (the
/// functions kprobe.multi can attach to), sorted and deduplicated.
pub fn kernel_funcs_matching(pattern: &str) -> Result<Vec<String>> {
    let path = probe::tracefs_file("available_filter_functions").ok_or_else(|| Error::new(libc::ENOENT, "available_filter_functions not found (is tracefs mounted?)"))?;
    let text = std::fs::read_to_string(&path).map_err(|e| {
        let errno = e.raw_os_error().unwrap_or(libc::EIO);
        Error::new(errno, format!("failed to read {path}: {}", crate::error::errno_name(errno)))
    })?;
    let mut out: Vec<String> = text
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .filter(|n| super::uprobe::elf::glob_match(pattern, n))
        .map(str::to_string)
        .collect();
    out.sort();
    out.dedup();
    Ok(out)
}

/// Attach one program to many kernel functions with a kprobe.multi link: a `pattern`
/// (glob) or the names / addresses in `targets`.
pub fn attach_kprobe_multi(prog_fd: RawFd, pattern: Option<&str>, targets: &KprobeMultiTargets<'_>, opts: &KprobeMultiOpts) -> Result<Link> {
    let shown = pattern.map(str::to_string).unwrap_or_else(|| format!("{} targets", targets.syms.len().max(targets.addrs.len())));
    let wrap = |e: Error| Error::new(e.errno(), format!("failed to attach kprobe.multi '{shown}': {}", e.message()));
    let given = [pattern.is_some(), !targets.syms.is_empty(), !targets.addrs.is_empty()].iter().filter(|b| **b).count();
    if given != 1 {
        return Err(wrap(Error::new(libc::EINVAL, "give exactly one of a pattern, symbol names or addresses")));
    }
    let syms: Vec<String> = match pattern {
        Some(p) => {
            let v = kernel_funcs_matching(p).map_err(wrap)?;
            if v.is_empty() {
                return Err(wrap(Error::new(libc::ENOENT, format!("no kernel function matches '{p}'"))));
            }
            if opts.unique_match && v.len() > 1 {
                return Err(wrap(Error::new(libc::EINVAL, format!("'{p}' matches {} functions, unique_match is set", v.len()))));
            }
            v
        }
        None => targets.syms.iter().map(|s| s.to_string()).collect(),
    };
    let n = if syms.is_empty() { targets.addrs.len() } else { syms.len() };
    if !targets.cookies.is_empty() && targets.cookies.len() != n {
        return Err(wrap(Error::new(libc::EINVAL, format!("{} cookies for {n} functions", targets.cookies.len()))));
    }
    let csyms = syms.iter().map(|s| CString::new(s.as_str())).collect::<std::result::Result<Vec<_>, _>>().map_err(|_| wrap(Error::new(libc::EINVAL, "symbol contains a NUL byte")))?;
    let attach_type = if opts.session { BPF_TRACE_KPROBE_SESSION } else { BPF_TRACE_KPROBE_MULTI };
    let flags = if opts.retprobe { BPF_F_KPROBE_MULTI_RETURN } else { 0 };
    let a = LinkCreateAttr { prog_fd, target_fd: 0, attach_type, flags: 0, target: LinkTarget::KprobeMulti { flags, syms: csyms, addrs: targets.addrs.to_vec(), cookies: targets.cookies.to_vec() } };
    match sys::link_create(&a) {
        Ok(fd) => Ok(Link::from_fd(fd, format!("kprobe.multi '{shown}' ({n} functions)"))),
        Err(e) if e.errno() == libc::EOPNOTSUPP => Err(wrap(Error::new(libc::EOPNOTSUPP, "kprobe.multi links are not supported by this kernel (no fprobe / kprobes)"))),
        Err(e) => Err(wrap(e)),
    }
}

/// Parse a kprobe SEC() target "FUNC[+OFFSET]" (after "kprobe/").
pub fn parse_kprobe_sec(extras: &str) -> Result<(String, usize)> {
    let bad = || Error::new(libc::EINVAL, format!("invalid format of kprobe section target '{extras}', expected FUNC[+OFFSET]"));
    let (f, off) = match extras.split_once('+') {
        Some((f, o)) => {
            let off = match o.strip_prefix("0x") {
                Some(h) => usize::from_str_radix(h, 16).map_err(|_| bad())?,
                None => o.parse().map_err(|_| bad())?,
            };
            (f, off)
        }
        None => (extras, 0),
    };
    if f.is_empty() || !f.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.') {
        return Err(bad());
    }
    Ok((f.to_string(), off))
}
