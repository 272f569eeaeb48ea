//! `struct rbpf_map`: a map of an object (borrowed handle), its attributes, element
//! operations and global-data image.

use crate::error::{arg_error, int_call, ptr_call, value_call};
use crate::handles::{get, Handle, Kind};
use crate::object::rbpf_object;
use rbpf_core::{Error, Map, Result};
use std::ffi::{c_char, c_int, c_void, CString};

/// A map of an object (libbpf's `struct bpf_map`). Borrowed: owned by its object and
/// valid until `rbpf_object_close`; never freed by the caller. Element operations on a
/// loaded object's maps may run from several threads at once.
pub struct rbpf_map {
    pub(crate) obj: *mut rbpf_object,
    pub(crate) idx: usize,
    pub(crate) name: CString,
    /// The C copy of the pin path handed out by rbpf_map_pin_path (kept while unchanged).
    pub(crate) pin_path: std::sync::Mutex<Option<CString>>,
}

impl Handle for rbpf_map {
    const KIND: Kind = Kind::Map;
    const C_NAME: &'static str = "rbpf_map";
}

impl rbpf_map {
    fn stale(&self) -> Error {
        Error::new(
            libc::EINVAL,
            format!(
                "map '{}': no longer in its object",
                self.name.to_string_lossy()
            ),
        )
    }

    pub(crate) fn core(&self) -> Result<&Map> {
        // SAFETY: a registered map's object is live (closing it unregisters us first).
        let o = unsafe { &*self.obj };
        o.inner.maps().get(self.idx).ok_or_else(|| self.stale())
    }

    #[allow(clippy::mut_from_ref)]
    fn core_mut(&self) -> Result<&mut Map> {
        // SAFETY: as core(); exclusive use while configuring is the caller's contract.
        let o = unsafe { &mut *self.obj };
        let err = self.stale();
        o.inner.maps_mut().get_mut(self.idx).ok_or(err)
    }
}

unsafe fn map<'a>(f: &str, m: *const rbpf_map) -> Result<&'a rbpf_map> {
    // SAFETY: forwarded; the registry rejects anything that is not a live map.
    unsafe { get(f, "map", m) }
}

/// 0 when an operation into a caller buffer found its key, else ENOENT naming the map.
fn found_or_enoent(m: &Map, found: bool) -> Result<c_int> {
    if found {
        Ok(0)
    } else {
        Err(Error::new(libc::ENOENT, format!("map '{}': key not found", m.name())))
    }
}

/// A byte slice from a C buffer; NULL only with size 0.
unsafe fn bytes<'a>(f: &str, what: &str, p: *const c_void, n: usize) -> Result<&'a [u8]> {
    if n == 0 {
        return Ok(&[]);
    }
    if p.is_null() {
        return Err(arg_error(f, &format!("{what} is NULL")));
    }
    // SAFETY: the caller gives n readable bytes at p (C contract).
    Ok(unsafe { std::slice::from_raw_parts(p.cast::<u8>(), n) })
}

unsafe fn bytes_mut<'a>(f: &str, what: &str, p: *mut c_void, n: usize) -> Result<&'a mut [u8]> {
    if n == 0 {
        return Ok(&mut []);
    }
    if p.is_null() {
        return Err(arg_error(f, &format!("{what} is NULL")));
    }
    // SAFETY: the caller gives n writable bytes at p (C contract).
    Ok(unsafe { std::slice::from_raw_parts_mut(p.cast::<u8>(), n) })
}

/// The map's name (internal maps: ".rodata", ".bss", ...), owned by the object.
#[no_mangle]
pub unsafe extern "C" fn rbpf_map_name(map: *const rbpf_map) -> *const c_char {
    ptr_call(|| {
        Ok(unsafe { self::map("rbpf_map_name", map) }?
            .name
            .as_ptr()
            .cast_mut())
    })
}

/// The map type (`enum bpf_map_type`).
#[no_mangle]
pub unsafe extern "C" fn rbpf_map_type(map: *const rbpf_map) -> u32 {
    value_call(0, || {
        Ok(unsafe { self::map("rbpf_map_type", map) }?
            .core()?
            .map_type())
    })
}

