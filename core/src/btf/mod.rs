//! BTF: parsing, type queries, typed values, BTF.ext and CO-RE. Pure code, no syscalls.
//!
//! CONTRACT used by the loader and the bindings:
//! - `Btf::from_bytes(Vec<u8>)`, `Btf::from_split_bytes(Vec<u8>, base)`, `Btf::from_file(path)`
//!   (raw BTF or ELF with .BTF), `Btf::from_shared(Arc<dyn AsRef<[u8]>>)` (for an mmap),
//!   `Btf::vmlinux()` (shared, cached, `flush_vmlinux_cache()`).
//! - `find_by_name(name) -> Option<u32>`, `find_by_name_kind(name, Kind) -> Option<u32>`,
//!   `type_by_id(id) -> Result<Type>`, `resolve_size(id)`, `align_of(id)`,
//!   `skip_mods_and_typedefs(id)`, `type_cnt()`, `name_by_offset(off)`, `raw_bytes()`.
//! - Mutation before load: `fixup_datasec`, `set_datasec_size`, `set_datasec_var`,
//!   `set_var_linkage`, `set_func_linkage`, then `to_bytes()` for BPF_BTF_LOAD.
//! - `ext::BtfExt::parse(bytes, &Btf)`: func_info, line_info, core_relo per section.
//! - `core::CoreRelocator`: the CO-RE engine (relo_core.c semantics).
//! - `value::decode` / `value::encode` / `value::describe`.
//!
//! Design (cilium's lazy decoder): the raw bytes are kept as they are (an owned `Vec` or
//! any shared `&[u8]` provider such as an mmap); parsing builds one `Vec<u32>` of type
//! offsets in a single validating pass and nothing else. Types are decoded on demand
//! into borrowed [`Type`] views; strings are checked (UTF-8) only when read. Name lookups
//! scan linearly in id order (as libbpf does; cheap for early types) until they have cost
//! about as much as building the name index (hash of the flavor-stripped name → ids),
//! which is then built once and serves exact lookups and CO-RE candidate search.
//!
//! The kernel's BTF (/sys/kernel/btf/*, see vmlinux.rs) takes a faster path: the file is
//! mmapped read-only (sysfs maps the kernel's own pages: no copy, no RSS), and, since the
//! kernel verified it, the index pass only walks the layout, keeping every 4th type offset
//! plus the offsets of the kinds a CO-RE root can have (`ROOT_KINDS`). An object's CO-RE
//! candidate searches then run as one batched pass over those (`find_core_candidates`,
//! used by `CoreRelocator::prefetch`).

pub mod builder;
pub mod core;
pub mod ext;
mod names;
mod vmlinux;
pub mod value;

#[cfg(test)]
mod tests;

use crate::{bail, Error, Result};
use std::fmt;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

pub use ext::{BtfExt, CoreRelo, FuncInfo, LineInfo};
pub use vmlinux::{flush_vmlinux_cache, load_module_btfs, ModuleBtfs};

pub const BTF_MAGIC: u16 = 0xeb9f;
pub const BTF_VERSION: u8 = 1;
/// Full linear name scans allowed before the name index is built: on vmlinux a scan
/// costs ~0.5 ms and building the index ~3.4 ms (about 7 scans), so this is the
/// break-even point (ski rental).
const SCAN_BUDGET: usize = 7;
/// Size of `struct btf_header` as written by rbpf (the kernel accepts longer headers).
pub const BTF_HDR_LEN: usize = 24;
/// libbpf's MAX_RESOLVE_DEPTH: longest modifier/typedef chain followed.
pub const MAX_RESOLVE_DEPTH: usize = 32;
/// Largest vlen the format can express (16 bits).
pub const MAX_VLEN: u32 = 0xffff;

/// INT encoding bits.
pub const BTF_INT_SIGNED: u8 = 1;
pub const BTF_INT_CHAR: u8 = 2;
pub const BTF_INT_BOOL: u8 = 4;

/// VAR linkage.
pub const BTF_VAR_STATIC: u32 = 0;
pub const BTF_VAR_GLOBAL_ALLOCATED: u32 = 1;
pub const BTF_VAR_GLOBAL_EXTERN: u32 = 2;

/// FUNC linkage (stored in vlen).
pub const BTF_FUNC_STATIC: u32 = 0;
pub const BTF_FUNC_GLOBAL: u32 = 1;
pub const BTF_FUNC_EXTERN: u32 = 2;

fn einval(msg: impl Into<String>) -> Error {
    Error::new(libc::EINVAL, msg)
}

#[inline]
fn rd32(b: &[u8], off: usize) -> u32 {
    // Callers pass offsets checked at index time; a short slice reads as zero bytes
    // rather than panicking.
    match b.get(off..off + 4) {
        Some(s) => u32::from_le_bytes([s[0], s[1], s[2], s[3]]),
        None => 0,
    }
}

/// BTF type kinds, numbered as in the kernel's `BTF_KIND_*`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Kind {
    Void = 0,
    Int = 1,
    Ptr = 2,
    Array = 3,
    Struct = 4,
    Union = 5,
    Enum = 6,
    Fwd = 7,
    Typedef = 8,
    Volatile = 9,
    Const = 10,
    Restrict = 11,
    Func = 12,
    FuncProto = 13,
    Var = 14,
    Datasec = 15,
    Float = 16,
    DeclTag = 17,
    TypeTag = 18,
    Enum64 = 19,
}

impl Kind {
    pub fn from_u32(k: u32) -> Option<Kind> {
        use Kind::*;
        Some(match k {
            0 => Void,
            1 => Int,
            2 => Ptr,
            3 => Array,
            4 => Struct,
            5 => Union,
            6 => Enum,
            7 => Fwd,
            8 => Typedef,
            9 => Volatile,
            10 => Const,
            11 => Restrict,
            12 => Func,
            13 => FuncProto,
            14 => Var,
            15 => Datasec,
            16 => Float,
            17 => DeclTag,
            18 => TypeTag,
            19 => Enum64,
            _ => return None,
        })
    }

    /// libbpf's kind names ("struct", "enum64", "func_proto", ...).
    pub fn name(self) -> &'static str {
        use Kind::*;
        match self {
            Void => "void",
            Int => "int",
            Ptr => "ptr",
            Array => "array",
            Struct => "struct",
            Union => "union",
            Enum => "enum",
            Fwd => "fwd",
            Typedef => "typedef",
            Volatile => "volatile",
            Const => "const",
            Restrict => "restrict",
            Func => "func",
            FuncProto => "func_proto",
            Var => "var",
            Datasec => "datasec",
            Float => "float",
            DeclTag => "decl_tag",
            TypeTag => "type_tag",
            Enum64 => "enum64",
        }
    }

    /// Bytes following the 12-byte `struct btf_type` for this kind and vlen.
    fn extra_len(self, vlen: u32) -> usize {
        use Kind::*;
        let v = vlen as usize;
        match self {
            Int | Var | DeclTag => 4,
            Array => 12,
            Struct | Union | Datasec | Enum64 => 12 * v,
            Enum | FuncProto => 8 * v,
            _ => 0,
        }
    }

    /// Kinds whose `size_type` field is a size.
    pub fn has_size(self) -> bool {
        matches!(self, Kind::Int | Kind::Struct | Kind::Union | Kind::Enum | Kind::Enum64 | Kind::Datasec | Kind::Float)
    }

    /// Kinds whose `size_type` field is a type id.
    pub fn has_type(self) -> bool {
        matches!(
            self,
            Kind::Ptr
                | Kind::Typedef
                | Kind::Volatile
                | Kind::Const
                | Kind::Restrict
                | Kind::Func
                | Kind::FuncProto
                | Kind::Var
                | Kind::DeclTag
                | Kind::TypeTag
        )
    }

    pub fn is_mod(self) -> bool {
        matches!(self, Kind::Volatile | Kind::Const | Kind::Restrict | Kind::TypeTag)
    }

    pub fn is_composite(self) -> bool {
        matches!(self, Kind::Struct | Kind::Union)
    }

    pub fn is_any_enum(self) -> bool {
        matches!(self, Kind::Enum | Kind::Enum64)
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The bytes a `Btf` reads: owned, or shared (an mmap of the vmlinux file later).
enum Data {
    Owned(Vec<u8>),
    Shared(Arc<dyn AsRef<[u8]> + Send + Sync>),
}

impl Data {
    #[inline]
    fn bytes(&self) -> &[u8] {
        match self {
            Data::Owned(v) => v,
            Data::Shared(s) => (**s).as_ref(),
        }
    }

    /// Copy-on-write access for the pre-load fixups.
    fn bytes_mut(&mut self) -> &mut Vec<u8> {
        if let Data::Shared(s) = self {
            *self = Data::Owned((**s).as_ref().to_vec());
        }
        match self {
            Data::Owned(v) => v,
            Data::Shared(_) => unreachable!("converted to owned above"),
        }
    }
}

/// Parsed BTF: raw bytes plus a one-pass index of type offsets. Cheap to query, lazy to
/// decode; `Send + Sync`. Type ids start at 1 (0 is void); in split BTF the ids continue
/// after the base's and string offsets continue after the base's string section.
pub struct Btf {
    data: Data,
    /// Absolute byte ranges of the type and string sections inside `data`.
    type_off: usize,
    type_len: usize,
    str_off: usize,
    str_len: usize,
    hdr_len: usize,
    base: Option<Arc<Btf>>,
    /// First type id defined here (1 for a base BTF).
    start_id: u32,
    /// First string offset defined here (0 for a base BTF).
    start_str_off: u32,
    /// Offset inside the type section (relative to `type_off`) of every `1 << stride_shift`-th
    /// own type: every type for BTF that is mutated or untrusted, every 4th for the
    /// kernel's (a quarter of the memory; a lookup walks at most 3 headers).
    offsets: Vec<u32>,
    stride_shift: u32,
    /// Number of own types.
    n_types: u32,
    /// Kernel BTF only: offsets of the types whose kind is in ROOT_KINDS (what CO-RE
    /// candidate searches look at), so a search skips the FUNCs, PTRs and FUNC_PROTOs
    /// that make up most of vmlinux.
    roots: Vec<u32>,
    /// Lazily built name index over own types.
    names: OnceLock<names::NameIndex>,
    /// Types visited by linear name scans so far: once that reaches SCAN_BUDGET times the
    /// type count the index is built (a few lookups stay cheap, many stay fast).
    scanned: AtomicUsize,
}

impl fmt::Debug for Btf {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Btf")
            .field("types", &self.n_types)
            .field("start_id", &self.start_id)
            .field("bytes", &self.data.bytes().len())
            .field("split", &self.base.is_some())
            .finish()
    }
}

