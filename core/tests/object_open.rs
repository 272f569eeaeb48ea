//! Opening objects: pure parsing, no kernel needed.

use rbpf_core::uapi::*;
use rbpf_core::{Object, ObjectOpenOpts};
use rbpf_testprogs::{object_bytes, object_path};

fn open(name: &str) -> Object {
    Object::open_file(object_path(name), &ObjectOpenOpts::default()).unwrap_or_else(|e| panic!("open {name}: {e}"))
}

#[test]
fn syscount_model() {
    let obj = open("syscount");
    assert_eq!(obj.name(), "syscount");
    assert_eq!(obj.license(), "Dual BSD/GPL");
    let progs: Vec<(&str, &str, u32)> = obj.programs().iter().map(|p| (p.name(), p.section_name(), p.prog_type())).collect();
    assert_eq!(
        progs,
        [
            ("count_syscalls", "tracepoint/raw_syscalls/sys_enter", BPF_PROG_TYPE_TRACEPOINT),
            ("count_raw", "raw_tp/sys_enter", BPF_PROG_TYPE_RAW_TRACEPOINT),
            ("count_btf", "tp_btf/sys_enter", BPF_PROG_TYPE_TRACING),
        ]
    );
    assert_eq!(obj.program("count_btf").unwrap().expected_attach_type(), BPF_TRACE_RAW_TP);
    let maps: Vec<&str> = obj.maps().iter().map(|m| m.name()).collect();
    assert_eq!(maps, ["counts", "events", "syscount.rodata", "syscount.bss"]);
    let counts = obj.map("counts").unwrap();
    assert_eq!((counts.map_type(), counts.key_size(), counts.value_size(), counts.max_entries()), (BPF_MAP_TYPE_HASH, 4, 8, 1024));
    assert!(counts.btf_key_type_id() != 0 && counts.btf_value_type_id() != 0);
    let events = obj.map("events").unwrap();
    assert_eq!((events.map_type(), events.max_entries()), (BPF_MAP_TYPE_RINGBUF, 256 * 1024));
    let ro = obj.map("syscount.rodata").unwrap();
    assert!(ro.is_internal() && ro.is_readonly_after_load());
    assert_eq!(ro.map_flags(), BPF_F_RDONLY_PROG | BPF_F_MMAPABLE);
    assert_eq!(obj.map("syscount.bss").unwrap().map_flags(), BPF_F_MMAPABLE);
    let tp = obj.global("target_pid").unwrap();
    assert_eq!((tp.size, obj.maps()[tp.map_index].name()), (4, "syscount.rodata"));
    let ws = obj.global("watch_syscall").unwrap();
    assert_eq!(obj.maps()[ws.map_index].read_data(ws.offset, 4).unwrap(), (-1i32).to_ne_bytes());
    let names: Vec<String> = obj.globals().into_iter().map(|g| g.name).collect();
    // event_type is the .bss anchor that keeps `struct event` in the object's BTF.
    assert_eq!(names, ["target_pid", "watch_syscall", "total", "raw_total", "btf_total", "event_type"]);
    assert!(!obj.is_loaded());
}

#[test]
fn open_mem_matches_open_file() {
    let bytes = object_bytes("globals");
    let a = Object::open_mem(&bytes, &ObjectOpenOpts::default()).unwrap();
    let b = open("globals");
    assert_eq!(a.programs().len(), b.programs().len());
    assert_eq!(a.programs()[0].insns(), b.programs()[0].insns());
    assert_eq!(a.globals().len(), b.globals().len());
    // Memory objects are named "<addr>-<size>" unless object_name is given.
    assert!(a.name().contains('-'), "{}", a.name());
    let mut opts = ObjectOpenOpts::default();
    opts.object_name = Some("my_object_name_is_long".into());
    let c = Object::open_mem(&bytes, &opts).unwrap();
    assert_eq!(c.name(), "my_object_name_");
    let maps: Vec<&str> = c.maps().iter().map(|m| m.name()).collect();
    assert!(maps.contains(&"my_objec.rodata"), "{maps:?}");
    assert!(maps.contains(&".data.custom") && maps.contains(&".rodata.custom"), "{maps:?}");
}

