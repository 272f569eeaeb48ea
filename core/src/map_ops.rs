//! Map features beyond single-element operations: batch operations with cursors and
//! iteration over entries, pinning, standalone handles on existing maps (pinned or by
//! fd), reusing a map at load, map-in-map inner fds, freezing and direct mmap access.
//! A child module of `object` (included with #[path]) so it reaches Map's fields.

use super::Map;
use crate::opts::MapBatchOpts;
use crate::sys::{self, BatchResult, MmapRegion};
use crate::uapi::*;
use crate::{bail, obj, Error, Result};
use std::os::fd::{AsRawFd, OwnedFd, RawFd};
use std::sync::atomic::{AtomicU32, AtomicU64};

/// Kernel errnos that mean "this map (or kernel) has no batch operations".
fn no_batch_support(errno: i32) -> bool {
    errno == libc::EINVAL || errno == libc::EOPNOTSUPP || errno == 524 /* ENOTSUPP */
}

/// The position of a batch lookup: start with `BatchCursor::new()`, pass it to each
/// call; `is_done()` once the map has been walked to its end.
#[derive(Clone, Debug, Default)]
pub struct BatchCursor {
    token: Vec<u8>,
    started: bool,
    done: bool,
}

impl BatchCursor {
    pub fn new() -> BatchCursor {
        BatchCursor::default()
    }
    /// True once a call reached the end of the map (further calls return nothing).
    pub fn is_done(&self) -> bool {
        self.done
    }
    /// Start over from the first element.
    pub fn reset(&mut self) {
        *self = BatchCursor::default();
    }
    /// The kernel's opaque position token (for bindings that hand it around).
    pub fn token(&self) -> Option<&[u8]> {
        self.started.then_some(self.token.as_slice())
    }
}

/// Elements returned by a batch lookup: `count` keys and values, packed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Batch {
    pub keys: Vec<u8>,
    pub values: Vec<u8>,
    pub count: usize,
    pub key_size: usize,
    /// Per element (for per-CPU maps: one slot per possible CPU, 8-byte aligned slots).
    pub value_size: usize,
}

impl Batch {
    pub fn len(&self) -> usize {
        self.count
    }
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }
    pub fn key(&self, i: usize) -> Option<&[u8]> {
        (i < self.count).then(|| &self.keys[i * self.key_size..(i + 1) * self.key_size])
    }
    pub fn value(&self, i: usize) -> Option<&[u8]> {
        (i < self.count).then(|| &self.values[i * self.value_size..(i + 1) * self.value_size])
    }
    /// (key, value) pairs.
    pub fn iter(&self) -> impl Iterator<Item = (&[u8], &[u8])> + '_ {
        (0..self.count).filter_map(|i| Some((self.key(i)?, self.value(i)?)))
    }
}

/// Direct access to a BPF_F_MMAPABLE array's values (from [`Map::mmap`]). The mapping
/// keeps the kernel map alive on its own; element `i` lives at `i * elem_size()`.
#[derive(Debug)]
pub struct MapMmap {
    region: MmapRegion,
    elem_size: usize,
    value_size: usize,
    max_entries: usize,
}

