//! Shared by the object_* tests: libbpf (through libbpf-sys) as the oracle.
#![allow(dead_code)]

use rbpf_core::obj::Insn;
use rbpf_core::uapi::*;
use rbpf_core::{Object, ObjectOpenOpts};
use std::path::Path;
use std::collections::HashMap;
use std::ffi::{CStr, CString};

/// A loaded program's instructions (map fds replaced by map names), func_info and
/// line_info bytes.
pub type Progs = Vec<(String, Vec<(Insn, Option<String>)>, Vec<u8>, Vec<u8>)>;

pub fn normalize(insns: &[Insn], fd_names: &HashMap<i32, String>) -> Vec<(Insn, Option<String>)> {
    insns
        .iter()
        .map(|i| {
            let src = i.regs >> 4;
            if i.is_ldimm64() && (src == BPF_PSEUDO_MAP_FD || src == BPF_PSEUDO_MAP_VALUE) {
                let name = fd_names.get(&i.imm).cloned().unwrap_or_else(|| format!("<unknown fd {}>", i.imm));
                (Insn { imm: 0, ..*i }, Some(name))
            } else {
                (*i, None)
            }
        })
        .collect()
}

pub unsafe extern "C" fn quiet(_level: libbpf_sys::libbpf_print_level, _fmt: *const std::os::raw::c_char, _args: *mut libbpf_sys::__va_list_tag) -> i32 {
    0
}

/// libbpf: open + prepare; returns the normalized programs.
pub fn libbpf_progs(path: &Path, set_type: Option<u32>, pin_root: Option<&str>, only: &[&str]) -> Result<Progs, String> {
    let path = CString::new(path.to_string_lossy().into_owned()).unwrap();
    let pin = pin_root.map(|p| CString::new(p).unwrap());
    // SAFETY: plain libbpf C API use; every pointer comes from libbpf or outlives the call.
    unsafe {
        libbpf_sys::libbpf_set_print(Some(quiet));
        let mut opts = libbpf_sys::bpf_object_open_opts { sz: std::mem::size_of::<libbpf_sys::bpf_object_open_opts>() as _, ..Default::default() };
        if let Some(p) = &pin {
            opts.pin_root_path = p.as_ptr();
        }
        let obj = libbpf_sys::bpf_object__open_file(path.as_ptr(), &opts);
        if obj.is_null() {
            return Err(format!("libbpf open failed: errno {}", std::io::Error::last_os_error()));
        }
        let mut p = libbpf_sys::bpf_object__next_program(obj, std::ptr::null_mut());
        while !p.is_null() {
            if let Some(t) = set_type {
                libbpf_sys::bpf_program__set_type(p, t);
            }
            let n = CStr::from_ptr(libbpf_sys::bpf_program__name(p)).to_string_lossy().into_owned();
            if !only.is_empty() && !only.contains(&n.as_str()) {
                libbpf_sys::bpf_program__set_autoload(p, false);
            }
            p = libbpf_sys::bpf_object__next_program(obj, p);
        }
        let err = libbpf_sys::bpf_object__prepare(obj);
        if err != 0 {
            libbpf_sys::bpf_object__close(obj);
            return Err(format!("libbpf prepare failed: {err}"));
        }
        let mut fd_names = HashMap::new();
        let mut m = libbpf_sys::bpf_object__next_map(obj, std::ptr::null());
        while !m.is_null() {
            let n = CStr::from_ptr(libbpf_sys::bpf_map__name(m)).to_string_lossy().into_owned();
            fd_names.insert(libbpf_sys::bpf_map__fd(m), n);
            m = libbpf_sys::bpf_object__next_map(obj, m);
        }
        let mut out = Vec::new();
        let mut p = libbpf_sys::bpf_object__next_program(obj, std::ptr::null_mut());
        while !p.is_null() {
            let n = CStr::from_ptr(libbpf_sys::bpf_program__name(p)).to_string_lossy().into_owned();
            if !only.is_empty() && !only.contains(&n.as_str()) {
                p = libbpf_sys::bpf_object__next_program(obj, p);
                continue;
            }
            let cnt = libbpf_sys::bpf_program__insn_cnt(p) as usize;
            let raw = std::slice::from_raw_parts(libbpf_sys::bpf_program__insns(p) as *const u8, cnt * 8);
            let insns: Vec<Insn> = raw
                .chunks_exact(8)
                .map(|c| Insn { code: c[0], regs: c[1], off: i16::from_ne_bytes([c[2], c[3]]), imm: i32::from_ne_bytes([c[4], c[5], c[6], c[7]]) })
                .collect();
            let fi = libbpf_sys::bpf_program__func_info(p) as *const u8;
            let fi_cnt = libbpf_sys::bpf_program__func_info_cnt(p) as usize;
            let func_info = if fi.is_null() { Vec::new() } else { std::slice::from_raw_parts(fi, fi_cnt * 8).to_vec() };
            let li = libbpf_sys::bpf_program__line_info(p) as *const u8;
            let li_cnt = libbpf_sys::bpf_program__line_info_cnt(p) as usize;
            let line_info = if li.is_null() { Vec::new() } else { std::slice::from_raw_parts(li, li_cnt * 16).to_vec() };
            out.push((n, normalize(&insns, &fd_names), func_info, line_info));
            p = libbpf_sys::bpf_object__next_program(obj, p);
        }
        libbpf_sys::bpf_object__close(obj);
        Ok(out)
    }
}

