//! events::RingBuffer against the real kernel. Records come from a hand-assembled
//! socket filter run with BPF_PROG_TEST_RUN: each run writes record A (8 bytes,
//! 0x1111), reserves and discards record B, then writes record C (12 bytes: 0x3333 and
//! the u32 0x4444), so discards and 8-byte rounding are both exercised.

mod sysutil;

use rbpf_core::events::RingBuffer;
use rbpf_core::opts::RingBufferOpts;
use rbpf_core::sys::{self, TestRunOpts};
use rbpf_core::uapi::*;
use std::os::fd::{AsRawFd, OwnedFd};
use std::time::Duration;
use sysutil::*;

const A: u64 = 0x1111;
const C: u64 = 0x3333;
const C_TAIL: u32 = 0x4444;
/// Bytes one run adds to the ring: A 8+8, B 8+16 (discarded), C 8+12 rounded to 24.
const PER_RUN: u64 = 16 + 24 + 24;

fn producer(rb_fd: i32) -> OwnedFd {
    let mut v = vec![mov64_reg(R6, R1)];
    // A: bpf_ringbuf_output(rb, &u64, 8, 0)
    v.push(st_dw(R10, -8, A as i32));
    v.extend(ld_map_fd(R1, rb_fd));
    v.extend([mov64_reg(R2, R10), add64_imm(R2, -8), mov64_imm(R3, 8), mov64_imm(R4, 0), call(HELPER_RINGBUF_OUTPUT)]);
    // B: p = bpf_ringbuf_reserve(rb, 16, 0); if (p) { *p = 0x2222; bpf_ringbuf_discard(p, 0); }
    v.extend(ld_map_fd(R1, rb_fd));
    v.extend([mov64_imm(R2, 16), mov64_imm(R3, 0), call(HELPER_RINGBUF_RESERVE), jeq_imm(R0, 0, 4), st_dw(R0, 0, 0x2222), mov64_reg(R1, R0), mov64_imm(R2, 0), call(HELPER_RINGBUF_DISCARD)]);
    // C: 12 bytes.
    v.extend([st_dw(R10, -16, C as i32), st_w(R10, -8, C_TAIL as i32)]);
    v.extend(ld_map_fd(R1, rb_fd));
    v.extend([mov64_reg(R2, R10), add64_imm(R2, -16), mov64_imm(R3, 12), mov64_imm(R4, 0), call(HELPER_RINGBUF_OUTPUT)]);
    v.extend([mov64_imm(R0, 0), exit()]);
    load(BPF_PROG_TYPE_SOCKET_FILTER, "rb_producer", &v).unwrap()
}

fn run(prog: &OwnedFd, times: usize) {
    let pkt = [0u8; 64];
    for _ in 0..times {
        sys::prog_test_run(prog.as_raw_fd(), &mut TestRunOpts { data_in: &pkt, repeat: 1, ..Default::default() }).unwrap();
    }
}

/// Checks a record and returns 'A' or 'C'.
fn kind(rec: &[u8]) -> char {
    match rec.len() {
        8 => {
            assert_eq!(u64::from_ne_bytes(rec.try_into().unwrap()), A);
            'A'
        }
        12 => {
            assert_eq!(u64::from_ne_bytes(rec[..8].try_into().unwrap()), C);
            assert_eq!(u32::from_ne_bytes(rec[8..].try_into().unwrap()), C_TAIL);
            'C'
        }
        n => panic!("unexpected record of {n} bytes: {rec:?}"),
    }
}

#[test]
fn records_discards_and_positions() {
    if !need_bpf("records_discards_and_positions") {
        return;
    }
    let map = create_map(BPF_MAP_TYPE_RINGBUF, 0, 0, 64 * 1024, 0);
    let prog = producer(map.as_raw_fd());
    let mut rb = RingBuffer::new(&RingBufferOpts::default()).unwrap();
    assert_eq!(rb.add(map.as_raw_fd()).unwrap(), 0);
    assert_eq!(rb.ring_count(), 1);
    let ring = rb.ring(0).unwrap();
    assert_eq!(ring.size(), 64 * 1024);
    assert_eq!(ring.avail_data_size(), 0);

    run(&prog, 3);
    let ring = rb.ring(0).unwrap();
    assert_eq!(ring.avail_data_size(), 3 * PER_RUN);
    assert_eq!(ring.producer_pos(), 3 * PER_RUN);
    assert_eq!(ring.consumer_pos(), 0);

    let mut seen = String::new();
    let n = rb.consume(&mut |idx, rec| {
        assert_eq!(idx, 0);
        seen.push(kind(rec));
        0
    })
    .unwrap();
    assert_eq!(n, 6, "discarded records are skipped and not counted");
    assert_eq!(seen, "ACACAC");
    let ring = rb.ring(0).unwrap();
    assert_eq!(ring.consumer_pos(), ring.producer_pos());
    assert_eq!(ring.avail_data_size(), 0);
    assert_eq!(rb.consume(&mut |_, _| 0).unwrap(), 0);
}

