//! kprobe / uprobe perf events: the dynamic PMUs (`/sys/bus/event_source/devices/
//! {kprobe,uprobe}`) and the legacy tracefs `{k,u}probe_events` files.

use super::attr::PerfEventAttr;
use super::perf_event_open;
use crate::error::errno_name;
use crate::{Error, Result};
use std::ffi::CString;
use std::os::fd::OwnedFd;

/// Which dynamic probe PMU.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProbeKind {
    Kprobe,
    Uprobe,
}

impl ProbeKind {
    pub fn name(self) -> &'static str {
        match self {
            ProbeKind::Kprobe => "kprobe",
            ProbeKind::Uprobe => "uprobe",
        }
    }
}

const PMU_ROOT: &str = "/sys/bus/event_source/devices";
/// The uprobe PMU takes the reference counter offset in config bits 32..63.
const PERF_UPROBE_REF_CTR_OFFSET_SHIFT: u32 = 32;

fn read_trim(path: &str) -> Result<String> {
    std::fs::read_to_string(path).map(|s| s.trim().to_string()).map_err(|e| {
        let errno = e.raw_os_error().unwrap_or(libc::EIO);
        Error::new(errno, format!("failed to read {path}: {}", errno_name(errno)))
    })
}

/// The PMU type id (`.../<kind>/type`); ENOENT when the kernel has no such PMU.
pub fn probe_pmu_type(kind: ProbeKind) -> Result<u32> {
    let p = format!("{PMU_ROOT}/{}/type", kind.name());
    let s = read_trim(&p)?;
    s.parse().map_err(|_| Error::new(libc::EINVAL, format!("{p}: bad PMU type '{s}'")))
}

/// The config bit of the retprobe flag (`.../<kind>/format/retprobe`, "config:0").
pub fn probe_retprobe_bit(kind: ProbeKind) -> Result<u32> {
    let p = format!("{PMU_ROOT}/{}/format/retprobe", kind.name());
    let s = read_trim(&p)?;
    s.strip_prefix("config:").and_then(|b| b.parse().ok()).ok_or_else(|| Error::new(libc::EINVAL, format!("{p}: bad format '{s}'")))
}

/// The uprobe PMU supports reference counters (USDT semaphores), 4.20+.
pub fn uprobe_has_ref_ctr() -> bool {
    std::path::Path::new(&format!("{PMU_ROOT}/uprobe/format/ref_ctr_offset")).exists()
}

/// Open a probe perf event on the dynamic PMU. For uprobes `name` is the file path and
/// `offset` the file offset; for kprobes `name` is the function (None: `offset` is an
/// address). `pid` -1 means every process (opened on CPU 0, as libbpf does: BPF runs on
/// every CPU anyway), otherwise the process `pid` on any CPU.
pub fn perf_event_open_probe(kind: ProbeKind, retprobe: bool, name: Option<&str>, offset: u64, pid: i32, ref_ctr_offset: u64) -> Result<OwnedFd> {
    let ty = probe_pmu_type(kind)?;
    let mut config = 0u64;
    if retprobe {
        config |= 1u64 << probe_retprobe_bit(kind)?;
    }
    if ref_ctr_offset != 0 {
        if kind != ProbeKind::Uprobe || !uprobe_has_ref_ctr() {
            return Err(Error::new(libc::EOPNOTSUPP, "reference counters (ref_ctr_offset) are not supported by this kernel"));
        }
        config |= ref_ctr_offset << PERF_UPROBE_REF_CTR_OFFSET_SHIFT;
    }
    let cname = match name {
        Some(n) => Some(CString::new(n).map_err(|_| Error::new(libc::EINVAL, format!("'{}' contains a NUL byte", n.escape_debug())))?),
        None => None,
    };
    let attr = PerfEventAttr {
        type_: ty,
        config,
        // uprobe_path / kprobe_func: read by the kernel during the call; `cname` outlives it.
        config1: cname.as_ref().map(|c| c.as_ptr() as usize as u64).unwrap_or(0),
        // probe_offset / kprobe_addr.
        config2: offset,
        // sample_period 1: every hit.
        sample_period: 1,
        ..Default::default()
    };
    let (pid, cpu) = if pid < 0 { (-1, 0) } else { (pid, -1) };
    perf_event_open(&attr, pid, cpu, -1, 0)
}

/// tracefs roots, in libbpf's order.
pub const TRACEFS_ROOTS: [&str; 2] = ["/sys/kernel/tracing", "/sys/kernel/debug/tracing"];

/// The tracefs file `name` (e.g. "kprobe_events") under the first root that has it.
pub fn tracefs_file(name: &str) -> Option<String> {
    TRACEFS_ROOTS.iter().map(|r| format!("{r}/{name}")).find(|p| std::path::Path::new(p).exists())
}

/// Append one line to a tracefs control file (`{k,u}probe_events`), as `echo >>` does.
pub fn tracefs_append(path: &str, line: &str) -> Result<()> {
    use std::io::Write;
    let mut f = std::fs::OpenOptions::new().append(true).open(path).map_err(|e| {
        let errno = e.raw_os_error().unwrap_or(libc::EIO);
        Error::new(errno, format!("failed to open {path}: {}", errno_name(errno)))
    })?;
    f.write_all(format!("{line}\n").as_bytes()).map_err(|e| {
        let errno = e.raw_os_error().unwrap_or(libc::EIO);
        Error::new(errno, format!("failed to write '{line}' to {path}: {}", errno_name(errno)))
    })
}
