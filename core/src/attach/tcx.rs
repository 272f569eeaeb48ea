//! tcx: BPF links on an interface's ingress / egress (6.6+), with the multi-program
//! ordering of `bpf_mprog` (BPF_F_BEFORE / BPF_F_AFTER relative to a program or link
//! given by fd or, with BPF_F_ID, by id; `expected_revision`). netkit links use the
//! same options.

use super::Link;
use crate::opts::{NetkitOpts, TcxOpts};
use crate::sys::{self, LinkCreateAttr, LinkTarget};
use crate::uapi::*;
use crate::{Error, Result};
use std::os::fd::{AsRawFd, RawFd};

/// The relative target word and flags, as libbpf: relative_fd and relative_id are
/// exclusive; an id sets BPF_F_ID.
pub(crate) fn relative(flags: u32, relative_fd: u32, relative_id: u32) -> Result<(u32, u32)> {
    if relative_fd != 0 && relative_id != 0 {
        return Err(Error::new(libc::EINVAL, "relative_fd and relative_id are mutually exclusive"));
    }
    if relative_id != 0 {
        Ok((flags | BPF_F_ID, relative_id))
    } else {
        Ok((flags, relative_fd))
    }
}

#[allow(clippy::too_many_arguments)]
fn mprog_link(prog_fd: RawFd, ifindex: i32, attach_type: u32, flags: u32, rfd: u32, rid: u32, rev: u64, target: String) -> Result<Link> {
    let wrap = |e: Error| Error::new(e.errno(), format!("failed to attach {target}: {}", e.message()));
    if ifindex <= 0 {
        return Err(wrap(Error::new(libc::EINVAL, "invalid ifindex")));
    }
    let (flags, rel) = relative(flags, rfd, rid).map_err(wrap)?;
    let a = LinkCreateAttr { prog_fd, target_fd: ifindex, attach_type, flags, target: LinkTarget::Relative { relative: rel, expected_revision: rev } };
    let fd = sys::link_create(&a).map_err(wrap)?;
    Ok(Link::from_fd(fd, target))
}

/// Attach a SCHED_CLS program to `ifindex` with a tcx link. `attach_type` is
/// BPF_TCX_INGRESS or BPF_TCX_EGRESS.
pub fn attach_tcx(prog_fd: RawFd, ifindex: i32, attach_type: u32, opts: &TcxOpts) -> Result<Link> {
    let dir = match attach_type {
        BPF_TCX_INGRESS => "ingress",
        BPF_TCX_EGRESS => "egress",
        t => return Err(Error::new(libc::EINVAL, format!("failed to attach tcx: attach type {t} is not BPF_TCX_INGRESS/EGRESS"))),
    };
    mprog_link(prog_fd, ifindex, attach_type, opts.flags, opts.relative_fd, opts.relative_id, opts.expected_revision, format!("tcx {dir} on ifindex {ifindex}"))
}

/// Attach to a netkit device (`attach_type` BPF_NETKIT_PRIMARY or BPF_NETKIT_PEER).
pub fn attach_netkit(prog_fd: RawFd, ifindex: i32, attach_type: u32, opts: &NetkitOpts) -> Result<Link> {
    let dir = if attach_type == BPF_NETKIT_PEER { "peer" } else { "primary" };
    mprog_link(prog_fd, ifindex, attach_type, opts.flags, opts.relative_fd, opts.relative_id, opts.expected_revision, format!("netkit {dir} on ifindex {ifindex}"))
}

/// tcx links exist in this kernel (6.6): probed with a link on ifindex 0, which a kernel
/// with tcx refuses with ENODEV (and one without with EINVAL).
pub fn have_tcx() -> bool {
    use std::sync::OnceLock;
    static HAVE: OnceLock<bool> = OnceLock::new();
    *HAVE.get_or_init(|| {
        let insns = [
            crate::obj::Insn { code: BPF_ALU64 | BPF_MOV | BPF_K, regs: 0, off: 0, imm: 0 },
            crate::obj::Insn { code: BPF_JMP | BPF_EXIT, regs: 0, off: 0, imm: 0 },
        ];
        let Ok(prog) = sys::prog_load(&sys::ProgLoadAttr { prog_type: BPF_PROG_TYPE_SCHED_CLS, insns: &insns, license: "GPL", expected_attach_type: BPF_TCX_INGRESS, ..Default::default() }) else {
            return false;
        };
        let a = LinkCreateAttr { prog_fd: prog.as_raw_fd(), target_fd: 0, attach_type: BPF_TCX_INGRESS, ..Default::default() };
        matches!(sys::link_create(&a), Err(e) if e.errno() == libc::ENODEV)
    })
}
