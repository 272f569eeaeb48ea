//! BTF on its own: Btf::from_bytes on arbitrary bytes, then every type walked (accessors,
//! describe, resolve_size, align_of) and decoded / encoded over a zero buffer.
#![no_main]

#[path = "common/mod.rs"]
mod common;

use libfuzzer_sys::fuzz_target;
use rbpf_core::Btf;

fuzz_target!(|data: &[u8]| {
    common::quiet();
    let Some(btf) = common::check(Btf::from_bytes(data.to_vec())) else { return };
    let cnt = btf.type_cnt();
    for id in 0..cnt {
        common::walk_type(&btf, id);
    }
    // Past the end: must be an error, never a panic.
    assert!(btf.type_by_id(cnt).is_err(), "type_by_id({cnt}) past type_cnt succeeded");
    std::hint::black_box(btf.types().count());
    // Serialising and reparsing what parsed must work.
    let again = Btf::from_bytes(btf.raw_bytes().to_vec());
    assert!(again.is_ok(), "raw_bytes() of a parsed BTF doesn't parse: {:?}", again.err());
});
