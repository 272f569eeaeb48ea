//! Pure ELF reading for probes (no kernel calls): function symbols by name or glob, with
//! symbol versions, their file offsets, PT_LOAD segments and named sections (USDT notes).

use crate::{Error, Result};
use object::elf;
use object::read::elf::{FileHeader, ProgramHeader, SectionHeader, Sym};
use object::Endianness;
use std::path::Path;

/// A PT_LOAD segment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Segment {
    pub vaddr: u64,
    pub memsz: u64,
    pub offset: u64,
    pub executable: bool,
}

/// A section's address, file offset and (for data sections) its bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Section {
    pub name: String,
    pub sh_type: u32,
    pub addr: u64,
    pub offset: u64,
    pub size: u64,
}

/// A function symbol.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FuncSym {
    /// Plain name ("malloc").
    pub name: String,
    /// Version ("GLIBC_2.2.5") for versioned dynamic symbols.
    pub version: Option<String>,
    /// The version is hidden (`name@VER`, not the default `name@@VER`).
    pub hidden: bool,
    pub bind: u8,
    pub vaddr: u64,
    /// File offset: vaddr - section address + section file offset.
    pub offset: u64,
    /// From .dynsym (true) or .symtab.
    pub dynamic: bool,
}

/// A parsed 64-bit ELF file (executable or shared object), owning its bytes.
#[derive(Debug)]
pub struct ElfImage {
    pub path: String,
    pub e_type: u16,
    pub segments: Vec<Segment>,
    pub sections: Vec<Section>,
    pub funcs: Vec<FuncSym>,
    /// Every other defined symbol (objects such as USDT semaphores): (name, vaddr).
    pub objects: Vec<(String, u64)>,
    data: Vec<u8>,
}

fn bad(path: &str, what: impl std::fmt::Display) -> Error {
    Error::new(libc::EINVAL, format!("elf: failed to parse '{path}': {what}"))
}

impl ElfImage {
    pub fn open(path: impl AsRef<Path>) -> Result<ElfImage> {
        let p = path.as_ref();
        let data = std::fs::read(p).map_err(|e| {
            let errno = e.raw_os_error().unwrap_or(libc::EIO);
            Error::new(errno, format!("elf: failed to open '{}': {}", p.display(), crate::error::errno_name(errno)))
        })?;
        ElfImage::parse(&p.display().to_string(), data)
    }

