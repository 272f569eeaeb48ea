//! Shared by the fuzz targets: a quiet printer that still formats every message (so
//! Display code runs), the error invariants, and the fixed inputs under fuzz/data/.
#![allow(dead_code)]

use rbpf_core::btf::value;
use rbpf_core::{Btf, Error};
use std::sync::{Arc, Once, OnceLock};

/// Install a printer that formats and drops every message (the fuzzer's output stays
/// readable, and the messages' formatting is exercised).
pub fn quiet() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        rbpf_core::log::set_print(Some(Arc::new(|_lvl, msg: &str| {
            std::hint::black_box(msg.len());
        })));
    });
}

/// Every error must carry a positive errno and a message saying what was wrong.
pub fn check_err(e: &Error) {
    assert!(e.errno() > 0, "error with non-positive errno {}: {}", e.errno(), e.message());
    assert!(!e.message().trim().is_empty(), "error {} without a message", e.code());
    std::hint::black_box(e.to_string());
}

/// Check an error (if any) and drop the value.
pub fn check<T>(r: rbpf_core::Result<T>) -> Option<T> {
    match r {
        Ok(v) => Some(v),
        Err(e) => {
            check_err(&e);
            None
        }
    }
}

/// The fixed CO-RE target BTF (fuzz/data/target.btf, from fuzz/data/target_btf.c).
pub fn target_btf() -> Arc<Btf> {
    static T: OnceLock<Arc<Btf>> = OnceLock::new();
    T.get_or_init(|| {
        let bytes = include_bytes!("../../data/target.btf").to_vec();
        Arc::new(Btf::from_bytes(bytes).expect("fuzz/data/target.btf must parse"))
    })
    .clone()
}

/// Largest type decoded over a zero buffer (bigger types are described only).
pub const DECODE_LIMIT: u32 = 512;

/// Walk one type the way the bindings do: every accessor, describe, resolve_size, and
/// a decode + int_widths + encode round trip over a zero buffer when the size is sane.
pub fn walk_type(btf: &Btf, id: u32) {
    let Some(t) = check(btf.type_by_id(id)) else { return };
    std::hint::black_box((t.kind(), t.name(), t.vlen(), t.kflag(), t.size(), t.ref_type(), t.int(), t.array()));
    for m in t.members() {
        std::hint::black_box(btf.member_bitfield(&t, &m));
    }
    std::hint::black_box(t.enum_values().map(|v| v.as_i64()).sum::<i64>());
    std::hint::black_box(t.params().count());
    std::hint::black_box(t.datasec_vars().count());
    std::hint::black_box((t.var_linkage(), t.func_linkage(), t.decl_tag_component_idx(), t.fwd_is_union()));
    std::hint::black_box(value::describe(btf, id));
    check(btf.skip_mods_and_typedefs(id));
    check(btf.resolve_type(id));
    check(btf.align_of(id));
    let Some(size) = check(btf.resolve_size(id)) else { return };
    if size > DECODE_LIMIT {
        return;
    }
    let zeros = vec![0u8; size as usize];
    if let Some(v) = check(value::decode(btf, id, &zeros)) {
        let mut out = vec![0u8; size as usize];
        check(value::encode(btf, id, &v, &mut out));
    }
    check(value::int_widths(btf, id));
    // Name lookups scan every type: only for the first few, to keep runs fast.
    if id < 64 && !t.name().is_empty() {
        std::hint::black_box(btf.find_by_name(t.name()));
    }
}
