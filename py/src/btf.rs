//! rbpf.Btf: an object's BTF (or the kernel's) for type lookups and typed decoding of
//! bytes the caller got elsewhere (a perf sample, a raw map value).

use crate::errors::{catch, catch_core, CoreResultExt};
use crate::shared::Shared;
use crate::value::Typed;
use pyo3::prelude::*;
use pyo3::exceptions::PyValueError;
use pyo3::types::{PyBytes, PyDict, PyInt, PyList};
use rbpf_core::btf::Kind;
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

/// libbpf's kind name ("struct", "func_proto", ...) → Kind.
fn kind_from_name(name: &str) -> PyResult<Kind> {
    let all = || (0..32).filter_map(Kind::from_u32);
    all().find(|k| k.name() == name).ok_or_else(|| {
        let known: Vec<&str> = all().map(|k| k.name()).collect();
        PyValueError::new_err(format!("Btf: unknown kind '{name}' (known: {})", known.join(", ")))
    })
}

fn linkage_name(l: u32) -> &'static str {
    match l {
        0 => "static",
        1 => "global",
        2 => "extern",
        _ => "unknown",
    }
}

/// One type as a dict (the fields its kind has; see the stubs' docstring).
fn type_dict<'py>(py: Python<'py>, btf: &Btf, id: u32) -> PyResult<Bound<'py, PyDict>> {
    let t = btf.type_by_id(id).py()?;
    let kind = t.kind();
    let d = PyDict::new(py);
    d.set_item("id", t.id())?;
    d.set_item("kind", kind.name())?;
    d.set_item("name", t.name())?;
    d.set_item("vlen", t.vlen())?;
    d.set_item("kflag", t.kflag())?;
    if let Some(size) = t.size() {
        d.set_item("size", size)?;
    }
    if let Some(r) = t.ref_type() {
        d.set_item("type_id", r)?;
    }
    let entries = |items: Vec<Bound<'py, PyDict>>| PyList::new(py, items);
    match kind {
        Kind::Int => {
            if let Some(i) = t.int() {
                d.set_item("bits", i.bits as u32)?;
                d.set_item("bit_offset", i.offset as u32)?;
                d.set_item("signed", i.is_signed())?;
                let enc = if i.is_bool() {
                    "bool"
                } else if i.is_char() {
                    "char"
                } else if i.is_signed() {
                    "signed"
                } else {
                    "none"
                };
                d.set_item("encoding", enc)?;
            }
        }
        Kind::Array => {
            if let Some(a) = t.array() {
                d.set_item("elem_type_id", a.elem_type)?;
                d.set_item("index_type_id", a.index_type)?;
                d.set_item("nelems", a.nelems)?;
            }
        }
        Kind::Struct | Kind::Union => {
            let mut ms = Vec::new();
            for m in t.members() {
                let md = PyDict::new(py);
                md.set_item("name", m.name)?;
                md.set_item("type_id", m.type_id)?;
                md.set_item("bit_offset", m.bit_offset)?;
                md.set_item("bitfield_size", m.bitfield_size)?;
                ms.push(md);
            }
            d.set_item("members", entries(ms)?)?;
        }
        Kind::Enum | Kind::Enum64 => {
            let signed = t.enum_signed();
            d.set_item("signed", signed)?;
            let mut vs = Vec::new();
            for e in t.enum_values() {
                let ed = PyDict::new(py);
                ed.set_item("name", e.name)?;
                if signed {
                    ed.set_item("value", e.as_i64())?;
                } else {
                    ed.set_item("value", e.value)?;
                }
                vs.push(ed);
            }
            d.set_item("values", entries(vs)?)?;
        }
        Kind::Fwd => d.set_item("fwd_kind", if t.fwd_is_union() { "union" } else { "struct" })?,
        Kind::Func => {
            if let Some(l) = t.func_linkage() {
                d.set_item("linkage", linkage_name(l))?;
            }
        }
        Kind::FuncProto => {
            let mut ps = Vec::new();
            for p in t.params() {
                let pd = PyDict::new(py);
                pd.set_item("name", p.name)?;
                pd.set_item("type_id", p.type_id)?;
                ps.push(pd);
            }
            d.set_item("params", entries(ps)?)?;
        }
        Kind::Var => {
            if let Some(l) = t.var_linkage() {
                d.set_item("linkage", linkage_name(l))?;
            }
        }
        Kind::Datasec => {
            let mut vs = Vec::new();
            for v in t.datasec_vars() {
                let vd = PyDict::new(py);
                vd.set_item("type_id", v.type_id)?;
                vd.set_item("offset", v.offset)?;
                vd.set_item("size", v.size)?;
                vs.push(vd);
            }
            d.set_item("vars", entries(vs)?)?;
        }
        Kind::DeclTag => {
            if let Some(c) = t.decl_tag_component_idx() {
                d.set_item("component_idx", c)?;
            }
        }
        _ => {}
    }
    Ok(d)
}

