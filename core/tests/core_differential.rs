//! libbpf as the CO-RE oracle. For every object of the corpus, rbpf's relocated
//! instructions equal libbpf's (`bpf_object__open_file` + `bpf_object__prepare` +
//! `bpf_program__insns`, through libbpf-sys), instruction for instruction.
//!
//! Corpus (≥ 12 objects):
//! - the repo's own programs with CO-RE records (bpf/*.bpf.c: minimal_core, core_kinds,
//!   core_many — the generated 500+ relocation object over 27 kernel structs — and every
//!   other one that has CO-RE records), relocated against the kernel's BTF;
//! - fixtures (core/tests/core_fixtures/*.bpf.c), each compiled twice from the same
//!   source: once as the program, once with -DTARGET as its target BTF (libbpf's
//!   `btf_custom_path`; rbpf's target list), covering every kind, flavors, bitfields,
//!   arrays and flexible arrays, enums and enum64, missing fields and types, LDX/STX size
//!   changes and poisoning. One fixture is also relocated against the raw `.BTF` bytes
//!   written to a file (btf_custom_path as raw BTF).
//!
//! rbpf's side is the loader's: one `CoreRelocator` per object, `prefetch` of every
//! local type's candidates (one pass over the target), then `relocate_indexed` per record.
//!
//! Deliberate differences: none in the instructions CO-RE touches. Scope: fixtures (no
//! maps, no calls) are compared whole; for the repo's programs only the instructions
//! CO-RE touched are compared here, because their map and global-data ldimm64s are
//! relocated by the loader (compared whole, with map fds matched by name, in
//! core/tests/object_libbpf.rs). Subprogram sections (.text) are compared inside their
//! callers by that test too: libbpf has no program of their own to ask.

use rbpf_core::btf::core::CoreRelocator;
use rbpf_core::btf::{Btf, BtfExt};
use rbpf_core::obj::Insn;
use std::ffi::{CStr, CString};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Deliberate differences, (object, reason). Empty: rbpf matches libbpf everywhere.
const DIFFERENCES: &[(&str, &str)] = &[];

const FIXTURES: &[&str] = &["combined", "fields", "bitfields", "arrays", "enums", "flavors", "missing", "types"];

fn fixture_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/core_fixtures")
}

fn clang() -> Option<&'static str> {
    ["clang-19", "clang"].into_iter().find(|c| std::process::Command::new(c).arg("--version").output().is_ok_and(|o| o.status.success()))
}

fn compile(cc: &str, src: &Path, out: &Path, target: bool) -> Result<(), String> {
    let mut cmd = std::process::Command::new(cc);
    cmd.args(["-g", "-O2", "-target", "bpf", "-c", "-I"]).arg(fixture_dir()).arg(src).arg("-o").arg(out);
    if target {
        cmd.arg("-DTARGET");
    }
    let o = cmd.output().map_err(|e| e.to_string())?;
    if !o.status.success() {
        return Err(String::from_utf8_lossy(&o.stderr).into_owned());
    }
    Ok(())
}

/// Per program (named after its function): rbpf's relocated instructions and the
/// indexes CO-RE touched. Err: the relocation failed (message).
type Relocated = Vec<(String, Vec<Insn>, Vec<usize>)>;

fn rbpf_relocate(obj: &Path, target: Option<Arc<Btf>>) -> Result<Relocated, String> {
    use object::{Object, ObjectSection, ObjectSymbol};
    let data = std::fs::read(obj).map_err(|e| e.to_string())?;
    let file = object::File::parse(&*data).map_err(|e| e.to_string())?;
    let local = Btf::from_file(obj).map_err(|e| e.to_string())?;
    let tgt = match target {
        Some(t) => t,
        None => Btf::vmlinux().map_err(|e| e.to_string())?,
    };
    let Some(ext_sec) = file.section_by_name(".BTF.ext") else { return Ok(Vec::new()) };
    let ext = BtfExt::parse(ext_sec.data().map_err(|e| e.to_string())?, &local).map_err(|e| e.to_string())?;
    let mut r = CoreRelocator::new(&local, vec![tgt]);
    r.prefetch(ext.core_relo.iter().flat_map(|s| s.records.iter()).filter(|c| c.kind != 6).map(|c| c.type_id));
    let mut out = Vec::new();
    for sec in &ext.core_relo {
        if sec.sec_name == ".text" {
            continue;
        }
        let s = file.section_by_name(&sec.sec_name).ok_or_else(|| format!("no section {}", sec.sec_name))?;
        let mut insns = Insn::from_le_bytes(s.data().map_err(|e| e.to_string())?);
        let mut touched = Vec::new();
        for (i, rec) in sec.records.iter().enumerate() {
            let at = rec.insn_off as usize / 8;
            if insns.get(at).is_some_and(|i| i.is_ldimm64()) {
                touched.push(at + 1);
            }
            touched.push(at);
            r.relocate_indexed(&sec.sec_name, i, &mut insns, at, rec).map_err(|e| e.to_string())?;
        }
        let name = file
            .symbols()
            .find(|y| y.section_index() == Some(s.index()) && y.kind() == object::SymbolKind::Text && y.address() == 0)
            .and_then(|y| y.name().ok())
            .ok_or_else(|| format!("no function at the start of {}", sec.sec_name))?
            .to_string();
        out.push((name, insns, touched));
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out)
}

