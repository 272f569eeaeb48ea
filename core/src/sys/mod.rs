//! The only module that makes syscalls (bpf, perf_event_open, ioctl, epoll, mmap) and
//! the only one with `unsafe` (each block carries a `// SAFETY:` line).
//!
//! Layout (cilium's internal/sys model):
//! - [`attr`]: the kernel's `union bpf_attr`, one `#[repr(C)]` struct per command;
//! - one entry point, [`bpf_syscall`] (private), that every command goes through, with a
//!   per-thread fake for unit tests ([`set_bpf_fake`]);
//! - typed wrappers per concern: maps ([`map_create`], element ops, batch ops, [`map_mmap`]),
//!   programs ([`prog_load`] with the verifier-log policy, [`prog_test_run`],
//!   [`prog_bind_map`]), BTF ([`btf_load`]), objects ([`obj_pin`], [`obj_get`], info, ids),
//!   links ([`link_create`], [`raw_tracepoint_open`], ...), perf events, epoll and the ring
//!   buffer's shared-memory protocol ([`ringbuf`]);
//! - [`features`]: cached kernel feature probes.
//!
//! Conventions: fds are taken as `RawFd` (the bindings hand out raw fds) and returned as
//! `OwnedFd`, always ≥ 3 and O_CLOEXEC. Errors carry the errno and a message naming the
//! operation; callers add the object/map/program name with `Error::context`.

pub mod attr;
mod bpf;
pub mod epoll;
pub mod features;
mod mmap;
mod mmap_file;
mod perf;
pub mod perfbuf;
pub mod netlink;
pub mod probe;
pub mod socket;
pub mod ringbuf;
pub mod user_ringbuf;

pub use bpf::*;
pub use mmap::{map_mmap, mmap_fd, MmapRegion};
pub use mmap_file::{mmap_file_ro, MmapFile};
pub use perf::*;

use crate::bail;
use crate::error::errno_name;
use crate::{Error, Result};
use std::cell::Cell;
use std::os::fd::{FromRawFd, OwnedFd, RawFd};
use std::sync::OnceLock;

/// A fake for the bpf(2) syscall: gets the command and the attr bytes (which it may
/// modify, e.g. to write out fields), returns what the syscall would (≥ 0, or -errno).
/// An fd it returns is owned by rbpf afterwards, so it must be a real, fresh fd
/// (e.g. a dup of /dev/null).
pub type BpfSyscallFake = fn(cmd: u32, attr: &mut [u8]) -> i64;

thread_local! {
    static BPF_FAKE: Cell<Option<BpfSyscallFake>> = const { Cell::new(None) };
}

/// Route this thread's bpf(2) calls to `fake` (None restores the kernel). Returns the
/// previous fake. For unit tests of code above `sys`.
#[doc(hidden)]
pub fn set_bpf_fake(fake: Option<BpfSyscallFake>) -> Option<BpfSyscallFake> {
    BPF_FAKE.with(|f| f.replace(fake))
}

/// The single bpf(2) entry point. Returns the syscall's non-negative result or the
/// positive errno.
fn bpf_syscall<A: attr::Pod>(cmd: u32, attr: &mut A) -> std::result::Result<i64, i32> {
    let size = std::mem::size_of::<A>();
    let ret = match BPF_FAKE.with(|f| f.get()) {
        Some(fake) => {
            // SAFETY: `A: Pod` is #[repr(C)] without implicit padding and valid for any
            // bit pattern, so viewing it as `size` initialized bytes (and letting the fake
            // write them) is sound; the borrow of `attr` outlives the slice.
            let bytes = unsafe { std::slice::from_raw_parts_mut(attr as *mut A as *mut u8, size) };
            fake(cmd, bytes)
        }
        None => {
            // SAFETY: `attr` points to `size` valid bytes laid out as the kernel's
            // bpf_attr member for `cmd`; every pointer inside it was set by the caller
            // from live buffers that outlive this call.
            let r = unsafe { libc::syscall(libc::SYS_bpf, cmd as libc::c_long, attr as *mut A, size as libc::c_long) };
            if r < 0 {
                -(std::io::Error::last_os_error().raw_os_error().unwrap_or(libc::EIO) as i64)
            } else {
                r as i64
            }
        }
    };
    if ret < 0 {
        Err((-ret) as i32)
    } else {
        Ok(ret)
    }
}