impl Clone for Btf {
    /// Owned bytes are copied, shared ones (an mmap) shared; the base is shared; the name
    /// index is rebuilt lazily.
    fn clone(&self) -> Self {
        Btf {
            data: match &self.data {
                Data::Owned(v) => Data::Owned(v.clone()),
                Data::Shared(s) => Data::Shared(s.clone()),
            },
            type_off: self.type_off,
            type_len: self.type_len,
            str_off: self.str_off,
            str_len: self.str_len,
            hdr_len: self.hdr_len,
            base: self.base.clone(),
            start_id: self.start_id,
            start_str_off: self.start_str_off,
            offsets: self.offsets.clone(),
            stride_shift: self.stride_shift,
            n_types: self.n_types,
            roots: self.roots.clone(),
            names: OnceLock::new(),
            scanned: AtomicUsize::new(0),
        }
    }
}

/// One struct/union member.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Member<'a> {
    pub name: &'a str,
    pub name_off: u32,
    pub type_id: u32,
    /// Bit offset from the start of the struct (kflag decoded).
    pub bit_offset: u32,
    /// Bitfield size in bits; 0 when the member is not a bitfield (or when a legacy
    /// non-kflag struct encodes the bitfield in the INT type; see `Btf::member_bitfield`).
    pub bitfield_size: u32,
}

/// One enumerator (ENUM or ENUM64).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EnumValue<'a> {
    pub name: &'a str,
    pub name_off: u32,
    /// The value as stored: 32-bit enums are sign-extended when the enum is signed
    /// (kflag), zero-extended otherwise; ENUM64 is the full 64 bits.
    pub value: u64,
    /// The raw 32-bit word for ENUM (libbpf's CO-RE sign-extends it regardless of kflag).
    pub raw32: Option<i32>,
}

impl EnumValue<'_> {
    pub fn as_i64(&self) -> i64 {
        self.value as i64
    }
}

/// A function prototype parameter (name may be empty; type 0 with empty name is `...`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Param<'a> {
    pub name: &'a str,
    pub name_off: u32,
    pub type_id: u32,
}

/// A DATASEC entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VarSecInfo {
    pub type_id: u32,
    pub offset: u32,
    pub size: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ArrayInfo {
    pub elem_type: u32,
    pub index_type: u32,
    pub nelems: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IntInfo {
    /// BTF_INT_SIGNED | BTF_INT_CHAR | BTF_INT_BOOL.
    pub encoding: u8,
    /// Legacy bit offset inside the storage (0 in modern BTF).
    pub offset: u8,
    pub bits: u8,
}

impl IntInfo {
    pub fn is_signed(&self) -> bool {
        self.encoding & BTF_INT_SIGNED != 0
    }
    pub fn is_char(&self) -> bool {
        self.encoding & BTF_INT_CHAR != 0
    }
    pub fn is_bool(&self) -> bool {
        self.encoding & BTF_INT_BOOL != 0
    }
}

/// A typed, borrowed view of one BTF type. Cheap (`Copy`); everything is decoded from
/// the raw bytes on access. Bounds were checked when the index was built.
#[derive(Clone, Copy)]
pub struct Type<'a> {
    btf: &'a Btf,
    id: u32,
    kind: Kind,
    name_off: u32,
    info: u32,
    size_type: u32,
    /// The kind-specific trailing data (array, members, enumerators, ...).
    extra: &'a [u8],
}

impl fmt::Debug for Type<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[{}] {} '{}'", self.id, self.kind.name().to_uppercase(), self.name())?;
        if self.kind.has_size() {
            write!(f, " size={}", self.size_type)?;
        } else if self.kind.has_type() {
            write!(f, " type_id={}", self.size_type)?;
        }
        if self.vlen() != 0 {
            write!(f, " vlen={}", self.vlen())?;
        }
        Ok(())
    }
}

