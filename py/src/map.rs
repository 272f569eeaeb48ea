//! rbpf.Map: a BPF map as a MutableMapping, keys and values typed by the map's BTF.

use crate::errors::CoreResultExt;
use crate::shared::Shared;
use crate::value::{as_bytes, Typed};
use pyo3::exceptions::{PyKeyError, PyTypeError};
use pyo3::prelude::*;
use crate::opts::from_kwargs;
use parking_lot::Mutex;
use pyo3::types::{PyBytes, PyDict, PyList, PyString, PyTuple};
use rbpf_core::opts::MapBatchOpts;
use rbpf_core::Error;
use std::sync::Arc;

/// The position of a batch walk over a map (`lookup_batch` / `lookup_and_delete_batch`
/// advance it); `done` once the end was reached.
#[pyclass(frozen, module = "rbpf", name = "BatchCursor")]
pub struct BatchCursor {
    inner: Mutex<rbpf_core::BatchCursor>,
}

#[pymethods]
impl BatchCursor {
    #[new]
    fn new() -> Self {
        BatchCursor {
            inner: Mutex::new(rbpf_core::BatchCursor::new()),
        }
    }
    /// True once a batch call reached the end of the map.
    #[getter]
    fn done(&self) -> bool {
        self.inner.lock().is_done()
    }
    /// Start over from the first element.
    fn reset(&self) {
        self.inner.lock().reset();
    }
    fn __repr__(&self) -> String {
        let c = self.inner.lock();
        match (c.token().is_some(), c.is_done()) {
            (_, true) => "<rbpf.BatchCursor done>".into(),
            (true, false) => "<rbpf.BatchCursor started>".into(),
            (false, false) => "<rbpf.BatchCursor at start>".into(),
        }
    }
}

/// Packed keys (or values) for a batch call: each item encoded by `enc`.
fn pack(items: &Bound<'_, PyAny>, what: &str, mut enc: impl FnMut(&Bound<'_, PyAny>) -> PyResult<Vec<u8>>) -> PyResult<(Vec<u8>, usize)> {
    if items.is_instance_of::<PyString>() || as_bytes(items).is_some() {
        return Err(PyTypeError::new_err(format!("{what} must be a sequence of keys or values, not bytes or str")));
    }
    let mut out = Vec::new();
    let mut n = 0;
    for item in items.try_iter()? {
        out.extend(enc(&item?)?);
        n += 1;
    }
    Ok((out, n))
}

#[pyclass(frozen, mapping, module = "rbpf", name = "Map")]
pub struct Map {
    src: Src,
    name: String,
}

/// Where the core map lives: in an Object, or on its own (`Map.from_pinned`; no BTF,
/// so keys and values are bytes or ints of their size).
enum Src {
    Object { shared: Arc<Shared>, idx: usize },
    Own(Box<OwnMap>),
}

/// A standalone core map behind a lock that a thread waits for with the interpreter
/// released and that refuses re-entry (a value's `__index__` touching the same map).
struct OwnMap {
    map: Mutex<Option<rbpf_core::Map>>,
    owner: std::sync::atomic::AtomicUsize,
}

struct OwnGuard<'a> {
    g: parking_lot::MutexGuard<'a, Option<rbpf_core::Map>>,
    owner: &'a std::sync::atomic::AtomicUsize,
}

impl Drop for OwnGuard<'_> {
    fn drop(&mut self) {
        self.owner.store(0, std::sync::atomic::Ordering::Release);
    }
}