/// A bpf(2) call that returns a new fd: wraps it (≥ 3, O_CLOEXEC).
fn bpf_fd<A: attr::Pod>(cmd: u32, attr: &mut A) -> std::result::Result<OwnedFd, i32> {
    let raw = bpf_syscall(cmd, attr)?;
    own_fd(raw as RawFd)
}

/// Take ownership of a freshly returned fd, moving it to ≥ 3 like libbpf's
/// `ensure_good_fd` (so it can never be mistaken for stdin/stdout/stderr).
fn own_fd(raw: RawFd) -> std::result::Result<OwnedFd, i32> {
    if raw < 0 {
        return Err(libc::EBADF);
    }
    // SAFETY: the kernel just returned `raw` as a new descriptor that nothing else owns.
    let fd = unsafe { OwnedFd::from_raw_fd(raw) };
    if raw >= 3 {
        return Ok(fd);
    }
    // SAFETY: fcntl(F_DUPFD_CLOEXEC) on a valid fd has no memory effects.
    let dup = unsafe { libc::fcntl(raw, libc::F_DUPFD_CLOEXEC, 3) };
    if dup < 0 {
        return Err(last_errno());
    }
    drop(fd);
    // SAFETY: `dup` is a new descriptor returned by fcntl that nothing else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(dup) })
}

/// Duplicate an fd (O_CLOEXEC, ≥ 3).
pub fn dup_fd(fd: RawFd) -> Result<OwnedFd> {
    // SAFETY: fcntl(F_DUPFD_CLOEXEC) has no memory effects; an invalid fd gives EBADF.
    let dup = unsafe { libc::fcntl(fd, libc::F_DUPFD_CLOEXEC, 3) };
    if dup < 0 {
        return Err(Error::last_os(format_args!("dup fd {fd}")));
    }
    // SAFETY: `dup` is a new descriptor that nothing else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(dup) })
}

fn last_errno() -> i32 {
    std::io::Error::last_os_error().raw_os_error().unwrap_or(libc::EIO)
}

/// `"<what>: EINVAL"` as an Error.
fn err(errno: i32, what: impl std::fmt::Display) -> Error {
    Error::new(errno, format!("{what}: {}", errno_name(errno)))
}

/// Address of a byte slice for an attr field (0 for an empty slice: the kernel's NULL).
fn ptr_u64<T>(s: &[T]) -> u64 {
    if s.is_empty() {
        0
    } else {
        s.as_ptr() as usize as u64
    }
}

fn mut_ptr_u64<T>(s: &mut [T]) -> u64 {
    if s.is_empty() {
        0
    } else {
        s.as_mut_ptr() as usize as u64
    }
}

/// An optional fd as the kernel's u32 attr field (0 = none).
fn opt_fd(fd: Option<RawFd>) -> u32 {
    fd.map(|f| f as u32).unwrap_or(0)
}

/// Copy a name into a 16-byte kernel name field (at most 15 bytes, NUL-terminated).
fn obj_name(name: &str) -> [u8; 16] {
    let mut out = [0u8; 16];
    let b = name.as_bytes();
    let n = b.len().min(15);
    out[..n].copy_from_slice(&b[..n]);
    out
}

/// The string in a NUL-padded kernel name field.
pub fn name_from_bytes(b: &[u8]) -> String {
    let end = b.iter().position(|&c| c == 0).unwrap_or(b.len());
    String::from_utf8_lossy(&b[..end]).into_owned()
}

/// Parse a CPU list like "0-3,5,7-8" (the format of /sys/devices/system/cpu/possible)
/// into the number of CPUs it names.
pub fn parse_cpu_list(s: &str) -> Result<usize> {
    let mut count = 0usize;
    for part in s.trim().split(',').filter(|p| !p.is_empty()) {
        let bad = || Error::new(libc::EINVAL, format!("invalid CPU list '{}'", s.trim()));
        let (a, b) = match part.split_once('-') {
            Some((a, b)) => (a.trim().parse::<usize>().map_err(|_| bad())?, b.trim().parse::<usize>().map_err(|_| bad())?),
            None => {
                let v = part.trim().parse::<usize>().map_err(|_| bad())?;
                (v, v)
            }
        };
        if b < a {
            return Err(bad());
        }
        count += b - a + 1;
    }
    if count == 0 {
        bail!(libc::EINVAL, "empty CPU list '{}'", s.trim());
    }
    Ok(count)
}