#[test]
fn globals_model() {
    let obj = open("globals");
    let maps: Vec<(&str, u32)> = obj.maps().iter().map(|m| (m.name(), m.map_flags())).collect();
    // Section order, as libbpf.
    assert_eq!(
        maps,
        [
            ("globals.rodata", BPF_F_RDONLY_PROG | BPF_F_MMAPABLE),
            ("globals.data", BPF_F_MMAPABLE),
            (".data.custom", BPF_F_MMAPABLE),
            (".rodata.custom", BPF_F_RDONLY_PROG | BPF_F_MMAPABLE),
            ("globals.bss", BPF_F_MMAPABLE),
        ]
    );
    // libbpf's lookup rules: ELF section names work for global-data maps.
    assert_eq!(obj.map(".rodata").unwrap().name(), "globals.rodata");
    assert_eq!(obj.map(".bss").unwrap().name(), "globals.bss");
    assert_eq!(obj.map(".data.custom").unwrap().real_name(), ".data.custom");
    assert!(obj.map(".maps").is_none() && obj.map("rodata").is_none());
    assert_eq!(obj.datasec(".data.custom").unwrap().section_name(), Some(".data.custom"));
    assert_eq!(obj.datasec(".rodata").unwrap().name(), "globals.rodata");
    assert!(obj.datasec(".maps").is_none());
    let g = obj.global("data_int").unwrap();
    assert_eq!(obj.maps()[g.map_index].read_data(g.offset, 4).unwrap(), 7i32.to_ne_bytes());
    let s = obj.global("ro_str").unwrap();
    assert_eq!(&obj.maps()[s.map_index].read_data(s.offset, 6).unwrap(), b"hello\0");
    let c = obj.global("bss_counter").unwrap();
    assert_eq!(obj.maps()[c.map_index].read_data(c.offset, 8).unwrap(), [0u8; 8]);
    // out of range
    let m = &obj.maps()[c.map_index];
    assert_eq!(m.read_data(m.value_size() as usize, 1).unwrap_err().errno(), libc::EINVAL);
}

#[test]
fn maps_attributes() {
    let obj = open("maps");
    let get = |n: &str| obj.map(n).unwrap_or_else(|| panic!("map {n}"));
    assert_eq!(get("hash_map").key_size(), 8);
    assert_eq!(get("hash_map").value_size(), 16);
    assert_eq!((get("sized_array").key_size(), get("sized_array").value_size(), get("sized_array").btf_value_type_id()), (4, 8, 0));
    assert_eq!(get("lru_hash").map_flags(), BPF_F_NO_COMMON_LRU);
    assert_eq!(get("nopre_hash").map_flags(), BPF_F_NO_PREALLOC);
    assert_eq!((get("numa_hash").map_flags(), get("numa_hash").numa_node()), (BPF_F_NUMA_NODE, 0));
    assert_eq!((get("bloom").map_type(), get("bloom").map_extra(), get("bloom").key_size()), (BPF_MAP_TYPE_BLOOM_FILTER, 3, 0));
    assert!(get("percpu_array").is_percpu() && !get("array_map").is_percpu());
    assert_eq!(get("ringbuf").max_entries(), 64 * 1024);
}

#[test]
fn missing_file_is_enoent() {
    let e = Object::open_file("/nonexistent/dir/x.bpf.o", &ObjectOpenOpts::default()).err().unwrap();
    assert_eq!(e.errno(), libc::ENOENT);
    assert!(e.message().contains("/nonexistent/dir/x.bpf.o"), "{e}");
}

