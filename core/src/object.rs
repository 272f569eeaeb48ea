//! The user-facing handles: Object, Program, Map.
//!
//! CONTRACT (bindings compile against these signatures; keep them stable, add freely).
//! Lifecycle: open (pure parse, no syscalls) → configure → load → attach → close/drop.
//! Dropping an Object closes its maps and programs; Links hold their own fds and stay
//! valid (the kernel keeps the program alive), so dropping the object first is safe.

use crate::attach::Link;
use crate::btf::Btf;
use crate::obj::sec_def::{self, AutoAttach, SecDef};
use crate::obj::{self, Insn, InitSlot, MapKind, MapSpec, ObjectSpec, OpenArgs};
use crate::opts::{ObjectOpenOpts, RawTracepointOpts, TraceOpts, TracepointOpts};
use crate::opts::{
    CgroupOpts, IterAttachOpts, KprobeMultiOpts, KprobeOpts, KsyscallOpts, NetfilterOpts, NetkitOpts, PerfEventOpts, TcxOpts, UprobeMultiOpts, UprobeOpts,
    UsdtOpts,
};
use crate::sys;
use crate::uapi::*;
use crate::{bail, Error, Result};
use parking_lot::Mutex;
use std::os::fd::{AsRawFd, OwnedFd, RawFd};
use std::path::Path;

#[path = "map_ops.rs"]
mod map_ops;
pub use map_ops::{Batch, BatchCursor, MapIter, MapMmap};

/// Per-CPU map element flags (kernel 6.18+): one CPU's slot / every CPU's slot, the
/// value being a single `value_size` element.
const BPF_F_CPU: u64 = 8;
const BPF_F_ALL_CPUS: u64 = 16;

/// One variable of a global-data section (.data, .rodata, .bss, .kconfig, .data.*,
/// .rodata.*), located through the section's BTF DATASEC.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GlobalVar {
    pub name: String,
    /// Index into `Object::maps()` of the internal map holding it.
    pub map_index: usize,
    /// Byte offset inside the map's value.
    pub offset: usize,
    pub size: usize,
    /// BTF type id of the variable's type (in `Object::btf()`), after the VAR.
    pub type_id: u32,
}

pub struct Object {
    spec: ObjectSpec,
    path: String,
    opts: ObjectOpenOpts,
    programs: Vec<Program>,
    maps: Vec<Map>,
    load_attempted: bool,
    loaded: bool,
    btf_fd: Option<OwnedFd>,
}

fn read_file(path: &Path) -> Result<Vec<u8>> {
    crate::obj::sparse_read::read_elf(path).map_err(|e| {
        let errno = e.raw_os_error().unwrap_or(libc::EIO);
        Error::new(errno, format!("elf: failed to open {}: {}", path.display(), crate::error::errno_name(errno)))
    })
}

/// libbpf: basename, truncated to 15 bytes, cut at the first '.'.
fn default_object_name(path: &str) -> String {
    let base = path.rsplit('/').next().unwrap_or(path);
    let mut b: Vec<u8> = base.as_bytes().iter().copied().take(15).collect();
    if let Some(dot) = b.iter().position(|&c| c == b'.') {
        b.truncate(dot);
    }
    String::from_utf8_lossy(&b).into_owned()
}

fn truncate_name(name: &str) -> String {
    let mut end = name.len().min(15);
    while !name.is_char_boundary(end) {
        end -= 1;
    }
    name[..end].to_string()
}

impl Object {
    /// Parse an ELF file. No syscalls. Missing file → ENOENT; malformed → EINVAL.
    pub fn open_file(path: impl AsRef<Path>, opts: &ObjectOpenOpts) -> Result<Object> {
        let path = path.as_ref();
        let data = read_file(path)?;
        let p = path.to_string_lossy().into_owned();
        let name = match &opts.object_name {
            Some(n) => truncate_name(n),
            None => default_object_name(&p),
        };
        Self::open_inner(&data, p, name, opts)
    }

    /// Parse an ELF image from memory. Empty buffer → EINVAL.
    pub fn open_mem(data: &[u8], opts: &ObjectOpenOpts) -> Result<Object> {
        if data.is_empty() {
            bail!(libc::EINVAL, "open_mem: empty buffer");
        }
        let p = format!("{:x}-{:x}", data.as_ptr() as usize, data.len());
        let name = truncate_name(opts.object_name.as_deref().unwrap_or(&p));
        Self::open_inner(data, p, name, opts)
    }

    fn open_inner(data: &[u8], path: String, name: String, opts: &ObjectOpenOpts) -> Result<Object> {
        let args = OpenArgs { path: &path, name, relaxed_maps: opts.relaxed_maps, pin_root_path: opts.pin_root_path.as_deref() };
        let spec = ObjectSpec::parse(data, &args)?;
        let programs = spec
            .progs
            .iter()
            .enumerate()
            .filter(|(_, p)| !p.is_subprog)
            .map(|(i, p)| Program {
                name: p.name.clone(),
                sec_name: p.sec_name.clone(),
                spec_idx: i,
                sec_def: p.sec_def,
                prog_type: p.prog_type,
                expected_attach_type: p.expected_attach_type,
                flags: p.prog_flags,
                autoload: true,
                autoattach: true,
                log_level: 0,
                fd: None,
                insns: p.insns.clone(),
                func_info: Vec::new(),
                line_info: Vec::new(),
                attach_target: None,
                usdt_maps: None,
            })
            .collect();
        let mut maps: Vec<Map> = spec.maps.iter().map(Map::from_spec).collect();
        for (i, m) in maps.iter_mut().enumerate() {
            m.index = i;
            m.globals = spec.maps[i]
                .vars
                .iter()
                .map(|v| GlobalVar { name: v.name.clone(), map_index: i, offset: v.offset as usize, size: v.size as usize, type_id: v.type_id })
                .collect();
        }
        Ok(Object { spec, path, opts: opts.clone(), programs, maps, load_attempted: false, loaded: false, btf_fd: None })
    }

    pub fn name(&self) -> &str {
        &self.spec.name
    }
    /// The `version` section's value, else the running kernel's version (as libbpf).
    pub fn kversion(&self) -> u32 {
        if self.spec.kversion != 0 {
            self.spec.kversion
        } else {
            obj::kconfig::kernel_version()
        }
    }
    pub fn license(&self) -> &str {
        &self.spec.license
    }
    pub fn is_loaded(&self) -> bool {
        self.loaded
    }
    /// The parsed object model (programs, maps, relocations, externs).
    pub fn spec(&self) -> &ObjectSpec {
        &self.spec
    }
    /// fd of the object's BTF in the kernel, after load.
    pub fn btf_fd(&self) -> Option<RawFd> {
        self.btf_fd.as_ref().map(|f| f.as_raw_fd())
    }

    /// Create maps, relocate, load programs. A second call is EINVAL.
    pub fn load(&mut self) -> Result<()> {
        if self.load_attempted {
            bail!(libc::EINVAL, "object '{}': load can't be attempted twice", self.spec.name);
        }
        self.load_attempted = true;
        match self.load_inner() {
            Ok(()) => {
                self.loaded = true;
                Ok(())
            }
            Err(e) => {
                // Release what was created; the object stays "load attempted".
                for p in &mut self.programs {
                    p.fd = None;
                }
                for m in &mut self.maps {
                    // Pins made by this load go too (libbpf unpins on failure).
                    if m.pinned_here {
                        if let Some(path) = &m.spec.pin_path {
                            let _ = std::fs::remove_file(path);
                        }
                    }
                    m.unload();
                }
                self.btf_fd = None;
                crate::warn!("failed to load object '{}'", self.path);
                Err(e)
            }
        }
    }

    fn load_inner(&mut self) -> Result<()> {
        // Programs with an unknown section fail before anything is created.
        for p in self.programs.iter().filter(|p| p.autoload) {
            if p.prog_type == BPF_PROG_TYPE_UNSPEC {
                crate::warn!("prog '{}': missing BPF prog type, check ELF section name '{}'", p.name, p.sec_name);
                bail!(libc::EINVAL, "program '{}': missing BPF prog type, check ELF section name '{}'", p.name, p.sec_name);
            }
        }
        self.resolve_kconfig()?;
        self.load_btf()?;
        self.create_maps()?;
        self.pin_maps()?;
        let relocated = self.relocate()?;
        self.load_programs(relocated)?;
        self.init_prog_arrays()?;
        Ok(())
    }

