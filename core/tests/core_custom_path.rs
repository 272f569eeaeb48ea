//! `btf_custom_path` (open option) as the CO-RE target, end to end on the kernel: an ELF
//! file with a `.BTF` section, and raw BTF. The program records CO-RE results into .bss
//! on getpid(); they must follow the custom BTF's layout, not the kernel's. Also the
//! kernel-module fallback: module BTFs (split BTF files made here) are searched only when
//! vmlinux has no candidate, and a broken one is skipped with a warning.

use rbpf_core::btf::builder::BtfBuilder;
use rbpf_core::btf::core::CoreRelocator;
use rbpf_core::btf::{load_module_btfs, Btf, CoreRelo, Kind};
use rbpf_core::{Object, ObjectOpenOpts};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const SRC: &str = r#"
#define SEC(n) __attribute__((section(n), used))
char LICENSE[] SEC("license") = "GPL";
#ifndef TARGET
struct task_struct { int pid; int tgid; } __attribute__((preserve_access_index));
unsigned long long pid_off, tgid_off, task_size, runs;
SEC("tp/syscalls/sys_enter_getpid")
int rec(void *ctx)
{
	pid_off = __builtin_preserve_field_info(((struct task_struct *)0)->pid, 0);
	tgid_off = __builtin_preserve_field_info(((struct task_struct *)0)->tgid, 0);
	task_size = __builtin_preserve_type_info(*(struct task_struct *)0, 1);
	runs++;
	return 0;
}
#else
/* A made-up kernel: task_struct laid out unlike the real one. */
struct task_struct { long pad[3]; int tgid; int pid; char tail[100]; };
SEC("tp/t") int t(struct task_struct *p) { return 0; }
#endif
"#;

fn clang() -> Option<&'static str> {
    ["clang-19", "clang"].into_iter().find(|c| std::process::Command::new(c).arg("--version").output().is_ok_and(|o| o.status.success()))
}

fn build(dir: &Path) -> Result<(PathBuf, PathBuf), String> {
    let cc = clang().ok_or("clang not found")?;
    let src = dir.join("custom.bpf.c");
    std::fs::write(&src, SRC).map_err(|e| e.to_string())?;
    let (obj, tgt) = (dir.join("custom.bpf.o"), dir.join("custom_target.bpf.o"));
    for (out, target) in [(&obj, false), (&tgt, true)] {
        let mut cmd = std::process::Command::new(cc);
        cmd.args(["-g", "-O2", "-target", "bpf", "-c"]).arg(&src).arg("-o").arg(out);
        if target {
            cmd.arg("-DTARGET");
        }
        let o = cmd.output().map_err(|e| e.to_string())?;
        if !o.status.success() {
            return Err(String::from_utf8_lossy(&o.stderr).into_owned());
        }
    }
    Ok((obj, tgt))
}

fn u64_global(obj: &Object, name: &str) -> u64 {
    let g = obj.global(name).unwrap_or_else(|| panic!("no global {name}"));
    u64::from_ne_bytes(obj.maps()[g.map_index].read_data(g.offset, 8).unwrap()[..8].try_into().unwrap())
}

fn run(obj_path: &Path, custom: &Path) -> (u64, u64, u64) {
    let mut opts = ObjectOpenOpts::default();
    opts.btf_custom_path = Some(custom.to_string_lossy().into_owned());
    let mut obj = Object::open_file(obj_path, &opts).unwrap();
    obj.load().unwrap_or_else(|e| panic!("load with btf_custom_path={}: {e}", custom.display()));
    let _link = obj.program("rec").unwrap().attach().unwrap();
    let t = Instant::now();
    while u64_global(&obj, "runs") == 0 && t.elapsed() < Duration::from_secs(2) {
        // SAFETY: getpid has no preconditions.
        unsafe { libc::getpid() };
        std::thread::sleep(Duration::from_millis(2));
    }
    assert!(u64_global(&obj, "runs") > 0, "program never ran");
    (u64_global(&obj, "pid_off"), u64_global(&obj, "tgid_off"), u64_global(&obj, "task_size"))
}

