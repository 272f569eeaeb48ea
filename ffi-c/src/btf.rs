//! `struct rbpf_btf`: an object's BTF (borrowed handle).

use crate::error::ptr_call;
use crate::handles::{get, Handle, Kind};
use crate::object::rbpf_object;

/// BTF type information (libbpf's `struct btf`). The handle from `rbpf_object_btf` is
/// borrowed from the object and valid until `rbpf_object_close`.
pub struct rbpf_btf {
    pub(crate) obj: *mut rbpf_object,
}

impl Handle for rbpf_btf {
    const KIND: Kind = Kind::Btf;
    const C_NAME: &'static str = "rbpf_btf";
}

impl rbpf_btf {
    /// The core's BTF behind this handle.
    pub(crate) fn core(&self) -> Option<&rbpf_core::Btf> {
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
