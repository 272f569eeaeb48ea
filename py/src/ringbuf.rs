//! rbpf.RingBuffer: waits with the interpreter released in ~100 ms slices (so Ctrl-C
//! interrupts), then drains every ring under the interpreter, calling the Python
//! callbacks. A callback's exception stops consumption and is re-raised from poll() /
//! consume().

use crate::errors::{catch, catch_core, to_py, CoreResultExt};
use crate::map::Map;
use crate::opts::from_kwargs;
use crate::shared::Shared;
use crate::value::Typed;
use parking_lot::Mutex;
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::pyclass::PyTraverseError;
use pyo3::pyclass::PyVisit;
use pyo3::types::{PyBytes, PyDict, PyInt, PyString, PyTuple};
use rbpf_core::events::RingWaiter;
use rbpf_core::opts::RingBufferOpts;
use rbpf_core::Error;
use std::sync::Arc;
use std::time::{Duration, Instant};

const _: () = {
    const fn assert_send<T: Send>() {}
    const fn assert_send_sync<T: Send + Sync>() {}
    assert_send::<rbpf_core::RingBuffer>();
    assert_send_sync::<RingWaiter>();
};

/// Longest stretch spent waiting without checking for signals.
const SLICE_MS: u64 = 100;

struct Ring {
    callback: Py<PyAny>,
    /// Decode records as this BTF type of the map's object.
    decode: Option<(Arc<Shared>, u32)>,
    /// "ring buffer 'events' record", for decode errors.
    what: String,
}

#[pyclass(frozen, module = "rbpf", name = "RingBuffer")]
pub struct RingBuffer {
    core: Mutex<Option<rbpf_core::RingBuffer>>,
    rings: Mutex<Vec<Arc<Ring>>>,
    waiter: Mutex<Option<Arc<RingWaiter>>>,
}

fn closed() -> Error {
    Error::new(libc::EBADF, "ring buffer is closed")
}

/// Resolve `value_type` ("struct event", a typedef name, or a BTF type id) in the map's
/// object BTF.
fn resolve_type(py: Python<'_>, map: &Map, value_type: &Bound<'_, PyAny>) -> PyResult<u32> {
    if value_type.is_instance_of::<PyInt>() {
        return value_type.extract();
    }
    let Ok(name) = value_type.cast::<PyString>() else {
        return Err(PyTypeError::new_err(
            "value_type must be a type name such as 'struct event' or a BTF type id",
        ));
    };
    let name = name.to_str()?.to_owned();
    map.shared().with(py, |o| {
        let Some(btf) = o.btf() else {
            return Err(Error::new(
                libc::ENOENT,
                format!("object '{}' has no BTF to decode '{name}'", o.name()),
            ))
            .py();
        };
        match crate::btf_find_type(btf, &name) {
            Some(id) => Ok(id),
            None => Err(Error::new(
                libc::ENOENT,
                format!("object '{}': no BTF type '{name}'", o.name()),
            ))
            .py(),
        }
    })
}

impl RingBuffer {
    fn waiter(&self, py: Python<'_>) -> PyResult<Arc<RingWaiter>> {
        let mut w = self.waiter.lock();
        if let Some(w) = &*w {
            return Ok(w.clone());
        }
        let core = self.core.try_lock().ok_or_else(|| busy(py))?;
        let rb = core.as_ref().ok_or_else(closed).py()?;
        let new = Arc::new(catch(|| rb.waiter().py())?);
        *w = Some(new.clone());
        Ok(new)
    }

