//! Map definitions: BTF-defined maps in `.maps` and global-data maps.
//!
//! Rules follow libbpf (`parse_btf_map_def`, `init_internal_map`, `internal_map_name`):
//! attributes are encoded in the BTF of the map's struct (`__uint(x, N)` is a pointer
//! to an array of N elements, `__type(key, T)` a pointer to T, `__array(values, ...)`
//! a zero-sized array of pointers); global-data sections become one-entry ARRAY maps.

use super::btfview::*;
use super::elf::{ElfObject, SecKind};
use crate::uapi::*;
use crate::{bail, Error, Result};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MapKind {
    /// Declared in `.maps`.
    User,
    Data,
    Rodata,
    Bss,
    Kconfig,
}

/// One variable of a global-data map.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VarSpec {
    pub name: String,
    pub offset: u32,
    pub size: u32,
    /// The VAR's type (not the VAR itself).
    pub type_id: u32,
}

/// A `values` slot of a prog-array or map-in-map: what the slot is set to after load.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum InitSlot {
    Map(String),
    Prog(String),
}

pub const PIN_NONE: u32 = 0;
pub const PIN_BY_NAME: u32 = 1;

#[derive(Clone, Debug)]
pub struct MapSpec {
    /// Name given to the kernel and to users (internal maps: "<obj>.rodata" etc.).
    pub name: String,
    /// The ELF name: the variable for user maps, the section for internal maps.
    pub real_name: String,
    pub kind: MapKind,
    pub sec_idx: usize,
    pub sec_offset: u64,
    pub map_type: u32,
    pub key_size: u32,
    pub value_size: u32,
    pub max_entries: u32,
    pub map_flags: u32,
    pub numa_node: u32,
    pub map_extra: u64,
    pub pinning: u32,
    pub pin_path: Option<String>,
    pub btf_key_type_id: u32,
    pub btf_value_type_id: u32,
    pub inner: Option<Box<MapSpec>>,
    pub init_slots: Vec<Option<InitSlot>>,
    /// Initial image of a global-data map (value_size bytes).
    pub data: Vec<u8>,
    /// Variables of a global-data map, by offset.
    pub vars: Vec<VarSpec>,
}

impl MapSpec {
    pub fn is_user(&self) -> bool {
        self.kind == MapKind::User
    }
    pub fn is_internal(&self) -> bool {
        self.kind != MapKind::User
    }
    /// .data/.rodata/.bss (and custom .data.*/.rodata.*), not .kconfig.
    pub fn is_global_data(&self) -> bool {
        matches!(self.kind, MapKind::Data | MapKind::Rodata | MapKind::Bss)
    }
    pub fn is_readonly(&self) -> bool {
        matches!(self.kind, MapKind::Rodata | MapKind::Kconfig)
    }
    /// libbpf's map_uses_real_name: custom .data.* / .rodata.* maps show their full ELF
    /// section name to users (the kernel gets the 15-character `name`).
    pub fn uses_real_name(&self) -> bool {
        (self.kind == MapKind::Data && self.real_name != ".data") || (self.kind == MapKind::Rodata && self.real_name != ".rodata")
    }
    /// The name users see (libbpf's bpf_map__name).
    pub fn user_name(&self) -> &str {
        if self.uses_real_name() {
            &self.real_name
        } else {
            &self.name
        }
    }
    /// libbpf's find_map_by_name rule: ".x" matches the ELF section name; custom
    /// global-data maps match their ELF name; others their map name.
    pub fn matches_name(&self, name: &str) -> bool {
        if name.starts_with('.') {
            return self.is_internal() && self.real_name == name;
        }
        self.user_name() == name
    }
    pub fn is_mmapable(&self) -> bool {
        self.map_flags & BPF_F_MMAPABLE != 0
    }

    /// The definition of an existing kernel map (a pinned map, a reused fd): a user map
    /// with the kernel's attributes and no BTF, values or image.
    #[allow(clippy::too_many_arguments)]
    pub fn from_kernel(name: String, map_type: u32, key_size: u32, value_size: u32, max_entries: u32, map_flags: u32, map_extra: u64) -> MapSpec {
        MapSpec { map_type, key_size, value_size, max_entries, map_flags, map_extra, ..MapSpec::empty(name, MapKind::User, 0) }
    }

