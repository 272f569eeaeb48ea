//! rbpf.RingBuffer: waits with the interpreter released in ~100 ms slices (so Ctrl-C
//! interrupts), then drains every ring under the interpreter, calling the Python
//! callbacks. A callback's exception stops consumption and is re-raised from poll() /
//! consume(). Per ring, records reach Python as bytes or BTF-decoded values (one call
//! per record), as zero-copy memoryviews (copy=False), as one RecordBatch per drain
//! (batch=True), or, for rings without a callback, through `async for` (rbpf/_events.py).

use crate::errors::{catch, catch_core, to_py, CoreResultExt};
use crate::events::{check_mode, with_view, BatchBuf, Decoder, Pending, RecordView};
use crate::map::Map;
use crate::opts::from_kwargs;
use parking_lot::Mutex;
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::pyclass::PyTraverseError;
use pyo3::pyclass::PyVisit;
use pyo3::types::{PyDict, PyList, PyTuple};
use rbpf_core::events::RingWaiter;
use rbpf_core::opts::RingBufferOpts;
use rbpf_core::Error;
use std::sync::Arc;

const _: () = {
    const fn assert_send<T: Send>() {}
    const fn assert_send_sync<T: Send + Sync>() {}
    assert_send::<rbpf_core::RingBuffer>();
    assert_send_sync::<RingWaiter>();
};

/// The core manager; zero-copy views hold it (and its mappings) alive.
type Core = Arc<Mutex<rbpf_core::RingBuffer>>;

struct Ring {
    /// None: records wait in `pending` for `async for`.
    callback: Option<Py<PyAny>>,
    dec: Arc<Decoder>,
    copy: bool,
    batch: bool,
}

#[pyclass(frozen, module = "rbpf", name = "RingBuffer")]
pub struct RingBuffer {
    core: Mutex<Option<Core>>,
    rings: Mutex<Vec<Arc<Ring>>>,
    waiter: Mutex<Option<Arc<RingWaiter>>>,
    /// The exporter of zero-copy records (made by the first copy=False ring).
    view: Mutex<Option<Py<RecordView>>>,
    pending: Pending,
}

fn closed() -> Error {
    Error::new(libc::EBADF, "ring buffer is closed")
}

impl RingBuffer {
    fn core(&self) -> PyResult<Core> {
        self.core.lock().as_ref().cloned().ok_or_else(closed).py()
    }

    fn waiter(&self, py: Python<'_>) -> PyResult<Arc<RingWaiter>> {
        let mut w = self.waiter.lock();
        if let Some(w) = &*w {
            return Ok(w.clone());
        }
        let core = self.core()?;
        let rb = core.try_lock().ok_or_else(|| busy(py))?;
        let new = Arc::new(catch(|| rb.waiter().py())?);
        *w = Some(new.clone());
        Ok(new)
    }

    /// Consume up to `max` records from every ring (in ring order), delivering them.
    fn drain(&self, py: Python<'_>, max: Option<usize>) -> PyResult<usize> {
        self.drain_rings(py, max, None)
    }

    /// As drain, over one ring (`only`) or all.
    fn drain_rings(&self, py: Python<'_>, max: Option<usize>, only: Option<usize>) -> PyResult<usize> {
        let rings: Vec<Arc<Ring>> = self.rings.lock().clone();
        let core = self.core()?;
        let mut rb = core.try_lock().ok_or_else(|| busy(py))?;
        let view = self.view.lock().as_ref().map(|v| v.clone_ref(py));
        let view = view.as_ref().map(|v| v.bind(py));
        let budget = max.unwrap_or(usize::MAX);
        let mut total = 0usize;
        if let Some(i) = only {
            if i >= rings.len() {
                return Err(Error::new(libc::EINVAL, format!("ring buffer: no ring {i} (have {})", rings.len()))).py();
            }
        }
        for (idx, ring) in rings.iter().enumerate() {
            if only.is_some_and(|i| i != idx) {
                continue;
            }
            if total >= budget {
                break;
            }
            let left = budget - total;
            if ring.batch {
                let mut b = BatchBuf::default();
                let n = catch(|| {
                    rb.consume_ring(idx, left, &mut |_, d| {
                        b.push(d);
                        0
                    })
                    .py()
                })?;
                total += n;
                if b.len() > 0 {
                    if let Some(cb) = &ring.callback {
                        let batch = b.into_py(py, ring.dec.clone())?;
                        cb.bind(py).call1((batch,))?;
                    }
                }
                continue;
            }
            let mut raised: Option<PyErr> = None;
            let mut stopped = false;
            let mut cb = |_: usize, data: &[u8]| -> i32 {
                match deliver(py, ring, view, &self.pending, data) {
                    Ok(0) => 0,
                    Ok(v) => {
                        stopped = true;
                        v
                    }
                    Err(e) => {
                        raised = Some(e);
                        -libc::ECANCELED
                    }
                }
            };
            let r = catch(|| rb.consume_ring(idx, left, &mut cb).py());
            if let Some(e) = raised {
                return Err(e);
            }
            total += r?;
            if stopped {
                break;
            }
        }
        Ok(total)
    }
}

