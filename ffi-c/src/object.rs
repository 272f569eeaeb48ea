//! `struct rbpf_object`: open, load, close, lookup and iteration of its programs and maps.

use crate::error::{arg_error, arg_str, cstring, int_call, ptr_call};
use crate::handles::{self, get, get_mut, Handle, Kind};
use crate::map::rbpf_map;
use crate::opts_gen::rbpf_object_open_opts;
use crate::program::rbpf_program;
use rbpf_core::{Error, Object, Result};
use std::ffi::{c_char, c_int, c_void, CStr, CString, OsStr};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::ptr;

/// An opened BPF object (libbpf's `struct bpf_object`). Owns its programs and maps;
/// the `rbpf_program` / `rbpf_map` pointers it hands out are valid until
/// `rbpf_object_close`.
pub struct rbpf_object {
    pub(crate) inner: Object,
    name: CString,
    /// Handles of `inner.programs()[i]` / `inner.maps()[i]`, created once, stable.
    progs: Vec<*mut rbpf_program>,
    maps: Vec<*mut rbpf_map>,
    btf: *mut crate::btf::rbpf_btf,
}

impl Handle for rbpf_object {
    const KIND: Kind = Kind::Object;
    const C_NAME: &'static str = "rbpf_object";
}

impl rbpf_object {
    /// Box and register a new object with handles for its programs and maps.
    fn wrap(inner: Object) -> Result<*mut rbpf_object> {
        let name = cstring(inner.name());
        let has_btf = inner.btf().is_some();
        let obj = handles::into_raw(rbpf_object {
            inner,
            name,
            progs: Vec::new(),
            maps: Vec::new(),
            btf: ptr::null_mut(),
        });
        // SAFETY: just created; nothing else refers to it yet.
        let o = unsafe { &mut *obj };
        if let Err(e) = o.sync_handles(obj) {
            // SAFETY: `obj` came from into_raw above.
            unsafe { close(obj) };
            return Err(e);
        }
        if has_btf {
            o.btf = handles::into_raw(crate::btf::rbpf_btf::borrowed(obj));
        }
        Ok(obj)
    }

    pub(crate) fn btf_handle(&self) -> Option<*mut crate::btf::rbpf_btf> {
        (!self.btf.is_null()).then_some(self.btf)
    }

    /// Create handles for programs and maps the core has and we have not wrapped yet
    /// (load may add maps). Existing handles keep their addresses.
    fn sync_handles(&mut self, me: *mut rbpf_object) -> Result<()> {
        let progs: Vec<(CString, CString)> = self.inner.programs()
            [self.progs.len().min(self.inner.programs().len())..]
            .iter()
            .map(|p| (cstring(p.name()), cstring(p.section_name())))
            .collect();
        let maps: Vec<CString> = self.inner.maps()[self.maps.len().min(self.inner.maps().len())..]
            .iter()
            .map(|m| cstring(m.name()))
            .collect();
        for (name, sec) in progs {
            let idx = self.progs.len();
            self.progs.push(handles::into_raw(rbpf_program {
                obj: me,
                idx,
                name,
                sec,
            }));
        }
        for name in maps {
            let idx = self.maps.len();
            self.maps
                .push(handles::into_raw(rbpf_map { obj: me, idx, name, pin_path: Default::default() }));
        }
        Ok(())
    }
}

/// Free an object and every handle it gave out.
///
/// # Safety
/// `obj` is a registered object pointer.
unsafe fn close(obj: *mut rbpf_object) {
    // SAFETY: registered, so live; we are its last user.
    let o = unsafe { &mut *obj };
    for p in o.progs.drain(..) {
        // SAFETY: each came from into_raw.
        unsafe { handles::free(p) };
    }
    for m in o.maps.drain(..) {
        // SAFETY: each came from into_raw.
        unsafe { handles::free(m) };
    }
    if !o.btf.is_null() {
        // SAFETY: came from into_raw.
        unsafe { handles::free(o.btf) };
        o.btf = ptr::null_mut();
    }
    // Drops the core Object: closes its maps and programs.
    // SAFETY: came from into_raw.
    unsafe { handles::free(obj) };
}