/// Key size in bytes.
#[no_mangle]
pub unsafe extern "C" fn rbpf_map_key_size(map: *const rbpf_map) -> u32 {
    value_call(0, || {
        Ok(unsafe { self::map("rbpf_map_key_size", map) }?
            .core()?
            .key_size())
    })
}

/// Value size in bytes (of one CPU's slot for per-CPU maps).
#[no_mangle]
pub unsafe extern "C" fn rbpf_map_value_size(map: *const rbpf_map) -> u32 {
    value_call(0, || {
        Ok(unsafe { self::map("rbpf_map_value_size", map) }?
            .core()?
            .value_size())
    })
}

/// Set the value size before load. 0, or -EBUSY once created.
#[no_mangle]
pub unsafe extern "C" fn rbpf_map_set_value_size(map: *mut rbpf_map, size: u32) -> c_int {
    int_call(|| {
        unsafe { self::map("rbpf_map_set_value_size", map) }?
            .core_mut()?
            .set_value_size(size)?;
        Ok(0)
    })
}

/// Maximum number of entries.
#[no_mangle]
pub unsafe extern "C" fn rbpf_map_max_entries(map: *const rbpf_map) -> u32 {
    value_call(0, || {
        Ok(unsafe { self::map("rbpf_map_max_entries", map) }?
            .core()?
            .max_entries())
    })
}

/// Set max_entries before load. 0, or -EBUSY once created.
#[no_mangle]
pub unsafe extern "C" fn rbpf_map_set_max_entries(map: *mut rbpf_map, max_entries: u32) -> c_int {
    int_call(|| {
        unsafe { self::map("rbpf_map_set_max_entries", map) }?
            .core_mut()?
            .set_max_entries(max_entries)?;
        Ok(0)
    })
}

/// BPF_F_* map creation flags.
#[no_mangle]
pub unsafe extern "C" fn rbpf_map_map_flags(map: *const rbpf_map) -> u32 {
    value_call(0, || {
        Ok(unsafe { self::map("rbpf_map_map_flags", map) }?
            .core()?
            .map_flags())
    })
}

/// Set BPF_F_* map creation flags before load. 0, or -EBUSY once created.
#[no_mangle]
pub unsafe extern "C" fn rbpf_map_set_map_flags(map: *mut rbpf_map, flags: u32) -> c_int {
    int_call(|| {
        unsafe { self::map("rbpf_map_set_map_flags", map) }?
            .core_mut()?
            .set_map_flags(flags)?;
        Ok(0)
    })
}

/// The map fd once created (after load); -EINVAL before.
#[no_mangle]
pub unsafe extern "C" fn rbpf_map_fd(map: *const rbpf_map) -> c_int {
    int_call(|| unsafe { self::map("rbpf_map_fd", map) }?.core()?.fd())
}

/// Whether the map holds global data (.data, .rodata, .bss, .kconfig, custom sections).
#[no_mangle]
pub unsafe extern "C" fn rbpf_map_is_internal(map: *const rbpf_map) -> bool {
    value_call(false, || {
        Ok(unsafe { self::map("rbpf_map_is_internal", map) }?
            .core()?
            .is_internal())
    })
}

/// Look up `key` (`key_sz` bytes) and copy its value into `value` (`value_sz` bytes:
/// the value size, or for per-CPU maps roundup(value_size, 8) * rbpf_num_possible_cpus()).
/// 0, -ENOENT when the key is absent, -EINVAL (message naming the map) when a size is wrong.
#[no_mangle]
pub unsafe extern "C" fn rbpf_map_lookup_elem(
    map: *const rbpf_map,
    key: *const c_void,
    key_sz: usize,
    value: *mut c_void,
    value_sz: usize,
    flags: u64,
) -> c_int {
    const F: &str = "rbpf_map_lookup_elem";
    int_call(|| {
        let m = unsafe { self::map(F, map) }?.core()?;
        // SAFETY: buffers of the stated sizes (C contract).
        let k = unsafe { bytes(F, "key", key, key_sz) }?;
        let out = unsafe { bytes_mut(F, "value", value, value_sz) }?;
        found_or_enoent(m, m.lookup_into(k, out, flags)?)
    })
}

