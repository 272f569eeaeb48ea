//! rtnetlink (NETLINK_ROUTE) for XDP (IFLA_XDP) and TC (clsact qdisc, cls_bpf filters),
//! and entering network namespaces.

use super::{err, last_errno};
use crate::error::errno_name;
use crate::{Error, Result};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

/// Move the calling thread into the network namespace at `path` (e.g. /run/netns/NAME).
pub fn enter_netns(path: &str) -> Result<()> {
    let f = std::fs::File::open(path).map_err(|e| {
        let errno = e.raw_os_error().unwrap_or(libc::EIO);
        Error::new(errno, format!("failed to open network namespace '{path}': {}", errno_name(errno)))
    })?;
    // SAFETY: setns on a valid fd has no memory effects; it changes this thread's netns.
    let r = unsafe { libc::setns(f.as_raw_fd(), libc::CLONE_NEWNET) };
    if r < 0 {
        return Err(err(last_errno(), format_args!("setns '{path}'")));
    }
    Ok(())
}

// --- a minimal rtnetlink client ---------------------------------------------------------

const NETLINK_EXT_ACK: i32 = 11;
const NLMSG_ERROR: u16 = 2;
const NLMSG_DONE: u16 = 3;
pub const NLM_F_REQUEST: u16 = 0x01;
pub const NLM_F_ACK: u16 = 0x04;
pub const NLM_F_ECHO: u16 = 0x08;
pub const NLM_F_DUMP: u16 = 0x300;
pub const NLM_F_REPLACE: u16 = 0x100;
pub const NLM_F_EXCL: u16 = 0x200;
pub const NLM_F_CREATE: u16 = 0x400;
/// In NLMSG_ERROR: the original request is not echoed / TLVs (ext ack) follow.
const NLM_F_CAPPED: u16 = 0x100;
const NLM_F_ACK_TLVS: u16 = 0x200;
const NLMSGERR_ATTR_MSG: u16 = 1;
pub const NLA_F_NESTED: u16 = 1 << 15;

pub const RTM_NEWLINK: u16 = 16;
pub const RTM_GETLINK: u16 = 18;
pub const RTM_SETLINK: u16 = 19;
pub const RTM_NEWQDISC: u16 = 36;
pub const RTM_DELQDISC: u16 = 37;
pub const RTM_NEWTFILTER: u16 = 44;
pub const RTM_DELTFILTER: u16 = 45;
pub const RTM_GETTFILTER: u16 = 46;

pub const IFLA_XDP: u16 = 43;
pub const IFLA_XDP_FD: u16 = 1;
pub const IFLA_XDP_ATTACHED: u16 = 2;
pub const IFLA_XDP_FLAGS: u16 = 3;
pub const IFLA_XDP_PROG_ID: u16 = 4;
pub const IFLA_XDP_DRV_PROG_ID: u16 = 5;
pub const IFLA_XDP_SKB_PROG_ID: u16 = 6;
pub const IFLA_XDP_HW_PROG_ID: u16 = 7;
pub const IFLA_XDP_EXPECTED_FD: u16 = 8;

pub const TCA_KIND: u16 = 1;
pub const TCA_OPTIONS: u16 = 2;
pub const TCA_BPF_FD: u16 = 6;
pub const TCA_BPF_NAME: u16 = 7;
pub const TCA_BPF_FLAGS: u16 = 8;
pub const TCA_BPF_ID: u16 = 11;
pub const TCA_BPF_FLAG_ACT_DIRECT: u32 = 1;

/// A netlink request under construction: header, family header, attributes.
pub struct NlMsg {
    buf: Vec<u8>,
    nests: Vec<usize>,
}

fn align4(n: usize) -> usize {
    (n + 3) & !3
}

impl NlMsg {
    /// `family_hdr` is the fixed header after nlmsghdr (ifinfomsg, tcmsg, ...).
    pub fn new(msg_type: u16, flags: u16, family_hdr: &[u8]) -> NlMsg {
        let mut buf = vec![0u8; 16];
        buf[4..6].copy_from_slice(&msg_type.to_ne_bytes());
        buf[6..8].copy_from_slice(&flags.to_ne_bytes());
        buf.extend_from_slice(family_hdr);
        buf.resize(align4(buf.len()), 0);
        NlMsg { buf, nests: Vec::new() }
    }

