//! User ring buffer (libbpf's `user_ring_buffer`): user space produces records into a
//! BPF_MAP_TYPE_USER_RINGBUF map and a BPF program drains them with
//! `bpf_user_ringbuf_drain`. One producer: the handle is Send but not Sync.
//!
//! ```no_run
//! # fn f(map_fd: i32) -> rbpf_core::Result<()> {
//! use rbpf_core::events::UserRingBuffer;
//! let rb = UserRingBuffer::new(map_fd, &Default::default())?;
//! let mut s = rb.reserve(16)?;          // E2BIG: larger than the ring; ENOSPC: full
//! s.write(&7u64.to_ne_bytes())?;
//! s.submit()?;
//! # Ok(()) }
//! ```

use crate::opts::UserRingBufferOpts;
use crate::sys::epoll::{empty_event, Epoll};
use crate::sys::user_ringbuf::UserRingMap;
pub use crate::sys::user_ringbuf::UserRingSample;
use crate::sys;
use crate::uapi::BPF_MAP_TYPE_USER_RINGBUF;
use crate::{bail, Error, Result};
use std::os::fd::{AsRawFd, OwnedFd, RawFd};
use std::time::{Duration, Instant};

const EPOLLOUT: u32 = libc::EPOLLOUT as u32;

/// A producer over one USER_RINGBUF map (the map fd is dup'ed).
#[derive(Debug)]
pub struct UserRingBuffer {
    map_fd: OwnedFd,
    ring: UserRingMap,
    epoll: Epoll,
}

impl UserRingBuffer {
    /// Map `map_fd` (a BPF_MAP_TYPE_USER_RINGBUF map) for writing. EINVAL "user
    /// ringbuf: map fd=N is not BPF_MAP_TYPE_USER_RINGBUF" for any other map.
    pub fn new(map_fd: RawFd, opts: &UserRingBufferOpts) -> Result<UserRingBuffer> {
        let _ = opts;
        if map_fd < 0 {
            bail!(libc::EBADF, "user ringbuf: invalid map fd={map_fd}");
        }
        let info = sys::map_info(map_fd).map_err(|e| e.context(format_args!("user ringbuf: failed to get map info for fd={map_fd}")))?;
        if info.map_type != BPF_MAP_TYPE_USER_RINGBUF {
            bail!(libc::EINVAL, "user ringbuf: map fd={map_fd} is not BPF_MAP_TYPE_USER_RINGBUF");
        }
        let fd = sys::dup_fd(map_fd).map_err(|e| e.context("user ringbuf"))?;
        let ring = UserRingMap::new(fd.as_raw_fd(), info.max_entries).map_err(|e| e.context(format_args!("user ringbuf: map fd={map_fd}")))?;
        let epoll = Epoll::new().map_err(|e| e.context("user ringbuf: failed to create epoll instance"))?;
        // The kernel reports EPOLLOUT once a drain has freed space.
        epoll.add(fd.as_raw_fd(), EPOLLOUT, 0).map_err(|e| e.context(format_args!("user ringbuf: map fd={map_fd}")))?;
        Ok(UserRingBuffer { map_fd: fd, ring, epoll })
    }

    /// Reserve `size` bytes (the sample is 8-byte aligned). E2BIG when it can never fit
    /// the ring, ENOSPC when the ring is full now.
    pub fn reserve(&self, size: u32) -> Result<UserRingSample<'_>> {
        self.ring.reserve_sample(size)
    }

    /// As [`Self::reserve`], waiting up to `timeout_ms` (-1: forever, 0: no wait) for a
    /// BPF program to drain enough space. ENOSPC on timeout.
    pub fn reserve_blocking(&self, size: u32, timeout_ms: i32) -> Result<UserRingSample<'_>> {
        let off = self.reserve_blocking_raw(size, timeout_ms)?;
        Ok(self.ring.sample_at(off, size))
    }

    /// Raw form for the bindings: the sample's offset (see [`Self::sample_ptr`]).
    pub fn reserve_raw(&self, size: u32) -> Result<usize> {
        self.ring.reserve(size)
    }

    /// Raw blocking reserve; returns the sample's offset.
    pub fn reserve_blocking_raw(&self, size: u32, timeout_ms: i32) -> Result<usize> {
        if timeout_ms < -1 {
            bail!(libc::EINVAL, "user ringbuf: invalid timeout {timeout_ms} ms");
        }
        let deadline = (timeout_ms > 0).then(|| Instant::now() + Duration::from_millis(timeout_ms as u64));
        let mut events = [empty_event()];
        loop {
            match self.ring.reserve(size) {
                Err(e) if e.errno() == libc::ENOSPC => {}
                other => return other,
            }
            let wait = match deadline {
                None if timeout_ms == 0 => break,
                None => -1,
                Some(d) => {
                    let left = d.saturating_duration_since(Instant::now());
                    if left.is_zero() {
                        break;
                    }
                    left.as_millis().clamp(1, i32::MAX as u128) as i32
                }
            };
            self.epoll.wait(&mut events, wait).map_err(|e| e.context("user ringbuf: waiting for space"))?;
        }
        self.ring.reserve(size).map_err(|e| {
            if e.errno() == libc::ENOSPC {
                Error::new(libc::ENOSPC, format!("user ringbuf: no space for a {size}-byte sample within {timeout_ms} ms"))
            } else {
                e
            }
        })
    }

    /// Pointer to a sample reserved with the raw calls.
    pub fn sample_ptr(&self, offset: usize) -> *mut u8 {
        self.ring.sample_ptr(offset)
    }

    /// Offset of a sample pointer (EINVAL if it is not one of this ring's).
    pub fn sample_offset(&self, p: *const u8) -> Result<usize> {
        self.ring.offset_of(p)
    }

    /// Submit (discard = false) or discard a sample reserved with the raw calls.
    pub fn commit_raw(&self, offset: usize, discard: bool) -> Result<()> {
        self.ring.commit(offset, discard)
    }

    /// Reserve, copy `data` in and submit (ENOSPC when full, as `reserve`).
    pub fn write(&self, data: &[u8]) -> Result<()> {
        let size = u32::try_from(data.len()).map_err(|_| Error::new(libc::E2BIG, format!("user ringbuf: {}-byte sample too big", data.len())))?;
        let mut s = self.reserve(size)?;
        s.write(data)?;
        s.submit()
    }

    /// Size of the data area (the map's max_entries).
    pub fn size(&self) -> u64 {
        self.ring.size()
    }
    /// Bytes reserved and not yet drained by the kernel.
    pub fn used(&self) -> u64 {
        self.ring.producer_pos().wrapping_sub(self.ring.consumer_pos())
    }
    pub fn consumer_pos(&self) -> u64 {
        self.ring.consumer_pos()
    }
    pub fn producer_pos(&self) -> u64 {
        self.ring.producer_pos()
    }
    /// The ring's own dup of the map fd.
    pub fn map_fd(&self) -> RawFd {
        self.map_fd.as_raw_fd()
    }
    /// An epoll fd that is readable-for-write (EPOLLOUT) when there is space.
    pub fn epoll_fd(&self) -> RawFd {
        self.epoll.fd()
    }
}

const _: fn() = || {
    fn send<T: Send>() {}
    send::<UserRingBuffer>();
};
