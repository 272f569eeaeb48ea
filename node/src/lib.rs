//! rbpf for Node: a thin napi-rs adapter over rbpf-core.
//!
//! The native classes here are wrapped by `index.js`, which adds the JS-only parts:
//! `BpfError`, the Proxy over global variables, iterators, `Symbol.dispose` and the
//! ring buffer's event-loop integration. Every exported function catches panics.

mod btf;
mod error;
mod logger;
mod object;
mod opts;
// After `object`: its #[napi] impls extend NativeProgram and NativeLink.
mod attach;
mod perfbuf;
mod ringbuf;
mod value;
mod waiter;

pub use error::take_last_error;

/// Number of possible CPUs (the length of a per-CPU map value).
#[napi_derive::napi(catch_unwind)]
pub fn num_possible_cpus() -> napi::Result<u32> {
    use error::IntoNapi;
    rbpf_core::num_possible_cpus().napi().map(|n| n as u32)
}
