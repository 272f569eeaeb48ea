//! Python values ↔ the core's typed values (`rbpf_core::btf::value`). The binding only
//! converts between Python objects and `Value`; layout, sizes and range checks are the
//! core's `decode` / `encode`.

use crate::errors::CoreResultExt;
use pyo3::exceptions::{PyAttributeError, PyKeyError, PyOverflowError, PyTypeError};
use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyBytes, PyDict, PyList, PyMapping, PyMemoryView, PyString, PyTuple};
use rbpf_core::btf::value::{self, Value};
use rbpf_core::{Btf, Error};

/// A decoded BTF struct or union: attribute access by member name, `_asdict()`,
/// `_fields`; compares equal to another Struct or a dict with the same members.
#[pyclass(frozen, name = "Struct", module = "rbpf")]
pub struct PyStruct {
    fields: Py<PyDict>,
}

#[pymethods]
impl PyStruct {
    fn __getattr__(&self, py: Python<'_>, name: &str) -> PyResult<Py<PyAny>> {
        match self.fields.bind(py).get_item(name)? {
            Some(v) => Ok(v.unbind()),
            None => Err(PyAttributeError::new_err(format!("struct has no member '{name}'"))),
        }
    }
    fn __getitem__(&self, py: Python<'_>, name: &str) -> PyResult<Py<PyAny>> {
        match self.fields.bind(py).get_item(name)? {
            Some(v) => Ok(v.unbind()),
            None => Err(PyKeyError::new_err(name.to_owned())),
        }
    }
    fn __contains__(&self, py: Python<'_>, name: &str) -> PyResult<bool> {
        self.fields.bind(py).contains(name)
    }
    /// The member names, in declaration order.
    #[getter]
    fn _fields<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        PyTuple::new(py, self.fields.bind(py).keys())
    }
    /// A dict of the members; nested structs become dicts too.
    fn _asdict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let out = PyDict::new(py);
        for (k, v) in self.fields.bind(py).iter() {
            out.set_item(k, plain(py, &v)?)?;
        }
        Ok(out)
    }
    fn __dir__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let names = PyList::new(py, self.fields.bind(py).keys())?;
        names.append("_asdict")?;
        names.append("_fields")?;
        Ok(names)
    }
    fn __eq__(&self, py: Python<'_>, other: &Bound<'_, PyAny>) -> PyResult<bool> {
        if let Ok(o) = other.cast::<PyStruct>() {
            return self.fields.bind(py).eq(o.get().fields.bind(py));
        }
        if other.is_instance_of::<PyDict>() {
            return self._asdict(py)?.eq(other);
        }
        Ok(false)
    }
    /// Hashable by value (a Struct is immutable), so struct map keys can key dicts.
    fn __hash__(&self, py: Python<'_>) -> PyResult<isize> {
        let mut items = Vec::new();
        for (k, v) in self.fields.bind(py).iter() {
            items.push(PyTuple::new(py, [k, frozen(py, &v)?])?);
        }
        PyTuple::new(py, items)?.hash()
    }
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let mut parts = Vec::new();
        for (k, v) in self.fields.bind(py).iter() {
            parts.push(format!("{}={}", k.str()?, v.repr()?));
        }
        Ok(format!("Struct({})", parts.join(", ")))
    }
}

/// Lists → tuples (recursively), for hashing.
fn frozen<'py>(py: Python<'py>, v: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    if let Ok(l) = v.cast::<PyList>() {
        let items = l.iter().map(|i| frozen(py, &i)).collect::<PyResult<Vec<_>>>()?;
        return Ok(PyTuple::new(py, items)?.into_any());
    }
    Ok(v.clone())
}

/// Nested Structs → dicts, lists element-wise, everything else unchanged.
fn plain<'py>(py: Python<'py>, v: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    if let Ok(s) = v.cast::<PyStruct>() {
        return Ok(s.get()._asdict(py)?.into_any());
    }
    if let Ok(l) = v.cast::<PyList>() {
        let out = PyList::empty(py);
        for item in l.iter() {
            out.append(plain(py, &item)?)?;
        }
        return Ok(out.into_any());
    }
    Ok(v.clone())
}

pub fn value_to_py<'py>(py: Python<'py>, v: Value) -> PyResult<Bound<'py, PyAny>> {
    Ok(match v {
        Value::Int(i) => i.into_pyobject(py)?.into_any(),
        Value::Uint(u) => u.into_pyobject(py)?.into_any(),
        Value::Bool(b) => b.into_pyobject(py)?.to_owned().into_any(),
        Value::Float(f) => f.into_pyobject(py)?.into_any(),
        Value::Bytes(b) => PyBytes::new(py, &b).into_any(),
        Value::Array(items) => {
            let out = PyList::empty(py);
            for item in items {
                out.append(value_to_py(py, item)?)?;
            }
            out.into_any()
        }
        Value::Struct(members) => {
            let fields = PyDict::new(py);
            for (name, item) in members {
                fields.set_item(name, value_to_py(py, item)?)?;
            }
            Bound::new(
                py,
                PyStruct {
                    fields: fields.unbind(),
                },
            )?
            .into_any()
        }
    })
}

/// Raw bytes of a bytes-like object (bytes, bytearray, memoryview).
pub fn as_bytes(obj: &Bound<'_, PyAny>) -> Option<Vec<u8>> {
    if let Ok(b) = obj.cast::<PyBytes>() {
        return Some(b.as_bytes().to_vec());
    }
    if let Ok(b) = obj.cast::<PyByteArray>() {
        return Some(b.to_vec());
    }
    if obj.is_instance_of::<PyMemoryView>() {
        let b = obj.py().get_type::<PyBytes>().call1((obj,)).ok()?;
        return b.cast::<PyBytes>().ok().map(|b| b.as_bytes().to_vec());
    }
    None
}