fn busy(py: Python<'_>) -> PyErr {
    to_py(
        py,
        Error::new(
            libc::EBUSY,
            "ring buffer is in use (a poll from another thread, or from its own callback)",
        ),
    )
}

/// Interpret a callback's return value: libbpf's 0 continues, non-zero stops (negative
/// is an error).
pub fn verdict(ret: &Bound<'_, PyAny>) -> i32 {
    if ret.is_none() {
        return 0;
    }
    ret.extract::<i32>().unwrap_or(0)
}

/// Hand one record to its ring's callback (or to the pending queue). Returns the verdict.
fn deliver(py: Python<'_>, ring: &Ring, view: Option<&Bound<'_, RecordView>>, pending: &Pending, data: &[u8]) -> PyResult<i32> {
    let Some(cb) = &ring.callback else {
        let rec = ring.dec.to_py(py, data)?;
        pending.records.lock().push_back(rec.unbind());
        return Ok(0);
    };
    let cb = cb.bind(py);
    if !ring.copy {
        if let Some(v) = view {
            return with_view(v, data, |mv| Ok(verdict(&cb.call1((mv,))?)));
        }
    }
    let arg = ring.dec.to_py(py, data)?;
    Ok(verdict(&cb.call1((arg,))?))
}

/// One ring of a RingBuffer (libbpf's `struct ring`, from `ring_buffer__ring`).
#[pyclass(frozen, module = "rbpf", name = "Ring")]
pub struct PyRing {
    rb: Py<RingBuffer>,
    idx: usize,
}

impl PyRing {
    fn with<T>(&self, py: Python<'_>, f: impl FnOnce(&rbpf_core::events::Ring) -> T) -> PyResult<T> {
        let core = self.rb.get().core()?;
        let rb = core.try_lock().ok_or_else(|| busy(py))?;
        match rb.ring(self.idx) {
            Some(r) => Ok(f(r)),
            None => Err(Error::new(libc::EINVAL, format!("ring buffer: no ring {}", self.idx))).py(),
        }
    }
}

#[pymethods]
impl PyRing {
    /// The ring's index in its RingBuffer.
    #[getter]
    fn index(&self) -> usize {
        self.idx
    }
    #[getter]
    fn consumer_pos(&self, py: Python<'_>) -> PyResult<u64> {
        self.with(py, |r| r.consumer_pos())
    }
    #[getter]
    fn producer_pos(&self, py: Python<'_>) -> PyResult<u64> {
        self.with(py, |r| r.producer_pos())
    }
    /// Bytes produced and not yet consumed (record headers and padding included).
    #[getter]
    fn avail_data_size(&self, py: Python<'_>) -> PyResult<u64> {
        self.with(py, |r| r.avail_data_size())
    }
    /// The data area's size (the map's max_entries).
    #[getter]
    fn size(&self, py: Python<'_>) -> PyResult<u64> {
        self.with(py, |r| r.size())
    }
    /// The ring's own fd of the map.
    #[getter]
    fn map_fd(&self, py: Python<'_>) -> PyResult<i32> {
        self.with(py, |r| r.map_fd())
    }
    /// Consume this ring's records (at most `n`), delivered as its add() said.
    #[pyo3(signature = (n = None))]
    fn consume(&self, py: Python<'_>, n: Option<usize>) -> PyResult<usize> {
        self.rb.get().drain_rings(py, n, Some(self.idx))
    }
    fn __repr__(&self) -> String {
        format!("<rbpf.Ring {}>", self.idx)
    }
}

