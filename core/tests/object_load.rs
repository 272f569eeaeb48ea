//! Loading objects into this machine's kernel and observing them run.

use rbpf_core::uapi::*;
use rbpf_core::{Object, ObjectOpenOpts, RingBuffer, RingBufferOpts};
use rbpf_testprogs::object_path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn open(name: &str) -> Object {
    Object::open_file(object_path(name), &ObjectOpenOpts::default()).unwrap_or_else(|e| panic!("open {name}: {e}"))
}

fn set_global(obj: &Object, name: &str, bytes: &[u8]) {
    let g = obj.global(name).unwrap_or_else(|| panic!("no global {name}"));
    assert_eq!(g.size, bytes.len(), "{name}");
    obj.maps()[g.map_index].write_data(g.offset, bytes).unwrap();
}

fn get_global(obj: &Object, name: &str) -> Vec<u8> {
    let g = obj.global(name).unwrap_or_else(|| panic!("no global {name}"));
    obj.maps()[g.map_index].read_data(g.offset, g.size).unwrap()
}

fn u64_of(b: &[u8]) -> u64 {
    u64::from_ne_bytes(b[..8].try_into().unwrap())
}
fn i32_of(b: &[u8]) -> i32 {
    i32::from_ne_bytes(b[..4].try_into().unwrap())
}

fn getpid() -> i32 {
    // SAFETY: getpid has no preconditions (glibc does not cache it: a real syscall).
    unsafe { libc::getpid() }
}