    fn empty(name: String, kind: MapKind, sec_idx: usize) -> MapSpec {
        MapSpec {
            real_name: name.clone(),
            name,
            kind,
            sec_idx,
            sec_offset: 0,
            map_type: BPF_MAP_TYPE_UNSPEC,
            key_size: 0,
            value_size: 0,
            max_entries: 0,
            map_flags: 0,
            numa_node: 0,
            map_extra: 0,
            pinning: PIN_NONE,
            pin_path: None,
            btf_key_type_id: 0,
            btf_value_type_id: 0,
            inner: None,
            init_slots: Vec::new(),
            data: Vec::new(),
            vars: Vec::new(),
        }
    }
}

/// RINGBUF and USER_RINGBUF (libbpf's map_is_ringbuf): sizes are rounded as below.
pub fn is_ringbuf(t: u32) -> bool {
    t == BPF_MAP_TYPE_RINGBUF || t == BPF_MAP_TYPE_USER_RINGBUF
}

pub fn is_map_in_map(t: u32) -> bool {
    t == BPF_MAP_TYPE_ARRAY_OF_MAPS || t == BPF_MAP_TYPE_HASH_OF_MAPS
}

pub fn is_percpu(t: u32) -> bool {
    matches!(t, BPF_MAP_TYPE_PERCPU_HASH | BPF_MAP_TYPE_PERCPU_ARRAY | BPF_MAP_TYPE_LRU_PERCPU_HASH | BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE)
}

/// Ring buffer sizes are rounded up to a power-of-2 number of pages, as libbpf does.
pub fn adjust_ringbuf_sz(sz: u32) -> u32 {
    const PAGE: u32 = 4096;
    if sz != 0 && sz % PAGE == 0 && (sz / PAGE).is_power_of_two() {
        return sz;
    }
    let mut mul: u32 = 1;
    while mul <= u32::MAX / PAGE {
        if mul * PAGE > sz {
            return mul * PAGE;
        }
        mul <<= 1;
    }
    sz
}

/// libbpf's internal_map_name: "<obj prefix><section>", at most 15 characters.
pub fn internal_map_name(obj_name: &str, real_name: &str) -> String {
    const OBJ_NAME_LEN: usize = 16;
    let sfx_len = real_name.len().clamp(7, OBJ_NAME_LEN - 1);
    let custom = real_name.get(1..).is_some_and(|r| r.contains('.'));
    let pfx_len = if custom { 0 } else { (OBJ_NAME_LEN - sfx_len - 1).min(obj_name.len()) };
    let mut name: Vec<u8> = obj_name.as_bytes()[..pfx_len].to_vec();
    name.extend(real_name.as_bytes().iter().take(sfx_len));
    name.truncate(OBJ_NAME_LEN - 1);
    name.iter().map(|&c| if c.is_ascii_alphanumeric() || c == b'_' || c == b'.' { c as char } else { '_' }).collect()
}

/// The value of an `__uint(name, N)` attribute: a pointer to an array of N.
fn map_field_int(map: &str, btf: &BtfView, name: &str, type_id: u32) -> Result<u32> {
    let t = btf.skip_mods_and_typedefs(type_id)?;
    if btf.kind(t)? != BTF_KIND_PTR {
        bail!(libc::EINVAL, "map '{map}': attr '{name}': expected PTR, got kind {}", btf.kind(t)?);
    }
    let arr = btf.size_or_type(t)?;
    if btf.kind(arr)? != BTF_KIND_ARRAY {
        bail!(libc::EINVAL, "map '{map}': attr '{name}': expected ARRAY, got kind {}", btf.kind(arr)?);
    }
    Ok(btf.array(arr)?.1)
}

/// `__ulong(name, N)`: an enum with one value, or the `__uint` form.
fn map_field_long(map: &str, btf: &BtfView, name: &str, type_id: u32) -> Result<u64> {
    let t = btf.skip_mods_and_typedefs(type_id)?;
    let kind = btf.kind(t)?;
    if kind == BTF_KIND_PTR {
        return map_field_int(map, btf, name, type_id).map(u64::from);
    }
    if kind != BTF_KIND_ENUM && kind != BTF_KIND_ENUM64 {
        bail!(libc::EINVAL, "map '{map}': attr '{name}': expected ENUM or ENUM64, got kind {kind}");
    }
    let vals = btf.enum_values(t)?;
    if vals.len() != 1 {
        bail!(libc::EINVAL, "map '{map}': attr '{name}': invalid __ulong");
    }
    Ok(vals[0].1)
}