/// Open a BPF ELF object file: parse it (ELF, BTF, programs, maps, globals) without
/// any kernel call. `opts` may be NULL.
///
/// Returns a new object, or NULL with errno set (ENOENT for a missing file, EINVAL for a
/// malformed one or invalid opts); `rbpf_last_error()` has the message.
#[no_mangle]
pub unsafe extern "C" fn rbpf_object_open_file(
    path: *const c_char,
    opts: *const rbpf_object_open_opts,
) -> *mut rbpf_object {
    ptr_call(|| {
        if path.is_null() {
            return Err(arg_error("rbpf_object_open_file", "path is NULL"));
        }
        // SAFETY: a non-NULL path is a NUL-terminated string (C contract).
        let bytes = unsafe { CStr::from_ptr(path) }.to_bytes();
        // SAFETY: opts is NULL or a valid options struct (C contract).
        let opts = unsafe { rbpf_object_open_opts::to_core(opts) }?;
        let obj = Object::open_file(Path::new(OsStr::from_bytes(bytes)), &opts)?;
        rbpf_object::wrap(obj)
    })
}

/// Open a BPF ELF object from memory (`obj_buf`, `obj_buf_sz` bytes; copied, the caller
/// keeps its buffer). `opts` may be NULL. NULL with errno on error (EINVAL when the
/// buffer is NULL, empty or not a valid object).
#[no_mangle]
pub unsafe extern "C" fn rbpf_object_open_mem(
    obj_buf: *const c_void,
    obj_buf_sz: usize,
    opts: *const rbpf_object_open_opts,
) -> *mut rbpf_object {
    ptr_call(|| {
        if obj_buf.is_null() || obj_buf_sz == 0 {
            return Err(arg_error(
                "rbpf_object_open_mem",
                "obj_buf is NULL or obj_buf_sz is 0",
            ));
        }
        // SAFETY: the caller gives obj_buf_sz readable bytes.
        let data = unsafe { std::slice::from_raw_parts(obj_buf.cast::<u8>(), obj_buf_sz) };
        // SAFETY: opts is NULL or a valid options struct (C contract).
        let opts = unsafe { rbpf_object_open_opts::to_core(opts) }?;
        let obj = Object::open_mem(data, &opts)?;
        rbpf_object::wrap(obj)
    })
}

/// Load the object: create its maps, relocate, load its programs into the kernel.
/// 0 or a negative errno (a verifier rejection: the log is in
/// `rbpf_last_verifier_log()` and went to the print callback).
#[no_mangle]
pub unsafe extern "C" fn rbpf_object_load(obj: *mut rbpf_object) -> c_int {
    int_call(|| {
        // SAFETY: registry-checked handle.
        let o = unsafe { get_mut("rbpf_object_load", "obj", obj) }?;
        let res = o.inner.load();
        // Load may create maps the open did not have: give them handles either way.
        o.sync_handles(obj)?;
        res.map(|()| 0)
    })
}

/// Close the object: free its programs and maps (their handles become invalid) and
/// the object itself. NULL is a no-op. Links created from its programs stay attached
/// until destroyed.
#[no_mangle]
pub unsafe extern "C" fn rbpf_object_close(obj: *mut rbpf_object) {
    let _ = int_call(|| {
        if obj.is_null() {
            return Ok(0);
        }
        // SAFETY: registry-checked before close.
        unsafe { get("rbpf_object_close", "obj", obj) }?;
        // SAFETY: registered object pointer.
        unsafe { close(obj) };
        Ok(0)
    });
}

/// The object's name (from opts.object_name or the file name), owned by the object.
#[no_mangle]
pub unsafe extern "C" fn rbpf_object_name(obj: *const rbpf_object) -> *const c_char {
    ptr_call(|| {
        // SAFETY: registry-checked handle.
        let o = unsafe { get("rbpf_object_name", "obj", obj) }?;
        Ok(o.name.as_ptr().cast_mut())
    })
}

