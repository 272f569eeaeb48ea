//! RingBuffer: the core's manager plus a background waiter (waiter.rs) per buffer.

use crate::error::{napi_err, IntoNapi};
use crate::object::NativeMap;
use crate::value::{record_js, Decoder};
use crate::waiter::Waiter;
use napi::bindgen_prelude::{Env, FnArgs, Function, Unknown};
use napi_derive::napi;
use rbpf_core::opts::RingBufferOpts;
use rbpf_core::RingBuffer;

struct Ring {
    /// Decodes records as `valueType` by a copy of the map's object BTF (so records
    /// still decode after the object is closed).
    decode: Option<Decoder>,
}

#[napi]
pub struct NativeRingBuffer {
    rb: Option<RingBuffer>,
    rings: Vec<Ring>,
    waiter: Option<Waiter>,
}

fn closed() -> napi::Error {
    napi_err(libc::EBADF, "ring buffer is closed")
}

#[napi]
impl NativeRingBuffer {
    #[napi(constructor, catch_unwind)]
    pub fn new() -> napi::Result<Self> {
        let rb = RingBuffer::new(&RingBufferOpts::default()).napi()?;
        Ok(NativeRingBuffer {
            rb: Some(rb),
            rings: Vec::new(),
            waiter: None,
        })
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
                        napi_err(
                            libc::ENOENT,
                            format!("map '{}': object has no BTF to decode '{t}'", m.name()),
                        )
                    })?;
                    Some(Decoder::new(btf, t, &format!("map '{}'", m.name()))?)
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
    #[napi(
        catch_unwind,
        ts_args_type = "timeoutMs: number, cb: (ring: number, record: unknown) => number"
    )]
    pub fn poll(
        &mut self,
        env: &Env,
        timeout_ms: i32,
        cb: Function<FnArgs<(u32, Unknown)>, i32>,
    ) -> napi::Result<u32> {
        self.run(env, Some(timeout_ms), cb)
    }

    /// Consume what is available without waiting; same callback as poll().
    #[napi(
        catch_unwind,
        ts_args_type = "cb: (ring: number, record: unknown) => number"
    )]
    pub fn consume(
        &mut self,
        env: &Env,
        cb: Function<FnArgs<(u32, Unknown)>, i32>,
    ) -> napi::Result<u32> {
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
        self.waiter = Some(Waiter::spawn("rbpf-ringbuf", wake, move |t| {
            waiter.wait(t)
        })?);
        Ok(())
    }

    /// Let the waiter post the next wake-up (called after draining).
    #[napi(catch_unwind)]
    pub fn rearm(&self) {
        if let Some(w) = &self.waiter {
            w.rearm();
        }
    }

    /// Stop the waiter; it ends within one wait slice. Idempotent.
    #[napi(catch_unwind)]
    pub fn stop(&mut self) {
        self.waiter = None;
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
    fn run(
        &mut self,
        env: &Env,
        timeout: Option<i32>,
        cb: Function<FnArgs<(u32, Unknown)>, i32>,
    ) -> napi::Result<u32> {
        let rb = self.rb.as_mut().ok_or_else(closed)?;
        let rings = &self.rings;
        let mut failed: Option<napi::Error> = None;
        let mut sample = |idx: usize, data: &[u8]| -> i32 {
            let rec = match record_js(env, rings.get(idx).and_then(|r| r.decode.as_ref()), data) {
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