    pub fn attr(&mut self, ty: u16, data: &[u8]) -> &mut Self {
        let len = 4 + data.len();
        self.buf.extend_from_slice(&(len as u16).to_ne_bytes());
        self.buf.extend_from_slice(&ty.to_ne_bytes());
        self.buf.extend_from_slice(data);
        self.buf.resize(align4(self.buf.len()), 0);
        self
    }
    pub fn attr_u32(&mut self, ty: u16, v: u32) -> &mut Self {
        self.attr(ty, &v.to_ne_bytes())
    }
    pub fn attr_str(&mut self, ty: u16, s: &str) -> &mut Self {
        let mut b = s.as_bytes().to_vec();
        b.push(0);
        self.attr(ty, &b)
    }
    pub fn begin_nested(&mut self, ty: u16) -> &mut Self {
        self.nests.push(self.buf.len());
        self.attr(ty | NLA_F_NESTED, &[])
    }
    pub fn end_nested(&mut self) -> &mut Self {
        if let Some(start) = self.nests.pop() {
            let len = (self.buf.len() - start) as u16;
            self.buf[start..start + 2].copy_from_slice(&len.to_ne_bytes());
        }
        self
    }
    fn finish(&mut self, seq: u32) -> &[u8] {
        let len = self.buf.len() as u32;
        self.buf[0..4].copy_from_slice(&len.to_ne_bytes());
        self.buf[8..12].copy_from_slice(&seq.to_ne_bytes());
        &self.buf
    }
}

/// One received netlink message (type, flags, payload after nlmsghdr).
#[derive(Clone, Debug)]
pub struct NlReply {
    pub msg_type: u16,
    pub flags: u16,
    pub payload: Vec<u8>,
}

/// Iterate the attributes in `b` as (type without flags, data).
pub fn attrs(b: &[u8]) -> Vec<(u16, &[u8])> {
    let mut out = Vec::new();
    let mut off = 0usize;
    while off + 4 <= b.len() {
        let len = u16::from_ne_bytes([b[off], b[off + 1]]) as usize;
        let ty = u16::from_ne_bytes([b[off + 2], b[off + 3]]) & !(NLA_F_NESTED | (1 << 14));
        if len < 4 || off + len > b.len() {
            break;
        }
        out.push((ty, &b[off + 4..off + len]));
        off += align4(len);
    }
    out
}

pub fn attr_u32(d: &[u8]) -> Option<u32> {
    Some(u32::from_ne_bytes(d.get(..4)?.try_into().ok()?))
}

/// A NETLINK_ROUTE socket in the calling thread's network namespace.
pub struct NlSocket {
    fd: OwnedFd,
    seq: u32,
}

impl NlSocket {
    pub fn route() -> Result<NlSocket> {
        NlSocket::new(libc::NETLINK_ROUTE)
    }

    /// A generic netlink (NETLINK_GENERIC) socket.
    pub fn generic() -> Result<NlSocket> {
        NlSocket::new(libc::NETLINK_GENERIC)
    }

