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

// Kernel UAPI flags (6.18) selecting one CPU's slot / every CPU of a per-CPU map value.
const BPF_F_CPU: u64 = 8;
const BPF_F_ALL_CPUS: u64 = 16;

/// libbpf's validate_map_op: created, then key size, then (if given) value size: one slot
/// per possible CPU for per-CPU maps, or exactly value_size with BPF_F_CPU / BPF_F_ALL_CPUS
/// (as the core checks it; the core does not take the caller's value size on lookup).
fn validate_op(m: &Map, key_sz: usize, value_sz: Option<usize>, flags: u64) -> Result<()> {
    if m.fd().is_err() {
        return Err(Error::new(
            libc::ENOENT,
            format!("map '{}': not created (was the object loaded?)", m.name()),
        ));
    }
    if key_sz != m.key_size() as usize {
        return Err(Error::new(
            libc::EINVAL,
            format!(
                "map '{}': unexpected key size {key_sz} provided, expected {}",
                m.name(),
                m.key_size()
            ),
        ));
    }
    let Some(value_sz) = value_sz else {
        return Ok(());
    };
    let cpu_flags = m.is_percpu() && flags & (BPF_F_CPU | BPF_F_ALL_CPUS) != 0;
    let want = if cpu_flags {
        m.value_size() as usize
    } else {
        m.user_value_size()?
    };
    if value_sz == want {
        return Ok(());
    }
    let msg = if m.is_percpu() && !cpu_flags {
        let cpus = rbpf_core::num_possible_cpus()?;
        format!(
            "map '{}': unexpected value size {value_sz} provided for per-CPU map, expected {cpus} * {} = {want}",
            m.name(),
            (m.value_size() as usize).next_multiple_of(8)
        )
    } else if cpu_flags {
        format!(
            "map '{}': unexpected value size {value_sz} provided for either BPF_F_CPU or BPF_F_ALL_CPUS, expected {want}",
            m.name()
        )
    } else {
        format!(
            "map '{}': unexpected value size {value_sz} provided, expected {want}",
            m.name()
        )
    };
    Err(Error::new(libc::EINVAL, msg))
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
        validate_op(m, key_sz, Some(value_sz), flags)?;
        // SAFETY: buffers of the stated sizes (C contract).
        let k = unsafe { bytes(F, "key", key, key_sz) }?;
        let out = unsafe { bytes_mut(F, "value", value, value_sz) }?;
        match m.lookup(k, flags)? {
            Some(v) => {
                let n = v.len().min(out.len());
                out[..n].copy_from_slice(&v[..n]);
                Ok(0)
            }
            None => Err(Error::new(
                libc::ENOENT,
                format!("map '{}': key not found", m.name()),
            )),
        }
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
        validate_op(m, key_sz, Some(value_sz), flags)?;
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
        validate_op(m, key_sz, None, 0)?;
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
        validate_op(m, key_sz, Some(value_sz), flags)?;
        // SAFETY: buffers of the stated sizes (C contract).
        let k = unsafe { bytes(F, "key", key, key_sz) }?;
        let out = unsafe { bytes_mut(F, "value", value, value_sz) }?;
        match m.lookup_and_delete(k, flags)? {
            Some(v) => {
                let n = v.len().min(out.len());
                out[..n].copy_from_slice(&v[..n]);
                Ok(0)
            }
            None => Err(Error::new(
                libc::ENOENT,
                format!("map '{}': key not found", m.name()),
            )),
        }
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
        validate_op(m, key_sz, None, 0)?;
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
