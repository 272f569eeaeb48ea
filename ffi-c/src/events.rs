//! `struct rbpf_user_ring_buffer` (libbpf's user_ring_buffer: user space produces into a
//! BPF_MAP_TYPE_USER_RINGBUF map) and `struct rbpf_perf_buffer` (libbpf's perf_buffer).

use crate::error::{arg_error, int_call, ptr_call, value_call};
use crate::handles::{self, get, get_mut, Handle, Kind};
use crate::opts_gen::{rbpf_perf_buffer_opts, rbpf_user_ring_buffer_opts};
use rbpf_core::events::PerfEvent;
use rbpf_core::{Error, PerfBuffer, UserRingBuffer};
use std::ffi::{c_int, c_void};

/// A producer over a user ring buffer map. Owned by the caller: free it with
/// `rbpf_user_ring_buffer_free`. One producer: use it from one thread at a time.
pub struct rbpf_user_ring_buffer {
    inner: UserRingBuffer,
}

impl Handle for rbpf_user_ring_buffer {
    const KIND: Kind = Kind::UserRingBuffer;
    const C_NAME: &'static str = "rbpf_user_ring_buffer";
}

/// Map the BPF_MAP_TYPE_USER_RINGBUF map `map_fd` for writing. `opts` may be NULL.
/// NULL with errno on error (EINVAL for any other map type).
#[no_mangle]
pub unsafe extern "C" fn rbpf_user_ring_buffer_new(
    map_fd: c_int,
    opts: *const rbpf_user_ring_buffer_opts,
) -> *mut rbpf_user_ring_buffer {
    ptr_call(|| {
        // SAFETY: opts is NULL or a valid options struct (C contract).
        let opts = unsafe { rbpf_user_ring_buffer_opts::to_core(opts) }?;
        let inner = UserRingBuffer::new(map_fd, &opts)?;
        Ok(handles::into_raw(rbpf_user_ring_buffer { inner }))
    })
}

fn sample_ptr(rb: &rbpf_user_ring_buffer, off: rbpf_core::Result<usize>) -> rbpf_core::Result<*mut c_void> {
    off.map(|o| rb.inner.sample_ptr(o).cast::<c_void>())
}

/// Reserve `size` bytes (8-byte aligned) to fill and then submit or discard. NULL with
/// errno E2BIG when the sample can never fit the ring, ENOSPC when it is full now.
#[no_mangle]
pub unsafe extern "C" fn rbpf_user_ring_buffer_reserve(rb: *mut rbpf_user_ring_buffer, size: u32) -> *mut c_void {
    ptr_call(|| {
        let r = unsafe { get("rbpf_user_ring_buffer_reserve", "rb", rb) }?;
        sample_ptr(r, r.inner.reserve_raw(size))
    })
}

/// As `rbpf_user_ring_buffer_reserve`, waiting up to `timeout_ms` (-1: forever) for a
/// BPF program to drain space. NULL with errno ENOSPC on timeout.
#[no_mangle]
pub unsafe extern "C" fn rbpf_user_ring_buffer_reserve_blocking(
    rb: *mut rbpf_user_ring_buffer,
    size: u32,
    timeout_ms: c_int,
) -> *mut c_void {
    ptr_call(|| {
        let r = unsafe { get("rbpf_user_ring_buffer_reserve_blocking", "rb", rb) }?;
        sample_ptr(r, r.inner.reserve_blocking_raw(size, timeout_ms))
    })
}

fn commit(f: &str, rb: *mut rbpf_user_ring_buffer, sample: *mut c_void, discard: bool) {
    let _ = int_call(|| {
        // SAFETY: registry-checked handle.
        let r = unsafe { get(f, "rb", rb) }?;
        if sample.is_null() {
            return Err(arg_error(f, "sample is NULL"));
        }
        let off = r.inner.sample_offset(sample.cast::<u8>())?;
        r.inner.commit_raw(off, discard)?;
        Ok(0)
    });
}

