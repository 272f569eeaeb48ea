//! `struct rbpf_link`: an attachment, owned by the caller.

use crate::error::{arg_str, cstring, int_call, ptr_call, value_call};
use crate::handles::{self, get, get_mut, Handle, Kind};
use rbpf_core::Link;
use std::ffi::{c_char, c_int, CString};

/// An attached program (libbpf's `struct bpf_link`). Owned by the caller: destroy it
/// with `rbpf_link_destroy`. It outlives its object safely (closing the object first
/// does not detach it).
pub struct rbpf_link {
    inner: Link,
    /// `inner.pin_path()` as a C string, for rbpf_link_pin_path.
    pin_path: Option<CString>,
}

impl Handle for rbpf_link {
    const KIND: Kind = Kind::Link;
    const C_NAME: &'static str = "rbpf_link";
}

impl rbpf_link {
    pub(crate) fn wrap(inner: Link) -> *mut rbpf_link {
        let pin_path = inner.pin_path().map(|p| cstring(&p.to_string_lossy()));
        handles::into_raw(rbpf_link { inner, pin_path })
    }

    pub(crate) fn core(&self) -> &Link {
        &self.inner
    }

    fn sync_pin_path(&mut self) {
        self.pin_path = self.inner.pin_path().map(|p| cstring(&p.to_string_lossy()));
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

/// Pin the link at `path` (on a bpffs): it then stays attached after the handle is
/// destroyed and the process exits, until the pin is removed. -EOPNOTSUPP for links
/// that are not BPF links (TC over netlink, USDT, legacy perf ioctl attachments).
#[no_mangle]
pub unsafe extern "C" fn rbpf_link_pin(link: *mut rbpf_link, path: *const c_char) -> c_int {
    const F: &str = "rbpf_link_pin";
    int_call(|| {
        // SAFETY: registry-checked handle and a C string per the C contract.
        let l = unsafe { get_mut(F, "link", link) }?;
        let path = unsafe { arg_str(F, "path", path) }?;
        l.inner.pin(path)?;
        l.sync_pin_path();
        Ok(0)
    })
}

/// Remove the link's pin (-EINVAL when it is not pinned).
#[no_mangle]
pub unsafe extern "C" fn rbpf_link_unpin(link: *mut rbpf_link) -> c_int {
    int_call(|| {
        // SAFETY: registry-checked handle.
        let l = unsafe { get_mut("rbpf_link_unpin", "link", link) }?;
        let r = l.inner.unpin();
        l.sync_pin_path();
        r.map(|()| 0)
    })
}

/// The path the link is pinned at, or NULL (owned by the link).
#[no_mangle]
pub unsafe extern "C" fn rbpf_link_pin_path(link: *const rbpf_link) -> *const c_char {
    value_call(std::ptr::null(), || {
        // SAFETY: registry-checked handle.
        let l = unsafe { get("rbpf_link_pin_path", "link", link) }?;
        Ok(l.pin_path.as_ref().map_or(std::ptr::null(), |p| p.as_ptr()))
    })
}

/// Open the link pinned at `path` (a new link handle, pinned there; destroying it
/// leaves the pinned link attached). NULL with errno on failure.
#[no_mangle]
pub unsafe extern "C" fn rbpf_link_open(path: *const c_char) -> *mut rbpf_link {
    ptr_call(|| {
        // SAFETY: a C string per the C contract.
        let path = unsafe { arg_str("rbpf_link_open", "path", path) }?;
        Ok(rbpf_link::wrap(Link::open_pinned(path)?))
    })
}

/// Replace the link's program by `prog` (BPF_LINK_UPDATE).
#[no_mangle]
pub unsafe extern "C" fn rbpf_link_update_program(
    link: *mut rbpf_link,
    prog: *const crate::program::rbpf_program,
) -> c_int {
    const F: &str = "rbpf_link_update_program";
    int_call(|| {
        // SAFETY: registry-checked handles.
        let l = unsafe { get(F, "link", link) }?;
        let p = unsafe { get(F, "prog", prog) }?;
        l.inner.update_program(p.core()?.fd()?)?;
        Ok(0)
    })
}

/// Release the link without detaching: the attachment stays until the process exits
/// (`rbpf_link_destroy` then only frees the handle).
#[no_mangle]
pub unsafe extern "C" fn rbpf_link_disconnect(link: *mut rbpf_link) {
    let _ = int_call(|| {
        // SAFETY: registry-checked handle.
        unsafe { get_mut("rbpf_link_disconnect", "link", link) }?
            .inner
            .disconnect();
        Ok(0)
    });
}
