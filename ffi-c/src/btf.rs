//! `struct rbpf_btf`: BTF type information, either an object's (borrowed handle) or
//! loaded on its own from the kernel or a file (owned handle, freed by `rbpf_btf_free`).

use crate::error::ptr_call;
use crate::handles::{get, Handle, Kind};
use crate::object::rbpf_object;
use std::ffi::c_char;
use std::sync::Arc;

/// BTF type information (libbpf's `struct btf`). The handle from `rbpf_object_btf` is
/// borrowed from the object and valid until `rbpf_object_close`; the handles from
/// `rbpf_btf_load_vmlinux` and `rbpf_btf_parse` are owned and valid until `rbpf_btf_free`.
/// A handle may be read from several threads at once.
pub struct rbpf_btf {
    /// The object whose BTF this is (borrowed handle), or NULL for an owned handle.
    pub(crate) obj: *mut rbpf_object,
    /// The BTF of an owned handle.
    pub(crate) owned: Option<Arc<rbpf_core::Btf>>,
}

impl Handle for rbpf_btf {
    const KIND: Kind = Kind::Btf;
    const C_NAME: &'static str = "rbpf_btf";
}

impl rbpf_btf {
    /// A borrowed handle on `obj`'s BTF.
    pub(crate) fn borrowed(obj: *mut rbpf_object) -> Self {
        rbpf_btf { obj, owned: None }
    }

    /// The core's BTF behind this handle.
    pub(crate) fn core(&self) -> Option<&rbpf_core::Btf> {
        if let Some(b) = &self.owned {
            return Some(b);
        }
        if self.obj.is_null() {
            return None;
        }
        // SAFETY: a registered BTF handle's object is live (closing it unregisters us first).
        unsafe { &*self.obj }.inner.btf()
    }
}

/// The object's own BTF (from its .BTF section), or NULL with errno ENOENT when it has none.
#[no_mangle]
pub unsafe extern "C" fn rbpf_object_btf(obj: *const rbpf_object) -> *mut rbpf_btf {
    ptr_call(|| {
        let o = unsafe { get("rbpf_object_btf", "obj", obj) }?;
        match o.btf_handle() {
            Some(b) => Ok(b),
            None => Err(rbpf_core::Error::new(
                libc::ENOENT,
                "object has no BTF".to_string(),
            )),
        }
    })
}

unsafe fn btf_of<'a>(f: &str, btf: *const rbpf_btf) -> rbpf_core::Result<&'a rbpf_core::Btf> {
    // SAFETY: forwarded; the registry rejects anything that is not a live BTF handle.
    let b = unsafe { get(f, "btf", btf) }?;
    b.core()
        .ok_or_else(|| rbpf_core::Error::new(libc::ENOENT, format!("{f}: the object has no BTF")))
}

/// Number of types including the void type 0 (so valid ids are 1..cnt-1).
#[no_mangle]
pub unsafe extern "C" fn rbpf_btf_type_cnt(btf: *const rbpf_btf) -> u32 {
    crate::error::value_call(0, || {
        Ok(unsafe { btf_of("rbpf_btf_type_cnt", btf) }?.type_cnt())
    })
}

/// The id of the first type named `name`, or -ENOENT.
#[no_mangle]
pub unsafe extern "C" fn rbpf_btf_find_by_name(
    btf: *const rbpf_btf,
    name: *const std::ffi::c_char,
) -> i32 {
    const F: &str = "rbpf_btf_find_by_name";
    crate::error::int_call(|| {
        let b = unsafe { btf_of(F, btf) }?;
        let n = unsafe { crate::error::arg_str(F, "name", name) }?;
        b.find_by_name(n)
            .map(|id| id as i32)
            .ok_or_else(|| rbpf_core::Error::new(libc::ENOENT, format!("BTF: no type named '{n}'")))
    })
}

