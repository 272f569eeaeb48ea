//! `--btf-breakdown`: where the first CO-RE load's kernel-BTF time goes, step by step, in
//! this (fresh) process: map or read the file, the one-pass index, name lookups and
//! candidate searches, and the full name index.

use rbpf_core::btf::{Btf, Kind};
use std::sync::Arc;
use std::time::Instant;

const PATH: &str = "/sys/kernel/btf/vmlinux";

fn ms(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1e3
}

/// One line per step: "step ms".
pub fn breakdown() -> Result<Vec<(String, f64)>, String> {
    let mut out = Vec::new();
    let t = Instant::now();
    let m = rbpf_core::sys::mmap_file_ro(PATH).map_err(|e| e.to_string())?;
    out.push(("mmap /sys/kernel/btf/vmlinux".into(), ms(t)));
    let t = Instant::now();
    let mut v: Vec<u32> = Vec::with_capacity(5_500_000 / 12);
    for i in 0..126_000u32 {
        v.push(i);
    }
    out.push((format!("fill a fresh Vec<u32> of 126k ({})", v[1000]), ms(t)));
    let t = Instant::now();
    let btf = Btf::from_kernel_shared(Arc::new(m), None).map_err(|e| e.to_string())?;
    out.push((format!("index {} types (one pass)", btf.type_cnt()), ms(t)));
    {
        let m = rbpf_core::sys::mmap_file_ro(PATH).map_err(|e| e.to_string())?;
        let t = Instant::now();
        let mut x = 0u64;
        for c in m.as_ref().chunks(4096) {
            x = x.wrapping_add(c[0] as u64);
        }
        out.push((format!("touch one byte per page of a 2nd mapping ({x})"), ms(t)));
        let t = Instant::now();
        for c in m.as_ref().chunks(64) {
            x = x.wrapping_add(c[0] as u64);
        }
        out.push((format!("then one byte per cache line ({x})"), ms(t)));
        let t = Instant::now();
        let b = Btf::from_kernel_shared(Arc::new(m), None).map_err(|e| e.to_string())?;
        out.push((format!("index pass over it, warm ({})", b.type_cnt()), ms(t)));
    }
    for n in ["task_struct", "sk_buff", "trace_event_raw_sys_enter"] {
        let t = Instant::now();
        let id = btf.find_by_name_kind(n, Kind::Struct);
        out.push((format!("find_by_name_kind({n}) -> {id:?}"), ms(t)));
    }
    for n in ["task_struct", "file", "pt_regs"] {
        let t = Instant::now();
        let c = btf.find_by_essential_name(n);
        out.push((format!("candidates({n}) -> {}", c.len()), ms(t)));
    }
    let t = Instant::now();
    let v = std::fs::read(PATH).map_err(|e| e.to_string())?;
    out.push(("read() of the same file (for comparison)".into(), ms(t)));
    let t = Instant::now();
    let b2 = Btf::from_bytes(v).map_err(|e| e.to_string())?;
    out.push(("index of the read copy".into(), ms(t)));
    let t = Instant::now();
    let mut k = 0;
    for i in 0..20 {
        k += b2.find_by_essential_name(if i % 2 == 0 { "task_struct" } else { "inode" }).len();
    }
    out.push((format!("20 candidate searches (builds the name index, {k})"), ms(t)));
    Ok(out)
}