    fn resolve_kconfig(&mut self) -> Result<()> {
        let Some(k) = self.spec.kconfig_map else { return Ok(()) };
        let release = obj::kconfig::kernel_version();
        let mut image = self.maps[k].image.lock();
        obj::kconfig::resolve(
            &self.spec.externs,
            &mut image,
            self.opts.kconfig.as_deref(),
            sys::features::have_bpf_cookie(),
            release >= (4 << 16 | 17 << 8),
        )
    }

    fn load_btf(&mut self) -> Result<()> {
        let Some(view) = &self.spec.btf else { return Ok(()) };
        // Hidden global subprograms get static FUNC linkage (more permissive verification).
        let hidden: Vec<&str> = self.spec.progs.iter().filter(|p| p.is_subprog && p.mark_btf_static).map(|p| p.name.as_str()).collect();
        let bytes = if hidden.is_empty() {
            view.to_bytes()
        } else {
            let mut v = view.clone();
            for id in 1..v.type_cnt() {
                if v.kind(id)? == obj::btfview::BTF_KIND_FUNC && v.func_linkage(id)? == 1 && hidden.contains(&v.name(id)?) {
                    v.set_func_linkage(id, 0)?;
                }
            }
            v.to_bytes()
        };
        match sys::btf_load(&bytes) {
            Ok(fd) => self.btf_fd = Some(fd),
            Err(e) => {
                let needs = self.programs.iter().any(|p| {
                    p.autoload && matches!(p.prog_type, BPF_PROG_TYPE_TRACING | BPF_PROG_TYPE_EXT | BPF_PROG_TYPE_LSM | BPF_PROG_TYPE_STRUCT_OPS)
                });
                if needs {
                    bail!(e.errno(), "Error loading .BTF into kernel: {}. BTF is mandatory, can't proceed.", e.message());
                }
                crate::info!("Error loading .BTF into kernel: {}. BTF is optional, ignoring.", e.message());
            }
        }
        Ok(())
    }

    fn create_maps(&mut self) -> Result<()> {
        let btf_fd = self.btf_fd.as_ref().map(|f| f.as_raw_fd());
        for i in 0..self.maps.len() {
            if !self.maps[i].autocreate {
                continue;
            }
            // libbpf: a PERF_EVENT_ARRAY without max_entries gets one slot per possible CPU.
            if self.maps[i].spec.map_type == BPF_MAP_TYPE_PERF_EVENT_ARRAY && self.maps[i].spec.max_entries == 0 && !self.maps[i].reused {
                let n = sys::num_possible_cpus().map_err(|e| e.context(format!("map '{}'", self.maps[i].spec.name)))?;
                self.maps[i].spec.max_entries = n as u32;
            }
            if btf_not_supported(&self.maps[i].spec) {
                // As libbpf: these map types take no BTF types (and a key type without a
                // value type is refused), so they are created without.
                self.maps[i].spec.btf_key_type_id = 0;
                self.maps[i].spec.btf_value_type_id = 0;
            }
            let map = &self.maps[i];
            let spec = &map.spec;
            if map.reused {
                continue;
            }
            // Reuse a pinned map when it matches.
            if let Some(path) = &spec.pin_path {
                if let Some(fd) = reuse_pinned(spec, path)? {
                    self.maps[i].fd = Some(fd);
                    self.maps[i].pinned = true;
                    continue;
                }
            }
            let inner_fd = match (&map.inner_map_fd, &spec.inner) {
                (Some(_), _) => None,
                (None, Some(inner)) => Some(sys::map_create(&create_attr(inner, btf_fd, None)).map_err(|e| e.context(format!("map '{}': inner map", spec.name)))?),
                (None, None) => None,
            };
            let inner_raw = map.inner_map_fd.as_ref().or(inner_fd.as_ref()).map(|f| f.as_raw_fd());
            let attr = create_attr(spec, btf_fd, inner_raw);
            let fd = match sys::map_create(&attr) {
                Ok(fd) => fd,
                // Like libbpf: retry without BTF type ids if the kernel rejects them.
                Err(e) if attr.btf_fd.is_some() && (attr.btf_key_type_id != 0 || attr.btf_value_type_id != 0) => {
                    crate::warn!("map '{}': failed to create with BTF ({}), retrying without BTF", spec.name, e.message());
                    let plain = sys::MapCreateAttr { btf_fd: None, btf_key_type_id: 0, btf_value_type_id: 0, ..attr.clone() };
                    sys::map_create(&plain)?
                }
                Err(e) => return Err(e),
            };
            drop(inner_fd);
            let map = &mut self.maps[i];
            if map.spec.is_internal() {
                let image = map.image.lock().clone();
                sys::map_update_elem(fd.as_raw_fd(), &0u32.to_ne_bytes(), &image, BPF_ANY)
                    .map_err(|e| e.context(format!("map '{}': failed to set initial contents", map.spec.name)))?;
                if map.spec.is_readonly() {
                    sys::map_freeze(fd.as_raw_fd()).map_err(|e| e.context(format!("map '{}': failed to freeze", map.spec.name)))?;
                }
                if map.spec.is_mmapable() {
                    let len = map.spec.value_size as usize;
                    let region = sys::map_mmap(fd.as_raw_fd(), len.max(1), !map.spec.is_readonly())
                        .map_err(|e| e.context(format!("map '{}': failed to mmap", map.spec.name)))?;
                    map.mmap = Some(region);
                }
            }
            map.fd = Some(fd);
        }
        // Map-in-map slots (not for a reused pinned map: its contents are its own).
        for i in 0..self.maps.len() {
            if self.maps[i].pinned || self.maps[i].reused {
                continue;
            }
            for (slot, target) in self.maps[i].spec.init_slots.clone().iter().enumerate() {
                let Some(InitSlot::Map(name)) = target else { continue };
                let Some(t) = self.maps.iter().position(|m| &m.spec.name == name) else { continue };
                let (Some(outer), Some(inner)) = (self.maps[i].raw_fd(), self.maps[t].raw_fd()) else { continue };
                sys::map_update_elem(outer, &(slot as u32).to_ne_bytes(), &inner.to_ne_bytes(), BPF_ANY)
                    .map_err(|e| e.context(format!("map '{}': failed to initialize slot [{slot}] to map '{name}'", self.maps[i].spec.name)))?;
            }
        }
        Ok(())
    }

    fn relocate(&mut self) -> Result<Vec<Option<crate::reloc::RelocatedProg>>> {
        let spec = &self.spec;
        let mut autoload: Vec<bool> = spec.progs.iter().map(|p| p.is_subprog).collect();
        for p in &self.programs {
            autoload[p.spec_idx] = p.autoload;
        }
        let mut funcs: Vec<Vec<Insn>> = spec.progs.iter().map(|p| p.insns.clone()).collect();
        let has_core = spec.btf_ext.as_ref().is_some_and(|x| !x.core_relo.is_empty());
        let mut core_poison = Vec::new();
        if has_core {
            let Some(local) = self.btf() else {
                bail!(libc::EINVAL, "failed to perform CO-RE relocations: the object's BTF can't be parsed");
            };
            core_poison = obj::kbtf::apply_core(spec, local, &mut funcs, &autoload, self.opts.btf_custom_path.as_deref()).map_err(|e| {
                crate::warn!("failed to perform CO-RE relocations: {e}");
                e
            })?;
        }
        let map_fds: Vec<Option<RawFd>> = self.maps.iter().map(|m| m.raw_fd()).collect();
        crate::reloc::relocate(spec, &funcs, &crate::reloc::RelocEnv { map_fds: &map_fds, autoload: &autoload, core_poison: &core_poison })
    }

