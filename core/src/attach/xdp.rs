//! XDP: a BPF link on an interface (BPF_LINK_CREATE with BPF_XDP), and the netlink path
//! (IFLA_XDP) as libbpf's `bpf_xdp_attach` / `bpf_xdp_detach` / `bpf_xdp_query`.
//! Interface indexes are those of the calling thread's network namespace.

use super::Link;
use crate::opts::{XdpAttachOpts, XdpQueryOpts};
use crate::sys::netlink::{self as nl, NlMsg, NlSocket};
use crate::sys::{self, LinkCreateAttr, LinkTarget};
use crate::uapi::*;
use crate::{bail, Error, Result};
use std::os::fd::RawFd;

const MODE_FLAGS: u32 = XDP_FLAGS_SKB_MODE | XDP_FLAGS_DRV_MODE | XDP_FLAGS_HW_MODE;

/// Attach `prog_fd` (an XDP program) to `ifindex` with a BPF link. `flags` may hold one
/// mode flag (XDP_FLAGS_SKB_MODE / _DRV_MODE / _HW_MODE); 0 lets the kernel choose.
pub fn attach_xdp(prog_fd: RawFd, ifindex: i32, flags: u32) -> Result<Link> {
    let target = format!("XDP on ifindex {ifindex}");
    let wrap = |e: Error| Error::new(e.errno(), format!("failed to attach {target}: {}", e.message()));
    if ifindex <= 0 {
        return Err(wrap(Error::new(libc::EINVAL, "invalid ifindex")));
    }
    if flags & !MODE_FLAGS != 0 || (flags & MODE_FLAGS).count_ones() > 1 {
        return Err(wrap(Error::new(libc::EINVAL, format!("invalid XDP link flags 0x{flags:x} (at most one of XDP_FLAGS_SKB_MODE, _DRV_MODE, _HW_MODE)"))));
    }
    let a = LinkCreateAttr { prog_fd, target_fd: ifindex, attach_type: BPF_XDP, flags, target: LinkTarget::None };
    match sys::link_create(&a) {
        Ok(fd) => Ok(Link::from_fd(fd, target)),
        Err(e) if e.errno() == libc::EBUSY || e.errno() == libc::EEXIST => Err(wrap(already_attached(ifindex, e.errno()))),
        Err(e) => Err(wrap(e)),
    }
}

fn already_attached(ifindex: i32, errno: i32) -> Error {
    let id = xdp_query(ifindex, 0).map(|q| q.prog_id).unwrap_or(0);
    let what = if id != 0 { format!(" (program id {id})") } else { String::new() };
    Error::new(errno, format!("interface {ifindex} already has an XDP program{what}: {}", crate::error::errno_name(errno)))
}

/// libbpf's `bpf_xdp_attach`: set `prog_fd` on `ifindex` over netlink. `flags` are
/// XDP_FLAGS_*; `opts.old_prog_fd` (non-zero) replaces only that program
/// (XDP_FLAGS_REPLACE). With XDP_FLAGS_UPDATE_IF_NOEXIST an existing program is an error.
pub fn xdp_attach(ifindex: i32, prog_fd: RawFd, flags: u32, opts: &XdpAttachOpts) -> Result<()> {
    let what = if prog_fd < 0 { "detach" } else { "attach" };
    let wrap = |e: Error| Error::new(e.errno(), format!("failed to {what} XDP program on ifindex {ifindex}: {}", e.message()));
    if ifindex <= 0 {
        return Err(wrap(Error::new(libc::EINVAL, "invalid ifindex")));
    }
    let mut flags = flags;
    if opts.old_prog_fd != 0 {
        flags |= XDP_FLAGS_REPLACE;
    }
    let mut m = NlMsg::new(nl::RTM_SETLINK, nl::NLM_F_REQUEST | nl::NLM_F_ACK, &nl::ifinfomsg(libc::AF_UNSPEC as u8, ifindex));
    m.begin_nested(nl::IFLA_XDP).attr(nl::IFLA_XDP_FD, &prog_fd.to_ne_bytes());
    if flags != 0 {
        m.attr_u32(nl::IFLA_XDP_FLAGS, flags);
    }
    if flags & XDP_FLAGS_REPLACE != 0 {
        m.attr(nl::IFLA_XDP_EXPECTED_FD, &opts.old_prog_fd.to_ne_bytes());
    }
    m.end_nested();
    let mut s = NlSocket::route().map_err(wrap)?;
    match s.request(&mut m) {
        Ok(_) => Ok(()),
        Err(e) if prog_fd >= 0 && (e.errno() == libc::EBUSY || e.errno() == libc::EEXIST) => {
            Err(Error::new(e.errno(), format!("failed to attach XDP program on ifindex {ifindex}: {} [{}]", already_attached(ifindex, e.errno()).message(), e.message())))
        }
        Err(e) => Err(wrap(e)),
    }
}

