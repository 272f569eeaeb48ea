//! sys layer against the real kernel: maps of every common type and their element ops,
//! per-CPU sizing, batch ops, mmap, freeze, pinning, program load, the verifier log, BTF
//! load and feature probes. Programs are hand-assembled (no ELF).

mod sysutil;

use rbpf_core::sys::{self, MapBatchOpts, MapCreateAttr, ObjKind, ProgLoadAttr, TestRunOpts};
use rbpf_core::uapi::*;
use std::os::fd::AsRawFd;
use sysutil::*;

#[test]
fn fds_are_cloexec_and_above_stdio() {
    if !need_bpf("fds_are_cloexec_and_above_stdio") {
        return;
    }
    let fd = create_map(BPF_MAP_TYPE_ARRAY, 4, 8, 1, 0);
    assert!(fd.as_raw_fd() >= 3);
    let info = std::fs::read_to_string(format!("/proc/self/fdinfo/{}", fd.as_raw_fd())).unwrap();
    let flags = info.lines().find_map(|l| l.strip_prefix("flags:")).map(|s| u32::from_str_radix(s.trim(), 8).unwrap()).unwrap();
    assert_ne!(flags & libc::O_CLOEXEC as u32, 0, "map fd without O_CLOEXEC: {info}");
}

#[test]
fn hash_map_ops() {
    if !need_bpf("hash_map_ops") {
        return;
    }
    let m = create_map(BPF_MAP_TYPE_HASH, 4, 8, 16, 0);
    let fd = m.as_raw_fd();
    let mut v = [0u8; 8];
    assert!(!sys::map_lookup_elem(fd, &1u32.to_ne_bytes(), &mut v, 0).unwrap());
    for k in 1u32..=5 {
        sys::map_update_elem(fd, &k.to_ne_bytes(), &(k as u64 * 100).to_ne_bytes(), BPF_ANY).unwrap();
    }
    assert!(sys::map_lookup_elem(fd, &3u32.to_ne_bytes(), &mut v, 0).unwrap());
    assert_eq!(u64::from_ne_bytes(v), 300);
    // BPF_NOEXIST on an existing key, BPF_EXIST on a missing one.
    assert_eq!(sys::map_update_elem(fd, &3u32.to_ne_bytes(), &v, BPF_NOEXIST).unwrap_err().errno(), libc::EEXIST);
    assert_eq!(sys::map_update_elem(fd, &9u32.to_ne_bytes(), &v, BPF_EXIST).unwrap_err().errno(), libc::ENOENT);
    // Iterate.
    let mut keys = vec![];
    let mut cur: Option<[u8; 4]> = None;
    let mut next = [0u8; 4];
    while sys::map_get_next_key(fd, cur.as_ref().map(|k| &k[..]), &mut next).unwrap() {
        keys.push(u32::from_ne_bytes(next));
        cur = Some(next);
    }
    keys.sort();
    assert_eq!(keys, [1, 2, 3, 4, 5]);
    // Delete; deleting again is ENOENT.
    sys::map_delete_elem(fd, &2u32.to_ne_bytes(), 0).unwrap();
    assert_eq!(sys::map_delete_elem(fd, &2u32.to_ne_bytes(), 0).unwrap_err().errno(), libc::ENOENT);
    // Lookup and delete.
    assert!(sys::map_lookup_and_delete_elem(fd, &4u32.to_ne_bytes(), &mut v, 0).unwrap());
    assert_eq!(u64::from_ne_bytes(v), 400);
    assert!(!sys::map_lookup_elem(fd, &4u32.to_ne_bytes(), &mut v, 0).unwrap());
    // Wrong-size buffers are the caller's job; the kernel reads exactly key_size bytes.
    let info = sys::map_info(fd).unwrap();
    assert_eq!((info.map_type, info.key_size, info.value_size, info.max_entries), (BPF_MAP_TYPE_HASH, 4, 8, 16));
    assert_eq!(info.name(), "test_map");
    assert!(info.id > 0);
}