/// libbpf's instructions after bpf_object__prepare, per program name. `target` None:
/// the kernel's BTF.
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

fn quiet_libbpf() {
    // SAFETY: NULL print callback silences libbpf; always valid.
    unsafe {
        libbpf_sys::libbpf_set_print(None);
    }
}

/// Compare one object; `whole`: every instruction, else only those CO-RE touched.
/// Returns (programs, relocated instructions compared) or the differences.
fn compare(label: &str, ours: Result<Relocated, String>, theirs: Result<Vec<(String, Vec<Insn>)>, String>, whole: bool) -> Result<(usize, usize), String> {
    let (ours, theirs) = match (ours, theirs) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(a), Err(b)) => return Err(format!("{label}: both failed (rbpf: {a}; libbpf: {b}): the corpus must relocate")),
        (Err(a), Ok(_)) => return Err(format!("{label}: rbpf failed where libbpf succeeded: {a}")),
        (Ok(_), Err(b)) => return Err(format!("{label}: libbpf failed where rbpf succeeded: {b}")),
    };
    let mut diffs = Vec::new();
    let mut n = 0;
    for (prog, a, touched) in &ours {
        let Some((_, b)) = theirs.iter().find(|t| &t.0 == prog) else {
            diffs.push(format!("{label}: libbpf has no program {prog}"));
            continue;
        };
        if whole {
            if a.len() != b.len() {
                diffs.push(format!("{label}: prog {prog}: {} instructions, libbpf {}", a.len(), b.len()));
                continue;
            }
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                if x != y {
                    diffs.push(format!("{label}: prog {prog}: insn #{i}: rbpf {x:?}, libbpf {y:?}"));
                }
            }
        } else {
            for &i in touched {
                if a.get(i) != b.get(i) {
                    diffs.push(format!("{label}: prog {prog}: CO-RE insn #{i}: rbpf {:?}, libbpf {:?}", a.get(i), b.get(i)));
                }
            }
        }
        n += touched.len();
    }
    if diffs.is_empty() {
        Ok((ours.len(), n))
    } else {
        Err(diffs.join("\n"))
    }
}

fn has_core(obj: &Path) -> bool {
    use object::{Object, ObjectSection};
    let Ok(local) = Btf::from_file(obj) else { return false };
    let Ok(data) = std::fs::read(obj) else { return false };
    let Ok(file) = object::File::parse(&*data) else { return false };
    file.section_by_name(".BTF.ext")
        .and_then(|s| BtfExt::parse(s.data().ok()?, &local).ok())
        .is_some_and(|e| e.core_relo.iter().any(|s| s.sec_name != ".text" && !s.records.is_empty()))
}