impl OwnMap {
    fn lock(&self, py: Python<'_>, name: &str) -> PyResult<OwnGuard<'_>> {
        use std::sync::atomic::Ordering;
        let me = crate::shared::thread_token();
        let g = loop {
            if let Some(g) = self.map.try_lock() {
                break g;
            }
            if self.owner.load(Ordering::Acquire) == me {
                return Err(pyo3::exceptions::PyRuntimeError::new_err(format!(
                    "map '{name}' is in use by this thread (re-entrant call?)"
                )));
            }
            py.detach(|| drop(self.map.lock()));
        };
        self.owner.store(me, Ordering::Release);
        Ok(OwnGuard { g, owner: &self.owner })
    }
}

/// Key and value typing of one map, resolved under the object lock.
struct Layout<'a> {
    key: Typed<'a>,
    value: Typed<'a>,
    /// The core map, which knows the per-CPU slot layout.
    map: &'a rbpf_core::Map,
    percpu: bool,
    /// Per-CPU: possible CPUs (for messages).
    ncpus: usize,
}

fn is_bytes_like(obj: &Bound<'_, PyAny>) -> bool {
    !obj.is_instance_of::<PyString>() && as_bytes(obj).is_some()
}

impl Layout<'_> {
    /// Encode a key. Bytes that do not encode by BTF go to the core unchanged, so a
    /// wrong size gets the core's message ("unexpected key size ...").
    fn key(&self, obj: &Bound<'_, PyAny>) -> PyResult<Vec<u8>> {
        encode_or_raw(&self.key, obj)
    }

    fn value(&self, obj: &Bound<'_, PyAny>) -> PyResult<Vec<u8>> {
        if !self.percpu {
            return encode_or_raw(&self.value, obj);
        }
        if is_bytes_like(obj) {
            return Ok(as_bytes(obj).unwrap_or_default());
        }
        let items: Vec<Bound<'_, PyAny>> = if obj.is_instance_of::<PyList>() || obj.is_instance_of::<PyTuple>() {
            obj.try_iter()?.collect::<PyResult<_>>()?
        } else {
            return Err(PyTypeError::new_err(format!(
                "{}: a per-CPU map takes a list of {} values (one per possible CPU)",
                self.value.what, self.ncpus
            )));
        };
        let slots = items.iter().map(|item| self.value.encode(item, None)).collect::<PyResult<Vec<_>>>()?;
        let refs: Vec<&[u8]> = slots.iter().map(Vec::as_slice).collect();
        self.map.percpu_pack(&refs).py()
    }

    fn decode_value<'py>(&self, py: Python<'py>, bytes: &[u8]) -> PyResult<Bound<'py, PyAny>> {
        if !self.percpu {
            return self.value.decode(py, bytes);
        }
        let out = PyList::empty(py);
        for slot in self.map.percpu_slots(bytes).py()? {
            out.append(self.value.decode(py, slot)?)?;
        }
        Ok(out.into_any())
    }
}

fn encode_or_raw(t: &Typed<'_>, obj: &Bound<'_, PyAny>) -> PyResult<Vec<u8>> {
    match t.encode(obj, None) {
        Ok(b) => Ok(b),
        Err(e) => match as_bytes(obj) {
            Some(raw) if is_bytes_like(obj) => {
                let _ = e;
                Ok(raw)
            }
            _ => Err(e),
        },
    }
}

impl Map {
    pub fn new(shared: Arc<Shared>, idx: usize, name: String) -> Self {
        Map {
            src: Src::Object { shared, idx },
            name,
        }
    }

    /// The object whose BTF types this map (None for a standalone map).
    pub fn object(&self) -> Option<&Arc<Shared>> {
        match &self.src {
            Src::Object { shared, .. } => Some(shared),
            Src::Own(_) => None,
        }
    }

    pub fn name_str(&self) -> &str {
        &self.name
    }

    /// The created map's fd (the core's error before load / after close).
    pub fn core_fd(&self, py: Python<'_>) -> PyResult<i32> {
        self.with_core(py, |m, _| m.fd().py())
    }

    fn closed(&self) -> PyErr {
        Python::attach(|py| crate::errors::to_py(py, Error::new(libc::EBADF, format!("map '{}' is closed", self.name))))
    }