impl MapMmap {
    /// Mapped bytes (max_entries * elem_size rounded up to the page size).
    pub fn len(&self) -> usize {
        self.region.len()
    }
    pub fn is_empty(&self) -> bool {
        self.region.is_empty()
    }
    /// The stride of elements: value_size rounded up to 8.
    pub fn elem_size(&self) -> usize {
        self.elem_size
    }
    /// False for frozen maps and maps BPF programs only may write.
    pub fn is_writable(&self) -> bool {
        self.region.is_writable()
    }
    pub fn as_ptr(&self) -> *mut u8 {
        self.region.as_ptr()
    }
    fn elem_off(&self, idx: u32) -> Result<usize> {
        if idx as usize >= self.max_entries {
            bail!(libc::EINVAL, "mmap'd map: index {idx} out of range (max_entries {})", self.max_entries);
        }
        Ok(idx as usize * self.elem_size)
    }
    /// Copy of element `idx` (value_size bytes).
    pub fn get(&self, idx: u32) -> Result<Vec<u8>> {
        self.region.read(self.elem_off(idx)?, self.value_size)
    }
    /// Overwrite element `idx` (value.len() must equal value_size).
    pub fn set(&self, idx: u32, value: &[u8]) -> Result<()> {
        if value.len() != self.value_size {
            bail!(libc::EINVAL, "mmap'd map: value of {} bytes, expected {}", value.len(), self.value_size);
        }
        self.region.write(self.elem_off(idx)?, value)
    }
    pub fn read(&self, offset: usize, len: usize) -> Result<Vec<u8>> {
        self.region.read(offset, len)
    }
    pub fn read_into(&self, offset: usize, buf: &mut [u8]) -> Result<()> {
        self.region.read_into(offset, buf)
    }
    pub fn write(&self, offset: usize, data: &[u8]) -> Result<()> {
        self.region.write(offset, data)
    }
    /// The u64 at byte `offset` (8-aligned), shared with BPF programs.
    pub fn atomic_u64(&self, offset: usize) -> Result<&AtomicU64> {
        self.region.atomic_u64(offset)
    }
    pub fn atomic_u32(&self, offset: usize) -> Result<&AtomicU32> {
        self.region.atomic_u32(offset)
    }
    pub fn read_u64(&self, offset: usize) -> Result<u64> {
        let mut b = [0u8; 8];
        self.region.read_into(offset, &mut b)?;
        Ok(u64::from_ne_bytes(b))
    }
    pub fn write_u64(&self, offset: usize, v: u64) -> Result<()> {
        self.region.write(offset, &v.to_ne_bytes())
    }
    pub fn read_u32(&self, offset: usize) -> Result<u32> {
        let mut b = [0u8; 4];
        self.region.read_into(offset, &mut b)?;
        Ok(u32::from_ne_bytes(b))
    }
    pub fn write_u32(&self, offset: usize, v: u32) -> Result<()> {
        self.region.write(offset, &v.to_ne_bytes())
    }
}

/// Iterator over a map's (key, value) pairs; see [`Map::iter`].
pub struct MapIter<'a> {
    map: &'a Map,
    /// Some while batch lookups work; None after falling back to get_next_key.
    cursor: Option<BatchCursor>,
    chunk: u32,
    buf: Batch,
    pos: usize,
    next_key: Option<Vec<u8>>,
    seen: usize,
    finished: bool,
}

impl Iterator for MapIter<'_> {
    type Item = Result<(Vec<u8>, Vec<u8>)>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if self.finished {
                return None;
            }
            if self.pos < self.buf.count {
                let i = self.pos;
                self.pos += 1;
                return Some(Ok((self.buf.key(i)?.to_vec(), self.buf.value(i)?.to_vec())));
            }
            match self.cursor.as_mut() {
                Some(c) if c.is_done() => {
                    self.finished = true;
                    return None;
                }
                Some(c) => {
                    let first = !c.started;
                    match self.map.lookup_batch_grow(c, &mut self.chunk) {
                        Ok(b) => {
                            self.buf = b;
                            self.pos = 0;
                        }
                        Err(e) if first && no_batch_support(e.errno()) => self.cursor = None,
                        Err(e) => {
                            self.finished = true;
                            return Some(Err(e));
                        }
                    }
                }
                None => {
                    // get_next_key walk: a hash map modified meanwhile may restart; stop
                    // after max_entries + 1 keys so the walk always ends.
                    if self.seen > self.map.spec.max_entries as usize {
                        self.finished = true;
                        return None;
                    }
                    let next = match self.map.next_key(self.next_key.as_deref()) {
                        Ok(Some(k)) => k,
                        Ok(None) => {
                            self.finished = true;
                            return None;
                        }
                        Err(e) => {
                            self.finished = true;
                            return Some(Err(e));
                        }
                    };
                    self.seen += 1;
                    self.next_key = Some(next.clone());
                    match self.map.lookup(&next, 0) {
                        Ok(Some(v)) => return Some(Ok((next, v))),
                        Ok(None) => continue, // deleted meanwhile
                        Err(e) => {
                            self.finished = true;
                            return Some(Err(e));
                        }
                    }
                }
            }
        }
    }
}

