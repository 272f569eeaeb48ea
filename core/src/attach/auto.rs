//! Auto-attach from a SEC() name for the probe kinds of this module (uprobe, uretprobe,
//! uprobe.multi, kprobe, kretprobe, kprobe.multi / session, ksyscall, usdt, iter), as
//! libbpf's `attach_*` section handlers. `Program::attach()` calls [`attach_by_sec`] for
//! these kinds; bare sections (`SEC("uprobe")`) give EOPNOTSUPP here and are skipped by
//! `attach_all()`.

use super::kprobe::{self, KprobeMultiTargets};
use super::uprobe::{self, UprobeMultiTargets};
use super::usdt::{self, UsdtMaps};
use super::Link;
use crate::obj::sec_def::{AutoAttach, SecDef};
use crate::opts::*;
use crate::{Error, Result};
use std::os::fd::RawFd;

fn is_ret(def: &SecDef) -> bool {
    let p = def.pattern;
    p.starts_with("uretprobe") || p.starts_with("kretprobe") || p.starts_with("kretsyscall")
}

/// Attach `prog_fd` as `sec_name` (matched by `def`) says. `usdt_maps` are the
/// program's usdt.bpf.h maps (for usdt sections). Errors name the section.
pub fn attach_by_sec(prog_fd: RawFd, def: &SecDef, sec_name: &str, usdt_maps: Option<UsdtMaps>) -> Result<Link> {
    let ctx = |e: Error| e.context(format_args!("section '{sec_name}'"));
    let Some(extras) = def.extras(sec_name) else {
        return Err(Error::new(libc::EOPNOTSUPP, format!("section '{sec_name}' names no attach target (bare section)")));
    };
    let ret = is_ret(def);
    match def.auto_attach {
        AutoAttach::Uprobe => {
            let (path, func, off) = uprobe::parse_uprobe_sec(extras).map_err(ctx)?;
            if ret && off != 0 {
                return Err(ctx(Error::new(libc::EINVAL, "uretprobes do not support offset specification")));
            }
            let o = UprobeOpts { retprobe: ret, func_name: func, ..Default::default() };
            uprobe::attach_uprobe(prog_fd, -1, &path, off, &o).map_err(ctx)
        }
        AutoAttach::UprobeMulti => {
            let (path, pattern) = extras.rsplit_once(':').ok_or_else(|| ctx(Error::new(libc::EINVAL, "expected PATH:FUNC_PATTERN")))?;
            let o = UprobeMultiOpts { retprobe: ret, session: def.pattern.starts_with("uprobe.session") };
            uprobe::attach_uprobe_multi(prog_fd, -1, path, Some(pattern), &UprobeMultiTargets::default(), &o).map_err(ctx)
        }
        AutoAttach::Kprobe => {
            let (func, off) = kprobe::parse_kprobe_sec(extras).map_err(ctx)?;
            if ret && off != 0 {
                return Err(ctx(Error::new(libc::EINVAL, "kretprobes do not support offset specification")));
            }
            let o = KprobeOpts { retprobe: ret, offset: off, ..Default::default() };
            kprobe::attach_kprobe(prog_fd, Some(&func), &o).map_err(ctx)
        }
        AutoAttach::KprobeMulti | AutoAttach::KprobeSession => {
            let o = KprobeMultiOpts { retprobe: ret, session: def.auto_attach == AutoAttach::KprobeSession, ..Default::default() };
            kprobe::attach_kprobe_multi(prog_fd, Some(extras), &KprobeMultiTargets::default(), &o).map_err(ctx)
        }
        AutoAttach::Ksyscall => {
            let o = KsyscallOpts { retprobe: ret, ..Default::default() };
            kprobe::attach_ksyscall(prog_fd, extras, &o).map_err(ctx)
        }
        AutoAttach::Usdt => {
            let (path, provider, name) = usdt::parse_usdt_sec(extras).map_err(ctx)?;
            let Some(maps) = usdt_maps else {
                return Err(ctx(Error::new(libc::ESRCH, "usdt: failed to find USDT support BPF maps, did you forget to include bpf/usdt.bpf.h?")));
            };
            usdt::attach_usdt(prog_fd, maps, -1, &path, &provider, &name, &UsdtOpts::default()).map_err(ctx)
        }
        AutoAttach::Iter => super::iter::attach_iter(prog_fd, &IterAttachOpts::default()).map_err(ctx),
        _ => Err(Error::new(libc::EOPNOTSUPP, format!("section '{sec_name}': not a probe section (attach it with its own call)"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::obj::sec_def::find_sec_def;

    #[test]
    fn bare_and_bad_sections() {
        let d = find_sec_def("uprobe").unwrap();
        assert_eq!(attach_by_sec(-1, d, "uprobe", None).unwrap_err().errno(), libc::EOPNOTSUPP);
        let d = find_sec_def("uretprobe//bin/true:main+4").unwrap();
        let e = attach_by_sec(-1, d, "uretprobe//bin/true:main+4", None).unwrap_err();
        assert_eq!(e.errno(), libc::EINVAL);
        assert!(e.message().contains("section 'uretprobe//bin/true:main+4'"), "{e}");
        let d = find_sec_def("usdt//bin/true:p:n").unwrap();
        assert_eq!(attach_by_sec(-1, d, "usdt//bin/true:p:n", None).unwrap_err().errno(), libc::ESRCH);
        let d = find_sec_def("kretprobe/foo+8").unwrap();
        assert_eq!(attach_by_sec(-1, d, "kretprobe/foo+8", None).unwrap_err().errno(), libc::EINVAL);
    }
}
