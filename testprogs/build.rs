//! Compiles every `bpf/*.bpf.c` with clang-19 against a vmlinux.h generated here from
//! /sys/kernel/btf/vmlinux and libbpf's BPF-side headers (DEP_BPF_INCLUDE from libbpf-sys).
//! Objects land in OUT_DIR and are copied to `<target>/bpf/<name>.bpf.o`, the fixed
//! path the C, Python and Node suites read. Build scripts may panic: that is how they
//! report a failed build.

use std::env;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    let manifest = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    let workspace = manifest.parent().expect("testprogs/ sits in the workspace").to_path_buf();
    let bpf_dir = workspace.join("bpf");
    let out = PathBuf::from(env::var_os("OUT_DIR").expect("OUT_DIR"));

    println!("cargo:rerun-if-changed={}", bpf_dir.display());
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=RBPF_CLANG");
    println!("cargo:rerun-if-env-changed=RBPF_BPFTOOL");
    println!("cargo:rerun-if-env-changed=CARGO_TARGET_DIR");

    let bpf_include = match env::var_os("DEP_BPF_INCLUDE") {
        Some(p) => PathBuf::from(p),
        None => panic!("DEP_BPF_INCLUDE is not set: libbpf-sys must be a [dependencies] entry of rbpf-testprogs"),
    };
    let clang = find_clang();
    let vmlinux_h = out.join("vmlinux.h");
    gen_vmlinux_h(&vmlinux_h);

    let mut sources: Vec<PathBuf> = fs::read_dir(&bpf_dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", bpf_dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.to_str().is_some_and(|s| s.ends_with(".bpf.c")))
        .collect();
    sources.sort();
    if sources.is_empty() {
        panic!("no *.bpf.c files in {}", bpf_dir.display());
    }

    // Two cores on the build machines: compile two objects at a time.
    let jobs = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2).max(1);
    let mut names = Vec::new();
    for chunk in sources.chunks(jobs) {
        let handles: Vec<_> = chunk
            .iter()
            .map(|src| {
                let (clang, out, bpf_include, bpf_dir) =
                    (clang.clone(), out.clone(), bpf_include.clone(), bpf_dir.clone());
                let src = src.clone();
                std::thread::spawn(move || compile(&clang, &src, &out, &bpf_include, &bpf_dir))
            })
            .collect();
        for h in handles {
            match h.join() {
                Ok(Ok(name)) => names.push(name),
                Ok(Err(msg)) => panic!("{msg}"),
                Err(_) => panic!("a clang worker thread panicked"),
            }
        }
    }

    // Fixed location for the other languages' suites.
    let target = match env::var_os("CARGO_TARGET_DIR") {
        Some(t) => {
            let t = PathBuf::from(t);
            if t.is_absolute() { t } else { workspace.join(t) }
        }
        None => workspace.join("target"),
    };
    let shared = target.join("bpf");
    fs::create_dir_all(&shared).unwrap_or_else(|e| panic!("creating {}: {e}", shared.display()));
    for name in &names {
        let file = format!("{name}.bpf.o");
        // Write-then-rename so a concurrently running suite never reads half an object.
        let tmp = shared.join(format!(".{file}.{}", std::process::id()));
        fs::copy(out.join(&file), &tmp).unwrap_or_else(|e| panic!("copying {file}: {e}"));
        fs::rename(&tmp, shared.join(&file)).unwrap_or_else(|e| panic!("renaming {file}: {e}"));
    }

    let list: Vec<String> = names.iter().map(|n| format!("{n:?}")).collect();
    fs::write(out.join("objects.rs"), format!("&[{}]", list.join(", ")))
        .unwrap_or_else(|e| panic!("writing objects.rs: {e}"));
    println!("cargo:rustc-env=RBPF_BPF_SHARED_DIR={}", shared.display());
}

/// `RBPF_CLANG` if set, else `clang-19`, else `clang` when it is version 19.
fn find_clang() -> String {
    if let Ok(c) = env::var("RBPF_CLANG") {
        return c;
    }
    for cand in ["clang-19", "clang"] {
        if let Ok(o) = Command::new(cand).arg("--version").output() {
            let v = String::from_utf8_lossy(&o.stdout);
            if o.status.success() && (cand == "clang-19" || v.contains("version 19.")) {
                return cand.to_string();
            }
        }
    }
    panic!("clang 19 not found (tried clang-19 and clang); run `make deps` or set RBPF_CLANG");
}

/// vmlinux.h from the running kernel's BTF, regenerated only when absent (it depends on
/// the machine, not on the sources; `cargo clean -p rbpf-testprogs` forces a new one).
fn gen_vmlinux_h(dst: &Path) {
    if dst.exists() {
        return;
    }
    let btf = "/sys/kernel/btf/vmlinux";
    let mut tried = Vec::new();
    let cands: Vec<String> = match env::var("RBPF_BPFTOOL") {
        Ok(b) => vec![b],
        Err(_) => vec!["bpftool".into(), "/usr/sbin/bpftool".into(), "/sbin/bpftool".into()],
    };
    for tool in cands {
        match Command::new(&tool).args(["btf", "dump", "file", btf, "format", "c"]).output() {
            Ok(o) if o.status.success() && !o.stdout.is_empty() => {
                let tmp = dst.with_extension("h.tmp");
                fs::write(&tmp, &o.stdout).unwrap_or_else(|e| panic!("writing {}: {e}", tmp.display()));
                fs::rename(&tmp, dst).unwrap_or_else(|e| panic!("renaming vmlinux.h: {e}"));
                return;
            }
            Ok(o) => tried.push(format!("{tool}: {}", String::from_utf8_lossy(&o.stderr).trim())),
            Err(e) => tried.push(format!("{tool}: {e}")),
        }
    }
    panic!("cannot generate vmlinux.h from {btf} with bpftool ({})", tried.join("; "));
}

fn compile(clang: &str, src: &Path, out: &Path, bpf_include: &Path, bpf_dir: &Path) -> Result<String, String> {
    let file = src.file_name().and_then(|f| f.to_str()).ok_or("bad file name")?;
    let name = file.trim_end_matches(".bpf.c").to_string();
    let obj = out.join(format!("{name}.bpf.o"));
    let workspace = bpf_dir.parent().ok_or("bpf/ has no parent")?;
    let output = Command::new(clang)
        .current_dir(workspace)
        .args(["-g", "-O2", "-target", "bpf", "-D__TARGET_ARCH_x86", "-Wall", "-Werror"])
        // The same source gives the same bytes whatever the checkout or build hash: the
        // paths recorded in DWARF/BTF are mapped to fixed names.
        .arg("-fdebug-compilation-dir=.")
        // (when several maps match a path, clang applies the last one: general first)
        .arg(format!("-fdebug-prefix-map={}=.", workspace.display()))
        .arg(format!("-fdebug-prefix-map={}=/rbpf-build", out.display()))
        .arg(format!("-fdebug-prefix-map={}=/libbpf-include", bpf_include.display()))
        .arg("-I")
        .arg(out)
        .arg("-I")
        .arg(bpf_include)
        .arg("-I")
        .arg(bpf_dir)
        .args(["-I", "/usr/include/x86_64-linux-gnu"])
        .arg("-c")
        .arg(Path::new("bpf").join(file))
        .arg("-o")
        .arg(&obj)
        .output()
        .map_err(|e| format!("running {clang}: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "{clang} failed on {}:\n{}",
            src.display(),
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    Ok(name)
}
