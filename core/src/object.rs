//! The user-facing handles: Object, Program, Map.
//!
//! CONTRACT (bindings compile against these signatures; keep them stable, add freely).
//! Lifecycle: open (pure parse, no syscalls) → configure → load → attach → close/drop.
//! Dropping an Object closes its maps and programs; Links hold their own fds and stay
//! valid (the kernel keeps the program alive), so dropping the object first is safe.

use crate::attach::Link;
use crate::btf::Btf;
use crate::opts::{ObjectOpenOpts, RawTracepointOpts, TraceOpts, TracepointOpts};
use crate::Result;
use std::os::fd::RawFd;
use std::path::Path;

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
    _todo: (),
}

impl Object {
    /// Parse an ELF file. No syscalls. Missing file → ENOENT; malformed → EINVAL.
    pub fn open_file(path: impl AsRef<Path>, opts: &ObjectOpenOpts) -> Result<Object> {
        let _ = (path, opts);
        todo!()
    }
    /// Parse an ELF image from memory. Empty buffer → EINVAL.
    pub fn open_mem(data: &[u8], opts: &ObjectOpenOpts) -> Result<Object> {
        let _ = (data, opts);
        todo!()
    }
    pub fn name(&self) -> &str {
        todo!()
    }
    pub fn kversion(&self) -> u32 {
        todo!()
    }
    pub fn is_loaded(&self) -> bool {
        todo!()
    }
    /// Create maps, relocate, load programs. A second call is EINVAL.
    pub fn load(&mut self) -> Result<()> {
        todo!()
    }
    pub fn programs(&self) -> &[Program] {
        todo!()
    }
    pub fn programs_mut(&mut self) -> &mut [Program] {
        todo!()
    }
    pub fn program(&self, name: &str) -> Option<&Program> {
        let _ = name;
        todo!()
    }
    pub fn program_mut(&mut self, name: &str) -> Option<&mut Program> {
        let _ = name;
        todo!()
    }
    pub fn maps(&self) -> &[Map] {
        todo!()
    }
    pub fn maps_mut(&mut self) -> &mut [Map] {
        todo!()
    }
    pub fn map(&self, name: &str) -> Option<&Map> {
        let _ = name;
        todo!()
    }
    pub fn map_mut(&mut self, name: &str) -> Option<&mut Map> {
        let _ = name;
        todo!()
    }
    /// The object's own BTF, if it has a .BTF section.
    pub fn btf(&self) -> Option<&Btf> {
        todo!()
    }
    /// Every variable of every global-data section, in section then offset order.
    pub fn globals(&self) -> Vec<GlobalVar> {
        todo!()
    }
    /// One global variable by name (first match across sections).
    pub fn global(&self, name: &str) -> Option<GlobalVar> {
        let _ = name;
        todo!()
    }
    /// Attach every program whose section auto-attaches (like a skeleton's attach):
    /// skips autoload=false, autoattach=false and bare sections (SEC("tp"), ...).
    pub fn attach_all(&self) -> Result<Vec<Link>> {
        todo!()
    }
}

pub struct Program {
    _todo: (),
}

impl Program {
    /// The C function name.
    pub fn name(&self) -> &str {
        todo!()
    }
    pub fn section_name(&self) -> &str {
        todo!()
    }
    /// BPF_PROG_TYPE_* (0 = UNSPEC for an unrecognised section).
    pub fn prog_type(&self) -> u32 {
        todo!()
    }
    /// EBUSY after load.
    pub fn set_type(&mut self, prog_type: u32) -> Result<()> {
        let _ = prog_type;
        todo!()
    }
    pub fn expected_attach_type(&self) -> u32 {
        todo!()
    }
    pub fn set_expected_attach_type(&mut self, attach_type: u32) -> Result<()> {
        let _ = attach_type;
        todo!()
    }
    pub fn autoload(&self) -> bool {
        todo!()
    }
    /// EINVAL after load.
    pub fn set_autoload(&mut self, autoload: bool) -> Result<()> {
        let _ = autoload;
        todo!()
    }
    pub fn autoattach(&self) -> bool {
        todo!()
    }
    pub fn set_autoattach(&mut self, autoattach: bool) {
        let _ = autoattach;
        todo!()
    }
    /// BPF_F_* program flags given at load.
    pub fn flags(&self) -> u32 {
        todo!()
    }
    pub fn set_flags(&mut self, flags: u32) -> Result<()> {
        let _ = flags;
        todo!()
    }
    pub fn log_level(&self) -> u32 {
        todo!()
    }
    pub fn set_log_level(&mut self, level: u32) -> Result<()> {
        let _ = level;
        todo!()
    }
    /// The program fd; EINVAL if not loaded.
    pub fn fd(&self) -> Result<RawFd> {
        todo!()
    }
    /// Instructions: as relocated after load, as parsed before.
    pub fn insns(&self) -> &[crate::obj::Insn] {
        todo!()
    }
    pub fn insn_cnt(&self) -> usize {
        todo!()
    }
    /// Attach as the section name says. EOPNOTSUPP for bare or non-attachable sections;
    /// EINVAL when not loaded ("can't attach BPF program without FD (was it loaded?)").
    pub fn attach(&self) -> Result<Link> {
        todo!()
    }
    pub fn attach_tracepoint(&self, category: &str, name: &str, opts: &TracepointOpts) -> Result<Link> {
        let _ = (category, name, opts);
        todo!()
    }
    pub fn attach_raw_tracepoint(&self, name: &str, opts: &RawTracepointOpts) -> Result<Link> {
        let _ = (name, opts);
        todo!()
    }
    /// BTF-based tracing attach (tp_btf, fentry, fexit, ...).
    pub fn attach_trace(&self, opts: &TraceOpts) -> Result<Link> {
        let _ = opts;
        todo!()
    }
}