#[test]
fn early_stop_and_consume_n() {
    if !need_bpf("early_stop_and_consume_n") {
        return;
    }
    let map = create_map(BPF_MAP_TYPE_RINGBUF, 0, 0, 64 * 1024, 0);
    let prog = producer(map.as_raw_fd());
    let mut rb = RingBuffer::new(&RingBufferOpts::default()).unwrap();
    rb.add(map.as_raw_fd()).unwrap();
    run(&prog, 3); // 6 records

    // A positive return stops after that record, which counts.
    let mut calls = 0;
    assert_eq!(rb.consume(&mut |_, _| { calls += 1; 1 }).unwrap(), 1);
    assert_eq!(calls, 1);
    // A negative return is the error; that record is consumed too.
    let e = rb.consume(&mut |_, _| -libc::EIO).unwrap_err();
    assert_eq!(e.errno(), libc::EIO);
    // consume_n takes at most n.
    let mut seen = String::new();
    assert_eq!(rb.consume_n(2, &mut |_, r| { seen.push(kind(r)); 0 }).unwrap(), 2);
    assert_eq!(seen, "AC");
    assert_eq!(rb.consume_ring(0, 100, &mut |_, _| 0).unwrap(), 2);
    assert_eq!(rb.consume(&mut |_, _| 0).unwrap(), 0);
    assert_eq!(rb.consume_ring(5, 1, &mut |_, _| 0).unwrap_err().errno(), libc::EINVAL);
}

/// A producer of record A only (16 bytes in the ring), to shift the alignment.
fn producer_a(rb_fd: i32) -> OwnedFd {
    let mut v = vec![st_dw(R10, -8, A as i32)];
    v.extend(ld_map_fd(R1, rb_fd));
    v.extend([mov64_reg(R2, R10), add64_imm(R2, -8), mov64_imm(R3, 8), mov64_imm(R4, 0), call(HELPER_RINGBUF_OUTPUT)]);
    v.extend([mov64_imm(R0, 0), exit()]);
    load(BPF_PROG_TYPE_SOCKET_FILTER, "rb_producer_a", &v).unwrap()
}

#[test]
fn wraparound_is_contiguous() {
    if !need_bpf("wraparound_is_contiguous") {
        return;
    }
    // One page of data, so the ring wraps many times; A-only runs shift the alignment so
    // that records straddle the end of the data area (and must still arrive whole).
    let size = sys::page_size() as u64;
    let map = create_map(BPF_MAP_TYPE_RINGBUF, 0, 0, size as u32, 0);
    let prog = producer(map.as_raw_fd());
    let prog_a = producer_a(map.as_raw_fd());
    let mut rb = RingBuffer::new(&RingBufferOpts::default()).unwrap();
    rb.add(map.as_raw_fd()).unwrap();
    let (mut total, mut want_total) = (0, 0);
    let (mut seen, mut want) = (String::new(), String::new());
    let (mut pos, mut straddled) = (0u64, 0);
    let mut note = |start: u64, len: u64| {
        if start % size + len > size {
            straddled += 1;
        }
    };
    for round in 0..200u64 {
        for _ in 0..round % 3 {
            run(&prog_a, 1);
            note(pos, 16);
            pos += 16;
            want.push('A');
        }
        for _ in 0..1 + round % 4 {
            run(&prog, 1);
            note(pos, 16);
            note(pos + 40, 24);
            pos += PER_RUN;
            want.push_str("AC");
        }
        want_total = want.len();
        total += rb.consume(&mut |_, r| { seen.push(kind(r)); 0 }).unwrap();
    }
    assert_eq!(total, want_total);
    assert_eq!(seen, want);
    assert_eq!(rb.ring(0).unwrap().producer_pos(), pos);
    assert!(straddled > 0, "some record crossed the end of the data area");
}