    fn load_programs(&mut self, mut relocated: Vec<Option<crate::reloc::RelocatedProg>>) -> Result<()> {
        let btf_fd = self.btf_fd.as_ref().map(|f| f.as_raw_fd());
        let kern_version = self.kversion();
        let rodata: Vec<RawFd> = self.maps.iter().filter(|m| m.spec.kind == MapKind::Rodata).filter_map(|m| m.raw_fd()).collect();
        let obj_log_level = self.opts.kernel_log_level;
        // usdt.bpf.h's maps, for Program::attach_usdt (libbpf's usdt manager looks them up by name).
        let map_fd = |name: &str| self.maps.iter().find(|m| m.spec.matches_name(name)).and_then(|m| m.raw_fd());
        let usdt_maps = map_fd(crate::attach::usdt::SPECS_MAP)
            .map(|specs_map_fd| crate::attach::UsdtMaps { specs_map_fd, ip_map_fd: map_fd(crate::attach::usdt::IP_MAP) });
        for p in self.programs.iter_mut() {
            if !p.autoload {
                continue;
            }
            let Some(r) = relocated[p.spec_idx].take() else { continue };
            let mut attach_btf_id = 0;
            if let Some(d) = p.sec_def.filter(|d| d.flags & sec_def::SEC_ATTACH_BTF != 0) {
                let Some(target) = p.attach_target.as_deref().or_else(|| d.extras(&p.sec_name)) else {
                    bail!(libc::EINVAL, "prog '{}': no BTF-based attach target is specified, use set_attach_target()", p.name);
                };
                attach_btf_id = obj::kbtf::vmlinux_attach_btf_id(target, p.expected_attach_type).map_err(|e| e.context(format!("prog '{}'", p.name)))?;
            }
            // libbpf's SEC_USDT rule: one uprobe.multi link per USDT attach when the kernel can.
            if p.sec_def.is_some_and(|d| d.flags & sec_def::SEC_USDT != 0) && sys::features::have_uprobe_multi_link() {
                p.expected_attach_type = BPF_TRACE_UPROBE_MULTI;
            }
            let level = if p.log_level != 0 { p.log_level } else { obj_log_level };
            let attr = sys::ProgLoadAttr {
                prog_type: p.prog_type,
                name: &p.name,
                insns: &r.insns,
                license: &self.spec.license,
                expected_attach_type: p.expected_attach_type,
                prog_flags: p.flags,
                kern_version,
                btf_fd,
                func_info: if btf_fd.is_some() { &r.func_info } else { &[] },
                func_info_rec_size: r.func_info_rec_size,
                func_info_cnt: if btf_fd.is_some() { r.func_info_cnt() } else { 0 },
                line_info: if btf_fd.is_some() { &r.line_info } else { &[] },
                line_info_rec_size: r.line_info_rec_size,
                line_info_cnt: if btf_fd.is_some() { r.line_info_cnt() } else { 0 },
                attach_btf_id,
                log_level: level,
                ..Default::default()
            };
            let fd = match sys::prog_load(&attr) {
                Ok(fd) => fd,
                Err(e) => {
                    // sys names the program too ("prog 'x': BPF program load failed: ..."): say it once.
                    let sys_prefix = format!("prog '{}': ", p.name);
                    let detail = e.message().strip_prefix(&sys_prefix).unwrap_or(e.message());
                    let mut msg = format!("program '{}': failed to load: {detail}", p.name);
                    crate::warn!("prog '{}': BPF program load failed: {}", p.name, e.code());
                    return Err(match e.verifier_log() {
                        Some(log) => {
                            let (log, hint) = fixup_verifier_log(log, &self.spec, &r.core_poison);
                            if let Some(h) = hint {
                                msg.push_str(": ");
                                msg.push_str(&h);
                            }
                            crate::warn!("prog '{}': -- BEGIN PROG LOAD LOG --\n{log}\n-- END PROG LOAD LOG --", p.name);
                            Error::verifier(e.errno(), msg, log)
                        }
                        None => Error::new(e.errno(), msg),
                    });
                }
            };
            for &m in &rodata {
                if let Err(e) = sys::prog_bind_map(fd.as_raw_fd(), m) {
                    crate::warn!("prog '{}': failed to bind .rodata map: {}", p.name, e.message());
                }
            }
            p.fd = Some(fd);
            p.usdt_maps = usdt_maps;
            p.insns = r.insns;
            p.func_info = r.func_info;
            p.line_info = r.line_info;
        }
        Ok(())
    }

    fn init_prog_arrays(&mut self) -> Result<()> {
        for m in &self.maps {
            for (slot, target) in m.spec.init_slots.iter().enumerate() {
                let Some(InitSlot::Prog(name)) = target else { continue };
                let Some(p) = self.programs.iter().find(|p| &p.name == name) else { continue };
                let (Some(map_fd), Some(prog_fd)) = (m.raw_fd(), p.fd.as_ref().map(|f| f.as_raw_fd())) else { continue };
                sys::map_update_elem(map_fd, &(slot as u32).to_ne_bytes(), &prog_fd.to_ne_bytes(), BPF_ANY)
                    .map_err(|e| e.context(format!("map '{}': failed to initialize slot [{slot}] to prog '{name}'", m.spec.name)))?;
            }
        }
        Ok(())
    }

    /// Pin maps with a pin path (after their contents are set, before programs load).
    /// A pin appearing meanwhile (EEXIST) is reused if it matches, as libbpf retries.
    fn pin_maps(&mut self) -> Result<()> {
        for m in &mut self.maps {
            let (Some(path), Some(fd)) = (m.spec.pin_path.clone(), m.raw_fd()) else { continue };
            if m.pinned {
                continue;
            }
            match sys::obj_pin(fd, &path) {
                Ok(()) => {
                    m.pinned = true;
                    m.pinned_here = true;
                }
                Err(e) if e.errno() == libc::EEXIST => match reuse_pinned(&m.spec, &path)? {
                    Some(pinned) => {
                        m.mmap = None;
                        m.fd = Some(pinned);
                        m.pinned = true;
                    }
                    None => return Err(e.context(format!("map '{}': failed to auto-pin at '{path}'", m.spec.name))),
                },
                Err(e) => return Err(e.context(format!("map '{}': failed to auto-pin at '{path}'", m.spec.name))),
            }
        }
        Ok(())
    }

    pub fn programs(&self) -> &[Program] {
        &self.programs
    }
    pub fn programs_mut(&mut self) -> &mut [Program] {
        &mut self.programs
    }
    pub fn program(&self, name: &str) -> Option<&Program> {
        self.programs.iter().find(|p| p.name == name)
    }
    pub fn program_mut(&mut self, name: &str) -> Option<&mut Program> {
        self.programs.iter_mut().find(|p| p.name == name)
    }
    pub fn maps(&self) -> &[Map] {
        &self.maps
    }
    pub fn maps_mut(&mut self) -> &mut [Map] {
        &mut self.maps
    }
    /// By name as libbpf's find_map_by_name: "counts", "syscount.rodata", or the ELF
    /// section name of a global-data map (".rodata", ".data.custom").
    pub fn map(&self, name: &str) -> Option<&Map> {
        self.maps.iter().find(|m| m.spec.matches_name(name))
    }
    pub fn map_mut(&mut self, name: &str) -> Option<&mut Map> {
        self.maps.iter_mut().find(|m| m.spec.matches_name(name))
    }
    /// The global-data map of an ELF section (".rodata", ".bss", ".data.custom",
    /// ".kconfig"), whatever its kernel name.
    pub fn datasec(&self, section: &str) -> Option<&Map> {
        self.maps.iter().find(|m| m.spec.is_internal() && m.spec.real_name == section)
    }
    /// The object's own BTF, if it has a .BTF section.
    pub fn btf(&self) -> Option<&Btf> {
        self.spec.btf.as_ref().map(|v| &v.btf)
    }
    /// Every variable of every global-data section, in section then offset order.
    pub fn globals(&self) -> Vec<GlobalVar> {
        self.maps.iter().flat_map(|m| m.globals.iter().cloned()).collect()
    }
    /// One global variable by name (first match across sections).
    pub fn global(&self, name: &str) -> Option<GlobalVar> {
        self.maps.iter().flat_map(|m| m.globals.iter()).find(|g| g.name == name).cloned()
    }
    /// Attach every program whose section auto-attaches (like a skeleton's attach):
    /// skips autoload=false, autoattach=false and bare sections (SEC("tp"), ...).
    pub fn attach_all(&self) -> Result<Vec<Link>> {
        let mut links = Vec::new();
        for p in &self.programs {
            if !p.autoload || !p.autoattach {
                continue;
            }
            let Some(d) = p.sec_def else { continue };
            if d.auto_attach == AutoAttach::None || (d.auto_attach != AutoAttach::Trace && d.extras(&p.sec_name).is_none()) {
                continue;
            }
            match p.attach() {
                Ok(l) => links.push(l),
                Err(e) => return Err(Error::new(e.errno(), format!("prog '{}': failed to auto-attach: {}", p.name, e.message()))),
            }
        }
        Ok(links)
    }
}

