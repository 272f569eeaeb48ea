//! The perf ring buffer's shared-memory protocol (the reader side of one CPU's
//! `perf_event_mmap_page` + data pages), kept here because it reads memory the kernel
//! writes.
//!
//! Layout (include/uapi/linux/perf_event.h): page 0 is the control page with
//! `data_head` (u64 at 1024, written by the kernel) and `data_tail` (u64 at 1032, ours);
//! the data area (a power-of-two number of pages) follows. Records start with
//! `perf_event_header {u32 type; u16 misc; u16 size}`, are 8-byte aligned, and may wrap
//! around the end of the data area (no double mapping here), in which case they are
//! copied into a scratch buffer.

use super::mmap::{mmap_fd, MmapRegion};
use super::page_size;
use crate::bail;
use crate::Result;
use std::os::fd::RawFd;
use std::sync::atomic::{AtomicU64, Ordering};

pub const PERF_RECORD_LOST: u32 = 2;
pub const PERF_RECORD_SAMPLE: u32 = 9;
const DATA_HEAD_OFF: usize = 1024;
const DATA_TAIL_OFF: usize = 1032;
const HDR_SZ: usize = 8;

/// One CPU's mapped perf ring.
pub struct PerfRing {
    region: MmapRegion,
    page: usize,
    data_size: u64,
}

impl std::fmt::Debug for PerfRing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PerfRing").field("data_size", &self.data_size).finish()
    }
}

impl PerfRing {
    /// Map `page_cnt` data pages (a power of two) plus the control page of a perf event fd.
    pub fn new(perf_fd: RawFd, page_cnt: usize) -> Result<PerfRing> {
        if page_cnt == 0 || !page_cnt.is_power_of_two() {
            bail!(libc::EINVAL, "perf buffer: page count {page_cnt} is not a power of 2");
        }
        let page = page_size();
        let len = page_cnt.checked_add(1).and_then(|n| n.checked_mul(page)).ok_or_else(|| crate::Error::new(libc::E2BIG, format!("perf buffer: {page_cnt} pages is too many")))?;
        let region = mmap_fd(perf_fd, len, true, 0).map_err(|e| e.context("perf buffer: failed to mmap"))?;
        Ok(PerfRing { region, page, data_size: (page_cnt * page) as u64 })
    }

    fn head(&self) -> &AtomicU64 {
        // SAFETY: offset 1024 of the page-aligned control page, 8-aligned and live for &self;
        // the kernel updates data_head atomically.
        unsafe { &*(self.region.as_ptr().add(DATA_HEAD_OFF) as *const AtomicU64) }
    }

    fn tail(&self) -> &AtomicU64 {
        // SAFETY: offset 1032 of the control page, 8-aligned, live for &self.
        unsafe { &*(self.region.as_ptr().add(DATA_TAIL_OFF) as *const AtomicU64) }
    }

    /// Bytes written and not yet read.
    pub fn avail(&self) -> u64 {
        self.head().load(Ordering::Acquire).wrapping_sub(self.tail().load(Ordering::Relaxed))
    }

    /// Read every available record, calling `f(type, record)` with the whole record
    /// (header included). A non-zero return stops after that record and is returned.
    pub fn consume<F: FnMut(u32, &[u8]) -> i32>(&self, scratch: &mut Vec<u8>, mut f: F) -> i32 {
        let head = self.head().load(Ordering::Acquire);
        let mut tail = self.tail().load(Ordering::Relaxed);
        // SAFETY: the data area starts one page into a mapping of page + data_size bytes.
        let base = unsafe { self.region.as_ptr().add(self.page) };
        let mut ret = 0;
        while tail < head {
            let off = (tail % self.data_size) as usize;
            // SAFETY: records are 8-aligned and data_size is a multiple of 8, so the
            // 8-byte header at `off` lies inside the data area; the kernel does not touch
            // [tail, head) until we move data_tail.
            let hdr = unsafe { std::slice::from_raw_parts(base.add(off), HDR_SZ) };
            let ty = u32::from_ne_bytes([hdr[0], hdr[1], hdr[2], hdr[3]]);
            let size = u16::from_ne_bytes([hdr[6], hdr[7]]) as usize;
            if size < HDR_SZ || size as u64 > head - tail {
                // Corrupt: skip everything written so far.
                tail = head;
                break;
            }
            let rec: &[u8] = if off + size <= self.data_size as usize {
                // SAFETY: [off, off+size) is inside the data area (checked above).
                unsafe { std::slice::from_raw_parts(base.add(off), size) }
            } else {
                let first = self.data_size as usize - off;
                scratch.clear();
                // SAFETY: both pieces lie inside the data area: [off, data_size) and
                // [0, size - first) with size ≤ data_size.
                unsafe {
                    scratch.extend_from_slice(std::slice::from_raw_parts(base.add(off), first));
                    scratch.extend_from_slice(std::slice::from_raw_parts(base, size - first));
                }
                &scratch[..]
            };
            tail += size as u64;
            ret = f(ty, rec);
            if ret != 0 {
                break;
            }
        }
        self.tail().store(tail, Ordering::Release);
        ret
    }
}
