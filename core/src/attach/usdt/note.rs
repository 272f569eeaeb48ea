//! `.note.stapsdt` parsing (SystemTap SDT v3 notes), pure.

use crate::attach::uprobe::ElfImage;
use crate::{Error, Result};

/// One USDT probe site as recorded in the ELF note.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UsdtNote {
    pub provider: String,
    pub name: String,
    /// Probe address (link-time virtual address).
    pub loc_addr: u64,
    /// The `.stapsdt.base` address at link time (for the prelink fixup).
    pub base_addr: u64,
    /// Semaphore address, 0 when the probe has none.
    pub sema_addr: u64,
    /// Argument spec string, e.g. "-4@%edi 8@-16(%rbp)".
    pub args: String,
}

const NT_STAPSDT: u32 = 3;

fn take_cstr(b: &[u8], pos: &mut usize) -> Option<String> {
    let rest = b.get(*pos..)?;
    let end = rest.iter().position(|&c| c == 0)?;
    *pos += end + 1;
    Some(String::from_utf8_lossy(&rest[..end]).into_owned())
}

/// Parse the notes of a `.note.stapsdt` section (host-endian, 64-bit addresses).
pub fn parse_notes(data: &[u8], path: &str) -> Result<Vec<UsdtNote>> {
    let bad = |what: &str| Error::new(libc::EINVAL, format!("usdt: malformed .note.stapsdt in '{path}': {what}"));
    let u32_at = |o: usize| data.get(o..o + 4).map(|b| u32::from_ne_bytes([b[0], b[1], b[2], b[3]]));
    let mut out = Vec::new();
    let mut off = 0usize;
    while off + 12 <= data.len() {
        let (Some(namesz), Some(descsz), Some(ty)) = (u32_at(off), u32_at(off + 4), u32_at(off + 8)) else { break };
        let (namesz, descsz) = (namesz as usize, descsz as usize);
        let name_off = off + 12;
        let desc_off = name_off + ((namesz + 3) & !3);
        let next = desc_off + ((descsz + 3) & !3);
        if next > data.len() || desc_off + descsz > data.len() {
            return Err(bad("note runs past the section end"));
        }
        off = next;
        let name = &data[name_off..name_off + namesz];
        if ty != NT_STAPSDT || name.split(|&c| c == 0).next() != Some(b"stapsdt".as_slice()) {
            continue;
        }
        let desc = &data[desc_off..desc_off + descsz];
        if desc.len() < 24 {
            return Err(bad("description shorter than three addresses"));
        }
        let u64_at = |o: usize| u64::from_ne_bytes(desc[o..o + 8].try_into().unwrap_or([0; 8]));
        let mut pos = 24;
        let provider = take_cstr(desc, &mut pos).ok_or_else(|| bad("missing provider"))?;
        let pname = take_cstr(desc, &mut pos).ok_or_else(|| bad("missing probe name"))?;
        let mut args = take_cstr(desc, &mut pos).ok_or_else(|| bad("missing argument spec"))?;
        if provider.is_empty() || pname.is_empty() {
            return Err(bad("empty provider or probe name"));
        }
        if args == ":" {
            args.clear();
        }
        out.push(UsdtNote { provider, name: pname, loc_addr: u64_at(0), base_addr: u64_at(8), sema_addr: u64_at(16), args });
    }
    Ok(out)
}

/// A probe site resolved against the file: where to put the uprobe and the semaphore.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UsdtSite {
    pub note: UsdtNote,
    /// Virtual address after the .stapsdt.base fixup.
    pub abs_ip: u64,
    /// File offset of the probe (the uprobe offset).
    pub rel_ip: u64,
    /// File offset of the semaphore (the uprobe ref_ctr_offset), 0 for none.
    pub sema_off: u64,
}

