//! `cargo run -p rbpf-gen`: rewrite every generated file of the C ABI (see lib.rs).
//! `--check`: write nothing, exit 1 when a committed file is stale.

use rbpf_gen::{header, opts_files, workspace_root, GenFile};
use std::process::ExitCode;

fn main() -> ExitCode {
    let check = std::env::args().skip(1).any(|a| a == "--check");
    let root = workspace_root();
    let mut stale = Vec::new();
    let mut handle = |f: &GenFile| -> Result<(), String> {
        let path = root.join(f.path);
        let old = std::fs::read_to_string(&path).unwrap_or_default();
        if old == f.text {
            return Ok(());
        }
        if check {
            stale.push(f.path);
            return Ok(());
        }
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        }
        std::fs::write(&path, &f.text).map_err(|e| format!("{}: {e}", path.display()))?;
        println!("rbpf-gen: wrote {}", f.path);
        Ok(())
    };
    let mut run = || -> Result<(), String> {
        for f in opts_files() {
            handle(&f)?;
        }
        // cbindgen reads ffi-c from disk, so it runs after opts_gen.rs is written.
        let h = header(&root)?;
        handle(&GenFile {
            path: "include/rbpf.h",
            text: h,
        })
    };
    if let Err(e) = run() {
        eprintln!("rbpf-gen: {e}");
        return ExitCode::FAILURE;
    }
    if !stale.is_empty() {
        eprintln!(
            "rbpf-gen: stale generated files (run `cargo run -p rbpf-gen`): {}",
            stale.join(", ")
        );
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
