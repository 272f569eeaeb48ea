//! Issue 5 benchmarks (maps-and-events engineer): ring buffer records per second from a
//! BPF producer that outpaces the consumer, and map lookups / updates per second,
//! single and batch, rbpf (Rust, and C through librbpf.so) against libbpf (libbpf-sys).
//!
//! `section(secs)` runs everything and returns a markdown section for BENCHMARKS.md.
//!
//! Ring buffer: bpf/ringbench.bpf.c's `produce` (SEC("syscall"), BPF_PROG_TEST_RUN)
//! emits 16-byte records with bpf_loop, 100k per run, on a producer thread that never
//! stops; records that do not fit are dropped by the program, so the producer is never
//! the bottleneck. Each consumer polls the same 256 KiB ring for `secs` seconds; the
//! figure is records delivered to the callback per second (median of 3 runs).
//!
//! rbpf C is measured through `dlopen` of librbpf.so (the shipped C ABI) found next to
//! this binary, so the bench crate needs no extra dependency; when it is not built, the
//! row says so.

use anyhow::{bail, Context, Result};
use rbpf_core::opts::MapBatchOpts;
use rbpf_core::sys::{self, TestRunOpts};
use rbpf_core::uapi::*;
use rbpf_core::{BatchCursor, Map, Object, ObjectOpenOpts, RingBuffer, RingBufferOpts};
use std::ffi::{c_int, c_void, CString};
use std::fmt::Write as _;
use std::os::fd::{AsRawFd, RawFd};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const PER_RUN: u32 = 100_000;
const EINTR: c_int = 4;
const ENOENT: c_int = 2;
const RTLD_NOW: c_int = 2;

// The bench crate has no libc dependency; glibc exports these from libc.so.6.
extern "C" {
    fn dlopen(filename: *const std::ffi::c_char, flag: c_int) -> *mut c_void;
    fn dlsym(handle: *mut c_void, symbol: *const std::ffi::c_char) -> *mut c_void;
}

/// The ringbench object with its producer, loaded by rbpf.
struct Producer {
    obj: Object,
}