    fn drain(&self, py: Python<'_>, max: Option<usize>) -> PyResult<usize> {
        let rings: Vec<Arc<Ring>> = self.rings.lock().clone();
        let mut core = self.core.try_lock().ok_or_else(|| busy(py))?;
        let rb = core.as_mut().ok_or_else(closed).py()?;
        let mut raised: Option<PyErr> = None;
        let mut cb = |idx: usize, data: &[u8]| -> i32 {
            let Some(ring) = rings.get(idx) else { return 0 };
            match deliver(py, ring, data) {
                Ok(ret) => ret,
                Err(e) => {
                    raised = Some(e);
                    -libc::ECANCELED
                }
            }
        };
        let r = catch(|| match max {
            Some(n) => rb.consume_n(n, &mut cb).py(),
            None => rb.consume(&mut cb).py(),
        });
        match raised {
            Some(e) => Err(e),
            None => r,
        }
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

/// Call one ring's callback with one record. Returns the callback's verdict.
fn deliver(py: Python<'_>, ring: &Ring, data: &[u8]) -> PyResult<i32> {
    let arg = match &ring.decode {
        None => PyBytes::new(py, data).into_any(),
        Some((shared, type_id)) => {
            shared.with(py, |o| {
                let t = Typed {
                    btf: o.btf(),
                    type_id: *type_id,
                    size: data.len(),
                    what: &ring.what,
                };
                t.decode(py, data)
            })?
        }
    };
    let ret = ring.callback.bind(py).call1((arg,))?;
    if ret.is_none() {
        return Ok(0);
    }
    // libbpf: 0 continues, non-zero stops (negative is an error).
    Ok(ret.extract::<i32>().unwrap_or(0))
}

#[pymethods]
impl RingBuffer {
    /// `RingBuffer(map, callback, *, value_type=None)`; more rings with add().
    #[new]
    #[pyo3(signature = (map = None, callback = None, **kwargs))]
    fn new(
        py: Python<'_>,
        map: Option<&Bound<'_, Map>>,
        callback: Option<Py<PyAny>>,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Self> {
        let mut value_type = None;
        let rest = PyDict::new(py);
        if let Some(kw) = kwargs {
            for (k, v) in kw.iter() {
                if k.extract::<String>()? == "value_type" {
                    value_type = Some(v);
                } else {
                    rest.set_item(k, v)?;
                }
            }
        }
        let opts: RingBufferOpts = from_kwargs("RingBuffer", Some(&rest))?;
        let core = py.detach(|| catch_core(|| rbpf_core::RingBuffer::new(&opts))).py()?;
        let rb = RingBuffer {
            core: Mutex::new(Some(core)),
            rings: Mutex::new(Vec::new()),
            waiter: Mutex::new(None),
        };
        match (map, callback) {
            (Some(m), Some(cb)) => {
                rb.add(py, m, cb, value_type.as_ref())?;
            }
            (Some(_), None) => return Err(PyTypeError::new_err("RingBuffer(map, callback): callback is missing")),
            (None, Some(_)) => return Err(PyTypeError::new_err("RingBuffer(map, callback): map is missing")),
            (None, None) => {}
        }
        Ok(rb)
    }

    /// Add a BPF_MAP_TYPE_RINGBUF map. `callback(record)` gets bytes, or the record
    /// decoded as `value_type` ("struct event", from the map's object BTF); returning a
    /// non-zero int stops consumption.
    #[pyo3(signature = (map, callback, *, value_type = None))]
    fn add(
        &self,
        py: Python<'_>,
        map: &Bound<'_, Map>,
        callback: Py<PyAny>,
        value_type: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<usize> {
        if !callback.bind(py).is_callable() {
            return Err(PyTypeError::new_err("RingBuffer callback must be callable"));
        }
        let m = map.get();
        let decode = match value_type {
            Some(t) if !t.is_none() => Some((m.shared().clone(), resolve_type(py, m, t)?)),
            _ => None,
        };
        let fd = m.shared().with(py, |o| o.maps()[m.idx()].fd().py())?;
        let mut core = self.core.try_lock().ok_or_else(|| busy(py))?;
        let rb = core.as_mut().ok_or_else(closed).py()?;
        let idx = catch(|| rb.add(fd).py())?;
        let mut rings = self.rings.lock();
        let what = format!("ring buffer '{}' record", m.name_str());
        let ring = Arc::new(Ring { callback, decode, what });
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
        let timeout_ms = timeout_ms.unwrap_or(-1);
        let waiter = self.waiter(py)?;
        let deadline = (timeout_ms >= 0).then(|| Instant::now() + Duration::from_millis(timeout_ms as u64));
        loop {
            let slice = match deadline {
                None => SLICE_MS,
                Some(d) => (d.saturating_duration_since(Instant::now()).as_millis() as u64).min(SLICE_MS),
            };
            let w = waiter.clone();
            let ready = py.detach(move || catch_core(|| w.wait(slice as i32))).py()?;
            py.check_signals()?;
            if ready || deadline.is_some_and(|d| Instant::now() >= d) {
                break;
            }
        }
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
        let core = self.core.try_lock().ok_or_else(|| busy(py))?;
        let rb = core.as_ref().ok_or_else(closed).py()?;
        catch(|| Ok(rb.epoll_fd()))
    }

    #[getter]
    fn ring_count(&self) -> usize {
        self.rings.lock().len()
    }

    /// Close the epoll fd and the rings. Idempotent.
    fn close(&self, py: Python<'_>) -> PyResult<()> {
        let core = self.core.try_lock().ok_or_else(|| busy(py))?.take();
        self.waiter.lock().take();
        let rings = std::mem::take(&mut *self.rings.lock());
        drop(rings);
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
                visit.call(&r.callback)?;
            }
        }
        Ok(())
    }

    fn __clear__(&self) {
        if let Some(mut rings) = self.rings.try_lock() {
            rings.clear();
        }
    }
}
