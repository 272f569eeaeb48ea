//! USDT (SystemTap SDT) probes: `.note.stapsdt` sites of a binary or library, attached as
//! uprobes (one uprobe.multi link when the kernel has them, else one uprobe per site),
//! with semaphores raised by the kernel through `ref_ctr_offset` (process memory is never
//! written). The BPF side is libbpf's `usdt.bpf.h`: argument specs are written into its
//! `__bpf_usdt_specs` map in the layout its value size names ([`spec::SpecLayout`]),
//! identical specs share one id, ids are reused after detach, and the BPF cookie of each
//! site is its spec id (or, on kernels without cookies, `__bpf_usdt_ip_to_spec_id`
//! maps the probe address to it).

pub mod arg;
pub mod note;
pub mod spec;

use super::uprobe::{open_and_attach, resolve, ElfImage, RBPF_PROBE_ATTACH_MODE_DEFAULT};
use super::{Link, LinkDetach};
use crate::opts::UsdtOpts;
use crate::sys::probe::{self, ProbeKind};
use crate::sys::{self, LinkCreateAttr, LinkTarget};
use crate::uapi::*;
use crate::{Error, Result};
use parking_lot::Mutex;
use std::collections::HashMap;
use std::ffi::CString;
use std::os::fd::{AsRawFd, OwnedFd, RawFd};

pub use note::{UsdtNote, UsdtSite};
pub use spec::SpecLayout;

/// Map names usdt.bpf.h declares.
pub const SPECS_MAP: &str = "__bpf_usdt_specs";
pub const IP_MAP: &str = "__bpf_usdt_ip_to_spec_id";

/// Spec ids per spec map (by kernel map id): a bump counter and a free list.
#[derive(Default)]
struct IdAlloc {
    next: u32,
    free: Vec<u32>,
}

fn ids() -> &'static Mutex<HashMap<u32, IdAlloc>> {
    static IDS: std::sync::OnceLock<Mutex<HashMap<u32, IdAlloc>>> = std::sync::OnceLock::new();
    IDS.get_or_init(|| Mutex::new(HashMap::new()))
}

fn alloc_id(map_id: u32, max: u32) -> Result<u32> {
    let mut g = ids().lock();
    let a = g.entry(map_id).or_default();
    if let Some(id) = a.free.pop() {
        return Ok(id);
    }
    if a.next >= max {
        return Err(Error::new(libc::E2BIG, format!("usdt: all {max} USDT spec ids are in use (raise BPF_USDT_MAX_SPEC_CNT)")));
    }
    a.next += 1;
    Ok(a.next - 1)
}

fn free_ids(map_id: u32, list: &[u32]) {
    let mut g = ids().lock();
    let a = g.entry(map_id).or_default();
    a.free.extend_from_slice(list);
}

#[derive(Debug)]
struct UsdtLink {
    links: Vec<Link>,
    map_id: u32,
    spec_ids: Vec<u32>,
    ip_map: Option<OwnedFd>,
    ip_keys: Vec<u64>,
}

impl UsdtLink {
    fn release(&mut self) -> Result<()> {
        let mut res = Ok(());
        for mut l in self.links.drain(..) {
            if let Err(e) = l.detach() {
                res = res.and(Err(e));
            }
        }
        if let Some(m) = &self.ip_map {
            for k in self.ip_keys.drain(..) {
                let _ = sys::map_delete_elem(m.as_raw_fd(), &k.to_ne_bytes(), 0);
            }
        }
        free_ids(self.map_id, &std::mem::take(&mut self.spec_ids));
        res
    }
}

impl LinkDetach for UsdtLink {
    fn detach(&mut self) -> Result<()> {
        self.release()
    }
}

/// The maps of a program's usdt.bpf.h: `specs_map_fd` (`__bpf_usdt_specs`) and, for
/// kernels without BPF cookies, `ip_map_fd` (`__bpf_usdt_ip_to_spec_id`).
#[derive(Clone, Copy, Debug)]
pub struct UsdtMaps {
    pub specs_map_fd: RawFd,
    pub ip_map_fd: Option<RawFd>,
}

