//! Turning a binary or library name into a path, as libbpf's `resolve_full_path` (plus
//! /etc/ld.so.cache and, with a pid, the process's own mappings).

use crate::{Error, Result};
use std::path::Path;

/// Library search directories after LD_LIBRARY_PATH and ld.so.cache.
const LIB_DIRS: [&str; 6] = ["/usr/lib64", "/usr/lib", "/lib64", "/lib", "/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu"];
const BIN_DIRS: [&str; 2] = ["/usr/bin", "/usr/sbin"];

fn is_library(name: &str) -> bool {
    name.ends_with(".so") || name.contains(".so.")
}

fn accessible(p: &Path, exec: bool) -> bool {
    use std::os::unix::fs::PermissionsExt;
    match std::fs::metadata(p) {
        Ok(m) if m.is_file() => !exec || m.permissions().mode() & 0o111 != 0,
        _ => false,
    }
}

/// Resolve `name` to a path. A name with a '/' is used as is. With `pid > 0`, a library
/// mapped by that process (basename equal to `name` or starting with `name.`) wins;
/// then libraries are searched in LD_LIBRARY_PATH, /etc/ld.so.cache and the standard
/// directories, executables in PATH and /usr/bin:/usr/sbin.
pub fn resolve_path(name: &str, pid: i32) -> Result<String> {
    if name.is_empty() {
        return Err(Error::new(libc::EINVAL, "empty binary path"));
    }
    if name.contains('/') {
        return Ok(name.to_string());
    }
    if pid > 0 {
        if let Some(p) = find_in_maps(pid, name) {
            return Ok(p);
        }
    }
    let lib = is_library(name);
    let env = std::env::var(if lib { "LD_LIBRARY_PATH" } else { "PATH" }).unwrap_or_default();
    for dir in env.split(':').filter(|d| !d.is_empty()) {
        let p = Path::new(dir).join(name);
        if accessible(&p, !lib) {
            return Ok(p.display().to_string());
        }
    }
    if lib {
        if let Ok(cache) = std::fs::read("/etc/ld.so.cache") {
            if let Some(p) = ld_so_cache_lookup(&cache, name).into_iter().find(|p| accessible(Path::new(p), false)) {
                return Ok(p);
            }
        }
    }
    let dirs: &[&str] = if lib { &LIB_DIRS } else { &BIN_DIRS };
    for dir in dirs {
        let p = Path::new(dir).join(name);
        if accessible(&p, !lib) {
            return Ok(p.display().to_string());
        }
    }
    Err(Error::new(libc::ENOENT, format!("failed to resolve full path for '{name}'")))
}

/// A file mapped by `pid` whose basename is `name` or starts with `name.` / `name-`.
pub fn find_in_maps(pid: i32, name: &str) -> Option<String> {
    let maps = std::fs::read_to_string(format!("/proc/{pid}/maps")).ok()?;
    for line in maps.lines() {
        let Some(path) = line.split_whitespace().nth(5) else { continue };
        if !path.starts_with('/') {
            continue;
        }
        let base = path.rsplit('/').next().unwrap_or(path);
        if base == name || base.strip_prefix(name).is_some_and(|r| r.starts_with('.') || r.starts_with('-')) {
            return Some(path.to_string());
        }
    }
    None
}

/// The start address and file offset of the first mapping of `path` in `pid`'s maps.
pub fn mapping_base(pid: i32, path: &str) -> Option<(u64, u64)> {
    let maps = std::fs::read_to_string(format!("/proc/{pid}/maps")).ok()?;
    for line in maps.lines() {
        let f: Vec<&str> = line.split_whitespace().collect();
        if f.len() < 6 || f[5] != path {
            continue;
        }
        let start = u64::from_str_radix(f[0].split('-').next()?, 16).ok()?;
        let off = u64::from_str_radix(f[2], 16).ok()?;
        return Some((start, off));
    }
    None
}

const NEW_MAGIC: &[u8] = b"glibc-ld.so.cache1.1";
const OLD_MAGIC: &[u8] = b"ld.so-1.7.0";
/// x86-64 libc6 entries: FLAG_ELF_LIBC6 | FLAG_X8664_LIB64.
const FLAG_TYPE_MASK: i32 = 0x00ff;
const FLAG_ARCH_MASK: i32 = 0xff00;
const FLAG_ELF_LIBC6: i32 = 0x0003;
const FLAG_X8664_LIB64: i32 = 0x0300;

fn u32_at(b: &[u8], off: usize) -> Option<u32> {
    Some(u32::from_ne_bytes(b.get(off..off + 4)?.try_into().ok()?))
}

fn cstr_at(b: &[u8], off: usize) -> Option<&str> {
    let s = b.get(off..)?;
    let end = s.iter().position(|&c| c == 0)?;
    std::str::from_utf8(&s[..end]).ok()
}