#[test]
fn core_relocations_match_libbpf_over_the_corpus() {
    quiet_libbpf();
    let Some(cc) = clang() else {
        rbpf_testprogs::skip("", "clang not found");
        return;
    };
    if Btf::vmlinux().is_err() {
        rbpf_testprogs::skip("", "no kernel BTF (/sys/kernel/btf/vmlinux)");
        return;
    }
    let mut objects = Vec::new();
    let mut failures = Vec::new();
    let mut relocs = 0;

    // The repo's programs against the kernel's BTF.
    for name in rbpf_testprogs::OBJECTS {
        let obj = rbpf_testprogs::object_path(name);
        if !has_core(&obj) {
            continue;
        }
        if DIFFERENCES.iter().any(|d| d.0 == *name) {
            continue;
        }
        match compare(name, rbpf_relocate(&obj, None), libbpf_relocate(&obj, None), false) {
            Ok((_, n)) => {
                relocs += n;
                objects.push(name.to_string());
            }
            Err(e) => failures.push(e),
        }
    }
    for must in ["minimal_core", "core_kinds", "core_many"] {
        assert!(objects.iter().any(|o| o == must) || failures.iter().any(|f| f.starts_with(must)), "{must} is not in the corpus");
    }

    // Fixtures: program vs its -DTARGET twin.
    let dir = std::env::temp_dir().join(format!("rbpf-core-differential-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for fx in FIXTURES {
        let src = fixture_dir().join(format!("{fx}.bpf.c"));
        let (obj, tgt) = (dir.join(format!("{fx}.bpf.o")), dir.join(format!("{fx}_target.bpf.o")));
        if let Err(e) = compile(cc, &src, &obj, false).and_then(|_| compile(cc, &src, &tgt, true)) {
            failures.push(format!("{fx}: clang failed: {e}"));
            continue;
        }
        let target = Btf::from_file(&tgt).map(Arc::new).map_err(|e| e.to_string());
        let ours = target.and_then(|t| rbpf_relocate(&obj, Some(t)));
        match compare(&format!("fixture {fx}"), ours, libbpf_relocate(&obj, Some(&tgt)), true) {
            Ok((_, n)) => {
                relocs += n;
                objects.push(format!("fixture {fx}"));
            }
            Err(e) => failures.push(e),
        }
        if *fx == "fields" {
            // btf_custom_path as raw BTF (the target's .BTF section, written out).
            let raw = dir.join("fields_target.btf");
            let bytes = Btf::from_file(&tgt).unwrap().raw_bytes().to_vec();
            std::fs::write(&raw, bytes).unwrap();
            let ours = Btf::from_file(&raw).map(Arc::new).map_err(|e| e.to_string()).and_then(|t| rbpf_relocate(&obj, Some(t)));
            if let Err(e) = compare("fixture fields (raw BTF target)", ours, libbpf_relocate(&obj, Some(&raw)), true) {
                failures.push(e);
            }
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    eprintln!("CO-RE differential: {} objects, {relocs} relocated instructions identical to libbpf: {objects:?}", objects.len());
    assert!(failures.is_empty(), "{} object(s) differ from libbpf:\n{}", failures.len(), failures.join("\n"));
    assert!(objects.len() >= 12, "corpus too small: {objects:?}");
    assert!(relocs >= 500);
}

/// The fixtures must exercise what they claim: poisoned instructions, LDX size changes.
#[test]
fn core_fixtures_poison_and_resize() {
    let Some(cc) = clang() else {
        rbpf_testprogs::skip("", "clang not found");
        return;
    };
    let dir = std::env::temp_dir().join(format!("rbpf-core-fixture-check-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let src = fixture_dir().join("missing.bpf.c");
    let (obj, tgt) = (dir.join("m.bpf.o"), dir.join("m_target.bpf.o"));
    let built = compile(cc, &src, &obj, false).and_then(|_| compile(cc, &src, &tgt, true));
    let progs = built.and_then(|_| rbpf_relocate(&obj, Some(Arc::new(Btf::from_file(&tgt).map_err(|e| e.to_string())?))));
    let _ = std::fs::remove_dir_all(&dir);
    let progs = progs.unwrap();
    let poisoned = |p: &str| progs.iter().find(|x| x.0 == p).unwrap().1.iter().filter(|i| i.is_call() && i.imm == 0xbad2310).count();
    assert!(poisoned("poison") >= 3, "poison: {}", poisoned("poison"));
    assert!(poisoned("memsz") >= 1, "memsz: the signed size change must be poisoned");
    assert_eq!(poisoned("exists"), 0);
    // u64 -> u32 read: the LDX became a word load.
    let memsz = &progs.iter().find(|x| x.0 == "memsz").unwrap().1;
    assert!(memsz.iter().any(|i| i.code == (rbpf_core::uapi::BPF_LDX | rbpf_core::uapi::BPF_MEM | rbpf_core::uapi::BPF_W)));
}
