//! CO-RE: compile-once run-everywhere relocations, with libbpf's relo_core.c semantics.
//! Pure: given the object's (local) BTF, target BTFs and a `bpf_core_relo` record,
//! compute the value and patch the instruction(s), or poison them.

use super::ext::CoreRelo;
use super::{Btf, Kind};
use crate::obj::Insn;
use crate::{bail, Result};
use std::collections::HashMap;
use std::sync::Arc;

/// `enum bpf_core_relo_kind`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u32)]
pub enum CoreReloKind {
    FieldByteOffset = 0,
    FieldByteSize = 1,
    FieldExists = 2,
    FieldSigned = 3,
    FieldLshiftU64 = 4,
    FieldRshiftU64 = 5,
    TypeIdLocal = 6,
    TypeIdTarget = 7,
    TypeExists = 8,
    TypeSize = 9,
    EnumvalExists = 10,
    EnumvalValue = 11,
    TypeMatches = 12,
}

impl CoreReloKind {
    pub fn from_u32(k: u32) -> Option<Self> {
        use CoreReloKind::*;
        Some(match k {
            0 => FieldByteOffset,
            1 => FieldByteSize,
            2 => FieldExists,
            3 => FieldSigned,
            4 => FieldLshiftU64,
            5 => FieldRshiftU64,
            6 => TypeIdLocal,
            7 => TypeIdTarget,
            8 => TypeExists,
            9 => TypeSize,
            10 => EnumvalExists,
            11 => EnumvalValue,
            12 => TypeMatches,
            _ => return None,
        })
    }

    /// libbpf's log names ("byte_off", "local_type_id", ...).
    pub fn name(self) -> &'static str {
        use CoreReloKind::*;
        match self {
            FieldByteOffset => "byte_off",
            FieldByteSize => "byte_sz",
            FieldExists => "field_exists",
            FieldSigned => "signed",
            FieldLshiftU64 => "lshift_u64",
            FieldRshiftU64 => "rshift_u64",
            TypeIdLocal => "local_type_id",
            TypeIdTarget => "target_type_id",
            TypeExists => "type_exists",
            TypeSize => "type_size",
            EnumvalExists => "enumval_exists",
            EnumvalValue => "enumval_value",
            TypeMatches => "type_matches",
        }
    }

    pub fn is_field_based(self) -> bool {
        (self as u32) <= 5
    }
    pub fn is_type_based(self) -> bool {
        matches!(self, Self::TypeIdLocal | Self::TypeIdTarget | Self::TypeExists | Self::TypeSize | Self::TypeMatches)
    }
    pub fn is_enumval_based(self) -> bool {
        matches!(self, Self::EnumvalExists | Self::EnumvalValue)
    }
}

/// libbpf's BPF_CORE_SPEC_MAX_LEN.
pub const CORE_SPEC_MAX_LEN: usize = 64;
/// Recursion budget of the type compatibility / match checks (libbpf uses 32).
const COMPAT_LEVEL: i32 = 32;

/// What a relocation did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CoreOutcome {
    pub kind: CoreReloKind,
    /// The local spec, libbpf-style: "<byte_off> [7] struct task_struct.tgid (0:54 @ offset 2344)".
    pub local_spec: String,
    /// The chosen target's spec, when a candidate matched.
    pub target_spec: Option<String>,
    /// Value expected in the instruction (computed from local BTF).
    pub orig_val: u64,
    /// Value written.
    pub new_val: u64,
    /// The instruction was replaced by `call POISON_CORE_RELO` (no usable target).
    pub poisoned: bool,
    /// Index into the relocator's targets of the BTF that matched.
    pub target_btf: Option<usize>,
    /// Load/store memory size change (orig bytes, new bytes) when one was made.
    pub mem_size: Option<(u32, u32)>,
}

/// One candidate: a target BTF (index into targets) and a type id in it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cand {
    pub btf: usize,
    pub id: u32,
}

/// The computed result for one relocation, before patching (libbpf's bpf_core_relo_res).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CoreRes {
    pub orig_val: u64,
    pub new_val: u64,
    pub poison: bool,
    /// Whether the instruction's current value must equal `orig_val`.
    pub validate: bool,
    /// The load/store size cannot be adjusted safely: poison LDX/ST/STX.
    pub fail_memsz_adjust: bool,
    pub orig_sz: u32,
    pub new_sz: u32,
    pub orig_type_id: u32,
    pub new_type_id: u32,
}

#[derive(Clone, Copy, Debug)]
struct Acc<'b> {
    type_id: u32,
    idx: u32,
    /// Named field or enumerator; None for array / root accessors.
    name: Option<&'b str>,
}

/// A parsed access spec against one BTF (libbpf's bpf_core_spec).
#[derive(Clone, Debug)]
struct Spec<'b> {
    btf: &'b Btf,
    root_type_id: u32,
    kind: CoreReloKind,
    /// The low-level access string, one entry per level.
    raw: Vec<u32>,
    /// The high-level accessors (named fields, array indices).
    acc: Vec<Acc<'b>>,
    bit_offset: u32,
}

impl<'b> Spec<'b> {
    fn new(btf: &'b Btf, root: u32, kind: CoreReloKind) -> Self {
        Spec { btf, root_type_id: root, kind, raw: Vec::new(), acc: Vec::new(), bit_offset: 0 }
    }
}

/// Internal error: errno and message (wrapped with program/relo context by the caller).
type CResult<T> = std::result::Result<T, (i32, String)>;

fn e<T>(errno: i32, msg: impl Into<String>) -> CResult<T> {
    Err((errno, msg.into()))
}

fn from_err(err: crate::Error) -> (i32, String) {
    (err.errno(), err.message().to_string())
}

fn ty(btf: &Btf, id: u32) -> CResult<super::Type<'_>> {
    btf.type_by_id(id).map_err(from_err)
}

/// skip_mods_and_typedefs returning the type.
fn skip(btf: &Btf, id: u32) -> CResult<super::Type<'_>> {
    let id = btf.skip_mods_and_typedefs(id).map_err(from_err)?;
    ty(btf, id)
}

fn size_of(btf: &Btf, id: u32) -> CResult<u32> {
    btf.resolve_size(id).map_err(from_err)
}

fn kind_core_compat(a: Kind, b: Kind) -> bool {
    a == b || (a.is_any_enum() && b.is_any_enum())
}