impl<'a> Type<'a> {
    pub fn id(&self) -> u32 {
        self.id
    }
    pub fn kind(&self) -> Kind {
        self.kind
    }
    /// The type's name ("" when anonymous).
    /// Decoded on each call (most type visits never look at the name).
    pub fn name(&self) -> &'a str {
        self.btf.str_or_empty(self.name_off)
    }
    pub fn name_off(&self) -> u32 {
        self.name_off
    }
    pub fn is_anon(&self) -> bool {
        self.name().is_empty()
    }
    /// The BTF this type is defined in (the base, for base ids of a split BTF).
    pub fn btf(&self) -> &'a Btf {
        self.btf
    }
    pub fn vlen(&self) -> u32 {
        self.info & 0xffff
    }
    pub fn kflag(&self) -> bool {
        self.info >> 31 != 0
    }
    /// The raw `info` word.
    pub fn info(&self) -> u32 {
        self.info
    }
    /// The raw `size`/`type` word.
    pub fn size_or_type(&self) -> u32 {
        self.size_type
    }

    /// Size in bytes for INT, STRUCT, UNION, ENUM, ENUM64, DATASEC, FLOAT; None otherwise
    /// (use `Btf::resolve_size` for typedefs, arrays and pointers).
    pub fn size(&self) -> Option<u32> {
        self.kind.has_size().then_some(self.size_type)
    }

    /// The referenced type for PTR, TYPEDEF, VOLATILE, CONST, RESTRICT, TYPE_TAG, FUNC
    /// (its FUNC_PROTO), VAR, DECL_TAG (the tagged type) and FUNC_PROTO (return type).
    pub fn ref_type(&self) -> Option<u32> {
        self.kind.has_type().then_some(self.size_type)
    }

    pub fn int(&self) -> Option<IntInfo> {
        if self.kind != Kind::Int {
            return None;
        }
        let w = rd32(self.extra, 0);
        Some(IntInfo { encoding: ((w >> 24) & 0x0f) as u8, offset: ((w >> 16) & 0xff) as u8, bits: (w & 0xff) as u8 })
    }

    pub fn array(&self) -> Option<ArrayInfo> {
        if self.kind != Kind::Array {
            return None;
        }
        Some(ArrayInfo { elem_type: rd32(self.extra, 0), index_type: rd32(self.extra, 4), nelems: rd32(self.extra, 8) })
    }

    /// Members of a STRUCT/UNION (empty for other kinds), bit offsets decoded per kflag.
    pub fn members(&self) -> impl ExactSizeIterator<Item = Member<'a>> + 'a {
        let n = if self.kind.is_composite() { self.vlen() as usize } else { 0 };
        let (btf, extra, kflag) = (self.btf, self.extra, self.kflag());
        (0..n).map(move |i| {
            let b = i * 12;
            let name_off = rd32(extra, b);
            let off = rd32(extra, b + 8);
            let (bit_offset, bitfield_size) = if kflag { (off & 0xff_ffff, off >> 24) } else { (off, 0) };
            Member { name: btf.str_or_empty(name_off), name_off, type_id: rd32(extra, b + 4), bit_offset, bitfield_size }
        })
    }

    /// The `idx`-th member, if any.
    pub fn member(&self, idx: usize) -> Option<Member<'a>> {
        self.members().nth(idx)
    }

    /// Whether an ENUM/ENUM64 is signed (kflag).
    pub fn enum_signed(&self) -> bool {
        self.kind.is_any_enum() && self.kflag()
    }

    /// Enumerators of an ENUM or ENUM64 (empty for other kinds).
    pub fn enum_values(&self) -> impl ExactSizeIterator<Item = EnumValue<'a>> + 'a {
        let (btf, extra, kind, signed) = (self.btf, self.extra, self.kind, self.kflag());
        let n = if kind.is_any_enum() { self.vlen() as usize } else { 0 };
        (0..n).map(move |i| {
            if kind == Kind::Enum {
                let name_off = rd32(extra, i * 8);
                let raw = rd32(extra, i * 8 + 4);
                let value = if signed { raw as i32 as i64 as u64 } else { raw as u64 };
                EnumValue { name: btf.str_or_empty(name_off), name_off, value, raw32: Some(raw as i32) }
            } else {
                let name_off = rd32(extra, i * 12);
                let lo = rd32(extra, i * 12 + 4) as u64;
                let hi = rd32(extra, i * 12 + 8) as u64;
                EnumValue { name: btf.str_or_empty(name_off), name_off, value: hi << 32 | lo, raw32: None }
            }
        })
    }

    /// Parameters of a FUNC_PROTO (empty for other kinds).
    pub fn params(&self) -> impl ExactSizeIterator<Item = Param<'a>> + 'a {
        let n = if self.kind == Kind::FuncProto { self.vlen() as usize } else { 0 };
        let (btf, extra) = (self.btf, self.extra);
        (0..n).map(move |i| {
            let name_off = rd32(extra, i * 8);
            Param { name: btf.str_or_empty(name_off), name_off, type_id: rd32(extra, i * 8 + 4) }
        })
    }

    /// Linkage of a VAR (BTF_VAR_*).
    pub fn var_linkage(&self) -> Option<u32> {
        (self.kind == Kind::Var).then(|| rd32(self.extra, 0))
    }

    /// Linkage of a FUNC (BTF_FUNC_*, stored in vlen).
    pub fn func_linkage(&self) -> Option<u32> {
        (self.kind == Kind::Func).then(|| self.vlen())
    }

    /// Entries of a DATASEC (empty for other kinds).
    pub fn datasec_vars(&self) -> impl ExactSizeIterator<Item = VarSecInfo> + 'a {
        let n = if self.kind == Kind::Datasec { self.vlen() as usize } else { 0 };
        let extra = self.extra;
        (0..n).map(move |i| VarSecInfo {
            type_id: rd32(extra, i * 12),
            offset: rd32(extra, i * 12 + 4),
            size: rd32(extra, i * 12 + 8),
        })
    }

    /// component_idx of a DECL_TAG (-1: the type itself; else a member/param index).
    pub fn decl_tag_component_idx(&self) -> Option<i32> {
        (self.kind == Kind::DeclTag).then(|| rd32(self.extra, 0) as i32)
    }

    /// Whether a FWD declares a union (kflag) rather than a struct.
    pub fn fwd_is_union(&self) -> bool {
        self.kind == Kind::Fwd && self.kflag()
    }
}

/// Strip a `___flavor` suffix: the essential part of `task_struct___v2` is `task_struct`
/// (libbpf's bpf_core_essential_name_len).
pub fn essential_name(name: &str) -> &str {
    let b = name.as_bytes();
    let n = b.len();
    if n >= 5 {
        let mut i = n - 5;
        loop {
            if b[i] != b'_' && b[i + 1] == b'_' && b[i + 2] == b'_' && b[i + 3] == b'_' && b[i + 4] != b'_' {
                return &name[..i + 1];
            }
            if i == 0 {
                break;
            }
            i -= 1;
        }
    }
    name
}

/// Parsed header fields, offsets absolute.
struct Layout {
    hdr_len: usize,
    type_off: usize,
    type_len: usize,
    str_off: usize,
    str_len: usize,
}

fn parse_header(b: &[u8], what: &str) -> Result<Layout> {
    if b.len() < BTF_HDR_LEN {
        bail!(libc::EINVAL, "{what}: BTF too short ({} bytes, header needs {BTF_HDR_LEN})", b.len());
    }
    let magic = u16::from_le_bytes([b[0], b[1]]);
    if magic != BTF_MAGIC {
        if u16::from_be_bytes([b[0], b[1]]) == BTF_MAGIC {
            bail!(libc::EINVAL, "{what}: big-endian BTF is not supported");
        }
        bail!(libc::EINVAL, "{what}: bad BTF magic {magic:#06x} (expected 0xeb9f)");
    }
    if b[2] != BTF_VERSION {
        bail!(libc::EINVAL, "{what}: unsupported BTF version {} (expected 1)", b[2]);
    }
    if b[3] != 0 {
        bail!(libc::EINVAL, "{what}: unsupported BTF header flags {:#x}", b[3]);
    }
    let hdr_len = rd32(b, 4) as usize;
    if hdr_len < BTF_HDR_LEN || hdr_len > b.len() {
        bail!(libc::EINVAL, "{what}: bad BTF header length {hdr_len} (data is {} bytes)", b.len());
    }
    // Longer headers from newer producers are fine if the extra bytes are zero (as the kernel).
    if b[BTF_HDR_LEN..hdr_len].iter().any(|&x| x != 0) {
        bail!(libc::EINVAL, "{what}: unsupported non-zero fields in a {hdr_len}-byte BTF header");
    }
    let (t_off, t_len, s_off, s_len) = (rd32(b, 8) as usize, rd32(b, 12) as usize, rd32(b, 16) as usize, rd32(b, 20) as usize);
    let body = b.len() - hdr_len;
    if t_off % 4 != 0 {
        bail!(libc::EINVAL, "{what}: BTF type section offset {t_off} is not 4-byte aligned");
    }
    if t_off.checked_add(t_len).is_none_or(|e| e > body) {
        bail!(libc::EINVAL, "{what}: BTF type section ({t_off}+{t_len}) runs past the end ({body} bytes)");
    }
    if s_off.checked_add(s_len).is_none_or(|e| e > body) {
        bail!(libc::EINVAL, "{what}: BTF string section ({s_off}+{s_len}) runs past the end ({body} bytes)");
    }
    if t_off < s_off + s_len && s_off < t_off + t_len && t_len != 0 && s_len != 0 {
        bail!(libc::EINVAL, "{what}: BTF type and string sections overlap");
    }
    Ok(Layout { hdr_len, type_off: hdr_len + t_off, type_len: t_len, str_off: hdr_len + s_off, str_len: s_len })
}

impl Btf {
    /// Parse raw little-endian BTF (a `.BTF` section or `/sys/kernel/btf/*`).
    pub fn from_bytes(data: Vec<u8>) -> Result<Btf> {
        Btf::parse(Data::Owned(data), None)
    }

    /// Parse split BTF (a kernel module's) whose ids and strings continue `base`'s.
    pub fn from_split_bytes(data: Vec<u8>, base: Arc<Btf>) -> Result<Btf> {
        Btf::parse(Data::Owned(data), Some(base))
    }

    /// Parse BTF held by any shared byte provider (for example an mmap of the file), with
    /// no copy. `base` for split BTF.
    pub fn from_shared(data: Arc<dyn AsRef<[u8]> + Send + Sync>, base: Option<Arc<Btf>>) -> Result<Btf> {
        Btf::parse(Data::Shared(data), base)
    }

    /// As `from_shared`, for BTF the running kernel has already verified (the files under
    /// /sys/kernel/btf, checked by the kernel's BTF verifier when it booted or loaded the
    /// module): the index pass checks only the layout (kinds, lengths, bounds), not every
    /// string offset and type reference. That is what keeps the first load fast; access
    /// stays bounds-checked, so a bad offset or id still gives an error, never a panic.
    pub fn from_kernel_shared(data: Arc<dyn AsRef<[u8]> + Send + Sync>, base: Option<Arc<Btf>>) -> Result<Btf> {
        Btf::parse_with(Data::Shared(data), base, true)
    }

