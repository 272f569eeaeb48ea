//! The CO-RE engine on its own: a local BTF and CO-RE records from the input, relocated
//! against the fixed target BTF (fuzz/data/target.btf) over instructions from the input.
//!
//! Input layout (little-endian), built by fuzz/make-seeds.py from real objects:
//!   u32 btf_len, btf_len bytes of local BTF,
//!   u8 nrec, nrec × 16-byte bpf_core_relo {insn_off, type_id, access_str_off, kind},
//!   the rest: instructions (8 bytes each; zero-padded to at least 2).
#![no_main]

#[path = "common/mod.rs"]
mod common;

use libfuzzer_sys::fuzz_target;
use rbpf_core::btf::core::CoreRelocator;
use rbpf_core::btf::CoreRelo;
use rbpf_core::obj::Insn;
use rbpf_core::Btf;

fn u32_at(d: &[u8], off: usize) -> Option<u32> {
    Some(u32::from_le_bytes(d.get(off..off + 4)?.try_into().ok()?))
}

fuzz_target!(|data: &[u8]| {
    common::quiet();
    let Some(btf_len) = u32_at(data, 0) else { return };
    let btf_len = btf_len as usize;
    let Some(btf_bytes) = data.get(4..4usize.saturating_add(btf_len)) else { return };
    let rest = &data[4 + btf_len..];
    let Some((&nrec, rest)) = rest.split_first() else { return };
    let nrec = nrec as usize;
    let Some(recs) = rest.get(..nrec * 16) else { return };
    let insn_bytes = &rest[nrec * 16..];

    let Some(local) = common::check(Btf::from_bytes(btf_bytes.to_vec())) else { return };
    let mut insns = Insn::from_le_bytes(&insn_bytes[..insn_bytes.len() / 8 * 8]);
    while insns.len() < 2 {
        insns.push(Insn::default());
    }
    let mut engine = CoreRelocator::new(&local, vec![common::target_btf()]);
    for (i, r) in recs.chunks_exact(16).enumerate() {
        let rec = CoreRelo {
            insn_off: u32::from_le_bytes([r[0], r[1], r[2], r[3]]),
            type_id: u32::from_le_bytes([r[4], r[5], r[6], r[7]]),
            access_str_off: u32::from_le_bytes([r[8], r[9], r[10], r[11]]),
            kind: u32::from_le_bytes([r[12], r[13], r[14], r[15]]),
        };
        if let Some(c) = common::check(engine.compute("fuzz", i, &rec)) {
            std::hint::black_box((c.local_spec.len(), c.target_spec.map(|s| s.len())));
        }
        // Also the candidate search and the instruction patching.
        common::check(engine.find_cands(rec.type_id));
        let idx = (rec.insn_off / 8) as usize % insns.len();
        if let Some(out) = common::check(engine.relocate_indexed("fuzz", i, &mut insns, idx, &rec)) {
            std::hint::black_box((out.poisoned, out.new_val, out.local_spec.len()));
        }
    }
});
