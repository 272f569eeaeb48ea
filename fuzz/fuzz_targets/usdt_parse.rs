//! USDT parsers (core/src/attach/usdt): the ELF image reader, `.note.stapsdt` notes,
//! probe-site resolution (segments, .stapsdt.base, semaphores), argument specs and the
//! spec-map encoding, all pure.
//!
//! Input: u8 mode, then: mode 0 → an ELF file (ElfImage::parse, then every note's sites
//! and arguments); mode 1 → raw `.note.stapsdt` bytes; mode 2 → an argument string;
//! else → a "PATH:PROVIDER:NAME" SEC() target.
#![no_main]

#[path = "common/mod.rs"]
mod common;

use libfuzzer_sys::fuzz_target;
use rbpf_core::attach::uprobe::ElfImage;
use rbpf_core::attach::usdt::{arg, note, parse_usdt_sec, spec};

fn args(s: &str) {
    if let Some(parsed) = common::check(arg::parse_args(s)) {
        assert!(parsed.len() <= arg::MAX_ARGS);
        for layout in [spec::SpecLayout::V1, spec::SpecLayout::V2] {
            if let Some(b) = common::check(spec::encode_spec(layout, &parsed, 0x1234)) {
                assert_eq!(b.len(), layout.size());
            }
        }
    }
}

fuzz_target!(|data: &[u8]| {
    common::quiet();
    let Some((&mode, rest)) = data.split_first() else { return };
    match mode {
        0 => {
            let Some(img) = common::check(ElfImage::parse("fuzz.elf", rest.to_vec())) else { return };
            let Some(sec) = img.section(".note.stapsdt") else { return };
            let Some(notes) = common::check(note::parse_notes(img.section_data(sec), "fuzz.elf")) else { return };
            for n in notes.iter().take(64) {
                if let Some(sites) = common::check(note::find_sites(&img, &n.provider, &n.name)) {
                    assert!(!sites.is_empty());
                }
                args(&n.args);
            }
        }
        1 => {
            if let Some(notes) = common::check(note::parse_notes(rest, "fuzz.note")) {
                for n in notes.iter().take(64) {
                    args(&n.args);
                }
            }
        }
        2 => args(&String::from_utf8_lossy(rest)),
        _ => {
            common::check(parse_usdt_sec(&String::from_utf8_lossy(rest)));
        }
    }
});