    /// Read raw BTF, or an ELF file's `.BTF` section. Errors name the path.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Btf> {
        Btf::from_file_split(path, None)
    }

    /// As `from_file`, parsing as split BTF on top of `base` when given.
    pub fn from_file_split(path: impl AsRef<Path>, base: Option<Arc<Btf>>) -> Result<Btf> {
        let path = path.as_ref();
        let data = std::fs::read(path).map_err(|e| {
            let errno = e.raw_os_error().unwrap_or(libc::EIO);
            Error::new(errno, format!("btf: failed to read {}: {}", path.display(), crate::error::errno_name(errno)))
        })?;
        let data = if data.starts_with(b"\x7fELF") { elf_btf_section(&data).map_err(|e| e.context(path.display()))? } else { data };
        Btf::parse(Data::Owned(data), base).map_err(|e| e.context(path.display()))
    }

    /// The running kernel's BTF, parsed once per process and shared (thread-safe).
    /// `/sys/kernel/btf/vmlinux` first, then libbpf's list of vmlinux image paths.
    pub fn vmlinux() -> Result<Arc<Btf>> {
        vmlinux::load()
    }

    /// Kernel-module BTFs as (module name, BTF split over `vmlinux()`), cached with it;
    /// broken ones are skipped with a warning. CO-RE searches them after vmlinux.
    pub fn kernel_modules() -> Result<ModuleBtfs> {
        vmlinux::modules()
    }

    fn parse(data: Data, base: Option<Arc<Btf>>) -> Result<Btf> {
        Btf::parse_with(data, base, false)
    }

    fn parse_with(data: Data, base: Option<Arc<Btf>>, trusted: bool) -> Result<Btf> {
        let b = data.bytes();
        let lay = parse_header(b, "btf")?;
        let strs = &b[lay.str_off..lay.str_off + lay.str_len];
        let (start_id, start_str_off) = match &base {
            Some(base) => (base.type_cnt(), base.start_str_off + base.str_len as u32),
            None => (1, 0),
        };
        if base.is_none() {
            // A base string section starts with the empty string; a split one may be empty.
            if strs.first() != Some(&0) {
                bail!(libc::EINVAL, "btf: string section must start with a NUL byte");
            }
        }
        if !strs.is_empty() && strs.last() != Some(&0) {
            bail!(libc::EINVAL, "btf: string section is not NUL-terminated");
        }
        // UTF-8 is checked per string when one is read (str_by_offset), not here: parsing
        // then never touches the string pages, which matters for an mmap'ed vmlinux.
        let str_end = start_str_off as u64 + lay.str_len as u64;
        let types = &b[lay.type_off..lay.type_off + lay.type_len];
        let (offsets, n_types, stride_shift, roots, max_ref) = if trusted {
            let (o, n, roots) = index_layout(types, start_id, KERNEL_STRIDE_SHIFT)?;
            (o, n, KERNEL_STRIDE_SHIFT, roots, 0)
        } else {
            let (o, r) = index_types(types, start_id, str_end)?;
            let n = o.len() as u32;
            (o, n, 0, Vec::new(), r)
        };
        let btf = Btf {
            type_off: lay.type_off,
            type_len: lay.type_len,
            str_off: lay.str_off,
            str_len: lay.str_len,
            hdr_len: lay.hdr_len,
            base,
            start_id,
            start_str_off,
            offsets,
            stride_shift,
            n_types,
            roots,
            names: OnceLock::new(),
            scanned: AtomicUsize::new(0),
            data,
        };
        if max_ref >= btf.type_cnt() {
            btf.check_refs()?;
        }
        Ok(btf)
    }

    /// The single pass already checked layout and strings; check every type id reference
    /// is in range (a separate cheap walk over the index, without decoding names).
    fn check_refs(&self) -> Result<()> {
        let cnt = self.type_cnt();
        let bad = |id: u32, what: &str, r: u32| -> Result<()> {
            if r >= cnt {
                bail!(libc::EINVAL, "btf: type [{id}] {what} references type id {r} out of range (type count {cnt})");
            }
            Ok(())
        };
        let types = &self.data.bytes()[self.type_off..self.type_off + self.type_len];
        for (i, off) in self.own_offsets().enumerate() {
            let id = self.start_id + i as u32;
            let off = off as usize;
            let info = rd32(types, off + 4);
            let st = rd32(types, off + 8);
            let vlen = (info & 0xffff) as usize;
            let x = off + 12;
            match Kind::from_u32((info >> 24) & 0x1f) {
                Some(k) if k.has_type() => bad(id, k.name(), st)?,
                Some(Kind::Array) => {
                    bad(id, "array element", rd32(types, x))?;
                    bad(id, "array index", rd32(types, x + 4))?;
                }
                Some(Kind::Struct | Kind::Union) => {
                    for m in 0..vlen {
                        bad(id, "member", rd32(types, x + m * 12 + 4))?;
                    }
                }
                Some(Kind::FuncProto) => {
                    for p in 0..vlen {
                        bad(id, "param", rd32(types, x + p * 8 + 4))?;
                    }
                }
                Some(Kind::Datasec) => {
                    for v in 0..vlen {
                        bad(id, "datasec var", rd32(types, x + v * 12))?;
                    }
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// Offset (in the type section) of own type number `idx`.
    #[inline]
    fn own_offset(&self, idx: u32) -> Option<u32> {
        if idx >= self.n_types {
            return None;
        }
        let mut off = *self.offsets.get((idx >> self.stride_shift) as usize)?;
        if self.stride_shift != 0 {
            let types = &self.data.bytes()[self.type_off..self.type_off + self.type_len];
            for _ in 0..idx & ((1 << self.stride_shift) - 1) {
                off += type_len_at(types, off as usize) as u32;
            }
        }
        Some(off)
    }

    /// The id of the own type whose record starts at `off` (a type-section offset).
    pub(crate) fn id_at_offset(&self, off: u32) -> Option<u32> {
        let g = self.offsets.partition_point(|&c| c <= off).checked_sub(1)?;
        let mut idx = (g as u32) << self.stride_shift;
        let types = &self.data.bytes()[self.type_off..self.type_off + self.type_len];
        let mut p = self.offsets[g];
        while p < off && idx < self.n_types {
            p += type_len_at(types, p as usize) as u32;
            idx += 1;
        }
        (p == off && idx < self.n_types).then_some(self.start_id + idx)
    }

    /// Offsets of every own type, in id order: from each index checkpoint, a walk of at
    /// most `stride - 1` headers (walks restart at every checkpoint, so they do not form
    /// one long chain of dependent loads).
    pub(crate) fn own_offsets(&self) -> OwnOffsets<'_> {
        OwnOffsets {
            types: &self.data.bytes()[self.type_off..self.type_off + self.type_len],
            checkpoints: &self.offsets,
            shift: self.stride_shift,
            idx: 0,
            n: self.n_types,
            pos: 0,
        }
    }

    /// Total number of type ids including void and any base types: valid ids are
    /// `0..type_cnt()` (libbpf's btf__type_cnt).
    pub fn type_cnt(&self) -> u32 {
        self.start_id + self.n_types
    }

    /// First id defined by this BTF itself (1, or after the base's for split BTF).
    pub fn start_id(&self) -> u32 {
        self.start_id
    }

    pub fn base(&self) -> Option<&Arc<Btf>> {
        self.base.as_ref()
    }

    /// The raw bytes this BTF was parsed from (after any fixups).
    pub fn raw_bytes(&self) -> &[u8] {
        self.data.bytes()
    }

    /// The type with `id` (0 is void).
    pub fn type_by_id(&self, id: u32) -> Result<Type<'_>> {
        if id < self.start_id {
            if id == 0 {
                return Ok(Type { btf: self, id: 0, kind: Kind::Void, name_off: 0, info: 0, size_type: 0, extra: &[] });
            }
            return match &self.base {
                Some(b) => b.type_by_id(id),
                None => bail!(libc::EINVAL, "btf: type id {id} out of range"),
            };
        }
        let Some(off) = self.own_offset(id - self.start_id) else {
            bail!(libc::EINVAL, "btf: type id {id} out of range (type count {})", self.type_cnt());
        };
        let types = &self.data.bytes()[self.type_off..self.type_off + self.type_len];
        let off = off as usize;
        let name_off = rd32(types, off);
        let info = rd32(types, off + 4);
        let size_type = rd32(types, off + 8);
        // Kind and extra length were validated by the index pass.
        let kind = Kind::from_u32((info >> 24) & 0x1f).unwrap_or(Kind::Void);
        let elen = kind.extra_len(info & 0xffff);
        let extra = types.get(off + 12..off + 12 + elen).unwrap_or(&[]);
        Ok(Type { btf: self, id, kind, name_off, info, size_type, extra })
    }

    /// Iterate over every type id defined here and in the base (1..type_cnt).
    pub fn types(&self) -> impl Iterator<Item = Type<'_>> + '_ {
        (1..self.type_cnt()).filter_map(move |id| self.type_by_id(id).ok())
    }

    /// The NUL-terminated string at `off` (libbpf's btf__str_by_offset).
    pub fn str_by_offset(&self, off: u32) -> Result<&str> {
        if off < self.start_str_off {
            return match &self.base {
                Some(b) => b.str_by_offset(off),
                None => bail!(libc::EINVAL, "btf: bad string offset {off}"),
            };
        }
        let rel = (off - self.start_str_off) as usize;
        if rel >= self.str_len {
            bail!(libc::EINVAL, "btf: bad string offset {off} (string section ends at {})", self.start_str_off as usize + self.str_len);
        }
        let s = &self.data.bytes()[self.str_off + rel..self.str_off + self.str_len];
        let end = s.iter().position(|&c| c == 0).unwrap_or(s.len());
        std::str::from_utf8(&s[..end]).map_err(|_| einval(format!("btf: string at offset {off} is not valid UTF-8")))
    }

    /// Alias of `str_by_offset` (libbpf's btf__name_by_offset).
    pub fn name_by_offset(&self, off: u32) -> Result<&str> {
        self.str_by_offset(off)
    }

    /// Name for an offset validated at index time; "" if the bytes are not UTF-8 (corrupt
    /// BTF: `str_by_offset` reports that as EINVAL).
    fn str_or_empty(&self, off: u32) -> &str {
        if off == 0 {
            return "";
        }
        self.str_by_offset(off).unwrap_or("")
    }

    /// The first type named `name` (any kind), searching the base first. "void" is 0.
    pub fn find_by_name(&self, name: &str) -> Option<u32> {
        if name == "void" {
            return Some(0);
        }
        if let Some(b) = &self.base {
            if let Some(id) = b.find_by_name(name) {
                return Some(id);
            }
        }
        self.find_own(name, None)
    }

    fn find_own(&self, name: &str, kind: Option<Kind>) -> Option<u32> {
        if self.names.get().is_none() && self.scanned.load(Ordering::Relaxed) < SCAN_BUDGET * self.n_types as usize {
            let (found, visited) = names::scan_find(self, name, kind);
            self.scanned.fetch_add(visited, Ordering::Relaxed);
            return found;
        }
        self.name_index().find(self, name, kind)
    }

    /// The first type named `name` of `kind`, searching the base first.
    pub fn find_by_name_kind(&self, name: &str, kind: Kind) -> Option<u32> {
        if kind == Kind::Void && name == "void" {
            return Some(0);
        }
        if let Some(b) = &self.base {
            if let Some(id) = b.find_by_name_kind(name, kind) {
                return Some(id);
            }
        }
        self.find_own(name, Some(kind))
    }

    /// Find a type by its C spelling: "struct event", "union u", "enum state" (ENUM, then
    /// ENUM64), or a bare name ("u32", "task_struct": any kind, first in id order).
    /// Surrounding and repeated spaces are ignored.
    pub fn find_by_c_name(&self, c_name: &str) -> Option<u32> {
        let mut words = c_name.split_whitespace();
        let first = words.next()?;
        let rest = words.next();
        if words.next().is_some() {
            return None;
        }
        match (first, rest) {
            ("struct", Some(n)) => self.find_by_name_kind(n, Kind::Struct),
            ("union", Some(n)) => self.find_by_name_kind(n, Kind::Union),
            ("enum", Some(n)) => self.find_by_name_kind(n, Kind::Enum).or_else(|| self.find_by_name_kind(n, Kind::Enum64)),
            (n, None) => self.find_by_name(n),
            _ => None,
        }
    }

    /// Every type (here and in the base) whose name matches `name` modulo a `___flavor`
    /// suffix on either side, in id order: the CO-RE candidate search.
    pub fn find_by_essential_name(&self, name: &str) -> Vec<u32> {
        let mut out = match &self.base {
            Some(b) => b.find_by_essential_name(name),
            None => Vec::new(),
        };
        let ess = essential_name(name);
        if self.names.get().is_none() && self.scanned.load(Ordering::Relaxed) < SCAN_BUDGET * self.n_types as usize {
            self.scanned.fetch_add(self.n_types as usize, Ordering::Relaxed);
            names::scan_essential(self, ess, &mut out);
        } else {
            self.name_index().find_essential(self, ess, &mut out);
        }
        out
    }

    /// CO-RE candidate search for many local types at once (libbpf's bpf_core_find_cands
    /// without the per-type full scan): for each (name, kind), every type here and in
    /// the base whose name equals `name` modulo `___flavor` suffixes and whose kind is
    /// `kind` (ENUM and ENUM64 match each other), in id order. One linear pass serves
    /// all queries until the name index pays off (then it is built and used).
    pub fn find_core_candidates(&self, queries: &[(&str, Kind)]) -> Vec<Vec<u32>> {
        let mut out = match &self.base {
            Some(b) => b.find_core_candidates(queries),
            None => vec![Vec::new(); queries.len()],
        };
        let q: Vec<(&[u8], u32)> = queries.iter().map(|(n, k)| (essential_name(n).as_bytes(), names::core_kind_mask(*k))).collect();
        if self.names.get().is_none() && self.scanned.load(Ordering::Relaxed) < SCAN_BUDGET * self.n_types as usize {
            self.scanned.fetch_add(self.n_types as usize, Ordering::Relaxed);
            names::scan_candidates(self, &q, &mut out);
        } else {
            let idx = self.name_index();
            for (i, (ess, mask)) in q.iter().enumerate() {
                let Ok(ess) = std::str::from_utf8(ess) else { continue };
                let start = out[i].len();
                idx.find_essential(self, ess, &mut out[i]);
                let mut j = start;
                while j < out[i].len() {
                    let keep = self.type_by_id(out[i][j]).is_ok_and(|t| mask & (1 << t.kind() as u32) != 0);
                    if keep {
                        j += 1;
                    } else {
                        out[i].remove(j);
                    }
                }
            }
        }
        out
    }

    fn name_index(&self) -> &names::NameIndex {
        self.names.get_or_init(|| names::NameIndex::build(self))
    }

    /// Follow TYPEDEF, VOLATILE, CONST, RESTRICT and TYPE_TAG to the underlying type id.
    pub fn skip_mods_and_typedefs(&self, id: u32) -> Result<u32> {
        let mut id = id;
        for _ in 0..=MAX_RESOLVE_DEPTH {
            let t = self.type_by_id(id)?;
            if t.kind.is_mod() || t.kind == Kind::Typedef {
                id = t.size_type;
            } else {
                return Ok(id);
            }
        }
        bail!(libc::EINVAL, "btf: type [{id}]: modifier/typedef chain too deep (a cycle?)")
    }

    /// Follow modifiers only (not typedefs).
    pub fn skip_mods(&self, id: u32) -> Result<u32> {
        let mut id = id;
        for _ in 0..=MAX_RESOLVE_DEPTH {
            let t = self.type_by_id(id)?;
            if t.kind.is_mod() {
                id = t.size_type;
            } else {
                return Ok(id);
            }
        }
        bail!(libc::EINVAL, "btf: type [{id}]: modifier chain too deep (a cycle?)")
    }

    /// libbpf's btf__resolve_type: skip typedefs, modifiers, VAR and DECL_TAG.
    pub fn resolve_type(&self, id: u32) -> Result<u32> {
        let mut id = id;
        for _ in 0..=MAX_RESOLVE_DEPTH {
            let t = self.type_by_id(id)?;
            if t.kind.is_mod() || matches!(t.kind, Kind::Typedef | Kind::Var | Kind::DeclTag) {
                id = t.size_type;
            } else {
                return Ok(id);
            }
        }
        bail!(libc::EINVAL, "btf: type [{id}]: type chain too deep (a cycle?)")
    }

    /// Size in bytes of a type (libbpf's btf__resolve_size): follows typedefs and
    /// modifiers, multiplies array dimensions, pointers are 8 bytes.
    pub fn resolve_size(&self, id: u32) -> Result<u32> {
        let orig = id;
        let mut id = id;
        let mut nelems: u64 = 1;
        for _ in 0..=MAX_RESOLVE_DEPTH {
            let t = self.type_by_id(id)?;
            let size = match t.kind {
                k if k.has_size() => t.size_type,
                Kind::Ptr => 8,
                Kind::Typedef | Kind::Volatile | Kind::Const | Kind::Restrict | Kind::Var | Kind::DeclTag | Kind::TypeTag => {
                    id = t.size_type;
                    continue;
                }
                Kind::Array => {
                    let a = t.array().unwrap_or(ArrayInfo { elem_type: 0, index_type: 0, nelems: 0 });
                    nelems = nelems.saturating_mul(a.nelems as u64);
                    if nelems > u32::MAX as u64 {
                        bail!(libc::E2BIG, "btf: type [{orig}]: array size overflows");
                    }
                    id = a.elem_type;
                    continue;
                }
                k => bail!(libc::EINVAL, "btf: type [{orig}]: {k} '{}' has no size", t.name()),
            };
            let total = nelems * size as u64;
            if total > u32::MAX as u64 {
                bail!(libc::E2BIG, "btf: type [{orig}]: size overflows");
            }
            return Ok(total as u32);
        }
        bail!(libc::EINVAL, "btf: type [{orig}]: type chain too deep (a cycle?)")
    }

    /// Alignment of a type (libbpf's btf__align_of); packed structs give 1.
    pub fn align_of(&self, id: u32) -> Result<u32> {
        self.align_of_depth(id, 0)
    }

    fn align_of_depth(&self, id: u32, depth: usize) -> Result<u32> {
        if depth > MAX_RESOLVE_DEPTH {
            bail!(libc::EINVAL, "btf: type [{id}]: nesting too deep for align_of (a cycle?)");
        }
        let t = self.type_by_id(id)?;
        Ok(match t.kind {
            Kind::Int | Kind::Enum | Kind::Enum64 | Kind::Float => t.size_type.clamp(1, 8),
            Kind::Ptr => 8,
            Kind::Typedef | Kind::Volatile | Kind::Const | Kind::Restrict | Kind::TypeTag => {
                self.align_of_depth(t.size_type, depth + 1)?
            }
            Kind::Array => self.align_of_depth(t.array().map_or(0, |a| a.elem_type), depth + 1)?,
            Kind::Struct | Kind::Union => {
                let mut max = 1;
                for m in t.members() {
                    let a = self.align_of_depth(m.type_id, depth + 1)?;
                    // A member not aligned to its natural alignment means a packed struct.
                    if m.bitfield_size == 0 && m.bit_offset % (a * 8) != 0 {
                        return Ok(1);
                    }
                    max = max.max(a);
                }
                if t.size_type % max != 0 {
                    return Ok(1);
                }
                max
            }
            k => bail!(libc::EINVAL, "btf: type [{id}]: {k} '{}' has no alignment", t.name()),
        })
    }

    /// Bitfield size of a member, handling legacy (non-kflag) BTF where the INT type
    /// carries `bits` smaller than its size: returns (bit_offset, bitfield_size).
    pub fn member_bitfield(&self, composite: &Type<'_>, m: &Member<'_>) -> (u32, u32) {
        if composite.kflag() || m.bitfield_size != 0 {
            return (m.bit_offset, m.bitfield_size);
        }
        if let Ok(t) = self.type_by_id(m.type_id) {
            if let Some(i) = t.int() {
                if (i.bits as u32) < t.size_type * 8 || i.offset != 0 {
                    return (m.bit_offset + i.offset as u32, i.bits as u32);
                }
            }
        }
        (m.bit_offset, 0)
    }

    // ---- Mutation before load (libbpf's fixup_btf / bpf_object__sanitize_btf) ----

    /// Absolute byte position of type `id`'s header; only for types defined here.
    fn own_type_pos(&self, id: u32) -> Result<usize> {
        if id < self.start_id {
            bail!(libc::EINVAL, "btf: type [{id}] belongs to the base BTF and cannot be modified");
        }
        match self.own_offset(id - self.start_id) {
            Some(o) => Ok(self.type_off + o as usize),
            None => bail!(libc::EINVAL, "btf: type id {id} out of range"),
        }
    }

    fn write32(&mut self, pos: usize, v: u32) -> Result<()> {
        let b = self.data.bytes_mut();
        match b.get_mut(pos..pos + 4) {
            Some(s) => {
                s.copy_from_slice(&v.to_le_bytes());
                Ok(())
            }
            None => bail!(libc::EINVAL, "btf: write at {pos} out of range"),
        }
    }

    fn expect_kind(&self, id: u32, kind: Kind) -> Result<Type<'_>> {
        let t = self.type_by_id(id)?;
        if t.kind != kind {
            bail!(libc::EINVAL, "btf: type [{id}] '{}' is {}, expected {}", t.name(), t.kind, kind);
        }
        Ok(t)
    }

    /// Set a DATASEC's size.
    pub fn set_datasec_size(&mut self, datasec_id: u32, size: u32) -> Result<()> {
        self.expect_kind(datasec_id, Kind::Datasec)?;
        let pos = self.own_type_pos(datasec_id)?;
        self.write32(pos + 8, size)
    }

    /// Set entry `idx` of a DATASEC (offset and size).
    pub fn set_datasec_var(&mut self, datasec_id: u32, idx: usize, offset: u32, size: u32) -> Result<()> {
        let t = self.expect_kind(datasec_id, Kind::Datasec)?;
        if idx >= t.vlen() as usize {
            bail!(libc::EINVAL, "btf: DATASEC '{}' has no entry {idx}", t.name());
        }
        let pos = self.own_type_pos(datasec_id)? + 12 + idx * 12;
        self.write32(pos + 4, offset)?;
        self.write32(pos + 8, size)
    }

    /// Set a VAR's linkage (BTF_VAR_*).
    pub fn set_var_linkage(&mut self, var_id: u32, linkage: u32) -> Result<()> {
        self.expect_kind(var_id, Kind::Var)?;
        let pos = self.own_type_pos(var_id)?;
        self.write32(pos + 12, linkage)
    }

    /// Set a FUNC's linkage (BTF_FUNC_*; libbpf marks hidden global functions static).
    pub fn set_func_linkage(&mut self, func_id: u32, linkage: u32) -> Result<()> {
        let t = self.expect_kind(func_id, Kind::Func)?;
        if linkage > MAX_VLEN {
            bail!(libc::EINVAL, "btf: bad FUNC linkage {linkage}");
        }
        let info = (t.info & !0xffff) | linkage;
        let pos = self.own_type_pos(func_id)?;
        self.write32(pos + 4, info)
    }

    /// libbpf's DATASEC fixup (btf_fixup_datasec) for DATASEC `datasec_name`: when its
    /// size is 0 (as clang leaves it), set it to `size` (the ELF section size) and each
    /// global VAR's offset to `var_offset(var_name)` (its ELF symbol value); static and
    /// extern VARs are left alone. `.kconfig` / `.ksyms` are only sorted (their layout is
    /// set by the extern code). Entries are then sorted by offset. Returns the DATASEC id.
    pub fn fixup_datasec(&mut self, datasec_name: &str, size: u32, var_offset: impl Fn(&str) -> Option<u32>) -> Result<u32> {
        self.fixup_datasec_syms(datasec_name, size, |n| var_offset(n).map(|offset| VarSym { offset, hidden: false }))
    }

    /// As `fixup_datasec`, with the symbol's visibility: a global VAR whose symbol is
    /// STV_HIDDEN/STV_INTERNAL is marked static, as libbpf does.
    pub fn fixup_datasec_syms(&mut self, datasec_name: &str, size: u32, sym: impl Fn(&str) -> Option<VarSym>) -> Result<u32> {
        let Some(id) = self.find_by_name_kind(datasec_name, Kind::Datasec) else {
            bail!(libc::ENOENT, "btf: DATASEC '{datasec_name}' not found");
        };
        let t = self.type_by_id(id)?;
        let mut entries: Vec<VarSecInfo> = t.datasec_vars().collect();
        let extern_sec = datasec_name == ".kconfig" || datasec_name == ".ksyms";
        let mut to_static = Vec::new();
        if !extern_sec {
            let fix_offsets = t.size_type == 0;
            if fix_offsets && size == 0 {
                bail!(libc::ENOENT, "btf: sec '{datasec_name}': failed to determine size from ELF");
            }
            for e in entries.iter_mut() {
                let var = self.type_by_id(e.type_id)?;
                let Some(linkage) = var.var_linkage() else {
                    bail!(libc::EINVAL, "btf: sec '{datasec_name}': unexpected non-VAR type [{}] found", e.type_id);
                };
                if linkage == BTF_VAR_STATIC || linkage == BTF_VAR_GLOBAL_EXTERN {
                    continue;
                }
                let Some(s) = sym(var.name()) else {
                    bail!(
                        libc::ENOENT,
                        "btf: sec '{datasec_name}': failed to find corresponding ELF symbol for var '{}'",
                        var.name()
                    );
                };
                if fix_offsets {
                    e.offset = s.offset;
                }
                if s.hidden {
                    to_static.push(e.type_id);
                }
            }
            if fix_offsets {
                self.set_datasec_size(id, size)?;
            }
        }
        for v in to_static {
            self.set_var_linkage(v, BTF_VAR_STATIC)?;
        }
        entries.sort_by_key(|e| e.offset);
        let pos = self.own_type_pos(id)? + 12;
        for (i, e) in entries.iter().enumerate() {
            self.write32(pos + i * 12, e.type_id)?;
            self.write32(pos + i * 12 + 4, e.offset)?;
            self.write32(pos + i * 12 + 8, e.size)?;
        }
        Ok(id)
    }

    /// Hook for rewriting BTF for kernels that lack newer kinds (libbpf's
    /// bpf_object__sanitize_btf). Every `SanitizeOpts` flag is off for 6.x kernels; see
    /// [`SanitizeOpts`] for what each will do.
    pub fn sanitize(&mut self, opts: &SanitizeOpts) -> Result<()> {
        if *opts == SanitizeOpts::default() {
            return Ok(());
        }
        sanitize_types(self, opts)
    }

    /// Serialize to raw BTF (a 24-byte header, types, strings) for BPF_BTF_LOAD. For
    /// split BTF only the split part is written (the kernel takes the base by fd).
    pub fn to_bytes(&self) -> Vec<u8> {
        let b = self.data.bytes();
        let types = &b[self.type_off..self.type_off + self.type_len];
        let strs = &b[self.str_off..self.str_off + self.str_len];
        let mut out = Vec::with_capacity(BTF_HDR_LEN + types.len() + strs.len());
        out.extend_from_slice(&BTF_MAGIC.to_le_bytes());
        out.push(BTF_VERSION);
        out.push(0);
        for v in [BTF_HDR_LEN as u32, 0, types.len() as u32, types.len() as u32, strs.len() as u32] {
            out.extend_from_slice(&v.to_le_bytes());
        }
        out.extend_from_slice(types);
        out.extend_from_slice(strs);
        out
    }

    /// Header length as parsed (24 for most producers).
    pub fn hdr_len(&self) -> usize {
        self.hdr_len
    }
}

