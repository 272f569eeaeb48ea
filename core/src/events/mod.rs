//! Ring buffer (and later perf buffer) consumers. Owned by the sys work.
//!
//! CONTRACT: the manager does not own callbacks; each poll/consume call takes one
//! `FnMut(ring_index, record) -> i32`. Return 0 to continue; non-zero stops after that
//! record (which counts as consumed); a negative value makes the call return
//! Err(errno = -value), a positive one returns Ok(count so far).

use crate::opts::RingBufferOpts;
use crate::Result;
use std::os::fd::RawFd;

pub type SampleFn<'a> = dyn FnMut(usize, &[u8]) -> i32 + 'a;

pub struct RingBuffer {
    _todo: (),
}

/// A Send + Sync handle that waits on a RingBuffer's epoll fd from another thread
/// (Python with the GIL released, Node's background waiter). Owns a dup of the fd.
pub struct RingWaiter {
    _todo: (),
}

impl RingBuffer {
    pub fn new(opts: &RingBufferOpts) -> Result<RingBuffer> {
        let _ = opts;
        todo!()
    }
    /// Add a BPF_MAP_TYPE_RINGBUF map by fd (the fd is dup'ed). Returns the ring index.
    /// A non-ringbuf fd is EINVAL "ringbuf: map fd=N is not BPF_MAP_TYPE_RINGBUF".
    pub fn add(&mut self, map_fd: RawFd) -> Result<usize> {
        let _ = map_fd;
        todo!()
    }
    pub fn ring_count(&self) -> usize {
        todo!()
    }
    /// Wait up to timeout_ms (-1 forever) then consume every ring. Returns records consumed.
    pub fn poll(&mut self, timeout_ms: i32, cb: &mut SampleFn<'_>) -> Result<usize> {
        let _ = (timeout_ms, cb);
        todo!()
    }
    /// Consume whatever is available without waiting.
    pub fn consume(&mut self, cb: &mut SampleFn<'_>) -> Result<usize> {
        let _ = cb;
        todo!()
    }
    /// Consume at most n records.
    pub fn consume_n(&mut self, n: usize, cb: &mut SampleFn<'_>) -> Result<usize> {
        let _ = (n, cb);
        todo!()
    }
    pub fn epoll_fd(&self) -> RawFd {
        todo!()
    }
    pub fn waiter(&self) -> Result<RingWaiter> {
        todo!()
    }
}

impl RingWaiter {
    /// Block up to timeout_ms for data; Ok(true) if some ring is readable. EINTR → Ok(false).
    pub fn wait(&self, timeout_ms: i32) -> Result<bool> {
        let _ = timeout_ms;
        todo!()
    }
}
