//! epoll(7), for the ring and perf buffer managers.

use crate::bail;
use super::{err, last_errno};
use crate::Result;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};

pub use libc::epoll_event as EpollEvent;
pub const EPOLLIN: u32 = libc::EPOLLIN as u32;

/// An epoll instance (O_CLOEXEC).
#[derive(Debug)]
pub struct Epoll {
    fd: OwnedFd,
}

impl Epoll {
    pub fn new() -> Result<Epoll> {
        // SAFETY: epoll_create1 has no memory effects.
        let r = unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) };
        if r < 0 {
            return Err(err(last_errno(), "epoll_create1"));
        }
        // SAFETY: `r` is a new descriptor nothing else owns.
        let fd = unsafe { OwnedFd::from_raw_fd(r) };
        Ok(Epoll { fd })
    }

    /// Wrap an existing epoll fd (e.g. a dup, for a waiter on another thread).
    pub fn from_owned(fd: OwnedFd) -> Epoll {
        Epoll { fd }
    }

    pub fn fd(&self) -> RawFd {
        self.fd.as_raw_fd()
    }

    pub fn owned_fd(&self) -> &OwnedFd {
        &self.fd
    }

    /// Watch `fd` for `events`, reporting `data` back.
    pub fn add(&self, fd: RawFd, events: u32, data: u64) -> Result<()> {
        let mut ev = EpollEvent { events, u64: data };
        // SAFETY: `ev` is a valid epoll_event for the duration of the call.
        let r = unsafe { libc::epoll_ctl(self.fd.as_raw_fd(), libc::EPOLL_CTL_ADD, fd, &mut ev) };
        if r < 0 {
            return Err(err(last_errno(), format_args!("epoll_ctl add fd {fd}")));
        }
        Ok(())
    }

    /// epoll_wait into `events`; returns how many are ready. EINTR is Ok(0).
    pub fn wait(&self, events: &mut [EpollEvent], timeout_ms: i32) -> Result<usize> {
        if events.is_empty() {
            bail!(libc::EINVAL, "epoll_wait: no room for events");
        }
        let max = events.len().min(i32::MAX as usize) as i32;
        // SAFETY: `events` is writable memory for `max` epoll_event entries.
        let r = unsafe { libc::epoll_wait(self.fd.as_raw_fd(), events.as_mut_ptr(), max, timeout_ms) };
        if r < 0 {
            let e = last_errno();
            if e == libc::EINTR {
                return Ok(0);
            }
            return Err(err(e, "epoll_wait"));
        }
        Ok(r as usize)
    }
}

/// An empty event slot, for sizing wait buffers.
pub fn empty_event() -> EpollEvent {
    EpollEvent { events: 0, u64: 0 }
}
