//! What rbpf.RingBuffer and rbpf.PerfBuffer share: how a record becomes a Python value
//! (bytes, a BTF-decoded value, a zero-copy memoryview or a RecordBatch), the sliced
//! wait with the interpreter released, and the hooks behind `async for` (the pure-Python
//! half is rbpf/_events.py).

use crate::errors::CoreResultExt;
use crate::map::Map;
use crate::shared::Shared;
use crate::value::Typed;
use parking_lot::Mutex;
use pyo3::exceptions::{PyBufferError, PyIndexError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::pyclass::{PyTraverseError, PyVisit};
use pyo3::types::{PyBytes, PyInt, PyList, PyMemoryView, PyString};
use rbpf_core::Error;
use std::any::Any;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Longest stretch spent waiting without checking for signals.
pub const SLICE_MS: u64 = 100;

/// Resolve `value_type` ("struct event", a typedef name, or a BTF type id) in the map's
/// object BTF.
pub fn resolve_type(py: Python<'_>, map: &Map, value_type: &Bound<'_, PyAny>) -> PyResult<u32> {
    if value_type.is_instance_of::<PyInt>() {
        return value_type.extract();
    }
    let Ok(name) = value_type.cast::<PyString>() else {
        return Err(PyTypeError::new_err(
            "value_type must be a type name such as 'struct event' or a BTF type id",
        ));
    };
    let name = name.to_str()?.to_owned();
    let Some(shared) = map.object() else {
        return Err(Error::new(
            libc::ENOENT,
            format!("map '{}' has no object BTF to decode '{name}' (a standalone map): take raw records", map.name_str()),
        ))
        .py();
    };
    shared.with(py, |o| {
        let Some(btf) = o.btf() else {
            return Err(Error::new(
                libc::ENOENT,
                format!("object '{}' has no BTF to decode '{name}'", o.name()),
            ))
            .py();
        };
        match crate::btf_find_type(btf, &name) {
            Some(id) => Ok(id),
            None => Err(Error::new(libc::ENOENT, format!("object '{}': no BTF type '{name}'", o.name()))).py(),
        }
    })
}

/// How one buffer's records reach Python: bytes, or decoded as a BTF type.
pub struct Decoder {
    decode: Option<(Arc<Shared>, u32)>,
    /// "ring buffer 'events' record", for decode errors.
    what: String,
}

impl Decoder {
    pub fn new(py: Python<'_>, map: &Map, value_type: Option<&Bound<'_, PyAny>>, what: String) -> PyResult<Self> {
        let decode = match value_type {
            Some(t) if !t.is_none() => {
                let id = resolve_type(py, map, t)?;
                map.object().map(|s| (s.clone(), id))
            }
            _ => None,
        };
        Ok(Decoder { decode, what })
    }

    pub fn is_typed(&self) -> bool {
        self.decode.is_some()
    }

    pub fn to_py<'py>(&self, py: Python<'py>, data: &[u8]) -> PyResult<Bound<'py, PyAny>> {
        match &self.decode {
            None => Ok(PyBytes::new(py, data).into_any()),
            Some((shared, type_id)) => shared.with(py, |o| {
                let t = Typed {
                    btf: o.btf(),
                    type_id: *type_id,
                    size: data.len(),
                    what: &self.what,
                };
                t.decode(py, data)
            }),
        }
    }
}

/// Check the `copy` / `batch` / `value_type` / callback combination of one buffer.
pub fn check_mode(callback: Option<&Py<PyAny>>, copy: bool, batch: bool, dec: &Decoder, py: Python<'_>) -> PyResult<()> {
    if let Some(cb) = callback {
        if !cb.bind(py).is_callable() {
            return Err(PyTypeError::new_err("callback must be callable"));
        }
    }
    if !copy && batch {
        return Err(PyValueError::new_err(
            "copy=False cannot be combined with batch=True: a record's space is reused as soon as it is consumed",
        ));
    }
    if !copy && dec.is_typed() {
        return Err(PyValueError::new_err("copy=False delivers raw bytes: it cannot be combined with value_type"));
    }
    if callback.is_none() && (!copy || batch) {
        return Err(PyValueError::new_err(
            "copy=False and batch=True need a callback (records without a callback are kept for `async for`)",
        ));
    }
    Ok(())
}