impl Map {
    /// A standalone handle on a map created elsewhere (an fd you own), named and sized
    /// from the kernel's map info. Element, batch, pin and mmap operations work on it.
    pub fn from_fd(fd: OwnedFd) -> Result<Map> {
        let info = sys::map_info(fd.as_raw_fd()).map_err(|e| e.context(format_args!("map fd={}", fd.as_raw_fd())))?;
        let spec = obj::MapSpec::from_kernel(info.name(), info.map_type, info.key_size, info.value_size, info.max_entries, info.map_flags, info.map_extra);
        let mut m = Map::from_spec(&spec);
        m.spec.btf_key_type_id = info.btf_key_type_id;
        m.spec.btf_value_type_id = info.btf_value_type_id;
        m.fd = Some(fd);
        m.reused = true;
        Ok(m)
    }

    /// Open the map pinned at `path` as a standalone handle (libbpf: bpf_obj_get +
    /// the map's info). ENOENT if nothing is pinned there, EINVAL if it is not a map.
    pub fn from_pinned(path: &str) -> Result<Map> {
        let fd = sys::obj_get(path).map_err(|e| e.context(format_args!("failed to open pinned map '{path}'")))?;
        sys::map_info(fd.as_raw_fd()).map_err(|e| Error::new(e.errno(), format!("'{path}' is not a pinned map: {}", e.code())))?;
        let mut m = Map::from_fd(fd)?;
        m.spec.pin_path = Some(path.to_string());
        m.pinned = true;
        Ok(m)
    }

    /// The kernel's information about the created map (id, name, sizes, flags).
    pub fn info(&self) -> Result<sys::attr::BpfMapInfo> {
        let fd = self.created_fd()?;
        sys::map_info(fd).map_err(|e| e.context(format_args!("map '{}'", self.spec.name)))
    }

    /// Use an existing map (any fd to it, dup'ed) instead of creating this one at load:
    /// its type, sizes, flags and BTF ids are taken from the kernel (libbpf's
    /// bpf_map__reuse_fd). EBUSY after load.
    pub fn reuse_fd(&mut self, fd: RawFd) -> Result<()> {
        self.check_not_created()?;
        let info = sys::map_info(fd).map_err(|e| e.context(format_args!("map '{}': failed to reuse fd {fd}", self.spec.name)))?;
        let dup = sys::dup_fd(fd).map_err(|e| e.context(format_args!("map '{}': failed to reuse fd {fd}", self.spec.name)))?;
        let s = &mut self.spec;
        s.map_type = info.map_type;
        s.key_size = info.key_size;
        s.value_size = info.value_size;
        s.max_entries = info.max_entries;
        s.map_flags = info.map_flags;
        s.map_extra = info.map_extra;
        s.btf_key_type_id = info.btf_key_type_id;
        s.btf_value_type_id = info.btf_value_type_id;
        self.fd = Some(dup);
        self.reused = true;
        Ok(())
    }

    /// True when load will use (or used) an fd given by `reuse_fd` / a pin.
    pub fn is_reused(&self) -> bool {
        self.reused
    }

    /// Set the path the map is pinned at by load (None: no pinning). libbpf's
    /// bpf_map__set_pin_path; after load use [`Map::pin`].
    pub fn set_pin_path(&mut self, path: Option<&str>) -> Result<()> {
        if self.pinned {
            if let (Some(old), Some(new)) = (self.spec.pin_path.as_deref(), path) {
                if old != new {
                    bail!(libc::EBUSY, "map '{}': already pinned at '{old}', unpin it first", self.spec.name);
                }
            }
        }
        self.spec.pin_path = path.map(str::to_string);
        Ok(())
    }

