//! `--btf-breakdown`: where rbpf's first CO-RE load spends its kernel-BTF time, step by
//! step, in this fresh process (each line: "ms step").

use rbpf_core::btf::{Btf, Kind};
use std::sync::Arc;
use std::time::Instant;

const PATH: &str = "/sys/kernel/btf/vmlinux";

fn ms(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1e3
}

pub fn breakdown() -> Result<Vec<(String, f64)>, String> {
    let mut out = Vec::new();
    let t = Instant::now();
    let m = rbpf_core::sys::mmap_file_ro(PATH).map_err(|e| e.to_string())?;
    let len = m.len();
    out.push((format!("mmap {PATH} ({:.1} MiB, read-only, no copy)", len as f64 / 1048576.0), ms(t)));
    let t = Instant::now();
    let btf = Btf::from_kernel_shared(Arc::new(m), None).map_err(|e| e.to_string())?;
    out.push((format!("one-pass index of {} types", btf.type_cnt()), ms(t)));
    let t = Instant::now();
    let id = btf.find_by_name_kind("task_struct", Kind::Struct);
    out.push((format!("find_by_name_kind(task_struct) = {id:?} (linear, early id)"), ms(t)));
    let t = Instant::now();
    let c = btf.find_core_candidates(&[("task_struct", Kind::Struct)]);
    out.push((format!("CO-RE candidates of 1 type (minimal_core: {} found, one pass)", c[0].len()), ms(t)));
    let q: Vec<(&str, Kind)> = crate::corpus::STRUCTS.iter().map(|s| (*s, Kind::Struct)).collect();
    let t = Instant::now();
    let c = btf.find_core_candidates(&q);
    out.push((
        format!("CO-RE candidates of {} types at once (core_many: {} found, one pass)", q.len(), c.iter().map(Vec::len).sum::<usize>()),
        ms(t),
    ));
    let t = Instant::now();
    let v = std::fs::read(PATH).map_err(|e| e.to_string())?;
    out.push(("for comparison: read() of the file into memory".into(), ms(t)));
    let t = Instant::now();
    let b2 = Btf::from_bytes(v).map_err(|e| e.to_string())?;
    out.push(("for comparison: fully validating index pass (user-supplied BTF)".into(), ms(t)));
    let t = Instant::now();
    let mut k = 0;
    for _ in 0..8 {
        k += b2.find_core_candidates(&[("inode", Kind::Struct)])[0].len();
    }
    out.push((format!("for comparison: 8 one-type searches (the 8th builds the full name index; {k})"), ms(t)));
    Ok(out)
}