fn is_flex_arr(btf: &Btf, acc: &Acc<'_>, nelems: u32) -> bool {
    if acc.name.is_none() || nelems > 0 {
        return false;
    }
    match btf.type_by_id(acc.type_id) {
        Ok(t) => acc.idx + 1 == t.vlen(),
        Err(_) => false,
    }
}

fn parse_access_str(s: &str) -> CResult<Vec<u32>> {
    if s.is_empty() || s.starts_with(':') {
        return e(libc::EINVAL, format!("bad access string '{s}'"));
    }
    let mut raw = Vec::new();
    for part in s.split(':') {
        let v: u32 = match part.parse() {
            Ok(v) if v <= i32::MAX as u32 => v,
            _ => return e(libc::EINVAL, format!("bad access string '{s}'")),
        };
        if raw.len() == CORE_SPEC_MAX_LEN {
            return e(libc::E2BIG, format!("access string '{s}' too long"));
        }
        raw.push(v);
    }
    Ok(raw)
}

/// bpf_core_parse_spec: turn a relocation's access string into a spec on local BTF.
fn parse_spec<'b>(btf: &'b Btf, relo: &CoreRelo, kind: CoreReloKind) -> CResult<Spec<'b>> {
    let spec_str = btf.str_by_offset(relo.access_str_off).map_err(from_err)?;
    if spec_str.is_empty() || spec_str.starts_with(':') {
        return e(libc::EINVAL, format!("bad access string '{spec_str}'"));
    }
    let mut spec = Spec::new(btf, relo.type_id, kind);
    if kind.is_type_based() {
        if spec_str != "0" {
            return e(libc::EINVAL, format!("type relocation with access string '{spec_str}' (expected \"0\")"));
        }
        return Ok(spec);
    }
    spec.raw = parse_access_str(spec_str)?;
    let t = skip(btf, relo.type_id)?;
    let mut id = t.id();
    let first = spec.raw[0];
    spec.acc.push(Acc { type_id: id, idx: first, name: None });

    if kind.is_enumval_based() {
        if !t.kind().is_any_enum() || spec.raw.len() > 1 || first >= t.vlen() {
            return e(libc::EINVAL, format!("bad enumerator access '{spec_str}' for {} '{}'", t.kind(), t.name()));
        }
        spec.acc[0].name = t.enum_values().nth(first as usize).map(|v| v.name);
        return Ok(spec);
    }
    if !kind.is_field_based() {
        return e(libc::EINVAL, "unknown relocation kind");
    }
    let sz = size_of(btf, id)?;
    spec.bit_offset = (first as u64 * sz as u64 * 8) as u32;
    for i in 1..spec.raw.len() {
        let t = skip(btf, id)?;
        id = t.id();
        let access_idx = spec.raw[i];
        if t.kind().is_composite() {
            let Some(m) = t.member(access_idx as usize) else {
                return e(libc::EINVAL, format!("member index {access_idx} out of range for {} '{}'", t.kind(), t.name()));
            };
            spec.bit_offset = spec.bit_offset.wrapping_add(m.bit_offset);
            if m.name_off != 0 {
                if m.name.is_empty() {
                    return e(libc::EINVAL, "member with an empty name");
                }
                spec.acc.push(Acc { type_id: id, idx: access_idx, name: Some(m.name) });
            }
            id = m.type_id;
        } else if t.kind() == Kind::Array {
            let a = t.array().unwrap_or(super::ArrayInfo { elem_type: 0, index_type: 0, nelems: 0 });
            let et = skip(btf, a.elem_type)?;
            id = et.id();
            let last = spec.acc[spec.acc.len() - 1];
            let flex = is_flex_arr(btf, &last, a.nelems);
            if !flex && access_idx >= a.nelems {
                return e(libc::EINVAL, format!("array index {access_idx} out of range ({} elements)", a.nelems));
            }
            if spec.acc.len() == CORE_SPEC_MAX_LEN {
                return e(libc::E2BIG, "spec too deep");
            }
            spec.acc.push(Acc { type_id: id, idx: access_idx, name: None });
            let sz = size_of(btf, id)?;
            spec.bit_offset = spec.bit_offset.wrapping_add((access_idx as u64 * sz as u64 * 8) as u32);
        } else {
            return e(
                libc::EINVAL,
                format!("relo for [{}] {spec_str} (at idx {i}) captures type [{id}] of unexpected kind {}", relo.type_id, t.kind()),
            );
        }
    }
    Ok(spec)
}

/// bpf_core_fields_are_compat.
fn fields_compat(lb: &Btf, lid: u32, tb: &Btf, tid: u32) -> CResult<bool> {
    let (mut lid, mut tid) = (lid, tid);
    for _ in 0..=super::MAX_RESOLVE_DEPTH {
        let lt = skip(lb, lid)?;
        let tt = skip(tb, tid)?;
        if lt.kind().is_composite() && tt.kind().is_composite() {
            return Ok(true);
        }
        if !kind_core_compat(lt.kind(), tt.kind()) {
            return Ok(false);
        }
        match lt.kind() {
            Kind::Ptr | Kind::Float => return Ok(true),
            Kind::Fwd | Kind::Enum | Kind::Enum64 => {
                let (ln, tn) = (super::essential_name(lt.name()), super::essential_name(tt.name()));
                return Ok(ln.is_empty() || tn.is_empty() || ln == tn);
            }
            Kind::Int => {
                let lo = lt.int().map_or(0, |i| i.offset);
                let to = tt.int().map_or(0, |i| i.offset);
                return Ok(lo == 0 && to == 0);
            }
            Kind::Array => {
                lid = lt.array().map_or(0, |a| a.elem_type);
                tid = tt.array().map_or(0, |a| a.elem_type);
            }
            _ => return Ok(false),
        }
    }
    e(libc::EINVAL, "array nesting too deep")
}

/// __bpf_core_types_are_compat: compatibility for type-based relocations.
pub fn types_are_compat(lb: &Btf, lid: u32, tb: &Btf, tid: u32) -> Result<bool> {
    types_compat(lb, lid, tb, tid, COMPAT_LEVEL).map_err(|(n, m)| crate::Error::new(n, m))
}