#[pymethods]
impl RingBuffer {
    /// Ring `idx` (in add() order): positions, sizes, its own consume().
    fn ring(slf: &Bound<'_, Self>, idx: usize) -> PyResult<PyRing> {
        let n = slf.get().rings.lock().len();
        if idx >= n {
            return Err(Error::new(libc::EINVAL, format!("ring buffer: no ring {idx} (have {n})"))).py();
        }
        Ok(PyRing { rb: slf.clone().unbind(), idx })
    }

    /// `RingBuffer(map=None, callback=None, *, value_type=None, copy=True, batch=False)`;
    /// more rings with add().
    #[new]
    #[pyo3(signature = (map = None, callback = None, **kwargs))]
    fn new(
        py: Python<'_>,
        map: Option<&Bound<'_, Map>>,
        callback: Option<Py<PyAny>>,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Self> {
        // The add() keywords; the rest are rbpf_ring_buffer_opts fields.
        let add_kw = PyDict::new(py);
        let rest = PyDict::new(py);
        if let Some(kw) = kwargs {
            for (k, v) in kw.iter() {
                let name: String = k.extract()?;
                if matches!(name.as_str(), "value_type" | "copy" | "batch") {
                    add_kw.set_item(k, v)?;
                } else {
                    rest.set_item(k, v)?;
                }
            }
        }
        let opts: RingBufferOpts = from_kwargs("RingBuffer", Some(&rest))?;
        let core = py.detach(|| catch_core(|| rbpf_core::RingBuffer::new(&opts))).py()?;
        let rb = RingBuffer {
            core: Mutex::new(Some(Arc::new(Mutex::new(core)))),
            rings: Mutex::new(Vec::new()),
            waiter: Mutex::new(None),
            view: Mutex::new(None),
            pending: Pending::default(),
        };
        match map {
            Some(m) => {
                let get = |k: &str| add_kw.get_item(k);
                let copy = match get("copy")? {
                    Some(v) => v.extract()?,
                    None => true,
                };
                let batch = match get("batch")? {
                    Some(v) => v.extract()?,
                    None => false,
                };
                rb.add(py, m, callback, get("value_type")?.as_ref(), copy, batch)?;
            }
            None if callback.is_some() => {
                return Err(PyTypeError::new_err("RingBuffer(map, callback): map is missing"))
            }
            None if !add_kw.is_empty() => {
                return Err(PyTypeError::new_err("RingBuffer(): value_type, copy and batch need a map"))
            }
            None => {}
        }
        Ok(rb)
    }

    /// Add a BPF_MAP_TYPE_RINGBUF map; returns the ring's index.
    ///
    /// `callback(record)` gets bytes, or the record decoded as `value_type` ("struct
    /// event", from the map's object BTF); a non-zero int return stops consumption.
    /// `copy=False`: the callback gets a read-only memoryview into the ring, valid only
    /// during the call (released afterwards). `batch=True`: the callback is called once
    /// per poll/consume with a RecordBatch of every record this ring had. Without a
    /// callback, records are kept for `async for rec in rb`.
    #[pyo3(signature = (map, callback = None, *, value_type = None, copy = true, batch = false))]
    fn add(
        &self,
        py: Python<'_>,
        map: &Bound<'_, Map>,
        callback: Option<Py<PyAny>>,
        value_type: Option<&Bound<'_, PyAny>>,
        copy: bool,
        batch: bool,
    ) -> PyResult<usize> {
        let m = map.get();
        let dec = Decoder::new(py, m, value_type, format!("ring buffer '{}' record", m.name_str()))?;
        let callback = callback.filter(|c| !c.is_none(py));
        check_mode(callback.as_ref(), copy, batch, &dec, py)?;
        let fd = m.core_fd(py)?;
        let core = self.core()?;
        if !copy {
            let mut v = self.view.lock();
            if v.is_none() {
                let keep: Arc<dyn std::any::Any + Send + Sync> = core.clone();
                *v = Some(Py::new(py, RecordView::new(keep))?);
            }
        }
        let mut rb = core.try_lock().ok_or_else(|| busy(py))?;
        let idx = catch(|| rb.add(fd).py())?;
        let mut rings = self.rings.lock();
        let ring = Arc::new(Ring { callback, dec: Arc::new(dec), copy, batch });
        if idx == rings.len() {
            rings.push(ring);
        } else if idx < rings.len() {
            rings[idx] = ring;
        } else {
            return Err(to_py(
                py,
                Error::new(libc::EFAULT, format!("ring buffer: unexpected ring index {idx}")),
            ));
        }
        Ok(idx)
    }

    /// Wait up to `timeout_ms` (-1 or None: forever) for records, then consume them all.
    /// Returns the number of records consumed. KeyboardInterrupt interrupts the wait.
    #[pyo3(signature = (timeout_ms = -1), text_signature = "($self, timeout_ms=-1)")]
    fn poll(&self, py: Python<'_>, timeout_ms: Option<i64>) -> PyResult<usize> {
        let waiter = self.waiter(py)?;
        crate::events::wait_sliced(py, timeout_ms, &|ms| waiter.wait(ms))?;
        self.drain(py, None)
    }

    /// Consume every available record without waiting.
    fn consume(&self, py: Python<'_>) -> PyResult<usize> {
        self.drain(py, None)
    }

    /// Consume at most `n` records without waiting.
    fn consume_n(&self, py: Python<'_>, n: usize) -> PyResult<usize> {
        self.drain(py, Some(n))
    }

    /// The epoll fd, for selectors / asyncio (`loop.add_reader(rb.fileno(), rb.consume)`).
    fn fileno(&self, py: Python<'_>) -> PyResult<i32> {
        let core = self.core()?;
        let rb = core.try_lock().ok_or_else(|| busy(py))?;
        catch(|| Ok(rb.epoll_fd()))
    }

    #[getter]
    fn ring_count(&self) -> usize {
        self.rings.lock().len()
    }

    /// True once close() was called.
    #[getter]
    fn closed(&self) -> bool {
        self.core.lock().is_none()
    }

    /// `async for rec in rb.events()`: the records of the rings added without a
    /// callback (rings with callbacks keep getting them), waiting on the running asyncio
    /// loop (add_reader on fileno(), no thread). Ends when the buffer is closed.
    fn events<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        crate::events::async_iter(slf.py(), slf.clone().into_any())
    }

