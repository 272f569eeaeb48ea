//! Differential CO-RE test: the same object relocated by rbpf and by libbpf (the oracle,
//! through libbpf-sys) must give identical instructions. The fixture is compiled twice
//! with clang: once as the program, once with -DTARGET as its target BTF
//! (btf_custom_path for libbpf), covering every relocation kind.

use super::core::CoreRelocator;
use super::ext::BtfExt;
use super::Btf;
use crate::obj::Insn;
use std::ffi::{CStr, CString};
use std::path::{Path, PathBuf};
use std::sync::Arc;

const FIXTURE: &str = r#"
#define CORE __attribute__((preserve_access_index))
#define SEC(n) __attribute__((section(n), used))
typedef unsigned long long u64;

#ifndef TARGET
struct inner { int a; int b; } CORE;
struct s {
	int x;
	unsigned int bf1 : 3;
	int bf2 : 5;
	struct inner in;
	int arr[4];
	unsigned long long big;
	long long sbig;
	long *p;
	union { int u1; long u2; };
	int tail[];
} CORE;
struct s___flav { int x; int only_local; } CORE;
struct gone { int z; } CORE;
enum e { E_A = 1, E_B = 2, E_C = 3 };
enum e64 { F_A = 0x100000000ULL, F_B = 1 };
typedef int (*fn_t)(int, long);
typedef struct s s_t;
#else
struct inner { long pad; int b; int a; };
struct s {
	long pad0;
	int arr[8];
	union { int u1; long u2; };
	unsigned int big;
	int sbig;
	int bf2 : 7;
	unsigned int bf1 : 4;
	int x;
	struct inner in;
	long *p;
	int tail[];
};
struct s___other { char y; };
enum e { E_C = 30, E_A = 10 };
enum e64 { F_B = 5, F_A = 0x200000000ULL };
typedef int (*fn_t)(int, long);
typedef struct s s_t;
#endif

char LICENSE[] SEC("license") = "GPL";

#ifdef TARGET
/* Only here so the target's types are emitted into its BTF. */
SEC("tp/target1")
int target1(struct s *p, struct inner *i, enum e *e, enum e64 *e2)
{
	return 0;
}
SEC("tp/target2")
int target2(fn_t f, s_t *t, struct s___other *o)
{
	return 0;
}
#else
SEC("tp/test/one")
int one(struct s *p)
{
	u64 r = 0;
	r += __builtin_preserve_field_info(p->x, 0);
	r += __builtin_preserve_field_info(p->x, 1);
	r += __builtin_preserve_field_info(p->x, 2);
	r += __builtin_preserve_field_info(p->x, 3);
	r += __builtin_preserve_field_info(p->in.b, 0);
	r += __builtin_preserve_field_info(p->in.a, 2);
	r += __builtin_preserve_field_info(p->arr[2], 0);
	r += __builtin_preserve_field_info(p->arr, 1);
	r += __builtin_preserve_field_info(p->bf1, 0);
	r += __builtin_preserve_field_info(p->bf1, 1);
	r += __builtin_preserve_field_info(p->bf1, 3);
	r += __builtin_preserve_field_info(p->bf1, 4);
	r += __builtin_preserve_field_info(p->bf1, 5);
	r += __builtin_preserve_field_info(p->bf2, 3);
	r += __builtin_preserve_field_info(p->bf2, 4);
	r += __builtin_preserve_field_info(p->bf2, 5);
	r += __builtin_preserve_field_info(p->u2, 0);
	r += __builtin_preserve_field_info(p->tail[3], 0);
	r += p->x;
	r += p->big;
	r += (u64)p->p;
	r += p->in.b;
	return r;
}

