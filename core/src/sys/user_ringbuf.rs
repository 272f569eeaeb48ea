//! The producer side of BPF_MAP_TYPE_USER_RINGBUF's shared memory (user space writes,
//! a BPF program drains with bpf_user_ringbuf_drain). Kept in `sys` because it hands
//! out pointers into memory the kernel reads.
//!
//! Layout (kernel/bpf/ringbuf.c): the consumer page (offset 0) is read-only for user
//! space; the producer page (offset page_size) and the data area, mapped twice so a
//! record that wraps is contiguous, are read-write. A record is an 8-byte header (u32
//! length with BUSY / DISCARD bits, u32 pad) plus the sample, rounded up to 8 bytes.
//! Reserving writes a BUSY header and publishes producer_pos at once (the kernel stops
//! draining at a BUSY record); submit / discard clear BUSY (and set DISCARD).
//! One producer only: positions are advanced without a lock, as libbpf does.

use super::mmap::{mmap_fd, MmapRegion};
use super::page_size;
use super::ringbuf::{BPF_RINGBUF_BUSY_BIT, BPF_RINGBUF_DISCARD_BIT, BPF_RINGBUF_HDR_SZ};
use crate::{bail, Error, Result};
use std::cell::Cell;
use std::marker::PhantomData;
use std::os::fd::RawFd;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};

/// One mapped user ring buffer map. Send but not Sync: reserving is single-producer.
pub struct UserRingMap {
    consumer: MmapRegion,
    producer: MmapRegion,
    mask: u64,
    page: usize,
    _single_producer: PhantomData<Cell<()>>,
}

/// A reserved sample: writable bytes in the ring until [`UserRingSample::submit`] or
/// [`UserRingSample::discard`]; dropping it unsubmitted discards it.
pub struct UserRingSample<'a> {
    ring: &'a UserRingMap,
    offset: usize,
    len: usize,
    done: bool,
}

impl std::fmt::Debug for UserRingSample<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserRingSample").field("offset", &self.offset).field("len", &self.len).finish()
    }
}

impl UserRingSample<'_> {
    pub fn len(&self) -> usize {
        self.len
    }
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
    /// The sample's bytes (zero-length slices for a 0-byte sample).
    pub fn as_mut_slice(&mut self) -> &mut [u8] {
        // SAFETY: reserve() handed this region [offset, offset+len) to this sample alone
        // (the producer position moved past it and the kernel does not read it while
        // the header is BUSY); it is contiguous thanks to the double mapping and lives
        // as long as the borrowed ring. &mut self makes the slice unique.
        unsafe { std::slice::from_raw_parts_mut(self.ring.sample_ptr(self.offset), self.len) }
    }
    /// Copy `data` to the start of the sample (EINVAL if it is longer).
    pub fn write(&mut self, data: &[u8]) -> Result<()> {
        if data.len() > self.len {
            bail!(libc::EINVAL, "user ringbuf: {} bytes don't fit a {}-byte sample", data.len(), self.len);
        }
        self.as_mut_slice()[..data.len()].copy_from_slice(data);
        Ok(())
    }
    /// Hand the sample to the kernel.
    pub fn submit(mut self) -> Result<()> {
        self.done = true;
        self.ring.commit(self.offset, false)
    }
    /// Give the space back without the kernel seeing the sample.
    pub fn discard(mut self) -> Result<()> {
        self.done = true;
        self.ring.commit(self.offset, true)
    }
}

impl Drop for UserRingSample<'_> {
    fn drop(&mut self) {
        if !self.done {
            let _ = self.ring.commit(self.offset, true);
        }
    }
}

impl std::fmt::Debug for UserRingMap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserRingMap").field("size", &(self.mask + 1)).finish()
    }
}

impl UserRingMap {
    /// Map a USER_RINGBUF map whose data size (`max_entries`) is `size`.
    pub fn new(map_fd: RawFd, size: u32) -> Result<UserRingMap> {
        if size == 0 || !size.is_power_of_two() {
            bail!(libc::EINVAL, "user ringbuf: map fd={map_fd} has invalid size {size}");
        }
        let page = page_size();
        let consumer = mmap_fd(map_fd, page, false, 0).map_err(|e| e.context("user ringbuf: failed to mmap consumer page"))?;
        let prod_len = (size as usize)
            .checked_mul(2)
            .and_then(|d| d.checked_add(page))
            .ok_or_else(|| Error::new(libc::E2BIG, format!("user ringbuf: map fd={map_fd} size {size} too big")))?;
        let producer = mmap_fd(map_fd, prod_len, true, page as u64).map_err(|e| e.context("user ringbuf: failed to mmap data pages"))?;
        Ok(UserRingMap { consumer, producer, mask: size as u64 - 1, page, _single_producer: PhantomData })
    }

    fn consumer_atomic(&self) -> &AtomicU64 {
        // SAFETY: offset 0 of a live, page-aligned, page-long mapping; consumer_pos is
        // only ever accessed atomically.
        unsafe { &*(self.consumer.as_ptr() as *const AtomicU64) }
    }

    fn producer_atomic(&self) -> &AtomicU64 {
        // SAFETY: offset 0 of the live, page-aligned producer mapping.
        unsafe { &*(self.producer.as_ptr() as *const AtomicU64) }
    }