/// Attach `prog_fd` (a KPROBE program using usdt.bpf.h) to every site of USDT probe
/// `provider:name` in `binary_path` (a path or a name resolved like uprobes), for `pid`
/// (-1 all, 0 this process). `opts.usdt_cookie` is what bpf_usdt_cookie() returns.
pub fn attach_usdt(prog_fd: RawFd, maps: UsdtMaps, pid: i32, binary_path: &str, provider: &str, name: &str, opts: &UsdtOpts) -> Result<Link> {
    let shown = format!("{binary_path}:{provider}:{name}");
    let wrap = |e: Error| Error::new(e.errno(), format!("failed to attach usdt '{shown}': {}", e.message()));
    let info = sys::map_info(maps.specs_map_fd).map_err(|e| wrap(e.context("usdt: spec map")))?;
    if info.map_type != BPF_MAP_TYPE_ARRAY {
        return Err(wrap(Error::new(libc::EINVAL, format!("usdt: spec map must be an array (is type {})", info.map_type))));
    }
    let layout = SpecLayout::from_value_size(info.value_size).map_err(wrap)?;
    let path = resolve::resolve_path(binary_path, pid).map_err(wrap)?;
    let img = ElfImage::open(&path).map_err(wrap)?;
    let sites = note::find_sites(&img, provider, name).map_err(wrap)?;
    let pid = if pid == 0 { std::process::id() as i32 } else { pid };

    let has_cookie = sys::features::have_bpf_cookie();
    let ip_map = match (has_cookie, maps.ip_map_fd) {
        (true, _) => None,
        (false, Some(fd)) => Some(sys::dup_fd(fd).map_err(wrap)?),
        (false, None) => {
            return Err(wrap(Error::new(libc::ESRCH, "usdt: failed to find USDT support BPF maps, did you forget to include bpf/usdt.bpf.h?")));
        }
    };
    if sites.iter().any(|s| s.sema_off != 0) && !probe::uprobe_has_ref_ctr() {
        return Err(wrap(Error::new(libc::EOPNOTSUPP, "usdt: the probe has a semaphore but this kernel's uprobes have no reference counters")));
    }
    // Runtime addresses, only needed for the IP map.
    let mut runtime_ips = Vec::new();
    if ip_map.is_some() {
        for s in &sites {
            let ip = if img.is_shared() {
                if pid <= 0 {
                    return Err(wrap(Error::new(libc::EINVAL, "usdt: attaching to shared libraries without specific PID is not supported on current kernel")));
                }
                let (start, off) = resolve::mapping_base(pid, &path)
                    .ok_or_else(|| wrap(Error::new(libc::ESRCH, format!("usdt: '{path}' is not mapped by process {pid}"))))?;
                start.wrapping_sub(off).wrapping_add(s.rel_ip)
            } else {
                s.abs_ip
            };
            runtime_ips.push(ip);
        }
    }

    // Specs: one id per distinct argument string.
    let mut state = UsdtLink { links: Vec::new(), map_id: info.id, spec_ids: Vec::new(), ip_map, ip_keys: Vec::new() };
    let mut by_args: HashMap<&str, u32> = HashMap::new();
    let mut site_ids = Vec::with_capacity(sites.len());
    let r: Result<()> = (|| {
        for s in &sites {
            if let Some(id) = by_args.get(s.note.args.as_str()) {
                site_ids.push(*id);
                continue;
            }
            let args = arg::parse_args(&s.note.args).map_err(|e| e.context(format_args!("usdt: probe at 0x{:x}", s.abs_ip)))?;
            let value = spec::encode_spec(layout, &args, opts.usdt_cookie)?;
            let id = alloc_id(info.id, info.max_entries)?;
            state.spec_ids.push(id);
            sys::map_update_elem(maps.specs_map_fd, &id.to_ne_bytes(), &value, 0).map_err(|e| e.context("usdt: failed to write spec"))?;
            by_args.insert(&s.note.args, id);
            site_ids.push(id);
        }
        if let Some(m) = &state.ip_map {
            for (ip, id) in runtime_ips.iter().zip(&site_ids) {
                sys::map_update_elem(m.as_raw_fd(), &ip.to_ne_bytes(), &id.to_ne_bytes(), BPF_NOEXIST).map_err(|e| {
                    if e.errno() == libc::EEXIST {
                        Error::new(libc::EEXIST, format!("usdt: IP collision detected for spec id #{id} at 0x{ip:x}"))
                    } else {
                        e
                    }
                })?;
                state.ip_keys.push(*ip);
            }
        }
        Ok(())
    })();
    if let Err(e) = r {
        let _ = state.release();
        return Err(wrap(e));
    }

    // One uprobe.multi link when possible (the program must have been loaded for it),
    // else a uprobe per site.
    let target = format!("usdt {provider}:{name} in '{path}' ({} sites)", sites.len());
    let mut multi_done = false;
    if sys::features::have_uprobe_multi_link() {
        match multi_link(prog_fd, &path, &sites, &site_ids, pid) {
            Ok(l) => {
                state.links.push(l);
                multi_done = true;
            }
            Err(e) if e.errno() == libc::EINVAL => {}
            Err(e) => {
                let _ = state.release();
                return Err(wrap(e));
            }
        }
    }
    if !multi_done {
        for (s, id) in sites.iter().zip(&site_ids) {
            let t = format!("usdt site '{path}' offset 0x{:x}", s.rel_ip);
            match open_and_attach(prog_fd, ProbeKind::Uprobe, false, &path, s.rel_ip, pid, s.sema_off, *id as u64, RBPF_PROBE_ATTACH_MODE_DEFAULT, t) {
                Ok(l) => state.links.push(l),
                Err(e) => {
                    let _ = state.release();
                    return Err(wrap(e));
                }
            }
        }
    }
    Ok(Link::custom(None, Box::new(state), target))
}

