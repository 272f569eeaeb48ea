//! libbpf (through libbpf-sys) is the oracle for the repo's BPF programs: every object
//! must open and pass the verifier on this kernel, and the deliberately bad ones must
//! fail exactly where libbpf 1.x fails them. If this test fails, the program is wrong,
//! not rbpf.

mod common;

use common::open;
use std::ffi::CString;

/// Objects libbpf refuses on purpose (tested below) or that need options (pinned).
const NOT_PLAIN: &[&str] = &["bad_section", "legacy_maps", "pinned"];

/// Every object in bpf/ (new files included) opens and loads under libbpf.
#[test]
fn every_good_object_loads() {
    for name in rbpf_testprogs::OBJECTS.iter().filter(|n| !NOT_PLAIN.contains(n)) {
        let o = open(name, None).unwrap_or_else(|e| panic!("{name}: open failed: errno {e}"));
        o.load().unwrap_or_else(|e| panic!("{name}: load failed: errno {e}"));
    }
}

#[test]
fn objects_list_is_complete() {
    let mut expected = vec![
        "bad_section", "execsnoop", "globals", "kconfig", "legacy_maps", "maps", "minimal_core",
        "pinned", "subprogs", "syscount",
    ];
    expected.sort();
    for name in &expected {
        assert!(rbpf_testprogs::OBJECTS.contains(name), "{name} missing from {:?}", rbpf_testprogs::OBJECTS);
        assert!(rbpf_testprogs::object_path(name).is_file());
        let shared = rbpf_testprogs::shared_dir().join(format!("{name}.bpf.o"));
        let same = std::fs::read(&shared).ok() == Some(rbpf_testprogs::object_bytes(name));
        assert!(same, "{} differs from {}", shared.display(), rbpf_testprogs::object_path(name).display());
    }
}

#[test]
fn record_types_are_in_btf() {
    // User space decodes map values and ring records by these names.
    for (obj, ty) in [("syscount", "event"), ("execsnoop", "exec_event"), ("maps", "hkey"), ("maps", "hvalue"), ("globals", "cfg")] {
        let o = open(obj, None).unwrap_or_else(|e| panic!("{obj}: open: errno {e}"));
        assert!(o.has_struct(ty), "{obj}: no BTF struct {ty}");
    }
}

#[test]
fn syscount_loads_with_programs_disabled() {
    let o = open("syscount", None).expect("open syscount");
    o.set_autoload("count_raw", false);
    o.set_autoload("count_btf", false);
    o.load().expect("load syscount with only count_syscalls");
}

#[test]
fn bad_section_fails_at_load_with_einval() {
    let o = open("bad_section", None).expect("SEC(\"xdp/main\") must open");
    assert_eq!(o.load(), Err(libc::EINVAL));

    // set_type before load rescues it.
    let o = open("bad_section", None).expect("open");
    o.set_type("xdp_main", libbpf_sys::BPF_PROG_TYPE_XDP);
    o.load().expect("xdp_main with its type set");

    // So does disabling it.
    let o = open("bad_section", None).expect("open");
    o.set_autoload("xdp_main", false);
    o.load().expect("xdp_pass alone");
}

#[test]
fn legacy_maps_rejected_at_open() {
    match open("legacy_maps", None) {
        Ok(_) => panic!("legacy SEC(\"maps\") object opened"),
        Err(e) => assert_eq!(e, libc::EOPNOTSUPP, "errno"),
    }
}

#[test]
fn pinned_map_pins_under_pin_root() {
    let bpffs = std::path::Path::new("/sys/fs/bpf");
    if !is_bpffs(bpffs) {
        rbpf_testprogs::skip("pinned_map_pins_under_pin_root", "bpffs is not mounted at /sys/fs/bpf (run make mounts)");
        return;
    }
    let dir = bpffs.join(format!("rbpf-testprogs-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("mkdir in bpffs");
    struct Cleanup(std::path::PathBuf);
    impl Drop for Cleanup {
        fn drop(&mut self) {
            let _ = std::fs::remove_file(self.0.join("pinned_map"));
            let _ = std::fs::remove_dir(&self.0);
        }
    }
    let _cleanup = Cleanup(dir.clone());
    let root = CString::new(dir.to_str().expect("utf-8")).expect("no NUL");
    {
        let o = open("pinned", Some(&root)).expect("open pinned");
        o.load().expect("load pinned");
        assert!(dir.join("pinned_map").exists(), "pinned_map pinned under {}", dir.display());
        assert!(!dir.join("private_map").exists());
    }
    // A second object reuses the pin.
    let o = open("pinned", Some(&root)).expect("reopen pinned");
    o.load().expect("load pinned again (reuse)");
}

fn is_bpffs(p: &std::path::Path) -> bool {
    let c = match CString::new(p.as_os_str().to_str().unwrap_or("")) {
        Ok(c) => c,
        Err(_) => return false,
    };
    // SAFETY: statfs on a valid C string into a zeroed out-struct.
    let mut st: libc::statfs = unsafe { std::mem::zeroed() };
    // SAFETY: as above.
    let rc = unsafe { libc::statfs(c.as_ptr(), &mut st) };
    rc == 0 && st.f_type as i64 == 0xcafe4a11
}