/// Create or update the element `key` with `value` (flags: BPF_ANY, BPF_NOEXIST,
/// BPF_EXIST, BPF_F_LOCK). 0 or a negative errno.
#[no_mangle]
pub unsafe extern "C" fn rbpf_map_update_elem(
    map: *const rbpf_map,
    key: *const c_void,
    key_sz: usize,
    value: *const c_void,
    value_sz: usize,
    flags: u64,
) -> c_int {
    const F: &str = "rbpf_map_update_elem";
    int_call(|| {
        let m = unsafe { self::map(F, map) }?.core()?;
        // SAFETY: buffers of the stated sizes (C contract).
        let k = unsafe { bytes(F, "key", key, key_sz) }?;
        let v = unsafe { bytes(F, "value", value, value_sz) }?;
        m.update(k, v, flags)?;
        Ok(0)
    })
}

/// Delete the element `key`. 0, -ENOENT when absent.
#[no_mangle]
pub unsafe extern "C" fn rbpf_map_delete_elem(
    map: *const rbpf_map,
    key: *const c_void,
    key_sz: usize,
    flags: u64,
) -> c_int {
    const F: &str = "rbpf_map_delete_elem";
    int_call(|| {
        let m = unsafe { self::map(F, map) }?.core()?;
        // SAFETY: a buffer of the stated size (C contract).
        let k = unsafe { bytes(F, "key", key, key_sz) }?;
        m.delete(k, flags)?;
        Ok(0)
    })
}

/// Look up `key`, copy its value into `value` and delete it. 0, -ENOENT when absent.
#[no_mangle]
pub unsafe extern "C" fn rbpf_map_lookup_and_delete_elem(
    map: *const rbpf_map,
    key: *const c_void,
    key_sz: usize,
    value: *mut c_void,
    value_sz: usize,
    flags: u64,
) -> c_int {
    const F: &str = "rbpf_map_lookup_and_delete_elem";
    int_call(|| {
        let m = unsafe { self::map(F, map) }?.core()?;
        // SAFETY: buffers of the stated sizes (C contract).
        let k = unsafe { bytes(F, "key", key, key_sz) }?;
        let out = unsafe { bytes_mut(F, "value", value, value_sz) }?;
        found_or_enoent(m, m.lookup_and_delete_into(k, out, flags)?)
    })
}

/// Write into `next_key` the key after `cur_key` (NULL: the first key). 0, or -ENOENT
/// after the last key.
#[no_mangle]
pub unsafe extern "C" fn rbpf_map_get_next_key(
    map: *const rbpf_map,
    cur_key: *const c_void,
    next_key: *mut c_void,
    key_sz: usize,
) -> c_int {
    const F: &str = "rbpf_map_get_next_key";
    int_call(|| {
        let m = unsafe { self::map(F, map) }?.core()?;
        m.check_op_sizes(key_sz, None, 0)?;
        if next_key.is_null() {
            return Err(arg_error(F, "next_key is NULL"));
        }
        // SAFETY: buffers of key_sz bytes (C contract).
        let cur = if cur_key.is_null() {
            None
        } else {
            Some(unsafe { bytes(F, "cur_key", cur_key, key_sz) }?)
        };
        let out = unsafe { bytes_mut(F, "next_key", next_key, key_sz) }?;
        match m.next_key(cur)? {
            Some(k) => {
                let n = k.len().min(out.len());
                out[..n].copy_from_slice(&k[..n]);
                Ok(0)
            }
            None => Err(Error::new(
                libc::ENOENT,
                format!("map '{}': no more keys", m.name()),
            )),
        }
    })
}

/// The global-data image of an internal map (.data, .rodata, .bss, ...): before load
/// the initial image (writable: set variables there), after load the live mmap
/// (`.rodata` read-only). `*psize` (if not NULL) receives its size. NULL with errno
/// EINVAL for maps that hold no global data. Valid until `rbpf_object_close`.
#[no_mangle]
pub unsafe extern "C" fn rbpf_map_initial_value(
    map: *const rbpf_map,
    psize: *mut usize,
) -> *mut c_void {
    const F: &str = "rbpf_map_initial_value";
    ptr_call(|| {
        let m = unsafe { self::map(F, map) }?.core()?;
        let (p, n) = m.initial_value_ptr();
        if p.is_null() {
            let why = if m.is_internal() {
                "its global data is not mmap-able after load"
            } else {
                "not a global-data map"
            };
            return Err(Error::new(
                libc::EINVAL,
                format!("map '{}': {why}", m.name()),
            ));
        }
        if !psize.is_null() {
            // SAFETY: a non-NULL psize points to a size_t (C contract).
            unsafe { psize.write(n) };
        }
        Ok(p.cast::<c_void>())
    })
}

