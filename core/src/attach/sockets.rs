//! Socket-level attachments: socket filters (SO_ATTACH_BPF on one socket), sk_msg /
//! sk_skb programs on a sockmap or sockhash (a BPF link on 6.10+, else BPF_PROG_ATTACH
//! to the map), and netns programs (flow dissector, sk_lookup).

use super::{Link, LinkDetach};
use crate::sys::{self, LinkCreateAttr, LinkTarget};
use crate::uapi::*;
use crate::{Error, Result};
use std::os::fd::{AsRawFd, OwnedFd, RawFd};

#[derive(Debug)]
struct SocketFilter {
    sock: OwnedFd,
}

impl LinkDetach for SocketFilter {
    fn detach(&mut self) -> Result<()> {
        match sys::socket::so_detach_bpf(self.sock.as_raw_fd()) {
            // Nothing attached any more (replaced or removed by someone else).
            Err(e) if e.errno() == libc::ENOENT => Ok(()),
            r => r,
        }
    }
}

/// Attach a SOCKET_FILTER program to `sock_fd` (SO_ATTACH_BPF). The Link keeps a
/// duplicate of the socket fd and removes the filter (SO_DETACH_BPF) on detach.
pub fn attach_socket_filter(prog_fd: RawFd, sock_fd: RawFd) -> Result<Link> {
    let target = format!("socket fd {sock_fd}");
    let wrap = |e: Error| Error::new(e.errno(), format!("failed to attach socket filter to {target}: {}", e.message()));
    let sock = sys::dup_fd(sock_fd).map_err(wrap)?;
    sys::socket::so_attach_bpf(sock.as_raw_fd(), prog_fd).map_err(wrap)?;
    Ok(Link::custom(None, Box::new(SocketFilter { sock }), target))
}

/// An attachment made with BPF_PROG_ATTACH, detached with BPF_PROG_DETACH.
#[derive(Debug)]
pub(crate) struct ProgAttachment {
    pub prog: OwnedFd,
    pub target: OwnedFd,
    pub attach_type: u32,
}

impl LinkDetach for ProgAttachment {
    fn detach(&mut self) -> Result<()> {
        sys::prog_detach(Some(self.prog.as_raw_fd()), self.target.as_raw_fd(), self.attach_type)
    }
}

/// BPF_PROG_ATTACH as a Link (BPF_PROG_DETACH on detach). The Link holds duplicates of
/// both fds.
pub fn prog_attach_link(prog_fd: RawFd, target_fd: RawFd, attach_type: u32, flags: u32, target: String) -> Result<Link> {
    let prog = sys::dup_fd(prog_fd)?;
    let tfd = sys::dup_fd(target_fd)?;
    sys::prog_attach(prog_fd, target_fd, attach_type, flags)?;
    Ok(Link::custom(None, Box::new(ProgAttachment { prog, target: tfd, attach_type }), target))
}

/// Attach an sk_msg / sk_skb program to a sockmap or sockhash (`attach_type`
/// BPF_SK_MSG_VERDICT, BPF_SK_SKB_STREAM_PARSER, _STREAM_VERDICT or _VERDICT): a
/// sockmap link when the kernel has them (6.10), else BPF_PROG_ATTACH to the map.
pub fn attach_sockmap(prog_fd: RawFd, map_fd: RawFd, attach_type: u32) -> Result<Link> {
    let target = format!("sockmap fd {map_fd} (attach type {attach_type})");
    let wrap = |e: Error| Error::new(e.errno(), format!("failed to attach to {target}: {}", e.message()));
    let a = LinkCreateAttr { prog_fd, target_fd: map_fd, attach_type, flags: 0, target: LinkTarget::None };
    match sys::link_create(&a) {
        Ok(fd) => Ok(Link::from_fd(fd, target)),
        // Kernels before sockmap links refuse the command for this attach type.
        Err(e) if e.errno() == libc::EINVAL || e.errno() == libc::EOPNOTSUPP => prog_attach_link(prog_fd, map_fd, attach_type, 0, target.clone()).map_err(wrap),
        Err(e) => Err(wrap(e)),
    }
}

/// Attach a netns program (flow dissector: BPF_FLOW_DISSECTOR, sk_lookup: BPF_SK_LOOKUP)
/// to the network namespace `netns_fd` (an open /proc/PID/ns/net or /run/netns/NAME).
pub fn attach_netns(prog_fd: RawFd, netns_fd: RawFd, attach_type: u32) -> Result<Link> {
    let target = format!("netns fd {netns_fd}");
    let a = LinkCreateAttr { prog_fd, target_fd: netns_fd, attach_type, flags: 0, target: LinkTarget::None };
    let fd = sys::link_create(&a).map_err(|e| Error::new(e.errno(), format!("failed to attach to {target}: {}", e.message())))?;
    Ok(Link::from_fd(fd, target))
}

/// The attach type an sk_msg / sk_skb program gets by default (its SEC's expected type).
pub fn default_sockmap_attach_type(prog_type: u32) -> u32 {
    if prog_type == BPF_PROG_TYPE_SK_MSG {
        BPF_SK_MSG_VERDICT
    } else {
        BPF_SK_SKB_STREAM_VERDICT
    }
}
