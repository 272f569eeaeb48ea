//! Core errors → Python exceptions (built by `rbpf._errors._make`), and the panic
//! boundary: every call into the core goes through `catch`, so a panic becomes a
//! BpfError(EFAULT) instead of crossing into Python.

use pyo3::exceptions::PyOSError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use rbpf_core::Error;
use std::panic::{catch_unwind, AssertUnwindSafe};

/// Convert a core error into the matching rbpf exception.
pub fn to_py(py: Python<'_>, e: Error) -> PyErr {
    static MAKE: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    let make = MAKE.get_or_try_init(py, || -> PyResult<Py<PyAny>> {
        Ok(py.import("rbpf._errors")?.getattr("_make")?.unbind())
    });
    let built = make.and_then(|f| f.bind(py).call1((e.errno(), e.message(), e.verifier_log())));
    match built {
        Ok(exc) => PyErr::from_value(exc),
        // The pure-Python package is missing: still an OSError with errno set.
        Err(_) => PyOSError::new_err((e.errno(), e.message().to_owned())),
    }
}

/// `.py()?` on a core Result.
pub trait CoreResultExt<T> {
    fn py(self) -> PyResult<T>;
}

impl<T> CoreResultExt<T> for rbpf_core::Result<T> {
    fn py(self) -> PyResult<T> {
        self.map_err(|e| Python::attach(|py| to_py(py, e)))
    }
}

fn panic_message(p: Box<dyn std::any::Any + Send>) -> String {
    if let Some(s) = p.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = p.downcast_ref::<String>() {
        s.clone()
    } else {
        "unknown panic".to_owned()
    }
}

pub fn panic_error(p: Box<dyn std::any::Any + Send>) -> Error {
    Error::new(
        libc::EFAULT,
        format!("rbpf internal error (a bug, please report): {}", panic_message(p)),
    )
}

/// Run `f`, turning a panic into BpfError(EFAULT).
pub fn catch<T>(f: impl FnOnce() -> PyResult<T>) -> PyResult<T> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(r) => r,
        Err(p) => Err(Python::attach(|py| to_py(py, panic_error(p)))),
    }
}

/// Like `catch` for closures that run detached from the interpreter (no PyErr inside).
pub fn catch_core<T>(f: impl FnOnce() -> rbpf_core::Result<T>) -> rbpf_core::Result<T> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(r) => r,
        Err(p) => Err(panic_error(p)),
    }
}
