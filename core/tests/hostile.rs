//! Hostile input: malformed ELF objects, BTF and BTF.ext, bad map definitions, and API
//! misuse. Every case expects a specific errno AND a message naming what was wrong, and
//! never a panic or a hang. Malformed objects are made by patching the repo's compiled
//! objects (rbpf-testprogs) or, for map definitions, by compiling small self-contained
//! BPF C snippets with clang-19 at test time; BTF is hand-built with BtfBuilder.
//!
//! Kernel-touching cases (load, map operations) clean up after themselves: everything
//! they create is an fd owned by an Object that is dropped at the end of the test.
//!
//! Run: cargo test -p rbpf-core --test hostile

use rbpf_core::btf::builder::BtfBuilder;
use rbpf_core::btf::core::CoreRelocator;
use rbpf_core::btf::{value, BtfExt, CoreRelo, Kind};
use rbpf_core::{Btf, Error, Object, ObjectOpenOpts};
use rbpf_testprogs::{object_bytes, skip};
use std::sync::Arc;
use std::time::{Duration, Instant};

// ---------------------------------------------------------------------------------------
// Helpers

/// Assert `r` failed with `errno` and a message containing every fragment of `what`
/// (case-insensitive). Returns the error for further checks.
#[track_caller]
fn expect_err<T>(r: rbpf_core::Result<T>, errno: i32, what: &[&str]) -> Error {
    let e = match r {
        Ok(_) => panic!("expected {} ({what:?}), got Ok", rbpf_core::error::errno_name(errno)),
        Err(e) => e,
    };
    assert_eq!(e.errno(), errno, "wrong errno {} (expected {}) for: {}", e.code(), rbpf_core::error::errno_name(errno), e.message());
    let msg = e.message().to_lowercase();
    for w in what {
        assert!(msg.contains(&w.to_lowercase()), "message {:?} doesn't mention {w:?}", e.message());
    }
    e
}

fn open_mem(bytes: &[u8]) -> rbpf_core::Result<Object> {
    Object::open_mem(bytes, &ObjectOpenOpts::default())
}

/// Run `f` on a thread and fail if it takes longer than `secs` (a hang).
fn within<T: Send + 'static>(secs: u64, what: &str, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    match rx.recv_timeout(Duration::from_secs(secs)) {
        Ok(v) => v,
        Err(_) => panic!("{what}: no answer within {secs} s (hang?)"),
    }
}

/// Run `body` in a child process (this test binary, filtered to `name`, under a 4 GiB
/// address-space limit), so that an abort (a failed huge allocation, a stack overflow)
/// fails this one test instead of killing the whole suite or eating the machine's memory.
fn isolated(name: &str, body: impl FnOnce()) {
    const VAR: &str = "RBPF_HOSTILE_CHILD";
    if std::env::var(VAR).as_deref() == Ok(name) {
        body();
        return;
    }
    let exe = std::env::current_exe().expect("test binary path");
    let out = std::process::Command::new("sh")
        .args(["-c", "ulimit -v 4194304 && exec \"$0\" \"$@\""])
        .arg(exe)
        .args([name, "--exact", "--nocapture", "--test-threads=1"])
        .env(VAR, name)
        .output()
        .expect("spawn the test binary");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let stdout = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        let tail: Vec<&str> = stderr.lines().filter(|l| !l.trim_start().starts_with("at ") && !l.trim_start().chars().next().is_some_and(|c| c.is_ascii_digit())).collect();
        panic!("{name} failed in its child process ({}):\n{}", out.status, tail.join("\n"));
    }
    assert!(stdout.contains("1 passed"), "{name}: the child ran no test:\n{stdout}");
}

/// Little-endian field access in a byte buffer.
fn rd16(b: &[u8], o: usize) -> u16 {
    u16::from_le_bytes([b[o], b[o + 1]])
}
fn rd32(b: &[u8], o: usize) -> u32 {
    u32::from_le_bytes(b[o..o + 4].try_into().unwrap())
}
fn rd64(b: &[u8], o: usize) -> u64 {
    u64::from_le_bytes(b[o..o + 8].try_into().unwrap())
}
fn wr16(b: &mut [u8], o: usize, v: u16) {
    b[o..o + 2].copy_from_slice(&v.to_le_bytes());
}
fn wr32(b: &mut [u8], o: usize, v: u32) {
    b[o..o + 4].copy_from_slice(&v.to_le_bytes());
}
fn wr64(b: &mut [u8], o: usize, v: u64) {
    b[o..o + 8].copy_from_slice(&v.to_le_bytes());
}

/// A minimal view of an ELF64 LE relocatable object's section headers and symbols,
/// with the byte offsets needed to patch them.
struct Elf {
    bytes: Vec<u8>,
}

#[derive(Clone, Debug)]
struct Shdr {
    /// Offset of this header in the file.
    at: usize,
    name: String,
    sh_type: u32,
    offset: u64,
    size: u64,
    info: u32,
}

#[derive(Clone, Debug)]
struct Sym {
    /// Offset of this symbol in the file.
    at: usize,
    name: String,
    shndx: u16,
    typ: u8,
    value: u64,
    size: u64,
}

const SHDR_SIZE: usize = 64;
const SYM_SIZE: usize = 24;

impl Elf {
    fn load(name: &str) -> Elf {
        Elf { bytes: object_bytes(name) }
    }
    fn shoff(&self) -> usize {
        rd64(&self.bytes, 0x28) as usize
    }
    fn shnum(&self) -> usize {
        rd16(&self.bytes, 0x3c) as usize
    }
    fn cstr(&self, at: usize) -> String {
        let end = self.bytes[at..].iter().position(|&c| c == 0).unwrap();
        String::from_utf8_lossy(&self.bytes[at..at + end]).into_owned()
    }
    fn sections(&self) -> Vec<Shdr> {
        let b = &self.bytes;
        let shstr = self.shoff() + rd16(b, 0x3e) as usize * SHDR_SIZE;
        let strtab = rd64(b, shstr + 24) as usize;
        (0..self.shnum())
            .map(|i| {
                let at = self.shoff() + i * SHDR_SIZE;
                Shdr {
                    at,
                    name: self.cstr(strtab + rd32(b, at) as usize),
                    sh_type: rd32(b, at + 4),
                    offset: rd64(b, at + 24),
                    size: rd64(b, at + 32),
                    info: rd32(b, at + 44),
                }
            })
            .collect()
    }
    fn section(&self, name: &str) -> Shdr {
        self.sections().into_iter().find(|s| s.name == name).unwrap_or_else(|| panic!("no section {name}"))
    }
    fn section_index(&self, name: &str) -> usize {
        self.sections().iter().position(|s| s.name == name).unwrap_or_else(|| panic!("no section {name}"))
    }
    fn symbols(&self) -> Vec<Sym> {
        let secs = self.sections();
        let symtab = secs.iter().find(|s| s.sh_type == 2).expect("symtab");
        let link = rd32(&self.bytes, symtab.at + 40) as usize;
        let strs = secs[link].offset as usize;
        (0..symtab.size as usize / SYM_SIZE)
            .map(|i| {
                let at = symtab.offset as usize + i * SYM_SIZE;
                let b = &self.bytes;
                Sym {
                    at,
                    name: self.cstr(strs + rd32(b, at) as usize),
                    shndx: rd16(b, at + 6),
                    typ: b[at + 4] & 0xf,
                    value: rd64(b, at + 8),
                    size: rd64(b, at + 16),
                }
            })
            .collect()
    }
    fn symbol(&self, name: &str) -> Sym {
        self.symbols().into_iter().find(|s| s.name == name).unwrap_or_else(|| panic!("no symbol {name}"))
    }
    fn func_symbols(&self) -> Vec<Sym> {
        self.symbols().into_iter().filter(|s| s.typ == 2 && s.shndx != 0).collect()
    }
    /// Rename a section by overwriting its name in place (new name no longer).
    fn rename_section(&mut self, old: &str, new: &str) {
        let secs = self.sections();
        let shstr = &secs[rd16(&self.bytes, 0x3e) as usize];
        let s = secs.iter().find(|s| s.name == old).unwrap();
        assert!(new.len() <= old.len());
        let at = shstr.offset as usize + rd32(&self.bytes, s.at) as usize;
        self.bytes[at..at + old.len()].fill(0);
        self.bytes[at..at + new.len()].copy_from_slice(new.as_bytes());
    }
}