pub struct Map {
    _todo: (),
}

impl Map {
    pub fn name(&self) -> &str {
        todo!()
    }
    /// BPF_MAP_TYPE_*.
    pub fn map_type(&self) -> u32 {
        todo!()
    }
    pub fn key_size(&self) -> u32 {
        todo!()
    }
    pub fn value_size(&self) -> u32 {
        todo!()
    }
    pub fn max_entries(&self) -> u32 {
        todo!()
    }
    pub fn map_flags(&self) -> u32 {
        todo!()
    }
    /// Setters give EBUSY once the map is created.
    pub fn set_max_entries(&mut self, n: u32) -> Result<()> {
        let _ = n;
        todo!()
    }
    pub fn set_value_size(&mut self, n: u32) -> Result<()> {
        let _ = n;
        todo!()
    }
    pub fn set_map_flags(&mut self, flags: u32) -> Result<()> {
        let _ = flags;
        todo!()
    }
    /// True for .data/.rodata/.bss/.kconfig and custom global-data maps.
    pub fn is_internal(&self) -> bool {
        todo!()
    }
    /// True when the kernel would reject writes after load (.rodata*, .kconfig).
    pub fn is_readonly_after_load(&self) -> bool {
        todo!()
    }
    pub fn btf_key_type_id(&self) -> u32 {
        todo!()
    }
    pub fn btf_value_type_id(&self) -> u32 {
        todo!()
    }
    /// The map fd; EINVAL if not created.
    pub fn fd(&self) -> Result<RawFd> {
        todo!()
    }
    /// True for per-CPU map types (values are one slot per possible CPU).
    pub fn is_percpu(&self) -> bool {
        todo!()
    }
    /// The value size user space passes: value_size, or roundup(value_size, 8) * possible CPUs.
    pub fn user_value_size(&self) -> Result<usize> {
        todo!()
    }
    /// Key size wrong → EINVAL "map 'X': unexpected key size N provided, expected M";
    /// value size likewise; map not created → ENOENT. Ok(None) when the key is absent.
    pub fn lookup(&self, key: &[u8], flags: u64) -> Result<Option<Vec<u8>>> {
        let _ = (key, flags);
        todo!()
    }
    /// flags: BPF_ANY / BPF_NOEXIST / BPF_EXIST / BPF_F_LOCK.
    pub fn update(&self, key: &[u8], value: &[u8], flags: u64) -> Result<()> {
        let _ = (key, value, flags);
        todo!()
    }
    /// ENOENT when the key is absent.
    pub fn delete(&self, key: &[u8], flags: u64) -> Result<()> {
        let _ = (key, flags);
        todo!()
    }
    pub fn lookup_and_delete(&self, key: &[u8], flags: u64) -> Result<Option<Vec<u8>>> {
        let _ = (key, flags);
        todo!()
    }
    /// The key after `key` (the first key for None); Ok(None) at the end.
    pub fn next_key(&self, key: Option<&[u8]>) -> Result<Option<Vec<u8>>> {
        let _ = key;
        todo!()
    }
    /// All keys, by repeated next_key.
    pub fn keys(&self) -> Result<Vec<Vec<u8>>> {
        todo!()
    }
    /// Global-data maps: the variables it holds.
    pub fn globals(&self) -> &[GlobalVar] {
        todo!()
    }
    /// Size of the global-data image (value_size) or None if not a global-data map.
    pub fn initial_value_size(&self) -> Option<usize> {
        todo!()
    }
    /// Copy `len` bytes at `offset` of the global-data image: the local image before
    /// load, the live mmap after. EINVAL out of range or not a global-data map.
    pub fn read_data(&self, offset: usize, len: usize) -> Result<Vec<u8>> {
        let _ = (offset, len);
        todo!()
    }
    /// Write into the global-data image; after load only for writable maps (.rodata
    /// and .kconfig after load: EPERM "map '.rodata' is read-only after load").
    pub fn write_data(&self, offset: usize, data: &[u8]) -> Result<()> {
        let _ = (offset, data);
        todo!()
    }
    /// Replace the whole image before load; size must equal value_size (EINVAL).
    pub fn set_initial_value(&mut self, data: &[u8]) -> Result<()> {
        let _ = data;
        todo!()
    }
    /// Raw pointer and size of the image (before load) or mmap (after), for C's
    /// rbpf_map_initial_value. Null when not a global-data map.
    pub fn initial_value_ptr(&self) -> (*mut u8, usize) {
        todo!()
    }
}