pub fn rbpf_progs(path: &Path, set_type: Option<u32>, pin_root: Option<&str>, only: &[&str]) -> Result<Progs, String> {
    let mut opts = ObjectOpenOpts::default();
    opts.pin_root_path = pin_root.map(str::to_string);
    let mut obj = Object::open_file(path, &opts).map_err(|e| e.to_string())?;
    for p in obj.programs_mut() {
        if let Some(t) = set_type {
            p.set_type(t).map_err(|e| e.to_string())?;
        }
        if !only.is_empty() && !only.contains(&p.name()) {
            p.set_autoload(false).map_err(|e| e.to_string())?;
        }
    }
    obj.load().map_err(|e| format!("{e} {}", e.verifier_log().unwrap_or("")))?;
    let fd_names: HashMap<i32, String> = obj.maps().iter().filter_map(|m| m.fd().ok().map(|fd| (fd, m.name().to_string()))).collect();
    Ok(obj.programs().iter().filter(|p| p.autoload()).map(|p| (p.name().to_string(), normalize(p.insns(), &fd_names), p.func_info().to_vec(), p.line_info().to_vec())).collect())
}

/// Compare one object; Err describes the first difference.
/// Compare an object's programs (`only`: the programs to load; empty = all).
pub fn compare_path(path: &Path, set_type: Option<u32>, pin_root: Option<&str>, only: &[&str]) -> Result<(), String> {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let theirs = libbpf_progs(path, set_type, pin_root, only).map_err(|e| format!("{name}: {e}"))?;
    let ours = rbpf_progs(path, set_type, pin_root, only).map_err(|e| format!("{name}: rbpf: {e}"))?;
    let names = |v: &Progs| v.iter().map(|(n, ..)| n.clone()).collect::<Vec<_>>();
    if names(&ours) != names(&theirs) {
        return Err(format!("{name}: program order {:?} != {:?}", names(&ours), names(&theirs)));
    }
    for ((pn, a, fa, la), (_, b, fb, lb)) in ours.iter().zip(theirs.iter()) {
        if fa != fb {
            return Err(format!("{name}/{pn}: func_info differs ({} vs libbpf's {} bytes)", fa.len(), fb.len()));
        }
        if la != lb {
            return Err(format!("{name}/{pn}: line_info differs ({} vs libbpf's {} bytes)", la.len(), lb.len()));
        }
        if a.len() != b.len() {
            return Err(format!("{name}/{pn}: instruction count {} != libbpf's {}", a.len(), b.len()));
        }
        for (i, (x, y)) in a.iter().zip(b.iter()).enumerate() {
            if x != y {
                return Err(format!("{name}/{pn}: insn #{i} differs: rbpf {x:?} libbpf {y:?}"));
            }
        }
    }
    Ok(())
}

/// Compare a test object by name.
pub fn compare(name: &str, set_type: Option<u32>, pin_root: Option<&str>) -> Result<(), String> {
    compare_path(&rbpf_testprogs::object_path(name), set_type, pin_root, &[])
}