#[test]
fn array_map_ops_and_freeze() {
    if !need_bpf("array_map_ops_and_freeze") {
        return;
    }
    let m = create_map(BPF_MAP_TYPE_ARRAY, 4, 8, 4, 0);
    let fd = m.as_raw_fd();
    assert_eq!(array_u64(fd, 3), 0, "arrays start zeroed");
    sys::map_update_elem(fd, &1u32.to_ne_bytes(), &7u64.to_ne_bytes(), BPF_ANY).unwrap();
    assert_eq!(array_u64(fd, 1), 7);
    assert_eq!(sys::map_update_elem(fd, &4u32.to_ne_bytes(), &7u64.to_ne_bytes(), BPF_ANY).unwrap_err().errno(), libc::E2BIG);
    assert_eq!(sys::map_delete_elem(fd, &1u32.to_ne_bytes(), 0).unwrap_err().errno(), libc::EINVAL);
    assert_eq!(sys::map_update_elem(fd, &1u32.to_ne_bytes(), &7u64.to_ne_bytes(), BPF_NOEXIST).unwrap_err().errno(), libc::EEXIST);
    sys::map_freeze(fd).unwrap();
    let e = sys::map_update_elem(fd, &1u32.to_ne_bytes(), &8u64.to_ne_bytes(), BPF_ANY).unwrap_err();
    assert_eq!(e.errno(), libc::EPERM, "{e}");
    assert_eq!(array_u64(fd, 1), 7);
}

#[test]
fn percpu_maps_are_sized_by_possible_cpus() {
    if !need_bpf("percpu_maps_are_sized_by_possible_cpus") {
        return;
    }
    let ncpu = sys::num_possible_cpus().unwrap();
    assert!(ncpu >= 1);
    // A 4-byte value takes an 8-byte slot per CPU.
    let sz = sys::percpu_value_size(4).unwrap();
    assert_eq!(sz, 8 * ncpu);
    for (ty, name) in [(BPF_MAP_TYPE_PERCPU_ARRAY, "percpu_array"), (BPF_MAP_TYPE_PERCPU_HASH, "percpu_hash"), (BPF_MAP_TYPE_LRU_PERCPU_HASH, "lru_percpu_hash")] {
        let m = create_map(ty, 4, 4, 8, 0);
        let fd = m.as_raw_fd();
        let mut vals = vec![0u8; sz];
        for cpu in 0..ncpu {
            vals[cpu * 8..cpu * 8 + 4].copy_from_slice(&(cpu as u32 + 10).to_ne_bytes());
        }
        sys::map_update_elem(fd, &0u32.to_ne_bytes(), &vals, BPF_ANY).unwrap_or_else(|e| panic!("{name}: {e}"));
        let mut out = vec![0xffu8; sz];
        assert!(sys::map_lookup_elem(fd, &0u32.to_ne_bytes(), &mut out, 0).unwrap(), "{name}");
        for cpu in 0..ncpu {
            assert_eq!(u32::from_ne_bytes(out[cpu * 8..cpu * 8 + 4].try_into().unwrap()), cpu as u32 + 10, "{name} cpu {cpu}");
        }
    }
}