    fn __aiter__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        Self::events(slf)
    }

    /// For rbpf._events: consume what is available and return the records waiting for
    /// `async for` (None once closed).
    fn _take<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyList>>> {
        if self.closed() {
            return Ok(None);
        }
        if self.pending.records.lock().is_empty() {
            self.drain(py, None)?;
        }
        self.pending.take(py).map(Some)
    }

    /// For rbpf._events: `waker()` is called once by close().
    fn _add_waker(&self, waker: Py<PyAny>) {
        self.pending.wakers.lock().push(waker);
    }

    fn _remove_waker(&self, waker: &Bound<'_, PyAny>) {
        self.pending.remove_waker(waker);
    }

    /// Close the epoll fd and the rings (a zero-copy view still alive keeps the mapping
    /// until it goes). Idempotent.
    fn close(&self, py: Python<'_>) -> PyResult<()> {
        let core = self.core.lock().take();
        if core.as_ref().is_some_and(|c| c.is_locked()) {
            // A poll of this buffer is running (its callback closes it): let it finish.
            *self.core.lock() = core;
            return Err(busy(py));
        }
        self.waiter.lock().take();
        if let Some(v) = self.view.lock().take() {
            v.get().release_keep();
        }
        let rings = std::mem::take(&mut *self.rings.lock());
        drop(rings);
        self.pending.wake_all(py);
        py.detach(move || {
            catch_core(move || {
                drop(core);
                Ok(())
            })
        })
        .py()
    }

    fn __enter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    #[pyo3(signature = (*_args))]
    fn __exit__(&self, py: Python<'_>, _args: &Bound<'_, PyTuple>) -> PyResult<bool> {
        self.close(py)?;
        Ok(false)
    }

    fn __traverse__(&self, visit: PyVisit<'_>) -> Result<(), PyTraverseError> {
        if let Some(rings) = self.rings.try_lock() {
            for r in rings.iter() {
                if let Some(cb) = &r.callback {
                    visit.call(cb)?;
                }
            }
        }
        if let Some(v) = self.view.try_lock() {
            if let Some(v) = &*v {
                visit.call(v)?;
            }
        }
        self.pending.traverse(&visit)
    }

    fn __clear__(&self) {
        if let Some(mut rings) = self.rings.try_lock() {
            rings.clear();
        }
        if let Some(mut v) = self.view.try_lock() {
            v.take();
        }
        self.pending.clear();
    }
}