/// Paths the glibc ld.so.cache gives for `name` (exact soname first, then `name.*`),
/// 64-bit x86 entries only. Parses the new format, alone or after the old one.
pub fn ld_so_cache_lookup(cache: &[u8], name: &str) -> Vec<String> {
    let mut start = 0usize;
    if cache.starts_with(OLD_MAGIC) {
        let Some(n) = u32_at(cache, 12) else { return Vec::new() };
        start = 16 + n as usize * 12;
        start = (start + 7) & !7;
    }
    let Some(hdr) = cache.get(start..) else { return Vec::new() };
    if !hdr.starts_with(NEW_MAGIC) {
        return Vec::new();
    }
    let Some(nlibs) = u32_at(cache, start + 20) else { return Vec::new() };
    // Header: magic+version (20), nlibs, len_strings, flags (u8) + 3 pad, extension offset,
    // 3 unused u32 = 48 bytes; entries are 24 bytes (flags, key, value, osversion, hwcap).
    let entries = start + 48;
    let (mut exact, mut prefixed) = (Vec::new(), Vec::new());
    for i in 0..nlibs as usize {
        let e = entries + i * 24;
        let (Some(flags), Some(key), Some(value)) = (u32_at(cache, e), u32_at(cache, e + 4), u32_at(cache, e + 8)) else { break };
        let flags = flags as i32;
        if flags & FLAG_TYPE_MASK != FLAG_ELF_LIBC6 || flags & FLAG_ARCH_MASK != FLAG_X8664_LIB64 {
            continue;
        }
        // String offsets are relative to the start of the file in the new format.
        let (Some(k), Some(v)) = (cstr_at(cache, key as usize), cstr_at(cache, value as usize)) else { continue };
        if k == name {
            exact.push(v.to_string());
        } else if k.strip_prefix(name).is_some_and(|r| r.starts_with('.')) {
            prefixed.push(v.to_string());
        }
    }
    exact.extend(prefixed);
    exact
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cache_with(entries: &[(&str, &str, i32)]) -> Vec<u8> {
        let mut strings = Vec::new();
        let hdr_len = 48 + entries.len() * 24;
        let mut ents = Vec::new();
        for (k, v, flags) in entries {
            let ko = hdr_len + strings.len();
            strings.extend_from_slice(k.as_bytes());
            strings.push(0);
            let vo = hdr_len + strings.len();
            strings.extend_from_slice(v.as_bytes());
            strings.push(0);
            ents.extend_from_slice(&flags.to_ne_bytes());
            ents.extend_from_slice(&(ko as u32).to_ne_bytes());
            ents.extend_from_slice(&(vo as u32).to_ne_bytes());
            ents.extend_from_slice(&[0u8; 12]);
        }
        let mut b = NEW_MAGIC.to_vec();
        b.extend_from_slice(&(entries.len() as u32).to_ne_bytes());
        b.extend_from_slice(&(strings.len() as u32).to_ne_bytes());
        b.resize(48, 0);
        b.extend(ents);
        b.extend(strings);
        b
    }

    #[test]
    fn ld_so_cache_parse() {
        let c = cache_with(&[("libfoo.so.1", "/opt/32/libfoo.so.1", 0x0003), ("libfoo.so.1", "/opt/64/libfoo.so.1", 0x0303), ("libbar.so.2", "/x/libbar.so.2", 0x0303)]);
        assert_eq!(ld_so_cache_lookup(&c, "libfoo.so.1"), ["/opt/64/libfoo.so.1"]);
        assert_eq!(ld_so_cache_lookup(&c, "libbar.so"), ["/x/libbar.so.2"]);
        assert!(ld_so_cache_lookup(&c, "libnone.so").is_empty());
        assert!(ld_so_cache_lookup(b"garbage", "x").is_empty());
    }

    #[test]
    fn resolves_system_names() {
        // The real cache (when the system has one) finds libc.
        if Path::new("/etc/ld.so.cache").exists() && Path::new("/lib/x86_64-linux-gnu/libc.so.6").exists() {
            let p = resolve_path("libc.so.6", -1).unwrap();
            assert!(p.ends_with("libc.so.6"), "{p}");
        }
        // Our own process maps libc.
        let me = std::process::id() as i32;
        if let Some(p) = find_in_maps(me, "libc.so") {
            assert!(p.contains("libc"), "{p}");
            assert!(mapping_base(me, &p).is_some());
        }
        assert_eq!(resolve_path("/abs/x", -1).unwrap(), "/abs/x");
        assert_eq!(resolve_path("rbpf-no-such-binary", -1).unwrap_err().errno(), libc::ENOENT);
        assert!(resolve_path("sh", -1).unwrap().ends_with("/sh"));
    }
}
