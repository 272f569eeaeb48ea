//! events::PerfBuffer against the real kernel: samples from a tracepoint program that
//! calls bpf_perf_event_output, lost-sample notices when the buffer overflows, early stop.

mod sysutil;

use rbpf_core::attach;
use rbpf_core::events::{PerfBuffer, PerfEvent};
use rbpf_core::opts::TracepointOpts;
use rbpf_core::uapi::*;
use std::os::fd::{AsRawFd, OwnedFd};
use sysutil::*;

const HELPER_PERF_EVENT_OUTPUT: i32 = 25;

/// On getpid by this thread: bpf_perf_event_output(ctx, map, BPF_F_CURRENT_CPU, &pid_tgid, 8).
fn producer(map_fd: i32) -> OwnedFd {
    let mut v = vec![mov64_reg(R6, R1), call(HELPER_GET_CURRENT_PID_TGID), mov64_reg(R7, R0), mov32_reg(R0, R0), jne_imm(R0, gettid() as i32, 10)];
    v.push(stx_dw(R10, R7, -8));
    v.push(mov64_reg(R1, R6));
    v.extend(ld_map_fd(R2, map_fd));
    // w3 = 0xffffffff (BPF_F_CURRENT_CPU), zero-extended.
    v.push(ins(BPF_ALU | BPF_MOV | BPF_K, R3, 0, 0, -1));
    v.extend([mov64_reg(R4, R10), add64_imm(R4, -8), mov64_imm(5, 8), call(HELPER_PERF_EVENT_OUTPUT)]);
    v.extend([mov64_imm(R0, 0), exit()]);
    load(BPF_PROG_TYPE_TRACEPOINT, "perf_producer", &v).unwrap()
}

fn getpid_n(n: usize) {
    for _ in 0..n {
        std::hint::black_box(std::process::id());
    }
}

fn ready(name: &str) -> bool {
    if !need_bpf(name) {
        return false;
    }
    if !ensure_tracefs() {
        skip(name, "tracefs is not mounted and mounting failed");
        return false;
    }
    true
}

#[test]
fn samples_arrive_and_early_stop() {
    if !ready("samples_arrive_and_early_stop") {
        return;
    }
    let want = ((std::process::id() as u64) << 32) | gettid() as u64;
    let map = create_map(BPF_MAP_TYPE_PERF_EVENT_ARRAY, 4, 4, rbpf_core::sys::num_possible_cpus().unwrap() as u32, 0);
    let prog = producer(map.as_raw_fd());
    let mut pb = PerfBuffer::new(map.as_raw_fd(), 8).unwrap();
    assert!(pb.buffer_cnt() >= 1);
    assert!(pb.buffer_fd(0).unwrap() >= 3);
    let link = attach::attach_tracepoint(prog.as_raw_fd(), "syscalls", "sys_enter_getpid", &TracepointOpts::default()).unwrap();
    getpid_n(5);
    let mut got = vec![];
    let mut n = 0;
    while got.len() < 5 {
        let c = pb.poll(1000, &mut |_, ev| {
            match ev {
                PerfEvent::Sample(d) => got.push(u64::from_ne_bytes(d[..8].try_into().unwrap())),
                PerfEvent::Lost(l) => panic!("lost {l}"),
            }
            0
        })
        .unwrap();
        assert!(c > 0, "poll timed out with {} of 5 samples", got.len());
        n += c;
    }
    assert_eq!(n, 5);
    assert!(got.iter().all(|&x| x == want), "{got:x?}");

    // Early stop: a positive return handles one event; a negative one is the error.
    getpid_n(3);
    let mut calls = 0;
    assert_eq!(pb.consume(&mut |_, _| { calls += 1; 1 }).unwrap(), 1);
    assert_eq!(calls, 1);
    assert_eq!(pb.consume(&mut |_, _| -libc::EIO).unwrap_err().errno(), libc::EIO);
    assert_eq!(pb.consume(&mut |_, _| 0).unwrap(), 1);
    drop(link);
}