#[test]
fn btf_custom_path_elf_and_raw() {
    let dir = std::env::temp_dir().join(format!("rbpf-custom-path-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let built = build(&dir);
    let (obj, tgt) = match built {
        Ok(x) => x,
        Err(e) => {
            let _ = std::fs::remove_dir_all(&dir);
            rbpf_testprogs::skip("", &format!("cannot build the fixture: {e}"));
            return;
        }
    };
    // The made-up layout: pid at 28, tgid at 24, 3*8 + 4 + 4 + 100 (+ padding) bytes.
    let want = (28, 24, 136);
    let from_elf = run(&obj, &tgt);
    let raw = dir.join("custom_target.btf");
    std::fs::write(&raw, Btf::from_file(&tgt).unwrap().raw_bytes()).unwrap();
    let from_raw = run(&obj, &raw);
    // A file that is neither: the load fails naming the problem.
    let junk = dir.join("junk.btf");
    std::fs::write(&junk, b"not BTF at all").unwrap();
    let mut opts = ObjectOpenOpts::default();
    opts.btf_custom_path = Some(junk.to_string_lossy().into_owned());
    let e = Object::open_file(&obj, &opts).unwrap().load().err();
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(from_elf, want, "ELF with .BTF as btf_custom_path");
    assert_eq!(from_raw, want, "raw BTF as btf_custom_path");
    let e = e.expect("a junk btf_custom_path must fail the load");
    assert_eq!(e.errno(), libc::EINVAL, "{e}");
    assert!(e.message().contains("failed to parse target BTF"), "{e}");
}

/// String-section end of a base BTF (where a split BTF's own strings start).
fn str_end(b: &Btf) -> u32 {
    let raw = b.raw_bytes();
    let hdr_len = u32::from_le_bytes(raw[4..8].try_into().unwrap());
    let str_off = u32::from_le_bytes(raw[16..20].try_into().unwrap());
    let str_len = u32::from_le_bytes(raw[20..24].try_into().unwrap());
    let _ = (hdr_len, str_off);
    str_len
}

#[test]
fn module_btf_searched_only_without_vmlinux_candidates() {
    let Ok(vmlinux) = Btf::vmlinux() else {
        rbpf_testprogs::skip("", "no kernel BTF");
        return;
    };
    let dir = std::env::temp_dir().join(format!("rbpf-modules-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    // A module defining a struct vmlinux lacks, and re-defining one vmlinux has.
    let int_id = vmlinux.find_by_name_kind("int", Kind::Int).unwrap();
    let mut m = BtfBuilder::new_split(vmlinux.type_cnt(), str_end(&vmlinux));
    m.add_struct("rbpf_mod_only", 8, &[("pad", int_id, 0, 0), ("b", int_id, 32, 0)]);
    m.add_struct("list_head", 4, &[("next", int_id, 0, 0)]);
    std::fs::write(dir.join("good_mod"), m.to_bytes()).unwrap();
    // Truncated split BTF: must be skipped, not fatal.
    let mut bad = m.to_bytes();
    bad.truncate(bad.len() - 7);
    std::fs::write(dir.join("broken_mod"), bad).unwrap();
    std::fs::write(dir.join("vmlinux"), b"ignored by name").unwrap();
    let seen = Arc::new(std::sync::Mutex::new(String::new()));
    let sink = seen.clone();
    rbpf_core::log::set_print(Some(Arc::new(move |_, m: &str| sink.lock().unwrap().push_str(m))));
    let mods = load_module_btfs(&dir, &vmlinux);
    rbpf_core::log::reset_print();
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(mods.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>(), ["good_mod"], "broken module skipped");
    let warned = seen.lock().unwrap().clone();
    assert!(warned.contains("skipping kernel module BTF 'broken_mod'"), "no warning for the broken module: {warned:?}");

    // Local object: struct rbpf_mod_only { int b; } and struct list_head { int *next; }.
    let mut l = BtfBuilder::new();
    let li = l.add_int("int", 4, 1);
    let lp = l.add_ptr(li);
    let only = l.add_struct("rbpf_mod_only", 4, &[("b", li, 0, 0)]);
    let lh = l.add_struct("list_head", 8, &[("next", lp, 0, 0)]);
    let acc = l.add_str("0:0");
    let local = l.build(None).unwrap();
    let rec = |type_id: u32| CoreRelo { insn_off: 0, type_id, access_str_off: acc, kind: 2 };
    let mov = || vec![rbpf_core::obj::Insn { code: 0xb7, regs: 0, off: 0, imm: 1 }];

    // vmlinux has list_head: modules are not even loaded.
    let asked = AtomicBool::new(false);
    let modules: Vec<Arc<Btf>> = mods.iter().map(|(_, b)| b.clone()).collect();
    let mut r = CoreRelocator::new(&local, vec![vmlinux.clone()]).with_lazy_modules(Box::new(|| {
        asked.store(true, Ordering::SeqCst);
        modules.clone()
    }));
    let mut insns = mov();
    let o = r.relocate("p", &mut insns, 0, &rec(lh)).unwrap();
    assert_eq!(o.target_btf, Some(0));
    assert!(!asked.load(Ordering::SeqCst), "module BTFs loaded although vmlinux had a candidate");
    // Only a module has rbpf_mod_only: found there (target BTF #1), member b exists.
    let mut insns = mov();
    let o = r.relocate("p", &mut insns, 0, &rec(only)).unwrap();
    assert!(asked.load(Ordering::SeqCst));
    assert_eq!((o.target_btf, insns[0].imm), (Some(1), 1));
    // With a custom path (no module fallback), the same type has no candidate: 0.
    let mut r = CoreRelocator::new(&local, vec![vmlinux.clone()]);
    let mut insns = mov();
    let o = r.relocate("p", &mut insns, 0, &rec(only)).unwrap();
    assert_eq!((o.target_btf, insns[0].imm), (None, 0));
}