    fn new(protocol: i32) -> Result<NlSocket> {
        // SAFETY: socket(2) has no memory effects; the result is checked.
        let raw = unsafe { libc::socket(libc::AF_NETLINK, libc::SOCK_RAW | libc::SOCK_CLOEXEC, protocol) };
        if raw < 0 {
            return Err(err(last_errno(), "netlink socket"));
        }
        // SAFETY: `raw` is a new descriptor nothing else owns.
        let fd = unsafe { OwnedFd::from_raw_fd(raw) };
        let one: libc::c_int = 1;
        // SAFETY: the option value points to a live c_int of the given size. Failure only
        // loses the kernel's error strings.
        unsafe {
            libc::setsockopt(fd.as_raw_fd(), libc::SOL_NETLINK, NETLINK_EXT_ACK, &one as *const libc::c_int as *const libc::c_void, std::mem::size_of::<libc::c_int>() as libc::socklen_t);
        }
        // Never block forever on a kernel that does not answer.
        let tv = libc::timeval { tv_sec: 10, tv_usec: 0 };
        // SAFETY: the option value points to a live timeval of the given size.
        unsafe {
            libc::setsockopt(fd.as_raw_fd(), libc::SOL_SOCKET, libc::SO_RCVTIMEO, &tv as *const libc::timeval as *const libc::c_void, std::mem::size_of::<libc::timeval>() as libc::socklen_t);
        }
        // SAFETY: an all-zero sockaddr_nl is valid; we then set its family.
        let mut sa: libc::sockaddr_nl = unsafe { std::mem::zeroed() };
        sa.nl_family = libc::AF_NETLINK as libc::sa_family_t;
        // SAFETY: `sa` is a valid sockaddr_nl of the given length.
        let r = unsafe { libc::bind(fd.as_raw_fd(), &sa as *const libc::sockaddr_nl as *const libc::sockaddr, std::mem::size_of::<libc::sockaddr_nl>() as libc::socklen_t) };
        if r < 0 {
            return Err(err(last_errno(), "netlink bind"));
        }
        let seq = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as u32).unwrap_or(1);
        Ok(NlSocket { fd, seq })
    }

    /// Send `msg` and collect replies until the ack (or NLMSG_DONE for dumps). A kernel
    /// error becomes an Error with its errno and the kernel's ext-ack text, if any.
    pub fn request(&mut self, msg: &mut NlMsg) -> Result<Vec<NlReply>> {
        self.seq = self.seq.wrapping_add(1);
        let seq = self.seq;
        let bytes = msg.finish(seq);
        // SAFETY: `bytes` is a live buffer of the given length.
        let r = unsafe { libc::send(self.fd.as_raw_fd(), bytes.as_ptr() as *const libc::c_void, bytes.len(), 0) };
        if r < 0 {
            return Err(err(last_errno(), "netlink send"));
        }
        let is_dump = u16::from_ne_bytes([bytes[6], bytes[7]]) & NLM_F_DUMP == NLM_F_DUMP;
        let mut replies = Vec::new();
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            // SAFETY: `buf` is a live, writable buffer of the given length.
            let n = unsafe { libc::recv(self.fd.as_raw_fd(), buf.as_mut_ptr() as *mut libc::c_void, buf.len(), 0) };
            if n < 0 {
                let e = last_errno();
                if e == libc::EINTR {
                    continue;
                }
                if e == libc::EAGAIN {
                    return Err(Error::new(libc::ETIMEDOUT, "netlink: no reply from the kernel within 10 s"));
                }
                return Err(err(e, "netlink recv"));
            }
            let data = &buf[..n as usize];
            let mut off = 0usize;
            while off + 16 <= data.len() {
                let len = u32::from_ne_bytes(data[off..off + 4].try_into().unwrap_or([0; 4])) as usize;
                if len < 16 || off + len > data.len() {
                    break;
                }
                let ty = u16::from_ne_bytes([data[off + 4], data[off + 5]]);
                let flags = u16::from_ne_bytes([data[off + 6], data[off + 7]]);
                let rseq = u32::from_ne_bytes(data[off + 8..off + 12].try_into().unwrap_or([0; 4]));
                let payload = &data[off + 16..off + len];
                off += align4(len);
                if rseq != seq {
                    continue;
                }
                match ty {
                    NLMSG_ERROR => {
                        let code = payload.get(..4).map(|b| i32::from_ne_bytes([b[0], b[1], b[2], b[3]])).unwrap_or(-libc::EIO);
                        if code == 0 {
                            return Ok(replies);
                        }
                        let errno = -code;
                        let mut text = String::new();
                        if flags & NLM_F_ACK_TLVS != 0 {
                            // After the error code: the original header (capped) or message.
                            let orig_len = if flags & NLM_F_CAPPED != 0 {
                                16
                            } else {
                                payload.get(4..8).map(|b| u32::from_ne_bytes([b[0], b[1], b[2], b[3]]) as usize).unwrap_or(16)
                            };
                            if let Some(tlvs) = payload.get(4 + align4(orig_len)..) {
                                if let Some((_, m)) = attrs(tlvs).into_iter().find(|(t, _)| *t == NLMSGERR_ATTR_MSG) {
                                    text = super::name_from_bytes(m);
                                }
                            }
                        }
                        let msg = if text.is_empty() { errno_name(errno).to_string() } else { format!("{} ({text})", errno_name(errno)) };
                        return Err(Error::new(errno, msg));
                    }
                    NLMSG_DONE => return Ok(replies),
                    _ => {
                        replies.push(NlReply { msg_type: ty, flags, payload: payload.to_vec() });
                        if !is_dump && msg_wants_no_ack(bytes) {
                            return Ok(replies);
                        }
                    }
                }
            }
        }
    }
}

