//! Ring buffer (and later perf buffer) consumers. Owned by the sys work.
//!
//! CONTRACT: the manager does not own callbacks; each poll/consume call takes one
//! `FnMut(ring_index, record) -> i32`. Return 0 to continue; non-zero stops after that
//! record (which counts as consumed); a negative value makes the call return
//! Err(errno = -value), a positive one returns Ok(count so far).
//!
//! The shared-memory protocol (mmap layout, record headers, acquire/release ordering)
//! lives in `sys::ringbuf`; this module is the libbpf-style manager over several rings
//! with one epoll set. Records are handed to the callback as slices into the mapping:
//! no copy and no allocation per record.

use crate::bail;
pub mod perf_buffer;
pub use perf_buffer::{PerfBuffer, PerfEvent, PerfEventFn};
pub mod user_ring_buffer;
pub use user_ring_buffer::{UserRingBuffer, UserRingSample};

use crate::opts::RingBufferOpts;
use crate::sys::epoll::{empty_event, Epoll, EpollEvent, EPOLLIN};
use crate::sys::ringbuf::RingMap;
use crate::sys;
use crate::uapi::BPF_MAP_TYPE_RINGBUF;
use crate::{Error, Result};
use std::os::fd::{AsRawFd, OwnedFd, RawFd};

pub type SampleFn<'a> = dyn FnMut(usize, &[u8]) -> i32 + 'a;

/// One ring of a [`RingBuffer`] (libbpf's `struct ring`).
#[derive(Debug)]
pub struct Ring {
    map_fd: OwnedFd,
    map: RingMap,
}

impl Ring {
    /// The ring's own dup of the map fd.
    pub fn map_fd(&self) -> RawFd {
        self.map_fd.as_raw_fd()
    }
    pub fn consumer_pos(&self) -> u64 {
        self.map.consumer_pos()
    }
    pub fn producer_pos(&self) -> u64 {
        self.map.producer_pos()
    }
    /// Bytes written by producers and not yet consumed (headers and padding included).
    pub fn avail_data_size(&self) -> u64 {
        self.map.avail_data_size()
    }
    /// Size of the data area (the map's max_entries).
    pub fn size(&self) -> u64 {
        self.map.size()
    }
}

/// A libbpf-style ring buffer manager: several BPF_MAP_TYPE_RINGBUF maps behind one
/// epoll fd.
pub struct RingBuffer {
    epoll: Epoll,
    rings: Vec<Ring>,
    events: Vec<EpollEvent>,
}

/// A Send + Sync handle that waits on a RingBuffer's epoll fd from another thread
/// (Python with the GIL released, Node's background waiter). Owns a dup of the fd.
#[derive(Debug)]
pub struct RingWaiter {
    epoll: Epoll,
}

impl std::fmt::Debug for RingBuffer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RingBuffer").field("epoll", &self.epoll).field("rings", &self.rings).finish()
    }
}

/// Turn a callback's stop value into the call's result.
fn finish(count: usize, stop: i32) -> Result<usize> {
    if stop < 0 {
        let errno = stop.checked_neg().unwrap_or(libc::EINVAL);
        return Err(Error::new(errno, format!("ringbuf: sample callback returned {}", crate::error::errno_name(errno))));
    }
    Ok(count)
}

impl RingBuffer {
    pub fn new(opts: &RingBufferOpts) -> Result<RingBuffer> {
        let _ = opts;
        let epoll = Epoll::new().map_err(|e| e.context("ringbuf: failed to create epoll instance"))?;
        Ok(RingBuffer { epoll, rings: Vec::new(), events: Vec::new() })
    }