SEC("tp/test/two")
int two(struct s *p)
{
	u64 r = 0;
	struct s___flav *f = (void *)p;
	r += __builtin_preserve_field_info(f->x, 0);
	r += __builtin_preserve_field_info(f->only_local, 2);
	r += __builtin_preserve_field_info(f->only_local, 0);
	r += __builtin_btf_type_id(*(struct s *)0, 0);
	r += __builtin_btf_type_id(*(struct s *)0, 1);
	r += __builtin_preserve_type_info(*(struct s *)0, 0);
	r += __builtin_preserve_type_info(*(struct s *)0, 1);
	r += __builtin_preserve_type_info(*(struct s *)0, 2);
	r += __builtin_preserve_type_info(*(s_t *)0, 0);
	r += __builtin_preserve_type_info(*(s_t *)0, 1);
	r += __builtin_preserve_type_info(*(struct gone *)0, 0);
	r += __builtin_preserve_type_info(*(struct gone *)0, 1);
	r += __builtin_preserve_type_info(*(struct gone *)0, 2);
	r += __builtin_preserve_type_info(*(fn_t *)0, 0);
	r += __builtin_preserve_type_info(*(fn_t *)0, 2);
	r += __builtin_preserve_type_info(*(struct inner *)0, 2);
	r += __builtin_preserve_enum_value(*(enum e *)E_A, 0);
	r += __builtin_preserve_enum_value(*(enum e *)E_A, 1);
	r += __builtin_preserve_enum_value(*(enum e *)E_B, 0);
	r += __builtin_preserve_enum_value(*(enum e *)E_B, 1);
	r += __builtin_preserve_enum_value(*(enum e64 *)F_A, 1);
	r += __builtin_preserve_enum_value(*(enum e64 *)F_B, 1);
	r += __builtin_preserve_type_info(*(enum e *)0, 2);
	r += p->sbig;
	return r;
}
#endif
"#;

fn clang() -> Option<&'static str> {
    ["clang-19", "clang"].into_iter().find(|c| std::process::Command::new(c).arg("--version").output().is_ok_and(|o| o.status.success()))
}

fn compile(cc: &str, src: &Path, out: &Path, target: bool) -> Result<(), String> {
    let mut cmd = std::process::Command::new(cc);
    cmd.args(["-g", "-O2", "-target", "bpf", "-c"]).arg(src).arg("-o").arg(out);
    if target {
        cmd.arg("-DTARGET");
    }
    let o = cmd.output().map_err(|e| e.to_string())?;
    if !o.status.success() {
        return Err(String::from_utf8_lossy(&o.stderr).into_owned());
    }
    Ok(())
}

