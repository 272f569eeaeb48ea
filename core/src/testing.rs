//! Test-only hooks, compiled only with the `test-panic` feature (never in release
//! artifacts). They let each binding prove that a panic deep inside the core is caught at
//! its boundary and reported as an error (EFAULT with the message), never unwinding into
//! C, Python or Node. See .notes/requests-robustness.md for how each binding uses it.

/// Panics on purpose, from a nested core call as a real bug would, with the message
/// "rbpf test panic: <who>". The `Result` return type is the shape of every fallible
/// core call, so bindings call it exactly like one.
pub fn __test_panic(who: &str) -> crate::Result<()> {
    fn deep(who: &str) -> crate::Result<()> {
        panic!("rbpf test panic: {who}")
    }
    deep(who)
}