/// Wait on `wait(slice_ms)` with the interpreter released, in slices so Ctrl-C
/// interrupts; returns when it reports data or `timeout_ms` (None / negative: forever)
/// has passed.
pub fn wait_sliced(
    py: Python<'_>,
    timeout_ms: Option<i64>,
    wait: &(dyn Fn(i32) -> rbpf_core::Result<bool> + Sync),
) -> PyResult<()> {
    let timeout_ms = timeout_ms.unwrap_or(-1);
    let deadline = (timeout_ms >= 0).then(|| Instant::now() + Duration::from_millis(timeout_ms as u64));
    loop {
        let slice = match deadline {
            None => SLICE_MS,
            Some(d) => (d.saturating_duration_since(Instant::now()).as_millis() as u64).min(SLICE_MS),
        };
        let ready = py.detach(|| crate::errors::catch_core(|| wait(slice as i32))).py()?;
        py.check_signals()?;
        if ready || deadline.is_some_and(|d| Instant::now() >= d) {
            return Ok(());
        }
    }
}

/// The exporter behind zero-copy records: a read-only buffer over the record the
/// consumer is handing out (memory the core keeps mapped), one object per buffer,
/// re-aimed at every record. `keep` holds the core buffer (and so its mappings) alive
/// for as long as a view exists, even after close().
#[pyclass(frozen, module = "rbpf", name = "_RecordView")]
pub struct RecordView {
    ptr: AtomicUsize,
    len: AtomicUsize,
    /// Buffers handed out and not yet released.
    exports: AtomicUsize,
    keep: Mutex<Option<Arc<dyn Any + Send + Sync>>>,
    /// Exports writable buffers (a user ring buffer's reserved sample); else read-only.
    writable: bool,
}

impl RecordView {
    pub fn new(keep: Arc<dyn Any + Send + Sync>) -> Self {
        RecordView {
            ptr: AtomicUsize::new(0),
            len: AtomicUsize::new(0),
            exports: AtomicUsize::new(0),
            keep: Mutex::new(Some(keep)),
            writable: false,
        }
    }

    /// An exporter of writable memory (only ever wrapped by `write_into`).
    pub fn new_writable(keep: Arc<dyn Any + Send + Sync>) -> Self {
        RecordView {
            writable: true,
            ..Self::new(keep)
        }
    }

    /// Let the core buffer go when no view is left (close()).
    pub fn release_keep(&self) {
        if self.exports.load(Ordering::Acquire) == 0 {
            self.keep.lock().take();
        }
    }
}

#[pymethods]
impl RecordView {
    /// # Safety
    /// `view` is the Py_buffer the interpreter asks us to fill.
    unsafe fn __getbuffer__(slf: Bound<'_, Self>, view: *mut pyo3::ffi::Py_buffer, flags: std::ffi::c_int) -> PyResult<()> {
        let this = slf.get();
        let ptr = this.ptr.load(Ordering::Acquire) as *mut std::ffi::c_void;
        let len = this.len.load(Ordering::Acquire);
        if ptr.is_null() || this.keep.lock().is_none() {
            return Err(PyBufferError::new_err("no record is being delivered"));
        }
        // SAFETY: `ptr`/`len` describe the record the core is delivering (set by
        // `with_view` for the duration of the callback), or a user ring sample reserved
        // for us alone (set by `write_into`), inside a mapping owned by the core buffer
        // that `keep` holds alive as long as this object (which every exported buffer
        // references) lives. Delivered records are read-only: PyBuffer_FillInfo rejects
        // PyBUF_WRITABLE requests then. `view` comes from the interpreter.
        let readonly = if this.writable { 0 } else { 1 };
        let r = unsafe { pyo3::ffi::PyBuffer_FillInfo(view, slf.as_ptr(), ptr, len as pyo3::ffi::Py_ssize_t, readonly, flags) };
        if r != 0 {
            return Err(PyErr::fetch(slf.py()));
        }
        this.exports.fetch_add(1, Ordering::AcqRel);
        Ok(())
    }

    /// # Safety
    /// Called by the interpreter for a buffer filled by `__getbuffer__`.
    unsafe fn __releasebuffer__(&self, _view: *mut pyo3::ffi::Py_buffer) {
        self.exports.fetch_sub(1, Ordering::AcqRel);
    }
}