#[test]
fn lru_lpm_queue_stack_bloom() {
    if !need_bpf("lru_lpm_queue_stack_bloom") {
        return;
    }
    // LRU hash evicts instead of failing when full.
    let lru = create_map(BPF_MAP_TYPE_LRU_HASH, 4, 4, 64, 0);
    for k in 0u32..500 {
        sys::map_update_elem(lru.as_raw_fd(), &k.to_ne_bytes(), &k.to_ne_bytes(), BPF_ANY).unwrap();
    }
    let mut v4 = [0u8; 4];
    assert!(sys::map_lookup_elem(lru.as_raw_fd(), &499u32.to_ne_bytes(), &mut v4, 0).unwrap());

    // LPM trie: key = { u32 prefixlen; u8 addr[4] }.
    let lpm = create_map(BPF_MAP_TYPE_LPM_TRIE, 8, 4, 16, BPF_F_NO_PREALLOC);
    let key = |plen: u32, a: [u8; 4]| {
        let mut k = plen.to_ne_bytes().to_vec();
        k.extend(a);
        k
    };
    sys::map_update_elem(lpm.as_raw_fd(), &key(8, [10, 0, 0, 0]), &1u32.to_ne_bytes(), BPF_ANY).unwrap();
    sys::map_update_elem(lpm.as_raw_fd(), &key(24, [10, 1, 2, 0]), &2u32.to_ne_bytes(), BPF_ANY).unwrap();
    assert!(sys::map_lookup_elem(lpm.as_raw_fd(), &key(32, [10, 1, 2, 3]), &mut v4, 0).unwrap());
    assert_eq!(u32::from_ne_bytes(v4), 2);
    assert!(sys::map_lookup_elem(lpm.as_raw_fd(), &key(32, [10, 9, 9, 9]), &mut v4, 0).unwrap());
    assert_eq!(u32::from_ne_bytes(v4), 1);
    assert!(!sys::map_lookup_elem(lpm.as_raw_fd(), &key(32, [11, 0, 0, 0]), &mut v4, 0).unwrap());

    // Queue (FIFO) and stack (LIFO): push with a NULL key, pop with lookup_and_delete.
    for (ty, expect) in [(BPF_MAP_TYPE_QUEUE, [1u32, 2, 3]), (BPF_MAP_TYPE_STACK, [3u32, 2, 1])] {
        let q = create_map(ty, 0, 4, 8, 0);
        for v in 1u32..=3 {
            sys::map_update_elem(q.as_raw_fd(), &[], &v.to_ne_bytes(), BPF_ANY).unwrap();
        }
        // Peek does not remove.
        assert!(sys::map_lookup_elem(q.as_raw_fd(), &[], &mut v4, 0).unwrap());
        assert_eq!(u32::from_ne_bytes(v4), expect[0]);
        for want in expect {
            assert!(sys::map_lookup_and_delete_elem(q.as_raw_fd(), &[], &mut v4, 0).unwrap());
            assert_eq!(u32::from_ne_bytes(v4), want);
        }
        assert!(!sys::map_lookup_and_delete_elem(q.as_raw_fd(), &[], &mut v4, 0).unwrap(), "empty pop is Ok(false)");
    }

    // Bloom filter: add values, then "lookup" tests membership of the value.
    let bloom = create_map(BPF_MAP_TYPE_BLOOM_FILTER, 0, 4, 100, 0);
    sys::map_update_elem(bloom.as_raw_fd(), &[], &42u32.to_ne_bytes(), BPF_ANY).unwrap();
    let mut probe = 42u32.to_ne_bytes();
    assert!(sys::map_lookup_elem(bloom.as_raw_fd(), &[], &mut probe, 0).unwrap());
}

#[test]
fn map_in_map_prog_array_ringbuf_and_names() {
    if !need_bpf("map_in_map_prog_array_ringbuf_and_names") {
        return;
    }
    let inner = create_map(BPF_MAP_TYPE_ARRAY, 4, 4, 1, 0);
    let outer = sys::map_create(&MapCreateAttr {
        map_type: BPF_MAP_TYPE_ARRAY_OF_MAPS,
        name: "a_very_long_outer_map_name".into(),
        key_size: 4,
        value_size: 4,
        max_entries: 2,
        inner_map_fd: Some(inner.as_raw_fd()),
        ..Default::default()
    })
    .unwrap();
    let info = sys::map_info(outer.as_raw_fd()).unwrap();
    assert_eq!(info.name(), "a_very_long_out", "names are cut to 15 bytes");
    sys::map_update_elem(outer.as_raw_fd(), &0u32.to_ne_bytes(), &(inner.as_raw_fd() as u32).to_ne_bytes(), BPF_ANY).unwrap();
    // Reading a map-in-map slot gives the inner map's id.
    let mut id = [0u8; 4];
    assert!(sys::map_lookup_elem(outer.as_raw_fd(), &0u32.to_ne_bytes(), &mut id, 0).unwrap());
    assert_eq!(u32::from_ne_bytes(id), sys::map_info(inner.as_raw_fd()).unwrap().id);
    // The id round-trips to an fd of the same map.
    let again = sys::obj_get_fd_by_id(ObjKind::Map, u32::from_ne_bytes(id)).unwrap();
    assert_eq!(sys::map_info(again.as_raw_fd()).unwrap().id, u32::from_ne_bytes(id));

    let prog_array = create_map(BPF_MAP_TYPE_PROG_ARRAY, 4, 4, 4, 0);
    let prog = load(BPF_PROG_TYPE_SOCKET_FILTER, "tail", &[mov64_imm(R0, 0), exit()]).unwrap();
    sys::map_update_elem(prog_array.as_raw_fd(), &0u32.to_ne_bytes(), &(prog.as_raw_fd() as u32).to_ne_bytes(), BPF_ANY).unwrap();

    let rb = create_map(BPF_MAP_TYPE_RINGBUF, 0, 0, 4096 * 4, 0);
    assert_eq!(sys::map_info(rb.as_raw_fd()).unwrap().map_type, BPF_MAP_TYPE_RINGBUF);

    // Invalid parameters: the error names the map.
    let e = sys::map_create(&MapCreateAttr { map_type: BPF_MAP_TYPE_HASH, name: "bad_map".into(), key_size: 0, value_size: 4, max_entries: 1, ..Default::default() }).unwrap_err();
    assert_eq!(e.errno(), libc::EINVAL);
    assert_eq!(e.message(), "map 'bad_map': failed to create: EINVAL");
}