/// clang-19 compiles a self-contained BPF C snippet (no system headers) to an object,
/// or None (the caller skips) when clang-19 is not installed.
fn compile_bpf(tag: &str, src: &str) -> Option<Vec<u8>> {
    const PRELUDE: &str = r#"
#define SEC(n) __attribute__((section(n), used))
#define __uint(name, val) int (*name)[val]
#define __type(name, val) typeof(val) *name
typedef unsigned int __u32;
typedef unsigned long long __u64;
char LICENSE[] SEC("license") = "GPL";
"#;
    let dir = std::env::temp_dir().join(format!("rbpf-hostile-{}", std::process::id()));
    std::fs::create_dir_all(&dir).ok()?;
    let c = dir.join(format!("{tag}.bpf.c"));
    let o = dir.join(format!("{tag}.bpf.o"));
    std::fs::write(&c, format!("{PRELUDE}\n{src}")).ok()?;
    let out = std::process::Command::new("clang-19")
        .args(["-g", "-O2", "-target", "bpf", "-c"])
        .arg(&c)
        .arg("-o")
        .arg(&o)
        .output()
        .ok()?;
    assert!(out.status.success(), "clang-19 failed on snippet {tag}: {}", String::from_utf8_lossy(&out.stderr));
    let bytes = std::fs::read(&o).ok();
    let _ = std::fs::remove_file(&c);
    let _ = std::fs::remove_file(&o);
    let _ = std::fs::remove_dir(&dir);
    bytes
}

/// A map snippet: one map definition plus a program using it.
fn map_snippet(tag: &str, def: &str) -> Option<Vec<u8>> {
    let src = format!(
        "struct {{ {def} }} m SEC(\".maps\");\n\
         static long (*lookup)(void *map, const void *key) = (void *)1;\n\
         SEC(\"socket\") int prog(void *ctx) {{ __u32 k = 0; return lookup(&m, &k) ? 1 : 0; }}\n"
    );
    compile_bpf(tag, &src)
}

fn clang_or_skip(obj: Option<Vec<u8>>) -> Option<Vec<u8>> {
    if obj.is_none() {
        skip("", "clang-19 is not installed: can't build the map-definition snippets");
    }
    obj
}

/// Whether this process may use the bpf syscall (root with BPF); else the test skips.
fn kernel_or_skip() -> bool {
    let ok = Object::open_mem(&object_bytes("maps"), &ObjectOpenOpts::default())
        .and_then(|mut o| {
            for p in o.programs_mut() {
                p.set_autoload(false)?;
            }
            o.load()
        })
        .is_ok();
    if !ok {
        skip("", "can't create BPF maps here (not root or no BPF)");
    }
    ok
}

// ---------------------------------------------------------------------------------------
// ELF: header

#[test]
fn elf_empty_buffer() {
    expect_err(open_mem(&[]), libc::EINVAL, &["empty"]);
}

#[test]
fn elf_truncated_header_every_length() {
    let b = object_bytes("globals");
    for n in 1..64 {
        expect_err(open_mem(&b[..n]), libc::EINVAL, &["not a proper ELF"]);
    }
}

#[test]
fn elf_bad_magic() {
    let mut b = object_bytes("globals");
    b[1] = b'X';
    expect_err(open_mem(&b), libc::EINVAL, &["bad magic"]);
}

#[test]
fn elf_wrong_class() {
    let mut b = object_bytes("globals");
    b[4] = 1; // ELFCLASS32
    expect_err(open_mem(&b), libc::EINVAL, &["64-bit"]);
}

#[test]
fn elf_wrong_endianness() {
    let mut b = object_bytes("globals");
    b[5] = 2; // ELFDATA2MSB
    expect_err(open_mem(&b), libc::EINVAL, &["byte order"]);
}

#[test]
fn elf_wrong_machine() {
    let mut b = object_bytes("globals");
    wr16(&mut b, 0x12, 62); // EM_X86_64
    expect_err(open_mem(&b), libc::EINVAL, &["not a valid eBPF object", "machine 62"]);
}

#[test]
fn elf_wrong_type() {
    let mut b = object_bytes("globals");
    wr16(&mut b, 0x10, 2); // ET_EXEC
    expect_err(open_mem(&b), libc::EINVAL, &["not a valid eBPF object", "type 2"]);
}

#[test]
fn elf_section_headers_out_of_range() {
    let mut b = object_bytes("globals");
    let len = b.len() as u64;
    wr64(&mut b, 0x28, len - 8); // e_shoff near the end
    expect_err(open_mem(&b), libc::EINVAL, &["section headers"]);
    let mut b = object_bytes("globals");
    wr16(&mut b, 0x3c, 0xfeff); // e_shnum far too large
    expect_err(open_mem(&b), libc::EINVAL, &["section headers"]);
}

#[test]
fn elf_bad_section_name_offset() {
    let mut e = Elf::load("globals");
    let s = e.section(".text");
    wr32(&mut e.bytes, s.at, 0x7fff_fff0);
    expect_err(open_mem(&e.bytes), libc::EINVAL, &["bad name of section"]);
}

// ---------------------------------------------------------------------------------------
// ELF: truncation at every section boundary

#[test]
fn elf_truncated_at_every_section_boundary() {
    for obj in ["globals", "maps", "subprogs", "kconfig"] {
        let e = Elf::load(obj);
        let mut cuts: Vec<usize> = Vec::new();
        for s in e.sections() {
            cuts.push(s.offset as usize);
            if s.sh_type != 8 {
                cuts.push((s.offset + s.size) as usize);
            }
            cuts.push(s.at);
        }
        cuts.push(e.shoff());
        cuts.sort();
        cuts.dedup();
        for cut in cuts.into_iter().filter(|&c| c > 0 && c < e.bytes.len()) {
            let b = e.bytes[..cut].to_vec();
            let r = within(10, &format!("{obj} cut at {cut}"), move || open_mem(&b).map(|_| ()));
            // Section headers sit at the end: any cut loses some of them.
            let err = expect_err(r, libc::EINVAL, &["elf"]);
            assert!(err.message().contains("section"), "{obj} cut at {cut}: {}", err.message());
        }
    }
}

#[test]
fn elf_truncated_data_with_headers_kept() {
    // Keep the headers but pretend every section ends past the file: each must be named.
    let mut unnamed = Vec::new();
    for obj in ["globals", "maps"] {
        let e = Elf::load(obj);
        for (idx, s) in e.sections().iter().enumerate().skip(1) {
            if s.sh_type == 8 || s.size == 0 {
                continue; // NOBITS / empty: no file data
            }
            let mut b = e.bytes.clone();
            let past = b.len() as u64 - 1;
            wr64(&mut b, s.at + 24, past);
            let err = expect_err(open_mem(&b), libc::EINVAL, &[]);
            if !(err.message().contains(&s.name) || err.message().contains(&format!("({idx})"))) {
                unnamed.push(format!("{obj}: section {} past the end: {:?}", s.name, err.message()));
            }
        }
    }
    assert!(unnamed.is_empty(), "messages that don't name the section:\n{}", unnamed.join("\n"));
}

#[test]
fn elf_section_outside_file() {
    let mut e = Elf::load("globals");
    let s = e.section(".data");
    wr64(&mut e.bytes, s.at + 24, u64::MAX - 4);
    expect_err(open_mem(&e.bytes), libc::EINVAL, &[".data", "outside the file"]);
}

#[test]
fn elf_overlapping_sections_are_harmless() {
    // Two sections sharing bytes (.rodata pointed at .data's bytes): libbpf accepts
    // this; the object opens and each map sees its own section's (shared) bytes.
    let mut e = Elf::load("globals");
    let data = e.section(".data");
    let ro = e.section(".rodata");
    wr64(&mut e.bytes, ro.at + 24, data.offset);
    wr64(&mut e.bytes, ro.at + 32, data.size.min(ro.size));
    let n = data.size.min(ro.size) as usize;
    let o = open_mem(&e.bytes).expect("overlapping sections open, as libbpf");
    let m = o.maps().iter().find(|m| m.name().ends_with(".rodata")).expect(".rodata map");
    let shared = &e.bytes[data.offset as usize..data.offset as usize + n];
    assert_eq!(m.read_data(0, n).unwrap(), shared, ".rodata image is the shared bytes");
}

