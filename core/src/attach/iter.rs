//! BPF iterators: a link (BPF_LINK_CREATE with BPF_TRACE_ITER and the iterator's
//! parameters), from which BPF_ITER_CREATE makes readable fds.

use super::Link;
use crate::opts::IterAttachOpts;
use crate::sys::{self, LinkCreateAttr, LinkTarget};
use crate::uapi::*;
use crate::{Error, Result};
use std::io::Read;
use std::os::fd::{OwnedFd, RawFd};

/// `union bpf_iter_link_info` (16 bytes) from the options; empty when none is set.
fn link_info(o: &IterAttachOpts) -> Result<Vec<u8>> {
    let map = o.map_fd != 0;
    let cg = o.cgroup_fd != 0 || o.order != 0;
    let task = o.tid != 0 || o.pid != 0 || o.pid_fd != 0;
    if [map, cg, task].iter().filter(|b| **b).count() > 1 {
        return Err(Error::new(libc::EINVAL, "iterator options mix map, cgroup and task parameters"));
    }
    let mut b = vec![0u8; 16];
    let mut put = |off: usize, v: u32| b[off..off + 4].copy_from_slice(&v.to_ne_bytes());
    if map {
        put(0, o.map_fd);
    } else if cg {
        put(0, o.order);
        put(4, o.cgroup_fd);
    } else if task {
        put(0, o.tid);
        put(4, o.pid);
        put(8, o.pid_fd);
    } else {
        return Ok(Vec::new());
    }
    Ok(b)
}

/// Create an iterator link for `prog_fd` (a tracing program with expected attach type
/// BPF_TRACE_ITER, e.g. SEC("iter/task")).
pub fn attach_iter(prog_fd: RawFd, opts: &IterAttachOpts) -> Result<Link> {
    let wrap = |e: Error| Error::new(e.errno(), format!("failed to attach iterator: {}", e.message()));
    let info = link_info(opts).map_err(wrap)?;
    let a = LinkCreateAttr { prog_fd, target_fd: 0, attach_type: BPF_TRACE_ITER, flags: 0, target: LinkTarget::Iter { info } };
    let fd = sys::link_create(&a).map_err(wrap)?;
    Ok(Link::from_fd(fd, "iterator"))
}

/// A new readable iterator fd for `link` (libbpf's `bpf_iter_create`).
pub fn iter_create(link: &Link) -> Result<OwnedFd> {
    if link.is_detached() || link.fd() < 0 {
        return Err(Error::new(libc::EINVAL, "iterator link is detached"));
    }
    sys::iter_create(link.fd()).map_err(|e| e.context("iterator"))
}

/// Run the iterator once and return all of its output.
pub fn iter_read_all(link: &Link) -> Result<Vec<u8>> {
    let fd = iter_create(link)?;
    let mut f = std::fs::File::from(fd);
    let mut out = Vec::new();
    f.read_to_end(&mut out).map_err(|e| {
        let errno = e.raw_os_error().unwrap_or(libc::EIO);
        Error::new(errno, format!("failed to read iterator output: {}", crate::error::errno_name(errno)))
    })?;
    Ok(out)
}
