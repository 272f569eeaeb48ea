//! `.BTF.ext`: func_info, line_info and CO-RE relocation records, per ELF section.

use super::Btf;
use crate::{bail, Result};

/// `struct bpf_func_info` (insn_off in bytes, as in the ELF).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FuncInfo {
    pub insn_off: u32,
    pub type_id: u32,
}

/// `struct bpf_line_info` (insn_off in bytes, as in the ELF).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LineInfo {
    pub insn_off: u32,
    pub file_name_off: u32,
    pub line_off: u32,
    /// line << 10 | column.
    pub line_col: u32,
}

impl LineInfo {
    pub fn line(&self) -> u32 {
        self.line_col >> 10
    }
    pub fn col(&self) -> u32 {
        self.line_col & 0x3ff
    }
}

/// `struct bpf_core_relo` (insn_off in bytes from the start of the ELF section).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CoreRelo {
    pub insn_off: u32,
    pub type_id: u32,
    pub access_str_off: u32,
    /// `enum bpf_core_relo_kind` (see `core::CoreReloKind`).
    pub kind: u32,
}

/// The records of one kind for one ELF section.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExtSec<T> {
    pub sec_name: String,
    pub records: Vec<T>,
    /// Byte offset of the first record inside the `.BTF.ext` data.
    pub data_off: usize,
}

/// Parsed `.BTF.ext`. Record sizes are those in the file (≥ the known size; any extra
/// trailing bytes of each record are ignored).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BtfExt {
    pub func_info: Vec<ExtSec<FuncInfo>>,
    pub func_info_rec_size: u32,
    pub line_info: Vec<ExtSec<LineInfo>>,
    pub line_info_rec_size: u32,
    pub core_relo: Vec<ExtSec<CoreRelo>>,
    pub core_relo_rec_size: u32,
}

fn rd(b: &[u8], off: usize, what: &str) -> Result<u32> {
    match b.get(off..off.wrapping_add(4)) {
        Some(s) if off.checked_add(4).is_some() => Ok(u32::from_le_bytes([s[0], s[1], s[2], s[3]])),
        _ => bail!(libc::EINVAL, "btf.ext: {what} at offset {off} runs past the end ({} bytes)", b.len()),
    }
}

const FUNC_INFO_MIN: u32 = 8;
const LINE_INFO_MIN: u32 = 16;
const CORE_RELO_MIN: u32 = 16;

impl BtfExt {
    /// Parse `.BTF.ext` bytes; section names are resolved in `btf` (the object's .BTF).
    pub fn parse(data: &[u8], btf: &Btf) -> Result<BtfExt> {
        if data.len() < 8 {
            bail!(libc::EINVAL, "btf.ext: too short ({} bytes)", data.len());
        }
        let magic = u16::from_le_bytes([data[0], data[1]]);
        if magic != super::BTF_MAGIC {
            if u16::from_be_bytes([data[0], data[1]]) == super::BTF_MAGIC {
                bail!(libc::EINVAL, "btf.ext: big-endian BTF.ext is not supported");
            }
            bail!(libc::EINVAL, "btf.ext: bad magic {magic:#06x}");
        }
        if data[2] != 1 {
            bail!(libc::EINVAL, "btf.ext: unsupported version {}", data[2]);
        }
        if data[3] != 0 {
            bail!(libc::EINVAL, "btf.ext: unsupported flags {:#x}", data[3]);
        }
        let hdr_len = rd(data, 4, "header length")? as usize;
        if hdr_len < 24 || hdr_len > data.len() {
            bail!(libc::EINVAL, "btf.ext: bad header length {hdr_len} ({} bytes of data)", data.len());
        }
        let mut ext = BtfExt::default();
        let sub = |at: usize| -> Result<Option<(usize, usize)>> {
            if at + 8 > hdr_len {
                return Ok(None);
            }
            let off = rd(data, at, "subsection offset")? as usize;
            let len = rd(data, at + 4, "subsection length")? as usize;
            if len == 0 {
                return Ok(None);
            }
            let start = hdr_len + off;
            if start.checked_add(len).is_none_or(|e| e > data.len()) || off & 3 != 0 {
                bail!(libc::EINVAL, "btf.ext: subsection at {off} (+{len}) out of bounds or misaligned");
            }
            Ok(Some((start, len)))
        };
        if let Some((s, l)) = sub(8)? {
            let (sz, secs) = parse_sub(data, s, l, FUNC_INFO_MIN, "func_info", btf, |r| FuncInfo {
                insn_off: u32::from_le_bytes([r[0], r[1], r[2], r[3]]),
                type_id: u32::from_le_bytes([r[4], r[5], r[6], r[7]]),
            })?;
            ext.func_info_rec_size = sz;
            ext.func_info = secs;
        }
        if let Some((s, l)) = sub(16)? {
            let (sz, secs) = parse_sub(data, s, l, LINE_INFO_MIN, "line_info", btf, |r| LineInfo {
                insn_off: le(r, 0),
                file_name_off: le(r, 4),
                line_off: le(r, 8),
                line_col: le(r, 12),
            })?;
            ext.line_info_rec_size = sz;
            ext.line_info = secs;
        }
        if let Some((s, l)) = sub(24)? {
            let (sz, secs) = parse_sub(data, s, l, CORE_RELO_MIN, "core_relo", btf, |r| CoreRelo {
                insn_off: le(r, 0),
                type_id: le(r, 4),
                access_str_off: le(r, 8),
                kind: le(r, 12),
            })?;
            ext.core_relo_rec_size = sz;
            ext.core_relo = secs;
        }
        Ok(ext)
    }

