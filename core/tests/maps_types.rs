//! Issue 5 maps on this kernel: every common map type created by an object and used
//! from user space, batch operations and iteration, pinning (explicit, by name with
//! pin_root_path, reuse checks), standalone handles, reuse_fd, map-in-map, prog arrays
//! with tail calls, sizing before load, freeze and direct mmap of BPF_F_MMAPABLE arrays.
//! Every pin lives in a per-test directory under /sys/fs/bpf named with the pid and is
//! removed on drop.

use rbpf_core::opts::MapBatchOpts;
use rbpf_core::sys::{self, TestRunOpts};
use rbpf_core::uapi::*;
use rbpf_core::{BatchCursor, Map, Object, ObjectOpenOpts};
use rbpf_testprogs::object_path;
use std::os::fd::AsRawFd;
use std::path::PathBuf;

fn open(name: &str, opts: &ObjectOpenOpts) -> Object {
    Object::open_file(object_path(name), opts).unwrap_or_else(|e| panic!("open {name}: {e}"))
}

fn load(name: &str) -> Object {
    let mut o = open(name, &ObjectOpenOpts::default());
    o.load().unwrap_or_else(|e| panic!("load {name}: {e}\n{}", e.verifier_log().unwrap_or("")));
    o
}

fn u32b(v: u32) -> [u8; 4] {
    v.to_ne_bytes()
}
fn u64b(v: u64) -> [u8; 8] {
    v.to_ne_bytes()
}
fn as_u64(b: &[u8]) -> u64 {
    u64::from_ne_bytes(b[..8].try_into().unwrap())
}
fn as_u32(b: &[u8]) -> u32 {
    u32::from_ne_bytes(b[..4].try_into().unwrap())
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

/// Run a socket program once on a 64-byte packet; its return value.
fn run_socket(o: &Object, prog: &str) -> u32 {
    let fd = o.program(prog).unwrap().fd().unwrap();
    let pkt = [0u8; 64];
    sys::prog_test_run(fd, &mut TestRunOpts { data_in: &pkt, repeat: 1, ..Default::default() }).unwrap().retval
}

/// A bpffs directory for one test's pins, removed (with anything left in it) on drop.
struct PinDir(PathBuf);
impl PinDir {
    fn new(tag: &str) -> PinDir {
        if !is_bpffs("/sys/fs/bpf") {
            let _ = std::process::Command::new("mount").args(["-t", "bpf", "bpf", "/sys/fs/bpf"]).status();
        }
        let p = PathBuf::from(format!("/sys/fs/bpf/rbpf-maps-{}-{tag}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir(&p).unwrap_or_else(|e| panic!("mkdir {}: {e}", p.display()));
        PinDir(p)
    }
    fn path(&self, name: &str) -> String {
        self.0.join(name).to_string_lossy().into_owned()
    }
    fn root(&self) -> String {
        self.0.to_string_lossy().into_owned()
    }
}
impl Drop for PinDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
fn is_bpffs(p: &str) -> bool {
    std::fs::read_to_string("/proc/mounts").is_ok_and(|m| m.lines().any(|l| l.split(' ').nth(1) == Some(p) && l.split(' ').nth(2) == Some("bpf")))
}

#[test]
fn hash_lru_percpu_batch_and_iter() {
    let o = load("maps");
    let ncpu = sys::num_possible_cpus().unwrap();
    // hash: struct hkey {u32 a, b} -> struct hvalue {u64 x; char tag[8]}
    let h = o.map("hash_map").unwrap();
    let mut keys = Vec::new();
    let mut vals = Vec::new();
    for i in 0..100u32 {
        keys.extend_from_slice(&u32b(i));
        keys.extend_from_slice(&u32b(i * 10));
        vals.extend_from_slice(&u64b(i as u64 * 3));
        vals.extend_from_slice(b"batch\0\0\0");
    }
    assert_eq!(h.update_batch(&keys, &vals, &MapBatchOpts::default()).unwrap(), 100);
    // lookup in cursors of 7
    let mut cur = BatchCursor::new();
    let mut got = std::collections::BTreeMap::new();
    let mut calls = 0;
    while !cur.is_done() {
        let b = h.lookup_batch(&mut cur, 16, &MapBatchOpts::default()).unwrap();
        calls += 1;
        for (k, v) in b.iter() {
            assert!(got.insert(as_u32(k), as_u64(v)).is_none(), "key seen twice");
        }
        assert!(calls < 100);
    }
    assert_eq!(got.len(), 100);
    assert!(got.iter().all(|(k, v)| *v == *k as u64 * 3));
    assert!(h.lookup_batch(&mut cur, 16, &MapBatchOpts::default()).unwrap().is_empty(), "a finished cursor returns nothing");
    // entries() agrees
    let e = h.entries().unwrap();
    assert_eq!(e.len(), 100);
    // delete a batch, then lookup_and_delete the rest
    let first20: Vec<u8> = keys[..20 * 8].to_vec();
    assert_eq!(h.delete_batch(&first20, &MapBatchOpts::default()).unwrap(), 20);
    let e = h.delete_batch(&first20[..8], &MapBatchOpts::default()).unwrap_err();
    assert_eq!(e.errno(), libc::ENOENT, "{e}");
    let mut cur = BatchCursor::new();
    let mut taken = 0;
    while !cur.is_done() {
        taken += h.lookup_and_delete_batch(&mut cur, 32, &MapBatchOpts::default()).unwrap().len();
    }
    assert_eq!(taken, 80);
    assert!(h.entries().unwrap().is_empty());
    // wrong buffers are EINVAL naming the map
    let e = h.update_batch(&keys[..12], &vals[..16], &MapBatchOpts::default()).unwrap_err();
    assert!(e.errno() == libc::EINVAL && e.message().contains("hash_map"), "{e}");

    // per-CPU hash: values are one 8-byte slot per possible CPU
    let p = o.map("percpu_hash").unwrap();
    let mut v = Vec::new();
    for c in 0..ncpu {
        v.extend_from_slice(&u64b(c as u64 + 1));
    }
    p.update(&u32b(5), &v, 0).unwrap();
    p.update(&u32b(6), &v, 0).unwrap();
    let mut cur = BatchCursor::new();
    let b = p.lookup_batch(&mut cur, 8, &MapBatchOpts::default()).unwrap();
    assert_eq!(b.len(), 2);
    assert_eq!(b.value_size, 8 * ncpu);
    assert_eq!(b.value(0).unwrap(), &v[..]);

    // LRU hash: more inserts than max_entries evict instead of failing
    let l = o.map("lru_hash").unwrap();
    for i in 0..500u32 {
        l.update(&u32b(i), &u64b(i as u64), 0).unwrap();
    }
    let n = l.iter().count();
    assert!(n > 0 && n <= 64 * ncpu.max(1), "{n} entries");
    assert_eq!(l.lookup(&u32b(499), 0).unwrap().map(|v| as_u64(&v)), Some(499));

    // arrays: batch lookup works with the array's u32 index cursor; update_batch too
    let a = o.map("array_map").unwrap();
    let ks: Vec<u8> = (0..16u32).flat_map(u32b).collect();
    let vs: Vec<u8> = (0..16u64).flat_map(|i| u64b(i * i)).collect();
    assert_eq!(a.update_batch(&ks, &vs, &MapBatchOpts::default()).unwrap(), 16);
    let all = a.entries().unwrap();
    assert_eq!(all.len(), 16);
    assert!(all.iter().all(|(k, v)| as_u64(v) == (as_u32(k) as u64).pow(2)));
    // per-CPU array element ops
    let pa = o.map("percpu_array").unwrap();
    pa.update(&u32b(1), &v, 0).unwrap();
    assert_eq!(pa.lookup(&u32b(1), 0).unwrap().unwrap(), v);
}

#[test]
fn lpm_queue_stack_bloom() {
    let o = load("map_types");
    let lpm = o.map("lpm").unwrap();
    let key = |plen: u32, a: [u8; 4]| -> Vec<u8> { [u32b(plen).to_vec(), a.to_vec()].concat() };
    lpm.update(&key(8, [10, 0, 0, 0]), &u32b(8), 0).unwrap();
    lpm.update(&key(24, [10, 1, 2, 0]), &u32b(24), 0).unwrap();
    let hit = |a| lpm.lookup(&key(32, a), 0).unwrap().map(|v| as_u32(&v));
    assert_eq!(hit([10, 1, 2, 3]), Some(24), "longest prefix");
    assert_eq!(hit([10, 9, 9, 9]), Some(8));
    assert_eq!(hit([11, 0, 0, 0]), None);
    assert_eq!(lpm.iter().count(), 2, "LPM has no batch ops: get_next_key fallback");

    // queue: FIFO through NULL-key push (update) / peek (lookup) / pop (lookup_and_delete)
    let q = o.map("queue").unwrap();
    assert_eq!(q.key_size(), 0);
    for i in 1..=3u32 {
        q.update(&[], &u32b(i), BPF_ANY).unwrap();
    }
    assert_eq!(q.lookup(&[], 0).unwrap().map(|v| as_u32(&v)), Some(1), "peek");
    assert_eq!(q.lookup_and_delete(&[], 0).unwrap().map(|v| as_u32(&v)), Some(1));
    assert_eq!(q.lookup_and_delete(&[], 0).unwrap().map(|v| as_u32(&v)), Some(2));
    // stack: LIFO
    let s = o.map("stack").unwrap();
    for i in 1..=3u32 {
        s.update(&[], &u32b(i), BPF_ANY).unwrap();
    }
    assert_eq!(s.lookup(&[], 0).unwrap().map(|v| as_u32(&v)), Some(3));
    assert_eq!(s.lookup_and_delete(&[], 0).unwrap().map(|v| as_u32(&v)), Some(3));
    // full queue: E2BIG unless BPF_EXIST (overwrite oldest)
    for i in 0..8u32 {
        let _ = q.update(&[], &u32b(100 + i), BPF_ANY);
    }
    assert_eq!(q.update(&[], &u32b(999), BPF_ANY).unwrap_err().errno(), libc::E2BIG);
    q.update(&[], &u32b(999), BPF_EXIST).unwrap();
    // a key on a queue is EINVAL naming the map
    let e = q.lookup(&u32b(0), 0).unwrap_err();
    assert!(e.errno() == libc::EINVAL && e.message().contains("'queue'"), "{e}");

    // bloom filter (maps.bpf.c): push with NULL key, lookup = membership
    let m = load("maps");
    let b = m.map("bloom").unwrap();
    b.update(&[], &u64b(1234), BPF_ANY).unwrap();
    let mut v = u64b(1234).to_vec();
    assert!(sys::map_lookup_elem(b.fd().unwrap(), &[], &mut v, 0).unwrap(), "member");
    let mut v = u64b(99999).to_vec();
    assert!(!sys::map_lookup_elem(b.fd().unwrap(), &[], &mut v, 0).unwrap(), "not a member (3 hashes, 1 element)");
}

#[test]
fn prog_array_tail_calls_and_map_in_map_values() {
    let o = load("map_types");
    // map-in-map `values`: outer[0] = inner_a, outer[2] = inner_b
    o.map("inner_a").unwrap().update(&u32b(0), &u64b(111), 0).unwrap();
    o.map("inner_b").unwrap().update(&u32b(0), &u64b(222), 0).unwrap();
    let outer = o.map("outer").unwrap();
    let id_a = o.map("inner_a").unwrap().info().unwrap().id;
    assert_eq!(outer.lookup(&u32b(0), 0).unwrap().map(|v| as_u32(&v)), Some(id_a), "slot 0 holds inner_a (by id)");
    assert_eq!(outer.lookup(&u32b(1), 0).unwrap(), None);
    // prog array `values`: slot 1 = tail_1 → 42; empty slot → falls through (1)
    set_global(&o, "tail_slot", &u32b(1));
    assert_eq!(run_socket(&o, "entry"), 42);
    assert_eq!(global(&o, "seen_inner_a"), 111);
    assert_eq!(global(&o, "seen_inner_b"), 222);
    set_global(&o, "tail_slot", &u32b(2));
    assert_eq!(run_socket(&o, "entry"), 1);
    let jt = o.map("jmp_table").unwrap();
    let t2 = o.program("tail_2").unwrap().fd().unwrap();
    jt.update(&u32b(2), &u32b(t2 as u32), 0).unwrap();
    assert_eq!(run_socket(&o, "entry"), 43);
    jt.delete(&u32b(2), 0).unwrap();
    assert_eq!(run_socket(&o, "entry"), 1);
    // replace an inner map from user space with a map of the template's shape
    let fresh = sys::map_create(&sys::MapCreateAttr { map_type: BPF_MAP_TYPE_ARRAY, name: "fresh".into(), key_size: 4, value_size: 8, max_entries: 1, ..Default::default() }).unwrap();
    sys::map_update_elem(fresh.as_raw_fd(), &u32b(0), &u64b(333), 0).unwrap();
    outer.update(&u32b(0), &u32b(fresh.as_raw_fd() as u32), 0).unwrap();
    run_socket(&o, "entry");
    assert_eq!(global(&o, "seen_inner_a"), 333);
    // hash-of-maps from its template
    let hoh = o.map("hoh").unwrap();
    hoh.update(&u32b(77), &u32b(fresh.as_raw_fd() as u32), 0).unwrap();
    assert!(hoh.lookup(&u32b(77), 0).unwrap().is_some());
    // a map of another shape is refused by the kernel
    let odd = sys::map_create(&sys::MapCreateAttr { map_type: BPF_MAP_TYPE_ARRAY, name: "odd".into(), key_size: 4, value_size: 4, max_entries: 1, ..Default::default() }).unwrap();
    assert_eq!(outer.update(&u32b(1), &u32b(odd.as_raw_fd() as u32), 0).unwrap_err().errno(), libc::EINVAL);
}

#[test]
fn set_inner_map_fd_replaces_template() {
    let mut o = open("map_types", &ObjectOpenOpts::default());
    let tmpl = sys::map_create(&sys::MapCreateAttr { map_type: BPF_MAP_TYPE_ARRAY, name: "tmpl".into(), key_size: 4, value_size: 8, max_entries: 8, ..Default::default() }).unwrap();
    let e = o.map_mut("lpm").unwrap().set_inner_map_fd(tmpl.as_raw_fd()).unwrap_err();
    assert!(e.errno() == libc::EINVAL && e.message().contains("not a map-in-map"), "{e}");
    let hoh = o.map_mut("hoh").unwrap();
    assert_eq!(hoh.inner_map().unwrap().max_entries, 1);
    hoh.set_inner_map_fd(tmpl.as_raw_fd()).unwrap();
    assert_eq!(hoh.set_inner_map_fd(tmpl.as_raw_fd()).unwrap_err().errno(), libc::EINVAL, "only once");
    o.load().unwrap();
    // The template now has 8 entries: an 8-entry inner fits, a 1-entry one does not.
    let eight = sys::map_create(&sys::MapCreateAttr { map_type: BPF_MAP_TYPE_ARRAY, name: "eight".into(), key_size: 4, value_size: 8, max_entries: 8, ..Default::default() }).unwrap();
    o.map("hoh").unwrap().update(&u32b(1), &u32b(eight.as_raw_fd() as u32), 0).unwrap();
    assert!(o.map_mut("hoh").unwrap().set_inner_map_fd(tmpl.as_raw_fd()).is_err(), "EBUSY after load");
}

#[test]
fn devmap_cpumap_sockmap() {
    let o = load("map_types");
    let dm = o.map("devmap").unwrap();
    assert_eq!(dm.map_type(), BPF_MAP_TYPE_DEVMAP);
    // loopback of the root namespace is only *referenced* (ifindex 1), never attached to
    dm.update(&u32b(0), &u32b(1), 0).unwrap();
    assert_eq!(dm.lookup(&u32b(0), 0).unwrap().map(|v| as_u32(&v)), Some(1));
    dm.delete(&u32b(0), 0).unwrap();
    let cm = o.map("cpumap").unwrap();
    assert_eq!(cm.map_type(), BPF_MAP_TYPE_CPUMAP);
    let mut val = vec![0u8; cm.value_size() as usize];
    val[..4].copy_from_slice(&u32b(192)); // qsize
    cm.update(&u32b(0), &val, 0).unwrap();
    assert_eq!(cm.lookup(&u32b(0), 0).unwrap().map(|v| as_u32(&v)), Some(192));
    cm.delete(&u32b(0), 0).unwrap();
    // sockmap with a unix datagram socket pair (no network traffic)
    let sm = o.map("sockmap").unwrap();
    let (a, _b) = std::os::unix::net::UnixDatagram::pair().unwrap();
    sm.update(&u32b(0), &u64b(a.as_raw_fd() as u64), 0).unwrap();
    let cookie = sm.lookup(&u32b(0), 0).unwrap().map(|v| as_u64(&v));
    assert!(cookie.is_some_and(|c| c != 0), "lookup returns the socket cookie");
    sm.delete(&u32b(0), 0).unwrap();
    assert_eq!(sm.lookup(&u32b(0), 0).unwrap(), None);
}

#[test]
fn mmap_of_mmapable_array_and_freeze() {
    let o = load("map_types");
    let m = o.map("mmapable").unwrap();
    let mm = m.mmap().unwrap();
    assert_eq!(mm.elem_size(), 8);
    assert_eq!(mm.len(), 4096);
    assert!(mm.is_writable());
    mm.set(3, &u64b(40)).unwrap();
    run_socket(&o, "entry"); // program adds 1 to [3]
    assert_eq!(as_u64(&mm.get(3).unwrap()), 41);
    assert_eq!(m.lookup(&u32b(3), 0).unwrap().map(|v| as_u64(&v)), Some(41), "syscall view agrees");
    m.update(&u32b(5), &u64b(7), 0).unwrap();
    assert_eq!(mm.read_u64(5 * 8).unwrap(), 7);
    mm.atomic_u64(6 * 8).unwrap().fetch_add(9, std::sync::atomic::Ordering::SeqCst);
    assert_eq!(m.lookup(&u32b(6), 0).unwrap().map(|v| as_u64(&v)), Some(9));
    assert_eq!(mm.get(64).unwrap_err().errno(), libc::EINVAL);
    // non-mmapable map
    assert_eq!(o.map("lpm").unwrap().mmap().unwrap_err().errno(), libc::EINVAL);
    // freeze: refused while a writable mapping exists (kernel EBUSY), fine after
    assert_eq!(m.freeze().unwrap_err().errno(), libc::EBUSY);
    drop(mm);
    m.freeze().unwrap();
    assert_eq!(m.update(&u32b(1), &u64b(1), 0).unwrap_err().errno(), libc::EPERM);
    let ro = m.mmap().unwrap();
    assert!(!ro.is_writable(), "a frozen map maps read-only");
    assert_eq!(ro.read_u64(3 * 8).unwrap(), 41);
    assert_eq!(ro.write_u64(0, 1).unwrap_err().errno(), libc::EPERM);
}

#[test]
fn sizing_before_load() {
    let mut o = open("maps", &ObjectOpenOpts::default());
    // ringbuf sizes round up to a power-of-2 number of pages
    let rb = o.map_mut("ringbuf").unwrap();
    rb.set_max_entries(5000).unwrap();
    assert_eq!(rb.max_entries(), 8192);
    rb.set_max_entries(3 * 4096 + 1).unwrap();
    assert_eq!(rb.max_entries(), 16384);
    o.map_mut("hash_map").unwrap().set_max_entries(1000).unwrap();
    o.load().unwrap();
    assert_eq!(o.map("ringbuf").unwrap().info().unwrap().max_entries, 16384);
    assert_eq!(o.map("hash_map").unwrap().info().unwrap().max_entries, 1000);
    assert_eq!(o.map_mut("hash_map").unwrap().set_max_entries(5).unwrap_err().errno(), libc::EBUSY);
    // user ringbuf rounds too
    let mut u = open("user_ringbuf", &ObjectOpenOpts::default());
    u.map_mut("user_ringbuf").unwrap().set_max_entries(10000).unwrap();
    assert_eq!(u.map("user_ringbuf").unwrap().max_entries(), 16384);

    // global data: resize .data.custom / .bss and set initial values
    let mut g = open("globals", &ObjectOpenOpts::default());
    let bss = g.datasec(".bss").unwrap().index();
    let old = g.maps()[bss].value_size();
    g.maps_mut()[bss].set_value_size(old + 4096).unwrap();
    assert_eq!(g.maps()[bss].initial_value_size(), Some(old as usize + 4096));
    let data = g.datasec(".data").unwrap().index();
    let mut img = g.maps()[data].read_data(0, g.maps()[data].value_size() as usize).unwrap();
    img[..4].copy_from_slice(&99i32.to_ne_bytes()); // data_int is first
    let e = g.maps_mut()[data].set_initial_value(&img[..3]).unwrap_err();
    assert_eq!(e.errno(), libc::EINVAL);
    g.maps_mut()[data].set_initial_value(&img).unwrap();
    let kc = g.maps().iter().position(|m| m.section_name() == Some(".kconfig"));
    if let Some(k) = kc {
        assert!(g.maps_mut()[k].set_value_size(64).is_err());
    }
    g.load().unwrap();
    assert_eq!(g.maps()[bss].info().unwrap().value_size, old + 4096);
    let gv = g.global("data_int").unwrap();
    assert_eq!(gv.offset, 0);
    assert_eq!(g.maps()[data].read_data(0, 4).unwrap(), 99i32.to_ne_bytes());
    // the tail of the resized .bss is mapped and writable
    g.maps()[bss].write_data(old as usize + 4000, &[1, 2, 3]).unwrap();
    assert_eq!(g.maps()[bss].read_data(old as usize + 4000, 3).unwrap(), [1, 2, 3]);
    assert_eq!(g.maps_mut()[data].set_initial_value(&img).unwrap_err().errno(), libc::EBUSY);
}

#[test]
fn pin_unpin_from_pinned_and_set_pin_path() {
    let dir = PinDir::new("pin");
    let mut o = load("maps");
    let p = dir.path("array_map");
    let m = o.map_mut("array_map").unwrap();
    assert_eq!(m.pin(None).unwrap_err().errno(), libc::EINVAL, "no path at all");
    m.update(&u32b(2), &u64b(22), 0).unwrap();
    m.pin(Some(&p)).unwrap();
    assert!(m.is_pinned());
    assert_eq!(m.pin_path(), Some(p.as_str()));
    m.pin(None).unwrap(); // already pinned there: no-op
    let e = m.pin(Some(&dir.path("other"))).unwrap_err();
    assert!(e.errno() == libc::EINVAL && e.message().contains("different"), "{e}");
    // a standalone handle on the pin sees the same map
    let s = Map::from_pinned(&p).unwrap();
    assert_eq!((s.map_type(), s.key_size(), s.value_size(), s.max_entries()), (BPF_MAP_TYPE_ARRAY, 4, 8, 16));
    assert_eq!(s.name(), "array_map");
    assert!(s.is_pinned());
    assert_eq!(s.lookup(&u32b(2), 0).unwrap().map(|v| as_u64(&v)), Some(22));
    s.update(&u32b(3), &u64b(33), 0).unwrap();
    assert_eq!(o.map("array_map").unwrap().lookup(&u32b(3), 0).unwrap().map(|v| as_u64(&v)), Some(33));
    assert_eq!(s.entries().unwrap().len(), 16);
    assert_eq!(Map::from_pinned(&dir.path("nope")).unwrap_err().errno(), libc::ENOENT);
    drop(s);
    let m = o.map_mut("array_map").unwrap();
    m.unpin(None).unwrap();
    assert!(!m.is_pinned());
    assert!(!std::path::Path::new(&p).exists());
    assert_eq!(m.unpin(None).unwrap_err().errno(), libc::ENOENT);

    // set_pin_path before load: load pins it; a second object reuses it
    let pp = dir.path("hash_pin");
    let mut a = open("maps", &ObjectOpenOpts::default());
    a.map_mut("hash_map").unwrap().set_pin_path(Some(&pp)).unwrap();
    a.load().unwrap();
    assert!(a.map("hash_map").unwrap().is_pinned());
    let key = [u32b(1), u32b(1)].concat();
    let val = [u64b(5).to_vec(), b"shared\0\0".to_vec()].concat();
    a.map("hash_map").unwrap().update(&key, &val, 0).unwrap();
    let mut b = open("maps", &ObjectOpenOpts::default());
    b.map_mut("hash_map").unwrap().set_pin_path(Some(&pp)).unwrap();
    b.load().unwrap();
    assert_eq!(b.map("hash_map").unwrap().lookup(&key, 0).unwrap(), Some(val));
    assert_eq!(b.map("hash_map").unwrap().info().unwrap().id, a.map("hash_map").unwrap().info().unwrap().id);
    b.map_mut("hash_map").unwrap().unpin(None).unwrap();
}

#[test]
fn pin_by_name_reuse_and_mismatch() {
    let dir = PinDir::new("byname");
    let mut opts = ObjectOpenOpts::default();
    opts.pin_root_path = Some(dir.root());
    let mut a = open("pinned", &opts);
    assert_eq!(a.map("pinned_map").unwrap().pin_path(), Some(dir.path("pinned_map").as_str()));
    a.load().unwrap();
    assert!(std::path::Path::new(&dir.path("pinned_map")).exists());
    assert!(!std::path::Path::new(&dir.path("private_map")).exists());
    a.map("pinned_map").unwrap().update(&u32b(0), &u64b(77), 0).unwrap();
    // a second object reuses the pinned map
    let mut b = open("pinned", &opts);
    b.load().unwrap();
    assert!(b.map("pinned_map").unwrap().is_pinned());
    assert_eq!(b.map("pinned_map").unwrap().lookup(&u32b(0), 0).unwrap().map(|v| as_u64(&v)), Some(77));
    drop(a);
    drop(b);
    // the pin outlives the objects; replace it with a mismatched map
    std::fs::remove_file(dir.path("pinned_map")).unwrap();
    let odd = sys::map_create(&sys::MapCreateAttr { map_type: BPF_MAP_TYPE_ARRAY, name: "pinned_map".into(), key_size: 4, value_size: 8, max_entries: 8, ..Default::default() }).unwrap();
    sys::obj_pin(odd.as_raw_fd(), dir.path("pinned_map")).unwrap();
    let mut c = open("pinned", &opts);
    let e = c.load().unwrap_err();
    assert_eq!(e.errno(), libc::EINVAL);
    assert!(e.message().contains("couldn't reuse pinned map") && e.message().contains("max_entries is 8 in the pinned map, 4 in the object"), "{e}");
    // a type mismatch names the type
    std::fs::remove_file(dir.path("pinned_map")).unwrap();
    let h = sys::map_create(&sys::MapCreateAttr { map_type: BPF_MAP_TYPE_HASH, name: "pinned_map".into(), key_size: 4, value_size: 8, max_entries: 4, ..Default::default() }).unwrap();
    sys::obj_pin(h.as_raw_fd(), dir.path("pinned_map")).unwrap();
    let mut d = open("pinned", &opts);
    let e = d.load().unwrap_err();
    assert!(e.message().contains("type is 1 in the pinned map, 2 in the object"), "{e}");
    assert!(std::path::Path::new(&dir.path("pinned_map")).exists(), "a refused pin is left alone");
}

#[test]
fn reuse_fd_before_load() {
    let shared = sys::map_create(&sys::MapCreateAttr { map_type: BPF_MAP_TYPE_ARRAY, name: "shared".into(), key_size: 4, value_size: 8, max_entries: 16, ..Default::default() }).unwrap();
    sys::map_update_elem(shared.as_raw_fd(), &u32b(0), &u64b(5), 0).unwrap();
    let mut o = open("maps", &ObjectOpenOpts::default());
    o.map_mut("array_map").unwrap().reuse_fd(shared.as_raw_fd()).unwrap();
    assert!(o.map("array_map").unwrap().is_reused());
    o.load().unwrap();
    let m = o.map("array_map").unwrap();
    assert_eq!(m.info().unwrap().id, sys::map_info(shared.as_raw_fd()).unwrap().id);
    assert_eq!(m.lookup(&u32b(0), 0).unwrap().map(|v| as_u64(&v)), Some(5), "the reused map's contents");
    assert_eq!(o.map_mut("array_map").unwrap().reuse_fd(shared.as_raw_fd()).unwrap_err().errno(), libc::EBUSY);
    // from_fd gives a standalone handle
    let s = Map::from_fd(sys::dup_fd(shared.as_raw_fd()).unwrap()).unwrap();
    assert_eq!(s.name(), "shared");
    assert!(s.lookup(&u32b(0), 0).unwrap().is_some());
}

#[test]
fn perf_event_array_sized_by_cpus_and_fed() {
    let o = load("map_types");
    let pm = o.map("perf_events").unwrap();
    assert_eq!(pm.info().unwrap().max_entries as usize, sys::num_possible_cpus().unwrap(), "max_entries 0 → possible CPUs");
    let mut pb = rbpf_core::PerfBuffer::new(pm.fd().unwrap(), 1).unwrap();
    set_global(&o, "perf_value", &u64b(0xfeed));
    run_socket(&o, "perf_out");
    let mut got = Vec::new();
    for _ in 0..20 {
        pb.poll(100, &mut |_, ev| {
            if let rbpf_core::events::PerfEvent::Sample(d) = ev {
                got.push(as_u64(d));
            }
            0
        })
        .unwrap();
        if !got.is_empty() {
            break;
        }
    }
    assert_eq!(got, [0xfeed]);
}