/// The program named `name` (its C function name), borrowed from the object (valid
/// until `rbpf_object_close`). NULL with errno ENOENT when there is none.
#[no_mangle]
pub unsafe extern "C" fn rbpf_object_find_program_by_name(
    obj: *const rbpf_object,
    name: *const c_char,
) -> *mut rbpf_program {
    const F: &str = "rbpf_object_find_program_by_name";
    ptr_call(|| {
        // SAFETY: registry-checked handle; name is a C string.
        let o = unsafe { get(F, "obj", obj) }?;
        let want = unsafe { arg_str(F, "name", name) }?;
        for &p in &o.progs {
            // SAFETY: handles in `progs` are live while the object is.
            if unsafe { &*p }.name.as_bytes() == want.as_bytes() {
                return Ok(p);
            }
        }
        Err(Error::new(
            libc::ENOENT,
            format!(
                "object '{}': no program named '{want}'",
                o.name.to_string_lossy()
            ),
        ))
    })
}

/// The map named `name`, borrowed from the object (valid until `rbpf_object_close`).
/// Internal maps are found by their section name too (".rodata", ".bss", ...).
/// NULL with errno ENOENT when there is none.
#[no_mangle]
pub unsafe extern "C" fn rbpf_object_find_map_by_name(
    obj: *const rbpf_object,
    name: *const c_char,
) -> *mut rbpf_map {
    const F: &str = "rbpf_object_find_map_by_name";
    ptr_call(|| {
        // SAFETY: registry-checked handle; name is a C string.
        let o = unsafe { get(F, "obj", obj) }?;
        let want = unsafe { arg_str(F, "name", name) }?;
        for &m in &o.maps {
            // SAFETY: handles in `maps` are live while the object is.
            if unsafe { &*m }.name.as_bytes() == want.as_bytes() {
                return Ok(m);
            }
        }
        // Internal maps may carry an object-name prefix ("syscoun.rodata"): ask the core.
        if let Some(core_map) = o.inner.map(want) {
            if let Some(i) = o.inner.maps().iter().position(|m| ptr::eq(m, core_map)) {
                if let Some(&m) = o.maps.get(i) {
                    return Ok(m);
                }
            }
        }
        Err(Error::new(
            libc::ENOENT,
            format!(
                "object '{}': no map named '{want}'",
                o.name.to_string_lossy()
            ),
        ))
    })
}

/// Iterate programs as libbpf does: `prev` NULL gives the first, then the one after
/// `prev`; NULL after the last (errno untouched).
#[no_mangle]
pub unsafe extern "C" fn rbpf_object_next_program(
    obj: *const rbpf_object,
    prev: *const rbpf_program,
) -> *mut rbpf_program {
    const F: &str = "rbpf_object_next_program";
    ptr_call(|| {
        // SAFETY: registry-checked handles.
        let o = unsafe { get(F, "obj", obj) }?;
        let next = if prev.is_null() {
            0
        } else {
            let p = unsafe { get(F, "prev", prev) }?;
            if !ptr::eq(p.obj, obj) {
                return Err(arg_error(F, "prev belongs to another object"));
            }
            p.idx + 1
        };
        Ok(o.progs.get(next).copied().unwrap_or(ptr::null_mut()))
    })
}

/// Iterate maps (internal maps included) as libbpf does: `prev` NULL gives the first;
/// NULL after the last (errno untouched).
#[no_mangle]
pub unsafe extern "C" fn rbpf_object_next_map(
    obj: *const rbpf_object,
    prev: *const rbpf_map,
) -> *mut rbpf_map {
    const F: &str = "rbpf_object_next_map";
    ptr_call(|| {
        // SAFETY: registry-checked handles.
        let o = unsafe { get(F, "obj", obj) }?;
        let next = if prev.is_null() {
            0
        } else {
            let m = unsafe { get(F, "prev", prev) }?;
            if !ptr::eq(m.obj, obj) {
                return Err(arg_error(F, "prev belongs to another object"));
            }
            m.idx + 1
        };
        Ok(o.maps.get(next).copied().unwrap_or(ptr::null_mut()))
    })
}

/// Number of programs, as `rbpf_object_next_program` walks them.
#[no_mangle]
pub unsafe extern "C" fn rbpf_object_program_cnt(obj: *const rbpf_object) -> c_int {
    int_call(|| {
        // SAFETY: registry-checked handle.
        let o = unsafe { get("rbpf_object_program_cnt", "obj", obj) }?;
        Ok(o.progs.len().min(c_int::MAX as usize) as c_int)
    })
}