#[test]
fn elf_huge_bss_section() {
    // A NOBITS .bss claiming ~4 GiB: no file bytes back it, so nothing but the header
    // says so. Opening must refuse it (E2BIG naming the section), not allocate 4 GiB.
    let mut e = Elf::load("globals");
    let s = e.section(".bss");
    wr64(&mut e.bytes, s.at + 32, 0xffff_fff0);
    let b = e.bytes;
    isolated("elf_huge_bss_section", move || {
        let r = within(20, "open with a 4 GiB .bss", move || open_mem(&b).map(|_| ()));
        expect_err(r, libc::E2BIG, &[".bss"]);
    });
}

#[test]
fn kconfig_externs_overflowing_the_map() {
    // Three 1.5 GiB char-array .kconfig externs: the .kconfig map's size overflows u32.
    let src = "extern char CONFIG_A[0x60000000] __attribute__((section(\".kconfig\"), weak));\n\
               extern char CONFIG_B[0x60000000] __attribute__((section(\".kconfig\"), weak));\n\
               extern char CONFIG_C[0x60000000] __attribute__((section(\".kconfig\"), weak));\n\
               SEC(\"socket\") int prog(void *ctx) { return CONFIG_A[1] + CONFIG_B[2] + CONFIG_C[3]; }";
    let Some(b) = clang_or_skip(compile_bpf("kcfg_overflow", src)) else { return };
    isolated("kconfig_externs_overflowing_the_map", move || {
        let r = within(20, "open with 4.5 GiB of kconfig externs", move || open_mem(&b).map(|_| ()));
        expect_err(r, libc::E2BIG, &["kconfig"]);
    });
}

// ---------------------------------------------------------------------------------------
// ELF: symbol table

#[test]
fn elf_no_symbol_table() {
    let mut e = Elf::load("globals");
    let s = e.section(".symtab");
    wr32(&mut e.bytes, s.at + 4, 1); // SHT_PROGBITS
    expect_err(open_mem(&e.bytes), libc::EINVAL, &["symbol table"]);
}

#[test]
fn elf_two_symbol_tables() {
    let mut e = Elf::load("globals");
    let s = e.section(".strtab");
    wr32(&mut e.bytes, s.at + 4, 2); // SHT_SYMTAB
    expect_err(open_mem(&e.bytes), libc::EINVAL, &["multiple symbol tables"]);
}

#[test]
fn elf_bad_symbol_entry_size() {
    let mut e = Elf::load("globals");
    let s = e.section(".symtab");
    wr64(&mut e.bytes, s.at + 56, 16);
    expect_err(open_mem(&e.bytes), libc::EINVAL, &["symbol table entry size"]);
}

#[test]
fn elf_symbol_table_past_end() {
    let mut e = Elf::load("globals");
    let s = e.section(".symtab");
    wr64(&mut e.bytes, s.at + 32, s.size + 24 * 1000);
    expect_err(open_mem(&e.bytes), libc::EINVAL, &[".symtab", "outside the file"]);
}

#[test]
fn elf_bad_symbol_name() {
    let mut e = Elf::load("globals");
    let sym = e.func_symbols()[0].clone();
    wr32(&mut e.bytes, sym.at, 0x7fff_0000);
    expect_err(open_mem(&e.bytes), libc::EINVAL, &["symbol name"]);
}

#[test]
fn elf_program_symbol_out_of_range() {
    let mut e = Elf::load("subprogs");
    let sym = e.func_symbols().into_iter().find(|s| s.shndx as usize != e.section_index(".text")).unwrap();
    wr64(&mut e.bytes, sym.at + 8, 0x10_0000); // st_value far past the section
    expect_err(open_mem(&e.bytes), libc::EINVAL, &["crosses section boundary", &sym.name]);
    let mut e = Elf::load("subprogs");
    wr64(&mut e.bytes, sym.at + 16, u64::MAX - 7); // st_size overflowing
    expect_err(open_mem(&e.bytes), libc::EINVAL, &["crosses section boundary", &sym.name]);
}

#[test]
fn elf_program_symbol_misaligned() {
    let mut e = Elf::load("subprogs");
    let sym = e.func_symbols()[0].clone();
    wr64(&mut e.bytes, sym.at + 8, sym.value + 3);
    expect_err(open_mem(&e.bytes), libc::EINVAL, &["not instruction-aligned", &sym.name]);
}

#[test]
fn elf_overlapping_programs() {
    // Grow the first .text subprogram over the next one.
    let mut e = Elf::load("subprogs");
    let text = e.section_index(".text") as u16;
    let mut subs: Vec<Sym> = e.func_symbols().into_iter().filter(|s| s.shndx == text).collect();
    subs.sort_by_key(|s| s.value);
    assert!(subs.len() >= 2, "subprogs.bpf.o needs two .text functions");
    let (a, b) = (&subs[0], &subs[1]);
    wr64(&mut e.bytes, a.at + 16, b.value - a.value + 8);
    expect_err(open_mem(&e.bytes), libc::EINVAL, &["overlap", &a.name, &b.name]);
}

#[test]
fn elf_program_with_no_instructions() {
    // A zero-sized entry program opens (as libbpf) and the kernel refuses it at load.
    let mut e = Elf::load("globals");
    let sym = e.func_symbols().into_iter().find(|s| s.shndx as usize != e.section_index(".text")).unwrap();
    wr64(&mut e.bytes, sym.at + 16, 0);
    let mut obj = open_mem(&e.bytes).expect("a zero-sized program opens, as libbpf");
    let p = obj.program(&sym.name).expect("program still listed");
    assert_eq!(p.insn_cnt(), 0);
    if !kernel_or_skip() {
        return;
    }
    expect_err(obj.load(), libc::EINVAL, &[&sym.name]);
}

#[test]
fn elf_program_section_odd_length() {
    let mut e = Elf::load("globals");
    let sym = e.func_symbols().into_iter().find(|s| s.shndx as usize != e.section_index(".text")).unwrap();
    let sec = &e.sections()[sym.shndx as usize];
    wr64(&mut e.bytes, sec.at + 32, sec.size - 3);
    expect_err(open_mem(&e.bytes), libc::EINVAL, &["not a multiple of the instruction size", &sec.name]);
}

// ---------------------------------------------------------------------------------------
// ELF: relocations

/// The first relocation record of `.rel<prog section>` of `obj`: (file offset, record).
fn first_prog_relo(e: &Elf) -> (usize, Shdr) {
    let secs = e.sections();
    let rel = secs
        .iter()
        .find(|s| s.sh_type == 9 && s.name.starts_with(".rel") && secs[s.info as usize].name != ".text" && !s.name.contains("BTF") && !s.name.contains("debug"))
        .cloned()
        .expect("a program relocation section");
    (rel.offset as usize, rel)
}

#[test]
fn elf_relocation_symbol_out_of_range() {
    let mut e = Elf::load("globals");
    let (at, rel) = first_prog_relo(&e);
    let info = rd64(&e.bytes, at + 8);
    wr64(&mut e.bytes, at + 8, (info & 0xffff_ffff) | (0x00ff_ffff << 32));
    let target = e.sections()[rel.info as usize].name.clone();
    expect_err(open_mem(&e.bytes), libc::EINVAL, &[&target, "symbol #16777215 not found"]);
}

#[test]
fn elf_relocation_misaligned_offset() {
    let mut e = Elf::load("globals");
    let (at, rel) = first_prog_relo(&e);
    let off = rd64(&e.bytes, at);
    wr64(&mut e.bytes, at, off + 4);
    let target = e.sections()[rel.info as usize].name.clone();
    expect_err(open_mem(&e.bytes), libc::EINVAL, &[&target, "not a multiple of the instruction size"]);
}

#[test]
fn elf_relocation_outside_its_section_is_skipped() {
    // libbpf skips relocations for instructions in no program (pr_debug); so does rbpf.
    let mut e = Elf::load("globals");
    let (at, _) = first_prog_relo(&e);
    wr64(&mut e.bytes, at, 0x7fff_fff8);
    let obj = open_mem(&e.bytes).expect("an out-of-range relocation is skipped, as libbpf");
    let orig = open_mem(&object_bytes("globals")).unwrap();
    let relos = |o: &Object| o.spec().progs.iter().map(|p| p.relos.len()).sum::<usize>();
    assert_eq!(relos(&obj) + 1, relos(&orig));
}