/// An ELF symbol as the DATASEC fixup needs it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VarSym {
    pub offset: u32,
    /// STV_HIDDEN or STV_INTERNAL visibility.
    pub hidden: bool,
}

/// Rewrites for older kernels (libbpf's sanitize_btf); all off means "leave as is".
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SanitizeOpts {
    /// No BTF_KIND_DECL_TAG (< 5.16): replace with a 1-byte INT (as libbpf).
    pub decl_tag: bool,
    /// No BTF_KIND_TYPE_TAG (< 5.17): replace with CONST.
    pub type_tag: bool,
    /// No BTF_KIND_ENUM64 (< 6.0): libbpf turns it into a UNION of placeholder INT
    /// members, which needs a type appended; not implemented yet (EOPNOTSUPP).
    pub enum64: bool,
    /// No FLOAT (< 5.13): replace with STRUCT of the same size, no members.
    pub float: bool,
    /// No global FUNC linkage (< 5.6): mark static.
    pub func_global: bool,
}

/// In-place kind rewrites that keep every type's byte length (so the index stays valid).
fn sanitize_types(btf: &mut Btf, opts: &SanitizeOpts) -> Result<()> {
    let ids: Vec<u32> = (btf.start_id..btf.type_cnt()).collect();
    for id in ids {
        let t = btf.type_by_id(id)?;
        let (kind, info) = (t.kind, t.info);
        let pos = btf.own_type_pos(id)?;
        let set_info = |k: Kind, vlen: u32| ((k as u32) << 24) | vlen;
        match kind {
            Kind::TypeTag if opts.type_tag => btf.write32(pos + 4, set_info(Kind::Const, 0))?,
            Kind::Float if opts.float => btf.write32(pos + 4, set_info(Kind::Struct, 0))?,
            Kind::Func if opts.func_global && info & 0xffff == BTF_FUNC_GLOBAL => {
                btf.write32(pos + 4, (info & !0xffff) | BTF_FUNC_STATIC)?
            }
            Kind::DeclTag if opts.decl_tag => {
                // DECL_TAG has 4 trailing bytes like INT: make it a 1-byte INT.
                btf.write32(pos + 4, set_info(Kind::Int, 0))?;
                btf.write32(pos + 8, 1)?;
                btf.write32(pos + 12, 8)?;
            }
            Kind::Enum64 if opts.enum64 => {
                bail!(libc::EOPNOTSUPP, "btf: ENUM64 sanitization for old kernels is not implemented (type [{id}])")
            }
            _ => {}
        }
    }
    Ok(())
}