/// Call getpid() until `done` says so (at most 2 s).
fn poke_until(mut done: impl FnMut() -> bool) {
    let t = Instant::now();
    while t.elapsed() < Duration::from_secs(2) {
        getpid();
        if done() {
            return;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn bad_section_fails_at_load_and_set_type_rescues() {
    let mut obj = open("bad_section");
    let e = obj.load().err().expect("load must fail");
    assert_eq!(e.errno(), libc::EINVAL);
    let p = obj.programs()[0].name().to_string();
    assert_eq!(e.message(), format!("program '{p}': missing BPF prog type, check ELF section name 'xdp/main'"));
    // A second load is refused.
    let e = obj.load().err().unwrap();
    assert_eq!(e.errno(), libc::EINVAL);
    assert!(e.message().contains("load can't be attempted twice"), "{e}");

    let mut obj = open("bad_section");
    let e = obj.programs()[0].attach().unwrap_err();
    assert_eq!(e.errno(), libc::EINVAL);
    assert!(e.message().contains("can't attach BPF program without FD (was it loaded?)"), "{e}");
    obj.programs_mut()[0].set_type(BPF_PROG_TYPE_XDP).unwrap();
    obj.load().unwrap();
    // No auto-attach for an unknown section.
    assert_eq!(obj.programs()[0].attach().unwrap_err().errno(), libc::EOPNOTSUPP);
    assert!(obj.attach_all().unwrap().is_empty());
    assert!(obj.programs()[0].fd().unwrap() >= 3);
    assert_eq!(obj.programs_mut()[0].set_type(BPF_PROG_TYPE_XDP).unwrap_err().errno(), libc::EBUSY);
    assert_eq!(obj.programs_mut()[0].set_autoload(false).unwrap_err().errno(), libc::EINVAL);

    // autoload=false never triggers the error.
    let mut obj = open("bad_section");
    obj.programs_mut()[0].set_autoload(false).unwrap();
    obj.load().unwrap();
    assert!(obj.programs()[0].fd().is_err());
}

#[test]
fn syscount_counts_a_child_and_streams_events() {
    let mut obj = open("syscount");
    // Hold the child behind a pipe until the filter is attached.
    let mut child = Command::new("sh")
        .arg("-c")
        .arg("read _; for i in 1 2 3; do cat /proc/self/stat > /dev/null; done")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let pid = child.id() as i32;
    set_global(&obj, "target_pid", &pid.to_ne_bytes());
    let close_nr = libc::SYS_close as i32;
    set_global(&obj, "watch_syscall", &close_nr.to_ne_bytes());
    for p in obj.programs_mut() {
        if p.name() != "count_syscalls" {
            p.set_autoload(false).unwrap();
        }
    }
    obj.load().unwrap();
    // .rodata is frozen after load.
    let e = obj.maps()[obj.global("target_pid").unwrap().map_index].write_data(0, &[0; 4]).unwrap_err();
    assert_eq!(e.errno(), libc::EPERM);
    assert_eq!(i32_of(&get_global(&obj, "target_pid")), pid);

    let links = obj.attach_all().unwrap();
    assert_eq!(links.len(), 1);
    drop(child.stdin.take());
    assert!(child.wait().unwrap().success());

    let counts = obj.map("counts").unwrap();
    let mut total = 0u64;
    let mut seen_close = false;
    for key in counts.keys().unwrap() {
        let v = counts.lookup(&key, 0).unwrap().unwrap();
        let n = u64_of(&v);
        assert!(n > 0);
        total += n;
        if i32_of(&key) == close_nr {
            seen_close = true;
        }
    }
    assert!(seen_close, "the child closes files");
    assert_eq!(total, u64_of(&get_global(&obj, "total")));
    // The filter held: our own getpid() calls are not counted.
    let before = u64_of(&get_global(&obj, "total"));
    for _ in 0..50 {
        getpid();
    }
    assert_eq!(u64_of(&get_global(&obj, "total")), before);

    let mut rb = RingBuffer::new(&RingBufferOpts::default()).unwrap();
    rb.add(obj.map("events").unwrap().fd().unwrap()).unwrap();
    let mut records = Vec::new();
    rb.consume(&mut |_, data: &[u8]| {
        records.push(data.to_vec());
        0
    })
    .unwrap();
    assert!(!records.is_empty(), "close() events expected");
    for r in &records {
        assert_eq!(r.len(), 24);
        assert_eq!(i32_of(&r[0..4]), pid);
        assert_eq!(i32_of(&r[4..8]), close_nr);
        let comm = &r[8..24];
        let end = comm.iter().position(|&c| c == 0).unwrap_or(16);
        assert!(!comm[..end].is_empty());
    }
    drop(links);
}

#[test]
fn globals_round_trip() {
    let mut obj = open("globals");
    let pid = getpid();
    set_global(&obj, "target_pid", &pid.to_ne_bytes());
    set_global(&obj, "ro_u32", &77u32.to_ne_bytes());
    set_global(&obj, "ro_s64", &(-123456789i64).to_ne_bytes());
    let mut s = [0u8; 16];
    s[..5].copy_from_slice(b"world");
    set_global(&obj, "ro_str", &s);
    set_global(&obj, "data_int", &(-9i32).to_ne_bytes());
    set_global(&obj, "custom_data", &31i32.to_ne_bytes());
    set_global(&obj, "custom_ro", &41i32.to_ne_bytes());
    obj.load().unwrap();
    let _links = obj.attach_all().unwrap();
    poke_until(|| u64_of(&get_global(&obj, "bss_counter")) > 0);
    assert!(u64_of(&get_global(&obj, "bss_counter")) > 0);
    assert_eq!(u32::from_ne_bytes(get_global(&obj, "out_ro_u32")[..].try_into().unwrap()), 77);
    assert_eq!(i64::from_ne_bytes(get_global(&obj, "out_ro_s64")[..].try_into().unwrap()), -123456789);
    assert_eq!(get_global(&obj, "out_ro_str"), s);
    assert_eq!(i32_of(&get_global(&obj, "out_data_int")), -9);
    assert_eq!(i32_of(&get_global(&obj, "out_custom_data")), 31);
    assert_eq!(i32_of(&get_global(&obj, "out_custom_ro")), 41);
    let arr = get_global(&obj, "bss_arr");
    let a: Vec<u32> = arr.chunks(4).map(|c| u32::from_ne_bytes(c.try_into().unwrap())).collect();
    assert_eq!(a, [100, 201, 302, 77]);
    // .data stays writable after load, through the mmap.
    set_global(&obj, "data_int", &5i32.to_ne_bytes());
    poke_until(|| i32_of(&get_global(&obj, "out_data_int")) == 5);
    assert_eq!(i32_of(&get_global(&obj, "out_data_int")), 5);
    // .rodata and custom .rodata.* refuse writes after load.
    for name in ["ro_u32", "custom_ro"] {
        let g = obj.global(name).unwrap();
        assert_eq!(obj.maps()[g.map_index].write_data(g.offset, &[0; 4]).unwrap_err().errno(), libc::EPERM);
    }
}

#[test]
fn map_operations() {
    let mut obj = open("maps");
    obj.load().unwrap();
    let hash = obj.map("hash_map").unwrap();
    let key = [1u8, 0, 0, 0, 2, 0, 0, 0];
    let mut val = [0u8; 16];
    val[0] = 42;
    val[8..14].copy_from_slice(b"python");
    assert_eq!(hash.lookup(&key, 0).unwrap(), None);
    hash.update(&key, &val, BPF_NOEXIST).unwrap();
    assert_eq!(hash.update(&key, &val, BPF_NOEXIST).unwrap_err().errno(), libc::EEXIST);
    assert_eq!(hash.lookup(&key, 0).unwrap().unwrap(), val);
    assert_eq!(hash.keys().unwrap(), vec![key.to_vec()]);
    assert_eq!(hash.next_key(Some(&key)).unwrap(), None);
    assert_eq!(hash.lookup_and_delete(&key, 0).unwrap().unwrap(), val);
    assert_eq!(hash.delete(&key, 0).unwrap_err().errno(), libc::ENOENT);

    // Wrong sizes: EINVAL with libbpf's message.
    let e = hash.lookup(&[1, 2, 3], 0).unwrap_err();
    assert_eq!(e.errno(), libc::EINVAL);
    assert_eq!(e.message(), "map 'hash_map': unexpected key size 3 provided, expected 8");
    let e = hash.update(&key, &[0; 3], 0).unwrap_err();
    assert_eq!(e.errno(), libc::EINVAL);
    assert!(e.message().contains("unexpected value size 3"), "{e}");

    let arr = obj.map("array_map").unwrap();
    arr.update(&3u32.to_ne_bytes(), &99u64.to_ne_bytes(), BPF_ANY).unwrap();
    assert_eq!(u64_of(&arr.lookup(&3u32.to_ne_bytes(), 0).unwrap().unwrap()), 99);
    assert_eq!(arr.keys().unwrap().len(), 16);

    let pc = obj.map("percpu_array").unwrap();
    let ncpu = rbpf_core::num_possible_cpus().unwrap();
    assert_eq!(pc.user_value_size().unwrap(), 8 * ncpu);
    let vals: Vec<u8> = (0..ncpu as u64).flat_map(|i| (i + 10).to_ne_bytes()).collect();
    pc.update(&1u32.to_ne_bytes(), &vals, BPF_ANY).unwrap();
    assert_eq!(pc.lookup(&1u32.to_ne_bytes(), 0).unwrap().unwrap(), vals);
    let e = pc.update(&1u32.to_ne_bytes(), &[0u8; 8], BPF_ANY);
    if ncpu > 1 {
        assert_eq!(e.unwrap_err().errno(), libc::EINVAL);
    }
    let ph = obj.map("percpu_hash").unwrap();
    ph.update(&5u32.to_ne_bytes(), &vals, BPF_ANY).unwrap();
    assert_eq!(ph.lookup(&5u32.to_ne_bytes(), 0).unwrap().unwrap(), vals);

    // The program updates maps on getpid().
    let pid = getpid();
    let _ = pid;
    let _links = obj.attach_all().unwrap();
    poke_until(|| arr.lookup(&0u32.to_ne_bytes(), 0).unwrap().map(|v| u64_of(&v)).unwrap_or(0) > 0);
    assert!(u64_of(&arr.lookup(&0u32.to_ne_bytes(), 0).unwrap().unwrap()) > 0);

    // Ring buffer records: one u64 (the call count) per getpid().
    let mut rb = RingBuffer::new(&RingBufferOpts::default()).unwrap();
    rb.add(obj.map("ringbuf").unwrap().fd().unwrap()).unwrap();
    let mut recs: Vec<u64> = Vec::new();
    let t = Instant::now();
    while recs.is_empty() && t.elapsed() < Duration::from_secs(2) {
        getpid();
        rb.poll(100, &mut |_, data: &[u8]| {
            assert_eq!(data.len(), 8);
            recs.push(u64_of(data));
            0
        })
        .unwrap();
    }
    assert!(!recs.is_empty() && recs.iter().all(|&c| c > 0), "{recs:?}");

    // A map of an object that was never loaded.
    let fresh = open("maps");
    let e = fresh.map("hash_map").unwrap().lookup(&key, 0).unwrap_err();
    assert_eq!(e.errno(), libc::ENOENT);
}

#[test]
fn subprograms_run() {
    let mut obj = open("subprogs");
    let pid = getpid();
    set_global(&obj, "target_pid", &pid.to_ne_bytes());
    obj.load().unwrap();
    // Both entry programs got their own copies of the subprograms.
    for p in obj.programs() {
        assert!(p.insn_cnt() > 0);
    }
    let _links = obj.attach_all().unwrap();
    poke_until(|| u64_of(&get_global(&obj, "tp_runs")) > 0 && u64_of(&get_global(&obj, "raw_runs")) > 0);
    assert_eq!(i32_of(&get_global(&obj, "tp_result")), 116);
    assert_eq!(i32_of(&get_global(&obj, "raw_result")), 122);
    assert_eq!(u64_of(&get_global(&obj, "tp_loop_sum")), 45);
    assert_eq!(u64_of(&get_global(&obj, "raw_loop_sum")), 45);
}

fn kconfig_value(text: &str, name: &str) -> Option<String> {
    text.lines().find_map(|l| l.strip_prefix(&format!("{name}=")).map(str::to_string))
}

#[test]
fn kconfig_values() {
    let Ok(text) = rbpf_core::obj::kconfig::read_system_kconfig() else {
        rbpf_testprogs::skip!("no /boot/config-$(uname -r) nor /proc/config.gz");
    };
    let mut obj = open("kconfig");
    let pid = getpid();
    set_global(&obj, "target_pid", &pid.to_ne_bytes());
    obj.load().unwrap();
    let _links = obj.attach_all().unwrap();
    poke_until(|| u64_of(&get_global(&obj, "runs")) > 0);
    let rel = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap();
    let v: Vec<u32> = rel.trim().split(|c: char| !c.is_ascii_digit()).take(3).map(|s| s.parse().unwrap_or(0)).collect();
    let want = (v[0] << 16) | (v[1] << 8) | v[2].min(255);
    assert_eq!(u32::from_ne_bytes(get_global(&obj, "out_version")[..].try_into().unwrap()), want);
    let hz: i32 = kconfig_value(&text, "CONFIG_HZ").map(|s| s.parse().unwrap()).unwrap_or(0);
    assert_eq!(i32_of(&get_global(&obj, "out_hz")), hz);
    let y = |n: &str| kconfig_value(&text, n).as_deref() == Some("y");
    assert_eq!(i32_of(&get_global(&obj, "out_bpf_syscall")), y("CONFIG_BPF_SYSCALL") as i32);
    assert_eq!(i32_of(&get_global(&obj, "out_bpf_jit")), y("CONFIG_BPF_JIT") as i32);
    let host = kconfig_value(&text, "CONFIG_DEFAULT_HOSTNAME").unwrap_or_default();
    let host = host.trim_matches('"');
    let got = get_global(&obj, "out_hostname");
    assert_eq!(&got[..host.len()], host.as_bytes());
    assert_eq!(i32_of(&get_global(&obj, "out_missing")), 0);
    // .kconfig is read-only after load.
    let k = obj.global("CONFIG_HZ").unwrap();
    assert_eq!(obj.maps()[k.map_index].write_data(k.offset, &[0; 4]).unwrap_err().errno(), libc::EPERM);
}

#[test]
fn kconfig_option_overrides() {
    let mut opts = ObjectOpenOpts::default();
    opts.kconfig = Some("CONFIG_HZ=1234\nCONFIG_DEFAULT_HOSTNAME=\"rbpf\"\n".into());
    let mut obj = Object::open_file(object_path("kconfig"), &opts).unwrap();
    set_global(&obj, "target_pid", &getpid().to_ne_bytes());
    obj.load().unwrap();
    let k = obj.global("CONFIG_HZ").unwrap();
    assert_eq!(i32_of(&obj.maps()[k.map_index].read_data(k.offset, 4).unwrap()), 1234);
    let h = obj.global("CONFIG_DEFAULT_HOSTNAME").unwrap();
    assert_eq!(&obj.maps()[h.map_index].read_data(h.offset, 5).unwrap(), b"rbpf\0");
}

#[test]
fn verifier_failure_carries_log() {
    // Force a verifier rejection: a tracing program without an attach target.
    let mut obj = open("globals");
    obj.programs_mut()[0].set_type(BPF_PROG_TYPE_TRACING).unwrap();
    let e = obj.load().err().expect("a tracing program needs a BTF id");
    assert!(e.message().starts_with("program 'copy_globals': failed to load: BPF program load failed"), "{e}");
    assert!(e.verifier_log().is_some_and(|l| !l.is_empty()), "{e:?}");
}

#[test]
fn map_not_created_is_poisoned() {
    let mut obj = open("maps");
    obj.map_mut("ringbuf").unwrap().set_autocreate(false).unwrap();
    let e = obj.load().err().expect("the program uses the ring buffer");
    assert!(e.message().contains("BPF map 'ringbuf' is referenced but wasn't created"), "{e}");
    // The log is rewritten as libbpf does.
    let log = e.verifier_log().unwrap_or("");
    assert!(log.contains(": <invalid BPF map reference>\nBPF map 'ringbuf' is referenced but wasn't created"), "{log}");
    assert!(!log.contains("invalid func unknown#2001000"), "{log}");
    assert!(obj.map("ringbuf").unwrap().fd().is_err());
}

/// Removes a bpffs directory and what is pinned in it.
struct PinDir(String);
impl Drop for PinDir {
    fn drop(&mut self) {
        for e in std::fs::read_dir(&self.0).into_iter().flatten().flatten() {
            let _ = std::fs::remove_file(e.path());
        }
        let _ = std::fs::remove_dir(&self.0);
    }
}

#[test]
fn pinned_map_is_reused() {
    let dir = format!("/sys/fs/bpf/rbpf-pin-test-{}", std::process::id());
    if std::fs::create_dir(&dir).is_err() {
        rbpf_testprogs::skip!("can't create {dir} (bpffs not mounted?)");
    }
    let _guard = PinDir(dir.clone());
    let mut opts = ObjectOpenOpts::default();
    opts.pin_root_path = Some(dir.clone());
    let mut a = Object::open_file(object_path("pinned"), &opts).unwrap();
    assert_eq!(a.map("pinned_map").unwrap().pin_path(), Some(format!("{dir}/pinned_map").as_str()));
    assert_eq!(a.map("private_map").unwrap().pin_path(), None);
    a.load().unwrap();
    assert!(a.map("pinned_map").unwrap().is_pinned());
    assert!(std::path::Path::new(&format!("{dir}/pinned_map")).exists());
    a.map("pinned_map").unwrap().update(&0u32.to_ne_bytes(), &1234u64.to_ne_bytes(), BPF_ANY).unwrap();

    let mut b = Object::open_file(object_path("pinned"), &opts).unwrap();
    b.load().unwrap();
    let v = b.map("pinned_map").unwrap().lookup(&0u32.to_ne_bytes(), 0).unwrap().unwrap();
    assert_eq!(u64_of(&v), 1234, "the second object reuses the pinned map");
    assert!(b.map("private_map").unwrap().lookup(&0u32.to_ne_bytes(), 0).unwrap().is_some_and(|v| u64_of(&v) == 0));
}

#[test]
fn btf_custom_path_is_the_core_target() {
    let mut opts = ObjectOpenOpts::default();
    opts.btf_custom_path = Some("/sys/kernel/btf/vmlinux".into());
    let mut a = Object::open_file(object_path("minimal_core"), &opts).unwrap();
    a.load().unwrap();
    let mut b = open("minimal_core");
    b.load().unwrap();
    for (x, y) in a.programs().iter().zip(b.programs()) {
        // Same CO-RE results (map fds differ, so compare non-ldimm64 instructions).
        let strip = |p: &rbpf_core::Program| p.insns().iter().filter(|i| !i.is_ldimm64()).copied().collect::<Vec<_>>();
        assert_eq!(strip(x), strip(y), "{}", x.name());
    }
    opts.btf_custom_path = Some("/nonexistent/vmlinux.btf".into());
    let e = Object::open_file(object_path("minimal_core"), &opts).unwrap().load().err().unwrap();
    assert_eq!(e.errno(), libc::ENOENT);
    assert!(e.message().contains("failed to parse target BTF"), "{e}");
}

#[test]
fn raw_tp_and_tp_btf_attach_by_section() {
    let mut obj = open("syscount");
    set_global(&obj, "target_pid", &getpid().to_ne_bytes());
    obj.program_mut("count_syscalls").unwrap().set_autoload(false).unwrap();
    obj.load().unwrap();
    let links = obj.attach_all().unwrap();
    assert_eq!(links.len(), 2);
    poke_until(|| u64_of(&get_global(&obj, "raw_total")) > 0 && u64_of(&get_global(&obj, "btf_total")) > 0);
    assert!(u64_of(&get_global(&obj, "raw_total")) > 0);
    assert!(u64_of(&get_global(&obj, "btf_total")) > 0);
    assert_eq!(u64_of(&get_global(&obj, "total")), 0, "count_syscalls was not loaded");
    // Detached links stop counting.
    drop(links);
    let n = u64_of(&get_global(&obj, "btf_total"));
    for _ in 0..20 {
        getpid();
    }
    assert_eq!(u64_of(&get_global(&obj, "btf_total")), n);
}