/// Parse one map definition struct into `map` (and its inner map definition).
fn parse_map_def(map: &mut MapSpec, btf: &BtfView, def: u32, strict: bool, is_inner: bool) -> Result<()> {
    let mname = map.name.clone();
    let members = btf.members(def)?;
    let n = members.len();
    for (i, m) in members.iter().enumerate() {
        match m.name {
            "type" => map.map_type = map_field_int(&mname, btf, m.name, m.type_id)?,
            "max_entries" => map.max_entries = map_field_int(&mname, btf, m.name, m.type_id)?,
            "map_flags" => map.map_flags = map_field_int(&mname, btf, m.name, m.type_id)?,
            "numa_node" => map.numa_node = map_field_int(&mname, btf, m.name, m.type_id)?,
            "key_size" | "value_size" => {
                let sz = map_field_int(&mname, btf, m.name, m.type_id)?;
                let slot = if m.name == "key_size" { &mut map.key_size } else { &mut map.value_size };
                if *slot != 0 && *slot != sz {
                    bail!(libc::EINVAL, "map '{mname}': conflicting {} {} != {sz}.", m.name.replace('_', " "), *slot);
                }
                *slot = sz;
            }
            "key" | "value" => {
                if btf.kind(m.type_id)? != BTF_KIND_PTR {
                    bail!(libc::EINVAL, "map '{mname}': {} spec is not PTR.", m.name);
                }
                let tid = btf.size_or_type(m.type_id)?;
                let sz = btf.resolve_size(tid).map_err(|e| {
                    Error::new(e.errno(), format!("map '{mname}': can't determine {} size for type [{tid}]: {}", m.name, e.message()))
                })?;
                let (slot, id_slot) = if m.name == "key" {
                    (&mut map.key_size, &mut map.btf_key_type_id)
                } else {
                    (&mut map.value_size, &mut map.btf_value_type_id)
                };
                if *slot != 0 && *slot != sz {
                    bail!(libc::EINVAL, "map '{mname}': conflicting {} size {} != {sz}.", m.name, *slot);
                }
                *slot = sz;
                *id_slot = tid;
            }
            "values" => {
                let mim = is_map_in_map(map.map_type);
                let prog_array = map.map_type == BPF_MAP_TYPE_PROG_ARRAY;
                let desc = if mim { "map-in-map inner" } else { "prog-array value" };
                if is_inner {
                    bail!(libc::EOPNOTSUPP, "map '{mname}': multi-level inner maps not supported.");
                }
                if i != n - 1 {
                    bail!(libc::EINVAL, "map '{mname}': 'values' member should be last.");
                }
                if !mim && !prog_array {
                    bail!(libc::EOPNOTSUPP, "map '{mname}': should be map-in-map or prog-array.");
                }
                if map.value_size != 0 && map.value_size != 4 {
                    bail!(libc::EINVAL, "map '{mname}': conflicting value size {} != 4.", map.value_size);
                }
                map.value_size = 4;
                if btf.kind(m.type_id)? != BTF_KIND_ARRAY || btf.array(m.type_id)?.1 != 0 {
                    bail!(libc::EINVAL, "map '{mname}': {desc} spec is not a zero-sized array.");
                }
                let p = btf.skip_mods_and_typedefs(btf.array(m.type_id)?.0)?;
                if btf.kind(p)? != BTF_KIND_PTR {
                    bail!(libc::EINVAL, "map '{mname}': {desc} def is of unexpected kind {}.", btf.kind(p)?);
                }
                let t = btf.skip_mods_and_typedefs(btf.size_or_type(p)?)?;
                if prog_array {
                    if btf.kind(t)? != BTF_KIND_FUNC_PROTO {
                        bail!(libc::EINVAL, "map '{mname}': prog-array value def is of unexpected kind {}.", btf.kind(t)?);
                    }
                    continue;
                }
                if btf.kind(t)? != BTF_KIND_STRUCT {
                    bail!(libc::EINVAL, "map '{mname}': map-in-map inner def is of unexpected kind {}.", btf.kind(t)?);
                }
                let mut inner = MapSpec::empty(format!("{mname}.inner"), MapKind::User, map.sec_idx);
                parse_map_def(&mut inner, btf, t, strict, true)?;
                map.inner = Some(Box::new(inner));
            }
            "pinning" => {
                if is_inner {
                    bail!(libc::EINVAL, "map '{mname}': inner def can't be pinned.");
                }
                let v = map_field_int(&mname, btf, m.name, m.type_id)?;
                if v != PIN_NONE && v != PIN_BY_NAME {
                    bail!(libc::EINVAL, "map '{mname}': invalid pinning value {v}.");
                }
                map.pinning = v;
            }
            "map_extra" => map.map_extra = map_field_long(&mname, btf, m.name, m.type_id)?,
            other => {
                if strict {
                    bail!(libc::EOPNOTSUPP, "map '{mname}': unknown field '{other}'.");
                }
                crate::debug!("map '{mname}': ignoring unknown field '{other}'.");
            }
        }
    }
    if map.map_type == BPF_MAP_TYPE_UNSPEC {
        bail!(libc::EINVAL, "map '{mname}': map type isn't specified.");
    }
    if is_ringbuf(map.map_type) {
        map.max_entries = adjust_ringbuf_sz(map.max_entries);
    }
    Ok(())
}

