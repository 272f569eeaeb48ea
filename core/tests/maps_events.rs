//! Issue 5 events on this kernel: the user ring buffer (produced here, drained by a BPF
//! program run with BPF_PROG_TEST_RUN), ring buffer consume_n / per-ring accessors /
//! stopping callbacks over a bpf_loop producer, and perf buffer options.

use rbpf_core::events::{PerfEvent, UserRingBuffer};
use rbpf_core::opts::{PerfBufferOpts, UserRingBufferOpts};
use rbpf_core::sys::{self, TestRunOpts};
use rbpf_core::{Object, ObjectOpenOpts, PerfBuffer, RingBuffer, RingBufferOpts};
use rbpf_testprogs::object_path;
use std::time::{Duration, Instant};

fn load(name: &str) -> Object {
    let mut o = Object::open_file(object_path(name), &ObjectOpenOpts::default()).unwrap_or_else(|e| panic!("open {name}: {e}"));
    o.load().unwrap_or_else(|e| panic!("load {name}: {e}\n{}", e.verifier_log().unwrap_or("")));
    o
}

fn global(o: &Object, name: &str) -> u64 {
    let g = o.global(name).unwrap_or_else(|| panic!("no global {name}"));
    let b = o.maps()[g.map_index].read_data(g.offset, g.size).unwrap();
    let mut v = [0u8; 8];
    v[..b.len()].copy_from_slice(&b);
    u64::from_ne_bytes(v)
}

fn set_global(o: &Object, name: &str, bytes: &[u8]) {
    let g = o.global(name).unwrap_or_else(|| panic!("no global {name}"));
    o.maps()[g.map_index].write_data(g.offset, bytes).unwrap();
}

fn run(o: &Object, prog: &str) {
    let fd = o.program(prog).unwrap().fd().unwrap();
    sys::prog_test_run(fd, &mut TestRunOpts::default()).unwrap_or_else(|e| panic!("test run {prog}: {e}"));
}

/// A record: [value, declared size, padding...] of `size` bytes (≥ 16).
fn record(value: u64, size: usize) -> Vec<u8> {
    let mut r = vec![0u8; size];
    r[..8].copy_from_slice(&value.to_ne_bytes());
    r[8..16].copy_from_slice(&(size as u64).to_ne_bytes());
    r
}

#[test]
fn user_ringbuf_reserve_submit_discard_drain() {
    let o = load("user_ringbuf");
    let fd = o.map("user_ringbuf").unwrap().fd().unwrap();
    let rb = UserRingBuffer::new(fd, &UserRingBufferOpts::default()).unwrap();
    assert_eq!(rb.size(), 16 * 1024);

    // submitted, discarded, dropped (= discarded), then a 20-byte one (padded to 24+8).
    let mut s = rb.reserve(16).unwrap();
    assert_eq!(s.as_mut_slice().as_ptr() as usize % 8, 0, "8-byte aligned");
    s.write(&record(5, 16)).unwrap();
    s.submit().unwrap();
    let mut d = rb.reserve(16).unwrap();
    d.write(&record(1000, 16)).unwrap();
    d.discard().unwrap();
    {
        let mut dropped = rb.reserve(16).unwrap();
        dropped.write(&record(2000, 16)).unwrap();
    }
    rb.write(&record(7, 20)).unwrap();
    assert_eq!(rb.used(), 3 * 24 + 32);

    run(&o, "drain");
    assert_eq!(global(&o, "drain_ret"), 2, "two records drained (discards are skipped)");
    assert_eq!(global(&o, "drained_cnt"), 2);
    assert_eq!(global(&o, "drained_sum"), 12);
    assert_eq!(global(&o, "drained_bytes"), 36);
    assert_eq!(rb.used(), 0, "the kernel consumed everything");
    assert_eq!(rb.consumer_pos(), rb.producer_pos());
}

#[test]
fn user_ringbuf_full_too_big_and_blocking() {
    let o = load("user_ringbuf");
    let fd = o.map("user_ringbuf").unwrap().fd().unwrap();
    let rb = UserRingBuffer::new(fd, &Default::default()).unwrap();
    let e = rb.reserve(16 * 1024).unwrap_err();
    assert_eq!(e.errno(), libc::E2BIG, "{e}");
    // Fill: 1024-byte samples take 1032 bytes → 15 fit in 16 KiB.
    let mut n = 0u64;
    loop {
        match rb.reserve(1024) {
            Ok(mut s) => {
                s.write(&record(1, 1024)).unwrap();
                s.submit().unwrap();
                n += 1;
            }
            Err(e) => {
                assert_eq!(e.errno(), libc::ENOSPC, "{e}");
                break;
            }
        }
    }
    assert_eq!(n, 15);
    // No wait: ENOSPC at once; a short wait times out.
    assert_eq!(rb.reserve_blocking(1024, 0).unwrap_err().errno(), libc::ENOSPC);
    let t = Instant::now();
    let e = rb.reserve_blocking(1024, 50).unwrap_err();
    assert_eq!(e.errno(), libc::ENOSPC, "{e}");
    assert!(t.elapsed() >= Duration::from_millis(45), "waited {:?}", t.elapsed());
    assert_eq!(rb.reserve_blocking(8, -2).unwrap_err().errno(), libc::EINVAL);

    // A drain from another thread frees space and wakes the blocked reserve.
    std::thread::scope(|sc| {
        let drainer = sc.spawn(|| {
            std::thread::sleep(Duration::from_millis(50));
            run(&o, "drain");
        });
        let t = Instant::now();
        let mut s = rb.reserve_blocking(1024, 5000).expect("space after the drain");
        assert!(t.elapsed() < Duration::from_secs(4));
        s.write(&record(100, 1024)).unwrap();
        s.submit().unwrap();
        drainer.join().unwrap();
    });
    run(&o, "drain");
    assert_eq!(global(&o, "drained_cnt"), 16);
    assert_eq!(global(&o, "drained_sum"), 115);
}