#[pymethods]
impl PyBtf {
    /// The running kernel's BTF (/sys/kernel/btf/vmlinux), parsed once per process.
    #[staticmethod]
    fn vmlinux(py: Python<'_>) -> PyResult<Self> {
        let b = py.detach(|| catch_core(Btf::vmlinux)).py()?;
        Ok(PyBtf { src: Src::Owned(b) })
    }

    /// Raw BTF or an ELF file's .BTF section; with `base`, split BTF on top of it (a
    /// kernel module's BTF over vmlinux).
    #[staticmethod]
    #[pyo3(signature = (path, base = None))]
    fn from_file(py: Python<'_>, path: std::path::PathBuf, base: Option<&Bound<'_, PyBtf>>) -> PyResult<Self> {
        let base = match base {
            None => None,
            Some(b) => Some(match &b.get().src {
                Src::Owned(a) => a.clone(),
                Src::Object(s) => s.with(py, |o| match o.btf() {
                    Some(b) => Ok(Arc::new(b.clone())),
                    None => Err(Error::new(libc::ENOENT, format!("object '{}' has no BTF", o.name()))).py(),
                })?,
            }),
        };
        let b = py.detach(|| catch_core(|| Btf::from_file_split(&path, base))).py()?;
        Ok(PyBtf {
            src: Src::Owned(Arc::new(b)),
        })
    }

    /// The raw BTF (header, types, strings), e.g. to write a file for btf_custom_path.
    fn raw_bytes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        self.with(py, |b| Ok(PyBytes::new(py, b.raw_bytes())))
    }

    /// First type id of this BTF (1, or the base's type count for split BTF).
    #[getter]
    fn start_id(&self, py: Python<'_>) -> PyResult<u32> {
        self.with(py, |b| Ok(b.start_id()))
    }

    /// One type as a dict: id, kind ("struct", "int", ...), name, vlen, kflag, and as
    /// the kind has them: size, type_id, bits / bit_offset / signed / encoding (int),
    /// elem_type_id / index_type_id / nelems (array), members [{name, type_id,
    /// bit_offset, bitfield_size}] (struct/union), signed + values [{name, value}]
    /// (enum), fwd_kind, linkage, params [{name, type_id}], vars [{type_id, offset,
    /// size}] (datasec), component_idx (decl_tag).
    fn type_by_id<'py>(&self, py: Python<'py>, id: u32) -> PyResult<Bound<'py, PyDict>> {
        self.with(py, |b| type_dict(py, b, id))
    }

    /// Number of type ids including void (libbpf's btf__type_cnt).
    #[getter]
    fn type_cnt(&self, py: Python<'_>) -> PyResult<u32> {
        self.with(py, |b| Ok(b.type_cnt()))
    }

    /// The id of a type by C name ("struct event", "enum e", a typedef), or with
    /// `kind` ("struct", "typedef", "func", ...) a bare name of that kind (libbpf's
    /// btf__find_by_name_kind); None if absent.
    #[pyo3(signature = (name, kind = None))]
    fn find_by_name(&self, py: Python<'_>, name: &str, kind: Option<&str>) -> PyResult<Option<u32>> {
        let kind = kind.map(kind_from_name).transpose()?;
        self.with(py, |b| {
            Ok(match kind {
                Some(k) => b.find_by_name_kind(name, k),
                None => crate::btf_find_type(b, name),
            })
        })
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