fn types_compat(lb: &Btf, lid: u32, tb: &Btf, tid: u32, level: i32) -> CResult<bool> {
    let (mut lid, mut tid) = (lid, tid);
    if !kind_core_compat(ty(lb, lid)?.kind(), ty(tb, tid)?.kind()) {
        return Ok(false);
    }
    let mut depth = 32;
    loop {
        depth -= 1;
        if depth < 0 {
            return e(libc::EINVAL, "type nesting too deep");
        }
        let lt = skip(lb, lid)?;
        let tt = skip(tb, tid)?;
        if !kind_core_compat(lt.kind(), tt.kind()) {
            return Ok(false);
        }
        match lt.kind() {
            Kind::Void | Kind::Struct | Kind::Union | Kind::Enum | Kind::Fwd | Kind::Enum64 => return Ok(true),
            Kind::Int => {
                return Ok(lt.int().map_or(0, |i| i.offset) == 0 && tt.int().map_or(0, |i| i.offset) == 0);
            }
            Kind::Ptr => {
                lid = lt.size_or_type();
                tid = tt.size_or_type();
            }
            Kind::Array => {
                lid = lt.array().map_or(0, |a| a.elem_type);
                tid = tt.array().map_or(0, |a| a.elem_type);
            }
            Kind::FuncProto => {
                if lt.vlen() != tt.vlen() {
                    return Ok(false);
                }
                for (lp, tp) in lt.params().zip(tt.params()) {
                    if level <= 0 {
                        return e(libc::EINVAL, "function prototype nesting too deep");
                    }
                    let l = lb.skip_mods_and_typedefs(lp.type_id).map_err(from_err)?;
                    let t = tb.skip_mods_and_typedefs(tp.type_id).map_err(from_err)?;
                    if !types_compat(lb, l, tb, t, level - 1)? {
                        return Ok(false);
                    }
                }
                lid = lb.skip_mods_and_typedefs(lt.size_or_type()).map_err(from_err)?;
                tid = tb.skip_mods_and_typedefs(tt.size_or_type()).map_err(from_err)?;
            }
            _ => return Ok(false),
        }
    }
}

fn names_match(ln: &str, tn: &str) -> bool {
    if tn.is_empty() {
        return ln.is_empty();
    }
    super::essential_name(ln) == super::essential_name(tn)
}

/// __bpf_core_types_match: the stricter relation for TYPE_MATCHES.
pub fn types_match(lb: &Btf, lid: u32, tb: &Btf, tid: u32) -> Result<bool> {
    types_match_rec(lb, lid, tb, tid, false, COMPAT_LEVEL).map_err(|(n, m)| crate::Error::new(n, m))
}

fn types_match_rec(lb: &Btf, lid: u32, tb: &Btf, tid: u32, behind_ptr: bool, level: i32) -> CResult<bool> {
    if level <= 0 {
        return e(libc::EINVAL, "type nesting too deep");
    }
    let (mut lid, mut tid, mut behind_ptr) = (lid, tid, behind_ptr);
    let mut depth = 32;
    loop {
        depth -= 1;
        if depth < 0 {
            return e(libc::EINVAL, "type nesting too deep");
        }
        let lt = skip(lb, lid)?;
        let tt = skip(tb, tid)?;
        if !names_match(lt.name(), tt.name()) {
            return Ok(false);
        }
        let (lk, tk) = (lt.kind(), tt.kind());
        match lk {
            Kind::Void => return Ok(lk == tk),
            Kind::Fwd => {
                let lf = lt.kflag();
                if behind_ptr {
                    if lk == tk {
                        return Ok(lf == tt.kflag());
                    }
                    return Ok((tk == Kind::Struct && !lf) || (tk == Kind::Union && lf));
                }
                return Ok(lk == tk && lf == tt.kflag());
            }
            Kind::Enum | Kind::Enum64 => {
                if !tk.is_any_enum() {
                    return Ok(false);
                }
                return Ok(enums_match(&lt, &tt));
            }
            Kind::Struct | Kind::Union => {
                if behind_ptr {
                    if lk == tk {
                        return Ok(true);
                    }
                    if tk != Kind::Fwd {
                        return Ok(false);
                    }
                    return Ok((lk == Kind::Union) == tt.kflag());
                }
                if lk != tk {
                    return Ok(false);
                }
                return composites_match(lb, &lt, tb, &tt, behind_ptr, level);
            }
            Kind::Int => {
                if lk != tk {
                    return Ok(false);
                }
                let ls = lt.int().is_some_and(|i| i.is_signed());
                let ts = tt.int().is_some_and(|i| i.is_signed());
                return Ok(lt.size_or_type() == tt.size_or_type() && ls == ts);
            }
            Kind::Ptr => {
                if lk != tk {
                    return Ok(false);
                }
                behind_ptr = true;
                lid = lt.size_or_type();
                tid = tt.size_or_type();
            }
            Kind::Array => {
                if lk != tk {
                    return Ok(false);
                }
                let (la, ta) = (lt.array(), tt.array());
                let (Some(la), Some(ta)) = (la, ta) else { return Ok(false) };
                if la.nelems != ta.nelems {
                    return Ok(false);
                }
                lid = la.elem_type;
                tid = ta.elem_type;
            }
            Kind::FuncProto => {
                if lk != tk || lt.vlen() != tt.vlen() {
                    return Ok(false);
                }
                for (lp, tp) in lt.params().zip(tt.params()) {
                    if !types_match_rec(lb, lp.type_id, tb, tp.type_id, behind_ptr, level - 1)? {
                        return Ok(false);
                    }
                }
                lid = lt.size_or_type();
                tid = tt.size_or_type();
            }
            _ => return Ok(false),
        }
    }
}

fn enums_match(lt: &super::Type<'_>, tt: &super::Type<'_>) -> bool {
    if lt.size_or_type() != tt.size_or_type() || lt.vlen() > tt.vlen() {
        return false;
    }
    lt.enum_values().all(|lv| tt.enum_values().any(|tv| names_match(lv.name, tv.name)))
}

