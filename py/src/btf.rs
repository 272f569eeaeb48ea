//! rbpf.Btf: an object's BTF (or the kernel's) for type lookups and typed decoding of
//! bytes the caller got elsewhere (a perf sample, a raw map value).

use crate::errors::{catch, catch_core, CoreResultExt};
use crate::shared::Shared;
use crate::value::Typed;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyInt};
use rbpf_core::{Btf, Error};
use std::sync::Arc;

enum Src {
    Owned(Arc<Btf>),
    Object(Arc<Shared>),
}

#[pyclass(frozen, module = "rbpf", name = "Btf")]
pub struct PyBtf {
    src: Src,
}

impl PyBtf {
    pub fn of_object(shared: Arc<Shared>) -> Self {
        PyBtf {
            src: Src::Object(shared),
        }
    }

    fn with<T>(&self, py: Python<'_>, f: impl FnOnce(&Btf) -> PyResult<T>) -> PyResult<T> {
        match &self.src {
            Src::Owned(b) => catch(|| f(b)),
            Src::Object(s) => s.with(py, |o| match o.btf() {
                Some(b) => f(b),
                None => Err(Error::new(libc::ENOENT, format!("object '{}' has no BTF", o.name()))).py(),
            }),
        }
    }
}

/// A type given as a BTF id or a C name ("struct event", "u32", ...).
fn type_id(btf: &Btf, t: &Bound<'_, PyAny>) -> PyResult<u32> {
    if t.is_instance_of::<PyInt>() {
        return t.extract();
    }
    let name: String = t.extract()?;
    crate::btf_find_type(btf, &name)
        .ok_or_else(|| Error::new(libc::ENOENT, format!("btf: no type '{name}'")))
        .py()
}

#[pymethods]
impl PyBtf {
    /// The running kernel's BTF (/sys/kernel/btf/vmlinux), parsed once per process.
    #[staticmethod]
    fn vmlinux(py: Python<'_>) -> PyResult<Self> {
        let b = py.detach(|| catch_core(Btf::vmlinux)).py()?;
        Ok(PyBtf { src: Src::Owned(b) })
    }

    /// Raw BTF or an ELF file's .BTF section.
    #[staticmethod]
    fn from_file(py: Python<'_>, path: std::path::PathBuf) -> PyResult<Self> {
        let b = py.detach(|| catch_core(|| Btf::from_file(&path))).py()?;
        Ok(PyBtf {
            src: Src::Owned(Arc::new(b)),
        })
    }

    /// Number of type ids including void (libbpf's btf__type_cnt).
    #[getter]
    fn type_cnt(&self, py: Python<'_>) -> PyResult<u32> {
        self.with(py, |b| Ok(b.type_cnt()))
    }

    /// The id of a type by C name ("struct event", "enum e", a typedef); None if absent.
    fn find_by_name(&self, py: Python<'_>, name: &str) -> PyResult<Option<u32>> {
        self.with(py, |b| Ok(crate::btf_find_type(b, name)))
    }

    /// Size in bytes of a type (id or name).
    fn resolve_size(&self, py: Python<'_>, r#type: &Bound<'_, PyAny>) -> PyResult<u32> {
        self.with(py, |b| b.resolve_size(type_id(b, r#type)?).py())
    }

    /// A C-like description of a type (id or name).
    fn describe(&self, py: Python<'_>, r#type: &Bound<'_, PyAny>) -> PyResult<String> {
        self.with(py, |b| Ok(rbpf_core::btf::value::describe(b, type_id(b, r#type)?)))
    }

    /// Decode bytes as a type (id or name): int, bytes, list or rbpf.Struct.
    fn decode(&self, py: Python<'_>, r#type: &Bound<'_, PyAny>, data: &[u8]) -> PyResult<Py<PyAny>> {
        self.with(py, |b| {
            let id = type_id(b, r#type)?;
            let t = Typed {
                btf: Some(b),
                type_id: id,
                size: data.len(),
                what: "btf value",
            };
            Ok(t.decode(py, data)?.unbind())
        })
    }

    /// Encode a value (int, bytes, list, dict, rbpf.Struct) as a type (id or name).
    fn encode<'py>(
        &self,
        py: Python<'py>,
        r#type: &Bound<'_, PyAny>,
        value: &Bound<'_, PyAny>,
    ) -> PyResult<Bound<'py, PyBytes>> {
        self.with(py, |b| {
            let id = type_id(b, r#type)?;
            let size = b.resolve_size(id).py()? as usize;
            let t = Typed {
                btf: Some(b),
                type_id: id,
                size,
                what: "btf value",
            };
            Ok(PyBytes::new(py, &t.encode(value, None)?))
        })
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        match &self.src {
            Src::Owned(_) => format!("<rbpf.Btf types={}>", self.type_cnt(py).unwrap_or(0)),
            Src::Object(s) => format!("<rbpf.Btf of '{}'>", s.name),
        }
    }
}
