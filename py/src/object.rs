//! rbpf.Object, rbpf.Program, rbpf.Link and the global-data section views.

use crate::errors::{catch_core, to_py, CoreResultExt};
use crate::map::Map;
use crate::opts::from_kwargs;
use crate::shared::Shared;
use crate::value::Typed;
use parking_lot::Mutex;
use pyo3::exceptions::{PyAttributeError, PyKeyError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyList, PyString, PyTuple};
use rbpf_core::opts::{ObjectOpenOpts, RawTracepointOpts, TraceOpts, TracepointOpts};
use std::sync::Arc;

const _: () = {
    const fn assert_send<T: Send>() {}
    assert_send::<rbpf_core::Link>();
};

fn import_attr<'py>(
    py: Python<'py>,
    cell: &'static PyOnceLock<Py<PyAny>>,
    module: &str,
    attr: &str,
) -> PyResult<Bound<'py, PyAny>> {
    Ok(cell
        .get_or_try_init(py, || -> PyResult<Py<PyAny>> {
            Ok(py.import(module)?.getattr(attr)?.unbind())
        })?
        .bind(py)
        .clone())
}

/// A BPF object file: open (parse) → configure → load → attach → close.
#[pyclass(frozen, module = "rbpf", name = "Object")]
pub struct BpfObject {
    shared: Arc<Shared>,
    programs: Py<PyAny>,
    maps: Py<PyAny>,
    /// Links made by attach_all(), detached by close() (as a skeleton's destroy).
    links: Mutex<Vec<Py<Link>>>,
}

