//! `rbpf.setLogger((level, message) => ...)`.
//!
//! The core may print from any thread, including while the JS thread is inside a
//! native call. The printer therefore never calls JS: it queues the message and pokes
//! a weak (unref'd) threadsafe function; index.js drains the queue from that wake-up
//! and also right after each native call, so messages arrive in order and soon.

use napi::bindgen_prelude::Function;
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi::Status;
use napi_derive::napi;
use parking_lot::Mutex;
use rbpf_core::log::{self, PrintLevel};
use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

type Wake = ThreadsafeFunction<(), (), (), Status, false, true>;

/// Bound on queued messages if JS never drains (the oldest are dropped).
const MAX_QUEUED: usize = 4096;

static QUEUE: Mutex<VecDeque<(PrintLevel, String)>> = Mutex::new(VecDeque::new());
static WAKE: Mutex<Option<Arc<Wake>>> = Mutex::new(None);
static WAKE_PENDING: AtomicBool = AtomicBool::new(false);

fn level_name(l: PrintLevel) -> &'static str {
    match l {
        PrintLevel::Warn => "warn",
        PrintLevel::Info => "info",
        PrintLevel::Debug => "debug",
    }
}

fn enqueue(level: PrintLevel, msg: &str) {
    {
        let mut q = QUEUE.lock();
        if q.len() >= MAX_QUEUED {
            q.pop_front();
        }
        q.push_back((level, msg.strip_suffix('\n').unwrap_or(msg).to_string()));
    }
    if !WAKE_PENDING.swap(true, Ordering::AcqRel) {
        let wake = WAKE.lock().clone();
        if let Some(w) = wake {
            w.call((), ThreadsafeFunctionCallMode::NonBlocking);
        }
    }
}

/// Install the printer that queues messages and wakes `flush` (index.js's drain
/// function). `None` silences the library (as libbpf's NULL print callback).
#[napi(catch_unwind)]
pub fn set_native_logger(flush: Option<Function<(), ()>>) -> napi::Result<()> {
    match flush {
        Some(f) => {
            let tsfn: Wake = f.build_threadsafe_function().weak::<true>().build()?;
            *WAKE.lock() = Some(Arc::new(tsfn));
            log::set_print(Some(Arc::new(|level, msg: &str| enqueue(level, msg))));
        }
        None => {
            log::set_print(None);
            *WAKE.lock() = None;
            QUEUE.lock().clear();
        }
    }
    Ok(())
}

/// Put back the library's default stderr printer.
#[napi(catch_unwind)]
pub fn reset_native_logger() {
    log::reset_print();
    *WAKE.lock() = None;
}

/// Queued messages as [level, message] pairs, oldest first; empties the queue.
#[napi(catch_unwind, ts_return_type = "Array<[string, string]>")]
pub fn take_log_messages() -> Vec<Vec<String>> {
    WAKE_PENDING.store(false, Ordering::Release);
    QUEUE
        .lock()
        .drain(..)
        .map(|(l, m)| vec![level_name(l).to_string(), m])
        .collect()
}

/// Cheap check index.js makes after native calls.
#[napi(catch_unwind)]
pub fn log_pending() -> bool {
    !QUEUE.lock().is_empty()
}