    /// Run `f` with the core map and the BTF typing it, under the owner's lock.
    fn with_core<T>(&self, py: Python<'_>, f: impl FnOnce(&rbpf_core::Map, Option<&rbpf_core::Btf>) -> PyResult<T>) -> PyResult<T> {
        match &self.src {
            Src::Object { shared, idx } => shared.with(py, |o| f(&o.maps()[*idx], o.btf())),
            Src::Own(m) => {
                let g = m.lock(py, &self.name)?;
                match g.g.as_ref() {
                    Some(m) => crate::errors::catch(|| f(m, None)),
                    None => Err(self.closed()),
                }
            }
        }
    }

    /// Run `f` with the core map, mutably (setters, pinning).
    fn with_mut<T>(&self, py: Python<'_>, f: impl FnOnce(&mut rbpf_core::Map) -> PyResult<T>) -> PyResult<T> {
        match &self.src {
            Src::Object { shared, idx } => shared.with(py, |o| f(&mut o.maps_mut()[*idx])),
            Src::Own(m) => {
                let mut g = m.lock(py, &self.name)?;
                match g.g.as_mut() {
                    Some(m) => crate::errors::catch(|| f(m)),
                    None => Err(self.closed()),
                }
            }
        }
    }

    /// Run `f` with the core map and its layout, under the object lock.
    fn with<T>(&self, py: Python<'_>, f: impl FnOnce(&rbpf_core::Map, &Layout<'_>) -> PyResult<T>) -> PyResult<T> {
        self.with_core(py, |m, btf| {
            let key_what = format!("map '{}' key", self.name);
            let value_what = format!("map '{}' value", self.name);
            let percpu = m.is_percpu();
            let ncpus = if percpu {
                rbpf_core::num_possible_cpus().py()?
            } else {
                1
            };
            let layout = Layout {
                key: Typed {
                    btf,
                    type_id: m.btf_key_type_id(),
                    size: m.key_size() as usize,
                    what: &key_what,
                },
                value: Typed {
                    btf,
                    type_id: m.btf_value_type_id(),
                    size: m.value_size() as usize,
                    what: &value_what,
                },
                map: m,
                percpu,
                ncpus,
            };
            f(m, &layout)
        })
    }

    fn batch_lookup<'py>(
        &self,
        py: Python<'py>,
        delete: bool,
        cursor: Option<&Bound<'py, BatchCursor>>,
        count: u32,
        opts: &MapBatchOpts,
    ) -> PyResult<Bound<'py, PyTuple>> {
        let mut own = rbpf_core::BatchCursor::new();
        let mut guard = cursor.map(|c| c.get().inner.lock());
        let cur = match guard.as_deref_mut() {
            Some(c) => c,
            None => &mut own,
        };
        self.with(py, |m, l| {
            let b = if delete {
                m.lookup_and_delete_batch(cur, count, opts)
            } else {
                m.lookup_batch(cur, count, opts)
            }
            .py()?;
            let keys = PyList::empty(py);
            let values = PyList::empty(py);
            for (k, v) in b.iter() {
                keys.append(l.key.decode(py, k)?)?;
                values.append(l.decode_value(py, v)?)?;
            }
            PyTuple::new(py, [keys.into_any(), values.into_any()])
        })
    }

    fn get_value(&self, py: Python<'_>, key: &Bound<'_, PyAny>, flags: u64, raw: bool) -> PyResult<Option<Py<PyAny>>> {
        self.with(py, |m, l| {
            let k = l.key(key)?;
            match m.lookup(&k, flags).py()? {
                None => Ok(None),
                Some(v) if raw => Ok(Some(PyBytes::new(py, &v).into_any().unbind())),
                Some(v) => Ok(Some(l.decode_value(py, &v)?.unbind())),
            }
        })
    }
}

