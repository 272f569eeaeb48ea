//! Python keyword arguments → core options structs, through the core's one declaration
//! (`Opts::DESC.fields` and `Opts::set`). Nothing here lists option fields by hand.

use crate::errors::CoreResultExt;
use pyo3::exceptions::{PyOverflowError, PyTypeError};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyInt, PyList, PyString};
use rbpf_core::opts::{OptKind, OptValue, Opts};

/// Fill `T` from `kwargs`; `func` names the Python callable for TypeError messages.
pub fn from_kwargs<T: Opts>(func: &str, kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<T> {
    let mut opts = T::default();
    let Some(kwargs) = kwargs else { return Ok(opts) };
    for (key, value) in kwargs.iter() {
        let name: String = key.extract()?;
        let Some(field) = T::DESC.fields.iter().find(|f| f.name == name) else {
            return Err(PyTypeError::new_err(format!(
                "{func}() got an unexpected keyword argument '{name}'"
            )));
        };
        let v = convert(func, &name, field.kind, &value)?;
        opts.set(&name, v).py()?;
    }
    Ok(opts)
}

fn convert(func: &str, name: &str, kind: OptKind, v: &Bound<'_, PyAny>) -> PyResult<OptValue> {
    let type_err = |want: &str| {
        let got = v
            .get_type()
            .name()
            .map(|n| n.to_string())
            .unwrap_or_else(|_| "?".into());
        PyTypeError::new_err(format!("{func}() argument '{name}' must be {want}, not {got}"))
    };
    let is_int = v.is_instance_of::<PyInt>() && !v.is_instance_of::<PyBool>();
    let range = |_e: PyErr| PyOverflowError::new_err(format!("{func}() argument '{name}' is out of range"));
    if matches!(
        kind,
        OptKind::U32 | OptKind::I32 | OptKind::U64 | OptKind::I64 | OptKind::Usize
    ) && !is_int
    {
        return Err(type_err("int"));
    }
    Ok(match kind {
        OptKind::Str => {
            if v.is_none() {
                OptValue::Str(None)
            } else if let Ok(s) = v.cast::<PyString>() {
                OptValue::Str(Some(s.to_str()?.to_owned()))
            } else if v.hasattr("__fspath__")? {
                // Paths (pin_root_path, btf_custom_path) may be os.PathLike.
                let p = v.call_method0("__fspath__")?;
                match p.cast::<PyString>() {
                    Ok(s) => OptValue::Str(Some(s.to_str()?.to_owned())),
                    Err(_) => return Err(type_err("str, os.PathLike or None")),
                }
            } else {
                return Err(type_err("str or None"));
            }
        }
        OptKind::Bool => {
            if let Ok(b) = v.cast::<PyBool>() {
                OptValue::Bool(b.is_true())
            } else {
                return Err(type_err("bool"));
            }
        }
        OptKind::U32 => OptValue::U32(v.extract().map_err(range)?),
        OptKind::I32 => OptValue::I32(v.extract().map_err(range)?),
        OptKind::U64 => OptValue::U64(v.extract().map_err(range)?),
        OptKind::I64 => OptValue::I64(v.extract().map_err(range)?),
        OptKind::Usize => OptValue::Usize(v.extract().map_err(range)?),
    })
}

/// `{c_name: [field, ...]}` for every options struct the core declares.
#[pyfunction]
pub fn opts_fields(py: Python<'_>) -> PyResult<Bound<'_, PyDict>> {
    let out = PyDict::new(py);
    for desc in rbpf_core::opts::all() {
        let names = PyList::new(py, desc.fields.iter().map(|f| f.name))?;
        out.set_item(desc.c_name, names)?;
    }
    Ok(out)
}

/// `{c_name: [(field, kind, doc), ...]}`, for the stub check and documentation.
#[pyfunction]
pub fn opts_desc(py: Python<'_>) -> PyResult<Bound<'_, PyDict>> {
    let out = PyDict::new(py);
    for desc in rbpf_core::opts::all() {
        let fields = PyList::empty(py);
        for f in desc.fields {
            let kind = match f.kind {
                OptKind::Str => "str",
                OptKind::Bool => "bool",
                OptKind::U32 => "u32",
                OptKind::I32 => "i32",
                OptKind::U64 => "u64",
                OptKind::I64 => "i64",
                OptKind::Usize => "usize",
            };
            fields.append((f.name, kind, f.doc.trim()))?;
        }
        out.set_item(desc.c_name, fields)?;
    }
    Ok(out)
}
