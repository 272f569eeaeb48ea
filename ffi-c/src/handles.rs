//! Registry of live handles. Every pointer handed to C is recorded with its kind and
//! removed when freed, so a NULL, closed, or wrong-kind handle is rejected with EINVAL
//! before it is dereferenced (no use-after-free, no crash). Only the address is
//! compared; a pointer is never read before it is found here.

use crate::error::arg_error;
use rbpf_core::Result;
use std::collections::HashMap;
use std::sync::{OnceLock, RwLock};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Object,
    Program,
    Map,
    Link,
    RingBuffer,
    Btf,
    Ring,
    UserRingBuffer,
    PerfBuffer,
}

/// A type handed to C by pointer.
pub(crate) trait Handle {
    const KIND: Kind;
    /// The C type name, for messages: "rbpf_map".
    const C_NAME: &'static str;
}

fn live() -> &'static RwLock<HashMap<usize, Kind>> {
    static LIVE: OnceLock<RwLock<HashMap<usize, Kind>>> = OnceLock::new();
    LIVE.get_or_init(|| RwLock::new(HashMap::new()))
}

pub(crate) fn register<T: Handle>(p: *const T) {
    live()
        .write()
        .unwrap_or_else(|e| e.into_inner())
        .insert(p as usize, T::KIND);
}

fn check<T: Handle>(func: &str, arg: &str, p: *const T) -> Result<()> {
    if p.is_null() {
        return Err(arg_error(func, &format!("{arg} is NULL")));
    }
    let kind = live()
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .get(&(p as usize))
        .copied();
    match kind {
        Some(k) if k == T::KIND => Ok(()),
        _ => Err(arg_error(
            func,
            &format!(
                "{arg} ({p:p}) is not a live {} (closed, freed or never created)",
                T::C_NAME
            ),
        )),
    }
}

/// A shared reference to a live handle of kind T.
///
/// # Safety
/// The registry guarantees the pointer came from us and is not freed; the caller must
/// not free it concurrently (documented per handle in rbpf.h).
pub(crate) unsafe fn get<'a, T: Handle>(func: &str, arg: &str, p: *const T) -> Result<&'a T> {
    check(func, arg, p)?;
    // SAFETY: registered pointers are live Box allocations of T (see above).
    Ok(unsafe { &*p })
}

/// A mutable reference to a live handle of kind T.
///
/// # Safety
/// As `get`; the caller must not use the handle from another thread at the same time.
pub(crate) unsafe fn get_mut<'a, T: Handle>(func: &str, arg: &str, p: *mut T) -> Result<&'a mut T> {
    check(func, arg, p)?;
    // SAFETY: registered pointers are live Box allocations of T; exclusivity is the
    // caller's contract (rbpf.h: an object is not used from two threads at once).
    Ok(unsafe { &mut *p })
}

/// Box a new handle, register it and return the raw pointer.
pub(crate) fn into_raw<T: Handle>(v: T) -> *mut T {
    let p = Box::into_raw(Box::new(v));
    register(p);
    p
}

/// Unregister and free a handle created by `into_raw`. NULL is fine. Returns false for
/// a pointer that is not a live handle of this kind (nothing freed).
///
/// # Safety
/// `p` is NULL or a pointer from `into_raw::<T>`.
pub(crate) unsafe fn free<T: Handle>(p: *mut T) -> bool {
    if p.is_null() {
        return true;
    }
    let removed = {
        let mut l = live().write().unwrap_or_else(|e| e.into_inner());
        match l.get(&(p as usize)) {
            Some(k) if *k == T::KIND => l.remove(&(p as usize)).is_some(),
            _ => false,
        }
    };
    if removed {
        // SAFETY: the pointer was registered by into_raw (Box::into_raw) and just removed,
        // so no other call frees it again.
        drop(unsafe { Box::from_raw(p) });
    }
    removed
}