#[test]
fn elf_relocation_against_non_load_instruction() {
    // Point the relocation at the program's first instruction (not an ldimm64/call).
    let mut e = Elf::load("globals");
    let (at, rel) = first_prog_relo(&e);
    let target = e.sections()[rel.info as usize].clone();
    let prog = e.func_symbols().into_iter().find(|s| s.shndx as u32 == rel.info).unwrap();
    let mut found = None;
    for i in 0..(prog.size / 8) {
        let code = e.bytes[target.offset as usize + (prog.value + i * 8) as usize];
        if code != 0x18 && code != 0x85 && (i == 0 || e.bytes[target.offset as usize + (prog.value + (i - 1) * 8) as usize] != 0x18) {
            found = Some(prog.value + i * 8);
            break;
        }
    }
    wr64(&mut e.bytes, at, found.expect("a plain instruction"));
    expect_err(open_mem(&e.bytes), libc::EINVAL, &["invalid relo against", &prog.name]);
}

#[test]
fn elf_relocation_section_bad_entsize_and_target() {
    let mut e = Elf::load("globals");
    let (_, rel) = first_prog_relo(&e);
    wr64(&mut e.bytes, rel.at + 56, 24);
    expect_err(open_mem(&e.bytes), libc::EINVAL, &["bad relocation section", &rel.name]);
    let mut e = Elf::load("globals");
    wr32(&mut e.bytes, rel.at + 44, 0xffff);
    expect_err(open_mem(&e.bytes), libc::EINVAL, &["bad relocation section", &rel.name]);
}

#[test]
fn elf_relocation_section_odd_size() {
    let mut e = Elf::load("globals");
    let (_, rel) = first_prog_relo(&e);
    wr64(&mut e.bytes, rel.at + 32, rel.size - 5);
    expect_err(open_mem(&e.bytes), libc::EINVAL, &[&rel.name, "bad size"]);
}

// ---------------------------------------------------------------------------------------
// ELF: special sections

#[test]
fn elf_legacy_maps_section() {
    expect_err(open_mem(&object_bytes("legacy_maps")), libc::EINVAL, &["legacy map definitions", "'maps'"]);
}

#[test]
fn elf_bad_version_section() {
    let src = "unsigned int ver SEC(\"version\") = 1; unsigned char pad SEC(\"version\") = 2;\n\
               SEC(\"socket\") int prog(void *ctx) { return 0; }";
    let Some(b) = clang_or_skip(compile_bpf("badver", src)) else { return };
    expect_err(open_mem(&b), libc::EINVAL, &["kver", "expected 4"]);
}

#[test]
fn elf_btf_not_progbits() {
    let mut e = Elf::load("globals");
    let s = e.section(".BTF");
    wr32(&mut e.bytes, s.at + 4, 7); // SHT_NOTE
    expect_err(open_mem(&e.bytes), libc::EINVAL, &[".BTF", "not PROGBITS"]);
}

#[test]
fn elf_maps_without_btf() {
    let mut e = Elf::load("maps");
    e.rename_section(".BTF", ".XYZ");
    expect_err(open_mem(&e.bytes), libc::EINVAL, &[".maps", "requires BTF"]);
}

#[test]
fn elf_corrupt_btf_is_ignored_like_libbpf() {
    // libbpf warns "Error loading ELF section .BTF ... Ignored and continue." for an
    // object without BTF-defined maps; so does rbpf.
    let mut e = Elf::load("subprogs");
    let s = e.section(".BTF");
    e.bytes[s.offset as usize] ^= 0xff; // bad magic
    let obj = open_mem(&e.bytes).expect("a corrupt .BTF is ignored when nothing needs it");
    assert!(obj.btf().is_none());
}

// ---------------------------------------------------------------------------------------
// BTF on its own

fn btf(b: &BtfBuilder) -> rbpf_core::Result<Btf> {
    Btf::from_bytes(b.to_bytes())
}

#[test]
fn btf_bad_header() {
    let good = {
        let mut b = BtfBuilder::new();
        b.add_int("int", 4, 1);
        b.to_bytes()
    };
    expect_err(Btf::from_bytes(good[..10].to_vec()), libc::EINVAL, &["too short"]);
    let mut x = good.clone();
    x[0] = 0;
    expect_err(Btf::from_bytes(x), libc::EINVAL, &["magic"]);
    let mut x = good.clone();
    x.swap(0, 1);
    expect_err(Btf::from_bytes(x), libc::EINVAL, &["big-endian"]);
    let mut x = good.clone();
    x[2] = 9;
    expect_err(Btf::from_bytes(x), libc::EINVAL, &["version 9"]);
    let mut x = good.clone();
    wr32(&mut x, 4, 0xffff);
    expect_err(Btf::from_bytes(x), libc::EINVAL, &["header length"]);
}

#[test]
fn btf_sections_out_of_range() {
    let mut b = BtfBuilder::new();
    b.add_int("int", 4, 1);
    let good = b.to_bytes();
    let mut x = good.clone();
    wr32(&mut x, 12, 0xffff_0000); // type_len
    expect_err(Btf::from_bytes(x), libc::EINVAL, &["type section", "past the end"]);
    let mut x = good.clone();
    wr32(&mut x, 20, 0xffff_0000); // str_len
    expect_err(Btf::from_bytes(x), libc::EINVAL, &["string section", "past the end"]);
    let mut x = good;
    wr32(&mut x, 16, 0); // str_off = type_off: overlap
    expect_err(Btf::from_bytes(x), libc::EINVAL, &["overlap"]);
}

#[test]
fn btf_bad_string_offset() {
    let mut b = BtfBuilder::new();
    let int = b.add_int("int", 4, 1);
    b.add_struct("s", 4, &[("a", int, 0, 0)]);
    let mut x = b.to_bytes();
    // The struct's name_off is the first word of the second type record (ints have 16 bytes).
    wr32(&mut x, 24 + 16, 0x00ff_ffff);
    expect_err(Btf::from_bytes(x), libc::EINVAL, &["type [2]", "bad string offset 16777215"]);
}

#[test]
fn btf_strings_not_terminated() {
    let mut b = BtfBuilder::new();
    b.add_int("int", 4, 1);
    let mut x = b.to_bytes();
    let n = x.len();
    x[n - 1] = b'x';
    expect_err(Btf::from_bytes(x), libc::EINVAL, &["not NUL-terminated"]);
}

#[test]
fn btf_bad_type_id() {
    let mut b = BtfBuilder::new();
    b.add_ptr(77);
    expect_err(btf(&b), libc::EINVAL, &["type [1]", "77 out of range"]);
    let mut b = BtfBuilder::new();
    let int = b.add_int("int", 4, 1);
    b.add_struct("s", 8, &[("a", int, 0, 0), ("b", 1000, 32, 0)]);
    expect_err(btf(&b), libc::EINVAL, &["type [2]", "1000 out of range"]);
    // A valid BTF asked for a type past its end.
    let mut b = BtfBuilder::new();
    b.add_int("int", 4, 1);
    let t = btf(&b).unwrap();
    expect_err(t.type_by_id(5), libc::EINVAL, &["type id 5 out of range"]);
}

#[test]
fn btf_huge_vlen() {
    let mut b = BtfBuilder::new();
    let int = b.add_int("int", 4, 1);
    b.add_raw("big", Kind::Struct, false, 0xffff, 4);
    b.raw_u32(0);
    b.raw_u32(int);
    b.raw_u32(0);
    let x = b.to_bytes();
    let r = within(10, "huge vlen", move || Btf::from_bytes(x).map(|_| ()));
    expect_err(r, libc::EINVAL, &["type [2]", "past the end"]);
}

#[test]
fn btf_unknown_kind() {
    let mut b = BtfBuilder::new();
    b.add_int("int", 4, 1);
    let mut x = b.to_bytes();
    wr32(&mut x, 24 + 4, 31 << 24); // kind 31
    expect_err(Btf::from_bytes(x), libc::EINVAL, &["unknown kind 31"]);
}

#[test]
fn btf_typedef_cycle() {
    // typedef A -> typedef B -> typedef A: sizes, decode and CO-RE must not loop.
    let mut b = BtfBuilder::new();
    b.add_typedef("A", 2);
    b.add_typedef("B", 1);
    // Parsing is lazy about cycles (as libbpf's btf__parse): they are caught when followed.
    let t = btf(&b).expect("a BTF with a cycle parses");
    let r = within(10, "typedef cycle", move || {
        let size = t.resolve_size(1).map(|_| ());
        let skip = t.skip_mods_and_typedefs(1).map(|_| ());
        let dec = value::decode(&t, 1, &[0; 8]).map(|_| ());
        (size, skip, dec)
    });
    // (The message names the type where the chain was cut, [1] or [2].)
    expect_err(r.0, libc::EINVAL, &["type [", "cycle"]);
    expect_err(r.1, libc::EINVAL, &["type [", "cycle"]);
    expect_err(r.2, libc::EINVAL, &["cycle"]);
}