    /// Pin the created map at `path`, or at its pin path when None (libbpf's
    /// bpf_map__pin): EINVAL when both are missing or they differ; a map already
    /// pinned at that path is left alone.
    pub fn pin(&mut self, path: Option<&str>) -> Result<()> {
        let name = self.spec.name.clone();
        let path = match (self.spec.pin_path.as_deref(), path) {
            (Some(old), Some(new)) if old != new => {
                bail!(libc::EINVAL, "map '{name}': already has pin path '{old}' different from '{new}'")
            }
            (_, Some(p)) => p.to_string(),
            (Some(old), None) => old.to_string(),
            (None, None) => bail!(libc::EINVAL, "map '{name}': missing a path to pin the map at"),
        };
        if self.pinned && self.spec.pin_path.as_deref() == Some(path.as_str()) {
            crate::debug!("map '{name}': already pinned at '{path}'; not re-pinning");
            return Ok(());
        }
        let fd = match &self.fd {
            Some(fd) => fd.as_raw_fd(),
            None => bail!(libc::EINVAL, "map '{name}': can't pin a map that isn't created"),
        };
        sys::obj_pin(fd, &path).map_err(|e| e.context(format_args!("map '{name}': failed to pin at '{path}'")))?;
        self.spec.pin_path = Some(path);
        self.pinned = true;
        crate::debug!("map '{name}': pinned at '{}'", self.spec.pin_path.as_deref().unwrap_or(""));
        Ok(())
    }

    /// Remove the pin at `path`, or at the pin path when None (libbpf's bpf_map__unpin):
    /// EINVAL when the two differ or neither is known.
    pub fn unpin(&mut self, path: Option<&str>) -> Result<()> {
        let name = self.spec.name.clone();
        let path = match (self.spec.pin_path.as_deref(), path) {
            (Some(old), Some(new)) if old != new => {
                bail!(libc::EINVAL, "map '{name}': pin path '{old}' differs from '{new}'")
            }
            (_, Some(p)) => p.to_string(),
            (Some(old), None) => old.to_string(),
            (None, None) => bail!(libc::EINVAL, "map '{name}': no pin path to unpin"),
        };
        std::fs::remove_file(&path).map_err(|e| {
            let errno = e.raw_os_error().unwrap_or(libc::EIO);
            Error::new(errno, format!("map '{name}': failed to unpin '{path}': {}", crate::error::errno_name(errno)))
        })?;
        self.pinned = false;
        self.pinned_here = false;
        Ok(())
    }

    /// Use `fd` as the inner-map template of this map-in-map at load, instead of the
    /// one declared with `__array(values, ...)` (libbpf's bpf_map__set_inner_map_fd).
    pub fn set_inner_map_fd(&mut self, fd: RawFd) -> Result<()> {
        self.check_not_created()?;
        if !obj::maps::is_map_in_map(self.spec.map_type) {
            bail!(libc::EINVAL, "map '{}': not a map-in-map", self.spec.name);
        }
        if self.inner_map_fd.is_some() {
            bail!(libc::EINVAL, "map '{}': inner map already specified", self.spec.name);
        }
        let dup = sys::dup_fd(fd).map_err(|e| e.context(format_args!("map '{}': inner map fd {fd}", self.spec.name)))?;
        self.inner_map_fd = Some(dup);
        self.spec.inner = None;
        Ok(())
    }

    /// The inner-map template of a map-in-map declared with `__array(values, ...)`.
    pub fn inner_map(&self) -> Option<&obj::MapSpec> {
        self.spec.inner.as_deref()
    }

    /// Change the inner-map template's max_entries before load.
    pub fn set_inner_max_entries(&mut self, n: u32) -> Result<()> {
        self.check_not_created()?;
        let name = self.spec.name.clone();
        match self.spec.inner.as_deref_mut() {
            Some(inner) => {
                inner.max_entries = n;
                Ok(())
            }
            None => bail!(libc::EINVAL, "map '{name}': has no inner map template"),
        }
    }