/// libbpf's fixup_verifier_log: when one of the last lines is "invalid func
/// unknown#<poison>", replace it and the instruction line before it with what the
/// poison means (a failed CO-RE relocation, a map that wasn't created, an unresolved
/// kfunc). Returns the log and a one-line description for the error message.
fn fixup_verifier_log(log: &str, spec: &ObjectSpec, core_poison: &[(usize, String)]) -> (String, Option<String>) {
    let lines: Vec<&str> = log.lines().collect();
    let n = lines.len();
    for i in (n.saturating_sub(10)..n).rev() {
        let Some(num) = lines[i].strip_prefix("invalid func unknown#") else { continue };
        let Ok(poison) = num.trim().parse::<i64>() else { continue };
        if i == 0 {
            continue;
        }
        // The instruction line: "123: (85) call unknown#N".
        let Some(insn_idx) = lines[i - 1].split(':').next().and_then(|x| x.trim().parse::<usize>().ok()) else { continue };
        let (patch, hint) = if poison == POISON_CORE_RELO as i64 {
            let Some((_, spec_desc)) = core_poison.iter().find(|(idx, _)| *idx == insn_idx) else { return (log.to_string(), None) };
            (
                format!("{insn_idx}: <invalid CO-RE relocation>\nfailed to resolve CO-RE relocation {spec_desc}"),
                format!("insn #{insn_idx}: failed to resolve CO-RE relocation {spec_desc}"),
            )
        } else if (POISON_MAP_BASE as i64..POISON_MAP_BASE as i64 + 1_000_000).contains(&poison) {
            let Some(m) = spec.maps.get((poison - POISON_MAP_BASE as i64) as usize) else { return (log.to_string(), None) };
            (
                format!("{insn_idx}: <invalid BPF map reference>\nBPF map '{}' is referenced but wasn't created", m.name),
                format!("BPF map '{}' is referenced but wasn't created", m.name),
            )
        } else if (POISON_KFUNC_BASE as i64..POISON_KFUNC_BASE as i64 + 1_000_000).contains(&poison) {
            let Some(x) = spec.externs.get((poison - POISON_KFUNC_BASE as i64) as usize) else { return (log.to_string(), None) };
            (
                format!("{insn_idx}: <invalid kfunc call>\nkfunc '{}' is referenced but wasn't resolved", x.name),
                format!("kfunc '{}' is referenced but wasn't resolved", x.name),
            )
        } else {
            return (log.to_string(), None);
        };
        let mut out: Vec<String> = lines[..i - 1].iter().map(|l| l.to_string()).collect();
        out.push(patch);
        out.extend(lines[i + 1..].iter().map(|l| l.to_string()));
        return (out.join("\n"), Some(hint));
    }
    (log.to_string(), None)
}

/// The map pinned at `path` if it exists and matches `spec` (libbpf's reuse rules: same
/// type, key/value sizes, max_entries, flags without BPF_F_RDONLY_PROG, map_extra).
fn reuse_pinned(spec: &MapSpec, path: &str) -> Result<Option<OwnedFd>> {
    let Ok(fd) = sys::obj_get(path) else { return Ok(None) };
    let info = sys::map_info(fd.as_raw_fd()).map_err(|e| e.context(format!("map '{}'", spec.name)))?;
    check_reuse(spec, &info, path)?;
    crate::debug!("map '{}': reused pinned map at '{path}'", spec.name);
    Ok(Some(fd))
}

/// Map types libbpf creates without BTF key/value types (bpf_object__create_map), and
/// maps with a key type but no value type (prog arrays declared with `values`).
fn btf_not_supported(spec: &MapSpec) -> bool {
    matches!(
        spec.map_type,
        BPF_MAP_TYPE_PERF_EVENT_ARRAY
            | BPF_MAP_TYPE_CGROUP_ARRAY
            | BPF_MAP_TYPE_STACK_TRACE
            | BPF_MAP_TYPE_ARRAY_OF_MAPS
            | BPF_MAP_TYPE_HASH_OF_MAPS
            | BPF_MAP_TYPE_DEVMAP
            | BPF_MAP_TYPE_DEVMAP_HASH
            | BPF_MAP_TYPE_CPUMAP
            | BPF_MAP_TYPE_XSKMAP
            | BPF_MAP_TYPE_SOCKMAP
            | BPF_MAP_TYPE_SOCKHASH
            | BPF_MAP_TYPE_QUEUE
            | BPF_MAP_TYPE_STACK
            | BPF_MAP_TYPE_ARENA
    ) || (spec.btf_key_type_id != 0 && spec.btf_value_type_id == 0)
}

/// libbpf's map_is_reuse_compat, naming the first parameter that differs.
fn check_reuse(spec: &MapSpec, info: &sys::attr::BpfMapInfo, path: &str) -> Result<()> {
    let flags = |f: u32| f & !BPF_F_RDONLY_PROG;
    let diff: Option<(&str, u64, u64)> = if info.map_type != spec.map_type {
        Some(("type", info.map_type.into(), spec.map_type.into()))
    } else if info.key_size != spec.key_size {
        Some(("key_size", info.key_size.into(), spec.key_size.into()))
    } else if info.value_size != spec.value_size {
        Some(("value_size", info.value_size.into(), spec.value_size.into()))
    } else if info.max_entries != spec.max_entries {
        Some(("max_entries", info.max_entries.into(), spec.max_entries.into()))
    } else if flags(info.map_flags) != flags(spec.map_flags) {
        Some(("map_flags", flags(info.map_flags).into(), flags(spec.map_flags).into()))
    } else if info.map_extra != spec.map_extra {
        Some(("map_extra", info.map_extra, spec.map_extra))
    } else {
        None
    };
    if let Some((what, pinned, want)) = diff {
        crate::warn!("map '{}': couldn't reuse pinned map at '{path}': parameter mismatch", spec.name);
        bail!(libc::EINVAL, "map '{}': couldn't reuse pinned map at '{path}': parameter mismatch: {what} is {pinned} in the pinned map, {want} in the object", spec.name);
    }
    Ok(())
}

fn create_attr(spec: &MapSpec, btf_fd: Option<RawFd>, inner_map_fd: Option<RawFd>) -> sys::MapCreateAttr {
    let has_btf = btf_fd.is_some() && (spec.btf_key_type_id != 0 || spec.btf_value_type_id != 0);
    sys::MapCreateAttr {
        map_type: spec.map_type,
        name: spec.name.clone(),
        key_size: spec.key_size,
        value_size: spec.value_size,
        max_entries: spec.max_entries,
        map_flags: spec.map_flags,
        btf_fd: if has_btf { btf_fd } else { None },
        btf_key_type_id: if has_btf { spec.btf_key_type_id } else { 0 },
        btf_value_type_id: if has_btf { spec.btf_value_type_id } else { 0 },
        inner_map_fd,
        numa_node: spec.numa_node,
        map_extra: spec.map_extra,
        ..Default::default()
    }
}

pub struct Program {
    name: String,
    sec_name: String,
    spec_idx: usize,
    sec_def: Option<&'static SecDef>,
    prog_type: u32,
    expected_attach_type: u32,
    flags: u32,
    autoload: bool,
    autoattach: bool,
    log_level: u32,
    fd: Option<OwnedFd>,
    insns: Vec<Insn>,
    func_info: Vec<u8>,
    line_info: Vec<u8>,
    attach_target: Option<String>,
    /// The object's usdt.bpf.h maps (raw fds owned by the object's maps, set at load).
    usdt_maps: Option<crate::attach::UsdtMaps>,
}