#[test]
fn btf_modifier_and_pointer_loops() {
    // const -> volatile -> const; a pointer to itself (legal: it has a size).
    let mut b = BtfBuilder::new();
    b.add_const(2);
    b.add_volatile(1);
    b.add_ptr(3);
    // Parsing is lazy about cycles (as libbpf's btf__parse): they are caught when followed.
    let t = btf(&b).expect("a BTF with a cycle parses");
    let r = within(10, "modifier loop", move || {
        let a = t.resolve_size(1).map(|_| ());
        let p = t.resolve_size(3);
        let d = value::decode(&t, 3, &[0; 8]).map(|_| ());
        let desc = value::describe(&t, 3);
        (a, p, d, desc)
    });
    expect_err(r.0, libc::EINVAL, &["type [1]", "cycle"]);
    assert_eq!(r.1.unwrap(), 8);
    assert!(r.2.is_ok());
    assert!(!r.3.is_empty());
}

#[test]
fn btf_struct_containing_itself() {
    // struct S { struct S s; } (impossible in C, expressible in BTF) and an array of
    // itself: resolve_size/decode/int_widths must stop with an error, not recurse forever.
    let mut b = BtfBuilder::new();
    b.add_struct("S", 8, &[("s", 2, 0, 0)]);
    b.add_typedef("T", 1);
    b.add_array(3, 3, 1); // [3] = an array of one [3]
    // Parsing is lazy about cycles (as libbpf's btf__parse): they are caught when followed.
    let t = btf(&b).expect("a BTF with a cycle parses");
    let r = within(10, "self-containing struct", move || {
        (value::decode(&t, 1, &[0; 8]).map(|_| ()), value::int_widths(&t, 1).map(|_| ()), t.resolve_size(3).map(|_| ()))
    });
    expect_err(r.0, libc::EINVAL, &["nested too deeply"]);
    expect_err(r.1, libc::EINVAL, &["nested too deeply"]);
    expect_err(r.2, libc::EINVAL, &["type [3]", "cycle"]);
}

#[test]
fn btf_decode_zero_sized_elements_huge_count() {
    // struct E {} e[0xffffffff]: the array has size 0, so any buffer fits; decoding must
    // neither allocate 4G values nor run 4G iterations.
    let mut b = BtfBuilder::new();
    let int = b.add_int("int", 4, 1);
    let empty = b.add_struct("E", 0, &[]);
    let arr = b.add_array(empty, int, u32::MAX);
    let outer = b.add_array(arr, int, u32::MAX);
    let t = btf(&b).unwrap();
    isolated("btf_decode_zero_sized_elements_huge_count", move || decode_huge_zero_sized(t, arr, outer));
}

fn decode_huge_zero_sized(t: Btf, arr: u32, outer: u32) {
    let r = within(20, "decode of a 4G-element zero-sized array", move || {
        (value::decode(&t, arr, &[]).map(|v| format!("{v:?}").len()), value::int_widths(&t, outer).map(|_| ()), value::decode(&t, outer, &[]).map(|_| ()))
    });
    expect_err(r.0, libc::E2BIG, &["array of 4294967295 elements", "too large"]);
    expect_err(r.1, libc::E2BIG, &["array"]);
    expect_err(r.2, libc::E2BIG, &["array"]);
}

#[test]
fn btf_array_size_overflow() {
    let mut b = BtfBuilder::new();
    let int = b.add_int("long", 8, 1);
    let arr = b.add_array(int, int, u32::MAX);
    let arr2 = b.add_array(arr, int, u32::MAX);
    let t = btf(&b).unwrap();
    expect_err(t.resolve_size(arr2), libc::E2BIG, &["overflow"]);
    expect_err(value::decode(&t, arr2, &[]), libc::E2BIG, &["overflow"]);
}

#[test]
fn btf_decode_short_buffer() {
    let mut b = BtfBuilder::new();
    let int = b.add_int("int", 4, 1);
    let s = b.add_struct("s", 8, &[("a", int, 0, 0), ("b", int, 32, 0)]);
    let t = btf(&b).unwrap();
    expect_err(value::decode(&t, s, &[0; 3]), libc::EINVAL, &["struct s", "3 bytes given", "needs 8"]);
    let mut out = [0u8; 5];
    let v = value::decode(&t, s, &[0; 8]).unwrap();
    expect_err(value::encode(&t, s, &v, &mut out), libc::EINVAL, &["struct s"]);
}

// ---------------------------------------------------------------------------------------
// BTF.ext

fn ext_base() -> (Btf, Vec<u8>) {
    let e = Elf::load("minimal_core");
    let btf = e.section(".BTF");
    let ext = e.section(".BTF.ext");
    let b = Btf::from_bytes(e.bytes[btf.offset as usize..(btf.offset + btf.size) as usize].to_vec()).unwrap();
    (b, e.bytes[ext.offset as usize..(ext.offset + ext.size) as usize].to_vec())
}

#[test]
fn btf_ext_bad_header() {
    let (b, ext) = ext_base();
    BtfExt::parse(&ext, &b).expect("the real .BTF.ext parses");
    expect_err(BtfExt::parse(&ext[..5], &b), libc::EINVAL, &["btf.ext", "too short"]);
    let mut x = ext.clone();
    x[0] = 1;
    expect_err(BtfExt::parse(&x, &b), libc::EINVAL, &["btf.ext", "magic"]);
    let mut x = ext.clone();
    wr32(&mut x, 4, 0x1000_0000);
    expect_err(BtfExt::parse(&x, &b), libc::EINVAL, &["btf.ext", "header length"]);
}

#[test]
fn btf_ext_subsection_out_of_range() {
    let (b, ext) = ext_base();
    for (field, name) in [(8, "func_info"), (16, "line_info"), (24, "core_relo")] {
        let mut x = ext.clone();
        wr32(&mut x, field + 4, 0x7fff_0000); // length
        let e = expect_err(BtfExt::parse(&x, &b), libc::EINVAL, &["btf.ext"]);
        assert!(e.message().contains("out of bounds") || e.message().contains(name), "{name}: {}", e.message());
    }
}

#[test]
fn btf_ext_records_out_of_range() {
    let (b, ext) = ext_base();
    let hdr = rd32(&ext, 4) as usize;
    // func_info: rec_size, then {sec_name_off, num_info}: claim a huge record count.
    let fi = hdr + rd32(&ext, 8) as usize;
    let mut x = ext.clone();
    wr32(&mut x, fi + 8, 0x0fff_ffff);
    let r = within(10, "huge BTF.ext record count", move || BtfExt::parse(&x, &b).map(|_| ()));
    expect_err(r, libc::EINVAL, &["func_info"]);
}

#[test]
fn btf_ext_record_size_too_small() {
    let (b, ext) = ext_base();
    let hdr = rd32(&ext, 4) as usize;
    let li = hdr + rd32(&ext, 16) as usize;
    let mut x = ext.clone();
    wr32(&mut x, li, 4); // line_info record size 4 < 16
    expect_err(BtfExt::parse(&x, &b), libc::EINVAL, &["line_info"]);
}

#[test]
fn btf_ext_bad_section_name() {
    let (b, ext) = ext_base();
    let hdr = rd32(&ext, 4) as usize;
    let cr = hdr + rd32(&ext, 24) as usize;
    let mut x = ext.clone();
    wr32(&mut x, cr + 4, 0x00ff_fff0); // sec_name_off
    expect_err(BtfExt::parse(&x, &b), libc::EINVAL, &["core_relo"]);
}

#[test]
fn core_relo_bad_type_and_access_string() {
    let (local, ext) = ext_base();
    let ext = BtfExt::parse(&ext, &local).unwrap();
    let rec = ext.core_relo[0].records[0];
    let target = Arc::new(local.clone());
    let mut eng = CoreRelocator::new(&local, vec![target]);
    let bad_type = CoreRelo { type_id: 0x00ff_ffff, ..rec };
    expect_err(eng.compute("p", 0, &bad_type), libc::EINVAL, &["prog 'p'", "relo #0", "out of range"]);
    let bad_str = CoreRelo { access_str_off: 0x00ff_ffff, ..rec };
    expect_err(eng.compute("p", 1, &bad_str), libc::EINVAL, &["prog 'p'", "relo #1"]);
    let bad_kind = CoreRelo { kind: 99, ..rec };
    expect_err(eng.compute("p", 2, &bad_kind), libc::EOPNOTSUPP, &["prog 'p'", "unrecognized CO-RE relocation"]);
}