    /// Add a BPF_MAP_TYPE_RINGBUF map by fd (the fd is dup'ed). Returns the ring index.
    /// A non-ringbuf fd is EINVAL "ringbuf: map fd=N is not BPF_MAP_TYPE_RINGBUF".
    pub fn add(&mut self, map_fd: RawFd) -> Result<usize> {
        if map_fd < 0 {
            bail!(libc::EBADF, "ringbuf: invalid map fd={map_fd}");
        }
        let info = sys::map_info(map_fd).map_err(|e| Error::new(e.errno(), format!("ringbuf: failed to get map info for fd={map_fd}: {}", crate::error::errno_name(e.errno()))))?;
        if info.map_type != BPF_MAP_TYPE_RINGBUF {
            bail!(libc::EINVAL, "ringbuf: map fd={map_fd} is not BPF_MAP_TYPE_RINGBUF");
        }
        let fd = sys::dup_fd(map_fd).map_err(|e| e.context("ringbuf"))?;
        let map = RingMap::new(fd.as_raw_fd(), info.max_entries).map_err(|e| e.context(format_args!("ringbuf: map fd={map_fd}")))?;
        let idx = self.rings.len();
        self.epoll.add(fd.as_raw_fd(), EPOLLIN, idx as u64).map_err(|e| e.context(format_args!("ringbuf: map fd={map_fd}")))?;
        self.rings.push(Ring { map_fd: fd, map });
        self.events.push(empty_event());
        Ok(idx)
    }

    pub fn ring_count(&self) -> usize {
        self.rings.len()
    }

    /// The ring at `idx` (its positions and sizes).
    pub fn ring(&self, idx: usize) -> Option<&Ring> {
        self.rings.get(idx)
    }

    /// Wait up to timeout_ms (-1 forever) then consume every ring. Returns records consumed.
    /// A signal interrupting the wait returns Ok(0).
    pub fn poll(&mut self, timeout_ms: i32, cb: &mut SampleFn<'_>) -> Result<usize> {
        if self.rings.is_empty() {
            bail!(libc::EINVAL, "ringbuf: poll on a ring buffer without rings");
        }
        let n = self.epoll.wait(&mut self.events, timeout_ms)?;
        let mut total = 0usize;
        for i in 0..n {
            let idx = self.events[i].u64 as usize;
            let Some(ring) = self.rings.get(idx) else { continue };
            let (cnt, stop) = ring.map.consume(usize::MAX, |s| cb(idx, s));
            total += cnt;
            if stop != 0 {
                return finish(total, stop);
            }
        }
        Ok(total)
    }

    /// Consume whatever is available without waiting.
    pub fn consume(&mut self, cb: &mut SampleFn<'_>) -> Result<usize> {
        self.consume_n(usize::MAX, cb)
    }

    /// Consume at most n records.
    pub fn consume_n(&mut self, n: usize, cb: &mut SampleFn<'_>) -> Result<usize> {
        let mut total = 0usize;
        for (idx, ring) in self.rings.iter().enumerate() {
            if total >= n {
                break;
            }
            let (cnt, stop) = ring.map.consume(n - total, |s| cb(idx, s));
            total += cnt;
            if stop != 0 {
                return finish(total, stop);
            }
        }
        Ok(total)
    }

    /// Consume at most n records of one ring (libbpf's `ring__consume_n`).
    pub fn consume_ring(&mut self, idx: usize, n: usize, cb: &mut SampleFn<'_>) -> Result<usize> {
        let Some(ring) = self.rings.get(idx) else {
            bail!(libc::EINVAL, "ringbuf: no ring {idx} (have {})", self.rings.len());
        };
        let (cnt, stop) = ring.map.consume(n, |s| cb(idx, s));
        finish(cnt, stop)
    }

    pub fn epoll_fd(&self) -> RawFd {
        self.epoll.fd()
    }

    pub fn waiter(&self) -> Result<RingWaiter> {
        let fd = sys::dup_fd(self.epoll.fd()).map_err(|e| e.context("ringbuf: waiter"))?;
        Ok(RingWaiter { epoll: Epoll::from_owned(fd) })
    }
}

impl RingWaiter {
    /// Block up to timeout_ms for data; Ok(true) if some ring is readable. EINTR → Ok(false).
    pub fn wait(&self, timeout_ms: i32) -> Result<bool> {
        let mut ev = [empty_event()];
        Ok(self.epoll.wait(&mut ev, timeout_ms)? > 0)
    }

    pub fn fd(&self) -> RawFd {
        self.epoll.fd()
    }
}

// Bindings run the manager off the main thread and share the waiter.
const _: fn() = || {
    fn send<T: Send>() {}
    fn send_sync<T: Send + Sync>() {}
    send::<RingBuffer>();
    send_sync::<RingWaiter>();
};