    /// Make the map read-only for user space (BPF_MAP_FREEZE; programs may still write
    /// unless BPF_F_RDONLY_PROG). EBUSY if it is mmap'd writable.
    pub fn freeze(&self) -> Result<()> {
        let fd = self.created_fd()?;
        sys::map_freeze(fd).map_err(|e| e.context(format_args!("map '{}': failed to freeze", self.spec.name)))
    }

    /// A new shared mapping of a BPF_F_MMAPABLE array's values (writable unless the
    /// map is frozen or read-only for user space).
    pub fn mmap(&self) -> Result<MapMmap> {
        let fd = self.created_fd()?;
        if !self.spec.is_mmapable() || self.spec.map_type != BPF_MAP_TYPE_ARRAY {
            bail!(libc::EINVAL, "map '{}': only BPF_F_MMAPABLE arrays can be mmap'd", self.spec.name);
        }
        let elem_size = (self.spec.value_size as usize + 7) & !7;
        let page = sys::page_size();
        let len = elem_size
            .checked_mul(self.spec.max_entries as usize)
            .and_then(|l| l.checked_next_multiple_of(page))
            .ok_or_else(|| Error::new(libc::E2BIG, format!("map '{}': too big to mmap", self.spec.name)))?;
        let writable = !self.spec.is_readonly() && self.spec.map_flags & BPF_F_RDONLY == 0;
        let region = match sys::map_mmap(fd, len, writable) {
            Err(e) if writable && e.errno() == libc::EPERM => sys::map_mmap(fd, len, false),
            r => r,
        }
        .map_err(|e| e.context(format_args!("map '{}': failed to mmap", self.spec.name)))?;
        Ok(MapMmap { region, elem_size, value_size: self.spec.value_size as usize, max_entries: self.spec.max_entries as usize })
    }

    // ---- batch operations ----------------------------------------------------------

    /// Bytes of a batch position token: the kernel writes a u32 for hash maps and a
    /// whole key for arrays.
    pub fn batch_token_size(&self) -> usize {
        (self.spec.key_size as usize).max(8)
    }

    fn batch_check(&self, what: &str, keys: usize, values: Option<usize>, count: u32) -> Result<(RawFd, usize)> {
        let fd = self.created_fd()?;
        let ks = self.spec.key_size as usize;
        let vs = self.user_value_size()?;
        let n = count as usize;
        if keys < ks * n {
            bail!(libc::EINVAL, "map '{}': {what}: keys buffer of {keys} bytes is too small for {count} keys of {ks} bytes", self.spec.name);
        }
        if let Some(values) = values {
            if values < vs * n {
                bail!(libc::EINVAL, "map '{}': {what}: values buffer of {values} bytes is too small for {count} values of {vs} bytes", self.spec.name);
            }
        }
        Ok((fd, vs))
    }