/// The CPU ids named by a CPU list like "0-3,5".
pub fn parse_cpu_ids(s: &str) -> Result<Vec<u32>> {
    parse_cpu_list(s)?;
    let mut ids = Vec::new();
    for part in s.trim().split(',').filter(|p| !p.is_empty()) {
        let (a, b) = part.split_once('-').unwrap_or((part, part));
        let (a, b) = (a.trim().parse::<u32>(), b.trim().parse::<u32>());
        if let (Ok(a), Ok(b)) = (a, b) {
            ids.extend(a..=b);
        }
    }
    Ok(ids)
}

/// The ids of the online CPUs (/sys/devices/system/cpu/online; not cached: CPUs come
/// and go).
pub fn online_cpus() -> Result<Vec<u32>> {
    const PATH: &str = "/sys/devices/system/cpu/online";
    let s = std::fs::read_to_string(PATH).map_err(|e| err(e.raw_os_error().unwrap_or(libc::EIO), format_args!("failed to read {PATH}")))?;
    parse_cpu_ids(&s).map_err(|e| e.context(PATH))
}

/// Number of possible CPUs, from /sys/devices/system/cpu/possible (cached after the
/// first successful read). Per-CPU map values hold one slot per possible CPU.
pub fn num_possible_cpus() -> Result<usize> {
    static N: OnceLock<usize> = OnceLock::new();
    if let Some(n) = N.get() {
        return Ok(*n);
    }
    const PATH: &str = "/sys/devices/system/cpu/possible";
    let s = std::fs::read_to_string(PATH).map_err(|e| {
        let errno = e.raw_os_error().unwrap_or(libc::EIO);
        err(errno, format_args!("failed to read {PATH}"))
    })?;
    let n = parse_cpu_list(&s).map_err(|e| e.context(PATH))?;
    Ok(*N.get_or_init(|| n))
}

/// The byte size of a per-CPU map value buffer: `round_up(value_size, 8) * possible CPUs`.
pub fn percpu_value_size(value_size: u32) -> Result<usize> {
    Ok(((value_size as usize + 7) & !7) * num_possible_cpus()?)
}

