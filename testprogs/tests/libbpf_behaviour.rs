//! The repo's BPF programs do what their header comments promise, run under libbpf
//! (the oracle) on this kernel. The rbpf suites in every language assert the same
//! values; if this test fails, fix the program before blaming rbpf.

mod common;

use common::{getpid_syscall, open};

fn me() -> u32 {
    std::process::id()
}

#[test]
fn subprogs_compute_through_static_global_and_callback() {
    let mut o = open("subprogs", None).expect("open");
    o.set_global("target_pid", &(me() as i32).to_ne_bytes());
    o.load().expect("load");
    o.attach("on_getpid");
    o.attach("on_sys_enter");
    getpid_syscall();
    assert_eq!(o.i32("tp_result"), 116, "global_fn(static_fn(5))");
    assert_eq!(o.i32("raw_result"), 122, "global_fn(static_fn(7))");
    assert_eq!(o.u64("tp_loop_sum"), 45);
    assert_eq!(o.u64("raw_loop_sum"), 45);
    assert!(o.u64("tp_runs") >= 1);
    assert!(o.u64("raw_runs") >= 1);
}

#[test]
fn globals_written_before_load_reach_the_kernel() {
    let mut o = open("globals", None).expect("open");
    // Defaults as compiled.
    assert_eq!(o.global("ro_u32"), 1u32.to_ne_bytes());
    assert_eq!(&o.global("ro_str")[..6], b"hello\0");
    assert_eq!(o.i32("data_int"), 7);
    assert_eq!(o.i32("custom_data"), 3);
    assert_eq!(o.i32("custom_ro"), 4);

    o.set_global("target_pid", &(me() as i32).to_ne_bytes());
    o.set_global("ro_u32", &77u32.to_ne_bytes());
    o.set_global("ro_s64", &(-99i64).to_ne_bytes());
    o.set_global("ro_str", b"world");
    o.set_global("data_int", &1234i32.to_ne_bytes());
    o.set_global("custom_data", &66i32.to_ne_bytes());
    o.set_global("custom_ro", &55i32.to_ne_bytes());
    o.load().expect("load");
    o.attach("copy_globals");
    getpid_syscall();

    assert!(o.u64("bss_counter") >= 1);
    assert_eq!(o.global("out_ro_u32"), 77u32.to_ne_bytes());
    assert_eq!(o.global("out_ro_s64"), (-99i64).to_ne_bytes());
    assert_eq!(&o.global("out_ro_str")[..], b"world\0\0\0\0\0\0\0\0\0\0\0");
    assert_eq!(o.i32("out_data_int"), 1234);
    assert_eq!(o.i32("out_custom_data"), 66);
    assert_eq!(o.i32("out_custom_ro"), 55);
    let cfg = o.global("bss_cfg");
    assert_eq!(cfg.len(), 4 + 16 + 4 + 24, "struct cfg with padding");
    assert_eq!(i32::from_ne_bytes(cfg[0..4].try_into().unwrap()), 11);
    assert_eq!(&cfg[4..13], b"cfg-name\0");
    let arr = o.global("bss_arr");
    let words: Vec<u32> = arr.chunks(4).map(|c| u32::from_ne_bytes(c.try_into().unwrap())).collect();
    assert_eq!(words, vec![100, 201, 302, 77]);
}

fn kconfig_value(name: &str) -> Option<String> {
    let out = std::process::Command::new("zcat").arg("/proc/config.gz").output().ok()?;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let prefix = format!("{name}=");
    text.lines().find_map(|l| l.strip_prefix(&prefix).map(str::to_string))
}

#[test]
fn kconfig_externs_match_proc_config() {
    let Some(hz) = kconfig_value("CONFIG_HZ") else {
        rbpf_testprogs::skip("kconfig_externs_match_proc_config", "no /proc/config.gz (or zcat) on this machine");
        return;
    };
    let mut o = open("kconfig", None).expect("open");
    o.set_global("target_pid", &(me() as i32).to_ne_bytes());
    o.load().expect("load");
    o.attach("copy_kconfig");
    getpid_syscall();
    assert!(o.u64("runs") >= 1);

    let release = std::fs::read_to_string("/proc/sys/kernel/osrelease").expect("osrelease");
    let nums: Vec<u32> = release
        .trim()
        .split(|c: char| !c.is_ascii_digit())
        .take(3)
        .map(|s| s.parse().unwrap_or(0))
        .collect();
    let version = (nums[0] << 16) + (nums[1] << 8) + nums[2].min(255);
    assert_eq!(o.global("out_version"), version.to_ne_bytes());
    assert_eq!(o.i32("out_hz"), hz.parse::<i32>().expect("CONFIG_HZ is a number"));
    assert_eq!(o.i32("out_bpf_syscall"), 1);
    assert_eq!(o.i32("out_bpf_jit"), 1, "TRI_YES");
    let host = kconfig_value("CONFIG_DEFAULT_HOSTNAME").unwrap_or_default();
    let host = host.trim_matches('"');
    let got = o.global("out_hostname");
    assert_eq!(&got[..host.len()], host.as_bytes());
    assert_eq!(got[host.len()], 0);
    assert_eq!(o.i32("out_missing"), 0, "a missing __weak kconfig extern reads 0");
}

