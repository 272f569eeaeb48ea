//! Loader corner cases over small BPF objects compiled here, at test time, from the C
//! sources below (clang-19, no headers needed): map-in-map and prog-array initial
//! values, unknown map attributes and relaxed_maps, nested static/global/hidden
//! subprograms, and Kconfig externs that can't be resolved. Where libbpf can process
//! the same object, its result is the oracle.

mod object_common;

use object_common::compare_path;
use rbpf_core::obj::InitSlot;
use rbpf_core::uapi::*;
use rbpf_core::{Object, ObjectOpenOpts};
use std::path::{Path, PathBuf};
use std::process::Command;

const PRELUDE: &str = r#"
#define SEC(n) __attribute__((section(n), used))
#define __uint(name, val) int (*name)[val]
#define __type(name, val) typeof(val) *name
#define __array(name, val) typeof(val) *name[]
#define __kconfig __attribute__((section(".kconfig")))
#define __weak __attribute__((weak))
#define __noinline __attribute__((noinline))
#define __hidden __attribute__((visibility("hidden")))
typedef unsigned int __u32;
typedef unsigned long long __u64;
static void *(*bpf_map_lookup_elem)(void *map, const void *key) = (void *) 1;
static long (*bpf_tail_call)(void *ctx, void *map, __u32 idx) = (void *) 12;
static long (*bpf_loop)(__u32 nr, void *fn, void *ctx, __u64 flags) = (void *) 181;
char LICENSE[] SEC("license") = "GPL";
"#;

const MAP_IN_MAP: &str = r#"
struct inner {
	__uint(type, 2 /* ARRAY */);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
};
struct inner inner_a SEC(".maps"), inner_b SEC(".maps");

struct {
	__uint(type, 12 /* ARRAY_OF_MAPS */);
	__uint(max_entries, 4);
	__type(key, __u32);
	__array(values, struct inner);
} outer SEC(".maps") = { .values = { [0] = &inner_a, [2] = &inner_b } };

int tail_target(void *ctx);
struct {
	__uint(type, 3 /* PROG_ARRAY */);
	__uint(max_entries, 2);
	__uint(key_size, 4);
	__array(values, int (void *));
} jmp SEC(".maps") = { .values = { [1] = (void *)&tail_target } };

SEC("tp/syscalls/sys_enter_getpid")
int tail_target(void *ctx) { return 1; }

SEC("tp/syscalls/sys_enter_getpid")
int entry(void *ctx)
{
	__u32 k = 0;
	void *m = bpf_map_lookup_elem(&outer, &k);
	if (m) bpf_map_lookup_elem(m, &k);
	bpf_tail_call(ctx, &jmp, 1);
	return 0;
}
"#;

const UNKNOWN_ATTR: &str = r#"
struct {
	__uint(type, 2);
	__uint(max_entries, 1);
	__uint(frobnicate, 3);
	__type(key, __u32);
	__type(value, __u64);
} odd SEC(".maps");

SEC("tp/syscalls/sys_enter_getpid")
int prog(void *ctx)
{
	__u32 k = 0;
	__u64 *v = bpf_map_lookup_elem(&odd, &k);
	return v ? (int)*v : 0;
}
"#;

const NESTED_CALLS: &str = r#"
int sink;
static __noinline int leaf(int x) { return x * 2 + sink; }
static __noinline int mid(int x) { return leaf(x) + leaf(x + 1); }
__hidden __noinline int hidden_global(int x) { return mid(x) + 1; }
__noinline int plain_global(int x) { return x - 1; }
static long cb(__u32 i, void *ctx) { sink += i; return 0; }

SEC("tp/syscalls/sys_enter_getpid")
int first(void *ctx) { return hidden_global(sink) + plain_global(3); }

SEC("raw_tp/sys_enter")
int second(void *ctx) { bpf_loop(4, cb, 0, 0); return leaf(sink) + mid(2); }

SEC("tp/syscalls/sys_enter_getppid")
int third(void *ctx) { return plain_global(sink); }
"#;

const STRONG_KCONFIG: &str = r#"
extern int CONFIG_RBPF_DOES_NOT_EXIST __kconfig;
SEC("tp/syscalls/sys_enter_getpid")
int prog(void *ctx) { return CONFIG_RBPF_DOES_NOT_EXIST; }
"#;

const UNKNOWN_VIRTUAL: &str = r#"
extern int LINUX_RBPF_NOPE __kconfig;
SEC("tp/syscalls/sys_enter_getpid")
int prog(void *ctx) { return LINUX_RBPF_NOPE; }
"#;

/// Compile `src` (after PRELUDE) to an object in a per-process temp dir. None (and a
/// skip record) when clang-19 is not available.
fn build(name: &str, src: &str) -> Option<PathBuf> {
    build_with(name, src, &["-g"])
}

