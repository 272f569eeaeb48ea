//! C OPTS validation (libbpf's OPTS_VALID / OPTS_HAS rules, generated in
//! ffi-c/src/opts_gen.rs), through the C entry points that read options before touching
//! the kernel: rbpf_object_open_mem (rbpf_object_open_opts) and rbpf_ring_buffer_new
//! (rbpf_ring_buffer_opts). The struct's `sz` and bytes come from the input; pointer
//! fields are replaced by NULL or by NUL-terminated strings from the input (a C caller
//! can't pass anything else). The outcome is checked against the rules:
//! sz < 8 → EINVAL "too small"; non-zero bytes in [last_end, sz) → EINVAL
//! "non-zero extra bytes"; else no OPTS error.
//! (The attach entry points check their program handle first, so they need a loaded
//! program and a kernel: not fuzzed here.)
//!
//! Input: u8 selector, u16 sz, then the struct bytes, then strings separated by NUL.
#![no_main]

#[path = "common/mod.rs"]
mod common;

use libfuzzer_sys::fuzz_target;
use rbpf::*;
use std::ffi::{c_void, CStr, CString};
use std::mem::{offset_of, size_of};

/// A small valid object to open (the options are what is fuzzed).
static OBJ: &[u8] = include_bytes!("../data/opts_obj.bpf.o");

fn errno() -> i32 {
    std::io::Error::last_os_error().raw_os_error().unwrap_or(0)
}

fn last_error() -> String {
    // SAFETY: rbpf_last_error returns a valid NUL-terminated string (possibly "").
    unsafe { CStr::from_ptr(rbpf_last_error()) }.to_string_lossy().into_owned()
}

/// What the OPTS rules say about these bytes: Some(fragment of the message) if invalid.
fn expected_opts_error(buf: &[u8], sz: usize, last_end: usize) -> Option<&'static str> {
    if sz < size_of::<usize>() {
        return Some("is too small");
    }
    if sz > last_end && buf[last_end..sz].iter().any(|&b| b != 0) {
        return Some("has non-zero extra bytes");
    }
    None
}

fn check_outcome(ok: bool, expected: Option<&str>, what: &str, strings_valid: bool) {
    let e = errno();
    let msg = last_error();
    assert!(!msg.contains("panic"), "{what}: panic crossed into an error: {msg}");
    match expected {
        Some(frag) => {
            assert!(!ok, "{what}: invalid options accepted (expected '{frag}')");
            assert_eq!(e, libc::EINVAL, "{what}: errno {e} for invalid options: {msg}");
            assert!(msg.contains(frag), "{what}: message '{msg}' doesn't say '{frag}'");
        }
        None if !ok => {
            assert!(e > 0, "{what}: failure without errno: {msg}");
            assert!(!msg.is_empty(), "{what}: failure without a message");
            // Valid sz and tail: the only OPTS complaint left is a string's encoding.
            if strings_valid {
                assert!(!msg.contains("size (") && !msg.contains("extra bytes"), "{what}: valid options rejected: {msg}");
            }
        }
        None => {}
    }
}

fuzz_target!(|data: &[u8]| {
    common::quiet();
    if data.len() < 3 {
        return;
    }
    let sel = data[0];
    let sz = u16::from_le_bytes([data[1], data[2]]) as usize % 512;
    let body_len = sz.min(data.len() - 3);
    let body = &data[3..3 + body_len];
    let strings: Vec<CString> = data[3 + body_len..]
        .split(|&b| b == 0)
        .take(8)
        .map(|s| CString::new(s).unwrap_or_default())
        .collect();
    // The struct as the caller lays it out: sz bytes (at least sizeof, so every field is
    // addressable), rest zero; 8-byte aligned.
    let words = sz.max(64).div_ceil(8) + 1;
    let mut storage = vec![0u64; words];
    // SAFETY: viewing the u64 buffer as bytes (same allocation, length in bytes).
    let buf: &mut [u8] = unsafe { std::slice::from_raw_parts_mut(storage.as_mut_ptr().cast::<u8>(), words * 8) };
    buf[..body.len()].copy_from_slice(body);
    buf[..8].copy_from_slice(&sz.to_ne_bytes());

    if sel & 1 == 0 {
        // rbpf_object_open_opts: pointer fields hold NULL or one of the strings.
        let ptr_fields = [
            offset_of!(rbpf_object_open_opts, object_name),
            offset_of!(rbpf_object_open_opts, pin_root_path),
            offset_of!(rbpf_object_open_opts, kconfig),
            offset_of!(rbpf_object_open_opts, btf_custom_path),
        ];
        let mut strings_valid = true;
        for (i, &off) in ptr_fields.iter().enumerate() {
            let pick = (sel >> 1).wrapping_add(i as u8 * 3) as usize % (strings.len() + 1);
            let p: *const i8 = if pick == 0 || strings.is_empty() { std::ptr::null() } else { strings[pick - 1].as_ptr() };
            if !p.is_null() && off + 8 <= sz && strings[pick - 1].to_str().is_err() {
                strings_valid = false;
            }
            buf[off..off + 8].copy_from_slice(&(p as usize).to_ne_bytes());
        }
        let last_end = offset_of!(rbpf_object_open_opts, kernel_log_level) + 4;
        let expected = expected_opts_error(buf, sz, last_end);
        // SAFETY: OBJ is a valid buffer; the options point to `sz` readable bytes whose
        // string fields are NULL or NUL-terminated.
        let obj = unsafe { rbpf_object_open_mem(OBJ.as_ptr().cast::<c_void>(), OBJ.len(), buf.as_ptr().cast()) };
        check_outcome(!obj.is_null(), expected, "rbpf_object_open_mem", strings_valid);
        if !obj.is_null() {
            // SAFETY: a live object from rbpf_object_open_mem, closed once.
            unsafe { rbpf_object_close(obj) };
        }
    } else {
        let last_end = size_of::<rbpf_ring_buffer_opts>();
        let expected = expected_opts_error(buf, sz, last_end);
        unsafe extern "C" fn cb(_ctx: *mut c_void, _data: *mut c_void, _size: usize) -> i32 {
            0
        }
        // SAFETY: the options point to `sz` readable bytes; fd -1 is never a map.
        let rb = unsafe { rbpf_ring_buffer_new(-1, Some(cb), std::ptr::null_mut(), buf.as_ptr().cast()) };
        // fd -1 always fails after the options were accepted.
        assert!(rb.is_null(), "rbpf_ring_buffer_new(-1) succeeded");
        check_outcome(false, expected, "rbpf_ring_buffer_new", true);
    }
});