/// Hand a reserved sample to the kernel. A pointer that is not a reserved sample of
/// this ring is ignored (errno EINVAL, message in rbpf_last_error).
#[no_mangle]
pub unsafe extern "C" fn rbpf_user_ring_buffer_submit(rb: *mut rbpf_user_ring_buffer, sample: *mut c_void) {
    commit("rbpf_user_ring_buffer_submit", rb, sample, false);
}

/// Give a reserved sample's space back unseen by the kernel.
#[no_mangle]
pub unsafe extern "C" fn rbpf_user_ring_buffer_discard(rb: *mut rbpf_user_ring_buffer, sample: *mut c_void) {
    commit("rbpf_user_ring_buffer_discard", rb, sample, true);
}

/// Unmap and free the producer (samples not submitted are lost). NULL is a no-op.
#[no_mangle]
pub unsafe extern "C" fn rbpf_user_ring_buffer_free(rb: *mut rbpf_user_ring_buffer) {
    let _ = int_call(|| {
        if rb.is_null() {
            return Ok(0);
        }
        unsafe { get("rbpf_user_ring_buffer_free", "rb", rb) }?;
        // SAFETY: registry-checked pointer from into_raw.
        unsafe { handles::free(rb) };
        Ok(0)
    });
}

/// Called per sample with the CPU it came from; data is valid during the call only.
pub type rbpf_perf_buffer_sample_fn =
    Option<unsafe extern "C" fn(ctx: *mut c_void, cpu: c_int, data: *mut c_void, size: u32)>;
/// Called when the kernel dropped `cnt` samples of `cpu` because its buffer was full.
pub type rbpf_perf_buffer_lost_fn = Option<unsafe extern "C" fn(ctx: *mut c_void, cpu: c_int, cnt: u64)>;

/// A perf buffer over a BPF_MAP_TYPE_PERF_EVENT_ARRAY map (libbpf's `struct
/// perf_buffer`). Owned by the caller: free it with `rbpf_perf_buffer_free`; use it from
/// one thread at a time, never free it from its own callback.
pub struct rbpf_perf_buffer {
    inner: PerfBuffer,
    sample_cb: rbpf_perf_buffer_sample_fn,
    lost_cb: rbpf_perf_buffer_lost_fn,
    ctx: *mut c_void,
}

impl Handle for rbpf_perf_buffer {
    const KIND: Kind = Kind::PerfBuffer;
    const C_NAME: &'static str = "rbpf_perf_buffer";
}

impl rbpf_perf_buffer {
    fn run(&mut self, f: impl FnOnce(&mut PerfBuffer, &mut rbpf_core::events::PerfEventFn<'_>) -> rbpf_core::Result<usize>) -> rbpf_core::Result<c_int> {
        let (sample_cb, lost_cb, ctx) = (self.sample_cb, self.lost_cb, self.ctx);
        let mut dispatch = |cpu: usize, ev: PerfEvent<'_>| -> i32 {
            match ev {
                PerfEvent::Sample(d) => {
                    if let Some(cb) = sample_cb {
                        // SAFETY: the caller's callback and ctx; d is valid for the call.
                        unsafe { cb(ctx, cpu as c_int, d.as_ptr().cast_mut().cast(), d.len() as u32) };
                    }
                }
                PerfEvent::Lost(n) => {
                    if let Some(cb) = lost_cb {
                        // SAFETY: the caller's callback and ctx.
                        unsafe { cb(ctx, cpu as c_int, n) };
                    }
                }
            }
            0
        };
        f(&mut self.inner, &mut dispatch).map(|n| n.min(c_int::MAX as usize) as c_int)
    }
}

