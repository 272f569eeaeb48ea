//! `rbpf_set_print`: libbpf's print callback, over the core's printer.

use crate::error::{cstring, int_call};
use rbpf_core::log::{self, PrintLevel};
use std::ffi::{c_char, c_int, CStr};
use std::sync::{Arc, Mutex};

/// Message levels, as libbpf's `enum libbpf_print_level`.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum rbpf_print_level {
    RBPF_WARN = 0,
    RBPF_INFO = 1,
    RBPF_DEBUG = 2,
}

/// A print callback: the level and the finished message ("rbpf: ...", ending in a
/// newline). Its return value is ignored.
pub type rbpf_print_fn_t =
    Option<unsafe extern "C" fn(level: rbpf_print_level, msg: *const c_char) -> c_int>;

/// The library's default printer, handed out by `rbpf_set_print` as the "old" callback
/// so a caller can put it back: warn and info to stderr (RBPF_LOG_LEVEL moves the
/// threshold).
unsafe extern "C" fn default_print(level: rbpf_print_level, msg: *const c_char) -> c_int {
    if msg.is_null() {
        return 0;
    }
    let threshold = match std::env::var("RBPF_LOG_LEVEL").map(|v| v.to_ascii_lowercase()) {
        Ok(v) if v == "warn" => 0,
        Ok(v) if v == "debug" => 2,
        _ => 1,
    };
    if level as i32 <= threshold {
        // SAFETY: the core passes a NUL-terminated message.
        let s = unsafe { CStr::from_ptr(msg) }.to_string_lossy();
        eprint!("{s}");
    }
    0
}

/// The C callback currently installed (Some(default_print) until changed).
fn current() -> &'static Mutex<rbpf_print_fn_t> {
    static CUR: Mutex<rbpf_print_fn_t> = Mutex::new(Some(default_print));
    &CUR
}

fn c_level(l: PrintLevel) -> rbpf_print_level {
    match l {
        PrintLevel::Warn => rbpf_print_level::RBPF_WARN,
        PrintLevel::Info => rbpf_print_level::RBPF_INFO,
        PrintLevel::Debug => rbpf_print_level::RBPF_DEBUG,
    }
}

/// Install `print_fn` as the print callback and return the previous one (initially the
/// library's stderr printer, which can be passed back to restore it). NULL silences
/// every message. Thread-safe.
#[no_mangle]
pub extern "C" fn rbpf_set_print(print_fn: rbpf_print_fn_t) -> rbpf_print_fn_t {
    let mut old = None;
    let _ = int_call(|| {
        let mut cur = current().lock().unwrap_or_else(|e| e.into_inner());
        let default: unsafe extern "C" fn(rbpf_print_level, *const c_char) -> c_int = default_print;
        match print_fn {
            None => {
                log::set_print(None);
            }
            Some(f) if f as usize == default as usize => log::reset_print(),
            Some(f) => {
                log::set_print(Some(Arc::new(move |level: PrintLevel, msg: &str| {
                    let c = cstring(msg);
                    // SAFETY: a C callback given by the caller, called with a valid string.
                    unsafe { f(c_level(level), c.as_ptr()) };
                })));
            }
        }
        old = std::mem::replace(&mut *cur, print_fn);
        Ok(0)
    });
    old
}
