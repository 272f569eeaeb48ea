//! mmap of BPF map fds (global data, BPF_F_MMAPABLE arrays, ring buffers).

use crate::bail;
use super::err;
use crate::Result;
use std::os::fd::RawFd;
use std::ptr::NonNull;
use std::sync::atomic::{AtomicU32, AtomicU64};

/// A shared mapping of a BPF map (RAII: unmapped on drop). Send + Sync: all access goes
/// through bounds-checked copies or atomics, and the kernel object outlives the mapping.
pub struct MmapRegion {
    ptr: NonNull<u8>,
    len: usize,
    writable: bool,
}

// SAFETY: the region is plain shared memory with no thread affinity; every accessor
// copies bytes or uses atomics, so concurrent use from several threads is sound.
unsafe impl Send for MmapRegion {}
// SAFETY: as above.
unsafe impl Sync for MmapRegion {}

impl std::fmt::Debug for MmapRegion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MmapRegion").field("ptr", &self.ptr).field("len", &self.len).field("writable", &self.writable).finish()
    }
}

/// Map `len` bytes of a BPF map fd from offset 0, shared, read-only or read-write
/// (a frozen or BPF_F_RDONLY_PROG-only-writable map refuses a writable mapping: EPERM).
pub fn map_mmap(fd: RawFd, len: usize, writable: bool) -> Result<MmapRegion> {
    mmap_fd(fd, len, writable, 0)
}

/// Map `len` bytes of `fd` at `offset` (a multiple of the page size), shared.
pub fn mmap_fd(fd: RawFd, len: usize, writable: bool, offset: u64) -> Result<MmapRegion> {
    if len == 0 {
        bail!(libc::EINVAL, "mmap of fd {fd}: zero length");
    }
    let prot = libc::PROT_READ | if writable { libc::PROT_WRITE } else { 0 };
    // SAFETY: a fresh shared mapping chosen by the kernel (addr NULL) aliases no Rust
    // memory; the result is checked for MAP_FAILED before use.
    let p = unsafe { libc::mmap(std::ptr::null_mut(), len, prot, libc::MAP_SHARED, fd, offset as libc::off_t) };
    if p == libc::MAP_FAILED {
        let e = super::last_errno();
        return Err(err(e, format_args!("mmap of fd {fd} ({len} bytes at {offset})")));
    }
    let ptr = NonNull::new(p as *mut u8).ok_or_else(|| crate::Error::new(libc::ENOMEM, "mmap returned NULL"))?;
    Ok(MmapRegion { ptr, len, writable })
}

impl MmapRegion {
    pub fn as_ptr(&self) -> *mut u8 {
        self.ptr.as_ptr()
    }
    pub fn len(&self) -> usize {
        self.len
    }
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
    pub fn is_writable(&self) -> bool {
        self.writable
    }

    fn check(&self, offset: usize, len: usize) -> Result<()> {
        match offset.checked_add(len) {
            Some(end) if end <= self.len => Ok(()),
            _ => bail!(libc::EINVAL, "mmap region access [{offset}, +{len}) outside its {} bytes", self.len),
        }
    }

    /// Copy `len` bytes at `offset` out of the region.
    pub fn read(&self, offset: usize, len: usize) -> Result<Vec<u8>> {
        let mut v = vec![0u8; len];
        self.read_into(offset, &mut v)?;
        Ok(v)
    }

    /// Copy `buf.len()` bytes at `offset` into `buf`. BPF programs may write concurrently;
    /// the copy is a plain snapshot, as with libbpf's skeleton globals.
    pub fn read_into(&self, offset: usize, buf: &mut [u8]) -> Result<()> {
        self.check(offset, buf.len())?;
        // SAFETY: bounds checked above; the mapping is live for &self; `buf` is distinct
        // Rust memory. Racing kernel writes give a torn snapshot, never invalid memory.
        unsafe { std::ptr::copy_nonoverlapping(self.ptr.as_ptr().add(offset), buf.as_mut_ptr(), buf.len()) };
        std::sync::atomic::fence(std::sync::atomic::Ordering::Acquire);
        Ok(())
    }

    /// Copy `data` into the region at `offset`. EPERM on a read-only mapping.
    pub fn write(&self, offset: usize, data: &[u8]) -> Result<()> {
        if !self.writable {
            bail!(libc::EPERM, "mmap region is read-only");
        }
        self.check(offset, data.len())?;
        std::sync::atomic::fence(std::sync::atomic::Ordering::Release);
        // SAFETY: bounds checked, mapping writable and live; `data` is distinct memory.
        unsafe { std::ptr::copy_nonoverlapping(data.as_ptr(), self.ptr.as_ptr().add(offset), data.len()) };
        Ok(())
    }

    /// The u64 at `offset` (8-aligned) as an atomic shared with the kernel.
    pub fn atomic_u64(&self, offset: usize) -> Result<&AtomicU64> {
        self.check(offset, 8)?;
        if offset & 7 != 0 {
            bail!(libc::EINVAL, "unaligned atomic u64 at offset {offset}");
        }
        // SAFETY: in bounds, 8-aligned (the mapping is page-aligned), live for &self;
        // AtomicU64 has u64's layout and all shared access to it is atomic.
        Ok(unsafe { &*(self.ptr.as_ptr().add(offset) as *const AtomicU64) })
    }

    /// The u32 at `offset` (4-aligned) as an atomic shared with the kernel.
    pub fn atomic_u32(&self, offset: usize) -> Result<&AtomicU32> {
        self.check(offset, 4)?;
        if offset & 3 != 0 {
            bail!(libc::EINVAL, "unaligned atomic u32 at offset {offset}");
        }
        // SAFETY: as for atomic_u64.
        Ok(unsafe { &*(self.ptr.as_ptr().add(offset) as *const AtomicU32) })
    }
}

impl Drop for MmapRegion {
    fn drop(&mut self) {
        // SAFETY: ptr/len are exactly what mmap returned and nothing borrows the region
        // any more (&mut self).
        unsafe { libc::munmap(self.ptr.as_ptr() as *mut libc::c_void, self.len) };
    }
}
