//! The repo's BPF programs (`bpf/*.bpf.c`), compiled by this crate's build script, plus
//! the test-harness conventions shared by every Rust test.
//!
//! Objects: `object_path("syscount")` is the `.bpf.o` built for this build; the same
//! bytes are copied to `<workspace>/target/bpf/<name>.bpf.o` for the C, Python and Node
//! suites ([`shared_dir`]).
//!
//! Skips: Rust tests cannot mark themselves skipped at run time, so a test that cannot
//! run calls [`skip`] and returns; `scripts/test-all.sh` moves it from passed to skipped.

use std::io::Write;
use std::path::PathBuf;

/// Names of every compiled object (file stems: "syscount", "maps", ...), sorted.
pub const OBJECTS: &[&str] = include!(concat!(env!("OUT_DIR"), "/objects.rs"));

/// The directory holding this build's objects.
pub fn object_dir() -> PathBuf {
    PathBuf::from(env!("OUT_DIR"))
}

/// `<target>/bpf`, where every object is also copied for the other languages.
pub fn shared_dir() -> PathBuf {
    PathBuf::from(env!("RBPF_BPF_SHARED_DIR"))
}

/// Path of a compiled object: `object_path("syscount")` → `.../syscount.bpf.o`.
/// Accepts "syscount", "syscount.bpf.o" or "syscount.bpf.c".
pub fn object_path(name: &str) -> PathBuf {
    let stem = name
        .strip_suffix(".bpf.o")
        .or_else(|| name.strip_suffix(".bpf.c"))
        .unwrap_or(name);
    object_dir().join(format!("{stem}.bpf.o"))
}

/// The bytes of a compiled object. Panics (this is test support) naming the object and
/// the list of known objects when it does not exist.
pub fn object_bytes(name: &str) -> Vec<u8> {
    let path = object_path(name);
    match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) => panic!("BPF object {name:?} ({}): {e}; known objects: {OBJECTS:?}", path.display()),
    }
}

/// Record that test `name` could not run here and why; the caller then returns.
///
/// Appends one line `<name>: <reason>` to the file named by `RBPF_SKIP_LOG` (set by
/// scripts/test-all.sh), which counts the test as skipped instead of passed. Always
/// prints `SKIPPED <name>: <reason>` to stderr so a plain `cargo test` shows it too.
/// An empty `name` means the current test (libtest names each test's thread after it).
pub fn skip(name: &str, reason: &str) {
    let thread = std::thread::current();
    let name = if name.is_empty() { thread.name().unwrap_or("unknown test") } else { name };
    // One line per test, no embedded newlines, so the aggregator can count lines.
    let line = format!("{}: {}\n", name.replace('\n', " "), reason.replace('\n', " "));
    eprint!("SKIPPED {line}");
    if let Some(log) = std::env::var_os("RBPF_SKIP_LOG") {
        // O_APPEND and one write per line: parallel test threads never interleave.
        let res = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log)
            .and_then(|mut f| f.write_all(line.as_bytes()));
        if let Err(e) = res {
            eprintln!("rbpf-testprogs: cannot write skip log {:?}: {e}", log);
        }
    }
}

/// `skip!("reason")` / `skip!("fmt {}", x)`: [`skip`] for the current test, then `return`.
#[macro_export]
macro_rules! skip {
    ($($arg:tt)+) => {{
        $crate::skip("", &format!($($arg)+));
        return;
    }};
}
