//! Tracepoints (`tp/`, `tracepoint/`): the tracefs event id, a PERF_TYPE_TRACEPOINT perf
//! event, then a perf link.

use crate::bail;
use super::perf_event::attach_perf_fd;
use super::Link;
use crate::error::errno_name;
use crate::opts::TracepointOpts;
use crate::sys;
use crate::{Error, Result};
use std::os::fd::RawFd;

/// tracefs mount points, in the order libbpf tries them.
const TRACEFS_ROOTS: [&str; 2] = ["/sys/kernel/tracing", "/sys/kernel/debug/tracing"];

fn valid_part(s: &str) -> bool {
    !s.is_empty() && s != "." && s != ".." && !s.contains('/') && !s.contains('\0')
}

/// The tracefs id of `category/name` (events/<category>/<name>/id).
pub fn tracepoint_id(category: &str, name: &str) -> Result<u64> {
    if !valid_part(category) || !valid_part(name) {
        bail!(libc::EINVAL, "invalid tracepoint '{category}/{name}'");
    }
    let mut errno = libc::ENOENT;
    for root in TRACEFS_ROOTS {
        let p = format!("{root}/events/{category}/{name}/id");
        match std::fs::read_to_string(&p) {
            Ok(s) => {
                return s.trim().parse::<u64>().map_err(|_| Error::new(libc::EINVAL, format!("tracepoint '{category}/{name}': bad id '{}' in {p}", s.trim())));
            }
            Err(e) => {
                let en = e.raw_os_error().unwrap_or(libc::EIO);
                // Keep the first error that is not "no such file" (e.g. EACCES).
                if errno == libc::ENOENT {
                    errno = en;
                }
            }
        }
    }
    let mounted = TRACEFS_ROOTS.iter().any(|r| std::path::Path::new(&format!("{r}/events")).is_dir());
    let hint = if mounted { "" } else { " (tracefs is not mounted: mount -t tracefs tracefs /sys/kernel/tracing)" };
    Err(Error::new(errno, format!("{}{hint}", errno_name(errno))))
}

/// Attach `prog_fd` (a BPF_PROG_TYPE_TRACEPOINT program) to `category/name`.
/// Errors read "failed to attach to tracepoint 'syscalls/sys_enter_nope': ENOENT".
pub fn attach_tracepoint(prog_fd: RawFd, category: &str, name: &str, opts: &TracepointOpts) -> Result<Link> {
    let target = format!("tracepoint '{category}/{name}'");
    let wrap = |e: Error| Error::new(e.errno(), format!("failed to attach to {target}: {}", e.message()));
    let id = tracepoint_id(category, name).map_err(wrap)?;
    let pfd = sys::perf_event_open_tracepoint(id).map_err(wrap)?;
    attach_perf_fd(prog_fd, pfd, opts.bpf_cookie, target.clone()).map_err(wrap)
}