fn composites_match(lb: &Btf, lt: &super::Type<'_>, tb: &Btf, tt: &super::Type<'_>, behind_ptr: bool, level: i32) -> CResult<bool> {
    if lt.vlen() > tt.vlen() {
        return Ok(false);
    }
    for lm in lt.members() {
        let mut matched = false;
        for tm in tt.members() {
            if !names_match(lm.name, tm.name) {
                continue;
            }
            if types_match_rec(lb, lm.type_id, tb, tm.type_id, behind_ptr, level - 1)? {
                matched = true;
                break;
            }
        }
        if !matched {
            return Ok(false);
        }
    }
    Ok(true)
}

/// bpf_core_match_member: find the local named field in target composite `tid`,
/// descending into anonymous members; extends `spec` on success.
fn match_member<'t>(lb: &Btf, lacc: &Acc<'_>, tb: &'t Btf, tid: u32, spec: &mut Spec<'t>, next: &mut u32) -> CResult<bool> {
    let tt = skip(tb, tid)?;
    let tid = tt.id();
    if !tt.kind().is_composite() {
        return Ok(false);
    }
    let lt = ty(lb, lacc.type_id)?;
    let Some(lm) = lt.member(lacc.idx as usize) else {
        return e(libc::EINVAL, "local member index out of range");
    };
    for (i, m) in tt.members().enumerate() {
        if spec.raw.len() == CORE_SPEC_MAX_LEN {
            return e(libc::E2BIG, "struct/union/array nesting too deep");
        }
        spec.bit_offset = spec.bit_offset.wrapping_add(m.bit_offset);
        spec.raw.push(i as u32);
        if m.name.is_empty() {
            if match_member(lb, lacc, tb, m.type_id, spec, next)? {
                return Ok(true);
            }
        } else if m.name == lm.name {
            spec.acc.push(Acc { type_id: tid, idx: i as u32, name: Some(m.name) });
            *next = m.type_id;
            let ok = fields_compat(lb, lm.type_id, tb, m.type_id)?;
            if !ok {
                spec.acc.pop();
            }
            return Ok(ok);
        }
        spec.bit_offset = spec.bit_offset.wrapping_sub(m.bit_offset);
        spec.raw.pop();
    }
    Ok(false)
}

/// bpf_core_spec_match: match a local spec against candidate `tid` in `tb`.
fn spec_match<'t>(local: &Spec<'_>, tb: &'t Btf, tid: u32) -> CResult<Option<Spec<'t>>> {
    let mut ts = Spec::new(tb, tid, local.kind);
    if local.kind.is_type_based() {
        let ok = if local.kind == CoreReloKind::TypeMatches {
            types_match_rec(local.btf, local.root_type_id, tb, tid, false, COMPAT_LEVEL)?
        } else {
            types_compat(local.btf, local.root_type_id, tb, tid, COMPAT_LEVEL)?
        };
        return Ok(ok.then_some(ts));
    }
    let Some(lacc0) = local.acc.first() else { return e(libc::EINVAL, "empty spec") };
    if local.kind.is_enumval_based() {
        let tt = skip(tb, tid)?;
        if !tt.kind().is_any_enum() {
            return Ok(None);
        }
        let lname = super::essential_name(lacc0.name.unwrap_or(""));
        for (i, v) in tt.enum_values().enumerate() {
            if super::essential_name(v.name) == lname {
                ts.acc.push(Acc { type_id: tt.id(), idx: i as u32, name: Some(v.name) });
                ts.raw.push(i as u32);
                return Ok(Some(ts));
            }
        }
        return Ok(None);
    }
    if !local.kind.is_field_based() {
        return e(libc::EINVAL, "unknown relocation kind");
    }
    let mut tid = tid;
    for (i, lacc) in local.acc.iter().enumerate() {
        let tt = skip(tb, tid)?;
        tid = tt.id();
        if lacc.name.is_some() {
            let mut next = tid;
            if !match_member(local.btf, lacc, tb, tid, &mut ts, &mut next)? {
                return Ok(None);
            }
            tid = next;
        } else {
            if i > 0 {
                let Some(a) = tt.array() else { return Ok(None) };
                let prev = ts.acc[ts.acc.len() - 1];
                let flex = is_flex_arr(tb, &prev, a.nelems);
                if !flex && lacc.idx >= a.nelems {
                    return Ok(None);
                }
                tid = tb.skip_mods_and_typedefs(a.elem_type).map_err(from_err)?;
            }
            if ts.raw.len() == CORE_SPEC_MAX_LEN {
                return e(libc::E2BIG, "struct/union/array nesting too deep");
            }
            ts.acc.push(Acc { type_id: tid, idx: lacc.idx, name: None });
            ts.raw.push(lacc.idx);
            let sz = size_of(tb, tid)?;
            ts.bit_offset = ts.bit_offset.wrapping_add((lacc.idx as u64 * sz as u64 * 8) as u32);
        }
    }
    Ok(Some(ts))
}

