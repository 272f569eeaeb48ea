//! The few libbpf calls the benchmark makes, behind a safe owner type.

use std::ffi::{CStr, CString};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

/// Turn off libbpf's printing (warnings would otherwise land in every iteration).
pub fn silence() {
    // SAFETY: setting the print callback to NULL is always valid; it returns the old one.
    unsafe {
        libbpf_sys::libbpf_set_print(None);
    }
}

pub fn version() -> String {
    // SAFETY: returns a pointer to a static NUL-terminated string inside libbpf.
    let p = unsafe { libbpf_sys::libbpf_version_string() };
    if p.is_null() {
        return "(unknown version)".into();
    }
    // SAFETY: non-null, static, NUL-terminated (above).
    unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned()
}

/// An opened libbpf `bpf_object`, closed on drop.
pub struct Object(*mut libbpf_sys::bpf_object);

impl Object {
    pub fn open_file(path: &Path) -> Result<Object, String> {
        let c = CString::new(path.as_os_str().as_bytes()).map_err(|_| "path contains NUL".to_string())?;
        let opts = libbpf_sys::bpf_object_open_opts {
            sz: std::mem::size_of::<libbpf_sys::bpf_object_open_opts>() as libbpf_sys::size_t,
            ..Default::default()
        };
        // SAFETY: `c` and `opts` outlive the call; libbpf copies what it keeps.
        let obj = unsafe { libbpf_sys::bpf_object__open_file(c.as_ptr(), &opts) };
        if obj.is_null() {
            return Err(format!("bpf_object__open_file({}): {}", path.display(), std::io::Error::last_os_error()));
        }
        Ok(Object(obj))
    }

    pub fn load(&self) -> Result<(), String> {
        // SAFETY: self.0 is a live object from bpf_object__open_file.
        let rc = unsafe { libbpf_sys::bpf_object__load(self.0) };
        if rc != 0 {
            return Err(format!("bpf_object__load: {}", std::io::Error::from_raw_os_error(-rc)));
        }
        Ok(())
    }
}

impl Object {
    /// Programs of the loaded object that have a kernel fd.
    pub fn loaded_programs(&self) -> usize {
        let mut n = 0;
        let mut p: *mut libbpf_sys::bpf_program = std::ptr::null_mut();
        loop {
            // SAFETY: iterating the programs of a live object.
            p = unsafe { libbpf_sys::bpf_object__next_program(self.0, p) };
            if p.is_null() {
                return n;
            }
            // SAFETY: p is a live program of self.
            if unsafe { libbpf_sys::bpf_program__fd(p) } >= 0 {
                n += 1;
            }
        }
    }
}

impl Drop for Object {
    fn drop(&mut self) {
        // SAFETY: self.0 came from bpf_object__open_file and is closed exactly once.
        unsafe { libbpf_sys::bpf_object__close(self.0) }
    }
}
