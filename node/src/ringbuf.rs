//! RingBuffer: the core's manager, plus a background waiter per buffer.
//!
//! Model (bindings.md §3.2): the waiter thread only blocks in `RingWaiter::wait` and,
//! when data is ready, posts one coalesced wake-up through a weak (unref'd)
//! threadsafe function, then sleeps until the JS thread has drained the rings with
//! `consume()` and re-armed it. Records are only ever read on the JS thread, one
//! batch per wake-up; no JS value is touched off-thread; an idle waiter never keeps
//! the process alive.

use crate::error::{napi_err, IntoNapi};
use crate::object::NativeMap;
use crate::value::{shape_of, to_js};
use rbpf_core::btf::value::{decode, Value};
use rbpf_core::Btf;
use std::cell::RefCell;
use napi::bindgen_prelude::{Buffer, Env, FnArgs, Function, ToNapiValue, Unknown};
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi::Status;
use napi_derive::napi;
use parking_lot::{Condvar, Mutex};
use rbpf_core::events::RingWaiter;
use rbpf_core::opts::RingBufferOpts;
use rbpf_core::RingBuffer;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

type Wake = ThreadsafeFunction<(), (), (), Status, false, true>;

/// How long the waiter blocks per call, so `stop()` is noticed without a wake fd.
const WAIT_SLICE_MS: i32 = 100;

struct WaiterShared {
    stop: AtomicBool,
    /// True from a posted wake-up until JS re-arms after draining.
    pending: Mutex<bool>,
    cv: Condvar,
}

struct Ring {
    /// For decoding records: a copy of the map's object BTF (so records still decode
    /// after the object is closed), the type id of `valueType`, and its width shape.
    decode: Option<Decoder>,
}

struct Decoder {
    btf: Btf,
    type_id: u32,
    shape: RefCell<Option<Option<Value>>>,
}

#[napi]
pub struct NativeRingBuffer {
    rb: Option<RingBuffer>,
    rings: Vec<Ring>,
    waiter: Option<Arc<WaiterShared>>,
}

fn closed() -> napi::Error {
    napi_err(libc::EBADF, "ring buffer is closed")
}

#[napi]
impl NativeRingBuffer {
    #[napi(constructor, catch_unwind)]
    pub fn new() -> napi::Result<Self> {
        let rb = RingBuffer::new(&RingBufferOpts::default()).napi()?;
        Ok(NativeRingBuffer { rb: Some(rb), rings: Vec::new(), waiter: None })
    }

    /// Add a BPF_MAP_TYPE_RINGBUF map; `valueType` ("struct event") decodes its records
    /// by the map's object BTF. Returns the ring index.
    #[napi(catch_unwind)]
    pub fn add(&mut self, map: &NativeMap, value_type: Option<String>) -> napi::Result<u32> {
        let rb = self.rb.as_mut().ok_or_else(closed)?;
        let (fd, decode) = map.with(|o, m| {
            let fd = m.fd().napi()?;
            let decode = match &value_type {
                None => None,
                Some(t) => {
                    let btf = o.btf().ok_or_else(|| {
                        napi_err(libc::ENOENT, format!("map '{}': object has no BTF to decode '{t}'", m.name()))
                    })?;
                    let id = crate::value::find_type(btf, t).ok_or_else(|| {
                        napi_err(libc::ENOENT, format!("map '{}': no BTF type '{t}' in the object", m.name()))
                    })?;
                    let btf = Btf::from_bytes(btf.raw_bytes().to_vec()).napi()?;
                    Some(Decoder { btf, type_id: id, shape: RefCell::new(None) })
                }
            };
            Ok((fd, decode))
        })?;
        let idx = rb.add(fd).napi()?;
        if self.rings.len() <= idx {
            self.rings.resize_with(idx + 1, || Ring { decode: None });
        }
        self.rings[idx] = Ring { decode };
        Ok(idx as u32)
    }

    #[napi(getter, catch_unwind)]
    pub fn ring_count(&self) -> u32 {
        self.rings.len() as u32
    }

    #[napi(getter, catch_unwind)]
    pub fn epoll_fd(&self) -> napi::Result<i32> {
        Ok(self.rb.as_ref().ok_or_else(closed)?.epoll_fd())
    }

    /// Wait up to `timeoutMs` (-1: forever; blocks the JS thread) then consume every
    /// ring, calling `cb(ringIndex, record)` per record; a non-zero return stops.
    #[napi(catch_unwind, ts_args_type = "timeoutMs: number, cb: (ring: number, record: unknown) => number")]
    pub fn poll(&mut self, env: &Env, timeout_ms: i32, cb: Function<FnArgs<(u32, Unknown)>, i32>) -> napi::Result<u32> {
        self.run(env, Some(timeout_ms), cb)
    }