/// BTF-defined maps of the `.maps` section, in DATASEC order.
pub fn init_user_maps(elf: &ElfObject<'_>, btf: Option<&BtfView>, strict: bool, pin_root: Option<&str>) -> Result<Vec<MapSpec>> {
    let Some(shndx) = elf.maps_shndx else { return Ok(Vec::new()) };
    let Some(btf) = btf else {
        bail!(libc::EINVAL, "elf: '.maps' section requires BTF, but the object has no .BTF");
    };
    let Some(sec) = btf.find_by_name_kind(".maps", BTF_KIND_DATASEC) else {
        bail!(libc::ENOENT, "DATASEC '.maps' not found.");
    };
    let sec_size = elf.sections[shndx].size;
    let mut maps = Vec::new();
    for (i, vi) in btf.secinfos(sec)?.into_iter().enumerate() {
        let name = btf.name(vi.type_id)?;
        if name.is_empty() {
            bail!(libc::EINVAL, "map #{i}: empty name.");
        }
        if vi.offset as u64 + vi.size as u64 > sec_size {
            bail!(libc::EINVAL, "map '{name}' BTF data is corrupted.");
        }
        if btf.kind(vi.type_id)? != BTF_KIND_VAR {
            bail!(libc::EINVAL, "map '{name}': unexpected var kind {}.", btf.kind(vi.type_id)?);
        }
        let linkage = btf.var_linkage(vi.type_id)?;
        if linkage != BTF_VAR_GLOBAL_ALLOCATED {
            bail!(libc::EOPNOTSUPP, "map '{name}': unsupported map linkage {}.", if linkage == 0 { "static" } else { "extern" });
        }
        let def = btf.skip_mods_and_typedefs(btf.size_or_type(vi.type_id)?)?;
        if btf.kind(def)? != BTF_KIND_STRUCT {
            bail!(libc::EINVAL, "map '{name}': unexpected def kind {}.", btf.kind(def)?);
        }
        if btf.size_or_type(def)? > vi.size {
            bail!(libc::EINVAL, "map '{name}': invalid def size.");
        }
        let mut map = MapSpec::empty(name.to_string(), MapKind::User, shndx);
        map.sec_offset = vi.offset as u64;
        parse_map_def(&mut map, btf, def, strict, false)?;
        if map.pinning == PIN_BY_NAME {
            map.pin_path = Some(format!("{}/{}", pin_root.unwrap_or("/sys/fs/bpf"), map.name));
        }
        maps.push(map);
    }
    Ok(maps)
}