    pub fn parse(path: &str, data: Vec<u8>) -> Result<ElfImage> {
        match object::FileKind::parse(&*data) {
            Ok(object::FileKind::Elf64) => {}
            Ok(object::FileKind::Elf32) => return Err(Error::new(libc::EINVAL, format!("elf: '{path}' is a 32-bit ELF; only 64-bit ELF files are supported"))),
            _ => return Err(Error::new(libc::EINVAL, format!("elf: '{path}' is not an ELF file"))),
        }
        let hdr = elf::FileHeader64::<Endianness>::parse(&*data).map_err(|e| bad(path, e))?;
        let endian = hdr.endian().map_err(|e| bad(path, e))?;
        if endian != Endianness::default() {
            return Err(Error::new(libc::EINVAL, format!("elf: '{path}' has the wrong byte order for this machine")));
        }
        let e_type = hdr.e_type(endian);
        if e_type != elf::ET_EXEC && e_type != elf::ET_DYN {
            return Err(Error::new(libc::EINVAL, format!("elf: '{path}' is neither an executable nor a shared object (e_type {e_type})")));
        }
        let mut segments = Vec::new();
        for ph in hdr.program_headers(endian, &*data).map_err(|e| bad(path, e))? {
            if ph.p_type(endian) == elf::PT_LOAD {
                segments.push(Segment {
                    vaddr: ph.p_vaddr(endian),
                    memsz: ph.p_memsz(endian),
                    offset: ph.p_offset(endian),
                    executable: ph.p_flags(endian) & elf::PF_X != 0,
                });
            }
        }
        let table = hdr.sections(endian, &*data).map_err(|e| bad(path, e))?;
        let mut sections = Vec::new();
        for sh in table.iter() {
            let name = table.section_name(endian, sh).map(|n| String::from_utf8_lossy(n).into_owned()).unwrap_or_default();
            sections.push(Section { name, sh_type: sh.sh_type(endian), addr: sh.sh_addr(endian), offset: sh.sh_offset(endian), size: sh.sh_size(endian) });
        }
        let versions = table.versions(endian, &*data).ok().flatten();
        let mut funcs = Vec::new();
        let mut objects = Vec::new();
        for (sh_type, dynamic) in [(elf::SHT_DYNSYM, true), (elf::SHT_SYMTAB, false)] {
            let syms = table.symbols(endian, &*data, sh_type).map_err(|e| bad(path, e))?;
            for (idx, sym) in syms.enumerate() {
                let st = sym.st_type();
                let shndx = sym.st_shndx(endian);
                if st == elf::STT_OBJECT && shndx != elf::SHN_UNDEF && shndx < elf::SHN_LORESERVE {
                    if let Ok(n) = syms.symbol_name(endian, sym) {
                        objects.push((String::from_utf8_lossy(n).into_owned(), sym.st_value(endian)));
                    }
                }
                if st != elf::STT_FUNC && st != elf::STT_GNU_IFUNC {
                    continue;
                }
                if shndx == elf::SHN_UNDEF || shndx >= elf::SHN_LORESERVE || sym.st_value(endian) == 0 {
                    continue;
                }
                let Ok(raw) = syms.symbol_name(endian, sym) else { continue };
                let raw = String::from_utf8_lossy(raw).into_owned();
                let Some(sec) = sections.get(shndx as usize) else { continue };
                let vaddr = sym.st_value(endian);
                let offset = vaddr.wrapping_sub(sec.addr).wrapping_add(sec.offset);
                // Static binaries may carry "name@@VER" in .symtab; dynamic ones keep the
                // version in .gnu.version.
                let (name, mut version, mut hidden) = match raw.split_once('@') {
                    Some((n, v)) => (n.to_string(), Some(v.trim_start_matches('@').to_string()), !v.starts_with('@')),
                    None => (raw.clone(), None, false),
                };
                if dynamic && version.is_none() {
                    if let Some(vt) = &versions {
                        let vi = vt.version_index(endian, idx);
                        if let Ok(Some(v)) = vt.version(vi) {
                            version = Some(String::from_utf8_lossy(v.name()).into_owned());
                            hidden = vi.is_hidden();
                        }
                    }
                }
                funcs.push(FuncSym { name, version, hidden, bind: sym.st_bind(), vaddr, offset, dynamic });
            }
        }
        Ok(ElfImage { path: path.to_string(), e_type, segments, sections, funcs, objects, data })
    }

    pub fn is_shared(&self) -> bool {
        self.e_type == elf::ET_DYN
    }

    pub fn section(&self, name: &str) -> Option<&Section> {
        self.sections.iter().find(|s| s.name == name)
    }

    /// The bytes of a section (empty for NOBITS).
    pub fn section_data(&self, s: &Section) -> &[u8] {
        if s.sh_type == elf::SHT_NOBITS {
            return &[];
        }
        let (a, n) = (s.offset as usize, s.size as usize);
        self.data.get(a..a.saturating_add(n)).unwrap_or(&[])
    }

    /// The address of a defined data symbol (e.g. a USDT semaphore).
    pub fn object_vaddr(&self, name: &str) -> Option<u64> {
        self.objects.iter().find(|(n, _)| n == name).map(|(_, v)| *v)
    }

    /// The PT_LOAD segment holding virtual address `vaddr`.
    pub fn segment_of(&self, vaddr: u64) -> Option<&Segment> {
        self.segments.iter().find(|s| vaddr >= s.vaddr && vaddr < s.vaddr.saturating_add(s.memsz))
    }

    /// File offset of a virtual address: vaddr - segment vaddr + segment offset.
    pub fn vaddr_to_offset(&self, vaddr: u64) -> Option<u64> {
        self.segment_of(vaddr).and_then(|s| (vaddr - s.vaddr).checked_add(s.offset))
    }

