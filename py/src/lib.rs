//! The `rbpf._rbpf` extension: thin adapters from Python to rbpf-core (see DESIGN.md).
//! The pure-Python package `rbpf` (py/python/rbpf) re-exports it with the exception
//! classes and a few helpers.

mod attach;
mod btf;
mod errors;
mod map;
mod object;
mod opts;
mod events;
mod perfbuf;
mod ringbuf;
mod shared;
mod userringbuf;
mod value;

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use rbpf_core::log::PrintLevel;
use std::sync::Arc;

include!(concat!(env!("OUT_DIR"), "/uapi_consts.rs"));

/// Find a BTF type by C name: "struct event", "union u", "enum e", or a plain
/// (typedef / int) name. The spelling rules are the core's.
pub(crate) fn btf_find_type(btf: &rbpf_core::Btf, name: &str) -> Option<u32> {
    btf.find_by_c_name(name)
}

/// Forward the core's messages to logging.getLogger("rbpf").
fn install_logger() {
    static LOGGER: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    let printer: rbpf_core::log::PrintFn = Arc::new(|level, msg| {
        let text = msg.trim_end();
        let text = text.strip_prefix("rbpf: ").unwrap_or(text);
        let pylevel = match level {
            PrintLevel::Warn => 30,
            PrintLevel::Info => 20,
            PrintLevel::Debug => 10,
        };
        // During interpreter shutdown there is no logging module to call.
        let done = Python::try_attach(|py| {
            let logger = LOGGER.get_or_try_init(py, || -> PyResult<Py<PyAny>> {
                Ok(py.import("logging")?.call_method1("getLogger", ("rbpf",))?.unbind())
            });
            match logger {
                Ok(l) => l.bind(py).call_method1("log", (pylevel, text)).is_ok(),
                Err(_) => false,
            }
        });
        if done != Some(true) && level == PrintLevel::Warn {
            eprintln!("rbpf: {text}");
        }
    });
    rbpf_core::log::set_print(Some(printer));
}

/// Number of possible CPUs (the length of a per-CPU map value).
#[pyfunction]
fn num_possible_cpus() -> PyResult<usize> {
    use errors::CoreResultExt;
    errors::catch(|| rbpf_core::num_possible_cpus().py())
}

#[pymodule]
fn _rbpf(m: &Bound<'_, PyModule>) -> PyResult<()> {
    install_logger();
    m.add_class::<object::BpfObject>()?;
    m.add_class::<object::Program>()?;
    m.add_class::<object::Link>()?;
    m.add_class::<object::GlobalData>()?;
    m.add_class::<map::Map>()?;
    m.add_class::<map::BatchCursor>()?;
    m.add_class::<ringbuf::RingBuffer>()?;
    m.add_class::<ringbuf::PyRing>()?;
    m.add_class::<perfbuf::PerfBuffer>()?;
    m.add_class::<userringbuf::UserRingBuffer>()?;
    m.add_class::<userringbuf::UserRingSample>()?;
    m.add_class::<events::RecordBatch>()?;
    m.add_class::<events::RecordView>()?;
    m.add_class::<value::PyStruct>()?;
    m.add_class::<btf::PyBtf>()?;
    m.add_function(wrap_pyfunction!(opts::opts_fields, m)?)?;
    m.add_function(wrap_pyfunction!(opts::opts_desc, m)?)?;
    attach::register(m)?;
    m.add_function(wrap_pyfunction!(num_possible_cpus, m)?)?;
    for (name, value) in UAPI_CONSTS {
        m.add(*name, *value)?;
    }
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
