//! Externs: `.kconfig` (CONFIG_*, LINUX_*) and `.ksyms`, as libbpf lays them out.
//!
//! At open: externs are collected from the symbol table and BTF, sorted like libbpf
//! (kcfg first, by alignment descending, size ascending, name), given offsets in the
//! `.kconfig` map, and the `.kconfig` DATASEC is patched to match. At load:
//! [`resolve`] fills the map image from the virtual LINUX_* values, the `kconfig`
//! open option and the system Kconfig (/boot/config-$(uname -r) or /proc/config.gz).

use super::btfview::*;
use super::elf::ElfObject;
use super::{ExternKind, ExternSpec, KcfgType};
use crate::{bail, Error, Result};

fn kcfg_type(btf: &BtfView, id: u32, want_sign: bool) -> Result<Option<(KcfgType, bool)>> {
    let t = btf.skip_mods_and_typedefs(id)?;
    let size = btf.size_or_type(t)?;
    Ok(match btf.kind(t)? {
        BTF_KIND_INT => {
            let enc = btf.int_encoding(t)?;
            let signed = want_sign && enc & BTF_INT_SIGNED != 0;
            if enc & BTF_INT_BOOL != 0 {
                (size == 1).then_some((KcfgType::Bool, false))
            } else if size == 1 {
                Some((KcfgType::Char, signed))
            } else if !(1..=8).contains(&size) || !size.is_power_of_two() {
                None
            } else {
                Some((KcfgType::Int, signed))
            }
        }
        BTF_KIND_ENUM if size != 4 => None,
        BTF_KIND_ENUM | BTF_KIND_ENUM64 => (btf.name(t)? == "libbpf_tristate").then_some((KcfgType::Tristate, false)),
        BTF_KIND_ARRAY => {
            let (elem, n) = btf.array(t)?;
            if n == 0 {
                None
            } else {
                match kcfg_type(btf, elem, false)? {
                    Some((KcfgType::Char, _)) => Some((KcfgType::CharArr, false)),
                    _ => None,
                }
            }
        }
        _ => None,
    })
}

/// The BTF VAR (or FUNC) declaring extern `name`, and the DATASEC holding it.
fn find_extern_btf(btf: &BtfView, name: &str) -> Result<(u32, u32)> {
    let mut found = None;
    for id in 1..btf.type_cnt() {
        let kind = btf.kind(id)?;
        if (kind == BTF_KIND_VAR || kind == BTF_KIND_FUNC) && btf.name(id)? == name {
            let linkage = if kind == BTF_KIND_VAR { btf.var_linkage(id)? } else { btf.func_linkage(id)? };
            if linkage != BTF_VAR_GLOBAL_EXTERN {
                bail!(libc::EINVAL, "extern '{name}' has BTF linkage {linkage}, expected extern");
            }
            found = Some(id);
            break;
        }
    }
    let Some(var) = found else {
        bail!(libc::ENOENT, "failed to find BTF for extern '{name}'");
    };
    for sec in btf.datasecs() {
        if btf.secinfos(sec)?.iter().any(|vi| vi.type_id == var) {
            return Ok((var, sec));
        }
    }
    bail!(libc::ENOENT, "failed to find BTF for extern '{name}' [{var}] section")
}