// ---------------------------------------------------------------------------------------
// Map definitions

#[test]
fn map_unknown_attribute_is_an_error_unless_relaxed() {
    let def = "__uint(type, 2); __uint(max_entries, 4); __type(key, __u32); __type(value, __u64); __uint(frobnicate, 1);";
    let Some(b) = clang_or_skip(map_snippet("unknown_attr", def)) else { return };
    // libbpf: -ENOTSUP "map 'm': unknown field 'frobnicate'."
    expect_err(open_mem(&b), libc::EOPNOTSUPP, &["map 'm'", "unknown field 'frobnicate'"]);
    let mut opts = ObjectOpenOpts::default();
    opts.relaxed_maps = true;
    let obj = Object::open_mem(&b, &opts).expect("relaxed_maps ignores unknown attributes");
    assert_eq!(obj.map("m").unwrap().max_entries(), 4);
}

#[test]
fn map_without_type() {
    let Some(b) = clang_or_skip(map_snippet("no_type", "__uint(max_entries, 4); __type(key, __u32); __type(value, __u64);")) else { return };
    expect_err(open_mem(&b), libc::EINVAL, &["map 'm'", "map type isn't specified"]);
}

#[test]
fn map_conflicting_key_size() {
    let Some(b) = clang_or_skip(map_snippet("conflict", "__uint(type, 1); __uint(max_entries, 4); __type(key, __u32); __uint(key_size, 8); __type(value, __u64);")) else { return };
    expect_err(open_mem(&b), libc::EINVAL, &["map 'm'", "conflicting key size"]);
}

#[test]
fn map_bad_pinning_value() {
    let Some(b) = clang_or_skip(map_snippet("pinning", "__uint(type, 2); __uint(max_entries, 4); __type(key, __u32); __type(value, __u64); __uint(pinning, 7);")) else { return };
    expect_err(open_mem(&b), libc::EINVAL, &["map 'm'", "invalid pinning value 7"]);
}

#[test]
fn map_attribute_of_wrong_kind() {
    // `int type;` instead of `int (*type)[N]`.
    let src = "struct { int type; __uint(max_entries, 4); } m SEC(\".maps\");\n\
               SEC(\"socket\") int prog(void *ctx) { return 0; }";
    let Some(b) = clang_or_skip(compile_bpf("wrong_kind", src)) else { return };
    expect_err(open_mem(&b), libc::EINVAL, &["map 'm'", "attr 'type'", "expected PTR"]);
}

#[test]
fn map_zero_and_huge_sizes_fail_at_create() {
    let cases = [
        ("zero_max", "__uint(type, 1); __uint(max_entries, 0); __type(key, __u32); __type(value, __u64);", libc::EINVAL),
        ("zero_key", "__uint(type, 1); __uint(max_entries, 4); __uint(key_size, 0); __uint(value_size, 8);", libc::EINVAL),
        ("zero_value", "__uint(type, 2); __uint(max_entries, 4); __uint(key_size, 4); __uint(value_size, 0);", libc::EINVAL),
        // (A HASH: the kernel refuses a huge value up front. An ARRAY would try to
        // allocate max_entries * value_size bytes, and may succeed.)
        ("huge_value", "__uint(type, 1); __uint(max_entries, 4); __uint(key_size, 4); __uint(value_size, 0x7fffffff);", libc::E2BIG),
        ("huge_key", "__uint(type, 1); __uint(max_entries, 4); __uint(key_size, 0x7fffffff); __uint(value_size, 8);", libc::E2BIG),
    ];
    let mut objs = Vec::new();
    for (tag, def, errno) in cases {
        let Some(b) = clang_or_skip(map_snippet(tag, def)) else { return };
        // Sizes are the kernel's to judge (as libbpf): the object opens.
        let obj = open_mem(&b).unwrap_or_else(|e| panic!("{tag}: {e}"));
        objs.push((tag, obj, errno));
    }
    if !kernel_or_skip() {
        return;
    }
    for (tag, mut obj, errno) in objs {
        let e = obj.load().expect_err(tag);
        assert_eq!(e.errno(), errno, "{tag}: {}", e.message());
        assert!(e.message().contains("'m'"), "{tag}: message doesn't name the map: {}", e.message());
        assert!(obj.map("m").unwrap().fd().is_err(), "{tag}: map left created");
    }
}

// ---------------------------------------------------------------------------------------
// API misuse

#[test]
fn api_use_before_load() {
    let obj = open_mem(&object_bytes("maps")).unwrap();
    let m = obj.map("array_map").unwrap();
    expect_err(m.fd(), libc::EINVAL, &["array_map", "not created"]);
    expect_err(m.lookup(&0u32.to_ne_bytes(), 0), libc::ENOENT, &["array_map", "not created"]);
    expect_err(m.update(&0u32.to_ne_bytes(), &0u64.to_ne_bytes(), 0), libc::ENOENT, &["array_map"]);
    expect_err(m.delete(&0u32.to_ne_bytes(), 0), libc::ENOENT, &["array_map"]);
    expect_err(m.next_key(None), libc::ENOENT, &["array_map"]);
    let p = &obj.programs()[0];
    expect_err(p.fd(), libc::EINVAL, &[p.name()]);
    expect_err(p.attach(), libc::EINVAL, &[p.name(), "was it loaded"]);
}

#[test]
fn api_global_data_out_of_range() {
    let mut obj = open_mem(&object_bytes("globals")).unwrap();
    let idx = obj.maps().iter().position(|m| m.initial_value_size().is_some()).unwrap();
    let m = &obj.maps()[idx];
    let n = m.initial_value_size().unwrap();
    let name = m.name().to_string();
    expect_err(m.read_data(n, 1), libc::EINVAL, &[&name, "outside"]);
    expect_err(m.read_data(usize::MAX, 2), libc::EINVAL, &[&name, "outside"]);
    expect_err(m.write_data(n - 1, &[0, 0]), libc::EINVAL, &[&name, "outside"]);
    let m = &mut obj.maps_mut()[idx];
    expect_err(m.set_initial_value(&vec![0; n + 1]), libc::EINVAL, &[&name, "size"]);
    let arr = obj.maps().iter().find(|m| m.initial_value_size().is_none());
    if let Some(a) = arr {
        expect_err(a.read_data(0, 1), libc::EINVAL, &[a.name(), "not a global-data map"]);
    }
}

#[test]
fn api_wrong_key_and_value_sizes() {
    if !kernel_or_skip() {
        return;
    }
    let mut obj = open_mem(&object_bytes("maps")).unwrap();
    for p in obj.programs_mut() {
        p.set_autoload(false).unwrap();
    }
    obj.load().expect("load maps");
    let m = obj.map("array_map").unwrap();
    expect_err(m.lookup(&[0; 3], 0), libc::EINVAL, &["array_map", "unexpected key size 3", "expected 4"]);
    expect_err(m.update(&0u32.to_ne_bytes(), &[0; 4], 0), libc::EINVAL, &["array_map", "unexpected value size 4", "expected 8"]);
    expect_err(m.update(&[0; 8], &0u64.to_ne_bytes(), 0), libc::EINVAL, &["array_map", "unexpected key size 8"]);
    expect_err(m.delete(&[], 0), libc::EINVAL, &["array_map", "unexpected key size 0"]);
    expect_err(m.next_key(Some(&[0; 5])), libc::EINVAL, &["array_map", "unexpected key size 5"]);
    let pc = obj.map("percpu_array").unwrap();
    expect_err(pc.update(&0u32.to_ne_bytes(), &0u64.to_ne_bytes(), 0), libc::EINVAL, &["percpu_array", "per-CPU"]);
    // Kernel-side errors keep the map's name too.
    expect_err(m.update(&100u32.to_ne_bytes(), &0u64.to_ne_bytes(), 0), libc::E2BIG, &["array_map"]);
}

#[test]
fn api_load_twice_and_change_after_load() {
    if !kernel_or_skip() {
        return;
    }
    let mut obj = open_mem(&object_bytes("maps")).unwrap();
    for p in obj.programs_mut() {
        p.set_autoload(false).unwrap();
    }
    obj.load().unwrap();
    let name = obj.name().to_string();
    expect_err(obj.load(), libc::EINVAL, &[&name, "load can't be attempted twice"]);
    let m = obj.map_mut("array_map").unwrap();
    expect_err(m.set_max_entries(1), libc::EBUSY, &["array_map"]);
    expect_err(m.set_value_size(1), libc::EBUSY, &["array_map"]);
}

