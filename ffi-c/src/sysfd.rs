//! fd-level wrappers of libbpf's bpf.h that issue 5 needs (`bpf_X` → `rbpf_sys_X`): batch
//! operations on any map fd, pinning and opening pinned objects, freezing.

use crate::error::{arg_str, int_call};
use crate::map::{sys_delete_batch, sys_lookup_batch, sys_update_batch};
use crate::opts_gen::rbpf_map_batch_opts;
use rbpf_core::sys;
use rbpf_core::Map;
use std::ffi::{c_char, c_int, c_void};
use std::os::fd::IntoRawFd;

fn fd_map(fd: c_int) -> rbpf_core::Result<Map> {
    Map::from_fd(sys::dup_fd(fd)?)
}

/// bpf_map_lookup_batch on a map fd; see rbpf_map_lookup_batch.
#[no_mangle]
pub unsafe extern "C" fn rbpf_sys_map_lookup_batch(
    fd: c_int,
    in_batch: *mut c_void,
    out_batch: *mut c_void,
    keys: *mut c_void,
    values: *mut c_void,
    count: *mut u32,
    opts: *const rbpf_map_batch_opts,
) -> c_int {
    int_call(|| {
        let m = fd_map(fd)?;
        unsafe { sys_lookup_batch("rbpf_sys_map_lookup_batch", false, &m, in_batch, out_batch, keys, values, count, opts) }
    })
}

/// bpf_map_lookup_and_delete_batch on a map fd.
#[no_mangle]
pub unsafe extern "C" fn rbpf_sys_map_lookup_and_delete_batch(
    fd: c_int,
    in_batch: *mut c_void,
    out_batch: *mut c_void,
    keys: *mut c_void,
    values: *mut c_void,
    count: *mut u32,
    opts: *const rbpf_map_batch_opts,
) -> c_int {
    int_call(|| {
        let m = fd_map(fd)?;
        unsafe { sys_lookup_batch("rbpf_sys_map_lookup_and_delete_batch", true, &m, in_batch, out_batch, keys, values, count, opts) }
    })
}

/// bpf_map_update_batch on a map fd.
#[no_mangle]
pub unsafe extern "C" fn rbpf_sys_map_update_batch(
    fd: c_int,
    keys: *const c_void,
    values: *const c_void,
    count: *mut u32,
    opts: *const rbpf_map_batch_opts,
) -> c_int {
    int_call(|| {
        let m = fd_map(fd)?;
        unsafe { sys_update_batch("rbpf_sys_map_update_batch", &m, keys, values, count, opts) }
    })
}

/// bpf_map_delete_batch on a map fd.
#[no_mangle]
pub unsafe extern "C" fn rbpf_sys_map_delete_batch(
    fd: c_int,
    keys: *const c_void,
    count: *mut u32,
    opts: *const rbpf_map_batch_opts,
) -> c_int {
    int_call(|| {
        let m = fd_map(fd)?;
        unsafe { sys_delete_batch("rbpf_sys_map_delete_batch", &m, keys, count, opts) }
    })
}

/// bpf_map_freeze on a map fd.
#[no_mangle]
pub extern "C" fn rbpf_sys_map_freeze(fd: c_int) -> c_int {
    int_call(|| {
        sys::map_freeze(fd)?;
        Ok(0)
    })
}

/// bpf_obj_pin: pin any BPF object fd (map, program, link) at a bpffs path.
#[no_mangle]
pub unsafe extern "C" fn rbpf_sys_obj_pin(fd: c_int, pathname: *const c_char) -> c_int {
    int_call(|| {
        let p = unsafe { arg_str("rbpf_sys_obj_pin", "pathname", pathname) }?;
        sys::obj_pin(fd, p)?;
        Ok(0)
    })
}

/// bpf_obj_get: a new fd (owned by the caller: close() it) for the object pinned at
/// `pathname`, or a negative errno (-ENOENT when nothing is pinned there).
#[no_mangle]
pub unsafe extern "C" fn rbpf_sys_obj_get(pathname: *const c_char) -> c_int {
    int_call(|| {
        let p = unsafe { arg_str("rbpf_sys_obj_get", "pathname", pathname) }?;
        Ok(sys::obj_get(p)?.into_raw_fd())
    })
}