/// Collect externs and lay out `.kconfig`. Returns the externs (sorted) and the
/// `.kconfig` map size (0 when there are no kcfg externs).
pub fn collect_externs(elf: &ElfObject<'_>, btf: Option<&mut BtfView>) -> Result<(Vec<ExternSpec>, u32)> {
    let mut exts = Vec::new();
    let syms: Vec<_> = elf.symbols.iter().enumerate().filter(|(_, s)| s.is_extern() && !s.name.is_empty()).collect();
    if syms.is_empty() {
        return Ok((exts, 0));
    }
    let Some(btf) = btf else {
        bail!(libc::EINVAL, "externs ('{}') need BTF, but the object has no .BTF", syms[0].1.name);
    };
    let mut kcfg_sec = None;
    for (sym_idx, sym) in syms {
        let (var, sec) = find_extern_btf(btf, sym.name)?;
        let sec_name = btf.name(sec)?;
        let kind = match sec_name {
            ".kconfig" => {
                if btf.kind(var)? == BTF_KIND_FUNC {
                    bail!(libc::EOPNOTSUPP, "extern function {} is unsupported under .kconfig section", sym.name);
                }
                kcfg_sec = Some(sec);
                let t = btf.size_or_type(var)?;
                let size = btf.resolve_size(t).map_err(|e| e.context(format!("failed to resolve size of extern (kcfg) '{}'", sym.name)))?;
                let align = btf.align_of(t)?;
                if size == 0 || align == 0 {
                    bail!(libc::EINVAL, "failed to determine size/alignment of extern (kcfg) '{}'", sym.name);
                }
                let Some((ty, is_signed)) = kcfg_type(btf, t, true)? else {
                    bail!(libc::EOPNOTSUPP, "extern (kcfg) '{}': type is unsupported", sym.name);
                };
                ExternKind::Kcfg { ty, size, align, is_signed, data_off: 0 }
            }
            ".ksyms" => {
                let is_func = btf.kind(var)? == BTF_KIND_FUNC;
                let type_id = if is_func { 0 } else { btf.skip_mods_and_typedefs(btf.size_or_type(var)?)? };
                ExternKind::Ksym { type_id, is_func }
            }
            other => bail!(libc::EOPNOTSUPP, "unrecognized extern section '{other}'"),
        };
        exts.push(ExternSpec {
            name: btf.name(var)?.to_string(),
            sym_idx,
            is_weak: sym.bind == object::elf::STB_WEAK,
            btf_id: var,
            kind,
        });
    }
    exts.sort_by(|a, b| {
        use std::cmp::Ordering;
        match (&a.kind, &b.kind) {
            (ExternKind::Kcfg { align: aa, size: asz, .. }, ExternKind::Kcfg { align: ba, size: bsz, .. }) => {
                ba.cmp(aa).then(asz.cmp(bsz)).then_with(|| a.name.cmp(&b.name))
            }
            (ExternKind::Kcfg { .. }, _) => Ordering::Less,
            (_, ExternKind::Kcfg { .. }) => Ordering::Greater,
            _ => a.name.cmp(&b.name),
        }
    });
    let mut off = 0u32;
    for e in exts.iter_mut() {
        if let ExternKind::Kcfg { size, align, data_off, .. } = &mut e.kind {
            // Hostile sizes must not overflow (or allocate gigabytes): bound the map.
            let end = off.div_ceil(*align).checked_mul(*align).and_then(|start| Some((start, start.checked_add(*size)?)));
            match end {
                Some((start, end)) if end <= super::maps::MAX_GLOBAL_DATA => {
                    *data_off = start;
                    off = end;
                }
                _ => bail!(libc::E2BIG, "extern (kcfg) '{}': .kconfig map too large (max {} bytes)", e.name, super::maps::MAX_GLOBAL_DATA),
            }
        }
    }
    if let Some(sec) = kcfg_sec {
        btf.set_size(sec, off)?;
        for (idx, vi) in btf.secinfos(sec)?.into_iter().enumerate() {
            let name = btf.name(vi.type_id)?;
            let Some(e) = exts.iter().find(|e| e.name == name) else {
                bail!(libc::ESRCH, "failed to find extern definition for BTF var '{name}'");
            };
            if let ExternKind::Kcfg { data_off, .. } = e.kind {
                btf.set_secinfo(sec, idx, data_off, vi.size)?;
            }
            btf.set_var_linkage(vi.type_id, BTF_VAR_GLOBAL_ALLOCATED)?;
        }
        // Sorted by offset by the DATASEC fixup that follows (maps::fixup_datasecs).
    }
    Ok((exts, off))
}

/// KERNEL_VERSION(a, b, c) of the running kernel (patch capped at 255), from
/// /proc/sys/kernel/osrelease.
pub fn kernel_version() -> u32 {
    let Ok(rel) = std::fs::read_to_string("/proc/sys/kernel/osrelease") else { return 0 };
    parse_kernel_release(rel.trim())
}

pub fn parse_kernel_release(rel: &str) -> u32 {
    let mut nums = rel.split(|c: char| !c.is_ascii_digit()).map(|s| s.parse::<u32>().unwrap_or(0));
    let (a, b, c) = (nums.next().unwrap_or(0), nums.next().unwrap_or(0), nums.next().unwrap_or(0));
    (a << 16) | (b.min(255) << 8) | c.min(255)
}