#[pymethods]
impl BpfObject {
    /// Open an object from a path (str or os.PathLike) or from bytes. Keyword arguments
    /// are the fields of `rbpf_object_open_opts`; an unknown one is a TypeError.
    #[staticmethod]
    #[pyo3(signature = (src, /, **kwargs))]
    fn open(py: Python<'_>, src: &Bound<'_, PyAny>, kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<Self> {
        let opts: ObjectOpenOpts = from_kwargs("Object.open", kwargs)?;
        enum Src {
            Path(std::path::PathBuf),
            Mem(Vec<u8>),
        }
        let source = if let Some(bytes) = crate::value::as_bytes(src) {
            Src::Mem(bytes)
        } else if src.is_instance_of::<PyString>() || src.hasattr("__fspath__")? {
            Src::Path(src.extract()?)
        } else {
            return Err(PyTypeError::new_err(format!(
                "Object.open() takes a path or bytes, not {}",
                src.get_type().name()?
            )));
        };
        let obj = py
            .detach(|| {
                catch_core(|| match &source {
                    Src::Path(p) => rbpf_core::Object::open_file(p, &opts),
                    Src::Mem(b) => rbpf_core::Object::open_mem(b, &opts),
                })
            })
            .py()?;
        let (name, prog_names, map_names) = crate::errors::catch(|| {
            Ok((
                obj.name().to_owned(),
                obj.programs().iter().map(|p| p.name().to_owned()).collect::<Vec<_>>(),
                obj.maps().iter().map(|m| m.name().to_owned()).collect::<Vec<_>>(),
            ))
        })?;
        let shared = Arc::new(Shared::new(obj, name));
        static PROXY: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
        let proxy = import_attr(py, &PROXY, "types", "MappingProxyType")?;
        let programs = PyDict::new(py);
        for (idx, name) in prog_names.into_iter().enumerate() {
            let p = Program {
                shared: shared.clone(),
                idx,
                name: name.clone(),
            };
            programs.set_item(name, Bound::new(py, p)?)?;
        }
        let maps = PyDict::new(py);
        for (idx, name) in map_names.into_iter().enumerate() {
            maps.set_item(name.clone(), Bound::new(py, Map::new(shared.clone(), idx, name))?)?;
        }
        Ok(BpfObject {
            shared,
            programs: proxy.call1((programs,))?.unbind(),
            maps: proxy.call1((maps,))?.unbind(),
            links: Mutex::new(Vec::new()),
        })
    }

    #[getter]
    fn name(&self) -> &str {
        &self.shared.name
    }

    #[getter]
    fn kversion(&self, py: Python<'_>) -> PyResult<u32> {
        self.shared.with(py, |o| Ok(o.kversion()))
    }

    #[getter]
    fn loaded(&self, py: Python<'_>) -> PyResult<bool> {
        self.shared.with(py, |o| Ok(o.is_loaded()))
    }

    /// The object's BTF (None when it has no .BTF section).
    #[getter]
    fn btf(&self, py: Python<'_>) -> PyResult<Option<crate::btf::PyBtf>> {
        let has = self.shared.with(py, |o| Ok(o.btf().is_some()))?;
        Ok(has.then(|| crate::btf::PyBtf::of_object(self.shared.clone())))
    }

    /// Read-only mapping name → Program, in object order.
    #[getter]
    fn programs(&self, py: Python<'_>) -> Py<PyAny> {
        self.programs.clone_ref(py)
    }

    /// Read-only mapping name → Map, in object order.
    #[getter]
    fn maps(&self, py: Python<'_>) -> Py<PyAny> {
        self.maps.clone_ref(py)
    }

    /// Create maps, relocate and load every program (the interpreter is released meanwhile).
    fn load(&self, py: Python<'_>) -> PyResult<()> {
        self.shared.with_detached(py, |o| o.load())
    }

    /// Attach every auto-attachable program; returns a LinkSet (also kept by the object
    /// and detached by close()).
    fn attach_all(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let links = self.shared.with(py, |o| o.attach_all().py())?;
        let mut out = Vec::with_capacity(links.len());
        for l in links {
            out.push(Py::new(py, Link::new(l))?);
        }
        self.links.lock().extend(out.iter().map(|l| l.clone_ref(py)));
        static LINKSET: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
        let cls = import_attr(py, &LINKSET, "rbpf._types", "LinkSet")?;
        Ok(cls.call1((PyList::new(py, out)?,))?.unbind())
    }

    /// Global variables of `.data`.
    #[getter]
    fn data(&self, py: Python<'_>) -> PyResult<GlobalData> {
        self.section(py, ".data").map_err(attr_err)
    }
    /// Global variables of `.rodata` (writable until load).
    #[getter]
    fn rodata(&self, py: Python<'_>) -> PyResult<GlobalData> {
        self.section(py, ".rodata").map_err(attr_err)
    }
    /// Global variables of `.bss` (live after load).
    #[getter]
    fn bss(&self, py: Python<'_>) -> PyResult<GlobalData> {
        self.section(py, ".bss").map_err(attr_err)
    }
    /// `.kconfig` externs.
    #[getter]
    fn kconfig(&self, py: Python<'_>) -> PyResult<GlobalData> {
        self.section(py, ".kconfig").map_err(attr_err)
    }
    /// Global variables of any data section, e.g. ".data.custom" or ".rodata.str".
    fn datasec(&self, py: Python<'_>, name: &str) -> PyResult<GlobalData> {
        self.section(py, name)
    }

    /// Detach links made by attach_all(), close maps and programs. Idempotent.
    fn close(&self, py: Python<'_>) -> PyResult<()> {
        let links: Vec<Py<Link>> = std::mem::take(&mut *self.links.lock());
        // Detach and close everything; report the first failure afterwards.
        let mut first = None;
        for l in links {
            if let Err(e) = l.get().detach(py) {
                first.get_or_insert(e);
            }
        }
        let closed = self.shared.close(py);
        match first {
            Some(e) => Err(e),
            None => closed,
        }
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
        format!("<rbpf.Object '{}'>", self.shared.name)
    }
}

fn attr_err(e: PyErr) -> PyErr {
    Python::attach(|py| {
        if e.is_instance_of::<PyKeyError>(py) {
            // KeyError's str() quotes its argument; take the message itself.
            let msg = e
                .value(py)
                .getattr("args")
                .and_then(|a| a.get_item(0))
                .and_then(|m| m.extract::<String>());
            PyAttributeError::new_err(msg.unwrap_or_default())
        } else {
            e
        }
    })
}

impl BpfObject {
    fn section(&self, py: Python<'_>, sec: &str) -> PyResult<GlobalData> {
        let idx = self.shared.with(py, |o| {
            Ok(o.datasec(sec).map(|m| m.index()))
        })?;
        match idx {
            Some(map_idx) => Ok(GlobalData {
                shared: self.shared.clone(),
                map_idx,
                sec: sec.to_owned(),
            }),
            None => Err(PyKeyError::new_err(format!(
                "object '{}' has no global data section '{sec}'",
                self.shared.name
            ))),
        }
    }
}

/// Attribute view of one global-data section, typed by its BTF DATASEC.
#[pyclass(frozen, module = "rbpf", name = "GlobalData")]
pub struct GlobalData {
    shared: Arc<Shared>,
    map_idx: usize,
    sec: String,
}

impl GlobalData {
    fn what(&self, var: &str) -> String {
        format!("{} variable '{var}'", self.sec)
    }
}

#[pymethods]
impl GlobalData {
    fn __getattr__(&self, py: Python<'_>, name: &str) -> PyResult<Py<PyAny>> {
        self.shared.with(py, |o| {
            let map = &o.maps()[self.map_idx];
            let Some(var) = map.globals().iter().find(|v| v.name == name) else {
                return Err(PyAttributeError::new_err(format!(
                    "{} has no variable '{name}'",
                    self.sec
                )));
            };
            let bytes = map.read_data(var.offset, var.size).py()?;
            let what = self.what(name);
            let t = Typed {
                btf: o.btf(),
                type_id: var.type_id,
                size: var.size,
                what: &what,
            };
            Ok(t.decode(py, &bytes)?.unbind())
        })
    }