/// The single validating pass: returns each type's offset inside the type section.
/// Also returns the largest type id referenced anywhere, so references are range-checked
/// without a second pass (the slow `check_refs` walk runs only to name a bad one).
/// The layout-only index pass (kernel-verified BTF): each type's offset from its kind and
/// vlen, nothing else read. A few ns per type.
fn index_layout(types: &[u8], start_id: u32, stride_shift: u32) -> Result<(Vec<u32>, u32, Vec<u32>)> {
    if types.len() > u32::MAX as usize {
        bail!(libc::E2BIG, "btf: type section too large");
    }
    let mask = (1usize << stride_shift) - 1;
    let mut offsets = Vec::with_capacity(((types.len() / 12) >> stride_shift) + 1);
    // Written branch-free: every type stores its offset in the next slot, and the slot
    // is kept (len advanced) only for ROOT_KINDS. Capacity is virtual until touched.
    let mut roots: Vec<u32> = vec![0; types.len() / 12 + 1];
    let mut nroots = 0usize;
    let mut pos = 0usize;
    let mut n = 0usize;
    let mut bad_kinds = 0u32;
    while let Some(h) = types.get(pos + 4..pos + 8) {
        let info = u32::from_le_bytes([h[0], h[1], h[2], h[3]]);
        let k = ((info >> 24) & 0x1f) as usize;
        bad_kinds |= (k == 0 || k > 19) as u32;
        if n & mask == 0 {
            offsets.push(pos as u32);
        }
        if let Some(slot) = roots.get_mut(nroots) {
            *slot = pos as u32;
        }
        nroots += ((ROOT_KINDS >> k) & 1) as usize;
        n += 1;
        pos += record_len(info);
    }
    if n > (u32::MAX / 2) as usize {
        bail!(libc::E2BIG, "btf: too many types");
    }
    if bad_kinds != 0 {
        // Rare (corrupt input): find the first offender for the message.
        let it = OwnOffsets { types, checkpoints: &offsets, shift: stride_shift, idx: 0, n: n as u32, pos: 0 };
        for (i, o) in it.enumerate() {
            let k = (rd32(types, o as usize + 4) >> 24) & 0x1f;
            if k == 0 || k > 19 {
                bail!(libc::EINVAL, "btf: type [{}] has unknown kind {k}", start_id as usize + i);
            }
        }
    }
    if pos != types.len() {
        bail!(libc::EINVAL, "btf: type [{}] runs past the end of the type section", start_id as usize + n.saturating_sub(1));
    }
    // No shrink_to_fit: that would copy; the untouched capacity is never resident.
    roots.truncate(nroots);
    Ok((offsets, n as u32, roots))
}