/// The system page size (cached).
pub fn page_size() -> usize {
    static P: OnceLock<usize> = OnceLock::new();
    *P.get_or_init(|| {
        // SAFETY: sysconf has no memory effects.
        let p = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
        if p > 0 {
            p as usize
        } else {
            4096
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_lists() {
        assert_eq!(parse_cpu_list("0\n").unwrap(), 1);
        assert_eq!(parse_cpu_list("0-3\n").unwrap(), 4);
        assert_eq!(parse_cpu_list("0-3,5,7-8").unwrap(), 7);
        assert_eq!(parse_cpu_list("").unwrap_err().errno(), libc::EINVAL);
        assert_eq!(parse_cpu_list("3-1").unwrap_err().errno(), libc::EINVAL);
        assert_eq!(parse_cpu_list("x").unwrap_err().errno(), libc::EINVAL);
        assert_eq!(parse_cpu_ids("0-2,5\n").unwrap(), [0, 1, 2, 5]);
    }

    #[test]
    fn names_truncate() {
        assert_eq!(&obj_name("abcdefghijklmnopq")[..], b"abcdefghijklmno\0");
        assert_eq!(name_from_bytes(b"ab\0\0cd"), "ab");
    }

    use crate::obj::Insn;
    use std::cell::RefCell;
    use std::os::fd::IntoRawFd;

    thread_local! {
        /// (cmd, log_level, log_size) of each faked call.
        static CALLS: RefCell<Vec<(u32, u32, u32)>> = const { RefCell::new(Vec::new()) };
    }

    fn u32_at(b: &[u8], off: usize) -> u32 {
        u32::from_ne_bytes([b[off], b[off + 1], b[off + 2], b[off + 3]])
    }

    fn record(cmd: u32, attr: &[u8]) -> usize {
        // ProgLoad: log_level @24, log_size @28.
        CALLS.with(|c| {
            c.borrow_mut().push((cmd, u32_at(attr, 24), u32_at(attr, 28)));
            c.borrow().len()
        })
    }

    fn dev_null() -> i64 {
        std::fs::File::open("/dev/null").map(|f| f.into_raw_fd() as i64).unwrap_or(-(libc::EMFILE as i64))
    }

    /// EAGAIN four times, then success.
    fn fake_eagain_then_ok(cmd: u32, attr: &mut [u8]) -> i64 {
        if record(cmd, attr) < 5 {
            -(libc::EAGAIN as i64)
        } else {
            dev_null()
        }
    }

    /// Always EAGAIN.
    fn fake_eagain(cmd: u32, attr: &mut [u8]) -> i64 {
        record(cmd, attr);
        -(libc::EAGAIN as i64)
    }

    /// Verifier failure; with a log buffer smaller than 300 KiB it reports ENOSPC and the
    /// true size (like 6.4+), and fills the log once it fits.
    fn fake_verifier(cmd: u32, attr: &mut [u8]) -> i64 {
        record(cmd, attr);
        let (level, size) = (u32_at(attr, 24), u32_at(attr, 28));
        if level == 0 {
            return -(libc::EACCES as i64);
        }
        const TRUE_SIZE: u32 = 300 * 1024;
        if size < TRUE_SIZE {
            attr[140..144].copy_from_slice(&TRUE_SIZE.to_ne_bytes());
            return -(libc::ENOSPC as i64);
        }
        -(libc::EACCES as i64)
    }

    fn fake_prog() -> [Insn; 2] {
        [Insn { code: 0xb7, regs: 0, off: 0, imm: 0 }, Insn { code: 0x95, regs: 0, off: 0, imm: 0 }]
    }

    fn with_fake<T>(fake: BpfSyscallFake, f: impl FnOnce() -> T) -> (T, Vec<(u32, u32, u32)>) {
        CALLS.with(|c| c.borrow_mut().clear());
        let prev = set_bpf_fake(Some(fake));
        let r = f();
        set_bpf_fake(prev);
        (r, CALLS.with(|c| c.borrow().clone()))
    }

    #[test]
    fn prog_load_retries_eagain() {
        let insns = fake_prog();
        let attr = ProgLoadAttr { prog_type: 1, name: "p", insns: &insns, license: "GPL", ..Default::default() };
        let (r, calls) = with_fake(fake_eagain_then_ok, || prog_load(&attr));
        assert!(std::os::fd::AsRawFd::as_raw_fd(&r.unwrap()) >= 3);
        assert_eq!(calls.len(), 5);
        // Always EAGAIN: 5 attempts without a log, 5 with one, then the error.
        let (r, calls) = with_fake(fake_eagain, || prog_load(&attr));
        assert_eq!(r.unwrap_err().errno(), libc::EAGAIN);
        assert_eq!(calls.len(), 10);
        assert!(calls[..5].iter().all(|c| c.1 == 0) && calls[5..].iter().all(|c| c.1 == 1));
    }

    #[test]
    fn prog_load_log_grows_to_true_size() {
        let insns = fake_prog();
        let attr = ProgLoadAttr { prog_type: 1, name: "p", insns: &insns, license: "GPL", ..Default::default() };
        let (r, calls) = with_fake(fake_verifier, || prog_load(&attr));
        let e = r.unwrap_err();
        assert_eq!(e.errno(), libc::EACCES, "{e:?}");
        assert_eq!(e.message(), "prog 'p': BPF program load failed: EACCES");
        let sizes: Vec<u32> = calls.iter().map(|c| c.2).collect();
        assert_eq!(sizes, [0, 64 * 1024, 300 * 1024], "no log, then 64 KiB, then the reported size");
    }

    fn fake_enoent(_cmd: u32, _attr: &mut [u8]) -> i64 {
        -(libc::ENOENT as i64)
    }

    #[test]
    fn fake_syscall_routes_calls() {
        let prev = set_bpf_fake(Some(fake_enoent));
        let e = obj_get("/nonexistent/for/fake").unwrap_err();
        set_bpf_fake(prev);
        assert_eq!(e.errno(), libc::ENOENT);
    }
}

/// Set this thread's errno (the printer restores it around a user callback, as libbpf does).
pub fn set_errno(e: i32) {
    // SAFETY: __errno_location returns a valid pointer to this thread's errno.
    unsafe { *libc::__errno_location() = e };
}
