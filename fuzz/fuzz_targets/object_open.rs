//! Object open on arbitrary bytes (ELF, section table, .BTF, .BTF.ext, maps, kconfig
//! externs, program relocation records), then the whole pure relocation path without a
//! kernel: CO-RE against the fixed target BTF (fuzz/data/target.btf) and map / data /
//! call / extern relocation with made-up map fds.
#![no_main]

#[path = "common/mod.rs"]
mod common;

use libfuzzer_sys::fuzz_target;
use rbpf_core::btf::core::CoreRelocator;
use rbpf_core::obj::btfview::CoreRelo;
use rbpf_core::obj::Insn;
use rbpf_core::reloc::{self, RelocEnv};
use rbpf_core::{Object, ObjectOpenOpts};
use std::os::fd::RawFd;

fuzz_target!(|data: &[u8]| {
    common::quiet();
    // The last byte picks relaxed_maps, so both map-attribute policies are covered.
    let mut opts = ObjectOpenOpts::default();
    opts.relaxed_maps = data.last().is_some_and(|b| b & 1 == 1);
    let Some(obj) = common::check(Object::open_mem(data, &opts)) else { return };

    // Every accessor a binding calls after open.
    std::hint::black_box((obj.name(), obj.license(), obj.spec().kversion, obj.is_loaded()));
    for p in obj.programs() {
        std::hint::black_box((p.name(), p.section_name(), p.prog_type(), p.insn_cnt(), p.sec_def().is_some()));
        assert!(p.fd().is_err(), "program fd before load");
    }
    for m in obj.maps() {
        std::hint::black_box((m.name(), m.real_name(), m.map_type(), m.key_size(), m.value_size(), m.max_entries()));
        common::check(m.user_value_size());
        assert!(m.fd().is_err(), "map fd before load");
        if let Some(n) = m.initial_value_size() {
            if n > 0 {
                common::check(m.read_data(0, 1));
            }
            common::check(m.read_data(n, 1));
        }
    }
    if let Some(btf) = obj.btf() {
        for g in obj.globals() {
            common::walk_type(btf, g.type_id);
        }
    }

    // CO-RE (pure) against the fixed target.
    let spec = obj.spec();
    let mut funcs: Vec<Vec<Insn>> = spec.progs.iter().map(|p| p.insns.clone()).collect();
    let autoload = vec![true; spec.progs.len()];
    let mut poison = Vec::new();
    if let Some(local) = obj.btf() {
        let mut engine = CoreRelocator::new(local, vec![common::target_btf()]);
        let r = reloc::apply_core(spec, &mut funcs, &autoload, &mut |name: &str, insns: &mut [Insn], idx: usize, rec: &CoreRelo, _i: usize| {
            let out = engine.relocate(name, insns, idx, rec)?;
            Ok(out.poisoned.then_some(out.local_spec))
        });
        match r {
            Ok(p) => poison = p,
            Err(e) => {
                common::check_err(&e);
                return;
            }
        }
    }
    // Map / data / call / extern relocation: every other map "not created" (poisoned).
    let map_fds: Vec<Option<RawFd>> = (0..spec.maps.len()).map(|i| (i % 2 == 0).then_some(100 + i as RawFd)).collect();
    if let Some(progs) = common::check(reloc::relocate(spec, &funcs, &RelocEnv { map_fds: &map_fds, autoload: &autoload, core_poison: &poison })) {
        for p in progs.into_iter().flatten() {
            std::hint::black_box((p.insns.len(), p.func_info_cnt(), p.line_info_cnt()));
        }
    }
});