    /// Consume what is available without waiting; same callback as poll().
    #[napi(catch_unwind, ts_args_type = "cb: (ring: number, record: unknown) => number")]
    pub fn consume(&mut self, env: &Env, cb: Function<FnArgs<(u32, Unknown)>, i32>) -> napi::Result<u32> {
        self.run(env, None, cb)
    }

    /// Start the background waiter; `wake()` is called (on the JS thread) whenever
    /// data is ready, at most once until `rearm()`. No-op when already running.
    #[napi(catch_unwind)]
    pub fn start(&mut self, wake: Function<(), ()>) -> napi::Result<()> {
        if self.waiter.is_some() {
            return Ok(());
        }
        let waiter = self.rb.as_ref().ok_or_else(closed)?.waiter().napi()?;
        let tsfn: Wake = wake.build_threadsafe_function().weak::<true>().build()?;
        let shared = Arc::new(WaiterShared { stop: AtomicBool::new(false), pending: Mutex::new(false), cv: Condvar::new() });
        let sh = shared.clone();
        std::thread::Builder::new()
            .name("rbpf-ringbuf".into())
            .spawn(move || {
                // A panic here must not take the process down; the waiter just ends.
                let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| wait_loop(&waiter, &tsfn, &sh)));
            })
            .map_err(|e| napi_err(e.raw_os_error().unwrap_or(libc::EAGAIN), format!("ring buffer: can't start waiter thread: {e}")))?;
        self.waiter = Some(shared);
        Ok(())
    }

    /// Let the waiter post the next wake-up (called after draining).
    #[napi(catch_unwind)]
    pub fn rearm(&self) {
        if let Some(w) = &self.waiter {
            *w.pending.lock() = false;
            w.cv.notify_all();
        }
    }

    /// Stop the waiter; it ends within one wait slice. Idempotent.
    #[napi(catch_unwind)]
    pub fn stop(&mut self) {
        if let Some(w) = self.waiter.take() {
            w.stop.store(true, Ordering::Release);
            w.cv.notify_all();
        }
    }

    #[napi(getter, catch_unwind)]
    pub fn running(&self) -> bool {
        self.waiter.is_some()
    }

    #[napi(catch_unwind)]
    pub fn close(&mut self) {
        self.stop();
        self.rb = None;
        self.rings.clear();
    }
}

impl NativeRingBuffer {
    fn run(&mut self, env: &Env, timeout: Option<i32>, cb: Function<FnArgs<(u32, Unknown)>, i32>) -> napi::Result<u32> {
        let rb = self.rb.as_mut().ok_or_else(closed)?;
        let rings = &self.rings;
        let mut failed: Option<napi::Error> = None;
        let mut sample = |idx: usize, data: &[u8]| -> i32 {
            let rec = match record_js(env, rings.get(idx), data) {
                Ok(r) => r,
                Err(e) => {
                    failed = Some(e);
                    return 1;
                }
            };
            match cb.call((idx as u32, rec).into()) {
                Ok(r) => r,
                Err(e) => {
                    // The JS exception stays pending and is rethrown by the caller.
                    failed = Some(e);
                    1
                }
            }
        };
        let n = match timeout {
            Some(t) => rb.poll(t, &mut sample),
            None => rb.consume(&mut sample),
        };
        if let Some(e) = failed {
            return Err(e);
        }
        Ok(n.napi()? as u32)
    }
}

fn record_js<'e>(env: &'e Env, ring: Option<&Ring>, data: &[u8]) -> napi::Result<Unknown<'e>> {
    match ring.and_then(|r| r.decode.as_ref()) {
        None => Buffer::from(data.to_vec()).into_unknown(env),
        Some(d) => {
            let v = decode(&d.btf, d.type_id, data).napi()?;
            let mut shape = d.shape.borrow_mut();
            let shape = shape.get_or_insert_with(|| shape_of(&d.btf, d.type_id, data.len()));
            to_js(env, &v, shape.as_ref())
        }
    }
}

fn wait_loop(waiter: &RingWaiter, wake: &Wake, sh: &WaiterShared) {
    while !sh.stop.load(Ordering::Acquire) {
        match waiter.wait(WAIT_SLICE_MS) {
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
            sh.cv.wait_for(&mut p, Duration::from_millis(WAIT_SLICE_MS as u64));
        }
    }
}
