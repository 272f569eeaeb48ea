//! The background waiter shared by RingBuffer and PerfBuffer.
//!
//! Model (bindings.md §3.2): a native thread only blocks on the buffer's epoll fd and,
//! when data is ready, posts one coalesced wake-up through a weak (unref'd) threadsafe
//! function, then sleeps until the JS thread has drained the buffer with `consume()` and
//! re-armed it. Records are only read on the JS thread, one batch per wake-up; no JS
//! value is touched off-thread; an idle waiter never keeps the process alive.

use crate::error::napi_err;
use napi::bindgen_prelude::Function;
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi::Status;
use parking_lot::{Condvar, Mutex};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

type Wake = ThreadsafeFunction<(), (), (), Status, false, true>;

/// How long the thread blocks per call, so `stop` is noticed without a wake fd.
const WAIT_SLICE_MS: i32 = 100;

struct Shared {
    stop: AtomicBool,
    /// True from a posted wake-up until JS re-arms after draining.
    pending: Mutex<bool>,
    cv: Condvar,
}

/// A running waiter thread; dropping it stops the thread (within one wait slice).
pub(crate) struct Waiter {
    shared: Arc<Shared>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Waiter {
    /// Start a thread that calls `wait(timeout_ms)` (true: data ready; an error ends
    /// the thread) and `wake()` on the JS thread when it returns true.
    pub(crate) fn spawn<W>(name: &str, wake: Function<(), ()>, wait: W) -> napi::Result<Waiter>
    where
        W: Fn(i32) -> rbpf_core::Result<bool> + Send + 'static,
    {
        let tsfn: Wake = wake.build_threadsafe_function().weak::<true>().build()?;
        let shared = Arc::new(Shared {
            stop: AtomicBool::new(false),
            pending: Mutex::new(false),
            cv: Condvar::new(),
        });
        let sh = shared.clone();
        let thread = std::thread::Builder::new()
            .name(name.into())
            .spawn(move || {
                // A panic here must not take the process down; the waiter just ends.
                let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    wait_loop(&wait, &tsfn, &sh)
                }));
            })
            .map_err(|e| {
                napi_err(
                    e.raw_os_error().unwrap_or(libc::EAGAIN),
                    format!("{name}: can't start waiter thread: {e}"),
                )
            })?;
        Ok(Waiter {
            shared,
            thread: Some(thread),
        })
    }

    /// Stop the thread and wait for it to end (at most one wait slice): afterwards
    /// nothing but the caller polls the buffer's epoll fd.
    pub(crate) fn join(mut self) {
        self.signal_stop();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }

    fn signal_stop(&self) {
        self.shared.stop.store(true, Ordering::Release);
        self.shared.cv.notify_all();
    }

    /// Let the thread post the next wake-up (called after draining).
    pub(crate) fn rearm(&self) {
        *self.shared.pending.lock() = false;
        self.shared.cv.notify_all();
    }
}

impl Drop for Waiter {
    fn drop(&mut self) {
        self.signal_stop();
    }
}

fn wait_loop(wait: &dyn Fn(i32) -> rbpf_core::Result<bool>, wake: &Wake, sh: &Shared) {
    while !sh.stop.load(Ordering::Acquire) {
        match wait(WAIT_SLICE_MS) {
            Ok(true) => {}
            Ok(false) => continue,
            // A failing epoll fd (closed under us) ends the waiter.
            Err(_) => return,
        }
        *sh.pending.lock() = true;
        if wake.call((), ThreadsafeFunctionCallMode::NonBlocking) != Status::Ok {
            return; // the environment is going away
        }
        // Level-triggered readiness stays set until JS drains: sleep until re-armed.
        let mut p = sh.pending.lock();
        while *p && !sh.stop.load(Ordering::Acquire) {
            sh.cv
                .wait_for(&mut p, Duration::from_millis(WAIT_SLICE_MS as u64));
        }
    }
}