fn msg_wants_no_ack(req: &[u8]) -> bool {
    u16::from_ne_bytes([req[6], req[7]]) & NLM_F_ACK == 0
}

/// `struct ifinfomsg` for `ifindex`.
pub fn ifinfomsg(family: u8, ifindex: i32) -> [u8; 16] {
    let mut h = [0u8; 16];
    h[0] = family;
    h[4..8].copy_from_slice(&ifindex.to_ne_bytes());
    h
}

/// `struct tcmsg`.
pub fn tcmsg(ifindex: i32, handle: u32, parent: u32, info: u32) -> [u8; 20] {
    let mut h = [0u8; 20];
    h[0] = libc::AF_UNSPEC as u8;
    h[4..8].copy_from_slice(&ifindex.to_ne_bytes());
    h[8..12].copy_from_slice(&handle.to_ne_bytes());
    h[12..16].copy_from_slice(&parent.to_ne_bytes());
    h[16..20].copy_from_slice(&info.to_ne_bytes());
    h
}

/// The index of interface `name` in the calling thread's network namespace.
pub fn if_nametoindex(name: &str) -> Result<i32> {
    let c = std::ffi::CString::new(name).map_err(|_| Error::new(libc::EINVAL, format!("interface name '{}' contains a NUL byte", name.escape_debug())))?;
    // SAFETY: `c` is a valid NUL-terminated string for the call's duration.
    let idx = unsafe { libc::if_nametoindex(c.as_ptr()) };
    if idx == 0 {
        return Err(err(last_errno(), format_args!("interface '{name}'")));
    }
    Ok(idx as i32)
}

/// A network namespace, held open so later netlink calls (a TC link's detach) reach the
/// namespace the attach happened in, whatever thread runs them.
#[derive(Debug)]
pub struct Netns {
    fd: OwnedFd,
    ino: u64,
}

fn ns_ino(path: &str) -> Result<u64> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(path).map(|m| m.ino()).map_err(|e| {
        let errno = e.raw_os_error().unwrap_or(libc::EIO);
        Error::new(errno, format!("failed to stat {path}: {}", errno_name(errno)))
    })
}

impl Netns {
    /// The calling thread's network namespace.
    pub fn current() -> Result<Netns> {
        const P: &str = "/proc/thread-self/ns/net";
        let f = std::fs::File::open(P).map_err(|e| {
            let errno = e.raw_os_error().unwrap_or(libc::EIO);
            Error::new(errno, format!("failed to open {P}: {}", errno_name(errno)))
        })?;
        Ok(Netns { ino: ns_ino(P)?, fd: OwnedFd::from(f) })
    }

    /// Run `f` in this namespace: directly when the calling thread is already in it,
    /// else on a short-lived thread that enters it (the caller's thread never moves).
    pub fn run<T: Send>(&self, f: impl FnOnce() -> Result<T> + Send) -> Result<T> {
        if ns_ino("/proc/thread-self/ns/net").ok() == Some(self.ino) {
            return f();
        }
        let raw = self.fd.as_raw_fd();
        std::thread::scope(|s| {
            s.spawn(move || {
                // SAFETY: setns on a valid namespace fd has no memory effects; it moves
                // only this helper thread.
                if unsafe { libc::setns(raw, libc::CLONE_NEWNET) } < 0 {
                    return Err(err(last_errno(), "setns"));
                }
                f()
            })
            .join()
            .unwrap_or_else(|_| Err(Error::new(libc::EIO, "netns helper thread panicked")))
        })
    }
}

// --- generic netlink: family ids and the "netdev" family (XDP features) ------------------

const GENL_ID_CTRL: u16 = 0x10;
const CTRL_CMD_GETFAMILY: u8 = 3;
const CTRL_ATTR_FAMILY_ID: u16 = 1;
const CTRL_ATTR_FAMILY_NAME: u16 = 2;
const NETDEV_CMD_DEV_GET: u8 = 1;
const NETDEV_A_DEV_IFINDEX: u16 = 1;
const NETDEV_A_DEV_XDP_FEATURES: u16 = 3;
const NETDEV_A_DEV_XDP_ZC_MAX_SEGS: u16 = 4;

fn genl_hdr(cmd: u8, version: u8) -> [u8; 4] {
    [cmd, version, 0, 0]
}

