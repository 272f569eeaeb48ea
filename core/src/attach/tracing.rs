//! BTF-based tracing programs (tp_btf, fentry, fexit, fmod_ret, lsm): the target was
//! fixed at load time (attach_btf_id), so attaching only needs the attach type.

use super::Link;
use crate::opts::TraceOpts;
use crate::sys::{self, LinkCreateAttr, LinkTarget};
use crate::uapi::*;
use crate::{Error, Result};
use std::os::fd::RawFd;

/// libbpf's section-style name of a tracing attach type, for messages.
pub fn attach_type_name(attach_type: u32) -> &'static str {
    match attach_type {
        BPF_TRACE_RAW_TP => "tp_btf",
        BPF_TRACE_FENTRY => "fentry",
        BPF_TRACE_FEXIT => "fexit",
        BPF_MODIFY_RETURN => "fmod_ret",
        BPF_LSM_MAC => "lsm",
        BPF_LSM_CGROUP => "lsm_cgroup",
        BPF_TRACE_ITER => "iter",
        _ => "tracing",
    }
}

/// Attach a BTF-typed program. `attach_type` is the program's expected attach type
/// (BPF_TRACE_RAW_TP for tp_btf, BPF_TRACE_FENTRY, ...). Uses BPF_LINK_CREATE and, like
/// libbpf, falls back to BPF_RAW_TRACEPOINT_OPEN with a NULL name on kernels whose
/// LINK_CREATE refuses these programs (EINVAL, no cookie).
pub fn attach_trace(prog_fd: RawFd, attach_type: u32, opts: &TraceOpts) -> Result<Link> {
    let target = format!("{} target", attach_type_name(attach_type));
    let wrap = |e: Error| Error::new(e.errno(), format!("failed to attach {} program: {}", attach_type_name(attach_type), crate::error::errno_name(e.errno())));
    let a = LinkCreateAttr { prog_fd, target_fd: 0, attach_type, flags: 0, target: LinkTarget::Tracing { target_btf_id: 0, cookie: opts.cookie } };
    match sys::link_create(&a) {
        Ok(fd) => Ok(Link::from_fd(fd, target)),
        Err(e)
            if e.errno() == libc::EINVAL
                && opts.cookie == 0
                && matches!(attach_type, BPF_TRACE_RAW_TP | BPF_LSM_MAC | BPF_TRACE_FENTRY | BPF_TRACE_FEXIT | BPF_MODIFY_RETURN) =>
        {
            let fd = sys::raw_tracepoint_open(None, prog_fd, 0).map_err(wrap)?;
            Ok(Link::from_fd(fd, target))
        }
        Err(e) => Err(wrap(e)),
    }
}