    fn data(&self) -> *mut u8 {
        // SAFETY: the data area starts one page into the producer mapping, which is
        // page + 2*size bytes long.
        unsafe { self.producer.as_ptr().add(self.page) }
    }

    pub fn size(&self) -> u64 {
        self.mask + 1
    }
    pub fn consumer_pos(&self) -> u64 {
        self.consumer_atomic().load(Ordering::Acquire)
    }
    pub fn producer_pos(&self) -> u64 {
        self.producer_atomic().load(Ordering::Acquire)
    }

    /// Reserve `size` bytes: E2BIG if a record this big can never fit, ENOSPC if the
    /// ring is full now. Returns the sample's offset in the data area (8-aligned; the
    /// sample is contiguous and writable for `size` bytes through [`Self::sample_ptr`]).
    pub fn reserve(&self, size: u32) -> Result<usize> {
        let total = (size as u64 + BPF_RINGBUF_HDR_SZ + 7) & !7;
        if size & (BPF_RINGBUF_BUSY_BIT | BPF_RINGBUF_DISCARD_BIT) != 0 || total > self.mask + 1 {
            bail!(libc::E2BIG, "user ringbuf: a {size}-byte sample can't fit in the {}-byte ring", self.mask + 1);
        }
        let cons = self.consumer_pos();
        let prod = self.producer_pos();
        let used = prod.wrapping_sub(cons);
        if (self.mask + 1).saturating_sub(used) < total {
            bail!(libc::ENOSPC, "user ringbuf: no space for a {size}-byte sample ({used} of {} bytes in use)", self.mask + 1);
        }
        let off = (prod & self.mask) as usize;
        // SAFETY: off < size and 8-aligned; the 8-byte header lies in the first copy of
        // the data area, which this (single) producer owns between producer_pos and
        // consumer_pos + size. The length word is shared with the kernel: written atomically.
        let hdr = unsafe { &*(self.data().add(off) as *const AtomicU32) };
        hdr.store(size | BPF_RINGBUF_BUSY_BIT, Ordering::Relaxed);
        // SAFETY: the pad word right after the length, same region as above.
        let pad = unsafe { &*(self.data().add(off + 4) as *const AtomicU32) };
        pad.store(0, Ordering::Relaxed);
        self.producer_atomic().store(prod + total, Ordering::Release);
        Ok(off + BPF_RINGBUF_HDR_SZ as usize)
    }

    /// Reserve a sample as a typed handle (see [`Self::reserve`]).
    pub fn reserve_sample(&self, size: u32) -> Result<UserRingSample<'_>> {
        let offset = self.reserve(size)?;
        Ok(UserRingSample { ring: self, offset, len: size as usize, done: false })
    }

    /// The typed handle of a sample reserved with [`Self::reserve`] at `offset`.
    pub(crate) fn sample_at(&self, offset: usize, size: u32) -> UserRingSample<'_> {
        UserRingSample { ring: self, offset, len: size as usize, done: false }
    }

    /// Pointer to the sample at `offset` (from [`Self::reserve`]); valid for the size
    /// reserved, inside the double-mapped data area, while `self` lives.
    pub fn sample_ptr(&self, offset: usize) -> *mut u8 {
        // SAFETY: reserve returns offsets < size + 8 and the data area is 2*size long.
        unsafe { self.data().add(offset.min(2 * (self.mask as usize + 1))) }
    }

    /// The offset of a sample pointer handed out by `sample_ptr`, or EINVAL when `p`
    /// does not point at a sample of this ring (for C callers passing raw pointers).
    pub fn offset_of(&self, p: *const u8) -> Result<usize> {
        let base = self.data() as usize;
        let a = p as usize;
        let size = self.mask as usize + 1;
        if a < base + BPF_RINGBUF_HDR_SZ as usize || a >= base + size + BPF_RINGBUF_HDR_SZ as usize || (a - base) & 7 != 0 {
            bail!(libc::EINVAL, "user ringbuf: {p:p} is not a sample of this ring");
        }
        Ok(a - base)
    }

    /// Submit (or discard) the sample at `offset`: clears BUSY so the kernel may
    /// consume it. EINVAL if no reserved sample starts there.
    pub fn commit(&self, offset: usize, discard: bool) -> Result<()> {
        let size = self.mask as usize + 1;
        if offset < BPF_RINGBUF_HDR_SZ as usize || offset >= size + BPF_RINGBUF_HDR_SZ as usize || offset & 7 != 0 {
            bail!(libc::EINVAL, "user ringbuf: offset {offset} is not a sample of this ring");
        }
        let hdr_off = (offset - BPF_RINGBUF_HDR_SZ as usize) & self.mask as usize;
        // SAFETY: hdr_off < size, 8-aligned, inside the first copy of the data area.
        let hdr = unsafe { &*(self.data().add(hdr_off) as *const AtomicU32) };
        let len = hdr.load(Ordering::Relaxed);
        if len & BPF_RINGBUF_BUSY_BIT == 0 {
            bail!(libc::EINVAL, "user ringbuf: the sample at offset {offset} is not reserved");
        }
        let mut new = len & !BPF_RINGBUF_BUSY_BIT;
        if discard {
            new |= BPF_RINGBUF_DISCARD_BIT;
        }
        // Release: the sample's bytes are visible to the kernel before the header says so.
        hdr.swap(new, Ordering::AcqRel);
        Ok(())
    }
}