/// Branch-free record lengths: kinds arrive in no predictable order, so a per-kind branch
/// would mispredict on most types. Extra bytes after the 12-byte header, fixed and per
/// vlen entry, by kind number (unknown kinds: 0; the index pass reports them).
const FIXED: [u8; 32] = {
    let mut t = [0u8; 32];
    t[1] = 4;
    t[14] = 4;
    t[17] = 4;
    t[3] = 12;
    t
};
const PER_VLEN: [u8; 32] = {
    let mut t = [0u8; 32];
    t[4] = 12;
    t[5] = 12;
    t[15] = 12;
    t[19] = 12;
    t[6] = 8;
    t[13] = 8;
    t
};
/// Kinds a named CO-RE local root type can have (candidate searches over kernel BTF
/// look only at types of these kinds).
pub(crate) const ROOT_KINDS: u32 = (1 << Kind::Int as u32)
    | (1 << Kind::Struct as u32)
    | (1 << Kind::Union as u32)
    | (1 << Kind::Enum as u32)
    | (1 << Kind::Fwd as u32)
    | (1 << Kind::Typedef as u32)
    | (1 << Kind::Float as u32)
    | (1 << Kind::Enum64 as u32);

/// The kernel BTF's index keeps every 4th type offset.
const KERNEL_STRIDE_SHIFT: u32 = 2;