/// The id of the type named `name` of kind `kind` (BTF_KIND_*), or -ENOENT.
#[no_mangle]
pub unsafe extern "C" fn rbpf_btf_find_by_name_kind(
    btf: *const rbpf_btf,
    name: *const std::ffi::c_char,
    kind: u32,
) -> i32 {
    const F: &str = "rbpf_btf_find_by_name_kind";
    crate::error::int_call(|| {
        let b = unsafe { btf_of(F, btf) }?;
        let n = unsafe { crate::error::arg_str(F, "name", name) }?;
        let Some(k) = rbpf_core::btf::Kind::from_u32(kind) else {
            return Err(crate::error::arg_error(
                F,
                &format!("unknown BTF kind {kind}"),
            ));
        };
        b.find_by_name_kind(n, k)
            .map(|id| id as i32)
            .ok_or_else(|| {
                rbpf_core::Error::new(libc::ENOENT, format!("BTF: no {} named '{n}'", k.name()))
            })
    })
}

/// The size in bytes of type `type_id` (typedefs and modifiers resolved), or a
/// negative errno.
#[no_mangle]
pub unsafe extern "C" fn rbpf_btf_resolve_size(btf: *const rbpf_btf, type_id: u32) -> i64 {
    const F: &str = "rbpf_btf_resolve_size";
    let r = crate::error::int_call(|| {
        let b = unsafe { btf_of(F, btf) }?;
        Ok(b.resolve_size(type_id)?.min(i32::MAX as u32) as i32)
    });
    i64::from(r)
}

/// The running kernel's BTF (`/sys/kernel/btf/vmlinux`, else libbpf's list of vmlinux
/// image paths), or NULL with errno set. The BTF is parsed once per process and shared;
/// every call returns a new owned handle, to free with `rbpf_btf_free`.
#[no_mangle]
pub extern "C" fn rbpf_btf_load_vmlinux() -> *mut rbpf_btf {
    ptr_call(|| {
        let b = rbpf_core::Btf::vmlinux()?;
        Ok(crate::handles::into_raw(rbpf_btf {
            obj: std::ptr::null_mut(),
            owned: Some(b),
        }))
    })
}

/// BTF read from `path`: raw BTF (as /sys/kernel/btf/vmlinux) or an ELF file's .BTF
/// section. An owned handle to free with `rbpf_btf_free`, or NULL with errno set
/// (ENOENT for a missing file, EINVAL for a file without valid BTF).
#[no_mangle]
pub unsafe extern "C" fn rbpf_btf_parse(path: *const c_char) -> *mut rbpf_btf {
    ptr_call(|| {
        let p = unsafe { crate::error::arg_str("rbpf_btf_parse", "path", path) }?;
        let b = rbpf_core::Btf::from_file(p)?;
        Ok(crate::handles::into_raw(rbpf_btf {
            obj: std::ptr::null_mut(),
            owned: Some(Arc::new(b)),
        }))
    })
}

/// Free a handle from `rbpf_btf_load_vmlinux` or `rbpf_btf_parse`; names read from it
/// become invalid. NULL is fine. A handle from `rbpf_object_btf` is left alone (it is
/// freed with its object), as is anything that is not a live handle: errno EINVAL.
#[no_mangle]
pub unsafe extern "C" fn rbpf_btf_free(btf: *mut rbpf_btf) {
    const F: &str = "rbpf_btf_free";
    if btf.is_null() {
        return;
    }
    let _ = crate::error::int_call(|| {
        let b = unsafe { get(F, "btf", btf) }?;
        if b.owned.is_none() {
            return Err(crate::error::arg_error(
                F,
                "btf is an object's BTF (from rbpf_object_btf); it is freed by rbpf_object_close",
            ));
        }
        // SAFETY: a live owned BTF handle, made by into_raw in this file.
        if !unsafe { crate::handles::free(btf) } {
            return Err(crate::error::arg_error(F, "btf is not a live rbpf_btf"));
        }
        Ok(0)
    });
}

/// The type `id` of a live handle.
unsafe fn type_of<'a>(
    f: &str,
    btf: *const rbpf_btf,
    id: u32,
) -> rbpf_core::Result<rbpf_core::btf::Type<'a>> {
    // SAFETY: forwarded.
    let b = unsafe { btf_of(f, btf) }?;
    b.type_by_id(id).map_err(|e| e.context(f))
}

/// A pointer to a BTF string: the bytes after a non-empty name are the NUL that ends it
/// in the string section, so the pointer is a valid C string while the BTF lives.
fn name_ptr(name: &str) -> *const c_char {
    if name.is_empty() {
        c"".as_ptr()
    } else {
        name.as_ptr().cast()
    }
}