/// Replace the whole initial image before load; `size` must equal the value size.
/// 0, -EINVAL for a wrong size, -EBUSY after load.
#[no_mangle]
pub unsafe extern "C" fn rbpf_map_set_initial_value(
    map: *mut rbpf_map,
    data: *const c_void,
    size: usize,
) -> c_int {
    const F: &str = "rbpf_map_set_initial_value";
    int_call(|| {
        let h = unsafe { self::map(F, map) }?;
        // SAFETY: size readable bytes (C contract).
        let d = unsafe { bytes(F, "data", data, size) }?;
        h.core_mut()?.set_initial_value(d)?;
        Ok(0)
    })
}

// ---- pinning, reuse, map-in-map, freeze (issue 5) ------------------------------------

/// An optional path argument: NULL → None.
unsafe fn opt_path<'a>(f: &str, p: *const c_char) -> Result<Option<&'a str>> {
    if p.is_null() {
        return Ok(None);
    }
    // SAFETY: non-NULL C string per contract.
    unsafe { crate::error::arg_str(f, "path", p) }.map(Some)
}

/// Pin the loaded map at `path` (NULL: its pin path). -EINVAL when both are missing or
/// they differ; pinning again at the same path is a no-op.
#[no_mangle]
pub unsafe extern "C" fn rbpf_map_pin(map: *mut rbpf_map, path: *const c_char) -> c_int {
    const F: &str = "rbpf_map_pin";
    int_call(|| {
        let h = unsafe { self::map(F, map) }?;
        let p = unsafe { opt_path(F, path) }?;
        h.core_mut()?.pin(p)?;
        Ok(0)
    })
}

/// Remove the pin at `path` (NULL: the pin path). -EINVAL when they differ.
#[no_mangle]
pub unsafe extern "C" fn rbpf_map_unpin(map: *mut rbpf_map, path: *const c_char) -> c_int {
    const F: &str = "rbpf_map_unpin";
    int_call(|| {
        let h = unsafe { self::map(F, map) }?;
        let p = unsafe { opt_path(F, path) }?;
        h.core_mut()?.unpin(p)?;
        Ok(0)
    })
}

/// Whether the map is pinned (by load, rbpf_map_pin, or reused from a pin).
#[no_mangle]
pub unsafe extern "C" fn rbpf_map_is_pinned(map: *const rbpf_map) -> bool {
    value_call(false, || Ok(unsafe { self::map("rbpf_map_is_pinned", map) }?.core()?.is_pinned()))
}

/// The pin path (set by LIBBPF_PIN_BY_NAME + pin_root_path, rbpf_map_set_pin_path or
/// rbpf_map_pin), or NULL. Valid until the pin path changes or the object is closed.
#[no_mangle]
pub unsafe extern "C" fn rbpf_map_pin_path(map: *const rbpf_map) -> *const c_char {
    const F: &str = "rbpf_map_pin_path";
    value_call(std::ptr::null(), || {
        let h = unsafe { self::map(F, map) }?;
        let Some(p) = h.core()?.pin_path() else {
            return Ok(std::ptr::null());
        };
        let mut slot = h.pin_path.lock().unwrap_or_else(|e| e.into_inner());
        if slot.as_ref().map(|c| c.as_bytes()) != Some(p.as_bytes()) {
            *slot = Some(crate::error::cstring(p));
        }
        Ok(slot.as_ref().map_or(std::ptr::null(), |c| c.as_ptr()))
    })
}

/// Set (or with NULL clear) the path load pins the map at. -EBUSY when the map is
/// pinned elsewhere already.
#[no_mangle]
pub unsafe extern "C" fn rbpf_map_set_pin_path(map: *mut rbpf_map, path: *const c_char) -> c_int {
    const F: &str = "rbpf_map_set_pin_path";
    int_call(|| {
        let h = unsafe { self::map(F, map) }?;
        let p = unsafe { opt_path(F, path) }?;
        h.core_mut()?.set_pin_path(p)?;
        Ok(0)
    })
}

