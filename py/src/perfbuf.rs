//! rbpf.PerfBuffer: libbpf's perf_buffer over a PERF_EVENT_ARRAY map (one ring per
//! CPU). Waits with the interpreter released in slices (Ctrl-C interrupts), then drains
//! under the interpreter calling `callback(cpu, data)` (libbpf's sample_cb) and
//! `lost_callback(cpu, count)` (lost_cb). A callback's exception stops consumption and
//! is re-raised from poll() / consume().

use crate::errors::{catch, catch_core, to_py, CoreResultExt};
use crate::events::{check_mode, Decoder, Pending};
use crate::map::Map;
use crate::opts::from_kwargs;
use crate::ringbuf::verdict;
use parking_lot::Mutex;
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::pyclass::{PyTraverseError, PyVisit};
use pyo3::types::{PyDict, PyList, PyTuple};
use rbpf_core::events::PerfEvent;
use rbpf_core::opts::PerfBufferOpts;
use rbpf_core::sys::epoll::{empty_event, Epoll};
use rbpf_core::Error;
use std::sync::Arc;

const _: () = {
    const fn assert_send<T: Send>() {}
    assert_send::<rbpf_core::PerfBuffer>();
};

type Core = Arc<Mutex<rbpf_core::PerfBuffer>>;
/// (callback, lost_callback).
type Callbacks = (Option<Py<PyAny>>, Option<Py<PyAny>>);

#[pyclass(frozen, module = "rbpf", name = "PerfBuffer")]
pub struct PerfBuffer {
    core: Mutex<Option<Core>>,
    /// A dup of the epoll fd, waited on with the interpreter released.
    waiter: Mutex<Option<Arc<Epoll>>>,
    /// (callback, lost_callback); in a lock so the GC can clear them.
    callbacks: Mutex<Callbacks>,
    dec: Decoder,
    pending: Pending,
    map_name: String,
}

fn closed() -> Error {
    Error::new(libc::EBADF, "perf buffer is closed")
}

fn busy(py: Python<'_>) -> PyErr {
    to_py(
        py,
        Error::new(
            libc::EBUSY,
            "perf buffer is in use (a poll from another thread, or from its own callback)",
        ),
    )
}

impl PerfBuffer {
    fn core(&self) -> PyResult<Core> {
        self.core.lock().as_ref().cloned().ok_or_else(closed).py()
    }

    /// One event → the callbacks (or the pending queue). Returns the verdict.
    fn deliver(
        &self,
        py: Python<'_>,
        cbs: &Callbacks,
        cpu: usize,
        ev: PerfEvent<'_>,
    ) -> PyResult<i32> {
        match ev {
            PerfEvent::Lost(n) => match &cbs.1 {
                Some(cb) => Ok(verdict(&cb.bind(py).call1((cpu, n))?)),
                None => {
                    rbpf_core::warn!("perf buffer '{}': lost {n} samples on cpu {cpu}", self.map_name);
                    Ok(0)
                }
            },
            PerfEvent::Sample(data) => {
                let Some(cb) = &cbs.0 else {
                    let rec = PyTuple::new(py, [cpu.into_pyobject(py)?.into_any(), self.dec.to_py(py, data)?])?;
                    self.pending.records.lock().push_back(rec.into_any().unbind());
                    return Ok(0);
                };
                let cb = cb.bind(py);
                Ok(verdict(&cb.call1((cpu, self.dec.to_py(py, data)?))?))
            }
        }
    }

    /// Read the buffers (`which`: all, or one by index) and deliver their events.
    fn drain(&self, py: Python<'_>, which: Option<usize>) -> PyResult<usize> {
        let core = self.core()?;
        let mut pb = core.try_lock().ok_or_else(|| busy(py))?;
        let cbs = {
            let c = self.callbacks.lock();
            (c.0.as_ref().map(|p| p.clone_ref(py)), c.1.as_ref().map(|p| p.clone_ref(py)))
        };
        let mut raised: Option<PyErr> = None;
        let mut cb = |cpu: usize, ev: PerfEvent<'_>| -> i32 {
            match self.deliver(py, &cbs, cpu, ev) {
                Ok(v) => v,
                Err(e) => {
                    raised = Some(e);
                    -libc::ECANCELED
                }
            }
        };
        let r = catch(|| match which {
            None => pb.consume(&mut cb).py(),
            Some(i) => pb.consume_buffer(i, &mut cb).py(),
        });
        match raised {
            Some(e) => Err(e),
            None => r,
        }
    }
}