fn set_num(e: &ExternSpec, out: &mut [u8], v: u64) -> Result<()> {
    let ExternKind::Kcfg { ty, size, is_signed, .. } = e.kind else { return Ok(()) };
    if !matches!(ty, KcfgType::Int | KcfgType::Char | KcfgType::Bool) {
        bail!(libc::EINVAL, "extern (kcfg) '{}': value '{v}' implies integer, char, or boolean type", e.name);
    }
    if ty == KcfgType::Bool && v > 1 {
        bail!(libc::EINVAL, "extern (kcfg) '{}': value '{v}' isn't boolean compatible", e.name);
    }
    let bits = size * 8;
    let fits = size == 8 || if is_signed { v.wrapping_add(1u64 << (bits - 1)) < (1u64 << bits) } else { v >> bits == 0 };
    if !fits {
        bail!(libc::ERANGE, "extern (kcfg) '{}': value '{v}' doesn't fit in {size} bytes", e.name);
    }
    out[..size as usize].copy_from_slice(&v.to_ne_bytes()[..size as usize]);
    Ok(())
}

fn set_tri(e: &ExternSpec, out: &mut [u8], c: u8) -> Result<()> {
    let ExternKind::Kcfg { ty, .. } = e.kind else { return Ok(()) };
    match ty {
        KcfgType::Bool if c == b'm' => {
            bail!(libc::EINVAL, "extern (kcfg) '{}': value '{}' implies tristate or char type", e.name, c as char)
        }
        KcfgType::Bool => out[0] = (c == b'y') as u8,
        // enum libbpf_tristate { TRI_NO = 0, TRI_YES = 1, TRI_MODULE = 2 }
        KcfgType::Tristate => {
            let v: u32 = match c {
                b'y' => 1,
                b'm' => 2,
                _ => 0,
            };
            let n = out.len().min(8);
            out[..n].fill(0);
            out[..4].copy_from_slice(&v.to_ne_bytes());
        }
        KcfgType::Char => out[0] = c,
        _ => bail!(libc::EINVAL, "extern (kcfg) '{}': value '{}' implies bool, tristate, or char type", e.name, c as char),
    }
    Ok(())
}

fn set_str(e: &ExternSpec, out: &mut [u8], value: &str) -> Result<()> {
    let ExternKind::Kcfg { ty, size, .. } = e.kind else { return Ok(()) };
    if ty != KcfgType::CharArr {
        bail!(libc::EINVAL, "extern (kcfg) '{}': value '{value}' implies char array type", e.name);
    }
    let b = value.as_bytes();
    if b.len() < 2 || b[b.len() - 1] != b'"' {
        bail!(libc::EINVAL, "extern (kcfg) '{}': invalid string config '{value}'", e.name);
    }
    let mut s = &b[1..b.len() - 1];
    if s.len() >= size as usize {
        crate::warn!("extern (kcfg) '{}': long string '{value}' of ({} bytes) truncated to {} bytes", e.name, s.len(), size - 1);
        s = &s[..size as usize - 1];
    }
    out[..s.len()].copy_from_slice(s);
    out[s.len()] = 0;
    Ok(())
}

fn parse_u64(v: &str) -> Option<u64> {
    // strtoull(value, 0): decimal, 0x hex, leading 0 octal; a leading '-' wraps.
    let (neg, v) = match v.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, v.strip_prefix('+').unwrap_or(v)),
    };
    let n = if let Some(h) = v.strip_prefix("0x").or_else(|| v.strip_prefix("0X")) {
        u64::from_str_radix(h, 16).ok()?
    } else if v.len() > 1 && v.starts_with('0') {
        u64::from_str_radix(&v[1..], 8).ok()?
    } else {
        v.parse().ok()?
    };
    Some(if neg { n.wrapping_neg() } else { n })
}