/// rbpf's relocated instructions per program name (one program per section here), and
/// the instruction indexes CO-RE touched. `target` None: vmlinux.
fn rbpf_relocate(obj: &Path, target: Option<&Path>) -> Vec<(String, Vec<Insn>, Vec<usize>)> {
    use object::{Object, ObjectSection, ObjectSymbol};
    let data = std::fs::read(obj).unwrap();
    let file = object::File::parse(&*data).unwrap();
    let local = Btf::from_file(obj).unwrap();
    let tgt = match target {
        Some(t) => Arc::new(Btf::from_file(t).unwrap()),
        None => Btf::vmlinux().unwrap(),
    };
    let ext = BtfExt::parse(file.section_by_name(".BTF.ext").unwrap().data().unwrap(), &local).unwrap();
    let mut r = CoreRelocator::new(&local, vec![tgt]);
    let mut out = Vec::new();
    for sec in &ext.core_relo {
        let s = file.section_by_name(&sec.sec_name).unwrap();
        let mut insns = Insn::from_le_bytes(s.data().unwrap());
        let mut touched = Vec::new();
        for (i, rec) in sec.records.iter().enumerate() {
            let at = rec.insn_off as usize / 8;
            if insns[at].is_ldimm64() {
                touched.push(at + 1);
            }
            touched.push(at);
            r.relocate_indexed("p", i, &mut insns, at, rec).unwrap();
        }
        let name = file
            .symbols()
            .find(|y| y.section_index() == Some(s.index()) && y.kind() == object::SymbolKind::Text && y.address() == 0)
            .and_then(|y| y.name().ok())
            .unwrap()
            .to_string();
        out.push((name, insns, touched));
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// libbpf's instructions after bpf_object__prepare, per program name.
/// `target` None: libbpf uses the kernel's BTF.
fn libbpf_relocate(obj: &Path, target: Option<&Path>) -> Result<Vec<(String, Vec<Insn>)>, String> {
    let path = CString::new(obj.to_str().unwrap()).unwrap();
    let tpath = target.map(|t| CString::new(t.to_str().unwrap()).unwrap());
    let opts = libbpf_sys::bpf_object_open_opts {
        sz: std::mem::size_of::<libbpf_sys::bpf_object_open_opts>() as _,
        btf_custom_path: tpath.as_ref().map_or(std::ptr::null(), |t| t.as_ptr()),
        ..Default::default()
    };
    // SAFETY: valid C strings and opts that outlive the call.
    let o = unsafe { libbpf_sys::bpf_object__open_file(path.as_ptr(), &opts) };
    if o.is_null() {
        return Err(format!("libbpf open failed: {}", std::io::Error::last_os_error()));
    }
    // SAFETY: `o` is a live object from open_file.
    let err = unsafe { libbpf_sys::bpf_object__prepare(o) };
    let mut out = Vec::new();
    if err == 0 {
        let mut p = std::ptr::null_mut();
        loop {
            // SAFETY: iterating the programs of the live object.
            p = unsafe { libbpf_sys::bpf_object__next_program(o, p) };
            if p.is_null() {
                break;
            }
            // SAFETY: program pointers and their insns stay valid until close.
            let (name, insns) = unsafe {
                let name = CStr::from_ptr(libbpf_sys::bpf_program__name(p)).to_string_lossy().into_owned();
                let n = libbpf_sys::bpf_program__insn_cnt(p) as usize;
                let raw = std::slice::from_raw_parts(libbpf_sys::bpf_program__insns(p) as *const u8, n * 8);
                (name, Insn::from_le_bytes(raw))
            };
            out.push((name, insns));
        }
    }
    // SAFETY: closing the object we opened.
    unsafe { libbpf_sys::bpf_object__close(o) };
    if err != 0 {
        return Err(format!("libbpf prepare failed: {err}"));
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out)
}

#[test]
fn btf_core_matches_libbpf() {
    let Some(cc) = clang() else {
        rbpf_testprogs::skip("", "clang not found");
        return;
    };
    let dir: PathBuf = std::env::temp_dir().join(format!("rbpf-core-diff-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let src = dir.join("fixture.bpf.c");
    std::fs::write(&src, FIXTURE).unwrap();
    let (obj, tgt) = (dir.join("fixture.bpf.o"), dir.join("fixture_target.bpf.o"));
    let built = compile(cc, &src, &obj, false).and_then(|_| compile(cc, &src, &tgt, true));
    if let Err(e) = built {
        let _ = std::fs::remove_dir_all(&dir);
        panic!("clang failed: {e}");
    }
    let ours = rbpf_relocate(&obj, Some(&tgt));
    let theirs = libbpf_relocate(&obj, Some(&tgt));
    let _ = std::fs::remove_dir_all(&dir);
    let theirs = match theirs {
        Ok(t) => t,
        Err(e) => {
            rbpf_testprogs::skip("", &format!("libbpf cannot prepare the fixture here: {e}"));
            return;
        }
    };
    assert_eq!(ours.len(), 2);
    assert_eq!(ours.iter().map(|p| &p.0).collect::<Vec<_>>(), theirs.iter().map(|p| &p.0).collect::<Vec<_>>());
    for ((name, a, _), (_, b)) in ours.iter().zip(&theirs) {
        assert_eq!(a.len(), b.len(), "prog {name}: instruction count");
        for (i, (x, y)) in a.iter().zip(b).enumerate() {
            assert_eq!(x, y, "prog {name}: insn #{i} differs (rbpf vs libbpf)");
        }
    }
    // The fixture must actually exercise poisoning and patching.
    let poisoned = ours.iter().flat_map(|p| &p.1).filter(|i| i.is_call() && i.imm == crate::uapi::POISON_CORE_RELO).count();
    assert!(poisoned >= 3, "{poisoned} poisoned");
}

/// The repo's CO-RE program against the kernel's BTF: every instruction CO-RE touched
/// equals libbpf's (other instructions carry map relocations rbpf's loader does).
#[test]
fn btf_core_minimal_core_matches_libbpf() {
    if Btf::vmlinux().is_err() {
        rbpf_testprogs::skip("", "no kernel BTF");
        return;
    }
    let obj = rbpf_testprogs::object_path("minimal_core");
    if !obj.exists() {
        rbpf_testprogs::skip("", &format!("{} not built", obj.display()));
        return;
    }
    let ours = rbpf_relocate(&obj, None);
    let theirs = match libbpf_relocate(&obj, None) {
        Ok(t) => t,
        Err(e) => {
            rbpf_testprogs::skip("", &format!("libbpf cannot prepare minimal_core here: {e}"));
            return;
        }
    };
    assert!(!ours.is_empty());
    for (name, a, touched) in &ours {
        let (_, b) = theirs.iter().find(|t| &t.0 == name).unwrap_or_else(|| panic!("libbpf has no program {name}"));
        assert!(touched.len() >= 6);
        for &i in touched {
            assert_eq!(a[i], b[i], "prog {name}: CO-RE insn #{i} differs (rbpf vs libbpf)");
        }
    }
}

/// Every repo object with CO-RE records, against the kernel's BTF: each instruction
/// CO-RE touched equals libbpf's.
#[test]
fn btf_core_repo_objects_match_libbpf() {
    if Btf::vmlinux().is_err() {
        rbpf_testprogs::skip("", "no kernel BTF");
        return;
    }
    let mut checked = 0;
    for name in rbpf_testprogs::OBJECTS {
        let obj = rbpf_testprogs::object_path(name);
        let Ok(local) = Btf::from_file(&obj) else { continue };
        let data = std::fs::read(&obj).unwrap();
        let has_core = {
            use object::{Object, ObjectSection};
            let file = object::File::parse(&*data).unwrap();
            file.section_by_name(".BTF.ext")
                .and_then(|s| BtfExt::parse(s.data().ok()?, &local).ok())
                .is_some_and(|e| !e.core_relo.is_empty())
        };
        if !has_core {
            continue;
        }
        let ours = rbpf_relocate(&obj, None);
        let theirs = match libbpf_relocate(&obj, None) {
            Ok(t) => t,
            Err(e) => panic!("libbpf cannot prepare {name}: {e}"),
        };
        for (prog, a, touched) in &ours {
            let (_, b) = theirs.iter().find(|t| &t.0 == prog).unwrap_or_else(|| panic!("{name}: libbpf has no program {prog}"));
            for &i in touched {
                assert_eq!(a[i], b[i], "{name}: prog {prog}: CO-RE insn #{i} differs (rbpf vs libbpf)");
            }
        }
        checked += 1;
    }
    assert!(checked >= 1, "no repo object has CO-RE records");
}

/// A generated program reading many fields of many kernel structs (from a vmlinux.h made
/// by bpftool), relocated against the kernel's BTF by rbpf and by libbpf.
#[test]
fn btf_core_many_kernel_structs_match_libbpf() {
    let Some(cc) = clang() else {
        rbpf_testprogs::skip("", "clang not found");
        return;
    };
    let Ok(vmlinux) = Btf::vmlinux() else {
        rbpf_testprogs::skip("", "no kernel BTF");
        return;
    };
    let dir: PathBuf = std::env::temp_dir().join(format!("rbpf-core-many-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let cleanup = |d: &Path| {
        let _ = std::fs::remove_dir_all(d);
    };
    let hdr = std::process::Command::new("bpftool").args(["btf", "dump", "file", "/sys/kernel/btf/vmlinux", "format", "c"]).output();
    let hdr = match hdr {
        Ok(o) if o.status.success() => o.stdout,
        _ => {
            cleanup(&dir);
            rbpf_testprogs::skip("", "bpftool cannot dump vmlinux.h");
            return;
        }
    };
    std::fs::write(dir.join("vmlinux.h"), hdr).unwrap();
    let structs = [
        "task_struct", "mm_struct", "file", "inode", "dentry", "super_block", "sk_buff", "sock", "net_device", "cred",
        "pid", "signal_struct", "files_struct", "vm_area_struct", "socket", "path", "qstr", "nsproxy", "css_set",
        "kernfs_node", "linux_binprm", "sock_common", "inet_sock", "tcp_sock", "bpf_prog", "bpf_map", "cgroup",
    ];
    let mut src = String::from("#include \"vmlinux.h\"\n#define SEC(n) __attribute__((section(n), used))\n");
    src.push_str("char LICENSE[] SEC(\"license\") = \"GPL\";\n");
    let mut relos = 0;
    for (i, s) in structs.iter().enumerate() {
        let Some(id) = vmlinux.find_by_name_kind(s, super::Kind::Struct) else { continue };
        let t = vmlinux.type_by_id(id).unwrap();
        src.push_str(&format!("SEC(\"tp/many/{i}\") int read_{s}(struct {s} *p)\n{{\n\tunsigned long long r = 0;\n"));
        for m in t.members().filter(|m| !m.name.is_empty()).take(24) {
            let kinds: &[u32] = if m.bitfield_size != 0 { &[0, 1, 2, 3, 4, 5] } else { &[0, 1, 2] };
            for k in kinds {
                src.push_str(&format!("\tr += __builtin_preserve_field_info(p->{}, {k});\n", m.name));
                relos += 1;
            }
        }
        src.push_str(&format!(
            "\tr += __builtin_preserve_type_info(*(struct {s} *)0, 0);\n\tr += __builtin_preserve_type_info(*(struct {s} *)0, 1);\n\
             \tr += __builtin_btf_type_id(*(struct {s} *)0, 1);\n\treturn r;\n}}\n"
        ));
        relos += 3;
    }
    let c = dir.join("many.bpf.c");
    std::fs::write(&c, src).unwrap();
    let obj = dir.join("many.bpf.o");
    if let Err(e) = compile(cc, &c, &obj, false) {
        cleanup(&dir);
        panic!("clang failed: {e}");
    }
    let t0 = std::time::Instant::now();
    let ours = rbpf_relocate(&obj, None);
    let t_ours = t0.elapsed();
    let t0 = std::time::Instant::now();
    let theirs = libbpf_relocate(&obj, None);
    let t_theirs = t0.elapsed();
    cleanup(&dir);
    let theirs = theirs.unwrap_or_else(|e| panic!("libbpf: {e}"));
    assert!(relos >= 500, "{relos} relocations");
    assert!(ours.len() >= 20, "{} programs", ours.len());
    let mut n = 0;
    for (prog, a, touched) in &ours {
        let (_, b) = theirs.iter().find(|t| &t.0 == prog).unwrap_or_else(|| panic!("libbpf has no program {prog}"));
        assert_eq!(a.len(), b.len(), "prog {prog}: instruction count");
        for (i, (x, y)) in a.iter().zip(b).enumerate() {
            assert_eq!(x, y, "prog {prog}: insn #{i} differs (rbpf vs libbpf)");
        }
        n += touched.len();
    }
    eprintln!("{relos} relocations over {} programs identical to libbpf (rbpf open+relocate {t_ours:?}, libbpf open+prepare {t_theirs:?})", ours.len());
    assert!(n >= 500);
}