/// The kind of type `id` (BTF_KIND_*: 0 for void, 4 for STRUCT, ...), or a negative
/// errno (-EINVAL for an id out of range).
#[no_mangle]
pub unsafe extern "C" fn rbpf_btf_kind(btf: *const rbpf_btf, id: u32) -> i32 {
    crate::error::int_call(|| Ok(unsafe { type_of("rbpf_btf_kind", btf, id) }?.kind() as i32))
}

/// The name of type `id` ("" when anonymous, and for void), or NULL with errno set. The
/// string lives as long as the handle (for an object's BTF: until `rbpf_object_close`).
#[no_mangle]
pub unsafe extern "C" fn rbpf_btf_name(btf: *const rbpf_btf, id: u32) -> *const c_char {
    ptr_call(|| Ok(name_ptr(unsafe { type_of("rbpf_btf_name", btf, id) }?.name()).cast_mut()))
}

/// The vlen of type `id`: members of a STRUCT/UNION, enumerators of an ENUM/ENUM64,
/// parameters of a FUNC_PROTO, variables of a DATASEC (0 for other kinds); or a
/// negative errno.
#[no_mangle]
pub unsafe extern "C" fn rbpf_btf_vlen(btf: *const rbpf_btf, id: u32) -> i32 {
    crate::error::int_call(|| Ok(unsafe { type_of("rbpf_btf_vlen", btf, id) }?.vlen() as i32))
}

/// The size field of type `id` for the kinds that have one (INT, STRUCT, UNION, ENUM,
/// ENUM64, DATASEC, FLOAT); -EINVAL for other kinds (typedefs, pointers, arrays: use
/// `rbpf_btf_resolve_size`).
#[no_mangle]
pub unsafe extern "C" fn rbpf_btf_size(btf: *const rbpf_btf, id: u32) -> i64 {
    const F: &str = "rbpf_btf_size";
    let r = crate::error::int_call(|| {
        let t = unsafe { type_of(F, btf, id) }?;
        match t.size() {
            Some(sz) => Ok(sz.min(i32::MAX as u32) as i32),
            None => Err(crate::error::arg_error(
                F,
                &format!(
                    "type {id} is a {}, which has no size (use rbpf_btf_resolve_size)",
                    t.kind().name()
                ),
            )),
        }
    });
    i64::from(r)
}

/// Member `idx` (0-based, below `rbpf_btf_vlen`) of STRUCT/UNION `id` (libbpf's
/// `struct btf_member`, decoded): its name ("" when anonymous; lives as long as the
/// handle), type id, offset from the start of the struct in bits, and bitfield width in
/// bits (0 when not a bitfield). Each out-pointer may be NULL when not wanted.
/// Returns 0, -ENOENT when `idx` is past the last member (so a loop can stop there), or
/// -EINVAL (not a STRUCT/UNION, bad id).
#[no_mangle]
pub unsafe extern "C" fn rbpf_btf_member(
    btf: *const rbpf_btf,
    id: u32,
    idx: u32,
    name: *mut *const c_char,
    type_id: *mut u32,
    bit_offset: *mut u32,
    bitfield_size: *mut u32,
) -> i32 {
    const F: &str = "rbpf_btf_member";
    crate::error::int_call(|| {
        let t = unsafe { type_of(F, btf, id) }?;
        if !t.kind().is_composite() {
            return Err(crate::error::arg_error(
                F,
                &format!("type {id} is a {}, not a struct or union", t.kind().name()),
            ));
        }
        let Some(m) = t.member(idx as usize) else {
            return Err(rbpf_core::Error::new(
                libc::ENOENT,
                format!("{F}: type {id} has {} members, no member {idx}", t.vlen()),
            ));
        };
        // SAFETY: each pointer is NULL (skipped) or writable, per the caller's contract.
        unsafe {
            if !name.is_null() {
                name.write(name_ptr(m.name));
            }
            if !type_id.is_null() {
                type_id.write(m.type_id);
            }
            if !bit_offset.is_null() {
                bit_offset.write(m.bit_offset);
            }
            if !bitfield_size.is_null() {
                bitfield_size.write(m.bitfield_size);
            }
        }
        Ok(0)
    })
}
