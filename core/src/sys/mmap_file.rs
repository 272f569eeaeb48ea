//! Read-only, private file mappings: the kernel's BTF files parsed in place (no copy,
//! no page cache duplication: sysfs maps /sys/kernel/btf/vmlinux straight from the
//! kernel image, so the pages do not even count in the process RSS).

use super::{err, last_errno};
use crate::Result;
use std::ffi::CString;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::ptr::NonNull;

/// A read-only MAP_PRIVATE mapping of a whole file, unmapped on drop.
///
/// Only for files nobody rewrites while they are mapped (the kernel's immutable BTF
/// files): a mapped file that shrinks would fault on access, which is why regular user
/// files are read into memory instead.
pub struct MmapFile {
    ptr: Option<NonNull<u8>>,
    len: usize,
}

// SAFETY: the mapping is read-only for its whole life and has no thread affinity.
unsafe impl Send for MmapFile {}
// SAFETY: as above: shared read-only bytes.
unsafe impl Sync for MmapFile {}

impl std::fmt::Debug for MmapFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MmapFile").field("len", &self.len).finish()
    }
}

impl MmapFile {
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

impl AsRef<[u8]> for MmapFile {
    fn as_ref(&self) -> &[u8] {
        match self.ptr {
            // SAFETY: ptr..ptr+len is a live PROT_READ mapping owned by self (unmapped
            // only in Drop), and the files this is used on are never modified.
            Some(p) => unsafe { std::slice::from_raw_parts(p.as_ptr(), self.len) },
            None => &[],
        }
    }
}

impl Drop for MmapFile {
    fn drop(&mut self) {
        if let Some(p) = self.ptr {
            // SAFETY: unmapping exactly the region mmap returned; no borrow outlives self.
            unsafe {
                libc::munmap(p.as_ptr() as *mut libc::c_void, self.len);
            }
        }
    }
}

/// Map all of `path` read-only (PROT_READ, MAP_PRIVATE). An empty file gives an empty
/// mapping. Errors name the path (a file system that cannot mmap gives ENODEV/EINVAL/
/// EACCES: callers fall back to reading).
pub fn mmap_file_ro(path: impl AsRef<Path>) -> Result<MmapFile> {
    let path = path.as_ref();
    let what = || format!("mmap of {}", path.display());
    let c = CString::new(path.as_os_str().as_bytes()).map_err(|_| err(libc::EINVAL, what()))?;
    // SAFETY: a valid NUL-terminated path; the returned fd is checked and closed below.
    let fd = unsafe { libc::open(c.as_ptr(), libc::O_RDONLY | libc::O_CLOEXEC) };
    if fd < 0 {
        return Err(err(last_errno(), what()));
    }
    let _close = CloseOnDrop(fd);
    // SAFETY: fstat writes into a zeroed stat buffer we own.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: fd is open; &mut st is valid for writes.
    if unsafe { libc::fstat(fd, &mut st) } < 0 {
        return Err(err(last_errno(), what()));
    }
    let len = st.st_size.max(0) as usize;
    if len == 0 {
        return Ok(MmapFile { ptr: None, len: 0 });
    }
    // SAFETY: a fresh private read-only mapping chosen by the kernel (addr NULL) aliases
    // no Rust memory; MAP_FAILED is checked before use.
    let p = unsafe { libc::mmap(std::ptr::null_mut(), len, libc::PROT_READ, libc::MAP_PRIVATE, fd, 0) };
    if p == libc::MAP_FAILED {
        return Err(err(last_errno(), what()));
    }
    Ok(MmapFile { ptr: NonNull::new(p as *mut u8), len })
}

struct CloseOnDrop(libc::c_int);

impl Drop for CloseOnDrop {
    fn drop(&mut self) {
        // SAFETY: closing the fd this guard owns, once (the mapping keeps its own ref).
        unsafe {
            libc::close(self.0);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mmap_file_matches_read() {
        let p = std::env::temp_dir().join(format!("rbpf-mmap-file-{}", std::process::id()));
        std::fs::write(&p, b"hello, mapping").unwrap();
        let m = mmap_file_ro(&p).unwrap();
        assert_eq!(m.as_ref(), b"hello, mapping");
        std::fs::write(&p, b"").unwrap();
        drop(m);
        assert!(mmap_file_ro(&p).unwrap().is_empty());
        std::fs::remove_file(&p).unwrap();
        assert_eq!(mmap_file_ro(&p).unwrap_err().errno(), libc::ENOENT);
    }

    #[test]
    fn mmap_file_sysfs_vmlinux() {
        let path = "/sys/kernel/btf/vmlinux";
        if !Path::new(path).exists() {
            eprintln!("SKIP mmap_file_sysfs_vmlinux: {path} missing");
            return;
        }
        match mmap_file_ro(path) {
            Ok(m) => {
                let read = std::fs::read(path).unwrap();
                assert_eq!(m.as_ref(), &read[..]);
            }
            Err(e) => eprintln!("SKIP mmap_file_sysfs_vmlinux: this kernel cannot mmap {path}: {e}"),
        }
    }
}
