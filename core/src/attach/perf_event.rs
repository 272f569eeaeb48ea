//! Attaching a program to a perf event fd: through a BPF link (BPF_LINK_CREATE with
//! BPF_PERF_EVENT, cookie-capable) when the kernel has it, else PERF_EVENT_IOC_SET_BPF +
//! ENABLE. Tracepoint, kprobe and uprobe links are built on this.

use super::Link;
use crate::sys::{self, LinkCreateAttr, LinkTarget};
use crate::uapi::BPF_PERF_EVENT;
use crate::{Error, Result};
use std::os::fd::{AsRawFd, OwnedFd, RawFd};

/// Attach `prog_fd` to the perf event `perf_fd`; the Link takes ownership of `perf_fd`
/// (bindings holding a raw fd pass `sys::dup_fd(fd)?`). `bpf_cookie` needs a BPF link.
pub fn attach_perf_event(prog_fd: RawFd, perf_fd: OwnedFd, bpf_cookie: u64) -> Result<Link> {
    let target = format!("perf event fd {}", perf_fd.as_raw_fd());
    attach_perf_fd(prog_fd, perf_fd, bpf_cookie, target.clone()).map_err(|e| e.context(format_args!("failed to attach to {target}")))
}

/// Attach with PERF_EVENT_IOC_SET_BPF + ENABLE even when BPF perf links exist (libbpf's
/// `force_ioctl_attach`): no cookie, no pinning, but works on any kernel with BPF perf events.
pub fn attach_perf_event_legacy(prog_fd: RawFd, perf_fd: OwnedFd) -> Result<Link> {
    let target = format!("perf event fd {}", perf_fd.as_raw_fd());
    ioctl_attach(prog_fd, perf_fd, target.clone()).map_err(|e| e.context(format_args!("failed to attach to {target}")))
}

fn ioctl_attach(prog_fd: RawFd, perf_fd: OwnedFd, target: String) -> Result<Link> {
    sys::perf_event_set_bpf(perf_fd.as_raw_fd(), prog_fd)?;
    sys::perf_event_enable(perf_fd.as_raw_fd())?;
    Ok(Link::perf_ioctl(perf_fd, target))
}

/// The shared step: `target` names the attach point in the Link; errors are returned
/// without that context (callers phrase it).
pub(crate) fn attach_perf_fd(prog_fd: RawFd, perf_fd: OwnedFd, bpf_cookie: u64, target: String) -> Result<Link> {
    if sys::features::have_link_perf_event() {
        let a = LinkCreateAttr { prog_fd, target_fd: perf_fd.as_raw_fd(), attach_type: BPF_PERF_EVENT, flags: 0, target: LinkTarget::PerfEvent { bpf_cookie } };
        let link = sys::link_create(&a)?;
        return Ok(Link::perf_link(link, perf_fd, target));
    }
    if bpf_cookie != 0 {
        return Err(Error::new(libc::EOPNOTSUPP, "BPF cookies need BPF perf links, which this kernel lacks"));
    }
    ioctl_attach(prog_fd, perf_fd, target)
}