/// Number of maps (internal maps included).
#[no_mangle]
pub unsafe extern "C" fn rbpf_object_map_cnt(obj: *const rbpf_object) -> c_int {
    int_call(|| {
        // SAFETY: registry-checked handle.
        let o = unsafe { get("rbpf_object_map_cnt", "obj", obj) }?;
        Ok(o.maps.len().min(c_int::MAX as usize) as c_int)
    })
}

/// One global variable (.data, .rodata, .bss, .kconfig, .data.*, .rodata.*) by name:
/// a pointer to its bytes and, if `size` is not NULL, its size. Before load the pointer
/// is into the initial image (write it to configure `.rodata` constants); after load
/// into the live mmap of the map (`.rodata` is then read-only memory: do not write).
/// Valid until `rbpf_object_close`. NULL with errno ENOENT when there is no such
/// variable.
#[no_mangle]
pub unsafe extern "C" fn rbpf_object_global(
    obj: *const rbpf_object,
    name: *const c_char,
    size: *mut usize,
) -> *mut c_void {
    const F: &str = "rbpf_object_global";
    ptr_call(|| {
        // SAFETY: registry-checked handle; name is a C string.
        let o = unsafe { get(F, "obj", obj) }?;
        let want = unsafe { arg_str(F, "name", name) }?;
        let oname = o.name.to_string_lossy();
        let Some(g) = o.inner.global(want) else {
            return Err(Error::new(
                libc::ENOENT,
                format!("object '{oname}': no global variable named '{want}'"),
            ));
        };
        let Some(map) = o.inner.maps().get(g.map_index) else {
            return Err(Error::new(
                libc::EINVAL,
                format!("object '{oname}': global '{want}' has no map"),
            ));
        };
        let (base, len) = map.initial_value_ptr();
        if base.is_null() || g.offset.checked_add(g.size).is_none_or(|end| end > len) {
            return Err(Error::new(
                libc::EINVAL,
                format!(
                    "object '{oname}': global '{want}' lies outside map '{}' ({len} bytes)",
                    map.name()
                ),
            ));
        }
        if !size.is_null() {
            // SAFETY: a non-NULL size points to a size_t (C contract).
            unsafe { size.write(g.size) };
        }
        // SAFETY: offset + size ≤ len, checked above.
        Ok(unsafe { base.add(g.offset) }.cast::<c_void>())
    })
}

/// Attach every program whose section auto-attaches (as a skeleton's attach does).
/// On success `*links` receives a malloc'ed array of `*cnt` links (free each with
/// `rbpf_link_destroy`, then the array with `free`); 0 or a negative errno (nothing
/// stays attached on error).
#[no_mangle]
pub unsafe extern "C" fn rbpf_object_attach_all(
    obj: *const rbpf_object,
    links: *mut *mut *mut crate::link::rbpf_link,
    cnt: *mut usize,
) -> c_int {
    const F: &str = "rbpf_object_attach_all";
    int_call(|| {
        // SAFETY: registry-checked handle.
        let o = unsafe { get(F, "obj", obj) }?;
        if links.is_null() || cnt.is_null() {
            return Err(arg_error(F, "links or cnt is NULL"));
        }
        let got = o.inner.attach_all()?;
        let n = got.len();
        // SAFETY: malloc of n pointers (at least 1 so the result is never NULL on success).
        let arr = unsafe { libc::calloc(n.max(1), size_of::<*mut crate::link::rbpf_link>()) }
            .cast::<*mut crate::link::rbpf_link>();
        if arr.is_null() {
            return Err(Error::new(libc::ENOMEM, format!("{F}: out of memory")));
        }
        for (i, l) in got.into_iter().enumerate() {
            // SAFETY: i < n, arr has n slots.
            unsafe { arr.add(i).write(crate::link::rbpf_link::wrap(l)) };
        }
        // SAFETY: checked non-NULL above.
        unsafe {
            links.write(arr);
            cnt.write(n);
        }
        Ok(0)
    })
}
