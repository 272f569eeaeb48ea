//! Perf buffer (libbpf's `perf_buffer`): one BPF_OUTPUT perf event and mmap'd ring per
//! online CPU, stored into a BPF_MAP_TYPE_PERF_EVENT_ARRAY at the CPU's index, all
//! behind one epoll fd. Programs write with `bpf_perf_event_output(ctx, &map,
//! BPF_F_CURRENT_CPU, data, size)`.
//!
//! Callbacks get `(cpu, PerfEvent)`; as with the ring buffer, 0 continues, non-zero stops
//! after that event, negative makes the call return Err(errno = -value).

use crate::bail;
use crate::sys::attr::PerfEventAttr;
use crate::sys::epoll::{empty_event, Epoll, EpollEvent, EPOLLIN};
use crate::sys::perfbuf::{PerfRing, PERF_RECORD_LOST, PERF_RECORD_SAMPLE};
use crate::sys::{self, PERF_COUNT_SW_BPF_OUTPUT, PERF_SAMPLE_RAW, PERF_TYPE_SOFTWARE};
use crate::opts::PerfBufferOpts;
use crate::uapi::BPF_MAP_TYPE_PERF_EVENT_ARRAY;
use crate::{Error, Result};
use std::os::fd::{AsRawFd, OwnedFd, RawFd};

/// One event read from a CPU's buffer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PerfEvent<'a> {
    /// A sample: the bytes the program passed (padded by the kernel to 8-byte alignment of
    /// the raw record, so it may be up to 4 bytes longer than what was written).
    Sample(&'a [u8]),
    /// The kernel dropped this many samples because the buffer was full.
    Lost(u64),
}

pub type PerfEventFn<'a> = dyn FnMut(usize, PerfEvent<'_>) -> i32 + 'a;

#[derive(Debug)]
struct CpuBuf {
    cpu: u32,
    fd: OwnedFd,
    ring: PerfRing,
}

/// A perf buffer over a PERF_EVENT_ARRAY map.
pub struct PerfBuffer {
    map_fd: OwnedFd,
    epoll: Epoll,
    bufs: Vec<CpuBuf>,
    events: Vec<EpollEvent>,
    scratch: Vec<u8>,
}

impl std::fmt::Debug for PerfBuffer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PerfBuffer").field("bufs", &self.bufs).finish()
    }
}

fn finish(count: usize, stop: i32) -> Result<usize> {
    if stop < 0 {
        let errno = stop.checked_neg().unwrap_or(libc::EINVAL);
        return Err(Error::new(errno, format!("perf buffer: callback returned {}", crate::error::errno_name(errno))));
    }
    Ok(count)
}

impl PerfBuffer {
    /// Open a buffer of `page_cnt` pages (a power of two) per online CPU for the
    /// PERF_EVENT_ARRAY `map_fd` (dup'ed), and store each CPU's event fd in the map.
    pub fn new(map_fd: RawFd, page_cnt: usize) -> Result<PerfBuffer> {
        Self::with_opts(map_fd, page_cnt, &PerfBufferOpts::default())
    }

    /// As [`Self::new`] with libbpf's `perf_buffer_opts` (`sample_period`: samples per
    /// wakeup, 0 = 1).
    pub fn with_opts(map_fd: RawFd, page_cnt: usize, opts: &PerfBufferOpts) -> Result<PerfBuffer> {
        let period = opts.sample_period.max(1);
        let wakeup = u32::try_from(period).map_err(|_| Error::new(libc::EINVAL, format!("perf buffer: sample_period {period} too large")))?;
        if page_cnt == 0 || !page_cnt.is_power_of_two() {
            bail!(libc::EINVAL, "perf buffer: page count {page_cnt} is not a power of 2");
        }
        let info = sys::map_info(map_fd).map_err(|e| e.context("perf buffer"))?;
        if info.map_type != BPF_MAP_TYPE_PERF_EVENT_ARRAY {
            bail!(libc::EINVAL, "perf buffer: map fd={map_fd} is not BPF_MAP_TYPE_PERF_EVENT_ARRAY");
        }
        let map = sys::dup_fd(map_fd)?;
        let epoll = Epoll::new().map_err(|e| e.context("perf buffer"))?;
        let mut pb = PerfBuffer { map_fd: map, epoll, bufs: Vec::new(), events: Vec::new(), scratch: Vec::new() };
        let ncpu = (sys::num_possible_cpus()? as u32).min(info.max_entries);
        for cpu in sys::online_cpus()?.into_iter().filter(|&c| c < ncpu) {
            let attr = PerfEventAttr {
                type_: PERF_TYPE_SOFTWARE,
                config: PERF_COUNT_SW_BPF_OUTPUT,
                sample_period: period,
                sample_type: PERF_SAMPLE_RAW,
                wakeup_events: wakeup,
                ..Default::default()
            };
            let fd = sys::perf_event_open(&attr, -1, cpu as i32, -1, 0).map_err(|e| e.context(format_args!("perf buffer: cpu {cpu}")))?;
            let ring = PerfRing::new(fd.as_raw_fd(), page_cnt).map_err(|e| e.context(format_args!("cpu {cpu}")))?;
            sys::perf_event_enable(fd.as_raw_fd()).map_err(|e| e.context(format_args!("perf buffer: cpu {cpu}")))?;
            sys::map_update_elem(pb.map_fd.as_raw_fd(), &cpu.to_ne_bytes(), &(fd.as_raw_fd() as u32).to_ne_bytes(), crate::uapi::BPF_ANY)
                .map_err(|e| e.context(format_args!("perf buffer: failed to set cpu {cpu} in map fd={map_fd}")))?;
            let idx = pb.bufs.len();
            pb.epoll.add(fd.as_raw_fd(), EPOLLIN, idx as u64).map_err(|e| e.context("perf buffer"))?;
            pb.bufs.push(CpuBuf { cpu, fd, ring });
            pb.events.push(empty_event());
        }
        if pb.bufs.is_empty() {
            bail!(libc::ENODEV, "perf buffer: no online CPU below the map's {} entries", info.max_entries);
        }
        Ok(pb)
    }

