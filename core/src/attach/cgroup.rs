//! cgroup attachments: a BPF link on the cgroup fd (5.7+, with mprog ordering options on
//! newer kernels), or BPF_PROG_ATTACH with BPF_F_ALLOW_MULTI where links are missing.

use super::sockets::prog_attach_link;
use super::tcx::relative;
use super::Link;
use crate::opts::CgroupOpts;
use crate::sys::{self, LinkCreateAttr, LinkTarget};
use crate::uapi::*;
use crate::{Error, Result};
use std::os::fd::RawFd;

/// Attach `prog_fd` to the cgroup `cgroup_fd` (an open cgroup v2 directory) at
/// `attach_type` (the program's expected attach type, e.g. BPF_CGROUP_INET_EGRESS).
/// Falls back to BPF_PROG_ATTACH (BPF_F_ALLOW_MULTI) when the kernel has no cgroup links
/// and no ordering option is given.
pub fn attach_cgroup(prog_fd: RawFd, cgroup_fd: RawFd, attach_type: u32, opts: &CgroupOpts) -> Result<Link> {
    let target = format!("cgroup fd {cgroup_fd} (attach type {attach_type})");
    let wrap = |e: Error| Error::new(e.errno(), format!("failed to attach to {target}: {}", e.message()));
    let (flags, rel) = relative(opts.flags, opts.relative_fd, opts.relative_id).map_err(wrap)?;
    let plain = flags == 0 && rel == 0 && opts.expected_revision == 0;
    let a = LinkCreateAttr {
        prog_fd,
        target_fd: cgroup_fd,
        attach_type,
        flags,
        target: if plain { LinkTarget::None } else { LinkTarget::Relative { relative: rel, expected_revision: opts.expected_revision } },
    };
    match sys::link_create(&a) {
        Ok(fd) => Ok(Link::from_fd(fd, target)),
        // Pre-5.7 kernels have no cgroup links: try BPF_PROG_ATTACH, and report the
        // link error if that fails too.
        Err(e) if plain && (e.errno() == libc::EINVAL || e.errno() == libc::EOPNOTSUPP) => {
            cgroup_prog_attach(prog_fd, cgroup_fd, attach_type, BPF_F_ALLOW_MULTI).map_err(|_| wrap(e))
        }
        Err(e) => Err(wrap(e)),
    }
}

/// The legacy attachment: BPF_PROG_ATTACH with `flags` (BPF_F_ALLOW_MULTI /
/// BPF_F_ALLOW_OVERRIDE / 0), as a Link that BPF_PROG_DETACHes on detach.
pub fn cgroup_prog_attach(prog_fd: RawFd, cgroup_fd: RawFd, attach_type: u32, flags: u32) -> Result<Link> {
    let target = format!("cgroup fd {cgroup_fd} (attach type {attach_type}, prog attach)");
    prog_attach_link(prog_fd, cgroup_fd, attach_type, flags, target.clone()).map_err(|e| Error::new(e.errno(), format!("failed to attach to {target}: {}", e.message())))
}