#[test]
fn batch_ops() {
    if !need_bpf("batch_ops") {
        return;
    }
    let m = create_map(BPF_MAP_TYPE_HASH, 4, 8, 64, 0);
    let fd = m.as_raw_fd();
    let n = 20u32;
    let keys: Vec<u8> = (0..n).flat_map(|k| k.to_ne_bytes()).collect();
    let vals: Vec<u8> = (0..n).flat_map(|k| (k as u64 * 3).to_ne_bytes()).collect();
    let r = sys::map_update_batch(fd, &keys, &vals, 4, 8, n, &MapBatchOpts::default()).unwrap();
    assert_eq!(r.count, n);
    let mut got = std::collections::BTreeMap::new();
    let mut cursor = [0u8; 4];
    let mut in_batch: Option<[u8; 4]> = None;
    loop {
        let mut ks = vec![0u8; 4 * 8];
        let mut vs = vec![0u8; 8 * 8];
        let r = sys::map_lookup_batch(fd, in_batch.as_ref().map(|c| &c[..]), &mut cursor, &mut ks, &mut vs, 4, 8, 8, &MapBatchOpts::default()).unwrap();
        for i in 0..r.count as usize {
            got.insert(u32::from_ne_bytes(ks[i * 4..i * 4 + 4].try_into().unwrap()), u64::from_ne_bytes(vs[i * 8..i * 8 + 8].try_into().unwrap()));
        }
        if r.done {
            break;
        }
        in_batch = Some(cursor);
    }
    assert_eq!(got.len(), n as usize);
    assert!(got.iter().all(|(k, v)| *v == *k as u64 * 3));
    let r = sys::map_delete_batch(fd, &keys[..4 * 5], 4, 5, &MapBatchOpts::default()).unwrap();
    assert_eq!(r.count, 5);
    let mut v = [0u8; 8];
    assert!(!sys::map_lookup_elem(fd, &0u32.to_ne_bytes(), &mut v, 0).unwrap());
    assert!(sys::map_lookup_elem(fd, &5u32.to_ne_bytes(), &mut v, 0).unwrap());
}

#[test]
fn mmap_array_both_ways() {
    if !need_bpf("mmap_array_both_ways") {
        return;
    }
    let m = create_map(BPF_MAP_TYPE_ARRAY, 4, 8, 16, BPF_F_MMAPABLE);
    let fd = m.as_raw_fd();
    let len = sys::page_size();
    let region = sys::map_mmap(fd, len, true).unwrap();
    region.write(8 * 3, &77u64.to_ne_bytes()).unwrap();
    assert_eq!(array_u64(fd, 3), 77);
    sys::map_update_elem(fd, &5u32.to_ne_bytes(), &99u64.to_ne_bytes(), BPF_ANY).unwrap();
    assert_eq!(region.read(8 * 5, 8).unwrap(), 99u64.to_ne_bytes());
    assert_eq!(region.read(len - 4, 8).unwrap_err().errno(), libc::EINVAL, "out-of-bounds read refused");
    let ro = sys::map_mmap(fd, len, false).unwrap();
    assert_eq!(ro.write(0, &[1]).unwrap_err().errno(), libc::EPERM);
    // A frozen map cannot be mapped writable any more.
    drop(region);
    sys::map_freeze(fd).unwrap();
    assert!(sys::map_mmap(fd, len, true).is_err());
    // Send + Sync.
    fn assert_send_sync<T: Send + Sync>(_: &T) {}
    assert_send_sync(&ro);
}