    /// Number of per-CPU buffers (libbpf's `buffer_cnt`).
    pub fn buffer_cnt(&self) -> usize {
        self.bufs.len()
    }

    /// The perf event fd of buffer `idx` (libbpf's `buffer_fd`).
    pub fn buffer_fd(&self, idx: usize) -> Option<RawFd> {
        self.bufs.get(idx).map(|b| b.fd.as_raw_fd())
    }

    /// The CPU of buffer `idx`.
    pub fn buffer_cpu(&self, idx: usize) -> Option<u32> {
        self.bufs.get(idx).map(|b| b.cpu)
    }

    pub fn epoll_fd(&self) -> RawFd {
        self.epoll.fd()
    }

    fn consume_idx(bufs: &[CpuBuf], scratch: &mut Vec<u8>, idx: usize, cb: &mut PerfEventFn<'_>) -> (usize, i32) {
        let Some(b) = bufs.get(idx) else { return (0, 0) };
        let cpu = b.cpu as usize;
        let mut count = 0;
        let stop = b.ring.consume(scratch, |ty, rec| match ty {
            PERF_RECORD_SAMPLE if rec.len() >= 12 => {
                let n = u32::from_ne_bytes([rec[8], rec[9], rec[10], rec[11]]) as usize;
                let data = &rec[12..(12 + n).min(rec.len())];
                count += 1;
                cb(cpu, PerfEvent::Sample(data))
            }
            PERF_RECORD_LOST if rec.len() >= 24 => {
                let lost = u64::from_ne_bytes([rec[16], rec[17], rec[18], rec[19], rec[20], rec[21], rec[22], rec[23]]);
                count += 1;
                cb(cpu, PerfEvent::Lost(lost))
            }
            _ => 0,
        });
        (count, stop)
    }

    /// Wait up to timeout_ms (-1 forever), then read the buffers that have data. Returns
    /// the number of events (samples and lost notices) handled; EINTR is Ok(0).
    pub fn poll(&mut self, timeout_ms: i32, cb: &mut PerfEventFn<'_>) -> Result<usize> {
        let n = self.epoll.wait(&mut self.events, timeout_ms)?;
        let mut total = 0;
        for i in 0..n {
            let idx = self.events[i].u64 as usize;
            let (cnt, stop) = Self::consume_idx(&self.bufs, &mut self.scratch, idx, cb);
            total += cnt;
            if stop != 0 {
                return finish(total, stop);
            }
        }
        Ok(total)
    }

    /// Read every buffer without waiting.
    pub fn consume(&mut self, cb: &mut PerfEventFn<'_>) -> Result<usize> {
        let mut total = 0;
        for idx in 0..self.bufs.len() {
            let (cnt, stop) = Self::consume_idx(&self.bufs, &mut self.scratch, idx, cb);
            total += cnt;
            if stop != 0 {
                return finish(total, stop);
            }
        }
        Ok(total)
    }

    /// Read one buffer (libbpf's `consume_buffer`).
    pub fn consume_buffer(&mut self, idx: usize, cb: &mut PerfEventFn<'_>) -> Result<usize> {
        if idx >= self.bufs.len() {
            bail!(libc::EINVAL, "perf buffer: no buffer {idx} (have {})", self.bufs.len());
        }
        let (cnt, stop) = Self::consume_idx(&self.bufs, &mut self.scratch, idx, cb);
        finish(cnt, stop)
    }
}

impl Drop for PerfBuffer {
    fn drop(&mut self) {
        // Like libbpf: take our events out of the map, then disable and close them.
        for b in &self.bufs {
            let _ = sys::map_delete_elem(self.map_fd.as_raw_fd(), &b.cpu.to_ne_bytes(), 0);
            let _ = sys::perf_event_disable(b.fd.as_raw_fd());
        }
    }
}

const _: fn() = || {
    fn send<T: Send>() {}
    send::<PerfBuffer>();
};