impl Producer {
    fn new() -> Result<Producer> {
        let mut obj = Object::open_file(rbpf_testprogs::object_path("ringbench"), &ObjectOpenOpts::default())?;
        obj.load()?;
        let g = obj.global("nr_records").context("nr_records")?;
        obj.maps()[g.map_index].write_data(g.offset, &PER_RUN.to_ne_bytes())?;
        Ok(Producer { obj })
    }
    fn map_fd(&self) -> Result<RawFd> {
        Ok(self.obj.map("bench_rb").context("bench_rb")?.fd()?)
    }
    fn dropped(&self) -> u64 {
        self.obj
            .global("dropped")
            .and_then(|g| self.obj.maps()[g.map_index].read_data(g.offset, 8).ok())
            .map_or(0, |b| u64::from_ne_bytes(b[..8].try_into().unwrap_or([0; 8])))
    }
    /// Run `consume` while a producer thread keeps the ring full; returns
    /// (records consumed, seconds, records dropped by the producer meanwhile).
    fn measure(&self, secs: f64, consume: &mut dyn FnMut(&AtomicBool) -> Result<u64>) -> Result<(u64, f64, u64)> {
        let prog = self.obj.program("produce").context("produce")?.fd()?;
        let stop = Arc::new(AtomicBool::new(false));
        let runs = Arc::new(AtomicU64::new(0));
        let dropped0 = self.dropped();
        let (t, n) = std::thread::scope(|s| -> Result<(f64, u64)> {
            let (stop2, runs2) = (stop.clone(), runs.clone());
            let producer = s.spawn(move || {
                while !stop2.load(Ordering::Relaxed) {
                    if sys::prog_test_run(prog, &mut TestRunOpts::default()).is_err() {
                        break;
                    }
                    runs2.fetch_add(1, Ordering::Relaxed);
                }
            });
            let stopper = {
                let stop = stop.clone();
                s.spawn(move || {
                    std::thread::sleep(Duration::from_secs_f64(secs));
                    stop.store(true, Ordering::Relaxed);
                })
            };
            let t0 = Instant::now();
            let n = consume(&stop);
            let t = t0.elapsed().as_secs_f64();
            stop.store(true, Ordering::Relaxed);
            let _ = producer.join();
            let _ = stopper.join();
            Ok((t, n?))
        })?;
        Ok((n, t, self.dropped().saturating_sub(dropped0)))
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    v.get(v.len() / 2).copied().unwrap_or(0.0)
}

/// Drain whatever is left so the next consumer starts from an empty ring.
fn drain(fd: RawFd) -> Result<()> {
    let mut rb = RingBuffer::new(&RingBufferOpts::default())?;
    rb.add(fd)?;
    rb.consume(&mut |_, _| 0)?;
    Ok(())
}

fn ring_rbpf_rust(p: &Producer, secs: f64) -> Result<f64> {
    let fd = p.map_fd()?;
    let mut rates = Vec::new();
    for _ in 0..1 {
        drain(fd)?;
        let mut rb = RingBuffer::new(&RingBufferOpts::default())?;
        rb.add(fd)?;
        let (n, t, _) = p.measure(secs, &mut |stop| {
            let mut n = 0u64;
            let mut sum = 0u64;
            while !stop.load(Ordering::Relaxed) {
                rb.poll(100, &mut |_, rec| {
                    sum = sum.wrapping_add(rec[0] as u64);
                    n += 1;
                    0
                })?;
            }
            std::hint::black_box(sum);
            Ok(n)
        })?;
        rates.push(n as f64 / t);
    }
    Ok(median(rates))
}

struct Count {
    n: u64,
    sum: u64,
}

unsafe extern "C" fn count_cb_libbpf(ctx: *mut c_void, data: *mut c_void, size: libbpf_sys::size_t) -> c_int {
    // SAFETY: forwarded unchanged.
    unsafe { count_cb(ctx, data, size as usize) }
}

unsafe extern "C" fn count_cb(ctx: *mut c_void, data: *mut c_void, _size: usize) -> c_int {
    // SAFETY: ctx is the &mut Count passed at creation, used by this thread only; data
    // points at a record of at least 16 bytes (the producer's size).
    unsafe {
        let c = &mut *(ctx as *mut Count);
        c.sum = c.sum.wrapping_add(*(data as *const u8) as u64);
        c.n += 1;
    }
    0
}

fn ring_libbpf(p: &Producer, secs: f64) -> Result<f64> {
    let fd = p.map_fd()?;
    let mut rates = Vec::new();
    for _ in 0..1 {
        drain(fd)?;
        let mut c = Count { n: 0, sum: 0 };
        // SAFETY: a valid ringbuf fd, a callback matching ring_buffer_sample_fn and a ctx
        // that outlives the ring buffer (freed below).
        let rb = unsafe { libbpf_sys::ring_buffer__new(fd, Some(count_cb_libbpf), &mut c as *mut Count as *mut c_void, std::ptr::null()) };
        if rb.is_null() {
            bail!("ring_buffer__new: {}", std::io::Error::last_os_error());
        }
        let r = p.measure(secs, &mut |stop| {
            while !stop.load(Ordering::Relaxed) {
                // SAFETY: rb is live until ring_buffer__free below.
                let r = unsafe { libbpf_sys::ring_buffer__poll(rb, 100) };
                if r < 0 && r != -EINTR {
                    bail!("ring_buffer__poll: {r}");
                }
            }
            Ok(0)
        });
        // SAFETY: created above, freed once.
        unsafe { libbpf_sys::ring_buffer__free(rb) };
        let (_, t, _) = r?;
        std::hint::black_box(c.sum);
        rates.push(c.n as f64 / t);
    }
    Ok(median(rates))
}

/// librbpf.so loaded with dlopen: the few C entry points the benchmark calls.
struct Lib {
    handle: *mut c_void,
    rb_new: unsafe extern "C" fn(c_int, Option<unsafe extern "C" fn(*mut c_void, *mut c_void, usize) -> c_int>, *mut c_void, *const c_void) -> *mut c_void,
    rb_poll: unsafe extern "C" fn(*mut c_void, c_int) -> c_int,
    rb_free: unsafe extern "C" fn(*mut c_void),
    path: String,
}

impl Lib {
    fn open() -> Result<Lib> {
        let exe = std::env::current_exe()?;
        let dir = exe.parent().context("exe dir")?;
        let path = dir.join("librbpf.so");
        if !path.exists() {
            bail!("{} not built (cargo build --release -p rbpf-ffi)", path.display());
        }
        let c = CString::new(path.to_string_lossy().as_bytes())?;
        // SAFETY: dlopen of a path; the library's constructors are Rust statics only.
        let handle = unsafe { dlopen(c.as_ptr(), RTLD_NOW) };
        if handle.is_null() {
            bail!("dlopen {} failed", path.display());
        }
        let sym = |name: &str| -> Result<*mut c_void> {
            let n = CString::new(name)?;
            // SAFETY: handle is a live dlopen handle; n is NUL-terminated.
            let p = unsafe { dlsym(handle, n.as_ptr()) };
            if p.is_null() {
                bail!("{name} missing from librbpf.so");
            }
            Ok(p)
        };
        // SAFETY: the symbols are the rbpf.h functions with exactly these signatures.
        unsafe {
            Ok(Lib {
                rb_new: std::mem::transmute::<*mut c_void, _>(sym("rbpf_ring_buffer_new")?),
                rb_poll: std::mem::transmute::<*mut c_void, _>(sym("rbpf_ring_buffer_poll")?),
                rb_free: std::mem::transmute::<*mut c_void, _>(sym("rbpf_ring_buffer_free")?),
                handle,
                path: path.display().to_string(),
            })
        }
    }
}

fn ring_rbpf_c(p: &Producer, lib: &Lib, secs: f64) -> Result<f64> {
    let fd = p.map_fd()?;
    let mut rates = Vec::new();
    for _ in 0..1 {
        drain(fd)?;
        let mut c = Count { n: 0, sum: 0 };
        // SAFETY: rbpf_ring_buffer_new with a valid fd, callback and ctx (outlives rb).
        let rb = unsafe { (lib.rb_new)(fd, Some(count_cb), &mut c as *mut Count as *mut c_void, std::ptr::null()) };
        if rb.is_null() {
            bail!("rbpf_ring_buffer_new failed");
        }
        let r = p.measure(secs, &mut |stop| {
            while !stop.load(Ordering::Relaxed) {
                // SAFETY: rb is live until freed below.
                let r = unsafe { (lib.rb_poll)(rb, 100) };
                if r < 0 && r != -EINTR {
                    bail!("rbpf_ring_buffer_poll: {r}");
                }
            }
            Ok(0)
        });
        // SAFETY: created above, freed once.
        unsafe { (lib.rb_free)(rb) };
        let (_, t, _) = r?;
        std::hint::black_box(c.sum);
        rates.push(c.n as f64 / t);
    }
    Ok(median(rates))
}

// ---- maps -----------------------------------------------------------------------

const ENTRIES: u32 = 10_000;

fn time_per_sec(secs: f64, op: &mut dyn FnMut() -> Result<u64>) -> Result<f64> {
    let t0 = Instant::now();
    let mut n = 0u64;
    while t0.elapsed().as_secs_f64() < secs {
        n += op()?;
    }
    Ok(n as f64 / t0.elapsed().as_secs_f64())
}

struct MapRates {
    rows: Vec<(String, f64)>,
}

fn maps(secs: f64) -> Result<MapRates> {
    let fd = sys::map_create(&sys::MapCreateAttr { map_type: BPF_MAP_TYPE_HASH, name: "bench_hash".into(), key_size: 4, value_size: 8, max_entries: ENTRIES, ..Default::default() })?;
    let raw = fd.as_raw_fd();
    let map = Map::from_fd(sys::dup_fd(raw)?)?;
    let keys: Vec<u8> = (0..ENTRIES).flat_map(|k| k.to_ne_bytes()).collect();
    let vals: Vec<u8> = (0..ENTRIES as u64).flat_map(|v| v.to_ne_bytes()).collect();
    map.update_batch(&keys, &vals, &MapBatchOpts::default())?;
    let k = std::cell::Cell::new(0u32);
    let next = || {
        k.set((k.get() + 1) % ENTRIES);
        k.get()
    };
    type Op<'a> = Box<dyn FnMut() -> Result<u64> + 'a>;
    let mut ops: Vec<(String, Op<'_>)> = Vec::new();

    ops.push((
        "lookup, libbpf `bpf_map_lookup_elem` (C)".to_string(),
        Box::new(|| {
            let key = next();
            let mut v = 0u64;
            // SAFETY: key/value buffers of the map's sizes.
            let r = unsafe { libbpf_sys::bpf_map_lookup_elem(raw, &key as *const u32 as *const c_void, &mut v as *mut u64 as *mut c_void) };
            if r != 0 {
                bail!("lookup {r}");
            }
            Ok(1)
        }),
    ));
    ops.push((
        "lookup, rbpf `Map::lookup` (Rust, checked, returns Vec)".to_string(),
        Box::new(|| {
            let key = next();
            map.lookup(&key.to_ne_bytes(), 0)?.context("missing")?;
            Ok(1)
        }),
    ));
    ops.push((
        "lookup, rbpf `Map::lookup_into` (Rust, checked, into a buffer)".to_string(),
        Box::new(|| {
            let key = next();
            let mut v = [0u8; 8];
            map.lookup_into(&key.to_ne_bytes(), &mut v, 0)?;
            Ok(1)
        }),
    ));
    ops.push((
        "update, libbpf `bpf_map_update_elem` (C)".to_string(),
        Box::new(|| {
            let key = next();
            let v = key as u64;
            // SAFETY: key/value buffers of the map's sizes.
            let r = unsafe { libbpf_sys::bpf_map_update_elem(raw, &key as *const u32 as *const c_void, &v as *const u64 as *const c_void, 0) };
            if r != 0 {
                bail!("update {r}");
            }
            Ok(1)
        }),
    ));
    ops.push((
        "update, rbpf `Map::update` (Rust)".to_string(),
        Box::new(|| {
            let key = next();
            map.update(&key.to_ne_bytes(), &(key as u64).to_ne_bytes(), 0)?;
            Ok(1)
        }),
    ));
    // batch: whole-map walks in chunks of 1000
    ops.push((
        "batch lookup, libbpf `bpf_map_lookup_batch` x1000 (C)".to_string(),
        Box::new(|| {
            let mut ks = vec![0u32; 1000];
            let mut vs = vec![0u64; 1000];
            let (mut inb, mut outb) = (0u32, 0u32);
            let mut total = 0u64;
            let mut first = true;
            loop {
                let mut count = 1000u32;
                let o = libbpf_sys::bpf_map_batch_opts { sz: std::mem::size_of::<libbpf_sys::bpf_map_batch_opts>() as _, ..Default::default() };
                // SAFETY: buffers for 1000 keys/values and u32 batch positions.
                let r = unsafe {
                    libbpf_sys::bpf_map_lookup_batch(
                        raw,
                        if first { std::ptr::null_mut() } else { &mut inb as *mut u32 as *mut c_void },
                        &mut outb as *mut u32 as *mut c_void,
                        ks.as_mut_ptr() as *mut c_void,
                        vs.as_mut_ptr() as *mut c_void,
                        &mut count,
                        &o,
                    )
                };
                total += count as u64;
                if r != 0 {
                    if r == -ENOENT {
                        break;
                    }
                    bail!("lookup_batch {r}");
                }
                inb = outb;
                first = false;
            }
            Ok(total)
        }),
    ));
    ops.push((
        "batch lookup, rbpf `Map::lookup_batch` x1000 (Rust)".to_string(),
        Box::new(|| {
            let mut cur = BatchCursor::new();
            let mut total = 0u64;
            while !cur.is_done() {
                total += map.lookup_batch(&mut cur, 1000, &MapBatchOpts::default())?.len() as u64;
            }
            Ok(total)
        }),
    ));
    ops.push((
        "iterate, rbpf `Map::iter` (Rust, batches of 256, one Vec pair per entry)".to_string(),
        Box::new(|| Ok(map.iter().filter(|r| r.is_ok()).count() as u64)),
    ));
    ops.push((
        "iterate, per-key loop `bpf_map_get_next_key` + `bpf_map_lookup_elem` (libbpf, C)".to_string(),
        Box::new(|| {
            let mut total = 0u64;
            let mut cur: Option<u32> = None;
            loop {
                let mut next = 0u32;
                let prev = cur.as_ref().map_or(std::ptr::null(), |k| k as *const u32 as *const c_void);
                // SAFETY: key-sized buffers.
                if unsafe { libbpf_sys::bpf_map_get_next_key(raw, prev, &mut next as *mut u32 as *mut c_void) } != 0 {
                    break;
                }
                let mut v = 0u64;
                // SAFETY: as above.
                unsafe { libbpf_sys::bpf_map_lookup_elem(raw, &next as *const u32 as *const c_void, &mut v as *mut u64 as *mut c_void) };
                total += 1;
                cur = Some(next);
            }
            Ok(total)
        }),
    ));
    // Interleaved rounds so background load hits every variant alike; median per row.
    const ROUNDS: usize = 5;
    let mut rates: Vec<Vec<f64>> = vec![Vec::new(); ops.len()];
    for _ in 0..ROUNDS {
        for (i, (_, op)) in ops.iter_mut().enumerate() {
            rates[i].push(time_per_sec(secs / ROUNDS as f64, op)?);
        }
    }
    let rows = ops.into_iter().zip(rates).map(|((n, _), r)| (n, median(r))).collect();
    Ok(MapRates { rows })
}

fn fmt_rate(r: f64) -> String {
    if r >= 1e6 {
        format!("{:.2} M/s", r / 1e6)
    } else {
        format!("{:.0} k/s", r / 1e3)
    }
}

/// Run the issue-5 benchmarks for about `secs` seconds each and return the markdown.
pub fn section(secs: f64) -> Result<String> {
    let mut out = String::new();
    writeln!(out, "## Events and maps (issue 5)\n")?;
    writeln!(out, "Ring buffer: records/second delivered to a callback, while a BPF program (`bpf/ringbench.bpf.c`, BPF_PROG_TEST_RUN + bpf_loop, 16-byte records, 256 KiB ring) produces on another thread faster than any consumer; median of 3 interleaved runs of {secs:.1} s each.\n")?;
    writeln!(out, "| consumer | records/s | vs libbpf |")?;
    writeln!(out, "| --- | ---: | ---: |")?;
    let p = Producer::new()?;
    let lib = Lib::open();
    let (mut lb, mut rs, mut cc) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..3 {
        lb.push(ring_libbpf(&p, secs)?);
        rs.push(ring_rbpf_rust(&p, secs)?);
        if let Ok(lib) = &lib {
            cc.push(ring_rbpf_c(&p, lib, secs)?);
        }
    }
    let (base, rust) = (median(lb), median(rs));
    writeln!(out, "| libbpf `ring_buffer__poll` (C, libbpf-sys) | {} | 1.00x |", fmt_rate(base))?;
    writeln!(out, "| rbpf `RingBuffer::poll` (Rust) | {} | {:.2}x |", fmt_rate(rust), rust / base)?;
    match &lib {
        Ok(lib) => {
            let c = median(cc);
            writeln!(out, "| rbpf `rbpf_ring_buffer_poll` (C, {} librbpf.so) | {} | {:.2}x |", lib.path.rsplit('/').nth(1).unwrap_or(""), fmt_rate(c), c / base)?;
        }
        Err(e) => writeln!(out, "| rbpf `rbpf_ring_buffer_poll` (C) | not measured: {e} | |")?,
    }
    writeln!(out, "\nMaps: a {ENTRIES}-entry u32 → u64 hash map; operations (single) or elements (batch, iteration) per second, median of 5 interleaved rounds ({secs:.1} s per row in all).\n")?;
    writeln!(out, "| operation | rate |")?;
    writeln!(out, "| --- | ---: |")?;
    let m = maps(secs)?;
    for (name, r) in &m.rows {
        writeln!(out, "| {name} | {} |", fmt_rate(*r))?;
    }
    let get = |prefix: &str| m.rows.iter().find(|(n, _)| n.starts_with(prefix)).map(|r| r.1).unwrap_or(0.0);
    writeln!(
        out,
        "\nBatch lookup vs per-key loop: rbpf {:.1}x, libbpf {:.1}x (target ≥ 10x).",
        get("batch lookup, rbpf") / get("iterate, per-key"),
        get("batch lookup, libbpf") / get("iterate, per-key")
    )?;
    Ok(out)
}

impl Drop for Lib {
    fn drop(&mut self) {
        // Deliberately not dlclose'd: Rust thread-locals of the library may still be
        // registered for this thread.
        let _ = self.handle;
    }
}
