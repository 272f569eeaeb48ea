//! rbpf.UserRingBuffer: libbpf's user_ring_buffer — user space produces records into a
//! BPF_MAP_TYPE_USER_RINGBUF map, a BPF program drains them (bpf_user_ringbuf_drain).
//! `reserve()` hands out an rbpf.UserRingSample to fill (`write(data, offset)`) and then
//! `submit()` or `discard()`; a sample dropped or left by an exception is discarded.

use crate::errors::{catch, catch_core, to_py, CoreResultExt};
use crate::events::{write_into, RecordView, SLICE_MS};
use crate::map::Map;
use crate::opts::from_kwargs;
use parking_lot::Mutex;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};
use rbpf_core::opts::UserRingBufferOpts;
use rbpf_core::Error;
use std::sync::Arc;
use std::time::{Duration, Instant};

type Core = Arc<Mutex<rbpf_core::UserRingBuffer>>;

#[pyclass(frozen, module = "rbpf", name = "UserRingBuffer")]
pub struct UserRingBuffer {
    core: Mutex<Option<Core>>,
    map_name: String,
}

fn closed() -> Error {
    Error::new(libc::EBADF, "user ring buffer is closed")
}

impl UserRingBuffer {
    fn core(&self) -> PyResult<Core> {
        self.core.lock().as_ref().cloned().ok_or_else(closed).py()
    }

    fn sample(&self, py: Python<'_>, core: Core, offset: usize, size: u32) -> PyResult<UserRingSample> {
        let keep: Arc<dyn std::any::Any + Send + Sync> = core.clone();
        Ok(UserRingSample {
            core,
            offset: Mutex::new(Some(offset)),
            len: size as usize,
            view: Py::new(py, RecordView::new_writable(keep))?,
        })
    }

    fn ctx(&self, e: Error) -> Error {
        Error::new(e.errno(), format!("map '{}': {}", self.map_name, e.message()))
    }
}