    pub fn func_info_for(&self, sec_name: &str) -> Option<&ExtSec<FuncInfo>> {
        self.func_info.iter().find(|s| s.sec_name == sec_name)
    }
    pub fn line_info_for(&self, sec_name: &str) -> Option<&ExtSec<LineInfo>> {
        self.line_info.iter().find(|s| s.sec_name == sec_name)
    }
    pub fn core_relo_for(&self, sec_name: &str) -> Option<&ExtSec<CoreRelo>> {
        self.core_relo.iter().find(|s| s.sec_name == sec_name)
    }
}

#[inline]
fn le(r: &[u8], o: usize) -> u32 {
    u32::from_le_bytes([r[o], r[o + 1], r[o + 2], r[o + 3]])
}

fn parse_sub<T>(
    data: &[u8],
    start: usize,
    len: usize,
    min: u32,
    what: &str,
    btf: &Btf,
    dec: impl Fn(&[u8]) -> T,
) -> Result<(u32, Vec<ExtSec<T>>)> {
    let end = start + len;
    let rec_size = rd(data, start, what)?;
    if rec_size < min || rec_size % 4 != 0 {
        bail!(libc::EINVAL, "btf.ext: {what}: bad record size {rec_size} (minimum {min}, multiple of 4)");
    }
    let mut pos = start + 4;
    let mut out = Vec::new();
    while pos < end {
        if pos + 8 > end {
            bail!(libc::EINVAL, "btf.ext: {what}: truncated section header at offset {pos}");
        }
        let name_off = rd(data, pos, what)?;
        let n = rd(data, pos + 4, what)? as usize;
        let sec_name = btf
            .str_by_offset(name_off)
            .map_err(|e| e.context(format!("btf.ext: {what}: section name")))?
            .to_string();
        if n == 0 {
            bail!(libc::EINVAL, "btf.ext: {what}: section '{sec_name}' has no records");
        }
        pos += 8;
        let bytes = (n as u64) * rec_size as u64;
        if pos as u64 + bytes > end as u64 {
            bail!(libc::EINVAL, "btf.ext: {what}: section '{sec_name}': {n} records of {rec_size} bytes run past the end");
        }
        let data_off = pos;
        let records = data[pos..pos + bytes as usize].chunks_exact(rec_size as usize).map(&dec).collect();
        pos += bytes as usize;
        out.push(ExtSec { sec_name, records, data_off });
    }
    Ok((rec_size, out))
}