/// libbpf's `bpf_xdp_detach`: remove the netlink-attached program (attach with fd -1).
pub fn xdp_detach(ifindex: i32, flags: u32, opts: &XdpAttachOpts) -> Result<()> {
    xdp_attach(ifindex, -1, flags, opts)
}

/// libbpf's `bpf_xdp_query`: the XDP programs on `ifindex`, and the device's XDP
/// feature bits (NETDEV_XDP_ACT_*) and zero-copy segment limit from the "netdev" generic
/// netlink family (0 on kernels without it). `flags` must be 0 or one mode flag (it does
/// not filter here; see [`xdp_query_id`]).
pub fn xdp_query(ifindex: i32, flags: u32) -> Result<XdpQueryOpts> {
    let wrap = |e: Error| Error::new(e.errno(), format!("failed to query XDP on ifindex {ifindex}: {}", e.message()));
    if ifindex <= 0 {
        return Err(wrap(Error::new(libc::EINVAL, "invalid ifindex")));
    }
    if flags & !MODE_FLAGS != 0 {
        return Err(wrap(Error::new(libc::EINVAL, format!("invalid flags 0x{flags:x}"))));
    }
    let mut m = NlMsg::new(nl::RTM_GETLINK, nl::NLM_F_REQUEST, &nl::ifinfomsg(libc::AF_UNSPEC as u8, ifindex));
    let mut s = NlSocket::route().map_err(wrap)?;
    let replies = s.request(&mut m).map_err(wrap)?;
    let mut out = XdpQueryOpts::default();
    for r in replies.iter().filter(|r| r.msg_type == nl::RTM_NEWLINK) {
        let Some(a) = r.payload.get(16..) else { continue };
        for (ty, data) in nl::attrs(a) {
            if ty != nl::IFLA_XDP {
                continue;
            }
            for (t, d) in nl::attrs(data) {
                match t {
                    nl::IFLA_XDP_ATTACHED => out.attach_mode = d.first().copied().unwrap_or(0) as u32,
                    nl::IFLA_XDP_PROG_ID => out.prog_id = nl::attr_u32(d).unwrap_or(0),
                    nl::IFLA_XDP_DRV_PROG_ID => out.drv_prog_id = nl::attr_u32(d).unwrap_or(0),
                    nl::IFLA_XDP_SKB_PROG_ID => out.skb_prog_id = nl::attr_u32(d).unwrap_or(0),
                    nl::IFLA_XDP_HW_PROG_ID => out.hw_prog_id = nl::attr_u32(d).unwrap_or(0),
                    _ => {}
                }
            }
        }
    }
    // The single-mode attributes are only sent in that mode; fill prog_id like libbpf.
    if out.prog_id == 0 && out.attach_mode != XDP_ATTACHED_MULTI {
        out.prog_id = out.drv_prog_id.max(out.skb_prog_id).max(out.hw_prog_id);
    }
    // Device features, as libbpf: from the "netdev" family when the kernel has it.
    if let Some((feat, segs)) = nl::netdev_xdp_features(ifindex).map_err(wrap)? {
        out.feature_flags = feat;
        out.xdp_zc_max_segs = segs;
    }
    Ok(out)
}

/// libbpf's `bpf_xdp_query_id`: the program id for the mode in `flags` (0: the single
/// attached program; EINVAL if several modes are in use).
pub fn xdp_query_id(ifindex: i32, flags: u32) -> Result<u32> {
    let q = xdp_query(ifindex, flags)?;
    Ok(match flags & MODE_FLAGS {
        XDP_FLAGS_DRV_MODE => q.drv_prog_id,
        XDP_FLAGS_SKB_MODE => q.skb_prog_id,
        XDP_FLAGS_HW_MODE => q.hw_prog_id,
        0 if q.attach_mode == XDP_ATTACHED_MULTI => bail!(libc::EINVAL, "ifindex {ifindex} has XDP programs in several modes: pass a mode flag"),
        0 => q.prog_id,
        _ => bail!(libc::EINVAL, "invalid flags 0x{flags:x}"),
    })
}
