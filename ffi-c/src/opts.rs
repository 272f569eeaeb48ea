//! Reading C options structs exactly as libbpf's OPTS_VALID / OPTS_HAS / OPTS_GET do.
//! The structs and their per-field readers are generated (opts_gen.rs); the rules live here.
//!
//! - NULL: every field takes its default.
//! - `sz < sizeof(size_t)`: EINVAL "`TYPE` size (N) is too small".
//! - `sz` beyond the end of the last field this library knows: the extra bytes (from the
//!   end of that field, not from `sizeof`) must be zero, else EINVAL
//!   "`TYPE` has non-zero extra bytes" (a newer caller against an older library).
//! - A smaller `sz` (an older caller): fields not wholly inside `sz` take their defaults.
//!
//! Fields are read unaligned and byte-wise where Rust's types have invalid bit patterns
//! (a C `bool` holding 2 is read as true, never as a Rust `bool`).

use rbpf_core::{warn, Error, Result};
use std::ffi::{c_char, CStr};

/// Implemented by every generated C options struct.
pub(crate) trait COpts {
    /// The C type name used in messages, e.g. "rbpf_object_open_opts".
    const NAME: &'static str;
    /// offsetofend(TYPE, TYPE__last_field): where the bytes this library reads end.
    const LAST_FIELD_END: usize;
}

/// Validate `opts`; `Ok(None)` for NULL, else `Ok(Some(sz))`.
///
/// # Safety
/// `opts` is NULL or points to at least `sz` readable bytes, `sz` being its first field.
pub(crate) unsafe fn validate<T: COpts>(opts: *const T) -> Result<Option<usize>> {
    if opts.is_null() {
        return Ok(None);
    }
    let base = opts.cast::<u8>();
    // SAFETY: a non-NULL opts starts with a size_t, per the caller's contract.
    let sz = unsafe { base.cast::<usize>().read_unaligned() };
    if sz < size_of::<usize>() {
        warn!("{} size ({}) is too small", T::NAME, sz);
        return Err(Error::new(
            libc::EINVAL,
            format!("{} size ({}) is too small", T::NAME, sz),
        ));
    }
    if sz > T::LAST_FIELD_END {
        // SAFETY: the caller said `sz` bytes are readable.
        let extra = unsafe {
            std::slice::from_raw_parts(base.add(T::LAST_FIELD_END), sz - T::LAST_FIELD_END)
        };
        if extra.iter().any(|&b| b != 0) {
            warn!("{} has non-zero extra bytes", T::NAME);
            return Err(Error::new(
                libc::EINVAL,
                format!("{} has non-zero extra bytes", T::NAME),
            ));
        }
    }
    Ok(Some(sz))
}

/// OPTS_HAS: the field at `off` of `size` bytes lies wholly within `sz`.
pub(crate) fn has(sz: usize, off: usize, size: usize) -> bool {
    sz >= off + size
}

/// Read a plain integer field.
///
/// # Safety
/// `base + off` holds `size_of::<V>()` readable bytes.
pub(crate) unsafe fn read<V: Copy>(base: *const u8, off: usize) -> V {
    // SAFETY: per the caller's contract; unaligned-safe read of an integer type.
    unsafe { base.add(off).cast::<V>().read_unaligned() }
}

/// Read a C `bool` field: any non-zero byte is true.
///
/// # Safety
/// `base + off` is readable.
pub(crate) unsafe fn read_bool(base: *const u8, off: usize) -> bool {
    // SAFETY: per the caller's contract.
    unsafe { base.add(off).read() != 0 }
}

/// Read a `const char *` field: NULL → None; the string must be UTF-8 (EINVAL naming
/// the struct and the field).
///
/// # Safety
/// `base + off` holds a pointer that is NULL or points to a NUL-terminated string.
pub(crate) unsafe fn read_str(
    base: *const u8,
    off: usize,
    ty: &str,
    field: &str,
) -> Result<Option<String>> {
    // SAFETY: per the caller's contract.
    let p: *const c_char = unsafe { base.add(off).cast::<*const c_char>().read_unaligned() };
    if p.is_null() {
        return Ok(None);
    }
    // SAFETY: a non-NULL string field is NUL-terminated (C contract of the struct).
    let s = unsafe { CStr::from_ptr(p) };
    match s.to_str() {
        Ok(s) => Ok(Some(s.to_owned())),
        Err(_) => Err(Error::new(
            libc::EINVAL,
            format!("{ty}: field '{field}' is not valid UTF-8"),
        )),
    }
}