/// Apply one Kconfig line ("CONFIG_X=value") to the image; lines for unknown or
/// already-set externs are ignored.
fn process_line(exts: &[ExternSpec], is_set: &mut [bool], data: &mut [u8], line: &str) -> Result<()> {
    let line = line.trim_end_matches(['\n', '\r']);
    if !line.starts_with("CONFIG_") {
        return Ok(());
    }
    let Some((name, value)) = line.split_once('=') else {
        bail!(libc::EINVAL, "failed to parse '{line}': no separator");
    };
    if value.is_empty() {
        bail!(libc::EINVAL, "failed to parse '{line}': no value");
    }
    let Some(i) = exts.iter().position(|e| e.name == name) else { return Ok(()) };
    if is_set[i] {
        return Ok(());
    }
    let e = &exts[i];
    let ExternKind::Kcfg { ty, size, data_off, .. } = e.kind else { return Ok(()) };
    let out = data
        .get_mut(data_off as usize..(data_off + size) as usize)
        .ok_or_else(|| Error::new(libc::EINVAL, format!("extern (kcfg) '{}': outside the .kconfig map", e.name)))?;
    match value.as_bytes()[0] {
        b'y' | b'n' | b'm' => set_tri(e, out, value.as_bytes()[0])?,
        b'"' => set_str(e, out, value)?,
        _ => {
            let Some(num) = parse_u64(value) else {
                bail!(libc::EINVAL, "extern (kcfg) '{}': value '{value}' isn't a valid integer", e.name);
            };
            if ty != KcfgType::Int && ty != KcfgType::Char {
                bail!(libc::EINVAL, "extern (kcfg) '{}': value '{value}' implies integer type", e.name);
            }
            set_num(e, out, num)?;
        }
    }
    crate::debug!("extern (kcfg) '{}': set to {value}", e.name);
    is_set[i] = true;
    Ok(())
}

/// The system Kconfig text: /boot/config-$(uname -r), else /proc/config.gz. Read and
/// decompressed once per process (it describes the running kernel, which can't change).
pub fn read_system_kconfig() -> Result<std::sync::Arc<str>> {
    static CACHE: std::sync::OnceLock<std::result::Result<std::sync::Arc<str>, Error>> = std::sync::OnceLock::new();
    CACHE.get_or_init(|| read_system_kconfig_uncached().map(|s| std::sync::Arc::from(s.as_str()))).clone()
}

fn read_system_kconfig_uncached() -> Result<String> {
    let rel = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    let boot = format!("/boot/config-{}", rel.trim());
    let raw = match std::fs::read(&boot) {
        Ok(d) => d,
        Err(_) => std::fs::read("/proc/config.gz").map_err(|_| Error::new(libc::ENOENT, "failed to open system Kconfig"))?,
    };
    // gzopen also reads uncompressed files.
    let text = if raw.starts_with(&[0x1f, 0x8b]) { super::inflate::gunzip(&raw, 64 << 20)? } else { raw };
    Ok(String::from_utf8_lossy(&text).into_owned())
}