    fn __setattr__(&self, py: Python<'_>, name: &str, value: &Bound<'_, PyAny>) -> PyResult<()> {
        self.shared.with(py, |o| {
            let map = &o.maps()[self.map_idx];
            let Some(var) = map.globals().iter().find(|v| v.name == name) else {
                return Err(PyAttributeError::new_err(format!(
                    "{} has no variable '{name}'",
                    self.sec
                )));
            };
            // Members a struct value leaves out keep their current bytes.
            let current = map.read_data(var.offset, var.size).py()?;
            let what = self.what(name);
            let t = Typed {
                btf: o.btf(),
                type_id: var.type_id,
                size: var.size,
                what: &what,
            };
            let bytes = t.encode(value, Some(&current))?;
            map.write_data(var.offset, &bytes).py()
        })
    }

    fn __delattr__(&self, name: &str) -> PyResult<()> {
        Err(PyTypeError::new_err(format!("cannot delete global variable '{name}'")))
    }

    fn __dir__(&self, py: Python<'_>) -> PyResult<Vec<String>> {
        self.shared.with(py, |o| {
            Ok(o.maps()[self.map_idx]
                .globals()
                .iter()
                .map(|v| v.name.clone())
                .collect())
        })
    }

    /// Every variable of the section, decoded, as a dict.
    fn _asdict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let out = PyDict::new(py);
        for name in self.__dir__(py)? {
            out.set_item(&name, self.__getattr__(py, &name)?)?;
        }
        Ok(out)
    }

    /// The section name (".rodata", ...).
    #[getter]
    fn _name(&self) -> &str {
        &self.sec
    }

    /// The internal map holding the section.
    #[getter]
    fn _map(&self, py: Python<'_>) -> PyResult<Map> {
        let name = self.shared.with(py, |o| Ok(o.maps()[self.map_idx].name().to_owned()))?;
        Ok(Map::new(self.shared.clone(), self.map_idx, name))
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        match self._asdict(py) {
            Ok(d) => format!(
                "<rbpf.GlobalData {} {}>",
                self.sec,
                d.repr().map(|r| r.to_string()).unwrap_or_default()
            ),
            Err(_) => format!("<rbpf.GlobalData {}>", self.sec),
        }
    }
}

