//! Raw tracepoints (`raw_tp/`, `raw_tracepoint/`, and the writable variants).

use crate::bail;
use super::Link;
use crate::opts::RawTracepointOpts;
use crate::sys;
use crate::{Error, Result};
use std::os::fd::RawFd;

/// Attach `prog_fd` to the raw tracepoint `name` (BPF_RAW_TRACEPOINT_OPEN; a non-zero
/// cookie needs kernel 6.10+). Errors read "failed to attach to raw tracepoint 'x': ENOENT".
pub fn attach_raw_tracepoint(prog_fd: RawFd, name: &str, opts: &RawTracepointOpts) -> Result<Link> {
    let target = format!("raw tracepoint '{name}'");
    if name.is_empty() {
        bail!(libc::EINVAL, "failed to attach to {target}: empty name");
    }
    let fd = sys::raw_tracepoint_open(Some(name), prog_fd, opts.cookie).map_err(|e| {
        let detail = crate::error::errno_name(e.errno());
        Error::new(e.errno(), format!("failed to attach to {target}: {detail}"))
    })?;
    Ok(Link::from_fd(fd, target))
}