fn build_with(name: &str, src: &str, flags: &[&str]) -> Option<PathBuf> {
    let dir = std::env::temp_dir().join(format!("rbpf-fixture-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).ok()?;
    let c = dir.join(format!("{name}.bpf.c"));
    let o = dir.join(format!("{name}.bpf.o"));
    std::fs::write(&c, format!("{PRELUDE}\n{src}")).ok()?;
    let out = match Command::new("clang-19").args(flags).args(["-O2", "-target", "bpf", "-c"]).arg(&c).arg("-o").arg(&o).output() {
        Ok(out) => out,
        Err(_) => {
            rbpf_testprogs::skip("", "clang-19 not installed");
            return None;
        }
    };
    assert!(out.status.success(), "clang failed for {name}: {}", String::from_utf8_lossy(&out.stderr));
    Some(o)
}

/// Removes a fixture's directory (source and object) when dropped.
struct TempDir(PathBuf);
impl Drop for TempDir {
    fn drop(&mut self) {
        if let Some(dir) = self.0.parent() {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

fn open(p: &Path) -> Object {
    Object::open_file(p, &ObjectOpenOpts::default()).unwrap_or_else(|e| panic!("open {}: {e}", p.display()))
}

#[test]
fn map_in_map_and_prog_array_values() {
    let Some(path) = build("mim", MAP_IN_MAP) else { return };
    let _guard = TempDir(path.clone());
    let mut obj = open(&path);
    let outer = obj.map("outer").unwrap();
    assert_eq!((outer.map_type(), outer.value_size()), (BPF_MAP_TYPE_ARRAY_OF_MAPS, 4));
    let inner = outer.spec().inner.as_ref().expect("inner map definition");
    assert_eq!((inner.name.as_str(), inner.map_type, inner.key_size, inner.value_size), ("outer.inner", BPF_MAP_TYPE_ARRAY, 4, 8));
    assert_eq!(outer.spec().init_slots, vec![Some(InitSlot::Map("inner_a".into())), None, Some(InitSlot::Map("inner_b".into()))]);
    let jmp = obj.map("jmp").unwrap();
    assert_eq!(jmp.spec().init_slots, vec![None, Some(InitSlot::Prog("tail_target".into()))]);

    obj.load().unwrap();
    // Slots hold map / program ids after load.
    let outer = obj.map("outer").unwrap();
    let id = |b: Vec<u8>| u32::from_ne_bytes(b[..4].try_into().unwrap());
    let a = outer.lookup(&0u32.to_ne_bytes(), 0).unwrap().map(id);
    let b = outer.lookup(&2u32.to_ne_bytes(), 0).unwrap().map(id);
    assert!(a.is_some() && b.is_some() && a != b);
    assert_eq!(outer.lookup(&1u32.to_ne_bytes(), 0).unwrap(), None);
    let p = obj.map("jmp").unwrap().lookup(&1u32.to_ne_bytes(), 0).unwrap().map(id);
    assert!(p.is_some_and(|p| p > 0));

    compare_path(&path, None, None, &[]).unwrap();
}

#[test]
fn unknown_map_attribute() {
    let Some(path) = build("odd", UNKNOWN_ATTR) else { return };
    let _guard = TempDir(path.clone());
    let e = Object::open_file(&path, &ObjectOpenOpts::default()).err().unwrap();
    assert_eq!(e.errno(), libc::EOPNOTSUPP);
    assert_eq!(e.message(), "map 'odd': unknown field 'frobnicate'.");
    let mut opts = ObjectOpenOpts::default();
    opts.relaxed_maps = true;
    let mut obj = Object::open_file(&path, &opts).unwrap();
    assert_eq!(obj.map("odd").unwrap().max_entries(), 1);
    obj.load().unwrap();
}

#[test]
fn nested_static_global_hidden_calls() {
    let Some(path) = build("nested", NESTED_CALLS) else { return };
    let _guard = TempDir(path.clone());
    let mut obj = open(&path);
    let mut names: Vec<&str> = obj.programs().iter().map(|p| p.name()).collect();
    names.sort_unstable();
    assert_eq!(names, ["first", "second", "third"]);
    assert!(obj.spec().progs.iter().any(|p| p.is_subprog && p.name == "hidden_global" && p.mark_btf_static));
    // Only the second program is loaded: the others' subprograms are not needed.
    for p in obj.programs_mut() {
        if p.name() != "second" {
            p.set_autoload(false).unwrap();
        }
    }
    obj.load().unwrap();
    assert!(obj.program("first").unwrap().fd().is_err());
    compare_path(&path, None, None, &[]).unwrap();
}

#[test]
fn unresolved_kconfig_externs() {
    let Some(path) = build("strong", STRONG_KCONFIG) else { return };
    let _guard = TempDir(path.clone());
    let mut obj = open(&path);
    let e = obj.load().err().unwrap();
    assert_eq!(e.errno(), libc::ESRCH);
    assert!(e.message().contains("CONFIG_RBPF_DOES_NOT_EXIST"), "{e}");
    // The kconfig option provides it.
    let mut opts = ObjectOpenOpts::default();
    opts.kconfig = Some("CONFIG_RBPF_DOES_NOT_EXIST=17".into());
    let mut obj = Object::open_file(&path, &opts).unwrap();
    obj.load().unwrap();
    let g = obj.global("CONFIG_RBPF_DOES_NOT_EXIST").unwrap();
    assert_eq!(obj.maps()[g.map_index].read_data(g.offset, 4).unwrap(), 17i32.to_ne_bytes());

    let Some(path) = build("virt", UNKNOWN_VIRTUAL) else { return };
    let _guard = TempDir(path.clone());
    let e = open(&path).load().err().unwrap();
    assert_eq!(e.errno(), libc::EINVAL);
    assert!(e.message().contains("LINUX_RBPF_NOPE") && e.message().contains("unrecognized virtual extern"), "{e}");
}

const NO_BTF_GLOBALS: &str = r#"
int counter = 5;
const volatile int limit = 9;
SEC("tp/syscalls/sys_enter_getpid")
int prog(void *ctx) { if (counter < limit) counter++; return 0; }
"#;

#[test]
fn objects_without_btf() {
    // Global data without BTF: maps are created without types, no variables are known.
    let Some(path) = build_with("nobtf", NO_BTF_GLOBALS, &[]) else { return };
    let _guard = TempDir(path.clone());
    let mut obj = open(&path);
    assert!(obj.btf().is_none());
    assert!(obj.globals().is_empty());
    let data = obj.maps().iter().find(|m| m.name().ends_with(".data")).unwrap();
    assert_eq!(data.read_data(0, 4).unwrap(), 5i32.to_ne_bytes());
    // Without a DATASEC naming global variables libbpf does not make the map mmapable.
    assert_eq!(data.map_flags() & BPF_F_MMAPABLE, 0);
    obj.load().unwrap();
    compare_path(&path, None, None, &[]).unwrap();

    // BTF-defined maps need BTF.
    let Some(path) = build_with("nobtf_maps", UNKNOWN_ATTR, &[]) else { return };
    let _guard = TempDir(path.clone());
    let e = Object::open_file(&path, &ObjectOpenOpts::default()).err().unwrap();
    assert_eq!(e.errno(), libc::EINVAL, "{e}");
}

const CORE_MISSING_FIELD: &str = r#"
static long (*bpf_get_current_task)(void) = (void *) 35;
static long (*bpf_probe_read_kernel)(void *dst, __u32 size, const void *src) = (void *) 113;
struct task_struct___rbpf {
	int rbpf_no_such_field;
	int tgid;
} __attribute__((preserve_access_index));
int out;

SEC("tp/syscalls/sys_enter_getpid")
int reach(void *ctx)
{
	struct task_struct___rbpf *t = (void *)bpf_get_current_task();
	int v = 0;
	bpf_probe_read_kernel(&v, sizeof(v), &t->rbpf_no_such_field);
	out = v;
	return 0;
}

SEC("tp/syscalls/sys_enter_getpid")
int guarded(void *ctx)
{
	struct task_struct___rbpf *t = (void *)bpf_get_current_task();
	int v = 0;
	if (__builtin_preserve_field_info(t->rbpf_no_such_field, 2 /* BPF_FIELD_EXISTS */))
		bpf_probe_read_kernel(&v, sizeof(v), &t->rbpf_no_such_field);
	bpf_probe_read_kernel(&v, sizeof(v), &t->tgid);
	out = v;
	return 0;
}
"#;

#[test]
fn failed_core_relocation_is_named() {
    let Some(path) = build("core_missing", CORE_MISSING_FIELD) else { return };
    let _guard = TempDir(path.clone());
    // Reachable poisoned code: the verifier refuses it and the log says why.
    let mut obj = open(&path);
    let e = obj.load().err().expect("reachable poisoned CO-RE relocation");
    assert!(e.message().contains("reach"), "{e}");
    assert!(e.message().contains("failed to resolve CO-RE relocation"), "{e}");
    assert!(e.message().contains("rbpf_no_such_field"), "{e}");
    let log = e.verifier_log().unwrap();
    assert!(log.contains("<invalid CO-RE relocation>\nfailed to resolve CO-RE relocation"), "{log}");
    // Dead poisoned code (guarded by field_exists) loads.
    let mut obj = open(&path);
    obj.program_mut("reach").unwrap().set_autoload(false).unwrap();
    obj.load().unwrap();
    compare_path(&path, None, None, &["guarded"]).unwrap();
}