#[test]
fn several_rings_poll_and_index() {
    if !need_bpf("several_rings_poll_and_index") {
        return;
    }
    let m0 = create_map(BPF_MAP_TYPE_RINGBUF, 0, 0, 16 * 1024, 0);
    let m1 = create_map(BPF_MAP_TYPE_RINGBUF, 0, 0, 16 * 1024, 0);
    let p1 = producer(m1.as_raw_fd());
    let mut rb = RingBuffer::new(&RingBufferOpts::default()).unwrap();
    assert_eq!(rb.add(m0.as_raw_fd()).unwrap(), 0);
    assert_eq!(rb.add(m1.as_raw_fd()).unwrap(), 1);
    // Nothing yet: poll with a zero timeout returns at once.
    assert_eq!(rb.poll(0, &mut |_, _| 0).unwrap(), 0);
    run(&p1, 2);
    let mut idxs = vec![];
    let n = rb.poll(1000, &mut |i, r| { kind(r); idxs.push(i); 0 }).unwrap();
    assert_eq!(n, 4);
    assert_eq!(idxs, [1, 1, 1, 1]);
    // Dropping the caller's map fds does not affect the manager (it holds dups).
    drop(m1);
    run(&p1, 1);
    assert_eq!(rb.poll(1000, &mut |_, _| 0).unwrap(), 2);

    // A non-ringbuf map is refused with libbpf's message.
    let arr = create_map(BPF_MAP_TYPE_ARRAY, 4, 4, 1, 0);
    let e = rb.add(arr.as_raw_fd()).unwrap_err();
    assert_eq!(e.errno(), libc::EINVAL);
    assert_eq!(e.message(), format!("ringbuf: map fd={} is not BPF_MAP_TYPE_RINGBUF", arr.as_raw_fd()));
    assert_eq!(rb.add(-1).unwrap_err().errno(), libc::EBADF);
    assert_eq!(rb.ring_count(), 2);
}

#[test]
fn waiter_wakes_from_another_thread() {
    if !need_bpf("waiter_wakes_from_another_thread") {
        return;
    }
    let map = create_map(BPF_MAP_TYPE_RINGBUF, 0, 0, 16 * 1024, 0);
    let prog = producer(map.as_raw_fd());
    let mut rb = RingBuffer::new(&RingBufferOpts::default()).unwrap();
    rb.add(map.as_raw_fd()).unwrap();
    let waiter = rb.waiter().unwrap();
    assert_ne!(waiter.fd(), rb.epoll_fd());
    assert!(!waiter.wait(20).unwrap(), "nothing to read yet");

    let t = std::thread::spawn(move || {
        let start = std::time::Instant::now();
        let woke = waiter.wait(10_000).unwrap();
        (woke, start.elapsed())
    });
    std::thread::sleep(Duration::from_millis(100));
    run(&prog, 1);
    let (woke, waited) = t.join().unwrap();
    assert!(woke);
    assert!(waited < Duration::from_secs(9), "woke on data, not on timeout");
    assert_eq!(rb.consume(&mut |_, _| 0).unwrap(), 2);

    // RingBuffer can move to another thread (bindings run it off the main thread).
    fn assert_send<T: Send>(_: &T) {}
    assert_send(&rb);
}

#[test]
fn tracepoint_feeds_ring() {
    if !need_bpf("tracepoint_feeds_ring") {
        return;
    }
    if !ensure_tracefs() {
        skip("tracepoint_feeds_ring", "tracefs is not mounted and mounting failed");
        return;
    }
    // On getpid by this thread: output the 8-byte pid_tgid.
    let want = ((std::process::id() as u64) << 32) | gettid() as u64;
    let map = create_map(BPF_MAP_TYPE_RINGBUF, 0, 0, 16 * 1024, 0);
    let mut v = vec![call(HELPER_GET_CURRENT_PID_TGID), mov64_reg(R7, R0), mov32_reg(R0, R0), jne_imm(R0, gettid() as i32, 8)];
    v.extend([stx_dw(R10, R7, -8)]);
    v.extend(ld_map_fd(R1, map.as_raw_fd()));
    v.extend([mov64_reg(R2, R10), add64_imm(R2, -8), mov64_imm(R3, 8), mov64_imm(R4, 0), call(HELPER_RINGBUF_OUTPUT)]);
    v.extend([mov64_imm(R0, 0), exit()]);
    let prog = load(BPF_PROG_TYPE_TRACEPOINT, "tp_ring", &v).unwrap();
    let mut rb = RingBuffer::new(&RingBufferOpts::default()).unwrap();
    rb.add(map.as_raw_fd()).unwrap();
    let link = rbpf_core::attach::attach_tracepoint(prog.as_raw_fd(), "syscalls", "sys_enter_getpid", &Default::default()).unwrap();
    for _ in 0..5 {
        std::hint::black_box(std::process::id());
    }
    let mut got = vec![];
    let n = rb.poll(1000, &mut |_, r| { got.push(u64::from_ne_bytes(r.try_into().unwrap())); 0 }).unwrap();
    drop(link);
    assert_eq!(n, 5);
    assert!(got.iter().all(|&x| x == want), "{got:x?} vs {want:x}");
}
