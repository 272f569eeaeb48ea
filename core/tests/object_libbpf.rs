//! libbpf as the oracle: for every test object, rbpf's relocated instructions after load
//! equal libbpf's after `bpf_object__prepare` (maps created, CO-RE, calls and data
//! relocated), program by program. Map references are compared by map name, since the
//! two loaders create different fds.
//!
//! Deliberate differences: none in instructions. Objects skipped: `legacy_maps` (both
//! refuse it at open). `bad_section` is compared after giving its program a type in
//! both loaders (libbpf's prepare would accept it as is; rbpf's load would not).

mod object_common;

use object_common::compare;
use rbpf_core::uapi::*;

#[test]
fn same_insns_as_libbpf() {
    let mut failures = Vec::new();
    let mut compared = 0;
    for name in ["globals", "maps", "subprogs", "kconfig", "syscount", "execsnoop", "minimal_core"] {
        if !rbpf_testprogs::OBJECTS.contains(&name) {
            eprintln!("object {name} not built; skipped in the comparison");
            continue;
        }
        compared += 1;
        if let Err(e) = compare(name, None, None) {
            failures.push(e);
        }
    }
    if let Err(e) = compare("bad_section", Some(BPF_PROG_TYPE_XDP), None) {
        failures.push(e);
    }
    assert!(compared >= 5, "too few objects compared");
    assert!(failures.is_empty(), "{} object(s) differ:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn same_insns_as_libbpf_pinned() {
    if !std::path::Path::new("/sys/fs/bpf").is_dir() || std::fs::read_dir("/sys/fs/bpf").is_err() {
        rbpf_testprogs::skip!("bpffs not mounted at /sys/fs/bpf");
    }
    let dir = format!("/sys/fs/bpf/rbpf-difftest-{}", std::process::id());
    if std::fs::create_dir(&dir).is_err() {
        rbpf_testprogs::skip!("can't create {dir} (bpffs not mounted?)");
    }
    let r = compare("pinned", None, Some(&dir));
    for e in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
        let _ = std::fs::remove_file(e.path());
    }
    let _ = std::fs::remove_dir(&dir);
    if let Err(e) = r {
        panic!("{e}");
    }
}

