//! Links and attach mechanisms, one file per link kind (cilium's link/ layout):
//! [`tracepoint`], [`raw_tracepoint`], [`tracing`] (tp_btf, fentry, fexit, ...),
//! [`perf_event`] (any perf event fd; the base of tracepoint, kprobe and uprobe links).
//! Later kinds (uprobe, usdt, xdp, tcx, cgroup, ...) add a file and a `LinkKind`.
//!
//! CONTRACT: `Link` owns its fds; `detach(&mut self)` is idempotent; Drop detaches.
//! As in libbpf, detaching closes the link's fds: a link that was pinned stays attached
//! through its pin until `unpin()` (or removal of the pin file).

pub mod perf_event;
pub mod raw_tracepoint;
pub mod tracepoint;
pub mod tracing;

pub use perf_event::{attach_perf_event, attach_perf_event_legacy};
pub use raw_tracepoint::attach_raw_tracepoint;
pub use tracepoint::{attach_tracepoint, tracepoint_id};
pub use tracing::attach_trace;

use crate::bail;
use crate::sys;
use crate::{Error, Result};
use std::os::fd::{AsRawFd, IntoRawFd, OwnedFd, RawFd};
use std::path::{Path, PathBuf};

/// How a link is attached, which decides how it is detached.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkKind {
    /// A BPF link fd (BPF_LINK_CREATE / BPF_RAW_TRACEPOINT_OPEN / a pinned link).
    Fd,
    /// A BPF link over a perf event (the link fd plus the perf event fd it uses).
    PerfLink,
    /// Legacy: a program set on a perf event with PERF_EVENT_IOC_SET_BPF (no link fd).
    PerfIoctl,
    /// Detached by its own code (a [`LinkDetach`]): netlink TC filters, BPF_PROG_ATTACH
    /// attachments, socket filters, USDT (several uprobe links + spec ids). It may also
    /// own a BPF link fd.
    Custom,
}

/// An attachment of a program. Owns its fds.
#[derive(Debug)]
pub struct Link {
    kind: LinkKind,
    fd: Option<OwnedFd>,
    perf_fd: Option<OwnedFd>,
    pin_path: Option<PathBuf>,
    /// What it is attached to ("tracepoint 'syscalls/sys_enter_getpid'"), for messages.
    target: String,
    /// Custom detach code (LinkKind::Custom), run before the fds are closed.
    custom: Option<Box<dyn LinkDetach>>,
}

impl Link {
    /// A link over a BPF link fd.
    pub fn from_fd(fd: OwnedFd, target: impl Into<String>) -> Link {
        Link { kind: LinkKind::Fd, fd: Some(fd), perf_fd: None, pin_path: None, target: target.into(), custom: None }
    }

    pub(crate) fn perf_link(link_fd: OwnedFd, perf_fd: OwnedFd, target: String) -> Link {
        Link { kind: LinkKind::PerfLink, fd: Some(link_fd), perf_fd: Some(perf_fd), pin_path: None, target, custom: None }
    }

    pub(crate) fn perf_ioctl(perf_fd: OwnedFd, target: String) -> Link {
        Link { kind: LinkKind::PerfIoctl, fd: None, perf_fd: Some(perf_fd), pin_path: None, target, custom: None }
    }

    /// The link fd (or the perf event fd for perf-event-based links); -1 after detach.
    pub fn fd(&self) -> RawFd {
        self.fd.as_ref().or(self.perf_fd.as_ref()).map(|f| f.as_raw_fd()).unwrap_or(-1)
    }

    /// The perf event fd, for perf-event-based links; -1 otherwise.
    pub fn perf_event_fd(&self) -> RawFd {
        self.perf_fd.as_ref().map(|f| f.as_raw_fd()).unwrap_or(-1)
    }

    pub fn kind(&self) -> LinkKind {
        self.kind
    }

    /// What the link is attached to, e.g. "tracepoint 'syscalls/sys_enter_getpid'".
    pub fn target(&self) -> &str {
        &self.target
    }

    /// Detach and close; a second call is a no-op returning Ok.
    pub fn detach(&mut self) -> Result<()> {
        let mut res = Ok(());
        if let Some(mut c) = self.custom.take() {
            res = c.detach().map_err(|e| e.context(format_args!("failed to detach from {}", self.target)));
        }
        if self.kind == LinkKind::PerfIoctl {
            if let Some(pfd) = &self.perf_fd {
                res = sys::perf_event_disable(pfd.as_raw_fd()).map_err(|e| e.context(format_args!("failed to detach from {}", self.target)));
            }
        }
        // Close the link before the perf event it uses.
        drop(self.fd.take());
        drop(self.perf_fd.take());
        res
    }

    pub fn is_detached(&self) -> bool {
        self.fd.is_none() && self.perf_fd.is_none() && self.custom.is_none()
    }

    /// Give up ownership without detaching: the fds stay open (and the program attached)
    /// until the process exits, as libbpf's `bpf_link__disconnect`.
    pub fn disconnect(&mut self) {
        if let Some(fd) = self.fd.take() {
            let _ = fd.into_raw_fd();
        }
        if let Some(fd) = self.perf_fd.take() {
            let _ = fd.into_raw_fd();
        }
        if let Some(c) = self.custom.take() {
            // Leak on purpose: the attachment stays until the process exits.
            std::mem::forget(c);
        }
    }

