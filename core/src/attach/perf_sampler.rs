//! perf_event attach with libbpf's options, and a helper that opens a software CPU-clock
//! sampler (the usual target of SEC("perf_event") programs).

use super::perf_event::attach_perf_event;
use super::Link;
use crate::opts::PerfEventOpts;
use crate::sys::{self, attr::PerfEventAttr};
use crate::{Error, Result};
use std::os::fd::{AsRawFd, OwnedFd, RawFd};

/// libbpf's `bpf_program__attach_perf_event_opts`: the Link takes ownership of
/// `perf_fd`. `force_ioctl_attach` uses PERF_EVENT_IOC_SET_BPF (no cookie). As libbpf,
/// the event is then enabled (PERF_EVENT_IOC_ENABLE) unless `dont_enable`, whichever way
/// it was attached: callers commonly open their events disabled.
pub fn attach_perf_event_opts(prog_fd: RawFd, perf_fd: OwnedFd, opts: &PerfEventOpts) -> Result<Link> {
    let target = format!("perf event fd {}", perf_fd.as_raw_fd());
    let link = if opts.force_ioctl_attach {
        if opts.bpf_cookie != 0 {
            return Err(Error::new(libc::EOPNOTSUPP, "a BPF cookie needs a BPF perf link (not force_ioctl_attach)"));
        }
        sys::perf_event_set_bpf(perf_fd.as_raw_fd(), prog_fd).map_err(|e| e.context(format_args!("failed to attach to {target}")))?;
        Link::perf_ioctl(perf_fd, target.clone())
    } else {
        attach_perf_event(prog_fd, perf_fd, opts.bpf_cookie)?
    };
    if !opts.dont_enable {
        sys::perf_event_enable(link.perf_event_fd()).map_err(|e| e.context(format_args!("failed to enable {target}")))?;
    }
    Ok(link)
}

/// Open a PERF_COUNT_SW_CPU_CLOCK sampling event: `pid` -1 with a `cpu` ≥ 0 samples the
/// whole CPU, a `pid` (0 = this thread) with cpu -1 follows that task. `freq` true takes
/// `period_or_freq` as samples per second, else as a period in nanoseconds.
pub fn open_cpu_clock_sampler(pid: i32, cpu: i32, period_or_freq: u64, freq: bool) -> Result<OwnedFd> {
    if period_or_freq == 0 {
        return Err(Error::new(libc::EINVAL, "cpu-clock sampler: period/frequency must be > 0"));
    }
    let attr = PerfEventAttr {
        type_: sys::PERF_TYPE_SOFTWARE,
        config: sys::PERF_COUNT_SW_CPU_CLOCK,
        sample_period: period_or_freq,
        flags: if freq { sys::PERF_ATTR_FLAG_FREQ } else { 0 },
        ..Default::default()
    };
    sys::perf_event_open(&attr, pid, cpu, -1, 0).map_err(|e| e.context(format_args!("cpu-clock sampler (pid {pid}, cpu {cpu})")))
}