#[pymethods]
impl PerfBuffer {
    /// `PerfBuffer(map, callback=None, *, page_cnt=8, lost_callback=None,
    /// value_type=None, sample_period=0)`: one perf ring of `page_cnt` pages
    /// (a power of two) per CPU for a BPF_MAP_TYPE_PERF_EVENT_ARRAY map.
    ///
    /// `callback(cpu, data)` gets bytes (the kernel pads samples, so up to 4 bytes more
    /// than the program wrote), or the sample decoded as `value_type` (no zero-copy
    /// form: a wrapped sample lives in a scratch buffer the next one may reallocate, so
    /// a view kept too long could outlive its memory). `lost_callback(cpu,
    /// count)` is told about samples the kernel dropped (without one they are logged).
    /// A non-zero int return stops consumption. Without a callback, `(cpu, data)` pairs
    /// are kept for `async for`. Other keywords: the fields of rbpf_perf_buffer_opts.
    #[new]
    #[pyo3(signature = (map, callback = None, *, page_cnt = 8, lost_callback = None, value_type = None, **kwargs))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        map: &Bound<'_, Map>,
        callback: Option<Py<PyAny>>,
        page_cnt: usize,
        lost_callback: Option<Py<PyAny>>,
        value_type: Option<&Bound<'_, PyAny>>,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Self> {
        let opts: PerfBufferOpts = from_kwargs("PerfBuffer", kwargs)?;
        let m = map.get();
        let dec = Decoder::new(py, m, value_type, format!("perf buffer '{}' sample", m.name_str()))?;
        let callback = callback.filter(|c| !c.is_none(py));
        let lost_callback = lost_callback.filter(|c| !c.is_none(py));
        check_mode(callback.as_ref(), true, false, &dec, py)?;
        if let Some(l) = &lost_callback {
            if !l.bind(py).is_callable() {
                return Err(PyTypeError::new_err("lost_callback must be callable"));
            }
        }
        let fd = m.core_fd(py)?;
        let pb = py
            .detach(|| catch_core(|| rbpf_core::PerfBuffer::with_opts(fd, page_cnt, &opts)))
            .map_err(|e| Error::new(e.errno(), format!("map '{}': {}", m.name_str(), e.message())))
            .py()?;
        let core: Core = Arc::new(Mutex::new(pb));
        Ok(PerfBuffer {
            core: Mutex::new(Some(core)),
            waiter: Mutex::new(None),
            callbacks: Mutex::new((callback, lost_callback)),
            dec,
            pending: Pending::default(),
            map_name: m.name_str().to_owned(),
        })
    }

    /// Wait up to `timeout_ms` (-1 or None: forever) for events, then read every CPU's
    /// buffer. Returns the number of events (samples and lost notices) handled.
    /// KeyboardInterrupt interrupts the wait.
    #[pyo3(signature = (timeout_ms = -1), text_signature = "($self, timeout_ms=-1)")]
    fn poll(&self, py: Python<'_>, timeout_ms: Option<i64>) -> PyResult<usize> {
        let waiter = {
            let mut w = self.waiter.lock();
            match &*w {
                Some(w) => w.clone(),
                None => {
                    let core = self.core()?;
                    let fd = core.try_lock().ok_or_else(|| busy(py))?.epoll_fd();
                    let dup = catch(|| rbpf_core::sys::dup_fd(fd).py())?;
                    let new = Arc::new(Epoll::from_owned(dup));
                    *w = Some(new.clone());
                    new
                }
            }
        };
        crate::events::wait_sliced(py, timeout_ms, &|ms| {
            let mut ev = [empty_event()];
            Ok(waiter.wait(&mut ev, ms)? > 0)
        })?;
        self.drain(py, None)
    }

    /// Read every CPU's buffer without waiting.
    fn consume(&self, py: Python<'_>) -> PyResult<usize> {
        self.drain(py, None)
    }

    /// Read buffer `idx` (0 .. buffer_cnt) without waiting.
    fn consume_buffer(&self, py: Python<'_>, idx: usize) -> PyResult<usize> {
        self.drain(py, Some(idx))
    }

    /// Number of per-CPU buffers.
    #[getter]
    fn buffer_cnt(&self, py: Python<'_>) -> PyResult<usize> {
        let core = self.core()?;
        let pb = core.try_lock().ok_or_else(|| busy(py))?;
        Ok(pb.buffer_cnt())
    }

    /// The perf event fd of buffer `idx`.
    fn buffer_fd(&self, py: Python<'_>, idx: usize) -> PyResult<i32> {
        let core = self.core()?;
        let pb = core.try_lock().ok_or_else(|| busy(py))?;
        pb.buffer_fd(idx)
            .ok_or_else(|| Error::new(libc::EINVAL, format!("perf buffer: no buffer {idx} (have {})", pb.buffer_cnt())))
            .py()
    }

    /// The CPU of buffer `idx`.
    fn buffer_cpu(&self, py: Python<'_>, idx: usize) -> PyResult<u32> {
        let core = self.core()?;
        let pb = core.try_lock().ok_or_else(|| busy(py))?;
        pb.buffer_cpu(idx)
            .ok_or_else(|| Error::new(libc::EINVAL, format!("perf buffer: no buffer {idx} (have {})", pb.buffer_cnt())))
            .py()
    }

    /// The epoll fd, for selectors / asyncio.
    fn fileno(&self, py: Python<'_>) -> PyResult<i32> {
        let core = self.core()?;
        let pb = core.try_lock().ok_or_else(|| busy(py))?;
        Ok(pb.epoll_fd())
    }

    /// True once close() was called.
    #[getter]
    fn closed(&self) -> bool {
        self.core.lock().is_none()
    }

    /// `async for cpu, data in pb.events()` (needs no callback): waits on the running
    /// asyncio loop (add_reader on fileno(), no thread). Ends when the buffer is closed.
    fn events<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        crate::events::async_iter(slf.py(), slf.clone().into_any())
    }

    fn __aiter__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        Self::events(slf)
    }

    /// For rbpf._events: consume what is available and return the pending records
    /// (None once closed).
    fn _take<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyList>>> {
        if self.closed() {
            return Ok(None);
        }
        if self.pending.records.lock().is_empty() {
            self.drain(py, None)?;
        }
        self.pending.take(py).map(Some)
    }

    fn _add_waker(&self, waker: Py<PyAny>) {
        self.pending.wakers.lock().push(waker);
    }

    fn _remove_waker(&self, waker: &Bound<'_, PyAny>) {
        self.pending.remove_waker(waker);
    }

    /// Take the events out of the map, close them and the epoll fd. Idempotent.
    fn close(&self, py: Python<'_>) -> PyResult<()> {
        let core = self.core.lock().take();
        if core.as_ref().is_some_and(|c| c.is_locked()) {
            *self.core.lock() = core;
            return Err(busy(py));
        }
        self.waiter.lock().take();
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
        if let Some(c) = self.callbacks.try_lock() {
            if let Some(cb) = &c.0 {
                visit.call(cb)?;
            }
            if let Some(cb) = &c.1 {
                visit.call(cb)?;
            }
        }
        self.pending.traverse(&visit)
    }

    fn __clear__(&self) {
        if let Some(mut c) = self.callbacks.try_lock() {
            *c = (None, None);
        }
        self.pending.clear();
    }

    fn __repr__(&self) -> String {
        format!("<rbpf.PerfBuffer of map '{}'>", self.map_name)
    }
}