impl Program {
    /// The C function name.
    pub fn name(&self) -> &str {
        &self.name
    }
    pub fn section_name(&self) -> &str {
        &self.sec_name
    }
    /// BPF_PROG_TYPE_* (0 = UNSPEC for an unrecognised section).
    pub fn prog_type(&self) -> u32 {
        self.prog_type
    }
    /// EBUSY after load.
    pub fn set_type(&mut self, prog_type: u32) -> Result<()> {
        self.check_not_loaded()?;
        self.prog_type = prog_type;
        Ok(())
    }
    fn check_not_loaded(&self) -> Result<()> {
        if self.fd.is_some() {
            bail!(libc::EBUSY, "prog '{}': already loaded", self.name);
        }
        Ok(())
    }
    pub fn expected_attach_type(&self) -> u32 {
        self.expected_attach_type
    }
    pub fn set_expected_attach_type(&mut self, attach_type: u32) -> Result<()> {
        self.check_not_loaded()?;
        self.expected_attach_type = attach_type;
        Ok(())
    }
    pub fn autoload(&self) -> bool {
        self.autoload
    }
    /// EINVAL after load.
    pub fn set_autoload(&mut self, autoload: bool) -> Result<()> {
        if self.fd.is_some() {
            bail!(libc::EINVAL, "prog '{}': can't change autoload after load", self.name);
        }
        self.autoload = autoload;
        Ok(())
    }
    pub fn autoattach(&self) -> bool {
        self.autoattach
    }
    pub fn set_autoattach(&mut self, autoattach: bool) {
        self.autoattach = autoattach;
    }
    /// BPF_F_* program flags given at load.
    pub fn flags(&self) -> u32 {
        self.flags
    }
    pub fn set_flags(&mut self, flags: u32) -> Result<()> {
        self.check_not_loaded()?;
        self.flags = flags;
        Ok(())
    }
    pub fn log_level(&self) -> u32 {
        self.log_level
    }
    pub fn set_log_level(&mut self, level: u32) -> Result<()> {
        self.check_not_loaded()?;
        self.log_level = level;
        Ok(())
    }
    /// The program fd; EINVAL if not loaded.
    pub fn fd(&self) -> Result<RawFd> {
        match &self.fd {
            Some(fd) => Ok(fd.as_raw_fd()),
            None => bail!(libc::EINVAL, "prog '{}': not loaded", self.name),
        }
    }
    /// Instructions: as relocated after load, as parsed before.
    pub fn insns(&self) -> &[crate::obj::Insn] {
        &self.insns
    }
    pub fn insn_cnt(&self) -> usize {
        self.insns.len()
    }
    /// Raw `bpf_func_info` records passed to the kernel (after load).
    pub fn func_info(&self) -> &[u8] {
        &self.func_info
    }
    /// Raw `bpf_line_info` records passed to the kernel (after load).
    pub fn line_info(&self) -> &[u8] {
        &self.line_info
    }
    /// The kernel function (or tracepoint, for tp_btf) a BTF-attached program targets,
    /// instead of the one in its section name (libbpf's set_attach_target with
    /// attach_prog_fd 0). EBUSY after load.
    pub fn set_attach_target(&mut self, name: &str) -> Result<()> {
        self.check_not_loaded()?;
        if name.is_empty() {
            bail!(libc::EINVAL, "prog '{}': empty attach target", self.name);
        }
        self.attach_target = Some(name.to_string());
        Ok(())
    }
    pub fn attach_target(&self) -> Option<&str> {
        self.attach_target.as_deref()
    }
    /// The SEC() definition this program matched (None for an unknown section).
    pub fn sec_def(&self) -> Option<&'static SecDef> {
        self.sec_def
    }
    fn loaded_fd(&self) -> Result<RawFd> {
        match &self.fd {
            Some(fd) => Ok(fd.as_raw_fd()),
            None => bail!(libc::EINVAL, "prog '{}': can't attach BPF program without FD (was it loaded?)", self.name),
        }
    }
    /// Attach as the section name says. EOPNOTSUPP for bare or non-attachable sections;
    /// EINVAL when not loaded ("can't attach BPF program without FD (was it loaded?)").
    pub fn attach(&self) -> Result<Link> {
        self.loaded_fd()?;
        let unsupported = || Error::new(libc::EOPNOTSUPP, format!("prog '{}': section '{}' has no auto-attach target", self.name, self.sec_name));
        let Some(d) = self.sec_def else { return Err(unsupported()) };
        match d.auto_attach {
            AutoAttach::Tracepoint => {
                let extras = d.extras(&self.sec_name).ok_or_else(unsupported)?;
                let Some((cat, name)) = extras.split_once('/') else {
                    bail!(libc::EINVAL, "prog '{}': invalid format of tracepoint section '{}'", self.name, self.sec_name);
                };
                self.attach_tracepoint(cat, name, &TracepointOpts::default())
            }
            AutoAttach::RawTracepoint => {
                let name = d.extras(&self.sec_name).ok_or_else(unsupported)?;
                self.attach_raw_tracepoint(name, &RawTracepointOpts::default())
            }
            AutoAttach::Trace => self.attach_trace(&TraceOpts::default()),
            AutoAttach::Lsm => self.attach_lsm(),
            AutoAttach::Uprobe
            | AutoAttach::UprobeMulti
            | AutoAttach::Kprobe
            | AutoAttach::KprobeMulti
            | AutoAttach::KprobeSession
            | AutoAttach::Ksyscall
            | AutoAttach::Usdt
            | AutoAttach::Iter => {
                let fd = self.loaded_fd()?;
                crate::attach::attach_by_sec(fd, d, &self.sec_name, self.usdt_maps).map_err(self.prog_ctx())
            }
            AutoAttach::None => Err(unsupported()),
        }
    }
    pub fn attach_tracepoint(&self, category: &str, name: &str, opts: &TracepointOpts) -> Result<Link> {
        let fd = self.loaded_fd()?;
        crate::attach::attach_tracepoint(fd, category, name, opts).map_err(|e| e.context(format!("prog '{}'", self.name)))
    }
    pub fn attach_raw_tracepoint(&self, name: &str, opts: &RawTracepointOpts) -> Result<Link> {
        let fd = self.loaded_fd()?;
        crate::attach::attach_raw_tracepoint(fd, name, opts).map_err(|e| e.context(format!("prog '{}'", self.name)))
    }
    /// BTF-based tracing attach (tp_btf, fentry, fexit, ...).
    pub fn attach_trace(&self, opts: &TraceOpts) -> Result<Link> {
        let fd = self.loaded_fd()?;
        crate::attach::attach_trace(fd, self.expected_attach_type, opts).map_err(|e| e.context(format!("prog '{}'", self.name)))
    }

    /// Error context naming this program.
    fn prog_ctx(&self) -> impl FnOnce(Error) -> Error + '_ {
        move |e: Error| e.context(format!("prog '{}'", self.name))
    }

    /// uprobe / uretprobe (`opts.retprobe`) on `binary_path` (a path, or a name resolved
    /// through /proc/PID/maps, LD_LIBRARY_PATH / PATH, ld.so.cache and the standard
    /// directories) at `func_offset`, added to `opts.func_name`'s address when given
    /// ("func", "func@LIB"). `pid`: -1 every process, 0 this one, N that one.
    pub fn attach_uprobe(&self, pid: i32, binary_path: &str, func_offset: usize, opts: &UprobeOpts) -> Result<Link> {
        let fd = self.loaded_fd()?;
        crate::attach::attach_uprobe(fd, pid, binary_path, func_offset, opts).map_err(self.prog_ctx())
    }

    /// One uprobe.multi link on many functions of one file: a `func_pattern` glob, or the
    /// names / offsets of `targets` (the program is loaded for BPF_TRACE_UPROBE_MULTI).
    pub fn attach_uprobe_multi(
        &self,
        pid: i32,
        binary_path: &str,
        func_pattern: Option<&str>,
        targets: &crate::attach::UprobeMultiTargets<'_>,
        opts: &UprobeMultiOpts,
    ) -> Result<Link> {
        let fd = self.loaded_fd()?;
        crate::attach::attach_uprobe_multi(fd, pid, binary_path, func_pattern, targets, opts).map_err(self.prog_ctx())
    }

    /// Every site of USDT probe `usdt_provider:usdt_name` in `binary_path`. The object
    /// must include `usdt.bpf.h` (ESRCH otherwise, as libbpf).
    pub fn attach_usdt(&self, pid: i32, binary_path: &str, usdt_provider: &str, usdt_name: &str, opts: &UsdtOpts) -> Result<Link> {
        let fd = self.loaded_fd()?;
        let Some(maps) = self.usdt_maps else {
            crate::warn!("usdt: failed to find USDT support BPF maps, did you forget to include bpf/usdt.bpf.h?");
            bail!(libc::ESRCH, "prog '{}': usdt: failed to find USDT support BPF maps, did you forget to include bpf/usdt.bpf.h?", self.name);
        };
        crate::attach::attach_usdt(fd, maps, pid, binary_path, usdt_provider, usdt_name, opts).map_err(self.prog_ctx())
    }

    /// kprobe / kretprobe (`opts.retprobe`) on kernel function `func` (+ `opts.offset`);
    /// an empty `func` makes `opts.offset` a raw kernel address (libbpf's func == NULL).
    pub fn attach_kprobe(&self, func: &str, opts: &KprobeOpts) -> Result<Link> {
        let fd = self.loaded_fd()?;
        let func = (!func.is_empty()).then_some(func);
        crate::attach::attach_kprobe(fd, func, opts).map_err(self.prog_ctx())
    }

    /// kprobe on the kernel entry of system call `syscall_name` ("openat").
    pub fn attach_ksyscall(&self, syscall_name: &str, opts: &KsyscallOpts) -> Result<Link> {
        let fd = self.loaded_fd()?;
        crate::attach::attach_ksyscall(fd, syscall_name, opts).map_err(self.prog_ctx())
    }

    /// One kprobe.multi link: a `pattern` glob, or the symbols / addresses of `targets`.
    pub fn attach_kprobe_multi(&self, pattern: Option<&str>, targets: &crate::attach::KprobeMultiTargets<'_>, opts: &KprobeMultiOpts) -> Result<Link> {
        let fd = self.loaded_fd()?;
        crate::attach::attach_kprobe_multi(fd, pattern, targets, opts).map_err(self.prog_ctx())
    }

    /// XDP through a BPF link on `ifindex` (of the calling thread's network namespace).
    pub fn attach_xdp(&self, ifindex: i32) -> Result<Link> {
        self.attach_xdp_with_flags(ifindex, 0)
    }

    /// `attach_xdp` with a mode flag (XDP_FLAGS_SKB_MODE / XDP_FLAGS_DRV_MODE).
    pub fn attach_xdp_with_flags(&self, ifindex: i32, flags: u32) -> Result<Link> {
        let fd = self.loaded_fd()?;
        crate::attach::attach_xdp(fd, ifindex, flags).map_err(self.prog_ctx())
    }

    /// The tcx direction of this program: its expected attach type, ingress by default.
    fn tcx_attach_type(&self) -> u32 {
        match self.expected_attach_type {
            BPF_TCX_EGRESS => BPF_TCX_EGRESS,
            _ => BPF_TCX_INGRESS,
        }
    }

    /// tcx link on `ifindex`, ingress or egress as the section says (`tcx/egress`), with
    /// ordering options.
    pub fn attach_tcx(&self, ifindex: i32, opts: &TcxOpts) -> Result<Link> {
        let fd = self.loaded_fd()?;
        crate::attach::attach_tcx(fd, ifindex, self.tcx_attach_type(), opts).map_err(self.prog_ctx())
    }

    /// netkit link on `ifindex` (primary unless the section says `netkit/peer`).
    pub fn attach_netkit(&self, ifindex: i32, opts: &NetkitOpts) -> Result<Link> {
        let fd = self.loaded_fd()?;
        let t = if self.expected_attach_type == BPF_NETKIT_PEER { BPF_NETKIT_PEER } else { BPF_NETKIT_PRIMARY };
        crate::attach::attach_netkit(fd, ifindex, t, opts).map_err(self.prog_ctx())
    }

    /// TC over netlink: a direct-action cls_bpf filter on `ifindex`'s `attach_point`
    /// (`attach::tc::RBPF_TC_INGRESS` / `RBPF_TC_EGRESS`), creating the clsact qdisc if
    /// absent. priority / handle 0 let the kernel choose. Detaching removes the filter,
    /// and the qdisc if this call created it.
    pub fn attach_tc(&self, ifindex: i32, attach_point: u32, priority: u32, handle: u32) -> Result<Link> {
        let fd = self.loaded_fd()?;
        crate::attach::attach_tc(fd, ifindex, attach_point, priority, handle).map_err(self.prog_ctx())
    }

    /// Cgroup attach (a BPF link, else BPF_PROG_ATTACH with BPF_F_ALLOW_MULTI) with the
    /// section's attach type.
    pub fn attach_cgroup(&self, cgroup_fd: RawFd, opts: &CgroupOpts) -> Result<Link> {
        let fd = self.loaded_fd()?;
        crate::attach::attach_cgroup(fd, cgroup_fd, self.expected_attach_type, opts).map_err(self.prog_ctx())
    }

    /// Network-namespace attach (flow_dissector, sk_lookup) to an open netns fd.
    pub fn attach_netns(&self, netns_fd: RawFd) -> Result<Link> {
        let fd = self.loaded_fd()?;
        crate::attach::attach_netns(fd, netns_fd, self.expected_attach_type).map_err(self.prog_ctx())
    }

    /// sk_msg / sk_skb program on a sockmap or sockhash.
    pub fn attach_sockmap(&self, map_fd: RawFd) -> Result<Link> {
        let fd = self.loaded_fd()?;
        let t = match self.expected_attach_type {
            0 => crate::attach::sockets::default_sockmap_attach_type(self.prog_type),
            t => t,
        };
        crate::attach::attach_sockmap(fd, map_fd, t).map_err(self.prog_ctx())
    }

    /// Socket filter on an open socket (SO_ATTACH_BPF; detach removes it). An rbpf
    /// convenience: libbpf leaves this to setsockopt.
    pub fn attach_socket_filter(&self, sock_fd: RawFd) -> Result<Link> {
        let fd = self.loaded_fd()?;
        crate::attach::attach_socket_filter(fd, sock_fd).map_err(self.prog_ctx())
    }

    /// Iterator link; read its output with `attach::iter_read_all(&link)`.
    pub fn attach_iter(&self, opts: &IterAttachOpts) -> Result<Link> {
        let fd = self.loaded_fd()?;
        crate::attach::attach_iter(fd, opts).map_err(self.prog_ctx())
    }

    /// Attach to a perf event the caller opened (`perf_fd` is duplicated; the caller keeps
    /// its own fd).
    pub fn attach_perf_event(&self, perf_fd: RawFd, opts: &PerfEventOpts) -> Result<Link> {
        let fd = self.loaded_fd()?;
        let pfd = sys::dup_fd(perf_fd).map_err(|e| e.context(format!("prog '{}': perf event fd {perf_fd}", self.name)))?;
        crate::attach::attach_perf_event_opts(fd, pfd, opts).map_err(self.prog_ctx())
    }

    /// Netfilter link (in the calling thread's network namespace).
    pub fn attach_netfilter(&self, opts: &NetfilterOpts) -> Result<Link> {
        let fd = self.loaded_fd()?;
        crate::attach::attach_netfilter(fd, opts).map_err(self.prog_ctx())
    }

    /// LSM program (BPF_LSM_MAC link).
    pub fn attach_lsm(&self) -> Result<Link> {
        let fd = self.loaded_fd()?;
        crate::attach::attach_trace(fd, BPF_LSM_MAC, &TraceOpts::default()).map_err(self.prog_ctx())
    }
}