/// One BPF program of an Object.
#[pyclass(frozen, module = "rbpf", name = "Program")]
pub struct Program {
    shared: Arc<Shared>,
    idx: usize,
    name: String,
}

fn prog_type_from_py(v: &Bound<'_, PyAny>) -> PyResult<u32> {
    if let Ok(s) = v.cast::<PyString>() {
        let s = s.to_str()?;
        let full = if s.to_ascii_uppercase().starts_with("BPF_PROG_TYPE_") {
            s.to_ascii_uppercase()
        } else {
            format!("BPF_PROG_TYPE_{}", s.to_ascii_uppercase())
        };
        return crate::UAPI_CONSTS
            .iter()
            .find(|(n, _)| *n == full)
            .map(|(_, v)| *v as u32)
            .ok_or_else(|| PyValueError::new_err(format!("unknown program type '{s}'")));
    }
    v.extract::<u32>()
}

impl Program {
    fn with<T>(&self, py: Python<'_>, f: impl FnOnce(&rbpf_core::Program) -> PyResult<T>) -> PyResult<T> {
        self.shared.with(py, |o| f(&o.programs()[self.idx]))
    }
    fn with_mut<T>(&self, py: Python<'_>, f: impl FnOnce(&mut rbpf_core::Program) -> PyResult<T>) -> PyResult<T> {
        self.shared.with(py, |o| f(&mut o.programs_mut()[self.idx]))
    }
}

#[pymethods]
impl Program {
    /// The C function name.
    #[getter]
    fn name(&self) -> &str {
        &self.name
    }
    #[getter]
    fn section_name(&self, py: Python<'_>) -> PyResult<String> {
        self.with(py, |p| Ok(p.section_name().to_owned()))
    }
    /// BPF_PROG_TYPE_* (settable before load; also accepts a name such as "xdp").
    #[getter(r#type)]
    fn get_type(&self, py: Python<'_>) -> PyResult<u32> {
        self.with(py, |p| Ok(p.prog_type()))
    }
    #[setter(r#type)]
    fn set_type(&self, py: Python<'_>, value: &Bound<'_, PyAny>) -> PyResult<()> {
        let t = prog_type_from_py(value)?;
        self.with_mut(py, |p| p.set_type(t).py())
    }
    #[getter]
    fn expected_attach_type(&self, py: Python<'_>) -> PyResult<u32> {
        self.with(py, |p| Ok(p.expected_attach_type()))
    }
    #[setter]
    fn set_expected_attach_type(&self, py: Python<'_>, value: u32) -> PyResult<()> {
        self.with_mut(py, |p| p.set_expected_attach_type(value).py())
    }
    #[getter]
    fn autoload(&self, py: Python<'_>) -> PyResult<bool> {
        self.with(py, |p| Ok(p.autoload()))
    }
    #[setter]
    fn set_autoload(&self, py: Python<'_>, value: bool) -> PyResult<()> {
        self.with_mut(py, |p| p.set_autoload(value).py())
    }
    #[getter]
    fn autoattach(&self, py: Python<'_>) -> PyResult<bool> {
        self.with(py, |p| Ok(p.autoattach()))
    }
    #[setter]
    fn set_autoattach(&self, py: Python<'_>, value: bool) -> PyResult<()> {
        self.with_mut(py, |p| {
            p.set_autoattach(value);
            Ok(())
        })
    }
    #[getter]
    fn flags(&self, py: Python<'_>) -> PyResult<u32> {
        self.with(py, |p| Ok(p.flags()))
    }
    #[setter]
    fn set_flags(&self, py: Python<'_>, value: u32) -> PyResult<()> {
        self.with_mut(py, |p| p.set_flags(value).py())
    }
    #[getter]
    fn log_level(&self, py: Python<'_>) -> PyResult<u32> {
        self.with(py, |p| Ok(p.log_level()))
    }
    #[setter]
    fn set_log_level(&self, py: Python<'_>, value: u32) -> PyResult<()> {
        self.with_mut(py, |p| p.set_log_level(value).py())
    }
    /// The program fd (BpfError EINVAL before load).
    #[getter]
    fn fd(&self, py: Python<'_>) -> PyResult<i32> {
        self.with(py, |p| p.fd().py())
    }
    #[getter]
    fn insn_cnt(&self, py: Python<'_>) -> PyResult<usize> {
        self.with(py, |p| Ok(p.insn_cnt()))
    }