#[pymethods]
impl Map {
    #[getter]
    fn name(&self) -> &str {
        &self.name
    }
    /// BPF_MAP_TYPE_*.
    #[getter(r#type)]
    fn map_type(&self, py: Python<'_>) -> PyResult<u32> {
        self.with(py, |m, _| Ok(m.map_type()))
    }
    #[getter]
    fn key_size(&self, py: Python<'_>) -> PyResult<u32> {
        self.with(py, |m, _| Ok(m.key_size()))
    }
    #[getter]
    fn value_size(&self, py: Python<'_>) -> PyResult<u32> {
        self.with(py, |m, _| Ok(m.value_size()))
    }
    #[getter]
    fn max_entries(&self, py: Python<'_>) -> PyResult<u32> {
        self.with(py, |m, _| Ok(m.max_entries()))
    }
    /// Settable before load (EBUSY after).
    #[setter]
    fn set_value_size(&self, py: Python<'_>, n: u32) -> PyResult<()> {
        self.with_mut(py, |m| m.set_value_size(n).py())
    }
    /// Settable before load (EBUSY after).
    #[setter]
    fn set_max_entries(&self, py: Python<'_>, n: u32) -> PyResult<()> {
        self.with_mut(py, |m| m.set_max_entries(n).py())
    }
    #[getter]
    fn map_flags(&self, py: Python<'_>) -> PyResult<u32> {
        self.with(py, |m, _| Ok(m.map_flags()))
    }
    #[getter]
    fn fd(&self, py: Python<'_>) -> PyResult<i32> {
        self.with(py, |m, _| m.fd().py())
    }
    #[getter]
    fn percpu(&self, py: Python<'_>) -> PyResult<bool> {
        self.with(py, |m, _| Ok(m.is_percpu()))
    }

    /// The value for `key`, or None when absent. `raw=True` returns the bytes as the
    /// kernel gave them (per-CPU: all CPUs' slots concatenated).
    #[pyo3(signature = (key, flags = 0, *, raw = false))]
    fn lookup(&self, py: Python<'_>, key: &Bound<'_, PyAny>, flags: u64, raw: bool) -> PyResult<Option<Py<PyAny>>> {
        self.get_value(py, key, flags, raw)
    }

    /// flags: BPF_ANY, BPF_NOEXIST, BPF_EXIST, BPF_F_LOCK.
    #[pyo3(signature = (key, value, flags = 0))]
    fn update(&self, py: Python<'_>, key: &Bound<'_, PyAny>, value: &Bound<'_, PyAny>, flags: u64) -> PyResult<()> {
        self.with(py, |m, l| {
            let k = l.key(key)?;
            let v = l.value(value)?;
            m.update(&k, &v, flags).py()
        })
    }

    /// Delete `key`; BpfError(ENOENT) when absent.
    #[pyo3(signature = (key, flags = 0))]
    fn delete(&self, py: Python<'_>, key: &Bound<'_, PyAny>, flags: u64) -> PyResult<()> {
        self.with(py, |m, l| {
            let k = l.key(key)?;
            m.delete(&k, flags).py()
        })
    }

    /// Look up and delete in one step; None when absent.
    #[pyo3(signature = (key, flags = 0))]
    fn lookup_and_delete(&self, py: Python<'_>, key: &Bound<'_, PyAny>, flags: u64) -> PyResult<Option<Py<PyAny>>> {
        self.with(py, |m, l| {
            let k = l.key(key)?;
            match m.lookup_and_delete(&k, flags).py()? {
                None => Ok(None),
                Some(v) => Ok(Some(l.decode_value(py, &v)?.unbind())),
            }
        })
    }

    /// The key after `key` (the first key for None); None at the end.
    #[pyo3(signature = (key = None))]
    fn next_key(&self, py: Python<'_>, key: Option<&Bound<'_, PyAny>>) -> PyResult<Option<Py<PyAny>>> {
        self.with(py, |m, l| {
            let k = match key {
                Some(k) => Some(l.key(k)?),
                None => None,
            };
            match m.next_key(k.as_deref()).py()? {
                None => Ok(None),
                Some(n) => Ok(Some(l.key.decode(py, &n)?.unbind())),
            }
        })
    }