/// Before load: use the existing map `fd` (dup'ed) instead of creating this one; its
/// type, sizes and flags come from the kernel. -EBUSY after load.
#[no_mangle]
pub unsafe extern "C" fn rbpf_map_reuse_fd(map: *mut rbpf_map, fd: c_int) -> c_int {
    const F: &str = "rbpf_map_reuse_fd";
    int_call(|| {
        unsafe { self::map(F, map) }?.core_mut()?.reuse_fd(fd)?;
        Ok(0)
    })
}

/// Before load: use the map `fd` as this map-in-map's inner-map template. -EINVAL for
/// a map that is not a map-in-map or when set twice.
#[no_mangle]
pub unsafe extern "C" fn rbpf_map_set_inner_map_fd(map: *mut rbpf_map, fd: c_int) -> c_int {
    const F: &str = "rbpf_map_set_inner_map_fd";
    int_call(|| {
        unsafe { self::map(F, map) }?.core_mut()?.set_inner_map_fd(fd)?;
        Ok(0)
    })
}

/// Freeze the loaded map: user space can no longer write it (BPF_MAP_FREEZE). -EBUSY
/// while it is mmap'd writable.
#[no_mangle]
pub unsafe extern "C" fn rbpf_map_freeze(map: *const rbpf_map) -> c_int {
    const F: &str = "rbpf_map_freeze";
    int_call(|| {
        unsafe { self::map(F, map) }?.core()?.freeze()?;
        Ok(0)
    })
}

// ---- batch operations ----------------------------------------------------------------

fn batch_opts(p: *const crate::opts_gen::rbpf_map_batch_opts) -> Result<rbpf_core::opts::MapBatchOpts> {
    // SAFETY: p is NULL or a valid options struct (C contract).
    unsafe { crate::opts_gen::rbpf_map_batch_opts::to_core(p) }
}

unsafe fn read_count(f: &str, count: *mut u32) -> Result<u32> {
    if count.is_null() {
        return Err(arg_error(f, "count is NULL"));
    }
    // SAFETY: non-NULL, points to a u32 (C contract).
    Ok(unsafe { count.read() })
}

/// Result convention of libbpf's batch calls: *count = elements processed; the end of
/// the map (or a missing key for delete) is -ENOENT with *count still set.
fn batch_result(count: *mut u32, r: Result<(u32, bool)>) -> Result<c_int> {
    let (n, done) = match r {
        Ok(v) => v,
        Err(e) => {
            // SAFETY: count was checked non-NULL by read_count.
            unsafe { count.write(0) };
            return Err(e);
        }
    };
    // SAFETY: count was checked non-NULL by read_count.
    unsafe { count.write(n) };
    if done {
        return Err(Error::new(libc::ENOENT, "batch: no more elements".to_string()));
    }
    Ok(0)
}

#[allow(clippy::too_many_arguments)]
pub(crate) unsafe fn sys_lookup_batch(
    f: &str,
    delete: bool,
    m: &Map,
    in_batch: *mut c_void,
    out_batch: *mut c_void,
    keys: *mut c_void,
    values: *mut c_void,
    count: *mut u32,
    opts: *const crate::opts_gen::rbpf_map_batch_opts,
) -> Result<c_int> {
    let n = unsafe { read_count(f, count) }?;
    let o = batch_opts(opts)?;
    let tok = (m.key_size() as usize).max(4);
    let ks = m.key_size() as usize * n as usize;
    let vs = m.user_value_size()? * n as usize;
    // SAFETY: the C caller provides key_size*count / value_size*count / position bytes.
    let keys = unsafe { bytes_mut(f, "keys", keys, ks) }?;
    let values = unsafe { bytes_mut(f, "values", values, vs) }?;
    let out = unsafe { bytes_mut(f, "out_batch", out_batch, tok) }?;
    let inb = if in_batch.is_null() {
        None
    } else {
        Some(&*unsafe { bytes_mut(f, "in_batch", in_batch, tok) }?)
    };
    let r = if delete {
        m.lookup_and_delete_batch_raw(inb, out, keys, values, n, &o)
    } else {
        m.lookup_batch_raw(inb, out, keys, values, n, &o)
    };
    batch_result(count, r.map(|r| (r.count, r.done)))
}

