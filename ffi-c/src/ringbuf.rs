//! `struct rbpf_ring_buffer`: consumer of BPF_MAP_TYPE_RINGBUF maps, as libbpf's
//! ring_buffer: one callback and context per ring, one epoll fd for all.

use crate::error::{arg_error, int_call, ptr_call};
use crate::handles::{self, get, get_mut, Handle, Kind};
use crate::opts_gen::rbpf_ring_buffer_opts;
use rbpf_core::{Error, RingBuffer};
use std::ffi::{c_int, c_void};

/// Called once per record with the record's bytes (valid during the call only). Return
/// 0 to go on; a negative value stops consumption and is returned by poll/consume.
pub type rbpf_ring_buffer_sample_fn =
    Option<unsafe extern "C" fn(ctx: *mut c_void, data: *mut c_void, size: usize) -> c_int>;

type SampleFn = unsafe extern "C" fn(*mut c_void, *mut c_void, usize) -> c_int;

/// A ring buffer manager (libbpf's `struct ring_buffer`). Owned by the caller: free it
/// with `rbpf_ring_buffer_free`. Use it from one thread at a time; do not free it from
/// inside its own callback.
pub struct rbpf_ring_buffer {
    inner: RingBuffer,
    /// (callback, ctx) per ring index.
    cbs: Vec<(SampleFn, *mut c_void)>,
}

impl Handle for rbpf_ring_buffer {
    const KIND: Kind = Kind::RingBuffer;
    const C_NAME: &'static str = "rbpf_ring_buffer";
}

/// Record count as the C int result (libbpf caps it at INT_MAX).
fn count(n: usize) -> c_int {
    n.min(c_int::MAX as usize) as c_int
}

impl rbpf_ring_buffer {
    /// Run `f` with the per-record dispatcher to the C callbacks.
    fn with_dispatch<R>(
        &mut self,
        f: impl FnOnce(&mut RingBuffer, &mut rbpf_core::events::SampleFn<'_>) -> R,
    ) -> R {
        let cbs = &self.cbs;
        let mut dispatch = |ring: usize, data: &[u8]| -> i32 {
            let Some(&(cb, ctx)) = cbs.get(ring) else {
                return 0;
            };
            // SAFETY: a C callback registered with its ctx; data is valid for the call.
            let r = unsafe { cb(ctx, data.as_ptr().cast_mut().cast::<c_void>(), data.len()) };
            // libbpf: a negative return stops and is returned; positive ones are ignored.
            if r < 0 {
                r.max(-c_int::MAX)
            } else {
                0
            }
        };
        f(&mut self.inner, &mut dispatch)
    }
}

/// Create a ring buffer manager over the ringbuf map `map_fd`, calling `sample_cb(ctx,
/// data, size)` for each record. `opts` may be NULL. NULL with errno on error (EINVAL
/// when the fd is not a BPF_MAP_TYPE_RINGBUF map or `sample_cb` is NULL).
#[no_mangle]
pub unsafe extern "C" fn rbpf_ring_buffer_new(
    map_fd: c_int,
    sample_cb: rbpf_ring_buffer_sample_fn,
    ctx: *mut c_void,
    opts: *const rbpf_ring_buffer_opts,
) -> *mut rbpf_ring_buffer {
    const F: &str = "rbpf_ring_buffer_new";
    ptr_call(|| {
        let Some(cb) = sample_cb else {
            return Err(arg_error(F, "sample_cb is NULL"));
        };
        // SAFETY: opts is NULL or a valid options struct (C contract).
        let opts = unsafe { rbpf_ring_buffer_opts::to_core(opts) }?;
        let mut inner = RingBuffer::new(&opts)?;
        let idx = inner.add(map_fd)?;
        let mut cbs = Vec::new();
        cbs.resize(idx + 1, (cb, ctx));
        Ok(handles::into_raw(rbpf_ring_buffer { inner, cbs }))
    })
}

/// Add another ringbuf map with its own callback and context. 0 or a negative errno.
#[no_mangle]
pub unsafe extern "C" fn rbpf_ring_buffer_add(
    rb: *mut rbpf_ring_buffer,
    map_fd: c_int,
    sample_cb: rbpf_ring_buffer_sample_fn,
    ctx: *mut c_void,
) -> c_int {
    const F: &str = "rbpf_ring_buffer_add";
    int_call(|| {
        let r = unsafe { get_mut(F, "rb", rb) }?;
        let Some(cb) = sample_cb else {
            return Err(arg_error(F, "sample_cb is NULL"));
        };
        let idx = r.inner.add(map_fd)?;
        if r.cbs.len() <= idx {
            r.cbs.resize(idx + 1, (cb, ctx));
        }
        r.cbs[idx] = (cb, ctx);
        Ok(0)
    })
}

/// Wait up to `timeout_ms` (-1: forever) for records, then consume every ring. The
/// number of records consumed, or a negative errno (-EINTR when interrupted, or the
/// callback's negative return).
#[no_mangle]
pub unsafe extern "C" fn rbpf_ring_buffer_poll(
    rb: *mut rbpf_ring_buffer,
    timeout_ms: c_int,
) -> c_int {
    int_call(|| {
        let r = unsafe { get_mut("rbpf_ring_buffer_poll", "rb", rb) }?;
        r.with_dispatch(|inner, cb| inner.poll(timeout_ms, cb))
            .map(count)
    })
}

/// Consume every available record without waiting. Count or a negative errno.
#[no_mangle]
pub unsafe extern "C" fn rbpf_ring_buffer_consume(rb: *mut rbpf_ring_buffer) -> c_int {
    int_call(|| {
        let r = unsafe { get_mut("rbpf_ring_buffer_consume", "rb", rb) }?;
        r.with_dispatch(|inner, cb| inner.consume(cb)).map(count)
    })
}

/// Consume at most `n` available records without waiting. Count or a negative errno.
#[no_mangle]
pub unsafe extern "C" fn rbpf_ring_buffer_consume_n(rb: *mut rbpf_ring_buffer, n: usize) -> c_int {
    int_call(|| {
        let r = unsafe { get_mut("rbpf_ring_buffer_consume_n", "rb", rb) }?;
        r.with_dispatch(|inner, cb| inner.consume_n(n, cb))
            .map(count)
    })
}

/// The epoll fd that becomes readable when some ring has data (for your own loop).
#[no_mangle]
pub unsafe extern "C" fn rbpf_ring_buffer_epoll_fd(rb: *const rbpf_ring_buffer) -> c_int {
    int_call(|| {
        let r = unsafe { get("rbpf_ring_buffer_epoll_fd", "rb", rb) }?;
        let fd = r.inner.epoll_fd();
        if fd < 0 {
            return Err(Error::new(
                libc::EBADF,
                "ring buffer has no epoll fd".to_string(),
            ));
        }
        Ok(fd)
    })
}

/// Free the manager (unmaps the rings, closes its fds). NULL is a no-op.
#[no_mangle]
pub unsafe extern "C" fn rbpf_ring_buffer_free(rb: *mut rbpf_ring_buffer) {
    let _ = int_call(|| {
        if rb.is_null() {
            return Ok(0);
        }
        unsafe { get("rbpf_ring_buffer_free", "rb", rb) }?;
        // SAFETY: registry-checked pointer from into_raw.
        unsafe { handles::free(rb) };
        Ok(0)
    });
}
