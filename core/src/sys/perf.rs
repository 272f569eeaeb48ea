//! perf_event_open(2) and the perf event ioctls.

use super::attr::PerfEventAttr;
use super::{err, last_errno, own_fd};
use crate::Result;
use std::os::fd::{OwnedFd, RawFd};

pub const PERF_TYPE_HARDWARE: u32 = 0;
pub const PERF_TYPE_SOFTWARE: u32 = 1;
pub const PERF_TYPE_TRACEPOINT: u32 = 2;
pub const PERF_COUNT_SW_CPU_CLOCK: u64 = 0;
pub const PERF_COUNT_SW_BPF_OUTPUT: u64 = 10;
pub const PERF_SAMPLE_RAW: u64 = 1 << 10;
pub const PERF_FLAG_FD_CLOEXEC: u64 = 1 << 3;
/// `perf_event_attr` flag bits (the bitfield word).
pub const PERF_ATTR_FLAG_DISABLED: u64 = 1 << 0;
pub const PERF_ATTR_FLAG_FREQ: u64 = 1 << 10;
pub const PERF_ATTR_FLAG_WATERMARK: u64 = 1 << 14;

const PERF_EVENT_IOC_ENABLE: libc::c_ulong = 0x2400;
const PERF_EVENT_IOC_DISABLE: libc::c_ulong = 0x2401;
const PERF_EVENT_IOC_SET_BPF: libc::c_ulong = 0x4004_2408;

/// perf_event_open(attr, pid, cpu, group_fd, flags | PERF_FLAG_FD_CLOEXEC). `attr.size`
/// is filled in when 0.
pub fn perf_event_open(attr: &PerfEventAttr, pid: i32, cpu: i32, group_fd: RawFd, flags: u64) -> Result<OwnedFd> {
    let mut a = *attr;
    if a.size == 0 {
        a.size = std::mem::size_of::<PerfEventAttr>() as u32;
    }
    // SAFETY: `a` is a valid perf_event_attr of `a.size` bytes living across the call.
    let r = unsafe { libc::syscall(libc::SYS_perf_event_open, &a as *const PerfEventAttr, pid, cpu, group_fd, flags | PERF_FLAG_FD_CLOEXEC) };
    if r < 0 {
        return Err(err(last_errno(), "perf_event_open"));
    }
    own_fd(r as RawFd).map_err(|e| err(e, "perf_event_open"))
}

/// A tracepoint perf event for tracefs id `tp_id` (all processes, cpu 0: BPF programs
/// run on every CPU regardless), as libbpf opens it.
pub fn perf_event_open_tracepoint(tp_id: u64) -> Result<OwnedFd> {
    let attr = PerfEventAttr { type_: PERF_TYPE_TRACEPOINT, config: tp_id, ..Default::default() };
    perf_event_open(&attr, -1, 0, -1, 0)
}

fn ioctl(fd: RawFd, req: libc::c_ulong, arg: libc::c_ulong, what: &str) -> Result<()> {
    // SAFETY: the perf ioctls used here take an integer argument, not a pointer.
    let r = unsafe { libc::ioctl(fd, req, arg) };
    if r < 0 {
        return Err(err(last_errno(), what));
    }
    Ok(())
}

/// PERF_EVENT_IOC_SET_BPF: the legacy (pre-link) way to attach a program to a perf event.
pub fn perf_event_set_bpf(perf_fd: RawFd, prog_fd: RawFd) -> Result<()> {
    ioctl(perf_fd, PERF_EVENT_IOC_SET_BPF, prog_fd as libc::c_ulong, "PERF_EVENT_IOC_SET_BPF")
}

/// PERF_EVENT_IOC_ENABLE.
pub fn perf_event_enable(perf_fd: RawFd) -> Result<()> {
    ioctl(perf_fd, PERF_EVENT_IOC_ENABLE, 0, "PERF_EVENT_IOC_ENABLE")
}

/// PERF_EVENT_IOC_DISABLE.
pub fn perf_event_disable(perf_fd: RawFd) -> Result<()> {
    ioctl(perf_fd, PERF_EVENT_IOC_DISABLE, 0, "PERF_EVENT_IOC_DISABLE")
}