    /// Attach as the section name says.
    fn attach(&self, py: Python<'_>) -> PyResult<Link> {
        self.with(py, |p| p.attach().py()).map(Link::new)
    }

    /// Keyword arguments: the fields of `rbpf_tracepoint_opts` (bpf_cookie).
    #[pyo3(signature = (category, name, /, **kwargs))]
    fn attach_tracepoint(
        &self,
        py: Python<'_>,
        category: &str,
        name: &str,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Link> {
        let opts: TracepointOpts = from_kwargs("Program.attach_tracepoint", kwargs)?;
        self.with(py, |p| p.attach_tracepoint(category, name, &opts).py())
            .map(Link::new)
    }

    /// Keyword arguments: the fields of `rbpf_raw_tracepoint_opts` (cookie).
    #[pyo3(signature = (name, /, **kwargs))]
    fn attach_raw_tracepoint(&self, py: Python<'_>, name: &str, kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<Link> {
        let opts: RawTracepointOpts = from_kwargs("Program.attach_raw_tracepoint", kwargs)?;
        self.with(py, |p| p.attach_raw_tracepoint(name, &opts).py())
            .map(Link::new)
    }

    /// BTF-based tracing attach (tp_btf, fentry, ...). Keyword arguments: the fields of
    /// `rbpf_trace_opts` (cookie).
    #[pyo3(signature = (**kwargs))]
    fn attach_trace(&self, py: Python<'_>, kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<Link> {
        let opts: TraceOpts = from_kwargs("Program.attach_trace", kwargs)?;
        self.with(py, |p| p.attach_trace(&opts).py()).map(Link::new)
    }

    fn __repr__(&self) -> String {
        format!("<rbpf.Program '{}' of '{}'>", self.name, self.shared.name)
    }
}

/// An attachment. `detach()` (alias `close()`) is idempotent; a context manager.
/// Dropping the last reference detaches too: keep the Link while it should stay attached.
#[pyclass(frozen, module = "rbpf", name = "Link")]
pub struct Link {
    inner: Mutex<rbpf_core::Link>,
}

impl Link {
    pub fn new(l: rbpf_core::Link) -> Self {
        Link { inner: Mutex::new(l) }
    }
}

#[pymethods]
impl Link {
    fn detach(&self, py: Python<'_>) -> PyResult<()> {
        let r = py.detach(|| catch_core(|| self.inner.lock().detach()));
        r.map_err(|e| to_py(py, e))
    }
    fn close(&self, py: Python<'_>) -> PyResult<()> {
        self.detach(py)
    }
    #[getter]
    fn fd(&self) -> PyResult<i32> {
        crate::errors::catch(|| Ok(self.inner.lock().fd()))
    }
    #[getter]
    fn detached(&self) -> PyResult<bool> {
        crate::errors::catch(|| Ok(self.inner.lock().is_detached()))
    }
    fn __enter__(slf: Py<Self>) -> Py<Self> {
        slf
    }
    #[pyo3(signature = (*_args))]
    fn __exit__(&self, py: Python<'_>, _args: &Bound<'_, PyTuple>) -> PyResult<bool> {
        self.detach(py)?;
        Ok(false)
    }
    fn __repr__(&self) -> String {
        match crate::errors::catch(|| Ok(self.inner.lock().fd())) {
            Ok(fd) if fd >= 0 => format!("<rbpf.Link fd={fd}>"),
            _ => "<rbpf.Link detached>".to_owned(),
        }
    }
}