#[test]
fn bad_elf_is_einval() {
    let good = object_bytes("syscount");
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("garbage", b"this is definitely not an ELF file, just some text padding it out....".to_vec()),
        ("short", b"\x7fELF".to_vec()),
        ("truncated", good[..200].to_vec()),
        ("truncated-half", good[..good.len() / 2].to_vec()),
        ("32-bit", {
            let mut v = good.clone();
            v[4] = 1;
            v
        }),
        ("big-endian", {
            let mut v = good.clone();
            v[5] = 2;
            v
        }),
        ("not-rel", {
            let mut v = good.clone();
            v[16] = 2; // ET_EXEC
            v
        }),
    ];
    for (what, data) in cases {
        let e = Object::open_mem(&data, &ObjectOpenOpts::default()).err().unwrap_or_else(|| panic!("{what}: opened"));
        assert_eq!(e.errno(), libc::EINVAL, "{what}: {e}");
        assert!(!e.message().is_empty());
    }
    let e = Object::open_mem(&[], &ObjectOpenOpts::default()).err().unwrap();
    assert_eq!(e.errno(), libc::EINVAL);
    // An empty file on disk, too.
    let path = std::env::temp_dir().join(format!("rbpf-empty-{}.bpf.o", std::process::id()));
    std::fs::write(&path, b"").unwrap();
    let e = Object::open_file(&path, &ObjectOpenOpts::default()).err().unwrap();
    std::fs::remove_file(&path).unwrap();
    assert_eq!(e.errno(), libc::EINVAL, "{e}");
}

/// Random corruption aimed at the .BTF / .BTF.ext sections (found by their magic):
/// an error or an object, never a panic.
#[test]
fn corrupted_btf_never_panics() {
    let mut state = 0x9E3779B97F4A7C15u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for name in ["syscount", "maps", "globals", "kconfig", "subprogs"] {
        let good = object_bytes(name);
        let magics: Vec<usize> = good.windows(4).enumerate().filter(|(_, w)| w[0] == 0x9f && w[1] == 0xeb && w[2] == 1).map(|(i, _)| i).collect();
        assert!(!magics.is_empty(), "{name}: no BTF magic found");
        for _ in 0..1000 {
            let mut v = good.clone();
            let base = magics[(next() as usize) % magics.len()];
            for _ in 0..1 + next() % 3 {
                let pos = (base + (next() as usize) % 4096).min(v.len() - 1);
                v[pos] = next() as u8;
            }
            let _ = Object::open_mem(&v, &ObjectOpenOpts::default());
        }
    }
}

/// Corruption aimed at instructions and relocation records, then parse + relocate.
#[test]
fn corrupted_code_never_panics() {
    use object::{Object as _, ObjectSection, SectionKind};
    let mut state = 0xD1B54A32D192ED03u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for name in ["subprogs", "globals", "kconfig", "maps"] {
        let good = object_bytes(name);
        let file = object::File::parse(&*good).unwrap();
        let ranges: Vec<(usize, usize)> = file
            .sections()
            .filter(|s| s.kind() == SectionKind::Text || s.name().is_ok_and(|n| n.starts_with(".rel") && !n.contains("debug")))
            .filter_map(|s| s.file_range())
            .map(|(o, l)| (o as usize, l as usize))
            .filter(|&(_, l)| l > 0)
            .collect();
        for _ in 0..1200 {
            let mut v = good.clone();
            let (off, len) = ranges[(next() as usize) % ranges.len()];
            let pos = off + (next() as usize) % len;
            v[pos] = next() as u8;
            let _ = Object::open_mem(&v, &ObjectOpenOpts::default());
            relocate_all(&v);
        }
    }
}

#[test]
fn object_btf_is_available() {
    let obj = open("maps");
    let btf = obj.btf().expect("object BTF");
    assert!(btf.find_by_name("hkey").is_some());
    let m = obj.map("hash_map").unwrap();
    assert_eq!(btf.type_by_id(m.btf_key_type_id()).unwrap().name(), "hkey");
}

