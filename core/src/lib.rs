//! rbpf-core: libbpf rebuilt in Rust.
//!
//! Data flows one way (see DESIGN.md): ELF bytes → [`obj`] (pure parse into an
//! `ObjectSpec`) → [`btf`] (local and kernel types) → [`reloc`] (maps, global data,
//! calls, externs, CO-RE) → [`sys`] (the only module that makes syscalls) → the
//! [`Object`] / [`Program`] / [`Map`] handles → [`attach`] (Links) → [`events`].

pub mod error;
pub mod log;
pub mod opts;

pub mod btf;
pub mod obj;
pub mod reloc;
pub mod uapi;
pub mod sys;

pub mod attach;
pub mod events;
mod object;
#[cfg(feature = "test-panic")] #[doc(hidden)] pub mod testing;

pub use attach::Link;
pub use btf::Btf;
pub use error::{Error, Result};
pub use events::{PerfBuffer, RingBuffer, UserRingBuffer};
pub use object::{Batch, BatchCursor, GlobalVar, Map, MapIter, MapMmap, Object, Program};
pub use opts::{ObjectOpenOpts, RawTracepointOpts, RingBufferOpts, TraceOpts, TracepointOpts};

/// Number of possible CPUs (parsed from /sys/devices/system/cpu/possible, cached).
pub fn num_possible_cpus() -> Result<usize> {
    sys::num_possible_cpus()
}
