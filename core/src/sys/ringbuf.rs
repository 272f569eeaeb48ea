//! The BPF ring buffer's shared-memory protocol (the consumer side), kept here because
//! it hands out slices of memory the kernel writes.
//!
//! Layout (kernel/bpf/ringbuf.c, libbpf ringbuf.c): the consumer page (RW, offset 0)
//! holds `consumer_pos`; the producer page (RO, offset page_size) holds `producer_pos`
//! and is followed by the data area mapped twice, so a record that wraps is contiguous.
//! Each record starts with an 8-byte header whose first u32 is the length with the
//! BUSY (1<<31) and DISCARD (1<<30) bits; records are rounded up to 8 bytes.

use crate::bail;
use super::mmap::{mmap_fd, MmapRegion};
use super::page_size;
use crate::Result;
use std::os::fd::RawFd;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};

pub const BPF_RINGBUF_BUSY_BIT: u32 = 1 << 31;
pub const BPF_RINGBUF_DISCARD_BIT: u32 = 1 << 30;
pub const BPF_RINGBUF_HDR_SZ: u64 = 8;

/// One mapped ring buffer map.
pub struct RingMap {
    consumer: MmapRegion,
    producer: MmapRegion,
    /// data area size - 1 (the size is a power of two).
    mask: u64,
    page: usize,
}

impl std::fmt::Debug for RingMap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RingMap").field("size", &(self.mask + 1)).finish()
    }
}

impl RingMap {
    /// Map a BPF_MAP_TYPE_RINGBUF map whose `max_entries` (data size) is `size`.
    pub fn new(map_fd: RawFd, size: u32) -> Result<RingMap> {
        if size == 0 || !size.is_power_of_two() {
            bail!(libc::EINVAL, "ringbuf: map fd={map_fd} has invalid size {size}");
        }
        let page = page_size();
        let consumer = mmap_fd(map_fd, page, true, 0).map_err(|e| e.context("ringbuf: failed to mmap consumer page"))?;
        let prod_len = (size as usize).checked_mul(2).and_then(|d| d.checked_add(page)).ok_or_else(|| crate::Error::new(libc::E2BIG, format!("ringbuf: map fd={map_fd} size {size} too big")))?;
        let producer = mmap_fd(map_fd, prod_len, false, page as u64).map_err(|e| e.context("ringbuf: failed to mmap data pages"))?;
        Ok(RingMap { consumer, producer, mask: size as u64 - 1, page })
    }

    fn consumer_atomic(&self) -> &AtomicU64 {
        // SAFETY: offset 0 of a page-sized, page-aligned live mapping; the kernel and we
        // only access consumer_pos atomically.
        unsafe { &*(self.consumer.as_ptr() as *const AtomicU64) }
    }

    fn producer_atomic(&self) -> &AtomicU64 {
        // SAFETY: offset 0 of the page-aligned producer mapping (live for &self).
        unsafe { &*(self.producer.as_ptr() as *const AtomicU64) }
    }

    pub fn consumer_pos(&self) -> u64 {
        self.consumer_atomic().load(Ordering::Acquire)
    }

    pub fn producer_pos(&self) -> u64 {
        self.producer_atomic().load(Ordering::Acquire)
    }

    /// Data area size in bytes.
    pub fn size(&self) -> u64 {
        self.mask + 1
    }

    /// Bytes produced but not yet consumed.
    pub fn avail_data_size(&self) -> u64 {
        self.producer_pos().wrapping_sub(self.consumer_pos())
    }

    /// Consume up to `max` records, calling `f` on each committed, non-discarded one
    /// with a slice into the mapping (no copy). A non-zero return from `f` stops after
    /// that record (it is consumed). Returns (records passed to `f`, the stopping value
    /// or 0). The consumer position is published (release) after every record so the
    /// kernel can reuse the space at once.
    pub fn consume<F: FnMut(&[u8]) -> i32>(&self, max: usize, mut f: F) -> (usize, i32) {
        let cons = self.consumer_atomic();
        let prod = self.producer_atomic();
        // SAFETY: the data area starts one page into the producer mapping, which is
        // page + 2*size long.
        let data = unsafe { self.producer.as_ptr().add(self.page) };
        let size = self.mask + 1;
        let mut count = 0usize;
        if max == 0 {
            return (0, 0);
        }
        let mut cons_pos = cons.load(Ordering::Acquire);
        loop {
            let mut got_new = false;
            let prod_pos = prod.load(Ordering::Acquire);
            while cons_pos < prod_pos {
                let off = (cons_pos & self.mask) as usize;
                // SAFETY: off < size and the header is 8-aligned inside the first copy of
                // the data area; the kernel writes the length word atomically.
                let hdr = unsafe { &*(data.add(off) as *const AtomicU32) };
                let len = hdr.load(Ordering::Acquire);
                if len & BPF_RINGBUF_BUSY_BIT != 0 {
                    // Not committed yet: stop here, the producer will wake us again.
                    cons.store(cons_pos, Ordering::Release);
                    return (count, 0);
                }
                let body = (len & !(BPF_RINGBUF_BUSY_BIT | BPF_RINGBUF_DISCARD_BIT)) as u64;
                if body + BPF_RINGBUF_HDR_SZ > size {
                    // A corrupt length would walk outside the mapping: drop the rest.
                    cons.store(prod_pos, Ordering::Release);
                    return (count, 0);
                }
                got_new = true;
                cons_pos += (body + BPF_RINGBUF_HDR_SZ + 7) & !7;
                let mut stop = 0;
                if len & BPF_RINGBUF_DISCARD_BIT == 0 {
                    // SAFETY: the record lies in [off+8, off+8+body) with off+8+body ≤
                    // 2*size thanks to the double mapping; the kernel does not touch a
                    // committed record until consumer_pos moves past it, which happens
                    // only after `f` returns.
                    let sample = unsafe { std::slice::from_raw_parts(data.add(off + BPF_RINGBUF_HDR_SZ as usize), body as usize) };
                    stop = f(sample);
                    count += 1;
                }
                cons.store(cons_pos, Ordering::Release);
                if stop != 0 {
                    return (count, stop);
                }
                if count >= max {
                    return (count, 0);
                }
            }
            if !got_new {
                return (count, 0);
            }
        }
    }
}