#[test]
fn api_failed_load_cannot_be_retried() {
    // A failed load leaves nothing created and refuses a second attempt, as libbpf.
    let mut obj = open_mem(&object_bytes("bad_section")).unwrap();
    let e = obj.load().expect_err("unknown section");
    assert_eq!(e.errno(), libc::EINVAL, "{}", e.message());
    assert!(e.message().contains("missing BPF prog type"), "{}", e.message());
    assert!(obj.maps().iter().all(|m| m.fd().is_err()));
    expect_err(obj.load(), libc::EINVAL, &["load can't be attempted twice"]);
}

#[test]
fn api_double_detach() {
    if !kernel_or_skip() {
        return;
    }
    let mut obj = open_mem(&object_bytes("syscount")).unwrap();
    for p in obj.programs_mut() {
        if p.name() != "count_syscalls" {
            p.set_autoload(false).unwrap();
        }
    }
    obj.load().unwrap();
    let mut link = match obj.program("count_syscalls").unwrap().attach() {
        Ok(l) => l,
        Err(e) => {
            skip("", &format!("tracepoint attach failed here: {e}"));
            return;
        }
    };
    link.detach().expect("first detach");
    assert!(link.is_detached());
    link.detach().expect("a second detach is a no-op (documented)");
    assert!(link.is_detached());
    drop(link); // and dropping a detached link is harmless
}

#[test]
fn api_attach_to_missing_targets() {
    if !kernel_or_skip() {
        return;
    }
    let mut obj = open_mem(&object_bytes("syscount")).unwrap();
    for p in obj.programs_mut() {
        if p.name() != "count_syscalls" {
            p.set_autoload(false).unwrap();
        }
    }
    obj.load().unwrap();
    let p = obj.program("count_syscalls").unwrap();
    let e = p.attach_tracepoint("no_such_category", "no_such_tp", &Default::default()).expect_err("missing tracepoint");
    assert_eq!(e.errno(), libc::ENOENT, "{}", e.message());
    assert!(e.message().contains("no_such_tp"), "{}", e.message());
    let e = p.attach_tracepoint("a\0b", "c", &Default::default()).expect_err("interior NUL");
    assert!(matches!(e.errno(), libc::EINVAL | libc::ENOENT), "{}", e.message());
}

// ---------------------------------------------------------------------------------------
// Bulk: every single-byte corruption of a small object's headers never panics.

#[test]
fn elf_every_header_byte_flipped() {
    let e = Elf::load("subprogs");
    let mut spots: Vec<usize> = (0..64).collect();
    for s in e.sections() {
        spots.extend(s.at..s.at + SHDR_SIZE);
    }
    let bytes = e.bytes.clone();
    let start = Instant::now();
    let n = within(120, "header flips", move || {
        let mut n = 0;
        for &at in &spots {
            for flip in [0x01u8, 0x80, 0xff] {
                let mut b = bytes.clone();
                b[at] ^= flip;
                if let Err(e) = open_mem(&b) {
                    assert!(e.errno() > 0 && !e.message().is_empty(), "byte {at} ^ {flip:#x}: empty error");
                }
                n += 1;
            }
        }
        n
    });
    assert!(n > 1000, "only {n} variants");
    eprintln!("{n} header corruptions in {:?}", start.elapsed());
}

#[test]
fn symbols_of_all_test_objects_are_sane() {
    // Guard for the helpers above: every object's symbols lie inside their sections.
    for obj in ["globals", "maps", "subprogs"] {
        let e = Elf::load(obj);
        let secs = e.sections();
        for s in e.func_symbols() {
            let sec = &secs[s.shndx as usize];
            assert!(s.value + s.size <= sec.size, "{obj}: {} outside {}", s.name, sec.name);
        }
    }
}

// ---------------------------------------------------------------------------------------
// The panic hook the bindings' boundary tests call (feature `test-panic` only).

#[cfg(feature = "test-panic")]
#[test]
fn test_panic_hook_panics_with_its_message() {
    let r = std::panic::catch_unwind(|| rbpf_core::testing::__test_panic("rust"));
    let payload = r.expect_err("__test_panic must panic");
    let msg = payload.downcast_ref::<String>().cloned().unwrap_or_default();
    assert_eq!(msg, "rbpf test panic: rust");
}

// ---------------------------------------------------------------------------------------
// Relocation (pure): calls that leave .text

/// Relocate every program of `obj` without a kernel (made-up map fds).
fn relocate_pure(obj: &Object) -> rbpf_core::Result<()> {
    use rbpf_core::reloc::{relocate, RelocEnv};
    let spec = obj.spec();
    let funcs: Vec<_> = spec.progs.iter().map(|p| p.insns.clone()).collect();
    let autoload = vec![true; spec.progs.len()];
    let fds: Vec<Option<i32>> = (0..spec.maps.len()).map(|i| Some(100 + i as i32)).collect();
    relocate(spec, &funcs, &RelocEnv { map_fds: &fds, autoload: &autoload, core_poison: &[] }).map(|_| ())
}

#[test]
fn reloc_call_out_of_text() {
    let orig = Elf::load("subprogs");
    relocate_pure(&open_mem(&orig.bytes).unwrap()).expect("the real object relocates");
    // Every bpf-to-bpf call (code 0x85, src_reg 1) of an entry program, retargeted far
    // past the end of .text (and before its start).
    let text = orig.section_index(".text");
    let mut calls = Vec::new();
    for s in orig.func_symbols().into_iter().filter(|s| s.shndx as usize != text) {
        let sec = &orig.sections()[s.shndx as usize];
        for i in 0..s.size / 8 {
            let at = (sec.offset + s.value + i * 8) as usize;
            if orig.bytes[at] == 0x85 && orig.bytes[at + 1] >> 4 == 1 {
                calls.push((s.name.clone(), at));
            }
        }
    }
    assert!(!calls.is_empty(), "subprogs.bpf.o has no bpf-to-bpf call");
    for (prog, at) in calls {
        for imm in [0x0fff_fff0i32, -0x0fff_fff0, -1000] {
            let mut b = orig.bytes.clone();
            b[at + 4..at + 8].copy_from_slice(&imm.to_le_bytes());
            let obj = open_mem(&b).unwrap();
            expect_err(relocate_pure(&obj), libc::EINVAL, &[&prog, "sub-program call"]);
        }
    }
}

// ---------------------------------------------------------------------------------------
// .rel.maps (map-in-map / prog-array initial slots)

/// File offsets of every type record of the raw `.BTF` at `btf_off` in `bytes`, by id
/// (index 0 = id 1), with its kind and vlen.
fn btf_records(bytes: &[u8], btf_off: usize) -> Vec<(usize, u32, usize)> {
    let hdr = rd32(bytes, btf_off + 4) as usize;
    let types = btf_off + hdr + rd32(bytes, btf_off + 8) as usize;
    let end = types + rd32(bytes, btf_off + 12) as usize;
    let mut out = Vec::new();
    let mut at = types;
    while at < end {
        let info = rd32(bytes, at + 4);
        let (kind, vlen) = ((info >> 24) & 0x1f, (info & 0xffff) as usize);
        out.push((at, kind, vlen));
        at += 12
            + match kind {
                1 | 14 | 17 => 4,
                3 => 12,
                4 | 5 | 15 | 19 => 12 * vlen,
                6 | 13 => 8 * vlen,
                _ => 0,
            };
    }
    out
}

/// map_types.bpf.o's first ".rel.maps" record (a slot of `outer`), the file offset of
/// `outer`'s `.maps` DATASEC entry {type, offset, size} and of its definition struct. (DATASEC offsets are 0 in
/// the file, set from the symbols at open; the sizes are the definitions' sizes.)
fn outer_slot_relo(e: &Elf) -> (usize, usize, usize) {
    let rel = e.section(".rel.maps");
    let outer = e.symbol("outer");
    let r_off = rd64(&e.bytes, rel.offset as usize);
    assert!(outer.value <= r_off && r_off < outer.value + 48, "the first .rel.maps record is a slot of 'outer'");
    let btf = e.section(".BTF");
    let hdr = rd32(&e.bytes, btf.offset as usize + 4) as usize;
    let strs = btf.offset as usize + hdr + rd32(&e.bytes, btf.offset as usize + 16) as usize;
    let recs = btf_records(&e.bytes, btf.offset as usize);
    let name = |at: usize| e.cstr(strs + rd32(&e.bytes, at) as usize);
    for &(at, kind, vlen) in &recs {
        if kind == 15 && name(at) == ".maps" {
            for i in 0..vlen {
                let vi = at + 12 + 12 * i;
                let var = rd32(&e.bytes, vi) as usize;
                if name(recs[var - 1].0) == "outer" {
                    // The VAR's type: the map definition struct.
                    let def = rd32(&e.bytes, recs[var - 1].0 + 8) as usize;
                    return (rel.offset as usize, vi, recs[def - 1].0);
                }
            }
        }
    }
    panic!("no .maps DATASEC entry for 'outer'");
}