/// Field value for one side (libbpf's bpf_core_calc_field_relo). `Err((EUCLEAN,..))`
/// requests poisoning. Returns (val, field_sz, type_id, validate).
fn calc_field(kind: CoreReloKind, spec: Option<&Spec<'_>>, insn_idx: u32) -> CResult<(u64, u32, u32, bool)> {
    if kind == CoreReloKind::FieldExists {
        return Ok((spec.is_some() as u64, 0, 0, true));
    }
    let Some(spec) = spec else { return e(libc::EUCLEAN, "poison") };
    let Some(acc) = spec.acc.last() else { return e(libc::EINVAL, "empty spec") };
    let btf = spec.btf;
    if acc.name.is_none() {
        let sz = size_of(btf, acc.type_id).map_err(|_| (libc::EINVAL, "cannot size array element".to_string()))?;
        return match kind {
            CoreReloKind::FieldByteOffset => Ok(((spec.bit_offset / 8) as u64, sz, acc.type_id, true)),
            CoreReloKind::FieldByteSize => Ok((sz as u64, 0, 0, true)),
            _ => e(libc::EINVAL, format!("relo {} at insn #{insn_idx} can't be applied to array access", kind as u32)),
        };
    }
    let t = ty(btf, acc.type_id)?;
    let Some(m) = t.member(acc.idx as usize) else { return e(libc::EINVAL, "member index out of range") };
    let mt = skip(btf, m.type_id)?;
    let field_type_id = mt.id();
    let bit_off = spec.bit_offset;
    let mut bit_sz = m.bitfield_size;
    let bitfield = bit_sz > 0;
    let (byte_off, byte_sz);
    if bitfield {
        let mut bsz = mt.size_or_type();
        if bsz == 0 {
            return e(libc::EINVAL, "bitfield of a zero-sized type");
        }
        let mut boff = bit_off / 8 / bsz * bsz;
        while bit_off as u64 + bit_sz as u64 - boff as u64 * 8 > bsz as u64 * 8 {
            if bsz >= 8 {
                return e(libc::E2BIG, format!("relo {} at insn #{insn_idx} can't be satisfied for bitfield", kind as u32));
            }
            bsz *= 2;
            boff = bit_off / 8 / bsz * bsz;
        }
        byte_sz = bsz;
        byte_off = boff;
    } else {
        byte_sz = size_of(btf, field_type_id).map_err(|_| (libc::EINVAL, "cannot size field".to_string()))?;
        byte_off = spec.bit_offset / 8;
        bit_sz = byte_sz.wrapping_mul(8);
    }
    let mut validate = !bitfield;
    let (mut fsz, mut ftid) = (0, 0);
    let val = match kind {
        CoreReloKind::FieldByteOffset => {
            if !bitfield {
                fsz = byte_sz;
                ftid = field_type_id;
            }
            byte_off as u64
        }
        CoreReloKind::FieldByteSize => byte_sz as u64,
        CoreReloKind::FieldSigned => {
            validate = true;
            ((mt.kind().is_any_enum() && mt.kflag()) || mt.int().is_some_and(|i| i.is_signed())) as u64
        }
        CoreReloKind::FieldLshiftU64 => 64u64.wrapping_sub(bit_off as u64 + bit_sz as u64 - byte_off as u64 * 8),
        CoreReloKind::FieldRshiftU64 => {
            validate = true;
            64u64.wrapping_sub(bit_sz as u64)
        }
        _ => return e(libc::EOPNOTSUPP, "unrecognized CO-RE relocation"),
    };
    Ok((val, fsz, ftid, validate))
}

fn calc_type(kind: CoreReloKind, spec: Option<&Spec<'_>>) -> CResult<(u64, bool)> {
    let Some(spec) = spec else { return Ok((0, true)) };
    match kind {
        CoreReloKind::TypeIdTarget => Ok((spec.root_type_id as u64, false)),
        CoreReloKind::TypeExists | CoreReloKind::TypeMatches => Ok((1, true)),
        CoreReloKind::TypeSize => {
            let sz = size_of(spec.btf, spec.root_type_id).map_err(|_| (libc::EINVAL, "cannot size type".to_string()))?;
            Ok((sz as u64, true))
        }
        _ => e(libc::EOPNOTSUPP, "unrecognized CO-RE relocation"),
    }
}

fn calc_enumval(kind: CoreReloKind, spec: Option<&Spec<'_>>) -> CResult<u64> {
    match kind {
        CoreReloKind::EnumvalExists => Ok(spec.is_some() as u64),
        CoreReloKind::EnumvalValue => {
            let Some(spec) = spec else { return e(libc::EUCLEAN, "poison") };
            let acc = spec.acc[0];
            let t = ty(spec.btf, acc.type_id)?;
            let Some(v) = t.enum_values().nth(acc.idx as usize) else { return e(libc::EINVAL, "enumerator out of range") };
            // libbpf sign-extends 32-bit enumerators whatever the enum's signedness.
            Ok(match v.raw32 {
                Some(r) => r as i64 as u64,
                None => v.value,
            })
        }
        _ => e(libc::EOPNOTSUPP, "unrecognized CO-RE relocation"),
    }
}

/// bpf_core_calc_relo: values for a local spec and an optional target spec.
fn calc_relo(kind: CoreReloKind, local: &Spec<'_>, targ: Option<&Spec<'_>>, insn_idx: u32) -> CResult<CoreRes> {
    let mut res = CoreRes { validate: true, ..Default::default() };
    let r: CResult<()> = (|| {
        if kind.is_field_based() {
            let (ov, osz, otid, validate) = calc_field(kind, Some(local), insn_idx)?;
            res.orig_val = ov;
            res.orig_sz = osz;
            res.orig_type_id = otid;
            res.validate = validate;
            let (nv, nsz, ntid, _) = calc_field(kind, targ, insn_idx)?;
            res.new_val = nv;
            res.new_sz = nsz;
            res.new_type_id = ntid;
            if res.orig_sz != res.new_sz {
                let ot = ty(local.btf, res.orig_type_id)?;
                let Some(targ) = targ else { return e(libc::EINVAL, "no target spec") };
                let nt = ty(targ.btf, res.new_type_id)?;
                let unsigned_int = |t: &super::Type<'_>| t.int().is_some_and(|i| i.encoding != super::BTF_INT_SIGNED);
                let ok = (ot.kind() == Kind::Ptr && nt.kind() == Kind::Ptr) || (unsigned_int(&ot) && unsigned_int(&nt));
                res.fail_memsz_adjust = !ok;
            }
        } else if kind.is_type_based() {
            let (ov, validate) = calc_type(kind, Some(local))?;
            res.orig_val = ov;
            res.validate = validate;
            res.new_val = calc_type(kind, targ)?.0;
        } else {
            res.orig_val = calc_enumval(kind, Some(local))?;
            res.new_val = calc_enumval(kind, targ)?;
        }
        Ok(())
    })();
    match r {
        Ok(()) => Ok(res),
        Err((libc::EUCLEAN, _)) => {
            res.poison = true;
            Ok(res)
        }
        Err(x) => Err(x),
    }
}