#[test]
fn user_ringbuf_rejects_other_maps() {
    let o = load("ringbench");
    let fd = o.map("bench_rb").unwrap().fd().unwrap();
    let e = UserRingBuffer::new(fd, &Default::default()).unwrap_err();
    assert_eq!(e.errno(), libc::EINVAL);
    assert!(e.message().contains("is not BPF_MAP_TYPE_USER_RINGBUF"), "{e}");
    assert_eq!(UserRingBuffer::new(-1, &Default::default()).unwrap_err().errno(), libc::EBADF);
}

#[test]
fn ringbuf_consume_n_accessors_and_stop() {
    let o = load("ringbench");
    let fd = o.map("bench_rb").unwrap().fd().unwrap();
    let mut rb = RingBuffer::new(&RingBufferOpts::default()).unwrap();
    assert_eq!(rb.add(fd).unwrap(), 0);
    set_global(&o, "nr_records", &100u32.to_ne_bytes());
    run(&o, "produce");
    assert_eq!(global(&o, "dropped"), 0);
    {
        let r = rb.ring(0).unwrap();
        assert_eq!(r.size(), 256 * 1024);
        assert_eq!(r.avail_data_size(), 100 * 24, "16-byte records + 8-byte headers");
        assert_eq!(r.producer_pos() - r.consumer_pos(), 100 * 24);
        assert!(r.map_fd() >= 3 && r.map_fd() != fd, "the ring holds its own dup");
    }
    let mut seqs = Vec::new();
    let n = rb.consume_n(30, &mut |_, rec| {
        seqs.push(u64::from_ne_bytes(rec[..8].try_into().unwrap()));
        0
    });
    assert_eq!(n.unwrap(), 30);
    assert_eq!(rb.ring(0).unwrap().avail_data_size(), 70 * 24);
    // per-ring consume_n
    let n = rb.consume_ring(0, 20, &mut |_, rec| {
        seqs.push(u64::from_ne_bytes(rec[..8].try_into().unwrap()));
        0
    });
    assert_eq!(n.unwrap(), 20);
    // a positive return stops after that record (counted), a negative one is an error
    let n = rb.consume(&mut |_, rec| {
        seqs.push(u64::from_ne_bytes(rec[..8].try_into().unwrap()));
        if seqs.len() == 55 { 1 } else { 0 }
    });
    assert_eq!(n.unwrap(), 5);
    let e = rb.consume(&mut |_, rec| {
        seqs.push(u64::from_ne_bytes(rec[..8].try_into().unwrap()));
        -libc::E2BIG
    });
    assert_eq!(e.unwrap_err().errno(), libc::E2BIG);
    let rest = rb.poll(0, &mut |_, rec| {
        seqs.push(u64::from_ne_bytes(rec[..8].try_into().unwrap()));
        0
    });
    assert_eq!(rest.unwrap(), 44);
    assert_eq!(seqs, (0..100).collect::<Vec<u64>>(), "every record once, in order");
    assert_eq!(rb.ring(0).unwrap().avail_data_size(), 0);
    assert!(rb.ring(1).is_none());
    assert_eq!(rb.consume_ring(1, 1, &mut |_, _| 0).unwrap_err().errno(), libc::EINVAL);
}

#[test]
fn ringbuf_producer_outpacing_consumer_drops_not_blocks() {
    let o = load("ringbench");
    let fd = o.map("bench_rb").unwrap().fd().unwrap();
    let mut rb = RingBuffer::new(&RingBufferOpts::default()).unwrap();
    rb.add(fd).unwrap();
    // 256 KiB / 24 bytes = 10922 records fit; ask for 20000 without consuming.
    set_global(&o, "nr_records", &20000u32.to_ne_bytes());
    run(&o, "produce");
    let dropped = global(&o, "dropped");
    assert_eq!(dropped, 20000 - (256 * 1024 / 24) as u64);
    let n = rb.consume(&mut |_, _| 0).unwrap();
    assert_eq!(n as u64, 20000 - dropped);
}

#[test]
fn perf_buffer_sample_period_option() {
    // Only the option plumbing: a PERF_EVENT_ARRAY map made here, no program needed.
    let attr = sys::MapCreateAttr {
        map_type: rbpf_core::uapi::BPF_MAP_TYPE_PERF_EVENT_ARRAY,
        name: "pb_opts".into(),
        key_size: 4,
        value_size: 4,
        max_entries: sys::num_possible_cpus().unwrap() as u32,
        ..Default::default()
    };
    let map = sys::map_create(&attr).unwrap();
    use std::os::fd::AsRawFd;
    let mut opts = PerfBufferOpts::default();
    opts.sample_period = 4;
    let pb = PerfBuffer::with_opts(map.as_raw_fd(), 1, &opts).unwrap();
    assert!(pb.buffer_cnt() >= 1);
    let mut pb = pb;
    assert_eq!(pb.consume(&mut |_, ev| matches!(ev, PerfEvent::Lost(_)) as i32).unwrap(), 0);
    assert_eq!(PerfBuffer::with_opts(map.as_raw_fd(), 3, &Default::default()).unwrap_err().errno(), libc::EINVAL);
}
