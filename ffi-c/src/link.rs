//! `struct rbpf_link`: an attachment, owned by the caller.

use crate::error::int_call;
use crate::handles::{self, get, get_mut, Handle, Kind};
use rbpf_core::Link;
use std::ffi::c_int;

/// An attached program (libbpf's `struct bpf_link`). Owned by the caller: destroy it
/// with `rbpf_link_destroy`. It outlives its object safely (closing the object first
/// does not detach it).
pub struct rbpf_link {
    inner: Link,
}

impl Handle for rbpf_link {
    const KIND: Kind = Kind::Link;
    const C_NAME: &'static str = "rbpf_link";
}

impl rbpf_link {
    pub(crate) fn wrap(inner: Link) -> *mut rbpf_link {
        handles::into_raw(rbpf_link { inner })
    }
}

/// The link's fd (a perf event fd for perf-event based links); -1 after detach.
#[no_mangle]
pub unsafe extern "C" fn rbpf_link_fd(link: *const rbpf_link) -> c_int {
    int_call(|| Ok(unsafe { get("rbpf_link_fd", "link", link) }?.inner.fd()))
}

/// Detach without freeing the handle (idempotent). 0 or a negative errno.
#[no_mangle]
pub unsafe extern "C" fn rbpf_link_detach(link: *mut rbpf_link) -> c_int {
    int_call(|| {
        unsafe { get_mut("rbpf_link_detach", "link", link) }?
            .inner
            .detach()?;
        Ok(0)
    })
}

/// Detach (if still attached) and free the link. NULL is a no-op returning 0. The
/// handle is freed even when detaching fails (the error is returned).
#[no_mangle]
pub unsafe extern "C" fn rbpf_link_destroy(link: *mut rbpf_link) -> c_int {
    int_call(|| {
        if link.is_null() {
            return Ok(0);
        }
        let l = unsafe { get_mut("rbpf_link_destroy", "link", link) }?;
        let res = l.inner.detach();
        // SAFETY: registry-checked pointer from rbpf_link::wrap.
        unsafe { handles::free(link) };
        res.map(|()| 0)
    })
}
