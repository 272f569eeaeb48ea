//! netfilter hooks (6.4+): a BPF link in the calling thread's network namespace.

use super::Link;
use crate::opts::NetfilterOpts;
use crate::sys::{self, LinkCreateAttr, LinkTarget};
use crate::uapi::*;
use crate::{Error, Result};
use std::os::fd::RawFd;

/// `BPF_F_NETFILTER_IP_DEFRAG`: defragment before the program runs.
pub const BPF_F_NETFILTER_IP_DEFRAG: u32 = 1 << 0;

/// Attach a NETFILTER program at hook `opts.hooknum` of family `opts.pf` with
/// `opts.priority`, in the calling thread's network namespace.
pub fn attach_netfilter(prog_fd: RawFd, opts: &NetfilterOpts) -> Result<Link> {
    let target = format!("netfilter pf {} hook {} priority {}", opts.pf, opts.hooknum, opts.priority);
    let a = LinkCreateAttr {
        prog_fd,
        target_fd: 0,
        attach_type: BPF_NETFILTER,
        flags: 0,
        target: LinkTarget::Netfilter { pf: opts.pf, hooknum: opts.hooknum, priority: opts.priority, flags: opts.flags },
    };
    let fd = sys::link_create(&a).map_err(|e| Error::new(e.errno(), format!("failed to attach {target}: {}", e.message())))?;
    Ok(Link::from_fd(fd, target))
}
