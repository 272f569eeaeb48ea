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
    pub(crate) fn with<T>(&self, py: Python<'_>, f: impl FnOnce(&rbpf_core::Program) -> PyResult<T>) -> PyResult<T> {
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

    // ---- issue 4 attach kinds: bodies in attach.rs ----
    /// uprobe / uretprobe. Keywords: pid (-1 all, 0 self), func_offset, and the fields of
    /// `rbpf_uprobe_opts` (attach_mode also as "default"/"legacy"/"perf"/"link").
    #[pyo3(signature = (path, /, **kwargs))]
    fn attach_uprobe(&self, py: Python<'_>, path: &str, kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<Link> {
        crate::attach::uprobe(self, py, path, kwargs)
    }
    /// uprobe.multi link: a glob, or syms= / offsets= (with ref_ctr_offsets=, cookies=).
    #[pyo3(signature = (path, func_pattern = None, /, **kwargs))]
    fn attach_uprobe_multi(&self, py: Python<'_>, path: &str, func_pattern: Option<&str>, kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<Link> {
        crate::attach::uprobe_multi(self, py, path, func_pattern, kwargs)
    }
    /// USDT probe provider:name in path. Keywords: pid, usdt_cookie.
    #[pyo3(signature = (path, provider, name, /, **kwargs))]
    fn attach_usdt(&self, py: Python<'_>, path: &str, provider: &str, name: &str, kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<Link> {
        crate::attach::usdt(self, py, path, provider, name, kwargs)
    }
    /// kprobe / kretprobe. Keywords: the fields of `rbpf_kprobe_opts`.
    #[pyo3(signature = (func_name, /, **kwargs))]
    fn attach_kprobe(&self, py: Python<'_>, func_name: &str, kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<Link> {
        crate::attach::kprobe(self, py, func_name, kwargs)
    }
    #[pyo3(signature = (syscall_name, /, **kwargs))]
    fn attach_ksyscall(&self, py: Python<'_>, syscall_name: &str, kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<Link> {
        crate::attach::ksyscall(self, py, syscall_name, kwargs)
    }
    #[pyo3(signature = (pattern = None, /, **kwargs))]
    fn attach_kprobe_multi(&self, py: Python<'_>, pattern: Option<&str>, kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<Link> {
        crate::attach::kprobe_multi(self, py, pattern, kwargs)
    }
    /// XDP link on an interface (index or name). flags: XDP_FLAGS_*; mode: "skb"/"drv"/"hw".
    #[pyo3(signature = (ifindex, /, *, flags = 0, mode = None))]
    fn attach_xdp(&self, py: Python<'_>, ifindex: &Bound<'_, PyAny>, flags: u32, mode: Option<&str>) -> PyResult<Link> {
        crate::attach::xdp(self, py, ifindex, flags, mode)
    }
    #[pyo3(signature = (ifindex, /, **kwargs))]
    fn attach_tcx(&self, py: Python<'_>, ifindex: &Bound<'_, PyAny>, kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<Link> {
        crate::attach::tcx(self, py, ifindex, kwargs)
    }
    #[pyo3(signature = (ifindex, /, **kwargs))]
    fn attach_netkit(&self, py: Python<'_>, ifindex: &Bound<'_, PyAny>, kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<Link> {
        crate::attach::netkit(self, py, ifindex, kwargs)
    }
    /// TC over netlink (clsact + cls_bpf); the Link removes the filter (and the qdisc it made).
    #[pyo3(signature = (ifindex, attach_point = None, /, *, priority = 0, handle = 0))]
    fn attach_tc(&self, py: Python<'_>, ifindex: &Bound<'_, PyAny>, attach_point: Option<&Bound<'_, PyAny>>, priority: u32, handle: u32) -> PyResult<Link> {
        let ingress = PyString::new(py, "ingress").into_any();
        crate::attach::tc(self, py, ifindex, attach_point.unwrap_or(&ingress), priority, handle)
    }
    /// Cgroup attach; `cgroup` is an fd or a path. Keywords: the fields of `rbpf_cgroup_opts`.
    #[pyo3(signature = (cgroup, /, **kwargs))]
    fn attach_cgroup(&self, py: Python<'_>, cgroup: &Bound<'_, PyAny>, kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<Link> {
        crate::attach::cgroup(self, py, cgroup, kwargs)
    }
    #[pyo3(signature = (netns, /))]
    fn attach_netns(&self, py: Python<'_>, netns: &Bound<'_, PyAny>) -> PyResult<Link> {
        crate::attach::netns(self, py, netns)
    }
    #[pyo3(signature = (map, /))]
    fn attach_sockmap(&self, py: Python<'_>, map: &Bound<'_, PyAny>) -> PyResult<Link> {
        crate::attach::sockmap(self, py, map)
    }
    #[pyo3(signature = (sock, /))]
    fn attach_socket_filter(&self, py: Python<'_>, sock: &Bound<'_, PyAny>) -> PyResult<Link> {
        crate::attach::socket_filter(self, py, sock)
    }
    /// Iterator link; read it with link.iter_read(). Keywords: map=, the fields of `rbpf_iter_attach_opts`.
    #[pyo3(signature = (**kwargs))]
    fn attach_iter(&self, py: Python<'_>, kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<Link> {
        crate::attach::iter(self, py, kwargs)
    }
    /// Attach to a perf event fd (duplicated; the caller keeps its fd).
    #[pyo3(signature = (perf_fd, /, **kwargs))]
    fn attach_perf_event(&self, py: Python<'_>, perf_fd: &Bound<'_, PyAny>, kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<Link> {
        crate::attach::perf_event(self, py, perf_fd, kwargs)
    }
    #[pyo3(signature = (**kwargs))]
    fn attach_netfilter(&self, py: Python<'_>, kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<Link> {
        crate::attach::netfilter(self, py, kwargs)
    }
    fn attach_lsm(&self, py: Python<'_>) -> PyResult<Link> {
        crate::attach::lsm(self, py)
    }

    fn __repr__(&self) -> String {
        format!("<rbpf.Program '{}' of '{}'>", self.name, self.shared.name)
    }
}

/// An attachment. `detach()` (alias `close()`) is idempotent; a context manager.
/// Dropping the last reference detaches too: keep the Link while it should stay attached.
#[pyclass(frozen, module = "rbpf", name = "Link")]
pub struct Link {
    pub(crate) inner: Mutex<rbpf_core::Link>,
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
    /// Pin to a bpffs path.
    fn pin(&self, py: Python<'_>, path: std::path::PathBuf) -> PyResult<()> {
        crate::attach::link_pin(self, py, path)
    }
    fn unpin(&self, py: Python<'_>) -> PyResult<()> {
        crate::attach::link_unpin(self, py)
    }
    #[getter]
    fn pin_path(&self) -> PyResult<Option<String>> {
        crate::attach::link_pin_path(self)
    }
    /// Open a pinned link.
    #[staticmethod]
    fn open(py: Python<'_>, path: std::path::PathBuf) -> PyResult<Link> {
        crate::attach::link_open(py, path)
    }
    /// Replace the link's program (a Program or a program fd).
    fn update_program(&self, py: Python<'_>, prog: &Bound<'_, PyAny>) -> PyResult<()> {
        crate::attach::link_update_program(self, py, prog)
    }
    /// Forget the link without detaching: the attachment stays (until unpinned / reboot).
    fn disconnect(&self) -> PyResult<()> {
        crate::attach::link_disconnect(self)
    }
    /// An iterator link's whole output.
    fn iter_read<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, pyo3::types::PyBytes>> {
        crate::attach::link_iter_read(self, py)
    }
    /// A new iterator instance fd (the caller reads and closes it).
    fn iter_create(&self, py: Python<'_>) -> PyResult<i32> {
        crate::attach::link_iter_create(self, py)
    }
    /// {type, id, prog_id} of a BPF link.
    fn info<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        crate::attach::link_info(self, py)
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