#[pymethods]
impl UserRingBuffer {
    /// `UserRingBuffer(map)` over a BPF_MAP_TYPE_USER_RINGBUF map. Keyword arguments:
    /// the fields of rbpf_user_ring_buffer_opts.
    #[new]
    #[pyo3(signature = (map, **kwargs))]
    fn new(py: Python<'_>, map: &Bound<'_, Map>, kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<Self> {
        let opts: UserRingBufferOpts = from_kwargs("UserRingBuffer", kwargs)?;
        let m = map.get();
        let fd = m.core_fd(py)?;
        let name = m.name_str().to_owned();
        let core = py
            .detach(|| catch_core(|| rbpf_core::UserRingBuffer::new(fd, &opts)))
            .map_err(|e| Error::new(e.errno(), format!("map '{name}': {}", e.message())))
            .py()?;
        Ok(UserRingBuffer {
            core: Mutex::new(Some(Arc::new(Mutex::new(core)))),
            map_name: name,
        })
    }

    /// Reserve a `size`-byte sample. BpfError E2BIG when it can never fit, ENOSPC when
    /// the ring is full now.
    fn reserve(&self, py: Python<'_>, size: u32) -> PyResult<UserRingSample> {
        let core = self.core()?;
        let off = {
            let g = core.lock();
            catch(|| g.reserve_raw(size).map_err(|e| self.ctx(e)).py())?
        };
        self.sample(py, core, off, size)
    }

    /// As reserve(), waiting up to `timeout_ms` (-1 or None: forever) for the BPF side to
    /// drain enough space, with the interpreter released (Ctrl-C interrupts). ENOSPC on
    /// timeout.
    #[pyo3(signature = (size, timeout_ms = -1), text_signature = "($self, size, timeout_ms=-1)")]
    fn reserve_blocking(&self, py: Python<'_>, size: u32, timeout_ms: Option<i64>) -> PyResult<UserRingSample> {
        let core = self.core()?;
        let timeout_ms = timeout_ms.unwrap_or(-1);
        let deadline = (timeout_ms >= 0).then(|| Instant::now() + Duration::from_millis(timeout_ms as u64));
        loop {
            let slice = match deadline {
                None => SLICE_MS,
                Some(d) => (d.saturating_duration_since(Instant::now()).as_millis() as u64).min(SLICE_MS),
            };
            let c = core.clone();
            let r = py.detach(move || catch_core(|| c.lock().reserve_blocking_raw(size, slice as i32)));
            match r {
                Ok(off) => return self.sample(py, core, off, size),
                Err(e) if e.errno() == libc::ENOSPC => {
                    py.check_signals()?;
                    if deadline.is_some_and(|d| Instant::now() >= d) {
                        let msg = format!("no space for a {size}-byte sample within {timeout_ms} ms");
                        return Err(to_py(py, self.ctx(Error::new(libc::ENOSPC, msg))));
                    }
                }
                Err(e) => return Err(to_py(py, self.ctx(e))),
            }
        }
    }

    /// Reserve, copy `data` in and submit (ENOSPC when full).
    fn write(&self, data: &[u8]) -> PyResult<()> {
        let core = self.core()?;
        let g = core.lock();
        catch(|| g.write(data).map_err(|e| self.ctx(e)).py())
    }

    /// Size of the data area (the map's max_entries).
    #[getter]
    fn size(&self) -> PyResult<u64> {
        Ok(self.core()?.lock().size())
    }
    /// Bytes reserved and not yet drained by the BPF side.
    #[getter]
    fn used(&self) -> PyResult<u64> {
        Ok(self.core()?.lock().used())
    }
    #[getter]
    fn consumer_pos(&self) -> PyResult<u64> {
        Ok(self.core()?.lock().consumer_pos())
    }
    #[getter]
    fn producer_pos(&self) -> PyResult<u64> {
        Ok(self.core()?.lock().producer_pos())
    }
    /// An epoll fd that becomes readable when the BPF side freed space (for selectors).
    fn fileno(&self) -> PyResult<i32> {
        Ok(self.core()?.lock().epoll_fd())
    }
    #[getter]
    fn closed(&self) -> bool {
        self.core.lock().is_none()
    }

    /// Release the ring (samples still reserved keep it mapped until they are
    /// submitted or discarded). Idempotent.
    fn close(&self, py: Python<'_>) -> PyResult<()> {
        let core = self.core.lock().take();
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

    fn __repr__(&self) -> String {
        format!("<rbpf.UserRingBuffer of map '{}'>", self.map_name)
    }
}

/// A reserved sample of a UserRingBuffer: fill it with write(), then submit() or
/// discard() (exactly once). As a context manager it submits on a normal exit and
/// discards on an exception; dropped unsubmitted, it is discarded.
#[pyclass(frozen, module = "rbpf", name = "UserRingSample")]
pub struct UserRingSample {
    core: Core,
    /// None once submitted or discarded.
    offset: Mutex<Option<usize>>,
    len: usize,
    view: Py<RecordView>,
}

impl UserRingSample {
    fn commit(&self, discard: bool) -> PyResult<()> {
        let Some(off) = self.offset.lock().take() else {
            return Err(Error::new(libc::EINVAL, "user ring sample already submitted or discarded")).py();
        };
        let g = self.core.lock();
        catch(|| g.commit_raw(off, discard).py())
    }
}

#[pymethods]
impl UserRingSample {
    fn __len__(&self) -> usize {
        self.len
    }

    /// Copy `data` (bytes-like) into the sample at `offset`.
    #[pyo3(signature = (data, offset = 0))]
    fn write(&self, py: Python<'_>, data: &Bound<'_, PyAny>, offset: usize) -> PyResult<()> {
        let guard = self.offset.lock();
        let Some(off) = *guard else {
            return Err(Error::new(libc::EINVAL, "user ring sample already submitted or discarded")).py();
        };
        let ptr = self.core.lock().sample_ptr(off);
        write_into(self.view.bind(py), ptr, self.len, offset, data)
    }

    /// Hand the sample to the BPF side.
    fn submit(&self) -> PyResult<()> {
        self.commit(false)
    }

    /// Give the space back unseen.
    fn discard(&self) -> PyResult<()> {
        self.commit(true)
    }

    fn __enter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    #[pyo3(signature = (exc_type, _exc, _tb))]
    fn __exit__(&self, exc_type: &Bound<'_, PyAny>, _exc: &Bound<'_, PyAny>, _tb: &Bound<'_, PyAny>) -> PyResult<bool> {
        if self.offset.lock().is_some() {
            self.commit(!exc_type.is_none())?;
        }
        Ok(false)
    }

    fn __repr__(&self) -> String {
        let state = if self.offset.lock().is_some() { "reserved" } else { "done" };
        format!("<rbpf.UserRingSample {} bytes, {state}>", self.len)
    }
}

impl Drop for UserRingSample {
    fn drop(&mut self) {
        if let Some(off) = self.offset.get_mut().take() {
            let _ = self.core.lock().commit_raw(off, true);
        }
    }
}