#[test]
fn pin_and_get() {
    if !need_bpf("pin_and_get") {
        return;
    }
    if !ensure_bpffs() {
        skip("pin_and_get", "bpffs is not mounted at /sys/fs/bpf and mounting failed");
        return;
    }
    let m = create_map(BPF_MAP_TYPE_ARRAY, 4, 8, 1, 0);
    let path = format!("/sys/fs/bpf/{}", unique("pin"));
    sys::obj_pin(m.as_raw_fd(), &path).unwrap();
    let res = std::panic::catch_unwind(|| {
        let again = sys::obj_get(&path).unwrap();
        assert_eq!(sys::map_info(again.as_raw_fd()).unwrap().id, sys::map_info(m.as_raw_fd()).unwrap().id);
        let e = sys::obj_pin(m.as_raw_fd(), &path).unwrap_err();
        assert_eq!(e.errno(), libc::EEXIST);
        assert!(e.message().contains(&path), "{e}");
    });
    std::fs::remove_file(&path).unwrap();
    res.unwrap();
    assert_eq!(sys::obj_get(&path).unwrap_err().errno(), libc::ENOENT);
}

#[test]
fn load_socket_filter_and_test_run() {
    if !need_bpf("load_socket_filter_and_test_run") {
        return;
    }
    let prog = load(BPF_PROG_TYPE_SOCKET_FILTER, "ret_seven", &[mov64_imm(R0, 7), exit()]).unwrap();
    assert!(prog.as_raw_fd() >= 3);
    let info = sys::prog_info(prog.as_raw_fd()).unwrap();
    assert_eq!(info.prog_type, BPF_PROG_TYPE_SOCKET_FILTER);
    assert_eq!(info.name(), "ret_seven");
    assert!(info.gpl_compatible());
    let pkt = [0u8; 64];
    let r = sys::prog_test_run(prog.as_raw_fd(), &mut TestRunOpts { data_in: &pkt, repeat: 1, ..Default::default() }).unwrap();
    assert_eq!(r.retval, 7);
    // A tracepoint program loads too.
    let tp = load(BPF_PROG_TYPE_TRACEPOINT, "tp", &[mov64_imm(R0, 0), exit()]).unwrap();
    assert_eq!(sys::prog_info(tp.as_raw_fd()).unwrap().prog_type, BPF_PROG_TYPE_TRACEPOINT);
    // bind_map.
    let m = create_map(BPF_MAP_TYPE_ARRAY, 4, 8, 1, 0);
    sys::prog_bind_map(prog.as_raw_fd(), m.as_raw_fd()).unwrap();
    assert_eq!(sys::prog_info(prog.as_raw_fd()).unwrap().nr_map_ids, 1);
}

#[test]
fn verifier_failure_carries_log() {
    if !need_bpf("verifier_failure_carries_log") {
        return;
    }
    // `exit` with r0 never written.
    let e = load(BPF_PROG_TYPE_SOCKET_FILTER, "bad_prog", &[exit()]).unwrap_err();
    assert_eq!(e.errno(), libc::EACCES, "{e:?}");
    assert_eq!(e.message(), "prog 'bad_prog': BPF program load failed: EACCES");
    let log = e.verifier_log().expect("verifier log");
    assert!(log.contains("R0 !read_ok"), "log: {log}");

    // Out-of-range jump: EINVAL, still with a log.
    let e = load(BPF_PROG_TYPE_SOCKET_FILTER, "bad_jump", &[jeq_imm(R1, 0, 100), mov64_imm(R0, 0), exit()]).unwrap_err();
    assert_eq!(e.errno(), libc::EINVAL, "{e:?}");
    assert!(!e.verifier_log().unwrap_or("").is_empty());

    // A tiny starting buffer grows on ENOSPC until the whole log fits; the errno stays
    // the verifier's. The program is long so the log is long.
    let mut insns = vec![mov64_imm(R0, 0)];
    for _ in 0..300 {
        insns.push(add64_imm(R0, 1));
    }
    insns.push(ins(BPF_LDX | BPF_MEM | BPF_DW, R0, R6, 0, 0)); // r6 uninitialized
    insns.push(exit());
    let e = sys::prog_load(&ProgLoadAttr { prog_type: BPF_PROG_TYPE_SOCKET_FILTER, name: "long_log", insns: &insns, license: "GPL", log_level: 2, log_size: 128, ..Default::default() }).unwrap_err();
    assert_eq!(e.errno(), libc::EACCES, "{e:?}");
    let log = e.verifier_log().unwrap();
    assert!(log.len() > 4096, "log grew past the start size: {} bytes", log.len());
    assert!(log.contains("R6 !read_ok"), "full log kept: ...{}", &log[log.len().saturating_sub(300)..]);

    // With log_level > 0, success returns the log too.
    let (_fd, log) = sys::prog_load_with_log(&ProgLoadAttr { prog_type: BPF_PROG_TYPE_SOCKET_FILTER, name: "ok", insns: &[mov64_imm(R0, 0), exit()], license: "GPL", log_level: 1, ..Default::default() }).unwrap();
    assert!(log.contains("processed"), "log: {log}");

    // Errors found before the kernel.
    assert_eq!(load(BPF_PROG_TYPE_SOCKET_FILTER, "empty", &[]).unwrap_err().errno(), libc::EINVAL);
}