    /// A snapshot of the keys (the map may change meanwhile).
    fn keys<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        self.with(py, |m, l| {
            let out = PyList::empty(py);
            for k in m.keys().py()? {
                out.append(l.key.decode(py, &k)?)?;
            }
            Ok(out)
        })
    }

    /// A snapshot of the values (batch lookups where the kernel has them).
    fn values<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        self.with(py, |m, l| {
            let out = PyList::empty(py);
            for kv in m.iter() {
                let (_, v) = kv.py()?;
                out.append(l.decode_value(py, &v)?)?;
            }
            Ok(out)
        })
    }

    /// A snapshot of (key, value) pairs, read with batch lookups where the kernel
    /// supports them for this map (key by key otherwise).
    fn items<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        self.with(py, |m, l| {
            let out = PyList::empty(py);
            for kv in m.iter() {
                let (k, v) = kv.py()?;
                out.append((l.key.decode(py, &k)?, l.decode_value(py, &v)?))?;
            }
            Ok(out)
        })
    }

    /// BPF_MAP_LOOKUP_BATCH: up to `count` elements from `cursor` on (advancing it; a
    /// new walk without one), as `(keys, values)` lists. Loop until `cursor.done`.
    /// ENOSPC: a hash bucket holds more than `count` elements, ask for more. Keyword
    /// arguments: the fields of rbpf_map_batch_opts.
    #[pyo3(signature = (cursor = None, count = 256, **kwargs))]
    fn lookup_batch<'py>(
        &self,
        py: Python<'py>,
        cursor: Option<&Bound<'py, BatchCursor>>,
        count: u32,
        kwargs: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyTuple>> {
        let opts: MapBatchOpts = from_kwargs("Map.lookup_batch", kwargs)?;
        self.batch_lookup(py, false, cursor, count, &opts)
    }

    /// BPF_MAP_LOOKUP_AND_DELETE_BATCH: as lookup_batch, deleting what it returns. Start
    /// every walk with a new cursor.
    #[pyo3(signature = (cursor = None, count = 256, **kwargs))]
    fn lookup_and_delete_batch<'py>(
        &self,
        py: Python<'py>,
        cursor: Option<&Bound<'py, BatchCursor>>,
        count: u32,
        kwargs: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyTuple>> {
        let opts: MapBatchOpts = from_kwargs("Map.lookup_and_delete_batch", kwargs)?;
        self.batch_lookup(py, true, cursor, count, &opts)
    }

    /// BPF_MAP_UPDATE_BATCH of `keys[i] = values[i]`; returns how many were updated.
    /// Keyword arguments: the fields of rbpf_map_batch_opts (elem_flags: BPF_ANY, ...).
    #[pyo3(signature = (keys, values, **kwargs))]
    fn update_batch(
        &self,
        py: Python<'_>,
        keys: &Bound<'_, PyAny>,
        values: &Bound<'_, PyAny>,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<usize> {
        let opts: MapBatchOpts = from_kwargs("Map.update_batch", kwargs)?;
        self.with(py, |m, l| {
            let (k, nk) = pack(keys, "keys", |o| l.key(o))?;
            let (v, nv) = pack(values, "values", |o| l.value(o))?;
            if nk != nv {
                return Err(Error::new(
                    libc::EINVAL,
                    format!("map '{}': update batch: {nk} keys but {nv} values", self.name),
                ))
                .py();
            }
            if nk == 0 {
                return Ok(0);
            }
            m.update_batch(&k, &v, &opts).py()
        })
    }

    /// BPF_MAP_DELETE_BATCH of `keys`; returns how many were deleted (a missing key
    /// is BpfError ENOENT). Keyword arguments: the fields of rbpf_map_batch_opts.
    #[pyo3(signature = (keys, **kwargs))]
    fn delete_batch(&self, py: Python<'_>, keys: &Bound<'_, PyAny>, kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<usize> {
        let opts: MapBatchOpts = from_kwargs("Map.delete_batch", kwargs)?;
        self.with(py, |m, l| {
            let (k, nk) = pack(keys, "keys", |o| l.key(o))?;
            if nk == 0 {
                return Ok(0);
            }
            m.delete_batch(&k, &opts).py()
        })
    }

    /// Pin the created map at `path`, or at its pin_path (libbpf's bpf_map__pin).
    #[pyo3(signature = (path = None))]
    fn pin(&self, py: Python<'_>, path: Option<std::path::PathBuf>) -> PyResult<()> {
        let path = path.map(|p| p.to_string_lossy().into_owned());
        self.with_mut(py, |m| m.pin(path.as_deref()).py())
    }

    /// Remove the pin at `path`, or at its pin_path (libbpf's bpf_map__unpin).
    #[pyo3(signature = (path = None))]
    fn unpin(&self, py: Python<'_>, path: Option<std::path::PathBuf>) -> PyResult<()> {
        let path = path.map(|p| p.to_string_lossy().into_owned());
        self.with_mut(py, |m| m.unpin(path.as_deref()).py())
    }

    /// Where load pins (or reuses) the map; settable before load (None: no pinning).
    #[getter]
    fn pin_path(&self, py: Python<'_>) -> PyResult<Option<String>> {
        self.with(py, |m, _| Ok(m.pin_path().map(str::to_owned)))
    }
    #[setter]
    fn set_pin_path(&self, py: Python<'_>, path: Option<std::path::PathBuf>) -> PyResult<()> {
        let path = path.map(|p| p.to_string_lossy().into_owned());
        self.with_mut(py, |m| m.set_pin_path(path.as_deref()).py())
    }

    #[getter]
    fn is_pinned(&self, py: Python<'_>) -> PyResult<bool> {
        self.with(py, |m, _| Ok(m.is_pinned()))
    }

    /// Make the map read-only for user space (BPF_MAP_FREEZE).
    fn freeze(&self, py: Python<'_>) -> PyResult<()> {
        self.with(py, |m, _| m.freeze().py())
    }

    /// Set the initial contents before load (libbpf's bpf_map__set_initial_value).
    fn set_initial_value(&self, py: Python<'_>, data: &[u8]) -> PyResult<()> {
        self.with_mut(py, |m| m.set_initial_value(data).py())
    }

    /// The values of a BPF_F_MMAPABLE array as a memoryview shared with BPF programs
    /// (element i at i * roundup(value_size, 8)); writable unless the map is frozen or
    /// read-only. The mapping lives as long as the view (or a slice of it).
    fn mmap<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, pyo3::types::PyMemoryView>> {
        let mm = self.with(py, |m, _| m.mmap().py())?;
        let (ptr, len, writable) = (mm.as_ptr(), mm.len(), mm.is_writable());
        crate::events::lasting_view(py, Arc::new(mm), ptr, len, writable)
    }

    /// The ELF section of a global-data map (".rodata", ".data.custom"); None for
    /// BTF-defined maps.
    #[getter]
    fn section_name(&self, py: Python<'_>) -> PyResult<Option<String>> {
        self.with(py, |m, _| Ok(m.section_name().map(str::to_owned)))
    }

    #[pyo3(signature = (key, default = None))]
    fn get(&self, py: Python<'_>, key: &Bound<'_, PyAny>, default: Option<Py<PyAny>>) -> PyResult<Option<Py<PyAny>>> {
        Ok(self.get_value(py, key, 0, false)?.or(default))
    }

    /// Remove `key` and return its value; KeyError (or `default`) when absent.
    #[pyo3(signature = (key, *default))]
    fn pop(&self, py: Python<'_>, key: &Bound<'_, PyAny>, default: &Bound<'_, PyTuple>) -> PyResult<Py<PyAny>> {
        let v = self.get_value(py, key, 0, false)?;
        match v {
            Some(v) => {
                self.__delitem__(py, key)?;
                Ok(v)
            }
            None if !default.is_empty() => Ok(default.get_item(0)?.unbind()),
            None => Err(PyKeyError::new_err(key.clone().unbind())),
        }
    }

    /// Delete every key, one by one (as bcc does; races with the BPF side are tolerated).
    fn clear(&self, py: Python<'_>) -> PyResult<()> {
        self.with(py, |m, _| {
            for k in m.keys().py()? {
                match m.delete(&k, 0) {
                    Ok(()) => {}
                    Err(e) if e.errno() == libc::ENOENT => {}
                    Err(e) => return Err(e).py(),
                }
            }
            Ok(())
        })
    }

    fn __getitem__(&self, py: Python<'_>, key: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        match self.get_value(py, key, 0, false)? {
            Some(v) => Ok(v),
            None => Err(PyKeyError::new_err(key.clone().unbind())),
        }
    }

    fn __setitem__(&self, py: Python<'_>, key: &Bound<'_, PyAny>, value: &Bound<'_, PyAny>) -> PyResult<()> {
        self.update(py, key, value, 0)
    }

    fn __delitem__(&self, py: Python<'_>, key: &Bound<'_, PyAny>) -> PyResult<()> {
        match self.delete(py, key, 0) {
            Err(e) if e.value(py).getattr("errno").and_then(|v| v.extract::<i32>()).ok() == Some(libc::ENOENT) => {
                Err(PyKeyError::new_err(key.clone().unbind()))
            }
            r => r,
        }
    }

    fn __contains__(&self, py: Python<'_>, key: &Bound<'_, PyAny>) -> PyResult<bool> {
        Ok(self.get_value(py, key, 0, true)?.is_some())
    }

    fn __len__(&self, py: Python<'_>) -> PyResult<usize> {
        self.with(py, |m, _| Ok(m.keys().py()?.len()))
    }

    fn __iter__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.keys(py)?.try_iter().map(|i| i.into_any())
    }

    /// Open the map pinned at `path` as a standalone Map (libbpf: bpf_obj_get + the map's
    /// info). Without the object's BTF its keys and values are bytes (or ints of their
    /// size). BpfError ENOENT when nothing is pinned there.
    #[staticmethod]
    fn from_pinned(py: Python<'_>, path: std::path::PathBuf) -> PyResult<Self> {
        let p = path.to_string_lossy().into_owned();
        let m = py.detach(|| crate::errors::catch_core(|| rbpf_core::Map::from_pinned(&p))).py()?;
        let name = m.name().to_owned();
        Ok(Map {
            src: Src::Own(Box::new(OwnMap {
                map: Mutex::new(Some(m)),
                owner: std::sync::atomic::AtomicUsize::new(0),
            })),
            name,
        })
    }

    /// Close a standalone map (from_pinned); a map of an Object closes with it (no-op
    /// here). Idempotent.
    fn close(&self, py: Python<'_>) -> PyResult<()> {
        if let Src::Own(m) = &self.src {
            let taken = m.lock(py, &self.name)?.g.take();
            drop(taken);
        }
        Ok(())
    }

    fn __enter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    #[pyo3(signature = (*_args))]
    fn __exit__(&self, py: Python<'_>, _args: &Bound<'_, PyTuple>) -> PyResult<bool> {
        self.close(py)?;
        Ok(false)
    }

    fn __repr__(&self) -> String {
        match &self.src {
            Src::Object { shared, .. } => format!("<rbpf.Map '{}' of '{}'>", self.name, shared.name),
            Src::Own(_) => format!("<rbpf.Map '{}' standalone>", self.name),
        }
    }
}