#[test]
fn overflow_reports_lost_samples() {
    if !ready("overflow_reports_lost_samples") {
        return;
    }
    use std::cell::Cell;
    let map = create_map(BPF_MAP_TYPE_PERF_EVENT_ARRAY, 4, 4, rbpf_core::sys::num_possible_cpus().unwrap() as u32, 0);
    let prog = producer(map.as_raw_fd());
    // One page per CPU holds ~170 samples of 24 bytes; 2000 overflow it.
    let mut pb = PerfBuffer::new(map.as_raw_fd(), 1).unwrap();
    let link = attach::attach_tracepoint(prog.as_raw_fd(), "syscalls", "sys_enter_getpid", &TracepointOpts::default()).unwrap();
    getpid_n(2000);
    let (samples, lost) = (Cell::new(0u64), Cell::new(0u64));
    let drain = |pb: &mut PerfBuffer| {
        pb.consume(&mut |_, ev| {
            match ev {
                PerfEvent::Sample(_) => samples.set(samples.get() + 1),
                PerfEvent::Lost(n) => lost.set(lost.get() + n),
            }
            0
        })
        .unwrap();
    };
    drain(&mut pb);
    // The kernel writes the LOST notice with the next sample that fits on that CPU's
    // ring, once we made room: fire a few more until it shows up.
    let mut fired = 2000;
    for _ in 0..50 {
        getpid_n(1);
        fired += 1;
        drain(&mut pb);
        if lost.get() > 0 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    drop(link);
    drain(&mut pb);
    assert!(lost.get() > 0, "overflow reported");
    assert!(samples.get() < 2000);
    assert!(samples.get() + lost.get() <= fired, "{} + {} > {fired}", samples.get(), lost.get());
}

#[test]
fn wrapped_samples_are_whole() {
    if !ready("wrapped_samples_are_whole") {
        return;
    }
    // 24-byte records in a one-page ring: 4096 is not a multiple of 24, so records straddle the end and come through the scratch copy.
    let want = ((std::process::id() as u64) << 32) | gettid() as u64;
    let map = create_map(BPF_MAP_TYPE_PERF_EVENT_ARRAY, 4, 4, rbpf_core::sys::num_possible_cpus().unwrap() as u32, 0);
    let prog = producer(map.as_raw_fd());
    let mut pb = PerfBuffer::new(map.as_raw_fd(), 1).unwrap();
    let link = attach::attach_tracepoint(prog.as_raw_fd(), "syscalls", "sys_enter_getpid", &TracepointOpts::default()).unwrap();
    let mut total = 0;
    for _ in 0..40 {
        getpid_n(50);
        total += pb
            .consume(&mut |_, ev| {
                match ev {
                    PerfEvent::Sample(d) => {
                        assert_eq!(d.len(), 12, "8 bytes + 4 of alignment padding");
                        assert_eq!(u64::from_ne_bytes(d[..8].try_into().unwrap()), want);
                    }
                    PerfEvent::Lost(n) => panic!("lost {n}"),
                }
                0
            })
            .unwrap();
    }
    drop(link);
    assert_eq!(total, 2000);
}

#[test]
fn wrong_inputs() {
    if !need_bpf("wrong_inputs") {
        return;
    }
    let arr = create_map(BPF_MAP_TYPE_ARRAY, 4, 4, 1, 0);
    let e = PerfBuffer::new(arr.as_raw_fd(), 8).unwrap_err();
    assert_eq!(e.errno(), libc::EINVAL);
    assert_eq!(e.message(), format!("perf buffer: map fd={} is not BPF_MAP_TYPE_PERF_EVENT_ARRAY", arr.as_raw_fd()));
    let map = create_map(BPF_MAP_TYPE_PERF_EVENT_ARRAY, 4, 4, 1, 0);
    assert_eq!(PerfBuffer::new(map.as_raw_fd(), 3).unwrap_err().errno(), libc::EINVAL);
    let mut pb = PerfBuffer::new(map.as_raw_fd(), 2).unwrap();
    assert_eq!(pb.buffer_cnt(), 1, "capped by the map's max_entries");
    assert_eq!(pb.buffer_cpu(0), Some(0));
    assert_eq!(pb.consume_buffer(7, &mut |_, _| 0).unwrap_err().errno(), libc::EINVAL);
    assert_eq!(pb.poll(0, &mut |_, _| 0).unwrap(), 0);
}