/// Initial slots of prog-array / map-in-map `values` from `.rel.maps`.
pub fn collect_map_relos(elf: &ElfObject<'_>, btf: Option<&BtfView>, maps: &mut [MapSpec]) -> Result<()> {
    let Some(maps_shndx) = elf.maps_shndx else { return Ok(()) };
    for sec in &elf.sections {
        if sec.kind != SecKind::Rel || sec.info as usize != maps_shndx {
            continue;
        }
        let Some(btf) = btf else { bail!(libc::EINVAL, ".maps relocations need BTF") };
        for (i, r) in sec.data.chunks_exact(16).enumerate() {
            let r_offset = u64::from_le_bytes([r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7]]);
            let sym_idx = u32::from_le_bytes([r[12], r[13], r[14], r[15]]) as usize;
            let Some(sym) = elf.symbols.get(sym_idx) else {
                bail!(libc::EINVAL, ".maps relo #{i}: symbol {sym_idx:x} not found");
            };
            let Some(mi) = maps.iter().position(|m| {
                m.is_user() && m.sec_offset <= r_offset && r_offset.checked_add(8).is_some_and(|end| end <= m.sec_offset.saturating_add(def_size(btf, m).unwrap_or(0)))
            }) else {
                bail!(libc::EINVAL, ".maps relo #{i}: cannot find map '{}' at rel->r_offset {r_offset}", sym.name);
            };
            let map_type = maps[mi].map_type;
            let slot_target = if is_map_in_map(map_type) {
                if sym.shndx as usize != maps_shndx {
                    bail!(libc::EINVAL, ".maps relo #{i}: '{}' isn't a BTF-defined map", sym.name);
                }
                if !maps.iter().any(|m| m.name == sym.name) {
                    bail!(libc::ESRCH, ".maps relo #{i}: '{}' isn't a valid map reference", sym.name);
                }
                InitSlot::Map(sym.name.to_string())
            } else if map_type == BPF_MAP_TYPE_PROG_ARRAY {
                InitSlot::Prog(sym.name.to_string())
            } else {
                bail!(libc::EINVAL, ".maps relo #{i}: map '{}' can't have initial values", maps[mi].name);
            };
            let values_off = values_member_offset(btf, &maps[mi])?;
            let rel = r_offset - maps[mi].sec_offset;
            if rel < values_off as u64 || (rel - values_off as u64) % 8 != 0 {
                bail!(libc::EINVAL, ".maps relo #{i}: bad slot offset for map '{}'", maps[mi].name);
            }
            let slot = ((rel - values_off as u64) / 8) as usize;
            let m = &mut maps[mi];
            if slot >= m.init_slots.len() {
                m.init_slots.resize(slot + 1, None);
            }
            m.init_slots[slot] = Some(slot_target);
        }
    }
    Ok(())
}

fn map_var(btf: &BtfView, m: &MapSpec) -> Result<u32> {
    let sec = btf.find_by_name_kind(".maps", BTF_KIND_DATASEC).ok_or_else(|| Error::new(libc::EINVAL, "no .maps DATASEC"))?;
    btf.secinfos(sec)?
        .into_iter()
        .find(|vi| btf.name(vi.type_id).ok() == Some(m.real_name.as_str()))
        .map(|vi| vi.type_id)
        .ok_or_else(|| Error::new(libc::EINVAL, format!("map '{}': VAR not found", m.name)))
}

fn def_size(btf: &BtfView, m: &MapSpec) -> Result<u64> {
    let var = map_var(btf, m)?;
    let sec = btf.find_by_name_kind(".maps", BTF_KIND_DATASEC).ok_or_else(|| Error::new(libc::EINVAL, "no .maps DATASEC"))?;
    Ok(btf.secinfos(sec)?.into_iter().find(|vi| vi.type_id == var).map(|vi| vi.size as u64).unwrap_or(0))
}

fn values_member_offset(btf: &BtfView, m: &MapSpec) -> Result<u32> {
    let var = map_var(btf, m)?;
    let def = btf.skip_mods_and_typedefs(btf.size_or_type(var)?)?;
    let members = btf.members(def)?;
    match members.last() {
        Some(last) if last.name == "values" => Ok(last.bit_offset / 8),
        _ => bail!(libc::EINVAL, "map '{}': initial values need a 'values' member", m.name),
    }
}

/// Most bytes of global data (all .data*, .rodata*, .bss* sections together) and of the
/// .kconfig map. A NOBITS .bss has no file bytes behind its size, so without a bound a
/// 12 KB file could make us allocate (and copy) 4 GiB; no real program comes close.
pub const MAX_GLOBAL_DATA: u32 = 256 << 20;

/// Global-data maps, one per non-empty .data*, .rodata*, .bss* section, in section order.
pub fn init_global_data_maps(elf: &ElfObject<'_>, btf: Option<&BtfView>, obj_name: &str) -> Result<Vec<MapSpec>> {
    let mut maps = Vec::new();
    let mut total = 0u64;
    for (idx, sec) in elf.sections.iter().enumerate() {
        let kind = match sec.kind {
            SecKind::Data => MapKind::Data,
            SecKind::Rodata => MapKind::Rodata,
            SecKind::Bss => MapKind::Bss,
            _ => continue,
        };
        if sec.size == 0 {
            continue;
        }
        total = total.saturating_add(sec.size);
        if total > MAX_GLOBAL_DATA as u64 {
            bail!(libc::E2BIG, "elf: section '{}' ({} bytes) is too big for a global-data map (max {MAX_GLOBAL_DATA} bytes of global data)", sec.name, sec.size);
        }
        let size = sec.size as u32;
        let data = if kind == MapKind::Bss { vec![0u8; size as usize] } else { sec.data.to_vec() };
        maps.push(internal_map(obj_name, sec.name, kind, idx, size, data, btf)?);
    }
    Ok(maps)
}