/// Every prefix and many single-byte corruptions of a real object: an error or an
/// object, never a panic.
#[test]
fn corrupted_never_panics() {
    let good = object_bytes("subprogs");
    for len in (0..good.len()).step_by(61) {
        let _ = Object::open_mem(&good[..len], &ObjectOpenOpts::default());
    }
    let mut state = 0x2545F4914F6CDD1Du64;
    for _ in 0..3000 {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let mut v = good.clone();
        let pos = (state as usize) % v.len();
        v[pos] = (state >> 32) as u8;
        let _ = Object::open_mem(&v, &ObjectOpenOpts::default());
        relocate_all(&v);
    }
}

/// If corrupted bytes still parse, relocation (pure, fake map fds) must not panic either.
fn relocate_all(data: &[u8]) {
    use rbpf_core::obj::{ObjectSpec, OpenArgs};
    use rbpf_core::reloc::{relocate, RelocEnv};
    let Ok(spec) = ObjectSpec::parse(data, &OpenArgs { path: "fuzz", name: "fuzz".into(), relaxed_maps: true, pin_root_path: None }) else { return };
    let funcs: Vec<_> = spec.progs.iter().map(|p| p.insns.clone()).collect();
    let autoload = vec![true; spec.progs.len()];
    let fds: Vec<Option<i32>> = (0..spec.maps.len()).map(|i| if i % 2 == 0 { Some(50) } else { None }).collect();
    let _ = relocate(&spec, &funcs, &RelocEnv { map_fds: &fds, autoload: &autoload, core_poison: &[] });
}

#[test]
fn legacy_maps_rejected() {
    let e = Object::open_file(object_path("legacy_maps"), &ObjectOpenOpts::default()).err().unwrap();
    assert_eq!(e.errno(), libc::EINVAL);
    assert!(e.message().contains("legacy map definitions in 'maps' section are not supported"), "{e}");
}

#[test]
fn unknown_section_opens_unspec() {
    let obj = open("bad_section");
    let p = &obj.programs()[0];
    assert_eq!(p.section_name(), "xdp/main");
    assert_eq!(p.prog_type(), BPF_PROG_TYPE_UNSPEC);
}

#[test]
fn subprogs_are_not_programs() {
    let obj = open("subprogs");
    let names: Vec<&str> = obj.programs().iter().map(|p| p.name()).collect();
    assert_eq!(names, ["on_getpid", "on_sys_enter"]);
    let spec = obj.spec();
    let subs: Vec<&str> = spec.progs.iter().filter(|p| p.is_subprog).map(|p| p.name.as_str()).collect();
    assert!(subs.contains(&"static_fn") && subs.contains(&"global_fn") && subs.contains(&"loop_cb"), "{subs:?}");
}

#[test]
fn kconfig_model() {
    let obj = open("kconfig");
    let k = obj.maps().iter().find(|m| m.name().ends_with(".kconfig")).expect(".kconfig map");
    assert_eq!(k.name(), "kconfig.kconfig");
    assert_eq!(k.map_flags(), BPF_F_RDONLY_PROG | BPF_F_MMAPABLE);
    let names: Vec<&str> = k.globals().iter().map(|g| g.name.as_str()).collect();
    for n in ["LINUX_KERNEL_VERSION", "CONFIG_HZ", "CONFIG_BPF_SYSCALL", "CONFIG_BPF_JIT", "CONFIG_DEFAULT_HOSTNAME", "CONFIG_RBPF_NOT_A_CONFIG"] {
        assert!(names.contains(&n), "{n} missing from {names:?}");
    }
    // libbpf's layout: alignment descending, then size, then name.
    let off = |n: &str| k.globals().iter().find(|g| g.name == n).unwrap().offset;
    assert_eq!(off("CONFIG_BPF_JIT") % 4, 0);
    assert!(off("CONFIG_DEFAULT_HOSTNAME") > off("CONFIG_HZ"));
}