/// Call `f` with a read-only memoryview of `data` that is released when `f` returns:
/// using it afterwards raises ValueError. A view derived from it (a slice,
/// memoryview(view)) that outlives the callback is a BufferError.
pub fn with_view<'py, R>(
    exporter: &Bound<'py, RecordView>,
    data: &[u8],
    f: impl FnOnce(&Bound<'py, PyMemoryView>) -> PyResult<R>,
) -> PyResult<R> {
    let this = exporter.get();
    this.ptr.store(data.as_ptr() as usize, Ordering::Release);
    this.len.store(data.len(), Ordering::Release);
    let made = PyMemoryView::from(exporter.as_any());
    // Aim at nothing again: a new view outside a delivery fails.
    this.ptr.store(0, Ordering::Release);
    let mv = made?;
    let r = f(&mv);
    let released = mv.call_method0(pyo3::intern!(exporter.py(), "release"));
    let r = r?;
    if let Err(e) = released {
        return Err(PyBufferError::new_err(format!(
            "a zero-copy record view is still in use after its callback returned ({e}); copy it with bytes(view)"
        )));
    }
    if this.exports.load(Ordering::Acquire) != 0 {
        return Err(PyBufferError::new_err(
            "a view derived from a zero-copy record (a slice, memoryview(view)) outlived its callback; copy it with bytes(view)",
        ));
    }
    Ok(r)
}

/// A memoryview over `len` bytes at `ptr`, memory owned by `keep` (kept alive as long
/// as the view or any slice of it lives): a map's mmap'd values.
pub fn lasting_view<'py>(
    py: Python<'py>,
    keep: Arc<dyn Any + Send + Sync>,
    ptr: *mut u8,
    len: usize,
    writable: bool,
) -> PyResult<Bound<'py, PyMemoryView>> {
    let mut ex = RecordView::new(keep);
    ex.writable = writable;
    ex.ptr = AtomicUsize::new(ptr as usize);
    ex.len = AtomicUsize::new(len);
    let ex = Bound::new(py, ex)?;
    let mv = PyMemoryView::from(ex.as_any());
    // One export only: slices share it, a new memoryview(ex) is refused.
    ex.get().ptr.store(0, Ordering::Release);
    mv
}

/// Copy `data` into the writable memory at `ptr` (`len` bytes, owned by the exporter's
/// core buffer) at `offset`, through a memoryview that never leaves this function.
pub fn write_into(exporter: &Bound<'_, RecordView>, ptr: *mut u8, len: usize, offset: usize, data: &Bound<'_, PyAny>) -> PyResult<()> {
    let this = exporter.get();
    this.ptr.store(ptr as usize, Ordering::Release);
    this.len.store(len, Ordering::Release);
    let made = PyMemoryView::from(exporter.as_any());
    this.ptr.store(0, Ordering::Release);
    let mv = made?;
    let src = PyMemoryView::from(data)?.call_method1(pyo3::intern!(exporter.py(), "cast"), ("B",))?;
    let n: usize = src.len()?;
    let r = if offset.checked_add(n).is_none_or(|end| end > len) {
        Err(PyValueError::new_err(format!("{n} bytes at offset {offset} don't fit a {len}-byte sample")))
    } else {
        let slice = pyo3::types::PySlice::new(exporter.py(), offset as isize, (offset + n) as isize, 1);
        mv.set_item(slice, src)
    };
    let released = mv.call_method0(pyo3::intern!(exporter.py(), "release"));
    r?;
    released?;
    Ok(())
}

/// Records collected from one buffer in one drain (batch=True): copied back to back into
/// one buffer, handed to Python once.
#[derive(Default)]
pub struct BatchBuf {
    data: Vec<u8>,
    ends: Vec<usize>,
}

