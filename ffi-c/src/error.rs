//! The C error convention: int functions return `-errno` and set `errno`; pointer
//! functions return NULL and set `errno`; the message goes to a thread-local slot read
//! by `rbpf_last_error()`. Every entry point runs inside `catch_unwind`, so a panic
//! becomes `-EFAULT` with the panic message instead of unwinding into C.

use rbpf_core::{Error, Result};
use std::any::Any;
use std::cell::RefCell;
use std::ffi::{c_char, c_int, CStr, CString};
use std::panic::{catch_unwind, AssertUnwindSafe};

struct Last {
    message: CString,
    verifier_log: Option<CString>,
}

thread_local! {
    static LAST: RefCell<Last> = RefCell::new(Last { message: CString::default(), verifier_log: None });
}

/// A CString from text that may hold NULs (they would cut the C string short).
pub(crate) fn cstring(s: &str) -> CString {
    CString::new(s.replace('\0', "\\0")).unwrap_or_default()
}

pub(crate) fn set_errno(e: c_int) {
    // SAFETY: __errno_location returns this thread's errno slot, valid for the thread's life.
    unsafe { *libc::__errno_location() = e };
}

/// Record `err` as this thread's last error, set errno, and return `-errno`.
pub(crate) fn record(err: &Error) -> c_int {
    let errno = if err.errno() > 0 {
        err.errno()
    } else {
        libc::EINVAL
    };
    let _ = LAST.try_with(|l| {
        let mut l = l.borrow_mut();
        l.message = cstring(err.message());
        l.verifier_log = err.verifier_log().map(cstring);
    });
    set_errno(errno);
    -errno
}

fn panic_error(payload: Box<dyn Any + Send>) -> Error {
    let what = if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "unknown panic payload".to_string()
    };
    Error::new(libc::EFAULT, format!("internal error (panic): {what}"))
}

/// Run an int-returning entry point: `Ok(v)` → v, `Err` / panic → `-errno`.
pub(crate) fn int_call(f: impl FnOnce() -> Result<c_int>) -> c_int {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(v)) => v,
        Ok(Err(e)) => record(&e),
        Err(p) => record(&panic_error(p)),
    }
}

/// Run a pointer-returning entry point: `Err` / panic → NULL with errno set.
pub(crate) fn ptr_call<T>(f: impl FnOnce() -> Result<*mut T>) -> *mut T {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(p)) => p,
        Ok(Err(e)) => {
            record(&e);
            std::ptr::null_mut()
        }
        Err(p) => {
            record(&panic_error(p));
            std::ptr::null_mut()
        }
    }
}

/// Run an entry point returning a plain value (getters): on error errno is set and
/// `fallback` returned, as libbpf's getters return 0 for what they cannot answer.
pub(crate) fn value_call<T>(fallback: T, f: impl FnOnce() -> Result<T>) -> T {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(v)) => v,
        Ok(Err(e)) => {
            record(&e);
            fallback
        }
        Err(p) => {
            record(&panic_error(p));
            fallback
        }
    }
}

/// EINVAL naming the entry point and the bad argument.
pub(crate) fn arg_error(func: &str, what: &str) -> Error {
    Error::new(libc::EINVAL, format!("{func}: {what}"))
}

/// A required C string argument as UTF-8 (names of programs, maps, tracepoints).
///
/// # Safety
/// `p` is NULL or a NUL-terminated string.
pub(crate) unsafe fn arg_str<'a>(func: &str, arg: &str, p: *const c_char) -> Result<&'a str> {
    if p.is_null() {
        return Err(arg_error(func, &format!("{arg} is NULL")));
    }
    // SAFETY: non-NULL and NUL-terminated per the caller's contract.
    let s = unsafe { CStr::from_ptr(p) };
    s.to_str()
        .map_err(|_| arg_error(func, &format!("{arg} is not valid UTF-8")))
}

/// `const char *rbpf_last_error(void)`: the message of the last failed call on this thread.
pub(crate) fn last_error_ptr() -> *const c_char {
    LAST.try_with(|l| l.borrow().message.as_ptr())
        .unwrap_or(c"".as_ptr())
}

/// The verifier log of the last failed call on this thread, or NULL.
pub(crate) fn last_verifier_log_ptr() -> *const c_char {
    LAST.try_with(|l| {
        l.borrow()
            .verifier_log
            .as_ref()
            .map_or(std::ptr::null(), |s| s.as_ptr())
    })
    .unwrap_or(std::ptr::null())
}