#[test]
fn rel_maps_offset_overflow() {
    let mut e = Elf::load("map_types");
    open_mem(&e.bytes).expect("map_types opens");
    let (rel, _, _) = outer_slot_relo(&e);
    wr64(&mut e.bytes, rel, u64::MAX - 3);
    let b = e.bytes;
    let r = within(10, "r_offset near u64::MAX", move || open_mem(&b).map(|_| ()));
    expect_err(r, libc::EINVAL, &[".maps relo #0", "r_offset"]);
}

#[test]
fn maps_definition_past_its_section() {
    // A map definition (DATASEC entry + struct) claiming ~4 GiB inside a small .maps
    // section: refused before anything is sized from it (this also bounds the
    // map-in-map slot table by the section, i.e. by the file).
    let mut e = Elf::load("map_types");
    let (_, vi, def) = outer_slot_relo(&e);
    wr32(&mut e.bytes, vi + 8, 0xffff_fff0);
    wr32(&mut e.bytes, def + 8, 0xffff_fff0);
    expect_err(open_mem(&e.bytes), libc::EINVAL, &["map 'outer'", "corrupted"]);
}

// ---------------------------------------------------------------------------------------
// USDT notes of a hostile executable (pure parsers)

/// A small executable with two USDT probes (one with a semaphore), built by clang-19.
fn usdt_exe() -> Option<Vec<u8>> {
    const SRC: &str = r#"
#define _SDT_HAS_SEMAPHORES 1
#include <sys/sdt.h>
unsigned short hostile_guarded_semaphore __attribute__((section(".probes"))) = 0;
unsigned short hostile_plain_semaphore __attribute__((section(".probes"))) = 0;
int main(int argc, char **argv) {
	long x = argc;
	DTRACE_PROBE2(hostile, plain, x, (int)(x * 2));
	if (hostile_guarded_semaphore)
		DTRACE_PROBE1(hostile, guarded, argv[0]);
	return 0;
}
"#;
    let dir = std::env::temp_dir().join(format!("rbpf-hostile-usdt-{}", std::process::id()));
    std::fs::create_dir_all(&dir).ok()?;
    let (c, exe) = (dir.join("usdt.c"), dir.join("usdt"));
    std::fs::write(&c, SRC).ok()?;
    let out = std::process::Command::new("clang-19")
        .args(["-O2", "-I/usr/include/x86_64-linux-gnu", "-o"])
        .arg(&exe)
        .arg(&c)
        .output()
        .ok();
    let bytes = out.filter(|o| o.status.success()).and_then(|_| std::fs::read(&exe).ok());
    let _ = std::fs::remove_dir_all(&dir);
    if bytes.is_none() {
        skip("", "clang-19 or <sys/sdt.h> missing: can't build the USDT executable");
    }
    bytes
}

#[test]
fn usdt_segment_offsets_overflowing() {
    use rbpf_core::attach::uprobe::ElfImage;
    use rbpf_core::attach::usdt::note::find_sites;
    let Some(exe) = usdt_exe() else { return };
    let img = ElfImage::parse("usdt", exe.clone()).unwrap();
    find_sites(&img, "hostile", "plain").expect("the real executable resolves");
    // Every PT_LOAD segment's file offset pushed to the top of the u64 range: the file
    // offsets of probes and semaphores overflow, which must be an error naming the probe.
    let (phoff, phnum) = (rd64(&exe, 0x20) as usize, rd16(&exe, 0x38) as usize);
    let mut b = exe.clone();
    for i in 0..phnum {
        let at = phoff + i * 56;
        if rd32(&b, at) == 1 {
            wr64(&mut b, at + 8, u64::MAX - 0x10);
        }
    }
    let img = ElfImage::parse("usdt", b).expect("program headers aren't checked at parse");
    for probe in ["plain", "guarded"] {
        expect_err(find_sites(&img, "hostile", probe), libc::EINVAL, &["hostile", probe]);
    }
}

#[test]
fn usdt_malformed_notes() {
    use rbpf_core::attach::usdt::note::parse_notes;
    // namesz/descsz running past the section, a short description, missing strings.
    let mut n = Vec::new();
    n.extend_from_slice(&8u32.to_ne_bytes());
    n.extend_from_slice(&0xffff_fff0u32.to_ne_bytes());
    n.extend_from_slice(&3u32.to_ne_bytes());
    n.extend_from_slice(b"stapsdt\0");
    expect_err(parse_notes(&n, "x"), libc::EINVAL, &["'x'", "past the section end"]);
    let mut n = Vec::new();
    n.extend_from_slice(&8u32.to_ne_bytes());
    n.extend_from_slice(&16u32.to_ne_bytes());
    n.extend_from_slice(&3u32.to_ne_bytes());
    n.extend_from_slice(b"stapsdt\0");
    n.extend_from_slice(&[0; 16]);
    expect_err(parse_notes(&n, "x"), libc::EINVAL, &["'x'", "shorter than three addresses"]);
    let mut n = Vec::new();
    n.extend_from_slice(&8u32.to_ne_bytes());
    n.extend_from_slice(&28u32.to_ne_bytes());
    n.extend_from_slice(&3u32.to_ne_bytes());
    n.extend_from_slice(b"stapsdt\0");
    n.extend_from_slice(&[0; 24]);
    n.extend_from_slice(b"prov");
    expect_err(parse_notes(&n, "x"), libc::EINVAL, &["'x'", "missing provider"]);
}

#[test]
fn usdt_bad_argument_specs() {
    use rbpf_core::attach::usdt::arg::parse_args;
    expect_err(parse_args("3@%rdi"), libc::EINVAL, &["unsupported arg #0 size 3"]);
    expect_err(parse_args("8@%xyz"), libc::EINVAL, &["xyz"]);
    expect_err(parse_args("8@-8(%rbp,%rax,3)"), libc::EINVAL, &["invalid scale 3"]);
    expect_err(parse_args("8@$99999999999999999999999"), libc::EINVAL, &["arg #0"]);
    expect_err(parse_args("8@(%rsp"), libc::EINVAL, &["arg #0"]);
    let many = vec!["8@%rdi"; 13].join(" ");
    expect_err(parse_args(&many), libc::E2BIG, &["too many", "13 > 12"]);
}

// ---------------------------------------------------------------------------------------
// Attach targets that don't exist (kernel)

#[test]
fn attach_to_missing_interface_and_binary() {
    let src = "SEC(\"xdp\") int pass(void *ctx) { return 2; }\n\
               SEC(\"uprobe\") int up(void *ctx) { return 0; }";
    let Some(b) = clang_or_skip(compile_bpf("attach_missing", src)) else { return };
    if !kernel_or_skip() {
        return;
    }
    let mut obj = open_mem(&b).unwrap();
    obj.load().expect("load xdp + uprobe programs");
    let xdp = obj.program("pass").unwrap();
    let fd = xdp.fd().unwrap();
    // An ifindex no interface has: nothing is attached anywhere. (The kernel answers
    // EINVAL for an unknown ifindex on BPF_LINK_CREATE, as libbpf reports it.)
    expect_err(rbpf_core::attach::xdp::attach_xdp(fd, 0x7fff_fff0, 0), libc::EINVAL, &["ifindex 2147483632"]);
    expect_err(rbpf_core::attach::xdp::attach_xdp(fd, -3, 0), libc::EINVAL, &["ifindex -3", "invalid ifindex"]);
    expect_err(rbpf_core::attach::xdp::attach_xdp(fd, 1, 0xff), libc::EINVAL, &["invalid XDP link flags"]);
    let up = obj.program("up").unwrap();
    let missing = format!("/nonexistent-{}/bin", std::process::id());
    let e = up.attach_uprobe(-1, &missing, 0, &Default::default()).expect_err("missing binary");
    assert_eq!(e.errno(), libc::ENOENT, "{}", e.message());
    assert!(e.message().contains(&missing) && e.message().contains("up"), "{}", e.message());
}