pub fn py_to_value(obj: &Bound<'_, PyAny>) -> PyResult<Value> {
    let py = obj.py();
    if obj.is_instance_of::<pyo3::types::PyBool>() {
        return Ok(Value::Bool(obj.extract()?));
    }
    if obj.is_instance_of::<pyo3::types::PyInt>() {
        if let Ok(i) = obj.extract::<i64>() {
            return Ok(Value::Int(i));
        }
        if let Ok(u) = obj.extract::<u64>() {
            return Ok(Value::Uint(u));
        }
        return Err(PyOverflowError::new_err(format!(
            "{} does not fit in 64 bits",
            obj.repr()?
        )));
    }
    if obj.is_instance_of::<pyo3::types::PyFloat>() {
        return Ok(Value::Float(obj.extract()?));
    }
    // Integer-like objects (numpy integers, IntEnum members, ...).
    if !obj.is_instance_of::<PyString>() && obj.hasattr("__index__")? {
        return py_to_value(&obj.call_method0("__index__")?);
    }
    if let Ok(s) = obj.cast::<PyString>() {
        return Ok(Value::Bytes(s.to_str()?.as_bytes().to_vec()));
    }
    if let Some(b) = as_bytes(obj) {
        return Ok(Value::Bytes(b));
    }
    if let Ok(s) = obj.cast::<PyStruct>() {
        return py_to_value(s.get().fields.bind(py).as_any());
    }
    if let Ok(m) = obj.cast::<PyMapping>() {
        let mut members = Vec::new();
        for item in m.items()?.iter() {
            let (k, v): (String, Bound<'_, PyAny>) = item.extract()?;
            members.push((k, py_to_value(&v)?));
        }
        return Ok(Value::Struct(members));
    }
    if obj.is_instance_of::<PyList>() || obj.is_instance_of::<PyTuple>() {
        let mut items = Vec::new();
        for item in obj.try_iter()? {
            items.push(py_to_value(&item?)?);
        }
        return Ok(Value::Array(items));
    }
    if obj.hasattr("_asdict")? {
        return py_to_value(&obj.call_method0("_asdict")?);
    }
    if let Ok(d) = obj.getattr("__dict__") {
        return py_to_value(&d);
    }
    Err(PyTypeError::new_err(format!(
        "cannot convert {} to a BPF value",
        obj.get_type().name()?
    )))
}

/// How the bytes of one key, value, variable or record are typed.
#[derive(Clone, Copy)]
pub struct Typed<'a> {
    pub btf: Option<&'a Btf>,
    pub type_id: u32,
    pub size: usize,
    /// What it is, for messages ("map 'counts' key").
    pub what: &'a str,
}

impl Typed<'_> {
    fn has_btf(&self) -> Option<&Btf> {
        if self.type_id == 0 {
            None
        } else {
            self.btf
        }
    }

    pub fn decode<'py>(&self, py: Python<'py>, bytes: &[u8]) -> PyResult<Bound<'py, PyAny>> {
        match self.has_btf() {
            Some(btf) => value_to_py(py, value::decode(btf, self.type_id, bytes).py()?),
            None => Ok(PyBytes::new(py, bytes).into_any()),
        }
    }

    /// Encode `obj`: bytes of exactly the size pass through raw; anything else is typed by
    /// BTF on top of `base` (zeros when None), or, without BTF, an int of the size.
    pub fn encode(&self, obj: &Bound<'_, PyAny>, base: Option<&[u8]>) -> PyResult<Vec<u8>> {
        let raw = if obj.is_instance_of::<PyString>() {
            None
        } else {
            as_bytes(obj)
        };
        if let Some(b) = &raw {
            if b.len() == self.size {
                return Ok(b.clone());
            }
        }
        match self.has_btf() {
            Some(btf) => {
                let v = py_to_value(obj)?;
                let mut out = match base {
                    Some(b) if b.len() == self.size => b.to_vec(),
                    _ => vec![0u8; self.size],
                };
                value::encode(btf, self.type_id, &v, &mut out).py()?;
                Ok(out)
            }
            None => {
                if let Some(b) = raw {
                    return Err(Error::new(
                        libc::EINVAL,
                        format!("{}: got {} bytes, expected {}", self.what, b.len(), self.size),
                    ))
                    .py();
                }
                if obj.is_instance_of::<pyo3::types::PyInt>() && matches!(self.size, 1 | 2 | 4 | 8) {
                    return int_bytes(obj, self.size, self.what);
                }
                Err(PyTypeError::new_err(format!(
                    "{} has no BTF type: pass bytes of length {}{}",
                    self.what,
                    self.size,
                    if matches!(self.size, 1 | 2 | 4 | 8) {
                        " or an int"
                    } else {
                        ""
                    }
                )))
            }
        }
    }
}

/// An int as `size` native-endian bytes (signed or unsigned range).
fn int_bytes(obj: &Bound<'_, PyAny>, size: usize, what: &str) -> PyResult<Vec<u8>> {
    let (lo, hi): (i128, i128) = (-(1i128 << (size * 8 - 1)), (1i128 << (size * 8)) - 1);
    let v: i128 = obj.extract()?;
    if v < lo || v > hi {
        return Err(Error::new(
            libc::ERANGE,
            format!("{what}: {v} does not fit in {size} bytes"),
        ))
        .py();
    }
    let mut b = (v as u128).to_le_bytes()[..size].to_vec();
    if cfg!(target_endian = "big") {
        b.reverse();
    }
    Ok(b)
}
