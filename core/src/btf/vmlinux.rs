//! The process-wide kernel BTF cache.

use super::Btf;
use crate::{Error, Result};
use parking_lot::Mutex;
use std::sync::Arc;

static VMLINUX: Mutex<Option<Arc<Btf>>> = Mutex::new(None);
static MODULES: Mutex<Option<ModuleBtfs>> = Mutex::new(None);

/// Kernel-module BTFs: (module name, split BTF over vmlinux), sorted by name.
pub type ModuleBtfs = Arc<Vec<(String, Arc<Btf>)>>;

/// Candidate locations, in libbpf's order (btf__load_vmlinux_btf).
pub(crate) fn vmlinux_paths() -> Vec<String> {
    let rel = std::fs::read_to_string("/proc/sys/kernel/osrelease").map(|s| s.trim().to_string()).unwrap_or_default();
    let mut v = vec!["/sys/kernel/btf/vmlinux".to_string()];
    if !rel.is_empty() {
        for p in [
            "/boot/vmlinux-%r",
            "/lib/modules/%r/vmlinux-%r",
            "/lib/modules/%r/build/vmlinux",
            "/usr/lib/modules/%r/kernel/vmlinux",
            "/usr/lib/debug/boot/vmlinux-%r",
            "/usr/lib/debug/boot/vmlinux-%r.debug",
            "/usr/lib/debug/lib/modules/%r/vmlinux",
        ] {
            v.push(p.replace("%r", &rel));
        }
    }
    v
}

/// Parse a kernel BTF file: the sysfs ones in place over a read-only mapping (no copy;
/// sysfs maps the kernel's own pages), anything else (vmlinux images, or a sysfs file
/// this kernel cannot mmap) read into memory.
pub(crate) fn parse_kernel_file(path: &str, base: Option<Arc<Btf>>) -> Result<Btf> {
    if path.starts_with("/sys/kernel/btf/") {
        match crate::sys::mmap_file_ro(path) {
            Ok(m) if !m.is_empty() => {
                return Btf::from_kernel_shared(Arc::new(m), base).map_err(|e| e.context(path));
            }
            Ok(_) => {}
            Err(e) => crate::debug!("{}; reading the file instead", e.message()),
        }
    }
    Btf::from_file_split(path, base)
}

/// Load (first call) or return the cached kernel BTF. Holding the lock while loading
/// means concurrent first callers parse once.
pub(super) fn load() -> Result<Arc<Btf>> {
    let mut g = VMLINUX.lock();
    if let Some(b) = &*g {
        return Ok(b.clone());
    }
    let mut last: Option<Error> = None;
    for p in vmlinux_paths() {
        if !std::path::Path::new(&p).exists() {
            continue;
        }
        match parse_kernel_file(&p, None) {
            Ok(b) => {
                let b = Arc::new(b);
                *g = Some(b.clone());
                return Ok(b);
            }
            Err(e) => {
                crate::warn!("failed to parse kernel BTF from {p}: {}", e.message());
                last = Some(e);
            }
        }
    }
    Err(last.unwrap_or_else(|| Error::new(libc::ESRCH, "btf: no kernel BTF found (/sys/kernel/btf/vmlinux missing, no vmlinux image)")))
}

/// Kernel-module BTFs (`/sys/kernel/btf/<module>`, split over vmlinux), sorted by module
/// name, parsed once per process. A module whose BTF fails to parse is skipped with a
/// warning (one broken module must not fail every load).
pub(super) fn modules() -> Result<ModuleBtfs> {
    let vmlinux = load()?;
    let mut g = MODULES.lock();
    if let Some(m) = &*g {
        return Ok(m.clone());
    }
    let m = load_module_btfs(std::path::Path::new("/sys/kernel/btf"), &vmlinux);
    *g = Some(m.clone());
    Ok(m)
}

/// Every file in `dir` except `vmlinux`, parsed as split BTF over `base`, sorted by file
/// name (the module name). A file that fails to parse is skipped with a warning naming
/// it: one broken module must not fail every load. (`/sys/kernel/btf` for the kernel's
/// modules; tests point it at a directory of split BTF files.)
pub fn load_module_btfs(dir: &std::path::Path, base: &Arc<Btf>) -> ModuleBtfs {
    let mut names: Vec<String> = match std::fs::read_dir(dir) {
        Ok(rd) => rd.filter_map(|e| e.ok()).map(|e| e.file_name().to_string_lossy().into_owned()).filter(|n| n != "vmlinux").collect(),
        Err(_) => Vec::new(),
    };
    names.sort();
    let mut out = Vec::with_capacity(names.len());
    for n in names {
        let path = dir.join(&n);
        match parse_kernel_file(&path.to_string_lossy(), Some(base.clone())) {
            Ok(b) => out.push((n, Arc::new(b))),
            Err(e) => crate::warn!("skipping kernel module BTF '{n}': {}", e.message()),
        }
    }
    Arc::new(out)
}

/// Drop the cached kernel BTF (vmlinux and modules); the next `Btf::vmlinux()` parses
/// again. Holders of the old `Arc`s keep them alive until they drop them.
pub fn flush_vmlinux_cache() {
    *MODULES.lock() = None;
    *VMLINUX.lock() = None;
}