/// Every probe `provider:name` in the ELF, with its file offsets.
pub fn find_sites(img: &ElfImage, provider: &str, name: &str) -> Result<Vec<UsdtSite>> {
    let Some(sec) = img.section(".note.stapsdt") else {
        return Err(Error::new(libc::ENOENT, format!("usdt: no .note.stapsdt section in '{}'", img.path)));
    };
    let notes = parse_notes(img.section_data(sec), &img.path)?;
    let base = img.section(".stapsdt.base").map(|s| s.addr);
    let mut out = Vec::new();
    for n in notes.into_iter().filter(|n| n.provider == provider && n.name == name) {
        // Prelinked files moved .stapsdt.base; move the probe by the same amount.
        let abs_ip = match base {
            Some(b) if n.base_addr != 0 => n.loc_addr.wrapping_add(b.wrapping_sub(n.base_addr)),
            _ => n.loc_addr,
        };
        let seg = img.segment_of(abs_ip).filter(|s| s.executable).ok_or_else(|| {
            Error::new(libc::EINVAL, format!("usdt: probe {provider}:{name} at 0x{abs_ip:x} is not in an executable segment of '{}'", img.path))
        })?;
        // Hostile program headers can put p_offset anywhere: no wrapping.
        let rel_ip = (abs_ip - seg.vaddr).checked_add(seg.offset).ok_or_else(|| {
            Error::new(libc::EINVAL, format!("usdt: probe {provider}:{name} at 0x{abs_ip:x}: segment file offset out of range in '{}'", img.path))
        })?;
        let sema_off = if n.sema_addr != 0 {
            let s = img.segment_of(n.sema_addr).filter(|s| !s.executable).ok_or_else(|| {
                Error::new(libc::EINVAL, format!("usdt: semaphore of {provider}:{name} at 0x{:x} is not in a data segment of '{}'", n.sema_addr, img.path))
            })?;
            (n.sema_addr - s.vaddr).checked_add(s.offset).ok_or_else(|| {
                Error::new(libc::EINVAL, format!("usdt: semaphore of {provider}:{name} at 0x{:x}: segment file offset out of range in '{}'", n.sema_addr, img.path))
            })?
        } else {
            0
        };
        out.push(UsdtSite { note: n, abs_ip, rel_ip, sema_off });
    }
    if out.is_empty() {
        return Err(Error::new(libc::ENOENT, format!("usdt: failed to find USDT notes for {provider}:{name} in '{}'", img.path)));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn note(provider: &str, name: &str, args: &str, loc: u64, sema: u64) -> Vec<u8> {
        let mut desc = Vec::new();
        desc.extend_from_slice(&loc.to_ne_bytes());
        desc.extend_from_slice(&0x1000u64.to_ne_bytes());
        desc.extend_from_slice(&sema.to_ne_bytes());
        for s in [provider, name, args] {
            desc.extend_from_slice(s.as_bytes());
            desc.push(0);
        }
        let mut b = Vec::new();
        b.extend_from_slice(&8u32.to_ne_bytes());
        b.extend_from_slice(&(desc.len() as u32).to_ne_bytes());
        b.extend_from_slice(&3u32.to_ne_bytes());
        b.extend_from_slice(b"stapsdt\0");
        b.extend_from_slice(&desc);
        while b.len() % 4 != 0 {
            b.push(0);
        }
        b
    }

    #[test]
    fn parses_notes() {
        let mut d = note("prov", "p1", "-4@%edi 8@-8(%rbp)", 0x1130, 0);
        d.extend(note("prov", "p2", ":", 0x1140, 0x4010));
        let n = parse_notes(&d, "x").unwrap();
        assert_eq!(n.len(), 2);
        assert_eq!((n[0].provider.as_str(), n[0].name.as_str(), n[0].loc_addr, n[0].base_addr), ("prov", "p1", 0x1130, 0x1000));
        assert_eq!(n[0].args, "-4@%edi 8@-8(%rbp)");
        assert_eq!((n[1].args.as_str(), n[1].sema_addr), ("", 0x4010));
        let mut bad = note("prov", "p", "", 1, 0);
        bad.truncate(20);
        assert_eq!(parse_notes(&bad, "x").unwrap_err().errno(), libc::EINVAL);
    }
}