fn multi_link(prog_fd: RawFd, path: &str, sites: &[UsdtSite], ids: &[u32], pid: i32) -> Result<Link> {
    let cpath = CString::new(path).map_err(|_| Error::new(libc::EINVAL, "path contains a NUL byte"))?;
    let ref_ctrs: Vec<u64> = if sites.iter().any(|s| s.sema_off != 0) { sites.iter().map(|s| s.sema_off).collect() } else { Vec::new() };
    let a = LinkCreateAttr {
        prog_fd,
        target_fd: 0,
        attach_type: BPF_TRACE_UPROBE_MULTI,
        flags: 0,
        target: LinkTarget::UprobeMulti {
            path: cpath,
            offsets: sites.iter().map(|s| s.rel_ip).collect(),
            ref_ctr_offsets: ref_ctrs,
            cookies: ids.iter().map(|&i| i as u64).collect(),
            flags: 0,
            pid: if pid < 0 { 0 } else { pid as u32 },
        },
    };
    let fd = sys::link_create(&a)?;
    Ok(Link::from_fd(fd, format!("uprobe.multi '{path}' ({} usdt sites)", sites.len())))
}

/// Parse a USDT SEC() target "PATH:PROVIDER:NAME" (after "usdt/").
pub fn parse_usdt_sec(extras: &str) -> Result<(String, String, String)> {
    let mut it = extras.rsplitn(3, ':');
    let (Some(name), Some(provider), Some(path)) = (it.next(), it.next(), it.next()) else {
        return Err(Error::new(libc::EINVAL, format!("invalid format of usdt section target '{extras}', expected PATH:PROVIDER:NAME")));
    };
    if name.is_empty() || provider.is_empty() || path.is_empty() {
        return Err(Error::new(libc::EINVAL, format!("invalid format of usdt section target '{extras}', expected PATH:PROVIDER:NAME")));
    }
    Ok((path.to_string(), provider.to_string(), name.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sec_target() {
        assert_eq!(parse_usdt_sec("/usr/bin/x:prov:name").unwrap(), ("/usr/bin/x".into(), "prov".into(), "name".into()));
        assert_eq!(parse_usdt_sec("libc.so.6:libc:setjmp").unwrap().0, "libc.so.6");
        assert_eq!(parse_usdt_sec("x:y").unwrap_err().errno(), libc::EINVAL);
    }

    #[test]
    fn ids_are_reused() {
        let map = u32::MAX - 7; // a map id no real map has
        let a = alloc_id(map, 2).unwrap();
        let b = alloc_id(map, 2).unwrap();
        assert_eq!((a, b), (0, 1));
        assert_eq!(alloc_id(map, 2).unwrap_err().errno(), libc::E2BIG);
        free_ids(map, &[a]);
        assert_eq!(alloc_id(map, 2).unwrap(), 0);
    }
}