/// libbpf's bpf_core_format_spec: "<byte_off> [7] struct task_struct.tgid (0:54 @ offset 2344)".
fn format_spec(spec: &Spec<'_>) -> String {
    use std::fmt::Write;
    let mut s = String::new();
    let (kname, name) = match spec.btf.type_by_id(spec.root_type_id) {
        Ok(t) => (t.kind().name(), if t.name().is_empty() { "<anon>" } else { t.name() }),
        Err(_) => ("unknown", "<?>"),
    };
    let _ = write!(s, "<{}> [{}] {} {}", spec.kind.name(), spec.root_type_id, kname, name);
    if spec.kind.is_type_based() {
        return s;
    }
    if spec.kind.is_enumval_based() {
        if let (Ok(t), Some(&idx)) = (skip(spec.btf, spec.root_type_id), spec.raw.first()) {
            if let Some(v) = t.enum_values().nth(idx as usize) {
                let signed = t.kflag();
                match (v.raw32, signed) {
                    (Some(r), true) => write!(s, "::{} = {}", v.name, r),
                    (Some(r), false) => write!(s, "::{} = {}", v.name, r as u32),
                    (None, true) => write!(s, "::{} = {}", v.name, v.value as i64),
                    (None, false) => write!(s, "::{} = {}", v.name, v.value),
                }
                .ok();
            }
        }
        return s;
    }
    for (i, a) in spec.acc.iter().enumerate() {
        match a.name {
            Some(n) => {
                let _ = write!(s, ".{n}");
            }
            None if i > 0 || a.idx > 0 => {
                let _ = write!(s, "[{}]", a.idx);
            }
            None => {}
        }
    }
    s.push_str(" (");
    for (i, r) in spec.raw.iter().enumerate() {
        let _ = write!(s, "{}{}", if i == 0 { "" } else { ":" }, r);
    }
    if spec.bit_offset & 7 != 0 {
        let _ = write!(s, " @ offset {}.{})", spec.bit_offset / 8, spec.bit_offset % 8);
    } else {
        let _ = write!(s, " @ offset {})", spec.bit_offset / 8);
    }
    s
}

/// Make `insn` the poison call (`call 0xbad2310`).
pub fn poison_insn(insn: &mut Insn) {
    use crate::uapi::{BPF_CALL, BPF_JMP, POISON_CORE_RELO};
    *insn = Insn { code: BPF_JMP | BPF_CALL, regs: 0, off: 0, imm: POISON_CORE_RELO };
}

fn size_code_bytes(code: u8) -> Option<u32> {
    use crate::uapi::{BPF_B, BPF_DW, BPF_H, BPF_W};
    match code & 0x18 {
        BPF_DW => Some(8),
        BPF_W => Some(4),
        BPF_H => Some(2),
        BPF_B => Some(1),
        _ => None,
    }
}

fn bytes_size_code(sz: u32) -> Option<u8> {
    use crate::uapi::{BPF_B, BPF_DW, BPF_H, BPF_W};
    match sz {
        8 => Some(BPF_DW),
        4 => Some(BPF_W),
        2 => Some(BPF_H),
        1 => Some(BPF_B),
        _ => None,
    }
}

/// bpf_core_patch_insn: apply `res` to `insns[idx]` (and `idx+1` for ldimm64). Returns
/// whether the instruction was poisoned. Messages are without the program prefix.
pub fn patch_insn(insns: &mut [Insn], idx: usize, res: &CoreRes) -> std::result::Result<bool, (i32, String)> {
    use crate::uapi::{BPF_ALU, BPF_ALU64, BPF_K, BPF_LD, BPF_LDX, BPF_ST, BPF_STX};
    let Some(&insn) = insns.get(idx) else {
        return e(libc::EINVAL, format!("insn #{idx} out of range ({} insns)", insns.len()));
    };
    let poison = |insns: &mut [Insn]| -> std::result::Result<bool, (i32, String)> {
        if insns[idx].is_ldimm64() {
            match insns.get_mut(idx + 1) {
                Some(i2) => poison_insn(i2),
                None => return e(libc::EINVAL, format!("insn #{idx} (LDIMM64) is missing its second half")),
            }
        }
        poison_insn(&mut insns[idx]);
        Ok(true)
    };
    if res.poison {
        return poison(insns);
    }
    let (orig, new) = (res.orig_val, res.new_val);
    match insn.code & 0x07 {
        BPF_ALU | BPF_ALU64 => {
            if insn.code & 0x08 != BPF_K {
                return e(libc::EINVAL, format!("insn #{idx} (ALU/ALU64) is not an immediate operation"));
            }
            if res.validate && insn.imm as i64 as u64 != orig {
                return e(libc::EINVAL, format!("unexpected insn #{idx} (ALU/ALU64) value: got {}, exp {orig} -> {new}", insn.imm as u32));
            }
            insns[idx].imm = new as i32;
        }
        BPF_LDX | BPF_ST | BPF_STX => {
            if res.validate && insn.off as i64 as u64 != orig {
                return e(libc::EINVAL, format!("unexpected insn #{idx} (LDX/ST/STX) value: got {}, exp {orig} -> {new}", insn.off as u16));
            }
            if new > i16::MAX as u64 {
                return e(libc::ERANGE, format!("insn #{idx} (LDX/ST/STX) value too big: {new}"));
            }
            if res.fail_memsz_adjust {
                // The caller logs why (it knows the program and relocation).
                return poison(insns);
            }
            insns[idx].off = new as i16;
            if res.new_sz != res.orig_sz {
                let cur = size_code_bytes(insn.code);
                if cur != Some(res.orig_sz) {
                    return e(libc::EINVAL, format!("insn #{idx} (LDX/ST/STX) unexpected mem size: got {}, exp {}", cur.map_or(-1, |c| c as i64), res.orig_sz));
                }
                let Some(code) = bytes_size_code(res.new_sz) else {
                    return e(libc::EINVAL, format!("insn #{idx} (LDX/ST/STX) invalid new mem size: {}", res.new_sz));
                };
                insns[idx].code = (insn.code & 0xe0) | code | (insn.code & 0x07);
            }
        }
        BPF_LD => {
            let second = insns.get(idx + 1).copied();
            let ok = insn.is_ldimm64()
                && insn.src_reg() == 0
                && insn.off == 0
                && second.is_some_and(|s| s.code == 0 && s.regs == 0 && s.off == 0);
            let Some(second) = second.filter(|_| ok) else {
                return e(libc::EINVAL, format!("insn #{idx} (LDIMM64) has unexpected form"));
            };
            let imm = (insn.imm as u32 as u64) | ((second.imm as u32 as u64) << 32);
            if res.validate && imm != orig {
                return e(libc::EINVAL, format!("unexpected insn #{idx} (LDIMM64) value: got {imm}, exp {orig} -> {new}"));
            }
            insns[idx].imm = new as u32 as i32;
            insns[idx + 1].imm = (new >> 32) as u32 as i32;
        }
        _ => {
            return e(
                libc::EINVAL,
                format!(
                    "trying to relocate unrecognized insn #{idx}, code:{:#x}, src:{:#x}, dst:{:#x}, off:{:#x}, imm:{:#x}",
                    insn.code,
                    insn.src_reg(),
                    insn.dst_reg(),
                    insn.off,
                    insn.imm
                ),
            )
        }
    }
    Ok(false)
}