    /// The file offset of function `name` ("f", "f@VER" or "f@@VER"), as libbpf's
    /// `elf_find_func_offset`: .dynsym first, then .symtab; a global or local symbol wins
    /// over a weak one; two strong symbols at different addresses are ambiguous (ESRCH).
    pub fn find_func_offset(&self, name: &str) -> Result<u64> {
        let (base, want_ver, default_only) = match name.split_once('@') {
            Some((b, v)) => match v.strip_prefix('@') {
                Some(v) => (b, Some(v), true),
                None => (b, Some(v), false),
            },
            None => (name, None, false),
        };
        for dynamic in [true, false] {
            let mut found: Option<&FuncSym> = None;
            for f in self.funcs.iter().filter(|f| f.dynamic == dynamic && f.name == base) {
                if let Some(v) = want_ver {
                    if f.version.as_deref() != Some(v) || (default_only && f.hidden) {
                        continue;
                    }
                }
                match found {
                    None => found = Some(f),
                    Some(prev) if prev.offset == f.offset => {}
                    Some(prev) => {
                        let (pw, cw) = (prev.bind == elf::STB_WEAK, f.bind == elf::STB_WEAK);
                        if pw && !cw {
                            found = Some(f);
                        } else if !pw && !cw {
                            return Err(Error::new(
                                libc::ESRCH,
                                format!("elf: ambiguous match for '{name}' in '{}' (offsets 0x{:x} and 0x{:x})", self.path, prev.offset, f.offset),
                            ));
                        }
                    }
                }
            }
            if let Some(f) = found {
                return Ok(f.offset);
            }
        }
        Err(Error::new(libc::ENOENT, format!("elf: failed to find symbol '{name}' in '{}'", self.path)))
    }

    /// Every function matching a glob (`*`, `?`), deduplicated by name, as (name, offset),
    /// sorted by name.
    pub fn find_func_pattern(&self, pattern: &str) -> Vec<(String, u64)> {
        let mut out: Vec<(String, u64)> = Vec::new();
        for f in &self.funcs {
            if glob_match(pattern, &f.name) && !out.iter().any(|(n, _)| *n == f.name) {
                out.push((f.name.clone(), f.offset));
            }
        }
        out.sort();
        out
    }
}

/// Glob match with `*` (any run) and `?` (one character), as libbpf's `glob_match`.
pub fn glob_match(pat: &str, s: &str) -> bool {
    let (p, s): (Vec<char>, Vec<char>) = (pat.chars().collect(), s.chars().collect());
    let (mut pi, mut si) = (0usize, 0usize);
    let (mut star, mut mark) = (None::<usize>, 0usize);
    while si < s.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == s[si]) {
            pi += 1;
            si += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = si;
            pi += 1;
        } else if let Some(st) = star {
            pi = st + 1;
            mark += 1;
            si = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == '*' {
        pi += 1;
    }
    pi == p.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob_match("foo*", "foobar"));
        assert!(glob_match("*bar", "foobar"));
        assert!(glob_match("f?o*r", "foobar"));
        assert!(!glob_match("foo", "foobar"));
        assert!(glob_match("*", ""));
        assert!(!glob_match("a*b", "acbd"));
    }

    #[test]
    fn rejects_non_elf() {
        assert_eq!(ElfImage::parse("x", b"not an elf".to_vec()).unwrap_err().errno(), libc::EINVAL);
        assert_eq!(ElfImage::open("/nonexistent/rbpf").unwrap_err().errno(), libc::ENOENT);
    }

    #[test]
    fn libc_has_versioned_malloc() {
        // Any 64-bit glibc-based system has this file; skip quietly otherwise.
        let Some(p) = ["/lib/x86_64-linux-gnu/libc.so.6", "/usr/lib64/libc.so.6", "/lib64/libc.so.6"].into_iter().find(|p| Path::new(p).exists()) else {
            return;
        };
        let img = ElfImage::open(p).unwrap();
        assert!(img.is_shared());
        let off = img.find_func_offset("malloc").unwrap();
        assert!(off > 0);
        let f = img.funcs.iter().find(|f| f.name == "malloc" && f.dynamic).unwrap();
        let v = f.version.clone().unwrap();
        assert_eq!(img.find_func_offset(&format!("malloc@@{v}")).unwrap(), off);
        assert_eq!(img.find_func_offset(&format!("malloc@{v}")).unwrap(), off);
        assert_eq!(img.find_func_offset("malloc@NOPE_1").unwrap_err().errno(), libc::ENOENT);
        assert_eq!(img.vaddr_to_offset(f.vaddr), Some(off));
    }
}