/// The id of generic netlink family `name` (ENOENT when the kernel has none).
pub fn genl_family_id(sock: &mut NlSocket, name: &str) -> Result<u16> {
    let mut m = NlMsg::new(GENL_ID_CTRL, NLM_F_REQUEST, &genl_hdr(CTRL_CMD_GETFAMILY, 2));
    m.attr_str(CTRL_ATTR_FAMILY_NAME, name);
    let replies = sock.request(&mut m)?;
    for r in &replies {
        for (t, d) in attrs(r.payload.get(4..).unwrap_or(&[])) {
            if t == CTRL_ATTR_FAMILY_ID && d.len() >= 2 {
                return Ok(u16::from_ne_bytes([d[0], d[1]]));
            }
        }
    }
    Err(Error::new(libc::ENOENT, format!("generic netlink family '{name}' not found")))
}

/// XDP feature bits (NETDEV_XDP_ACT_*) and zero-copy max segments of `ifindex`, from the
/// "netdev" generic netlink family (6.3+). None when the kernel has no such family.
pub fn netdev_xdp_features(ifindex: i32) -> Result<Option<(u64, u32)>> {
    let mut s = NlSocket::generic()?;
    let fam = match genl_family_id(&mut s, "netdev") {
        Ok(f) => f,
        Err(e) if e.errno() == libc::ENOENT => return Ok(None),
        Err(e) => return Err(e),
    };
    let mut m = NlMsg::new(fam, NLM_F_REQUEST, &genl_hdr(NETDEV_CMD_DEV_GET, 1));
    m.attr_u32(NETDEV_A_DEV_IFINDEX, ifindex as u32);
    let replies = s.request(&mut m)?;
    let (mut feat, mut segs) = (0u64, 0u32);
    for r in &replies {
        for (t, d) in attrs(r.payload.get(4..).unwrap_or(&[])) {
            match t {
                NETDEV_A_DEV_XDP_FEATURES if d.len() >= 8 => feat = u64::from_ne_bytes(d[..8].try_into().unwrap_or([0; 8])),
                NETDEV_A_DEV_XDP_ZC_MAX_SEGS => segs = attr_u32(d).unwrap_or(0),
                _ => {}
            }
        }
    }
    Ok(Some((feat, segs)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_and_parses_nested_attributes() {
        let mut m = NlMsg::new(RTM_SETLINK, NLM_F_REQUEST | NLM_F_ACK, &ifinfomsg(0, 7));
        m.begin_nested(IFLA_XDP).attr(IFLA_XDP_FD, &5i32.to_ne_bytes()).attr_u32(IFLA_XDP_FLAGS, 2).end_nested();
        m.attr_str(TCA_KIND, "bpf");
        let b = m.finish(42).to_vec();
        assert_eq!(u32::from_ne_bytes(b[0..4].try_into().unwrap()) as usize, b.len());
        assert_eq!(u16::from_ne_bytes([b[4], b[5]]), RTM_SETLINK);
        assert_eq!(u32::from_ne_bytes(b[8..12].try_into().unwrap()), 42);
        assert_eq!(i32::from_ne_bytes(b[20..24].try_into().unwrap()), 7);
        let top = attrs(&b[32..]);
        assert_eq!(top.len(), 2);
        assert_eq!(top[0].0, IFLA_XDP);
        let inner = attrs(top[0].1);
        assert_eq!(inner, vec![(IFLA_XDP_FD, &5i32.to_ne_bytes()[..]), (IFLA_XDP_FLAGS, &2u32.to_ne_bytes()[..])]);
        assert_eq!(top[1], (TCA_KIND, &b"bpf\0"[..]));
        // Truncated input stops cleanly.
        assert!(attrs(&[8, 0, 1]).is_empty());
        assert!(attrs(&[200, 0, 1, 0, 0]).is_empty());
    }

    #[test]
    fn tcmsg_layout() {
        let t = tcmsg(3, 0x10, 0xFFFF_FFF2, 0x0001_0300);
        assert_eq!(i32::from_ne_bytes(t[4..8].try_into().unwrap()), 3);
        assert_eq!(u32::from_ne_bytes(t[12..16].try_into().unwrap()), 0xFFFF_FFF2);
        assert_eq!(u32::from_ne_bytes(t[16..20].try_into().unwrap()), 0x0001_0300);
    }
}