pub struct Map {
    spec: MapSpec,
    index: usize,
    fd: Option<OwnedFd>,
    /// Global-data image before load (value_size bytes); empty for other maps.
    image: Mutex<Vec<u8>>,
    /// The live global data after load (mmapable internal maps).
    mmap: Option<sys::MmapRegion>,
    globals: Vec<GlobalVar>,
    pinned: bool,
    /// Pinned by this object's load (not a reused pin).
    pinned_here: bool,
    autocreate: bool,
    /// Set by `reuse_fd` / `from_pinned`: load uses this fd instead of creating a map.
    reused: bool,
    /// Set by `set_inner_map_fd`: the inner map template of a map-in-map.
    inner_map_fd: Option<OwnedFd>,
}

impl Map {
    fn from_spec(spec: &MapSpec) -> Map {
        Map {
            image: Mutex::new(spec.data.clone()),
            spec: spec.clone(),
            index: 0,
            fd: None,
            mmap: None,
            globals: Vec::new(),
            pinned: false,
            pinned_here: false,
            autocreate: true,
            reused: false,
            inner_map_fd: None,
        }
    }

    fn unload(&mut self) {
        self.mmap = None;
        if !self.reused {
            self.fd = None;
            self.pinned = false;
        }
        self.pinned_here = false;
    }

    fn raw_fd(&self) -> Option<RawFd> {
        self.fd.as_ref().map(|f| f.as_raw_fd())
    }

    fn check_not_created(&self) -> Result<()> {
        if self.fd.is_some() {
            bail!(libc::EBUSY, "map '{}': already created", self.spec.name);
        }
        Ok(())
    }

    fn created_fd(&self) -> Result<RawFd> {
        match &self.fd {
            Some(fd) => Ok(fd.as_raw_fd()),
            None => bail!(libc::ENOENT, "map '{}': not created (was the object loaded?)", self.spec.name),
        }
    }