/// Raw BTF with `int` (and optionally a bogus kind).
fn raw_btf(bogus: bool) -> Vec<u8> {
    let strs = b"\0int\0";
    let mut types = vec![];
    let kind: u32 = if bogus { 31 } else { 1 };
    for w in [1u32, kind << 24, 4, (1 << 24) | 32] {
        types.extend(w.to_le_bytes());
    }
    let mut b = vec![];
    b.extend(0xeb9fu16.to_le_bytes());
    b.push(1);
    b.push(0);
    for w in [24u32, 0, types.len() as u32, types.len() as u32, strs.len() as u32] {
        b.extend(w.to_le_bytes());
    }
    b.extend(&types);
    b.extend(strs);
    b
}

#[test]
fn btf_load_ok_and_failure_log() {
    if !need_bpf("btf_load_ok_and_failure_log") {
        return;
    }
    let fd = sys::btf_load(&raw_btf(false)).unwrap();
    assert!(fd.as_raw_fd() >= 3);
    let e = sys::btf_load(&raw_btf(true)).unwrap_err();
    assert_eq!(e.errno(), libc::EINVAL, "{e:?}");
    assert!(e.message().starts_with("failed to load BTF into the kernel"), "{e}");
    assert!(!e.verifier_log().unwrap_or("").is_empty(), "BTF log expected");
    // A map typed by that BTF.
    let m = sys::map_create(&MapCreateAttr {
        map_type: BPF_MAP_TYPE_ARRAY,
        name: "btf_map".into(),
        key_size: 4,
        value_size: 4,
        max_entries: 1,
        btf_fd: Some(fd.as_raw_fd()),
        btf_key_type_id: 1,
        btf_value_type_id: 1,
        ..Default::default()
    })
    .unwrap();
    let info = sys::map_info(m.as_raw_fd()).unwrap();
    assert_eq!((info.btf_key_type_id, info.btf_value_type_id), (1, 1));
    assert!(info.btf_id > 0);
}

#[test]
fn feature_probes() {
    if !need_bpf("feature_probes") {
        return;
    }
    use sys::features::*;
    assert!(have_prog_type(BPF_PROG_TYPE_SOCKET_FILTER));
    assert!(have_prog_type(BPF_PROG_TYPE_TRACEPOINT));
    assert!(have_map_type(BPF_MAP_TYPE_RINGBUF));
    assert!(have_map_type(BPF_MAP_TYPE_LPM_TRIE));
    assert!(!have_prog_type(9999));
    assert!(have_helper(BPF_PROG_TYPE_TRACEPOINT, HELPER_GET_CURRENT_PID_TGID as u32));
    assert!(!have_helper(BPF_PROG_TYPE_SOCKET_FILTER, 100_000));
    // This kernel (6.18) has all of these.
    assert!(have_bpf_cookie());
    assert!(have_link_perf_event());
    assert!(have_raw_tp_cookie());
    assert!(have_uprobe_multi_link());
    // Cached: same answer.
    assert!(have_bpf_cookie());
}