/// Open `page_cnt` pages (a power of 2) of buffer per CPU for the PERF_EVENT_ARRAY map
/// `map_fd`; `sample_cb` / `lost_cb` (either may be NULL) get `ctx`. `opts` may be NULL.
#[no_mangle]
pub unsafe extern "C" fn rbpf_perf_buffer_new(
    map_fd: c_int,
    page_cnt: usize,
    sample_cb: rbpf_perf_buffer_sample_fn,
    lost_cb: rbpf_perf_buffer_lost_fn,
    ctx: *mut c_void,
    opts: *const rbpf_perf_buffer_opts,
) -> *mut rbpf_perf_buffer {
    ptr_call(|| {
        // SAFETY: opts is NULL or a valid options struct (C contract).
        let opts = unsafe { rbpf_perf_buffer_opts::to_core(opts) }?;
        let inner = PerfBuffer::with_opts(map_fd, page_cnt, &opts)?;
        Ok(handles::into_raw(rbpf_perf_buffer { inner, sample_cb, lost_cb, ctx }))
    })
}

/// Wait up to `timeout_ms` (-1: forever), then read the buffers with data. The number
/// of events handled (samples and lost notices), or a negative errno; EINTR gives 0.
#[no_mangle]
pub unsafe extern "C" fn rbpf_perf_buffer_poll(pb: *mut rbpf_perf_buffer, timeout_ms: c_int) -> c_int {
    int_call(|| {
        let p = unsafe { get_mut("rbpf_perf_buffer_poll", "pb", pb) }?;
        p.run(|inner, cb| inner.poll(timeout_ms, cb))
    })
}

/// Read every buffer without waiting. Events handled or a negative errno.
#[no_mangle]
pub unsafe extern "C" fn rbpf_perf_buffer_consume(pb: *mut rbpf_perf_buffer) -> c_int {
    int_call(|| {
        let p = unsafe { get_mut("rbpf_perf_buffer_consume", "pb", pb) }?;
        p.run(|inner, cb| inner.consume(cb))
    })
}

/// Read buffer `buf_idx` (0 .. rbpf_perf_buffer_buffer_cnt) only. -EINVAL for a bad index.
#[no_mangle]
pub unsafe extern "C" fn rbpf_perf_buffer_consume_buffer(pb: *mut rbpf_perf_buffer, buf_idx: usize) -> c_int {
    int_call(|| {
        let p = unsafe { get_mut("rbpf_perf_buffer_consume_buffer", "pb", pb) }?;
        p.run(|inner, cb| inner.consume_buffer(buf_idx, cb)).map(|_| 0)
    })
}

/// Number of per-CPU buffers (0 with errno EINVAL for a bad handle).
#[no_mangle]
pub unsafe extern "C" fn rbpf_perf_buffer_buffer_cnt(pb: *const rbpf_perf_buffer) -> usize {
    value_call(0, || Ok(unsafe { get("rbpf_perf_buffer_buffer_cnt", "pb", pb) }?.inner.buffer_cnt()))
}

/// The perf event fd of buffer `buf_idx`, or -EINVAL.
#[no_mangle]
pub unsafe extern "C" fn rbpf_perf_buffer_buffer_fd(pb: *const rbpf_perf_buffer, buf_idx: usize) -> c_int {
    int_call(|| {
        let p = unsafe { get("rbpf_perf_buffer_buffer_fd", "pb", pb) }?;
        p.inner.buffer_fd(buf_idx).ok_or_else(|| {
            Error::new(libc::EINVAL, format!("perf buffer: no buffer {buf_idx} (have {})", p.inner.buffer_cnt()))
        })
    })
}

/// The epoll fd that becomes readable when some buffer has data.
#[no_mangle]
pub unsafe extern "C" fn rbpf_perf_buffer_epoll_fd(pb: *const rbpf_perf_buffer) -> c_int {
    int_call(|| Ok(unsafe { get("rbpf_perf_buffer_epoll_fd", "pb", pb) }?.inner.epoll_fd()))
}

/// Free the buffer: its events leave the map and are closed. NULL is a no-op.
#[no_mangle]
pub unsafe extern "C" fn rbpf_perf_buffer_free(pb: *mut rbpf_perf_buffer) {
    let _ = int_call(|| {
        if pb.is_null() {
            return Ok(0);
        }
        unsafe { get("rbpf_perf_buffer_free", "pb", pb) }?;
        // SAFETY: registry-checked pointer from into_raw.
        unsafe { handles::free(pb) };
        Ok(0)
    });
}