/// Length of the type record at `off` (12-byte header + kind data), from its header.
#[inline]
fn type_len_at(types: &[u8], off: usize) -> usize {
    record_len(rd32(types, off + 4))
}

/// FIXED and PER_VLEN / 4 packed 2 bits per kind into registers: the index walk is one
/// long chain of dependent steps, and a shift is shorter than a table load.
const FIXED_Q: u64 = {
    let mut v = 0u64;
    let mut k = 0;
    while k < 20 {
        v |= ((FIXED[k] / 4) as u64) << (2 * k);
        k += 1;
    }
    v
};
const PER_VLEN_Q: u64 = {
    let mut v = 0u64;
    let mut k = 0;
    while k < 20 {
        v |= ((PER_VLEN[k] / 4) as u64) << (2 * k);
        k += 1;
    }
    v
};

/// Length of a type record (12-byte header + kind data) from its info word; unknown
/// kinds (≥ 20) count as header only.
#[inline(always)]
fn record_len(info: u32) -> usize {
    let k2 = (((info >> 24) & 0x1f) * 2) as u64;
    let (fx, pv) = if k2 < 40 { ((FIXED_Q >> k2) & 3, (PER_VLEN_Q >> k2) & 3) } else { (0, 0) };
    12 + 4 * (fx as usize + pv as usize * (info & 0xffff) as usize)
}

/// Iterator over own type offsets in id order (see `Btf::own_offsets`).
pub(crate) struct OwnOffsets<'a> {
    types: &'a [u8],
    checkpoints: &'a [u32],
    shift: u32,
    idx: u32,
    n: u32,
    pos: usize,
}

impl Iterator for OwnOffsets<'_> {
    type Item = u32;
    #[inline]
    fn next(&mut self) -> Option<u32> {
        if self.idx >= self.n {
            return None;
        }
        let mask = (1u32 << self.shift) - 1;
        let p = if self.idx & mask == 0 {
            *self.checkpoints.get((self.idx >> self.shift) as usize)? as usize
        } else {
            self.pos
        };
        self.idx += 1;
        self.pos = p + type_len_at(self.types, p);
        Some(p as u32)
    }
}

fn index_types(types: &[u8], start_id: u32, str_end: u64) -> Result<(Vec<u32>, u32)> {
    let mut max_ref = 0u32;
    // A type is at least 12 bytes: this never regrows, and the untouched tail of a large
    // allocation is never resident (vmlinux averages ~25 bytes per type).
    let mut offsets = Vec::with_capacity(types.len() / 12 + 1);
    let mut pos = 0usize;
    let check_str = |id: u32, what: &str, off: u32| -> Result<()> {
        if off as u64 >= str_end {
            bail!(libc::EINVAL, "btf: type [{id}]: bad string offset {off} for {what} (string section ends at {str_end})");
        }
        Ok(())
    };
    while pos < types.len() {
        let id = start_id as u64 + offsets.len() as u64;
        if id > u32::MAX as u64 / 2 {
            bail!(libc::E2BIG, "btf: too many types");
        }
        let id = id as u32;
        if pos + 12 > types.len() {
            bail!(libc::EINVAL, "btf: type [{id}] header at offset {pos} runs past the end of the type section ({} bytes)", types.len());
        }
        let name_off = rd32(types, pos);
        let info = rd32(types, pos + 4);
        let st = rd32(types, pos + 8);
        let kraw = (info >> 24) & 0x1f;
        let Some(kind) = Kind::from_u32(kraw).filter(|&k| k != Kind::Void) else {
            bail!(libc::EINVAL, "btf: type [{id}] has unknown kind {kraw}");
        };
        if info & 0x60ff_0000 != 0 {
            bail!(libc::EINVAL, "btf: type [{id}]: unused bits set in info {info:#x}");
        }
        let vlen = info & 0xffff;
        let kflag = info >> 31 != 0;
        let elen = kind.extra_len(vlen);
        let end = pos + 12 + elen;
        if end > types.len() {
            bail!(
                libc::EINVAL,
                "btf: type [{id}] {kind}: vlen {vlen} runs past the end of the type section ({end} > {})",
                types.len()
            );
        }
        check_str(id, "type name", name_off)?;
        let x = pos + 12;
        if kind.has_type() {
            max_ref = max_ref.max(st);
        }
        match kind {
            Kind::Int => {
                let w = rd32(types, x);
                let bits = w & 0xff;
                let off = (w >> 16) & 0xff;
                if w & 0xf000_ff00 != 0 || (w >> 24) & 0x0f > 7 {
                    bail!(libc::EINVAL, "btf: type [{id}] INT: bad encoding word {w:#x}");
                }
                if !matches!(st, 1 | 2 | 4 | 8 | 16) || bits > 128 || bits + off > st * 8 {
                    bail!(libc::EINVAL, "btf: type [{id}] INT: bad size {st} / bits {bits} / offset {off}");
                }
                if vlen != 0 || kflag {
                    bail!(libc::EINVAL, "btf: type [{id}] INT: vlen/kflag must be zero");
                }
            }
            Kind::Struct | Kind::Union | Kind::Enum | Kind::Enum64 | Kind::FuncProto => {
                let (step, what) = match kind {
                    Kind::Struct | Kind::Union => (12, "member name"),
                    Kind::Enum => (8, "enumerator name"),
                    Kind::Enum64 => (12, "enumerator name"),
                    _ => (8, "param name"),
                };
                for i in 0..vlen as usize {
                    check_str(id, what, rd32(types, x + i * step))?;
                }
                if matches!(kind, Kind::Struct | Kind::Union | Kind::FuncProto) {
                    for i in 0..vlen as usize {
                        max_ref = max_ref.max(rd32(types, x + i * step + 4));
                    }
                }
                if kind.is_any_enum() && !matches!(st, 1 | 2 | 4 | 8) {
                    bail!(libc::EINVAL, "btf: type [{id}] {kind}: bad size {st}");
                }
            }
            Kind::Func if vlen > BTF_FUNC_EXTERN => {
                bail!(libc::EINVAL, "btf: type [{id}] FUNC: bad linkage {vlen}");
            }
            Kind::Var if rd32(types, x) > BTF_VAR_GLOBAL_EXTERN => {
                bail!(libc::EINVAL, "btf: type [{id}] VAR: bad linkage {}", rd32(types, x));
            }
            Kind::Array => {
                max_ref = max_ref.max(rd32(types, x)).max(rd32(types, x + 4));
            }
            Kind::Datasec => {
                for i in 0..vlen as usize {
                    max_ref = max_ref.max(rd32(types, x + i * 12));
                }
            }
            Kind::Float if !matches!(st, 2 | 4 | 8 | 12 | 16) => {
                bail!(libc::EINVAL, "btf: type [{id}] FLOAT: bad size {st}");
            }
            _ => {}
        }
        if offsets.len() >= u32::MAX as usize || pos > u32::MAX as usize {
            bail!(libc::E2BIG, "btf: type section too large");
        }
        offsets.push(pos as u32);
        pos = end;
    }
    Ok((offsets, max_ref))
}

/// The `.BTF` section of an ELF image.
fn elf_btf_section(data: &[u8]) -> Result<Vec<u8>> {
    use object::{Object, ObjectSection};
    let file = object::File::parse(data).map_err(|e| einval(format!("elf: {e}")))?;
    if !file.is_little_endian() {
        bail!(libc::EINVAL, "elf: big-endian ELF/BTF is not supported");
    }
    let Some(sec) = file.section_by_name(".BTF") else {
        bail!(libc::ENODATA, "elf: no .BTF section");
    };
    match sec.uncompressed_data() {
        Ok(d) => Ok(d.into_owned()),
        Err(e) => bail!(libc::EINVAL, "elf: cannot read .BTF: {e}"),
    }
}