impl BatchBuf {
    pub fn push(&mut self, rec: &[u8]) {
        self.data.extend_from_slice(rec);
        self.ends.push(self.data.len());
    }
    pub fn len(&self) -> usize {
        self.ends.len()
    }
    pub fn into_py(self, py: Python<'_>, dec: Arc<Decoder>) -> PyResult<Bound<'_, RecordBatch>> {
        let size = self.ends.first().copied().unwrap_or(0);
        let fixed = self.ends.iter().enumerate().all(|(i, &e)| e == (i + 1) * size);
        Bound::new(
            py,
            RecordBatch {
                data: PyBytes::new(py, &self.data).unbind(),
                ends: self.ends,
                record_size: fixed.then_some(size),
                dec,
            },
        )
    }
}

/// The records one buffer produced in one poll/consume, delivered with one call
/// (batch=True): a read-only sequence of records (bytes, or decoded by value_type),
/// plus `data` (every record back to back, one bytes object) and `record_size` (the
/// common size, None when sizes differ) for bulk processing, e.g.
/// `struct.iter_unpack("=QQ", batch.data)`.
#[pyclass(frozen, sequence, module = "rbpf", name = "RecordBatch")]
pub struct RecordBatch {
    data: Py<PyBytes>,
    ends: Vec<usize>,
    record_size: Option<usize>,
    dec: Arc<Decoder>,
}

impl RecordBatch {
    fn span(&self, i: usize) -> (usize, usize) {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        (start, self.ends[i])
    }
}

#[pymethods]
impl RecordBatch {
    fn __len__(&self) -> usize {
        self.ends.len()
    }

    fn __getitem__<'py>(&self, py: Python<'py>, index: isize) -> PyResult<Bound<'py, PyAny>> {
        let n = self.ends.len() as isize;
        let i = if index < 0 { index + n } else { index };
        if i < 0 || i >= n {
            return Err(PyIndexError::new_err("record batch index out of range"));
        }
        let (s, e) = self.span(i as usize);
        self.dec.to_py(py, &self.data.bind(py).as_bytes()[s..e])
    }

    /// Every record back to back (raw bytes, whatever value_type says).
    #[getter]
    fn data(&self, py: Python<'_>) -> Py<PyBytes> {
        self.data.clone_ref(py)
    }

    /// The size of every record when they are all the same size, else None.
    #[getter]
    fn record_size(&self) -> Option<usize> {
        self.record_size
    }

    /// The records as a list.
    fn tolist<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let out = PyList::empty(py);
        for i in 0..self.ends.len() {
            let (s, e) = self.span(i);
            out.append(self.dec.to_py(py, &self.data.bind(py).as_bytes()[s..e])?)?;
        }
        Ok(out)
    }

    fn __repr__(&self) -> String {
        match self.record_size {
            Some(s) => format!("<rbpf.RecordBatch {} records of {s} bytes>", self.ends.len()),
            None => format!("<rbpf.RecordBatch {} records>", self.ends.len()),
        }
    }
}

/// Records of callback-less buffers waiting for `async for`, and the wake-ups of
/// iterators waiting on the loop (called by close() so they end instead of hanging).
#[derive(Default)]
pub struct Pending {
    pub records: Mutex<VecDeque<Py<PyAny>>>,
    pub wakers: Mutex<Vec<Py<PyAny>>>,
}

impl Pending {
    pub fn take<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let recs: Vec<Py<PyAny>> = self.records.lock().drain(..).collect();
        PyList::new(py, recs)
    }

    pub fn remove_waker(&self, waker: &Bound<'_, PyAny>) {
        self.wakers.lock().retain(|w| !w.bind(waker.py()).is(waker));
    }

    pub fn wake_all(&self, py: Python<'_>) {
        let wakers = std::mem::take(&mut *self.wakers.lock());
        for w in wakers {
            // A waker of a finished loop may fail: nothing is waiting on it then.
            let _ = w.bind(py).call0();
        }
    }

    pub fn traverse(&self, visit: &PyVisit<'_>) -> Result<(), PyTraverseError> {
        if let Some(recs) = self.records.try_lock() {
            for r in recs.iter() {
                visit.call(r)?;
            }
        }
        if let Some(ws) = self.wakers.try_lock() {
            for w in ws.iter() {
                visit.call(w)?;
            }
        }
        Ok(())
    }

    pub fn clear(&self) {
        if let Some(mut r) = self.records.try_lock() {
            r.clear();
        }
        if let Some(mut w) = self.wakers.try_lock() {
            w.clear();
        }
    }
}

/// `rbpf._events.aiter(buf)`: the async iterator over a buffer's records.
pub fn async_iter<'py>(py: Python<'py>, buf: Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    py.import("rbpf._events")?.getattr("aiter_records")?.call1((buf,))
}