/// One internal ARRAY map (global data or .kconfig) with its DATASEC variables.
pub fn internal_map(obj_name: &str, real_name: &str, kind: MapKind, sec_idx: usize, size: u32, data: Vec<u8>, btf: Option<&BtfView>) -> Result<MapSpec> {
    let mut m = MapSpec::empty(internal_map_name(obj_name, real_name), kind, sec_idx);
    m.real_name = real_name.to_string();
    m.map_type = BPF_MAP_TYPE_ARRAY;
    m.key_size = 4;
    m.value_size = size;
    m.max_entries = 1;
    m.map_flags = if m.is_readonly() { BPF_F_RDONLY_PROG } else { 0 };
    m.data = data;
    // Failures are fine (e.g. .rodata.str1.1 has no DATASEC).
    let datasec = btf.and_then(|b| b.find_by_name(real_name).map(|id| (b, id)));
    if let Some((btf, id)) = datasec {
        m.btf_value_type_id = id;
        if btf.kind(id)? == BTF_KIND_DATASEC {
            let mut mmapable = false;
            for vi in btf.secinfos(id)? {
                if btf.kind(vi.type_id)? != BTF_KIND_VAR {
                    continue;
                }
                if btf.var_linkage(vi.type_id)? != BTF_VAR_STATIC {
                    mmapable = true;
                }
                if vi.offset as u64 + vi.size as u64 > size as u64 {
                    bail!(libc::EINVAL, "sec '{real_name}': variable '{}' lies outside the section", btf.name(vi.type_id)?);
                }
                m.vars.push(VarSpec {
                    name: btf.name(vi.type_id)?.to_string(),
                    offset: vi.offset,
                    size: vi.size,
                    type_id: btf.size_or_type(vi.type_id)?,
                });
            }
            if mmapable {
                m.map_flags |= BPF_F_MMAPABLE;
            }
        }
    }
    crate::debug!("map '{}' (global data): at sec_idx {sec_idx}, flags {:x}.", m.name, m.map_flags);
    Ok(m)
}

/// libbpf's DATASEC fixup (done by the BTF engine): sizes from ELF sections, VAR
/// offsets from ELF symbols, hidden globals turned static, entries sorted by offset.
pub fn fixup_datasecs(elf: &ElfObject<'_>, btf: &mut BtfView) -> Result<()> {
    for id in btf.datasecs() {
        let sec_name = btf.name(id)?.to_string();
        let size = elf.sections.iter().find(|s| s.name == sec_name).map(|s| s.size).unwrap_or(0);
        let size = u32::try_from(size).map_err(|_| Error::new(libc::E2BIG, format!("sec '{sec_name}' too big")))?;
        let sym = |var: &str| {
            elf.symbols
                .iter()
                .find(|s| {
                    s.typ == object::elf::STT_OBJECT && (s.bind == object::elf::STB_GLOBAL || s.bind == object::elf::STB_WEAK) && s.name == var
                })
                .and_then(|s| {
                    Some(crate::btf::VarSym {
                        offset: u32::try_from(s.value).ok()?,
                        hidden: s.visibility == object::elf::STV_HIDDEN || s.visibility == object::elf::STV_INTERNAL,
                    })
                })
        };
        btf.btf.fixup_datasec_syms(&sec_name, size, sym)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_names_like_libbpf() {
        assert_eq!(internal_map_name("syscount", ".rodata"), "syscount.rodata");
        assert_eq!(internal_map_name("syscount", ".bss"), "syscount.bss");
        assert_eq!(internal_map_name("my_object_name", ".rodata"), "my_objec.rodata");
        assert_eq!(internal_map_name("my_object_name", ".kconfig"), "my_obje.kconfig");
        assert_eq!(internal_map_name("x", ".data.custom"), ".data.custom");
        assert_eq!(internal_map_name("x", ".rodata.abracadabra"), ".rodata.abracad");
        assert_eq!(internal_map_name("a-b", ".bss"), "a_b.bss");
    }

    #[test]
    fn ringbuf_rounding() {
        assert_eq!(adjust_ringbuf_sz(0), 4096);
        assert_eq!(adjust_ringbuf_sz(4096), 4096);
        assert_eq!(adjust_ringbuf_sz(5000), 8192);
        assert_eq!(adjust_ringbuf_sz(256 * 1024), 256 * 1024);
        assert_eq!(adjust_ringbuf_sz(3 * 4096), 4 * 4096);
    }
}