    fn link_fd(&self, what: &str) -> Result<RawFd> {
        match (&self.fd, self.kind) {
            (Some(fd), LinkKind::Fd | LinkKind::PerfLink | LinkKind::Custom) => Ok(fd.as_raw_fd()),
            (None, LinkKind::Custom) if !self.is_detached() => Err(Error::new(libc::EOPNOTSUPP, format!("{what} {}: not a BPF link", self.target))),
            (None, _) if self.is_detached() => Err(Error::new(libc::EINVAL, format!("{what} {}: link is detached", self.target))),
            _ => Err(Error::new(libc::EOPNOTSUPP, format!("{what} {}: not a BPF link (attached with the legacy perf ioctl)", self.target))),
        }
    }

    /// Pin the link at `path` on a bpffs; it then outlives this handle and the process.
    pub fn pin(&mut self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        if let Some(p) = &self.pin_path {
            bail!(libc::EBUSY, "link {}: already pinned at '{}'", self.target, p.display());
        }
        let fd = self.link_fd("pin")?;
        sys::obj_pin(fd, path).map_err(|e| e.context(format_args!("link {}", self.target)))?;
        self.pin_path = Some(path.to_path_buf());
        Ok(())
    }

    /// Remove the pin created by `pin` (or the one `open_pinned` opened).
    pub fn unpin(&mut self) -> Result<()> {
        let Some(p) = self.pin_path.take() else {
            bail!(libc::EINVAL, "link {}: not pinned", self.target);
        };
        std::fs::remove_file(&p).map_err(|e| {
            let errno = e.raw_os_error().unwrap_or(libc::EIO);
            Error::new(errno, format!("link {}: failed to unpin '{}': {}", self.target, p.display(), crate::error::errno_name(errno)))
        })
    }

    pub fn pin_path(&self) -> Option<&Path> {
        self.pin_path.as_deref()
    }

    /// Open a link pinned at `path`.
    pub fn open_pinned(path: impl AsRef<Path>) -> Result<Link> {
        let path = path.as_ref();
        let fd = sys::obj_get(path)?;
        let info = sys::link_info(fd.as_raw_fd()).map_err(|e| e.context(format_args!("'{}' is not a BPF link", path.display())))?;
        let mut l = Link::from_fd(fd, format!("pinned link '{}' (type {})", path.display(), info.link_type));
        l.pin_path = Some(path.to_path_buf());
        Ok(l)
    }

    /// Replace the link's program (BPF_LINK_UPDATE).
    pub fn update_program(&self, prog_fd: RawFd) -> Result<()> {
        let fd = self.link_fd("update")?;
        sys::link_update(fd, prog_fd, None, 0).map_err(|e| e.context(format_args!("link {}", self.target)))
    }

    /// Kernel information about the link (type, id, program id).
    pub fn info(&self) -> Result<sys::attr::BpfLinkInfo> {
        sys::link_info(self.link_fd("info")?)
    }
}

impl Drop for Link {
    fn drop(&mut self) {
        let _ = self.detach();
    }
}

// Bindings move Links across threads (Python objects, Node finalizers).
const _: fn() = || {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<Link>();
};

/// Detach code of a [`LinkKind::Custom`] link. `detach` is called at most once.
pub trait LinkDetach: Send + Sync + std::fmt::Debug {
    fn detach(&mut self) -> Result<()>;
}

impl Link {
    /// A link detached by `custom` (which runs first), optionally owning a BPF link fd.
    pub fn custom(fd: Option<OwnedFd>, custom: Box<dyn LinkDetach>, target: impl Into<String>) -> Link {
        Link { kind: LinkKind::Custom, fd, perf_fd: None, pin_path: None, target: target.into(), custom: Some(custom) }
    }
}

pub mod uprobe;
pub use uprobe::{attach_uprobe, attach_uprobe_multi, UprobeMultiTargets};
pub mod xdp;
pub use xdp::{attach_xdp, xdp_attach, xdp_detach, xdp_query, xdp_query_id};
pub mod tc;
pub mod tcx;
pub use tc::{attach_tc, attach_tc_auto, tc_attach, tc_detach, tc_hook_create, tc_hook_destroy, tc_query};
pub use tcx::{attach_netkit, attach_tcx};
pub mod cgroup;
pub mod iter;
pub mod sockets;
pub use cgroup::{attach_cgroup, cgroup_prog_attach};
pub use iter::{attach_iter, iter_create, iter_read_all};
pub use sockets::{attach_netns, attach_socket_filter, attach_sockmap, prog_attach_link};
pub mod perf_sampler;
pub use perf_sampler::{attach_perf_event_opts, open_cpu_clock_sampler};
pub mod kprobe;
pub use kprobe::{attach_kprobe, attach_kprobe_multi, attach_ksyscall, KprobeMultiTargets};
pub mod usdt;
pub use usdt::{attach_usdt, UsdtMaps};
pub mod auto;
pub use auto::attach_by_sec;
pub mod netfilter;
pub use netfilter::attach_netfilter;
