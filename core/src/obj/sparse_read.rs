//! Reading an ELF file without reading its debug info.
//!
//! A BPF object is mostly DWARF (`.debug_*`), which the loader never looks at. libbpf
//! mmaps the file so those pages never become resident; an mmap faults (SIGBUS) if the file
//! is truncated while open, so instead we allocate a zeroed buffer of the file's size (the
//! allocator's zero pages stay untouched, hence not resident) and read only the ELF header,
//! the section headers and the sections the parser uses, each at its own file offset. The
//! parser sees exactly the bytes it would see in the whole file. Anything unexpected in the
//! headers falls back to reading the whole file, so the parser reports malformed input.

use std::fs::File;
use std::io::Read;
use std::os::unix::fs::FileExt;
use std::path::Path;

const EHDR64_SIZE: usize = 64;
const SHDR64_SIZE: usize = 64;
const SHT_NOBITS: u32 = 8;

/// Files smaller than this are read whole: there is nothing worth skipping.
const SPARSE_MIN_SIZE: u64 = 64 * 1024;

pub fn read_elf(path: &Path) -> std::io::Result<Vec<u8>> {
    let mut file = File::open(path)?;
    let len = file.metadata()?.len();
    if len < SPARSE_MIN_SIZE || usize::try_from(len).is_err() {
        return read_whole(&mut file, len);
    }
    let mut buf = vec![0u8; len as usize];
    match fill_used_sections(&file, &mut buf) {
        Some(()) => Ok(buf),
        None => {
            drop(buf);
            read_whole(&mut file, len)
        }
    }
}

fn read_whole(file: &mut File, len: u64) -> std::io::Result<Vec<u8>> {
    let mut v = Vec::with_capacity(len.min(1 << 30) as usize);
    file.read_to_end(&mut v)?;
    Ok(v)
}

fn u16_at(b: &[u8], off: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(off..off + 2)?.try_into().ok()?))
}
fn u32_at(b: &[u8], off: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(off..off + 4)?.try_into().ok()?))
}
fn u64_at(b: &[u8], off: usize) -> Option<u64> {
    Some(u64::from_le_bytes(b.get(off..off + 8)?.try_into().ok()?))
}

/// Read `range` of the file into the same range of `buf`; None on any out-of-bounds range.
fn read_range(file: &File, buf: &mut [u8], off: u64, size: u64) -> Option<()> {
    let start = usize::try_from(off).ok()?;
    let end = start.checked_add(usize::try_from(size).ok()?)?;
    file.read_exact_at(buf.get_mut(start..end)?, off).ok()
}

/// Only little-endian ELF64 is handled here (the only kind the loader accepts); any other
/// header makes the caller read the whole file and let the parser name the problem.
fn fill_used_sections(file: &File, buf: &mut [u8]) -> Option<()> {
    read_range(file, buf, 0, EHDR64_SIZE as u64)?;
    let ehdr = &buf[..EHDR64_SIZE];
    if &ehdr[..4] != b"\x7fELF" || ehdr[4] != 2 || ehdr[5] != 1 {
        return None;
    }
    let shoff = u64_at(ehdr, 0x28)?;
    let shentsize = u16_at(ehdr, 0x3a)? as u64;
    let shnum = u16_at(ehdr, 0x3c)? as u64;
    let shstrndx = u16_at(ehdr, 0x3e)? as u64;
    if shentsize != SHDR64_SIZE as u64 || shnum == 0 || shstrndx >= shnum {
        return None; // extended numbering and odd layouts: read it all
    }
    read_range(file, buf, shoff, shnum.checked_mul(shentsize)?)?;
    // (name offset, type, file offset, size) of every section.
    let mut headers = Vec::with_capacity(shnum as usize);
    for i in 0..shnum {
        let base = usize::try_from(shoff.checked_add(i * shentsize)?).ok()?;
        headers.push((u32_at(buf, base)?, u32_at(buf, base + 4)?, u64_at(buf, base + 0x18)?, u64_at(buf, base + 0x20)?));
    }
    let (_, _, stroff, strsize) = *headers.get(shstrndx as usize)?;
    read_range(file, buf, stroff, strsize)?;
    let mut wanted = Vec::with_capacity(headers.len());
    for &(name_off, sh_type, off, size) in &headers {
        if sh_type == SHT_NOBITS || size == 0 {
            continue;
        }
        let name_start = usize::try_from(stroff.checked_add(name_off as u64)?).ok()?;
        let name = buf.get(name_start..)?;
        let name = &name[..name.iter().position(|&c| c == 0)?];
        if name.starts_with(b".debug") || name.starts_with(b".rel.debug") {
            continue;
        }
        wanted.push((off, size));
    }
    for (off, size) in wanted {
        read_range(file, buf, off, size)?;
    }
    Some(())
}

#[cfg(test)]
mod tests {
    use object::{Object as _, ObjectSection as _};

    #[test]
    fn sparse_read_matches_every_used_section() {
        let mut sparse_seen = 0;
        for name in rbpf_testprogs::OBJECTS {
            let path = rbpf_testprogs::object_path(name);
            let full = std::fs::read(&path).unwrap();
            let sparse = super::read_elf(&path).unwrap();
            assert_eq!(full.len(), sparse.len(), "{name}");
            let elf = object::File::parse(&*full).unwrap();
            for sec in elf.sections() {
                let sec_name = sec.name().unwrap_or("");
                let Some((off, size)) = sec.file_range() else { continue };
                let range = off as usize..(off + size) as usize;
                if sec_name.starts_with(".debug") || sec_name.starts_with(".rel.debug") {
                    sparse_seen += usize::from(sparse[range.clone()] != full[range]);
                } else {
                    assert_eq!(sparse[range.clone()], full[range], "{name}: section {sec_name}");
                }
            }
        }
        assert!(sparse_seen > 0, "no object was large enough to skip its debug info");
    }
}