/// The CO-RE engine for one object. `targets[0]` is the primary target (vmlinux or a
/// custom BTF); the others (kernel-module BTFs, split over vmlinux) are searched only
/// when the primary has no candidate, as libbpf does. Candidate lists are cached per
/// local root type id and narrowed to the matching candidates as relocations succeed
/// (libbpf's behaviour, which later relocations of the same type observe).
pub struct CoreRelocator<'l> {
    local: &'l Btf,
    targets: Vec<Arc<Btf>>,
    cands: HashMap<u32, Vec<Cand>>,
    /// Produces the module BTFs the first time a local type has no candidate in the
    /// primary target (libbpf loads them only then, too).
    lazy_modules: Option<LazyTargets<'l>>,
}

/// See `CoreRelocator::with_lazy_modules`.
pub type LazyTargets<'l> = Box<dyn FnOnce() -> Vec<Arc<Btf>> + 'l>;

/// The result of `CoreRelocator::compute` (no patching).
#[derive(Clone, Debug)]
pub struct CoreComputed {
    pub res: CoreRes,
    pub local_spec: String,
    pub target_spec: Option<String>,
    pub target_btf: Option<usize>,
}

impl<'l> CoreRelocator<'l> {
    pub fn new(local: &'l Btf, targets: Vec<Arc<Btf>>) -> Self {
        CoreRelocator { local, targets, cands: HashMap::new(), lazy_modules: None }
    }

    /// Module BTFs (split over the primary target) to append to the targets the first
    /// time some local type has no candidate in the targets given so far.
    pub fn with_lazy_modules(mut self, f: LazyTargets<'l>) -> Self {
        self.lazy_modules = Some(f);
        self
    }

    pub fn targets(&self) -> &[Arc<Btf>] {
        &self.targets
    }

    /// The local type a candidate search is for: its essential name and kind (anonymous
    /// types are refused, as libbpf does).
    fn cand_query(&self, local_id: u32) -> Result<(&'l str, Kind)> {
        let local: &'l Btf = self.local;
        let lt = local.type_by_id(local_id)?;
        if lt.name().is_empty() {
            bail!(libc::EINVAL, "[{local_id}] {}: relocation doesn't support anonymous types", lt.kind());
        }
        Ok((super::essential_name(lt.name()), lt.kind()))
    }

    /// Candidates for local type `local_id` (libbpf's bpf_core_find_cands), uncached.
    pub fn find_cands(&mut self, local_id: u32) -> Result<Vec<Cand>> {
        let q = self.cand_query(local_id)?;
        Ok(self.search(&[q]).pop().unwrap_or_default())
    }

    /// Candidate lists for many local types with one pass per target BTF. Module BTFs
    /// are searched (and loaded, if lazy) only for queries the primary left empty.
    fn search(&mut self, queries: &[(&str, Kind)]) -> Vec<Vec<Cand>> {
        let mut out: Vec<Vec<Cand>> = vec![Vec::new(); queries.len()];
        if let Some(primary) = self.targets.first() {
            for (o, ids) in out.iter_mut().zip(primary.find_core_candidates(queries)) {
                o.extend(ids.into_iter().map(|id| Cand { btf: 0, id }));
            }
        }
        let empty: Vec<usize> = (0..queries.len()).filter(|&i| out[i].is_empty()).collect();
        if empty.is_empty() {
            return out;
        }
        if let Some(f) = self.lazy_modules.take() {
            self.targets.extend(f());
        }
        let rest: Vec<(&str, Kind)> = empty.iter().map(|&i| queries[i]).collect();
        for bi in 1..self.targets.len() {
            let tb = &self.targets[bi];
            let from = tb.start_id();
            // Every module's own types (libbpf adds the candidates of all modules).
            for (&qi, ids) in empty.iter().zip(tb.find_core_candidates(&rest)) {
                out[qi].extend(ids.into_iter().filter(|&id| id >= from).map(|id| Cand { btf: bi, id }));
            }
        }
        out
    }

    /// Search the candidates of every local type in `local_ids` now, in one pass per
    /// target, and cache them (the object's relocations then hit the cache). Types that
    /// cannot have candidates (anonymous, bad ids) are left for `relocate` to report.
    pub fn prefetch(&mut self, local_ids: impl IntoIterator<Item = u32>) {
        let mut ids: Vec<u32> = local_ids.into_iter().filter(|id| !self.cands.contains_key(id)).collect();
        ids.sort_unstable();
        ids.dedup();
        let mut qs = Vec::with_capacity(ids.len());
        let mut qids = Vec::with_capacity(ids.len());
        for id in ids {
            if let Ok(q) = self.cand_query(id) {
                qs.push(q);
                qids.push(id);
            }
        }
        if qs.is_empty() {
            return;
        }
        for (id, c) in qids.into_iter().zip(self.search(&qs)) {
            self.cands.insert(id, c);
        }
    }

    /// Compute the relocation result for `relo` without patching (libbpf's
    /// bpf_core_resolve_relo + bpf_core_calc_relo_insn). `insn_idx` is for messages.
    pub fn compute(&mut self, prog_name: &str, relo_idx: usize, relo: &CoreRelo) -> Result<CoreComputed> {
        self.compute_labeled(prog_name, &format!("#{relo_idx}"), relo)
    }

