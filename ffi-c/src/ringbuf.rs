//! `struct rbpf_ring_buffer`: consumer of BPF_MAP_TYPE_RINGBUF maps, as libbpf's
//! ring_buffer: one callback and context per ring, one epoll fd for all.

use crate::error::{arg_error, int_call, ptr_call, value_call};
use crate::handles::{self, get, get_mut, Handle, Kind};
use crate::opts_gen::rbpf_ring_buffer_opts;
use rbpf_core::{Error, Result, RingBuffer};
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
    /// Handles given out by rbpf_ring_buffer_ring, per ring index (created on demand,
    /// freed with the manager).
    rings: Vec<*mut rbpf_ring>,
}

/// One ring of a ring buffer manager (libbpf's `struct ring`). Borrowed: owned by its
/// `rbpf_ring_buffer` and valid until `rbpf_ring_buffer_free`.
pub struct rbpf_ring {
    rb: *mut rbpf_ring_buffer,
    idx: usize,
}

impl Handle for rbpf_ring {
    const KIND: Kind = Kind::Ring;
    const C_NAME: &'static str = "rbpf_ring";
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
        Ok(handles::into_raw(rbpf_ring_buffer { inner, cbs, rings: Vec::new() }))
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
        let r = unsafe { get("rbpf_ring_buffer_free", "rb", rb) }?;
        for &ring in &r.rings {
            if !ring.is_null() {
                // SAFETY: ring handles were made by into_raw in rbpf_ring_buffer_ring.
                unsafe { handles::free(ring) };
            }
        }
        // SAFETY: registry-checked pointer from into_raw.
        unsafe { handles::free(rb) };
        Ok(0)
    });
}

/// The ring at `idx` (in the order maps were added), for per-ring positions and
/// consumption; NULL with errno ENOENT when there is no such ring. Owned by `rb`.
#[no_mangle]
pub unsafe extern "C" fn rbpf_ring_buffer_ring(rb: *mut rbpf_ring_buffer, idx: u32) -> *mut rbpf_ring {
    const F: &str = "rbpf_ring_buffer_ring";
    ptr_call(|| {
        let r = unsafe { get_mut(F, "rb", rb) }?;
        let idx = idx as usize;
        if r.inner.ring(idx).is_none() {
            return Err(Error::new(
                libc::ENOENT,
                format!("ringbuf: no ring {idx} (have {})", r.inner.ring_count()),
            ));
        }
        if r.rings.len() <= idx {
            r.rings.resize(idx + 1, std::ptr::null_mut());
        }
        if r.rings[idx].is_null() {
            r.rings[idx] = handles::into_raw(rbpf_ring { rb, idx });
        }
        Ok(r.rings[idx])
    })
}

/// The ring behind a live ring handle (and its manager).
unsafe fn ring_of<'a>(f: &str, r: *const rbpf_ring) -> Result<(&'a mut rbpf_ring_buffer, usize)> {
    // SAFETY: registry-checked; a registered ring's manager is live (freeing the
    // manager unregisters its rings first).
    let h = unsafe { get(f, "r", r) }?;
    let rb = unsafe { get_mut(f, "ring buffer", h.rb) }?;
    Ok((rb, h.idx))
}

fn ring_value<T>(f: &str, r: *const rbpf_ring, get: impl FnOnce(&rbpf_core::events::Ring) -> T) -> Result<T> {
    // SAFETY: forwarded handle check.
    let (rb, idx) = unsafe { ring_of(f, r) }?;
    rb.inner
        .ring(idx)
        .map(get)
        .ok_or_else(|| Error::new(libc::EINVAL, format!("{f}: ring {idx} is gone")))
}

/// The ring's consumer position (bytes consumed since creation).
#[no_mangle]
pub unsafe extern "C" fn rbpf_ring_consumer_pos(r: *const rbpf_ring) -> std::ffi::c_ulong {
    value_call(0, || ring_value("rbpf_ring_consumer_pos", r, |x| x.consumer_pos() as std::ffi::c_ulong))
}

/// The ring's producer position (bytes produced since creation).
#[no_mangle]
pub unsafe extern "C" fn rbpf_ring_producer_pos(r: *const rbpf_ring) -> std::ffi::c_ulong {
    value_call(0, || ring_value("rbpf_ring_producer_pos", r, |x| x.producer_pos() as std::ffi::c_ulong))
}

/// Bytes produced and not yet consumed (record headers and padding included).
#[no_mangle]
pub unsafe extern "C" fn rbpf_ring_avail_data_size(r: *const rbpf_ring) -> usize {
    value_call(0, || ring_value("rbpf_ring_avail_data_size", r, |x| x.avail_data_size() as usize))
}

/// The size of the ring's data area (the map's max_entries).
#[no_mangle]
pub unsafe extern "C" fn rbpf_ring_size(r: *const rbpf_ring) -> usize {
    value_call(0, || ring_value("rbpf_ring_size", r, |x| x.size() as usize))
}

/// The ring's map fd (the manager's own dup of the fd given to new/add).
#[no_mangle]
pub unsafe extern "C" fn rbpf_ring_map_fd(r: *const rbpf_ring) -> c_int {
    int_call(|| ring_value("rbpf_ring_map_fd", r, |x| x.map_fd()))
}

/// Consume every available record of this ring only. Count or a negative errno.
#[no_mangle]
pub unsafe extern "C" fn rbpf_ring_consume(r: *mut rbpf_ring) -> c_int {
    // SAFETY: forwarded.
    unsafe { rbpf_ring_consume_n(r, usize::MAX) }
}

/// Consume at most `n` available records of this ring. Count or a negative errno.
#[no_mangle]
pub unsafe extern "C" fn rbpf_ring_consume_n(r: *mut rbpf_ring, n: usize) -> c_int {
    int_call(|| {
        // SAFETY: registry-checked handles.
        let (rb, idx) = unsafe { ring_of("rbpf_ring_consume_n", r) }?;
        rb.with_dispatch(|inner, cb| inner.consume_ring(idx, n, cb)).map(count)
    })
}
