//! The state one Python Object shares with its Program, Map and global-section
//! handles: the core Object behind a lock, `None` once closed.
//!
//! Locking rules (see bindings.md §4.4): a thread never blocks on this lock while
//! attached to the interpreter (it detaches first, so a loader that logs through
//! Python cannot deadlock with it), and a thread that already holds the lock gets a
//! RuntimeError instead of deadlocking on itself (e.g. a logging handler that touches
//! the object during load).

use crate::errors::{catch, catch_core, to_py};
use parking_lot::{Mutex, MutexGuard};
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use rbpf_core::{Error, Object};
use std::sync::atomic::{AtomicUsize, Ordering};

// The core Object crosses threads (load runs detached, any Python thread may drop it).
const _: () = {
    const fn assert_send<T: Send>() {}
    assert_send::<Object>();
};

pub struct Shared {
    inner: Mutex<Option<Object>>,
    /// Thread token of the lock holder (0 when free), for re-entrancy detection.
    owner: AtomicUsize,
    /// The object's name, kept for messages after close.
    pub name: String,
}

pub fn thread_token() -> usize {
    thread_local!(static TOKEN: u8 = const { 0 });
    TOKEN.with(|t| t as *const u8 as usize)
}

pub struct Guard<'a> {
    guard: MutexGuard<'a, Option<Object>>,
    owner: &'a AtomicUsize,
}

impl Drop for Guard<'_> {
    fn drop(&mut self) {
        self.owner.store(0, Ordering::Release);
    }
}

impl Guard<'_> {
    /// The open object, or EBADF naming it when it has been closed.
    pub fn get(&mut self, name: &str) -> rbpf_core::Result<&mut Object> {
        self.guard
            .as_mut()
            .ok_or_else(|| Error::new(libc::EBADF, format!("object '{name}' is closed")))
    }
    pub fn take(&mut self) -> Option<Object> {
        self.guard.take()
    }
}

impl Shared {
    pub fn new(obj: Object, name: String) -> Self {
        Shared {
            inner: Mutex::new(Some(obj)),
            owner: AtomicUsize::new(0),
            name,
        }
    }

    /// Lock while attached: try first, detach to wait, refuse re-entry.
    pub fn lock(&self, py: Python<'_>) -> PyResult<Guard<'_>> {
        let guard = loop {
            if let Some(g) = self.inner.try_lock() {
                break g;
            }
            if self.owner.load(Ordering::Acquire) == thread_token() {
                return Err(PyRuntimeError::new_err(format!(
                    "object '{}' is in use by this thread (re-entrant call from a callback?)",
                    self.name
                )));
            }
            // Wait with the interpreter released (a guard cannot leave the detached
            // closure), then retry.
            py.detach(|| drop(self.inner.lock()));
        };
        self.owner.store(thread_token(), Ordering::Release);
        Ok(Guard {
            guard,
            owner: &self.owner,
        })
    }

    /// Lock from a detached thread.
    pub fn lock_detached(&self) -> Guard<'_> {
        let guard = self.inner.lock();
        self.owner.store(thread_token(), Ordering::Release);
        Guard {
            guard,
            owner: &self.owner,
        }
    }

    /// Run `f` on the open object under the lock, panics caught.
    pub fn with<T>(&self, py: Python<'_>, f: impl FnOnce(&mut Object) -> PyResult<T>) -> PyResult<T> {
        let mut g = self.lock(py)?;
        let obj = g.get(&self.name).map_err(|e| to_py(py, e))?;
        catch(|| f(obj))
    }

    /// Run `f` on the open object with the interpreter released (load, large parses).
    pub fn with_detached<T: Send>(
        &self,
        py: Python<'_>,
        f: impl FnOnce(&mut Object) -> rbpf_core::Result<T> + Send,
    ) -> PyResult<T> {
        let r = py.detach(|| {
            let mut g = self.lock_detached();
            let name = &self.name;
            catch_core(move || f(g.get(name)?))
        });
        r.map_err(|e| to_py(py, e))
    }

    /// Close: drop the core object (its maps and programs). Idempotent.
    pub fn close(&self, py: Python<'_>) -> PyResult<()> {
        let taken = self.lock(py)?.take();
        // Closing fds does not need the interpreter.
        py.detach(move || {
            catch_core(move || {
                drop(taken);
                Ok(())
            })
        })
        .map_err(|e| to_py(py, e))
    }
}
