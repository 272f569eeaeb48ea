//! PerfBuffer: the core's per-CPU perf buffer plus a background waiter (waiter.rs),
//! the same delivery model as RingBuffer.

use crate::error::{napi_err, IntoNapi};
use crate::object::NativeMap;
use crate::opts;
use crate::value::{record_js, Decoder};
use crate::waiter::Waiter;
use napi::bindgen_prelude::{Env, FnArgs, Function, Object as JsObject, Unknown};
use napi_derive::napi;
use rbpf_core::events::PerfEvent;
use rbpf_core::opts::PerfBufferOpts;
use rbpf_core::sys::epoll::{empty_event, Epoll};
use rbpf_core::PerfBuffer;

type SampleCb<'f> = Function<'f, FnArgs<(u32, Unknown<'f>)>, i32>;
type LostCb<'f> = Function<'f, FnArgs<(u32, f64)>, ()>;

#[napi]
pub struct NativePerfBuffer {
    pb: Option<PerfBuffer>,
    decode: Option<Decoder>,
    waiter: Option<Waiter>,
}

fn closed() -> napi::Error {
    napi_err(libc::EBADF, "perf buffer is closed")
}

#[napi]
impl NativePerfBuffer {
    /// Open a buffer of `pageCnt` pages per CPU over a PERF_EVENT_ARRAY map; `valueType`
    /// ("struct event") decodes samples by the map's object BTF; `options` are the
    /// core's perf_buffer_opts (`samplePeriod`).
    #[napi(constructor, catch_unwind)]
    pub fn new(
        map: &NativeMap,
        page_cnt: u32,
        value_type: Option<String>,
        options: Option<JsObject>,
    ) -> napi::Result<Self> {
        let o: PerfBufferOpts = opts::from_js(options, "PerfBuffer")?;
        let (fd, decode) = map.with(|obj, m| {
            let what = format!("map '{}'", m.name());
            let decode = match &value_type {
                None => None,
                Some(t) => {
                    let btf = obj.btf().ok_or_else(|| {
                        napi_err(
                            libc::ENOENT,
                            format!("{what}: object has no BTF to decode '{t}'"),
                        )
                    })?;
                    Some(Decoder::new(btf, t, &what)?)
                }
            };
            Ok((m.fd().napi()?, decode))
        })?;
        let pb = PerfBuffer::with_opts(fd, page_cnt as usize, &o).napi()?;
        Ok(NativePerfBuffer {
            pb: Some(pb),
            decode,
            waiter: None,
        })
    }

    /// Number of per-CPU buffers (libbpf's perf_buffer__buffer_cnt).
    #[napi(getter, catch_unwind)]
    pub fn buffer_cnt(&self) -> napi::Result<u32> {
        Ok(self.pb.as_ref().ok_or_else(closed)?.buffer_cnt() as u32)
    }

    #[napi(getter, catch_unwind)]
    pub fn epoll_fd(&self) -> napi::Result<i32> {
        Ok(self.pb.as_ref().ok_or_else(closed)?.epoll_fd())
    }

    /// The perf event fd of buffer `idx` (libbpf's perf_buffer__buffer_fd).
    #[napi(catch_unwind)]
    pub fn buffer_fd(&self, idx: u32) -> napi::Result<i32> {
        let pb = self.pb.as_ref().ok_or_else(closed)?;
        pb.buffer_fd(idx as usize).ok_or_else(|| no_buffer(pb, idx))
    }

    /// The CPU of buffer `idx`.
    #[napi(catch_unwind)]
    pub fn buffer_cpu(&self, idx: u32) -> napi::Result<u32> {
        let pb = self.pb.as_ref().ok_or_else(closed)?;
        pb.buffer_cpu(idx as usize)
            .ok_or_else(|| no_buffer(pb, idx))
    }

    /// Wait up to `timeoutMs` (-1: forever; blocks the JS thread), then read the buffers
    /// with data: `sample(cpu, record)` per sample (non-zero stops), `lost(cpu, count)`
    /// per lost-sample notice. Returns the number of events handled.
    #[napi(
        catch_unwind,
        ts_args_type = "timeoutMs: number, sample: (cpu: number, record: unknown) => number, lost: (cpu: number, count: number) => void"
    )]
    pub fn poll(
        &mut self,
        env: &Env,
        timeout_ms: i32,
        sample: SampleCb,
        lost: LostCb,
    ) -> napi::Result<u32> {
        self.run(env, Some(timeout_ms), None, sample, lost)
    }

    /// Read every buffer without waiting; callbacks as poll().
    #[napi(
        catch_unwind,
        ts_args_type = "sample: (cpu: number, record: unknown) => number, lost: (cpu: number, count: number) => void"
    )]
    pub fn consume(&mut self, env: &Env, sample: SampleCb, lost: LostCb) -> napi::Result<u32> {
        self.run(env, None, None, sample, lost)
    }

    /// Read one buffer (libbpf's perf_buffer__consume_buffer); callbacks as poll().
    #[napi(
        catch_unwind,
        ts_args_type = "idx: number, sample: (cpu: number, record: unknown) => number, lost: (cpu: number, count: number) => void"
    )]
    pub fn consume_buffer(
        &mut self,
        env: &Env,
        idx: u32,
        sample: SampleCb,
        lost: LostCb,
    ) -> napi::Result<u32> {
        self.run(env, None, Some(idx as usize), sample, lost)
    }

    /// Start the background waiter; `wake()` is called (on the JS thread) whenever a
    /// buffer has data, at most once until `rearm()`. No-op when already running.
    #[napi(catch_unwind)]
    pub fn start(&mut self, wake: Function<(), ()>) -> napi::Result<()> {
        if self.waiter.is_some() {
            return Ok(());
        }
        let pb = self.pb.as_ref().ok_or_else(closed)?;
        // Our own epoll handle (a dup of the buffer's) for the waiter thread.
        // (A core PerfBuffer::waiter() is requested in .notes/requests-node.md #8.)
        let fd = rbpf_core::sys::dup_fd(pb.epoll_fd())
            .map_err(|e| e.context("perf buffer: waiter"))
            .napi()?;
        let epoll = Epoll::from_owned(fd);
        self.waiter = Some(Waiter::spawn("rbpf-perfbuf", wake, move |t| {
            let mut ev = [empty_event()];
            Ok(epoll.wait(&mut ev, t)? > 0)
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

    /// Stop the waiter and wait for its thread to end (at most one wait slice), so a
    /// later poll() is the only reader of the epoll fd. Idempotent.
    #[napi(catch_unwind)]
    pub fn stop(&mut self) {
        if let Some(w) = self.waiter.take() {
            w.join();
        }
    }

    #[napi(getter, catch_unwind)]
    pub fn running(&self) -> bool {
        self.waiter.is_some()
    }

    /// Stop the waiter, take the events out of the map and unmap the buffers.
    #[napi(catch_unwind)]
    pub fn close(&mut self) {
        self.stop();
        self.pb = None;
        self.decode = None;
    }
}

fn no_buffer(pb: &PerfBuffer, idx: u32) -> napi::Error {
    napi_err(
        libc::EINVAL,
        format!("perf buffer: no buffer {idx} (have {})", pb.buffer_cnt()),
    )
}

impl NativePerfBuffer {
    fn run(
        &mut self,
        env: &Env,
        timeout: Option<i32>,
        one: Option<usize>,
        sample: SampleCb,
        lost: LostCb,
    ) -> napi::Result<u32> {
        let pb = self.pb.as_mut().ok_or_else(closed)?;
        let decode = self.decode.as_ref();
        let mut failed: Option<napi::Error> = None;
        let mut cb = |cpu: usize, ev: PerfEvent<'_>| -> i32 {
            let r = match ev {
                PerfEvent::Sample(data) => record_js(env, decode, data)
                    .and_then(|rec| sample.call((cpu as u32, rec).into())),
                // A lost count never nears 2^53: a number.
                PerfEvent::Lost(n) => lost.call((cpu as u32, n as f64).into()).map(|()| 0),
            };
            match r {
                Ok(v) => v,
                Err(e) => {
                    // A JS exception stays pending and is rethrown by the caller.
                    failed = Some(e);
                    1
                }
            }
        };
        let n = match (timeout, one) {
            // A perf fd reports readiness once per wakeup (perf_poll clears it), so a
            // wakeup the background waiter took leaves data no epoll_wait reports: read
            // what is there first, and wait only when there is nothing.
            (Some(t), _) => match pb.consume(&mut cb) {
                Ok(0) => pb.poll(t, &mut cb),
                r => r,
            },
            (None, Some(idx)) => pb.consume_buffer(idx, &mut cb),
            (None, None) => pb.consume(&mut cb),
        };
        if let Some(e) = failed {
            return Err(e);
        }
        Ok(n.napi()? as u32)
    }
}