    fn compute_labeled(&mut self, prog_name: &str, relo_idx: &str, relo: &CoreRelo) -> Result<CoreComputed> {
        let ctx = |(n, m): (i32, String)| crate::Error::new(n, format!("prog '{prog_name}': relo {relo_idx}: {m}"));
        let Some(kind) = CoreReloKind::from_u32(relo.kind) else {
            bail!(
                libc::EOPNOTSUPP,
                "prog '{prog_name}': relo {relo_idx}: unrecognized CO-RE relocation unknown ({}) at insn #{}",
                relo.kind,
                relo.insn_off / 8
            );
        };
        let local = self.local;
        let lt = local.type_by_id(relo.type_id).map_err(|e| e.context(format!("prog '{prog_name}': relo {relo_idx}")))?;
        let lspec = match parse_spec(local, relo, kind) {
            Ok(s) => s,
            Err((_, m)) => {
                let spec_str = local.str_by_offset(relo.access_str_off).unwrap_or("<?>");
                bail!(
                    libc::EINVAL,
                    "prog '{prog_name}': relo {relo_idx}: parsing [{}] {} {} + {spec_str} failed: {m}",
                    relo.type_id,
                    lt.kind(),
                    if lt.name().is_empty() { "<anon>" } else { lt.name() }
                );
            }
        };
        let local_spec = format_spec(&lspec);
        crate::debug!("prog '{prog_name}': relo {relo_idx}: {local_spec}");
        if kind == CoreReloKind::TypeIdLocal {
            let v = relo.type_id as u64;
            let res = CoreRes { orig_val: v, new_val: v, validate: false, ..Default::default() };
            return Ok(CoreComputed { res, local_spec, target_spec: None, target_btf: None });
        }
        let mut cands = match self.cands.remove(&relo.type_id) {
            Some(c) => c,
            None => self.find_cands(relo.type_id).map_err(|e| {
                crate::Error::new(
                    e.errno(),
                    format!("prog '{prog_name}': relo {relo_idx}: target candidate search failed for [{}]: {}", relo.type_id, e.message()),
                )
            })?,
        };
        let out = self.match_cands(prog_name, relo_idx, relo, kind, &lspec, &mut cands);
        self.cands.insert(relo.type_id, cands);
        let (res, tspec, tbtf) = out.map_err(ctx)?;
        Ok(CoreComputed { res, local_spec, target_spec: tspec, target_btf: tbtf })
    }

    #[allow(clippy::type_complexity)]
    fn match_cands(
        &self,
        prog_name: &str,
        relo_idx: &str,
        relo: &CoreRelo,
        kind: CoreReloKind,
        lspec: &Spec<'_>,
        cands: &mut Vec<Cand>,
    ) -> CResult<(CoreRes, Option<String>, Option<usize>)> {
        let insn_no = relo.insn_off / 8;
        let mut chosen: Option<(CoreRes, u32, String, usize)> = None;
        let mut kept = Vec::new();
        for (i, c) in cands.iter().enumerate() {
            let tb = &*self.targets[c.btf];
            let cspec = match spec_match(lspec, tb, c.id) {
                Ok(s) => s,
                Err((n, m)) => return e(n, format!("error matching candidate #{i} [{}]: {m}", c.id)),
            };
            let Some(cspec) = cspec else {
                crate::debug!("prog '{prog_name}': relo {relo_idx}: non-matching candidate #{i} [{}]", c.id);
                continue;
            };
            let cres = calc_relo(kind, lspec, Some(&cspec), insn_no)?;
            match &chosen {
                None => chosen = Some((cres, cspec.bit_offset, format_spec(&cspec), c.btf)),
                Some((tres, tbit, _, _)) => {
                    if cspec.bit_offset != *tbit {
                        return e(libc::EINVAL, format!("field offset ambiguity: {} != {}", cspec.bit_offset, tbit));
                    }
                    if cres.poison != tres.poison || cres.new_val != tres.new_val {
                        let f = |r: &CoreRes| if r.poison { "failure" } else { "success" };
                        return e(
                            libc::EINVAL,
                            format!("relocation decision ambiguity: {} {} != {} {}", f(&cres), cres.new_val, f(tres), tres.new_val),
                        );
                    }
                }
            }
            kept.push(*c);
        }
        if !kept.is_empty() {
            *cands = kept;
        }
        match chosen {
            Some((res, _, spec, b)) => Ok((res, Some(spec), Some(b))),
            None => {
                crate::debug!("prog '{prog_name}': relo {relo_idx}: no matching targets found");
                Ok((calc_relo(kind, lspec, None, insn_no)?, None, None))
            }
        }
    }

    /// Relocate `insns[insn_idx]` (the instruction `relo` points at, already translated
    /// to an index in `insns`): compute the value against the targets and patch the
    /// instruction (both halves for ldimm64), or poison it when there is no target.
    /// Errors (EINVAL, ERANGE, EOPNOTSUPP, E2BIG) name the program and the relocation.
    pub fn relocate(&mut self, prog_name: &str, insns: &mut [Insn], insn_idx: usize, relo: &CoreRelo) -> Result<CoreOutcome> {
        self.relocate_indexed(prog_name, usize::MAX, insns, insn_idx, relo)
    }

    /// As `relocate`, with the relocation's index in its section for messages (as libbpf's
    /// "relo #N"); `usize::MAX` names it by instruction instead.
    pub fn relocate_indexed(&mut self, prog_name: &str, relo_idx: usize, insns: &mut [Insn], insn_idx: usize, relo: &CoreRelo) -> Result<CoreOutcome> {
        let kind = CoreReloKind::from_u32(relo.kind);
        let label = if relo_idx == usize::MAX { format!("at insn #{insn_idx}") } else { format!("#{relo_idx}") };
        let computed = self.compute_labeled(prog_name, &label, relo)?;
        let before = insns.get(insn_idx).copied();
        let poisoned = patch_insn(insns, insn_idx, &computed.res).map_err(|(n, m)| {
            crate::Error::new(n, format!("prog '{prog_name}': relo {label}: failed to patch insn #{insn_idx}: {m}"))
        })?;
        if poisoned && !computed.res.poison && computed.res.fail_memsz_adjust {
            crate::warn!(
                "prog '{prog_name}': relo {label}: insn #{insn_idx} (LDX/ST/STX) accesses field incorrectly. Make sure you are accessing pointers, unsigned integers, or fields of matching type and size."
            );
        }
        let after = insns.get(insn_idx).copied();
        let mem_size = match (before, after) {
            (Some(b), Some(a)) if !poisoned && b.code != a.code => Some((computed.res.orig_sz, computed.res.new_sz)),
            _ => None,
        };
        Ok(CoreOutcome {
            kind: kind.unwrap_or(CoreReloKind::FieldByteOffset),
            local_spec: computed.local_spec,
            target_spec: computed.target_spec,
            orig_val: computed.res.orig_val,
            new_val: computed.res.new_val,
            poisoned,
            target_btf: computed.target_btf,
            mem_size,
        })
    }
}