/// Fill the `.kconfig` image `data` for `exts`. `extra` is the `kconfig` open option;
/// `has_bpf_cookie` / `has_syscall_wrapper` are the kernel's features.
pub fn resolve(exts: &[ExternSpec], data: &mut [u8], extra: Option<&str>, has_bpf_cookie: bool, has_syscall_wrapper: bool) -> Result<()> {
    let mut is_set = vec![false; exts.len()];
    let mut need_config = false;
    for (i, e) in exts.iter().enumerate() {
        let ExternKind::Kcfg { data_off, size, .. } = e.kind else { continue };
        if e.name.starts_with("CONFIG_") {
            need_config = true;
            continue;
        }
        let value = match e.name.as_str() {
            "LINUX_KERNEL_VERSION" => {
                let v = kernel_version();
                if v == 0 {
                    bail!(libc::EINVAL, "extern (kcfg) '{}': failed to get kernel version", e.name);
                }
                v as u64
            }
            "LINUX_HAS_BPF_COOKIE" => has_bpf_cookie as u64,
            "LINUX_HAS_SYSCALL_WRAPPER" => has_syscall_wrapper as u64,
            _ if !e.name.starts_with("LINUX_") || !e.is_weak => {
                bail!(libc::EINVAL, "extern (kcfg) '{}': unrecognized virtual extern", e.name)
            }
            _ => 0,
        };
        let out = data
            .get_mut(data_off as usize..(data_off + size) as usize)
            .ok_or_else(|| Error::new(libc::EINVAL, format!("extern (kcfg) '{}': outside the .kconfig map", e.name)))?;
        set_num(e, out, value)?;
        is_set[i] = true;
    }
    if need_config {
        if let Some(text) = extra {
            for line in text.lines() {
                process_line(exts, &mut is_set, data, line).map_err(|e| e.context(format!("error parsing in-memory Kconfig line '{line}'")))?;
            }
        }
        let missing = exts.iter().enumerate().any(|(i, e)| matches!(e.kind, ExternKind::Kcfg { .. }) && !is_set[i]);
        if missing {
            let text = read_system_kconfig()?;
            for line in text.lines() {
                process_line(exts, &mut is_set, data, line).map_err(|e| e.context(format!("error parsing system Kconfig line '{line}'")))?;
            }
        }
    }
    for (i, e) in exts.iter().enumerate() {
        if !matches!(e.kind, ExternKind::Kcfg { .. }) || is_set[i] {
            continue;
        }
        if !e.is_weak {
            bail!(libc::ESRCH, "extern '{}' (strong): not resolved", e.name);
        }
        crate::debug!("extern '{}' (weak): not resolved, defaulting to zero", e.name);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ext(name: &str, ty: KcfgType, size: u32, is_signed: bool, data_off: u32, is_weak: bool) -> ExternSpec {
        ExternSpec { name: name.into(), sym_idx: 0, is_weak, btf_id: 0, kind: ExternKind::Kcfg { ty, size, align: size.min(8), is_signed, data_off } }
    }

    #[test]
    fn values_like_libbpf() {
        let exts = vec![
            ext("CONFIG_B", KcfgType::Bool, 1, false, 0, true),
            ext("CONFIG_T", KcfgType::Tristate, 4, false, 4, true),
            ext("CONFIG_S", KcfgType::CharArr, 4, false, 8, true),
            ext("CONFIG_I", KcfgType::Int, 2, true, 12, true),
            ext("CONFIG_C", KcfgType::Char, 1, false, 14, true),
            ext("CONFIG_MISSING", KcfgType::Int, 1, false, 15, true),
        ];
        let mut data = vec![0xffu8; 16];
        data[15] = 0;
        let text = "# comment\nCONFIG_B=y\nCONFIG_T=m\nCONFIG_S=\"hello\"\nCONFIG_I=-2\nCONFIG_C=m\nCONFIG_B=n\n";
        resolve(&exts, &mut data, Some(text), true, true).ok();
        assert_eq!(data[0], 1, "first value wins");
        assert_eq!(u32::from_ne_bytes(data[4..8].try_into().unwrap()), 2, "tristate m");
        assert_eq!(&data[8..12], b"hel\0", "truncated with NUL");
        assert_eq!(i16::from_ne_bytes(data[12..14].try_into().unwrap()), -2);
        assert_eq!(data[14], b'm');
        assert_eq!(data[15], 0, "weak missing stays zero");
    }

    #[test]
    fn bad_values_are_errors() {
        let b = vec![ext("CONFIG_B", KcfgType::Bool, 1, false, 0, false)];
        let mut d = vec![0u8; 1];
        let e = resolve(&b, &mut d, Some("CONFIG_B=m"), true, true).unwrap_err();
        assert_eq!(e.errno(), libc::EINVAL);
        let i = vec![ext("CONFIG_I", KcfgType::Int, 1, false, 0, false)];
        let e = resolve(&i, &mut d, Some("CONFIG_I=300"), true, true).unwrap_err();
        assert_eq!(e.errno(), libc::ERANGE);
        let e = resolve(&i, &mut d, Some("CONFIG_I=zz"), true, true).unwrap_err();
        assert_eq!(e.errno(), libc::EINVAL);
        let e = resolve(&i, &mut d, Some("CONFIG_I"), true, true).unwrap_err();
        assert!(e.message().contains("no separator"), "{e}");
        // Strong and missing everywhere (system config included).
        let s = vec![ext("CONFIG_RBPF_SURELY_NOT_SET", KcfgType::Int, 1, false, 0, false)];
        if read_system_kconfig().is_ok() {
            let e = resolve(&s, &mut d, None, true, true).unwrap_err();
            assert_eq!(e.errno(), libc::ESRCH);
            assert!(e.message().contains("CONFIG_RBPF_SURELY_NOT_SET"));
        }
        let v = vec![ext("LINUX_HAS_BPF_COOKIE", KcfgType::Bool, 1, false, 0, false)];
        resolve(&v, &mut d, None, true, false).unwrap();
        assert_eq!(d[0], 1);
    }

    #[test]
    fn release_parsing() {
        assert_eq!(parse_kernel_release("6.18.44-fc-v657"), (6 << 16) | (18 << 8) | 44);
        assert_eq!(parse_kernel_release("5.4.300"), (5 << 16) | (4 << 8) | 255);
        assert_eq!(parse_u64("0x10"), Some(16));
        assert_eq!(parse_u64("010"), Some(8));
        assert_eq!(parse_u64("12"), Some(12));
        assert_eq!(parse_u64("-1"), Some(u64::MAX));
        assert_eq!(parse_u64("zz"), None);
    }
}
