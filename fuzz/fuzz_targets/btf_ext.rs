//! .BTF.ext on its own, against a fixed .BTF (minimal_core.bpf.o's, under fuzz/data/):
//! BtfExt::parse, then every record's lookups.
#![no_main]

#[path = "common/mod.rs"]
mod common;

use libfuzzer_sys::fuzz_target;
use rbpf_core::btf::BtfExt;
use rbpf_core::Btf;
use std::sync::OnceLock;

fn base() -> &'static Btf {
    static B: OnceLock<Btf> = OnceLock::new();
    B.get_or_init(|| Btf::from_bytes(include_bytes!("../data/ext_base.btf").to_vec()).expect("fuzz/data/ext_base.btf must parse"))
}

fuzz_target!(|data: &[u8]| {
    common::quiet();
    let btf = base();
    let Some(ext) = common::check(BtfExt::parse(data, btf)) else { return };
    for s in &ext.func_info {
        assert!(ext.func_info_for(&s.sec_name).is_some());
        for r in &s.records {
            std::hint::black_box(btf.type_by_id(r.type_id).is_ok());
        }
    }
    for s in &ext.line_info {
        assert!(ext.line_info_for(&s.sec_name).is_some());
        for r in &s.records {
            std::hint::black_box((btf.str_by_offset(r.file_name_off).is_ok(), btf.str_by_offset(r.line_off).is_ok(), r.line(), r.col()));
        }
    }
    for s in &ext.core_relo {
        assert!(ext.core_relo_for(&s.sec_name).is_some());
        for r in &s.records {
            std::hint::black_box((btf.type_by_id(r.type_id).is_ok(), btf.str_by_offset(r.access_str_off).is_ok()));
        }
    }
});