/// Look up `*count` elements from position `in_batch` (NULL: the start) into `keys` and
/// `values` (per-CPU maps: one 8-byte-aligned slot per possible CPU per value); the next
/// position goes to `out_batch` (key_size bytes, at least 4). *count = elements read;
/// -ENOENT once the end is reached (with *count set). As libbpf's bpf_map_lookup_batch.
#[no_mangle]
pub unsafe extern "C" fn rbpf_map_lookup_batch(
    map: *const rbpf_map,
    in_batch: *mut c_void,
    out_batch: *mut c_void,
    keys: *mut c_void,
    values: *mut c_void,
    count: *mut u32,
    opts: *const crate::opts_gen::rbpf_map_batch_opts,
) -> c_int {
    const F: &str = "rbpf_map_lookup_batch";
    int_call(|| {
        let m = unsafe { self::map(F, map) }?.core()?;
        unsafe { sys_lookup_batch(F, false, m, in_batch, out_batch, keys, values, count, opts) }
    })
}

/// As rbpf_map_lookup_batch, deleting the elements returned.
#[no_mangle]
pub unsafe extern "C" fn rbpf_map_lookup_and_delete_batch(
    map: *const rbpf_map,
    in_batch: *mut c_void,
    out_batch: *mut c_void,
    keys: *mut c_void,
    values: *mut c_void,
    count: *mut u32,
    opts: *const crate::opts_gen::rbpf_map_batch_opts,
) -> c_int {
    const F: &str = "rbpf_map_lookup_and_delete_batch";
    int_call(|| {
        let m = unsafe { self::map(F, map) }?.core()?;
        unsafe { sys_lookup_batch(F, true, m, in_batch, out_batch, keys, values, count, opts) }
    })
}

/// Update `*count` key/value pairs (opts->elem_flags: BPF_ANY, BPF_NOEXIST, ...).
/// *count = elements updated, also on error.
#[no_mangle]
pub unsafe extern "C" fn rbpf_map_update_batch(
    map: *const rbpf_map,
    keys: *const c_void,
    values: *const c_void,
    count: *mut u32,
    opts: *const crate::opts_gen::rbpf_map_batch_opts,
) -> c_int {
    const F: &str = "rbpf_map_update_batch";
    int_call(|| {
        let m = unsafe { self::map(F, map) }?.core()?;
        unsafe { sys_update_batch(F, m, keys, values, count, opts) }
    })
}

/// Delete `*count` keys. *count = keys deleted; -ENOENT at the first missing key.
#[no_mangle]
pub unsafe extern "C" fn rbpf_map_delete_batch(
    map: *const rbpf_map,
    keys: *const c_void,
    count: *mut u32,
    opts: *const crate::opts_gen::rbpf_map_batch_opts,
) -> c_int {
    const F: &str = "rbpf_map_delete_batch";
    int_call(|| {
        let m = unsafe { self::map(F, map) }?.core()?;
        unsafe { sys_delete_batch(F, m, keys, count, opts) }
    })
}

pub(crate) unsafe fn sys_update_batch(
    f: &str,
    m: &Map,
    keys: *const c_void,
    values: *const c_void,
    count: *mut u32,
    opts: *const crate::opts_gen::rbpf_map_batch_opts,
) -> Result<c_int> {
    let n = unsafe { read_count(f, count) }?;
    let o = batch_opts(opts)?;
    // SAFETY: key_size*count / value_size*count readable bytes (C contract).
    let k = unsafe { bytes(f, "keys", keys, m.key_size() as usize * n as usize) }?;
    let v = unsafe { bytes(f, "values", values, m.user_value_size()? * n as usize) }?;
    batch_result(count, m.update_batch_raw(k, v, n, &o).map(|c| (c, false)))
}

pub(crate) unsafe fn sys_delete_batch(
    f: &str,
    m: &Map,
    keys: *const c_void,
    count: *mut u32,
    opts: *const crate::opts_gen::rbpf_map_batch_opts,
) -> Result<c_int> {
    let n = unsafe { read_count(f, count) }?;
    let o = batch_opts(opts)?;
    // SAFETY: key_size*count readable bytes (C contract).
    let k = unsafe { bytes(f, "keys", keys, m.key_size() as usize * n as usize) }?;
    let r = m.delete_batch_raw(k, n, &o).map(|r| (r.count, r.done && r.count < n));
    batch_result(count, r)
}