    /// libbpf's bpf_map__name: the map name, or the full ELF section name for custom
    /// .data.* / .rodata.* maps (the kernel sees the name truncated to 15 bytes).
    pub fn name(&self) -> &str {
        self.spec.user_name()
    }
    /// The ELF section of a global-data map (".rodata", ".data.custom", ".kconfig");
    /// None for BTF-defined maps.
    pub fn section_name(&self) -> Option<&str> {
        self.spec.is_internal().then_some(self.spec.real_name.as_str())
    }
    /// The ELF name: the variable of a BTF-defined map, the section of a global-data map.
    pub fn real_name(&self) -> &str {
        &self.spec.real_name
    }
    /// The map's index in `Object::maps()`.
    pub fn index(&self) -> usize {
        self.index
    }
    /// The parsed definition.
    pub fn spec(&self) -> &MapSpec {
        &self.spec
    }
    /// BPF_MAP_TYPE_*.
    pub fn map_type(&self) -> u32 {
        self.spec.map_type
    }
    pub fn key_size(&self) -> u32 {
        self.spec.key_size
    }
    pub fn value_size(&self) -> u32 {
        self.spec.value_size
    }
    pub fn max_entries(&self) -> u32 {
        self.spec.max_entries
    }
    pub fn map_flags(&self) -> u32 {
        self.spec.map_flags
    }
    pub fn numa_node(&self) -> u32 {
        self.spec.numa_node
    }
    pub fn map_extra(&self) -> u64 {
        self.spec.map_extra
    }
    pub fn pin_path(&self) -> Option<&str> {
        self.spec.pin_path.as_deref()
    }
    pub fn is_pinned(&self) -> bool {
        self.pinned
    }
    pub fn autocreate(&self) -> bool {
        self.autocreate
    }
    /// Whether load creates this map (EBUSY after load). References to a map that is
    /// not created are poisoned, so only dead code may use it (libbpf's behaviour).
    pub fn set_autocreate(&mut self, autocreate: bool) -> Result<()> {
        self.check_not_created()?;
        self.autocreate = autocreate;
        Ok(())
    }
    /// Setters give EBUSY once the map is created.
    pub fn set_max_entries(&mut self, n: u32) -> Result<()> {
        self.check_not_created()?;
        self.spec.max_entries = if obj::maps::is_ringbuf(self.spec.map_type) { obj::maps::adjust_ringbuf_sz(n) } else { n };
        Ok(())
    }
    pub fn set_value_size(&mut self, n: u32) -> Result<()> {
        self.check_not_created()?;
        if self.spec.is_internal() {
            // Resizing global data: keep the image, zero-extended or truncated.
            if self.spec.kind == MapKind::Kconfig || !self.spec.is_mmapable() {
                bail!(libc::EOPNOTSUPP, "map '{}': can't resize a non-mmapable global-data map", self.spec.name);
            }
            if n == 0 {
                bail!(libc::EINVAL, "map '{}': value size can't be 0", self.spec.name);
            }
            if n != self.spec.value_size {
                // The DATASEC in BTF keeps its ELF size, so the kernel would refuse it as
                // the value type: create the map without BTF types (libbpf's fallback when
                // it can't rewrite the DATASEC).
                crate::info!("map '{}': resized to {n} bytes, creating it without BTF value type", self.spec.name);
                self.spec.btf_key_type_id = 0;
                self.spec.btf_value_type_id = 0;
            }
            self.image.lock().resize(n as usize, 0);
            self.globals.retain(|g| g.offset + g.size <= n as usize);
        } else if self.spec.is_mmapable() && self.spec.map_type != BPF_MAP_TYPE_ARRAY {
            bail!(libc::EOPNOTSUPP, "map '{}': can't resize an mmapable map of this type", self.spec.name);
        }
        self.spec.value_size = n;
        Ok(())
    }
    pub fn set_map_flags(&mut self, flags: u32) -> Result<()> {
        self.check_not_created()?;
        self.spec.map_flags = flags;
        Ok(())
    }
    /// True for .data/.rodata/.bss/.kconfig and custom global-data maps.
    pub fn is_internal(&self) -> bool {
        self.spec.is_internal()
    }
    /// True when the kernel would reject writes after load (.rodata*, .kconfig).
    pub fn is_readonly_after_load(&self) -> bool {
        self.spec.is_readonly()
    }
    pub fn btf_key_type_id(&self) -> u32 {
        self.spec.btf_key_type_id
    }
    pub fn btf_value_type_id(&self) -> u32 {
        self.spec.btf_value_type_id
    }
    /// The map fd; EINVAL if not created.
    pub fn fd(&self) -> Result<RawFd> {
        match &self.fd {
            Some(fd) => Ok(fd.as_raw_fd()),
            None => bail!(libc::EINVAL, "map '{}': not created", self.spec.name),
        }
    }
    /// True for per-CPU map types (values are one slot per possible CPU).
    pub fn is_percpu(&self) -> bool {
        obj::maps::is_percpu(self.spec.map_type)
    }
    /// The value size user space passes: value_size, or roundup(value_size, 8) * possible CPUs.
    pub fn user_value_size(&self) -> Result<usize> {
        if self.is_percpu() {
            sys::percpu_value_size(self.spec.value_size)
        } else {
            Ok(self.spec.value_size as usize)
        }
    }
    /// libbpf's validate_map_op: map created (ENOENT), then key size, then value size
    /// (for per-CPU maps one slot per possible CPU, or exactly value_size with
    /// BPF_F_CPU / BPF_F_ALL_CPUS). Returns the fd.
    fn validate(&self, key_len: usize, value_len: Option<usize>, flags: u64) -> Result<RawFd> {
        let fd = self.created_fd()?;
        if key_len != self.spec.key_size as usize {
            bail!(libc::EINVAL, "map '{}': unexpected key size {key_len} provided, expected {}", self.spec.name, self.spec.key_size);
        }
        let Some(value_len) = value_len else { return Ok(fd) };
        let want = self.value_size_for(flags)?;
        if value_len != want {
            if self.is_percpu() && flags & (BPF_F_CPU | BPF_F_ALL_CPUS) == 0 {
                let ncpu = sys::num_possible_cpus()?;
                let elem = (self.spec.value_size as usize + 7) & !7;
                bail!(libc::EINVAL, "map '{}': unexpected value size {value_len} provided for per-CPU map, expected {ncpu} * {elem} = {want}", self.spec.name);
            }
            if self.is_percpu() {
                bail!(libc::EINVAL, "map '{}': unexpected value size {value_len} provided for either BPF_F_CPU or BPF_F_ALL_CPUS, expected {want}", self.spec.name);
            }
            bail!(libc::EINVAL, "map '{}': unexpected value size {value_len} provided, expected {want}", self.spec.name);
        }
        Ok(fd)
    }
    /// A per-CPU value buffer (as `lookup` returns it) split into one `value_size` slot per
    /// possible CPU; each CPU's slot is 8-byte aligned in the buffer.
    pub fn percpu_slots<'a>(&self, bytes: &'a [u8]) -> Result<Vec<&'a [u8]>> {
        let (vsz, stride, ncpu) = self.percpu_layout()?;
        if bytes.len() != stride * ncpu {
            bail!(libc::EINVAL, "map '{}': per-CPU value is {} bytes, expected {ncpu} * {stride}", self.spec.name, bytes.len());
        }
        Ok(bytes.chunks(stride).map(|c| &c[..vsz]).collect())
    }
    /// The inverse of `percpu_slots`: one `value_size` slot per possible CPU, packed into the
    /// buffer `update` takes. EINVAL for a wrong number of slots or a wrong slot size.
    pub fn percpu_pack(&self, slots: &[&[u8]]) -> Result<Vec<u8>> {
        let (vsz, stride, ncpu) = self.percpu_layout()?;
        if slots.len() != ncpu {
            bail!(libc::EINVAL, "map '{}': per-CPU value needs {ncpu} entries (one per possible CPU), got {}", self.spec.name, slots.len());
        }
        let mut out = vec![0u8; stride * ncpu];
        for (cpu, slot) in slots.iter().enumerate() {
            if slot.len() != vsz {
                bail!(libc::EINVAL, "map '{}': per-CPU value {cpu} is {} bytes, expected {vsz}", self.spec.name, slot.len());
            }
            out[cpu * stride..cpu * stride + vsz].copy_from_slice(slot);
        }
        Ok(out)
    }
    /// (value_size, slot stride, possible CPUs) of a per-CPU map; EINVAL for other maps.
    fn percpu_layout(&self) -> Result<(usize, usize, usize)> {
        if !self.is_percpu() {
            bail!(libc::EINVAL, "map '{}': not a per-CPU map", self.spec.name);
        }
        let vsz = self.spec.value_size as usize;
        Ok((vsz, vsz.next_multiple_of(8), sys::num_possible_cpus()?))
    }
    /// The size checks every element operation makes (libbpf's validate_map_op), for callers
    /// that hold their own buffers, such as the C ABI.
    pub fn check_op_sizes(&self, key_len: usize, value_len: Option<usize>, flags: u64) -> Result<()> {
        self.validate(key_len, value_len, flags).map(|_| ())
    }
    /// The value buffer size for an operation with `flags`.
    fn value_size_for(&self, flags: u64) -> Result<usize> {
        if self.is_percpu() && flags & (BPF_F_CPU | BPF_F_ALL_CPUS) != 0 {
            if flags & BPF_F_CPU != 0 && flags & BPF_F_ALL_CPUS != 0 {
                bail!(libc::EINVAL, "map '{}': BPF_F_CPU and BPF_F_ALL_CPUS are mutually exclusive", self.spec.name);
            }
            return Ok(self.spec.value_size as usize);
        }
        self.user_value_size()
    }
    /// Error context, built only on failure (no allocation on the success path).
    fn ctx<'a>(&'a self, op: &'a str) -> impl FnOnce(Error) -> Error + 'a {
        move |e: Error| Error::new(e.errno(), format!("map '{}': {op}: {}", self.spec.name, e.code()))
    }
    /// Key size wrong → EINVAL "map 'X': unexpected key size N provided, expected M";
    /// value size likewise; map not created → ENOENT. Ok(None) when the key is absent.
    pub fn lookup(&self, key: &[u8], flags: u64) -> Result<Option<Vec<u8>>> {
        let fd = self.validate(key.len(), None, flags)?;
        let mut value = vec![0u8; self.value_size_for(flags)?];
        let found = sys::map_lookup_elem(fd, key, &mut value, flags).map_err(self.ctx("lookup"))?;
        Ok(found.then_some(value))
    }
    /// As `lookup`, into a caller buffer of exactly the value size for `flags` (no
    /// allocation). Ok(false) when the key is absent.
    pub fn lookup_into(&self, key: &[u8], value: &mut [u8], flags: u64) -> Result<bool> {
        let fd = self.validate(key.len(), Some(value.len()), flags)?;
        sys::map_lookup_elem(fd, key, value, flags).map_err(self.ctx("lookup"))
    }
    /// flags: BPF_ANY / BPF_NOEXIST / BPF_EXIST / BPF_F_LOCK.
    pub fn update(&self, key: &[u8], value: &[u8], flags: u64) -> Result<()> {
        let fd = self.validate(key.len(), Some(value.len()), flags)?;
        sys::map_update_elem(fd, key, value, flags).map_err(self.ctx("update"))
    }
    /// ENOENT when the key is absent.
    pub fn delete(&self, key: &[u8], flags: u64) -> Result<()> {
        let fd = self.validate(key.len(), None, flags)?;
        sys::map_delete_elem(fd, key, flags).map_err(self.ctx("delete"))
    }
    pub fn lookup_and_delete(&self, key: &[u8], flags: u64) -> Result<Option<Vec<u8>>> {
        let fd = self.validate(key.len(), None, flags)?;
        let mut value = vec![0u8; self.value_size_for(flags)?];
        let found = sys::map_lookup_and_delete_elem(fd, key, &mut value, flags).map_err(self.ctx("lookup and delete"))?;
        Ok(found.then_some(value))
    }
    /// As `lookup_and_delete`, into a caller buffer of exactly the value size for `flags`.
    pub fn lookup_and_delete_into(&self, key: &[u8], value: &mut [u8], flags: u64) -> Result<bool> {
        let fd = self.validate(key.len(), Some(value.len()), flags)?;
        sys::map_lookup_and_delete_elem(fd, key, value, flags).map_err(self.ctx("lookup and delete"))
    }
    /// The key after `key` (the first key for None); Ok(None) at the end.
    pub fn next_key(&self, key: Option<&[u8]>) -> Result<Option<Vec<u8>>> {
        let fd = self.validate(key.map(|k| k.len()).unwrap_or(self.spec.key_size as usize), None, 0)?;
        let mut next = vec![0u8; self.spec.key_size as usize];
        let found = sys::map_get_next_key(fd, key, &mut next).map_err(self.ctx("get next key"))?;
        Ok(found.then_some(next))
    }
    /// All keys, by repeated next_key.
    pub fn keys(&self) -> Result<Vec<Vec<u8>>> {
        let mut keys = Vec::new();
        let mut cur: Option<Vec<u8>> = None;
        while let Some(k) = self.next_key(cur.as_deref())? {
            if keys.len() > self.spec.max_entries as usize + 1 {
                break; // a hash map being modified meanwhile can restart iteration
            }
            keys.push(k.clone());
            cur = Some(k);
        }
        Ok(keys)
    }
    /// Global-data maps: the variables it holds.
    pub fn globals(&self) -> &[GlobalVar] {
        &self.globals
    }
    /// Size of the global-data image (value_size) or None if not a global-data map.
    pub fn initial_value_size(&self) -> Option<usize> {
        self.spec.is_internal().then_some(self.spec.value_size as usize)
    }
    fn check_range(&self, offset: usize, len: usize) -> Result<()> {
        if !self.spec.is_internal() {
            bail!(libc::EINVAL, "map '{}': not a global-data map", self.spec.name);
        }
        let size = self.spec.value_size as usize;
        if offset.checked_add(len).is_none_or(|end| end > size) {
            bail!(libc::EINVAL, "map '{}': range {offset}+{len} is outside the {size}-byte image", self.spec.name);
        }
        Ok(())
    }
    /// Copy `len` bytes at `offset` of the global-data image: the local image before
    /// load, the live mmap after. EINVAL out of range or not a global-data map.
    pub fn read_data(&self, offset: usize, len: usize) -> Result<Vec<u8>> {
        self.check_range(offset, len)?;
        if let Some(m) = &self.mmap {
            return m.read(offset, len);
        }
        if let Some(fd) = self.raw_fd() {
            // Created but not mmapable (all-static variables): read through the syscall.
            let mut v = vec![0u8; self.spec.value_size as usize];
            sys::map_lookup_elem(fd, &0u32.to_ne_bytes(), &mut v, 0).map_err(self.ctx("lookup"))?;
            return Ok(v[offset..offset + len].to_vec());
        }
        Ok(self.image.lock()[offset..offset + len].to_vec())
    }
    /// Write into the global-data image; after load only for writable maps (.rodata
    /// and .kconfig after load: EPERM "map '.rodata' is read-only after load").
    pub fn write_data(&self, offset: usize, data: &[u8]) -> Result<()> {
        self.check_range(offset, data.len())?;
        if self.fd.is_some() {
            if self.spec.is_readonly() {
                bail!(libc::EPERM, "map '{}' is read-only after load", self.spec.name);
            }
            if let Some(m) = &self.mmap {
                return m.write(offset, data);
            }
            let fd = self.created_fd()?;
            let mut v = vec![0u8; self.spec.value_size as usize];
            sys::map_lookup_elem(fd, &0u32.to_ne_bytes(), &mut v, 0).map_err(self.ctx("lookup"))?;
            v[offset..offset + data.len()].copy_from_slice(data);
            return sys::map_update_elem(fd, &0u32.to_ne_bytes(), &v, BPF_ANY).map_err(self.ctx("update"));
        }
        self.image.lock()[offset..offset + data.len()].copy_from_slice(data);
        Ok(())
    }
    /// Replace the whole image before load; size must equal value_size (EINVAL).
    pub fn set_initial_value(&mut self, data: &[u8]) -> Result<()> {
        self.check_not_created()?;
        if !self.spec.is_internal() || self.spec.kind == MapKind::Kconfig {
            bail!(libc::EINVAL, "map '{}': initial value can be set only on global-data maps", self.spec.name);
        }
        if data.len() != self.spec.value_size as usize {
            bail!(libc::EINVAL, "map '{}': initial value size {} != value size {}", self.spec.name, data.len(), self.spec.value_size);
        }
        self.image.lock().copy_from_slice(data);
        Ok(())
    }
    /// Raw pointer and size of the image (before load) or mmap (after), for C's
    /// rbpf_map_initial_value. Null when not a global-data map.
    pub fn initial_value_ptr(&self) -> (*mut u8, usize) {
        if !self.spec.is_internal() {
            return (std::ptr::null_mut(), 0);
        }
        if let Some(m) = &self.mmap {
            return (m.as_ptr(), self.spec.value_size as usize);
        }
        if self.fd.is_some() {
            return (std::ptr::null_mut(), 0);
        }
        let mut g = self.image.lock();
        (g.as_mut_ptr(), g.len())
    }
}

// The bindings move objects across threads (Python releases the GIL, Node's waiter).
#[allow(dead_code)]
fn _assert_send_sync() {
    fn f<T: Send + Sync>() {}
    f::<Object>();
    f::<Map>();
    f::<Program>();
}