    fn batch_err(&self, what: &'static str) -> impl FnOnce(Error) -> Error + '_ {
        move |e: Error| Error::new(e.errno(), format!("map '{}': {what}: {}", self.spec.name, e.message()))
    }

    /// BPF_MAP_LOOKUP_BATCH into caller buffers (libbpf's bpf_map_lookup_batch):
    /// `in_batch` None starts at the beginning; the next position is written to
    /// `out_batch` (at least [`Self::batch_token_size`] bytes). `done` = the end was
    /// reached (the kernel's ENOENT); `count` elements were written either way.
    #[allow(clippy::too_many_arguments)]
    pub fn lookup_batch_raw(&self, in_batch: Option<&[u8]>, out_batch: &mut [u8], keys: &mut [u8], values: &mut [u8], count: u32, opts: &MapBatchOpts) -> Result<BatchResult> {
        self.lookup_batch_cmd(false, in_batch, out_batch, keys, values, count, opts)
    }

    /// BPF_MAP_LOOKUP_AND_DELETE_BATCH, as [`Self::lookup_batch_raw`].
    #[allow(clippy::too_many_arguments)]
    pub fn lookup_and_delete_batch_raw(&self, in_batch: Option<&[u8]>, out_batch: &mut [u8], keys: &mut [u8], values: &mut [u8], count: u32, opts: &MapBatchOpts) -> Result<BatchResult> {
        self.lookup_batch_cmd(true, in_batch, out_batch, keys, values, count, opts)
    }

    #[allow(clippy::too_many_arguments)]
    fn lookup_batch_cmd(&self, delete: bool, in_batch: Option<&[u8]>, out_batch: &mut [u8], keys: &mut [u8], values: &mut [u8], count: u32, opts: &MapBatchOpts) -> Result<BatchResult> {
        let what = if delete { "lookup and delete batch" } else { "lookup batch" };
        let (fd, vs) = self.batch_check(what, keys.len(), Some(values.len()), count)?;
        let tok = self.spec.key_size.max(4) as usize;
        if out_batch.len() < tok || in_batch.is_some_and(|b| b.len() < tok) {
            bail!(libc::EINVAL, "map '{}': {what}: batch position buffers need at least {tok} bytes", self.spec.name);
        }
        let sopts = sys::MapBatchOpts { elem_flags: opts.elem_flags, flags: opts.flags };
        let ks = self.spec.key_size as usize;
        let r = if delete {
            sys::map_lookup_and_delete_batch(fd, in_batch, out_batch, keys, values, ks, vs, count, &sopts)
        } else {
            sys::map_lookup_batch(fd, in_batch, out_batch, keys, values, ks, vs, count, &sopts)
        };
        r.map_err(self.batch_err(what))
    }

    /// Up to `count` elements from `cursor` on (advancing it). An empty batch with
    /// `cursor.is_done()` means the end. ENOSPC from a hash map means a bucket holds
    /// more than `count` elements: ask for more.
    pub fn lookup_batch(&self, cursor: &mut BatchCursor, count: u32, opts: &MapBatchOpts) -> Result<Batch> {
        self.batch_step(false, cursor, count, opts)
    }

    /// As [`Self::lookup_batch`], deleting what it returns. Start every walk with a new
    /// cursor (positions shift as elements go).
    pub fn lookup_and_delete_batch(&self, cursor: &mut BatchCursor, count: u32, opts: &MapBatchOpts) -> Result<Batch> {
        self.batch_step(true, cursor, count, opts)
    }

    fn batch_step(&self, delete: bool, cursor: &mut BatchCursor, count: u32, opts: &MapBatchOpts) -> Result<Batch> {
        let ks = self.spec.key_size as usize;
        let vs = self.user_value_size()?;
        let mut b = Batch { keys: Vec::new(), values: Vec::new(), count: 0, key_size: ks, value_size: vs };
        if cursor.done || count == 0 {
            return Ok(b);
        }
        b.keys = vec![0u8; ks * count as usize];
        b.values = vec![0u8; vs * count as usize];
        let mut out = vec![0u8; self.batch_token_size()];
        if cursor.token.len() < out.len() {
            cursor.token.resize(out.len(), 0);
        }
        let in_batch = cursor.started.then_some(cursor.token.as_slice());
        let r = self.lookup_batch_cmd(delete, in_batch, &mut out, &mut b.keys, &mut b.values, count, opts)?;
        b.count = r.count as usize;
        b.keys.truncate(ks * b.count);
        b.values.truncate(vs * b.count);
        cursor.token = out;
        cursor.started = true;
        cursor.done = r.done;
        Ok(b)
    }

    /// lookup_batch that doubles `chunk` on ENOSPC (a hash bucket larger than it).
    fn lookup_batch_grow(&self, cursor: &mut BatchCursor, chunk: &mut u32) -> Result<Batch> {
        loop {
            match self.lookup_batch(cursor, *chunk, &MapBatchOpts::default()) {
                Err(e) if e.errno() == libc::ENOSPC && *chunk < self.spec.max_entries.max(1) * 2 => *chunk = chunk.saturating_mul(2),
                r => return r,
            }
        }
    }

    /// BPF_MAP_UPDATE_BATCH of packed `keys` and `values` (count = keys / key_size;
    /// values must hold as many). Returns how many were updated; on error the message
    /// says how many were before it.
    pub fn update_batch(&self, keys: &[u8], values: &[u8], opts: &MapBatchOpts) -> Result<usize> {
        let count = self.packed_count("update batch", keys.len())?;
        self.update_batch_raw(keys, values, count, opts).map(|n| n as usize)
    }

    /// BPF_MAP_UPDATE_BATCH of `count` elements from caller buffers.
    pub fn update_batch_raw(&self, keys: &[u8], values: &[u8], count: u32, opts: &MapBatchOpts) -> Result<u32> {
        let (fd, vs) = self.batch_check("update batch", keys.len(), Some(values.len()), count)?;
        if values.len() != vs * count as usize && keys.len() == self.spec.key_size as usize * count as usize {
            bail!(libc::EINVAL, "map '{}': update batch: {} bytes of values for {count} values of {vs} bytes", self.spec.name, values.len());
        }
        let sopts = sys::MapBatchOpts { elem_flags: opts.elem_flags, flags: opts.flags };
        let r = sys::map_update_batch(fd, keys, values, self.spec.key_size as usize, vs, count, &sopts).map_err(self.batch_err("update batch"))?;
        Ok(r.count)
    }

    /// BPF_MAP_DELETE_BATCH of packed `keys`. Returns how many were deleted (a missing
    /// key is ENOENT, after the ones before it).
    pub fn delete_batch(&self, keys: &[u8], opts: &MapBatchOpts) -> Result<usize> {
        let count = self.packed_count("delete batch", keys.len())?;
        let r = self.delete_batch_raw(keys, count, opts)?;
        if r.done && r.count < count {
            bail!(libc::ENOENT, "map '{}': delete batch: key #{} not found (after {} deleted)", self.spec.name, r.count, r.count);
        }
        Ok(r.count as usize)
    }

    /// BPF_MAP_DELETE_BATCH of `count` keys from a caller buffer: `done` with `count`
    /// below the request means the key at that index was missing (the kernel's ENOENT).
    pub fn delete_batch_raw(&self, keys: &[u8], count: u32, opts: &MapBatchOpts) -> Result<BatchResult> {
        let (fd, _) = self.batch_check("delete batch", keys.len(), None, count)?;
        let sopts = sys::MapBatchOpts { elem_flags: opts.elem_flags, flags: opts.flags };
        sys::map_delete_batch(fd, keys, self.spec.key_size as usize, count, &sopts).map_err(self.batch_err("delete batch"))
    }

    #[allow(clippy::manual_is_multiple_of)] // rust-version 1.85: is_multiple_of is 1.87
    fn packed_count(&self, what: &str, keys: usize) -> Result<u32> {
        let ks = self.spec.key_size as usize;
        if ks == 0 || keys % ks != 0 {
            bail!(libc::EINVAL, "map '{}': {what}: {keys} bytes of keys is not a multiple of the key size {ks}", self.spec.name);
        }
        u32::try_from(keys / ks).map_err(|_| Error::new(libc::E2BIG, format!("map '{}': {what}: too many keys", self.spec.name)))
    }

    /// Every (key, value) pair, read with batch lookups when the kernel supports them
    /// for this map and key by key otherwise.
    pub fn entries(&self) -> Result<Vec<(Vec<u8>, Vec<u8>)>> {
        self.iter().collect()
    }

    /// Iterate (key, value) pairs (batches of up to 256 elements under the hood; falls
    /// back to get_next_key + lookup where batch operations are not supported).
    pub fn iter(&self) -> MapIter<'_> {
        let chunk = self.spec.max_entries.clamp(1, 256);
        MapIter { map: self, cursor: Some(BatchCursor::new()), chunk, buf: Batch::default(), pos: 0, next_key: None, seen: 0, finished: false }
    }
}

impl std::fmt::Debug for Map {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Map")
            .field("name", &self.spec.name)
            .field("type", &self.spec.map_type)
            .field("key_size", &self.spec.key_size)
            .field("value_size", &self.spec.value_size)
            .field("max_entries", &self.spec.max_entries)
            .field("fd", &self.fd)
            .finish()
    }
}
