//! librbpf: the C ABI of rbpf (`include/rbpf.h`). Thin adapters over rbpf-core: argument
//! conversion, error reporting, panics caught at every entry point.
//!
//! Conventions (rbpf.h says them to C users too):
//! - int functions return 0 / a count on success, `-errno` on failure and set `errno`;
//!   pointer functions return NULL and set `errno`; `rbpf_last_error()` has the message.
//! - Every handle pointer is checked against a registry of live handles: NULL, closed or
//!   wrong-kind handles give EINVAL, never a crash.
//! - A panic inside the library becomes -EFAULT (or NULL + EFAULT) with its message.
#![allow(non_camel_case_types)]
#![allow(clippy::missing_safety_doc)]

mod attach;
mod btf;
mod error;
mod events;
mod handles;
mod link;
mod log;
mod map;
mod object;
mod opts;
#[rustfmt::skip]
mod opts_gen;
mod program;
mod ringbuf;
mod sysfd;

pub use attach::*;
pub use btf::*;
pub use events::*;
pub use link::*;
pub use log::*;
pub use map::*;
pub use object::*;
pub use opts_gen::*;
pub use program::*;
pub use ringbuf::*;
pub use sysfd::*;

use error::{int_call, value_call};
use std::ffi::{c_char, c_int};

/// The message of the last failed rbpf call on the calling thread ("" if none). Valid
/// until the next failing call on this thread.
#[no_mangle]
pub extern "C" fn rbpf_last_error() -> *const c_char {
    error::last_error_ptr()
}

/// The verifier log of the last failed call on this thread when it was a verifier
/// rejection, else NULL. Valid until the next failing call on this thread.
#[no_mangle]
pub extern "C" fn rbpf_last_verifier_log() -> *const c_char {
    error::last_verifier_log_ptr()
}

/// Write the description of error `err` (either sign) into `buf` (`size` bytes,
/// NUL-terminated, truncated to fit). 0, or -EINVAL for a NULL buffer or size 0.
#[no_mangle]
pub unsafe extern "C" fn rbpf_strerror(err: c_int, buf: *mut c_char, size: usize) -> c_int {
    int_call(|| {
        if buf.is_null() || size == 0 {
            return Err(error::arg_error(
                "rbpf_strerror",
                "buf is NULL or size is 0",
            ));
        }
        let e = err.checked_abs().unwrap_or(c_int::MAX);
        let desc = std::io::Error::from_raw_os_error(e).to_string();
        // "No such file or directory (os error 2)" → "No such file or directory (ENOENT)"
        let desc = desc.split(" (os error").next().unwrap_or(&desc).to_string();
        let text = match rbpf_core::error::errno_name(e) {
            "EUNKNOWN" => desc,
            name => format!("{desc} ({name})"),
        };
        let n = text.len().min(size - 1);
        // SAFETY: buf has `size` bytes (C contract); we write n + 1 ≤ size.
        unsafe {
            std::ptr::copy_nonoverlapping(text.as_ptr(), buf.cast::<u8>(), n);
            buf.add(n).write(0);
        }
        Ok(0)
    })
}

/// Number of possible CPUs (the slots of a per-CPU map value), or a negative errno.
#[no_mangle]
pub extern "C" fn rbpf_num_possible_cpus() -> c_int {
    int_call(|| Ok(rbpf_core::num_possible_cpus()?.min(c_int::MAX as usize) as c_int))
}

/// The library version as "MAJOR.MINOR.PATCH".
#[no_mangle]
pub extern "C" fn rbpf_version_string() -> *const c_char {
    value_call(std::ptr::null(), || {
        Ok(concat!(env!("CARGO_PKG_VERSION"), "\0")
            .as_ptr()
            .cast::<c_char>())
    })
}

/// Panics inside the library on purpose: proves the panic boundary (returns -EFAULT
/// with the panic message in rbpf_last_error). Only with the `test-panic` feature.
#[cfg(feature = "test-panic")]
#[no_mangle]
pub extern "C" fn rbpf_test_panic() -> c_int {
    int_call(|| panic!("rbpf_test_panic: deliberate panic"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::CStr;

    fn last() -> String {
        // SAFETY: rbpf_last_error returns a valid C string.
        unsafe { CStr::from_ptr(rbpf_last_error()) }
            .to_string_lossy()
            .into_owned()
    }

    fn errno() -> i32 {
        std::io::Error::last_os_error().raw_os_error().unwrap_or(0)
    }

    #[test]
    fn panic_becomes_efault_with_message() {
        let r = error::int_call(|| panic!("deliberate test panic"));
        assert_eq!(r, -libc::EFAULT);
        assert_eq!(errno(), libc::EFAULT);
        assert!(last().contains("deliberate test panic"), "{}", last());
        let p: *mut u8 = error::ptr_call(|| panic!("second {}", 2));
        assert!(p.is_null());
        assert!(last().contains("second 2"));
        assert_eq!(error::value_call(7u32, || panic!("x")), 7);
    }

    #[test]
    fn opts_validation_is_opts_valid() {
        #[repr(C)]
        struct Bigger {
            o: rbpf_object_open_opts,
            extra: u64,
        }
        fn conv(b: &Bigger) -> rbpf_core::Result<rbpf_core::ObjectOpenOpts> {
            // SAFETY: `b` has size_of::<Bigger>() (64) readable bytes, the most sz claims here.
            unsafe { rbpf_object_open_opts::to_core((b as *const Bigger).cast()) }
        }
        // SAFETY: all-zero is a valid rbpf_object_open_opts (NULL strings, false, 0).
        let mut b: Bigger = unsafe { std::mem::zeroed() };
        // NULL → defaults
        // SAFETY: NULL is accepted.
        assert!(unsafe { rbpf_object_open_opts::to_core(std::ptr::null()) }.is_ok());
        for (sz, ok) in [
            (0, false),
            (7, false),
            (8, true),
            (20, true),
            (56, true),
            (64, true),
        ] {
            b.o.sz = sz;
            let r = conv(&b);
            assert_eq!(r.is_ok(), ok, "sz {sz}");
            if !ok {
                assert_eq!(
                    r.unwrap_err().message(),
                    format!("rbpf_object_open_opts size ({sz}) is too small")
                );
            }
        }
        b.o.sz = 64;
        b.extra = 1;
        let e = conv(&b).unwrap_err();
        assert_eq!(
            (e.errno(), e.message()),
            (
                libc::EINVAL,
                "rbpf_object_open_opts has non-zero extra bytes"
            )
        );
        b.extra = 0;
        b.o._reserved[3] = 1; // tail padding after the last field is checked too
        b.o.sz = 56;
        assert!(conv(&b).is_err());
        b.o.sz = 52; // ends at the last field: the padding is not read
        assert!(conv(&b).is_ok());
        b.o._reserved[3] = 0;
        // Fields past sz keep their defaults; a C bool of 2 reads as true.
        b.o.object_name = c"named".as_ptr();
        b.o.kernel_log_level = 2;
        // SAFETY: writing a byte of 2 into the bool slot models a C caller; the field is
        // never read as a Rust bool afterwards (to_core reads it as a byte).
        unsafe { *((&mut b.o.relaxed_maps) as *mut bool as *mut u8) = 2 };
        b.o.sz = 16;
        let o = conv(&b).unwrap();
        assert_eq!(
            (o.object_name.as_deref(), o.relaxed_maps, o.kernel_log_level),
            (Some("named"), false, 0)
        );
        b.o.sz = 56;
        let o = conv(&b).unwrap();
        assert_eq!((o.relaxed_maps, o.kernel_log_level), (true, 2));
    }
}