#[test]
fn syscount_counts_and_reports_watched_syscall() {
    let mut o = open("syscount", None).expect("open");
    o.set_global("target_pid", &(me() as i32).to_ne_bytes());
    o.set_global("watch_syscall", &(libc::SYS_getpid as i32).to_ne_bytes());
    o.load().expect("load");
    o.attach("count_syscalls");
    o.attach("count_raw");
    o.attach("count_btf");
    for _ in 0..5 {
        getpid_syscall();
    }
    let key = (libc::SYS_getpid as u32).to_ne_bytes();
    let n = u64::from_ne_bytes(o.lookup("counts", &key, 8).expect("counts[getpid]").try_into().unwrap());
    assert!(n >= 5, "counts[getpid] = {n}");
    assert!(o.u64("total") >= 5);
    assert!(o.u64("raw_total") >= 5);
    assert!(o.u64("btf_total") >= 5);

    let recs = o.drain_ring("events");
    let mine: Vec<_> = recs
        .iter()
        .filter(|r| r.len() == 24 && u32::from_ne_bytes(r[0..4].try_into().unwrap()) == me())
        .collect();
    assert!(mine.len() >= 5, "{} events of {} records", mine.len(), recs.len());
    for r in mine {
        assert_eq!(u32::from_ne_bytes(r[4..8].try_into().unwrap()), libc::SYS_getpid as u32);
        assert!(r[8..24].contains(&0), "comm is NUL-terminated");
    }
}

#[test]
fn maps_program_updates_every_map() {
    let mut o = open("maps", None).expect("open");
    o.set_global("target_pid", &(me() as i32).to_ne_bytes());
    o.load().expect("load");
    o.attach("update_maps");
    for _ in 0..3 {
        getpid_syscall();
    }
    // SAFETY: libbpf reads /sys/devices/system/cpu/possible.
    let ncpu = unsafe { libbpf_sys::libbpf_num_possible_cpus() } as usize;
    let sum = |v: Vec<u8>| -> u64 { v.chunks(8).map(|c| u64::from_ne_bytes(c.try_into().unwrap())).sum() };
    let zero = 0u32.to_ne_bytes();
    let one = 1u32.to_ne_bytes();
    assert!(sum(o.lookup("percpu_array", &zero, 8 * ncpu).expect("percpu_array[0]")) >= 3);
    assert!(sum(o.lookup("percpu_hash", &one, 8 * ncpu).expect("percpu_hash[1]")) >= 3);
    let calls = u64::from_ne_bytes(o.lookup("array_map", &zero, 8).expect("array_map[0]").try_into().unwrap());
    assert!(calls >= 3);

    let mut k = Vec::new();
    k.extend_from_slice(&1u32.to_ne_bytes());
    k.extend_from_slice(&2u32.to_ne_bytes());
    let v = o.lookup("hash_map", &k, 16).expect("hash_map[{1,2}]");
    assert!(u64::from_ne_bytes(v[0..8].try_into().unwrap()) >= 1);
    assert_eq!(&v[8..15], b"getpid\0");
    assert!(o.lookup("lru_hash", &me().to_ne_bytes(), 8).is_some());
    assert!(o.lookup("nopre_hash", &7u32.to_ne_bytes(), 8).is_some());
    assert_eq!(o.lookup("numa_hash", &9u32.to_ne_bytes(), 4), Some(9u32.to_ne_bytes().to_vec()));
    let recs = o.drain_ring("ringbuf");
    assert!(recs.len() >= 3 && recs.iter().all(|r| r.len() == 8));
}

#[test]
fn execsnoop_reports_a_child_exec() {
    let mut o = open("execsnoop", None).expect("open");
    o.load().expect("load");
    o.attach("handle_exec");
    let child = std::process::Command::new("/bin/true").status().expect("run /bin/true");
    assert!(child.success());
    let recs = o.drain_ring("events");
    // struct exec_event: pid, ppid, ts_ns, comm[16], filename[64] = 96 bytes.
    let hit = recs.iter().find(|r| {
        r.len() == 96
            && u32::from_ne_bytes(r[4..8].try_into().unwrap()) == me()
            && r[32..].starts_with(b"/bin/true\0")
    });
    let r = hit.unwrap_or_else(|| panic!("no exec event for /bin/true among {} records", recs.len()));
    assert!(r[16..32].starts_with(b"true\0"), "comm after exec");
    assert!(u64::from_ne_bytes(r[8..16].try_into().unwrap()) > 0);
}
