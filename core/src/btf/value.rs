//! Typed values: bytes ↔ `Value` by a BTF type, shared by every binding.

use super::Btf;
use crate::Result;

/// A decoded value. Ints up to 8 bytes decode to Int (signed) or Uint; bool to Bool;
/// char arrays (`char[N]`, `unsigned char[N]`, `__u8[N]`) to Bytes; other arrays to
/// Array; structs and unions to Struct (members in order; anonymous members are
/// flattened into their parent); enums to Int/Uint; pointers to Uint; floats to Float;
/// anything else (e.g. 128-bit ints) to Bytes.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Int(i64),
    Uint(u64),
    Bool(bool),
    Float(f64),
    Bytes(Vec<u8>),
    Array(Vec<Value>),
    Struct(Vec<(String, Value)>),
}

use super::{Kind, Type};
use crate::{bail, Error};

/// Deepest type nesting followed (malformed BTF could make a struct contain itself).
const MAX_DEPTH: usize = 64;

/// Decode `bytes` (at least the type's size) as BTF type `type_id`.
///
/// Typedefs and modifiers are looked through. Bitfields are extracted and sign-extended
/// for signed types. A DATASEC decodes to a Struct of its variables (by name, at their
/// offsets) and a VAR to its type's value.
pub fn decode(btf: &Btf, type_id: u32, bytes: &[u8]) -> Result<Value> {
    let size = btf.resolve_size(type_id).map_err(|e| e.context(format!("decode {}", describe(btf, type_id))))?;
    if bytes.len() < size as usize {
        bail!(
            libc::EINVAL,
            "decode {}: {} bytes given, type needs {size}",
            describe(btf, type_id),
            bytes.len()
        );
    }
    decode_at(btf, type_id, &bytes[..size as usize], 0)
}

/// The shape of `decode`'s result for `type_id` with the bit width of every integer leaf:
/// each Int/Uint that `decode` would produce (ints, enums, pointers, bitfields) is
/// `Value::Uint(width_in_bits)`; other leaves are decoded from zero bytes. Bindings use
/// it to pick a number type per field (e.g. JavaScript bigint for 64-bit ints).
pub fn int_widths(btf: &Btf, type_id: u32) -> Result<Value> {
    let size = btf.resolve_size(type_id)? as usize;
    let zeros = vec![0u8; size];
    let v = decode(btf, type_id, &zeros)?;
    let mut widths = Vec::new();
    collect_widths(btf, type_id, 0, &mut widths)?;
    let mut it = widths.into_iter();
    Ok(replace_ints(v, &mut it))
}

/// Most array elements decode / int_widths produce (zero-sized elements are not bounded
/// by any buffer: `struct {} e[0xffffffff]` must not mean 4G values).
const MAX_ELEMS: usize = 1 << 24;

fn check_elem_count(btf: &Btf, a: &super::ArrayInfo, what: &str) -> Result<()> {
    let esz = btf.resolve_size(a.elem_type)?;
    if a.nelems as usize > MAX_ELEMS || (esz == 0 && a.nelems > 4096) {
        bail!(libc::E2BIG, "{what}: array of {} elements of {esz} bytes is too large to decode", a.nelems);
    }
    Ok(())
}

/// Integer leaf widths in decode order.
fn collect_widths(btf: &Btf, type_id: u32, depth: usize, out: &mut Vec<u32>) -> Result<()> {
    if depth > MAX_DEPTH {
        bail!(libc::EINVAL, "int_widths: type [{type_id}] nested too deeply (a cycle?)");
    }
    let id = btf.skip_mods_and_typedefs(type_id)?;
    let t = btf.type_by_id(id)?;
    match t.kind() {
        Kind::Int => {
            let i = t.int().unwrap_or(super::IntInfo { encoding: 0, offset: 0, bits: 0 });
            if !i.is_bool() && t.size_or_type() <= 8 {
                out.push(t.size_or_type() * 8);
            }
        }
        Kind::Ptr => out.push(64),
        Kind::Enum | Kind::Enum64 => out.push(t.size_or_type().min(8) * 8),
        Kind::Array => {
            let a = t.array().unwrap_or(super::ArrayInfo { elem_type: 0, index_type: 0, nelems: 0 });
            if !is_byte_elem(btf, a.elem_type) {
                check_elem_count(btf, &a, "int_widths")?;
                for _ in 0..a.nelems {
                    collect_widths(btf, a.elem_type, depth + 1, out)?;
                    if out.len() > MAX_ELEMS {
                        bail!(libc::E2BIG, "int_widths: array type [{id}] has too many elements");
                    }
                }
            }
        }
        Kind::Struct | Kind::Union => collect_member_widths(btf, &t, depth, out)?,
        Kind::Datasec => {
            for v in t.datasec_vars() {
                collect_widths(btf, v.type_id, depth + 1, out)?;
            }
        }
        Kind::Var => collect_widths(btf, t.size_or_type(), depth + 1, out)?,
        _ => {}
    }
    Ok(())
}

fn collect_member_widths(btf: &Btf, t: &Type<'_>, depth: usize, out: &mut Vec<u32>) -> Result<()> {
    if depth > MAX_DEPTH {
        bail!(libc::EINVAL, "int_widths: type [{}] nested too deeply (a cycle?)", t.id());
    }
    for m in t.members() {
        let (_, bits) = btf.member_bitfield(t, &m);
        let mid = btf.skip_mods_and_typedefs(m.type_id)?;
        let mt = btf.type_by_id(mid)?;
        if m.name.is_empty() && mt.kind().is_composite() {
            collect_member_widths(btf, &mt, depth + 1, out)?;
        } else if bits != 0 {
            if !mt.int().is_some_and(|i| i.is_bool()) {
                out.push(bits);
            }
        } else {
            collect_widths(btf, m.type_id, depth + 1, out)?;
        }
    }
    Ok(())
}

fn replace_ints(v: Value, widths: &mut impl Iterator<Item = u32>) -> Value {
    match v {
        Value::Int(_) | Value::Uint(_) => Value::Uint(widths.next().unwrap_or(0) as u64),
        Value::Array(items) => Value::Array(items.into_iter().map(|x| replace_ints(x, widths)).collect()),
        Value::Struct(fields) => Value::Struct(fields.into_iter().map(|(n, x)| (n, replace_ints(x, widths))).collect()),
        other => other,
    }
}

fn int_value(bytes: &[u8], signed: bool) -> Value {
    let mut b = [0u8; 8];
    let n = bytes.len().min(8);
    b[..n].copy_from_slice(&bytes[..n]);
    let raw = u64::from_le_bytes(b);
    if signed {
        let shift = 64 - 8 * n as u32;
        Value::Int(((raw << shift) as i64) >> shift)
    } else {
        Value::Uint(raw)
    }
}

/// Whether an array of `elem` is a byte string (char[N], unsigned char[N], __u8[N]).
fn is_byte_elem(btf: &Btf, elem: u32) -> bool {
    match btf.skip_mods_and_typedefs(elem).and_then(|id| btf.type_by_id(id)) {
        Ok(t) => t.size_or_type() == 1 && t.int().is_some_and(|i| !i.is_bool() && i.bits == 8),
        Err(_) => false,
    }
}

fn decode_at(btf: &Btf, type_id: u32, bytes: &[u8], depth: usize) -> Result<Value> {
    if depth > MAX_DEPTH {
        bail!(libc::EINVAL, "decode: type [{type_id}] nested too deeply (a cycle?)");
    }
    let id = btf.skip_mods_and_typedefs(type_id)?;
    let t = btf.type_by_id(id)?;
    let sized = |n: usize| -> Result<&[u8]> {
        bytes.get(..n).ok_or_else(|| Error::new(libc::EINVAL, format!("decode {}: data too short", describe(btf, type_id))))
    };
    Ok(match t.kind() {
        Kind::Int => {
            let i = t.int().unwrap_or(super::IntInfo { encoding: 0, offset: 0, bits: 0 });
            let n = t.size_or_type() as usize;
            let b = sized(n)?;
            if i.is_bool() {
                Value::Bool(b.iter().any(|&x| x != 0))
            } else if n <= 8 {
                int_value(b, i.is_signed())
            } else {
                Value::Bytes(b.to_vec())
            }
        }
        Kind::Ptr => int_value(sized(8)?, false),
        Kind::Enum | Kind::Enum64 => {
            let n = t.size_or_type() as usize;
            int_value(sized(n.min(8))?, t.kflag())
        }
        Kind::Float => {
            let n = t.size_or_type() as usize;
            let b = sized(n)?;
            match n {
                4 => Value::Float(f32::from_le_bytes([b[0], b[1], b[2], b[3]]) as f64),
                8 => Value::Float(f64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]])),
                _ => Value::Bytes(b.to_vec()),
            }
        }
        Kind::Array => {
            let a = t.array().unwrap_or(super::ArrayInfo { elem_type: 0, index_type: 0, nelems: 0 });
            let esz = btf.resolve_size(a.elem_type)? as usize;
            let total = esz.checked_mul(a.nelems as usize).ok_or_else(|| Error::new(libc::E2BIG, "decode: array too large"))?;
            let b = sized(total)?;
            if is_byte_elem(btf, a.elem_type) {
                Value::Bytes(b.to_vec())
            } else {
                check_elem_count(btf, &a, "decode")?;
                let mut v = Vec::with_capacity(a.nelems as usize);
                for i in 0..a.nelems as usize {
                    v.push(decode_at(btf, a.elem_type, &b[i * esz..(i + 1) * esz], depth + 1)?);
                }
                Value::Array(v)
            }
        }
        Kind::Struct | Kind::Union => {
            let mut out = Vec::with_capacity(t.vlen() as usize);
            decode_members(btf, &t, bytes, 0, depth, &mut out)?;
            Value::Struct(out)
        }
        Kind::Datasec => {
            let mut out = Vec::with_capacity(t.vlen() as usize);
            for v in t.datasec_vars() {
                let var = btf.type_by_id(v.type_id)?;
                let (off, sz) = (v.offset as usize, v.size as usize);
                let Some(b) = bytes.get(off..off + sz) else {
                    bail!(libc::EINVAL, "decode datasec '{}': variable '{}' past the data", t.name(), var.name());
                };
                let vt = var.ref_type().unwrap_or(0);
                out.push((var.name().to_string(), decode_at(btf, vt, b, depth + 1)?));
            }
            Value::Struct(out)
        }
        Kind::Var => decode_at(btf, t.size_or_type(), bytes, depth + 1)?,
        k => bail!(libc::EINVAL, "decode: cannot decode {k} {}", describe(btf, type_id)),
    })
}

/// Decode members of `t` located at `base_bits` inside `bytes`; anonymous struct/union
/// members are flattened into `out`.
fn decode_members(btf: &Btf, t: &Type<'_>, bytes: &[u8], base_bits: u64, depth: usize, out: &mut Vec<(String, Value)>) -> Result<()> {
    if depth > MAX_DEPTH {
        bail!(libc::EINVAL, "decode: type [{}] nested too deeply (a cycle?)", t.id());
    }
    for m in t.members() {
        let (bit_off, bits) = btf.member_bitfield(t, &m);
        let abs = base_bits + bit_off as u64;
        let mid = btf.skip_mods_and_typedefs(m.type_id)?;
        let mt = btf.type_by_id(mid)?;
        if m.name.is_empty() && mt.kind().is_composite() {
            decode_members(btf, &mt, bytes, abs, depth + 1, out)?;
            continue;
        }
        let v = if bits != 0 {
            let raw = read_bits(bytes, abs, bits)
                .ok_or_else(|| Error::new(libc::EINVAL, format!("decode: bitfield '{}' past the data", m.name)))?;
            let signed = mt.int().is_some_and(|i| i.is_signed()) || (mt.kind().is_any_enum() && mt.kflag());
            if mt.int().is_some_and(|i| i.is_bool()) {
                Value::Bool(raw != 0)
            } else if signed {
                let sh = 64 - bits;
                Value::Int(((raw << sh) as i64) >> sh)
            } else {
                Value::Uint(raw)
            }
        } else {
            if abs & 7 != 0 {
                bail!(libc::EINVAL, "decode: member '{}' is not byte aligned", m.name);
            }
            let off = (abs / 8) as usize;
            let sz = btf.resolve_size(m.type_id)? as usize;
            let Some(b) = bytes.get(off..off + sz) else {
                bail!(libc::EINVAL, "decode: member '{}' (offset {off}, size {sz}) past the data", m.name);
            };
            decode_at(btf, m.type_id, b, depth + 1)?
        };
        out.push((m.name.to_string(), v));
    }
    Ok(())
}

fn read_bits(bytes: &[u8], bit_off: u64, bits: u32) -> Option<u64> {
    if bits == 0 || bits > 64 {
        return None;
    }
    let first = (bit_off / 8) as usize;
    let last = ((bit_off + bits as u64 - 1) / 8) as usize;
    let span = bytes.get(first..=last)?;
    let mut acc: u128 = 0;
    for (i, &b) in span.iter().enumerate() {
        acc |= (b as u128) << (8 * i);
    }
    let v = acc >> (bit_off % 8);
    let mask = if bits == 64 { u64::MAX as u128 } else { (1u128 << bits) - 1 };
    Some((v & mask) as u64)
}

fn write_bits(out: &mut [u8], bit_off: u64, bits: u32, val: u64) -> Option<()> {
    if bits == 0 || bits > 64 {
        return None;
    }
    let first = (bit_off / 8) as usize;
    let last = ((bit_off + bits as u64 - 1) / 8) as usize;
    let span = out.get_mut(first..=last)?;
    let mut acc: u128 = 0;
    for (i, &b) in span.iter().enumerate() {
        acc |= (b as u128) << (8 * i);
    }
    let sh = bit_off % 8;
    let mask = if bits == 64 { u64::MAX as u128 } else { (1u128 << bits) - 1 };
    acc = (acc & !(mask << sh)) | (((val as u128) & mask) << sh);
    for (i, b) in span.iter_mut().enumerate() {
        *b = (acc >> (8 * i)) as u8;
    }
    Some(())
}

/// Encode `value` as BTF type `type_id` into `out` (exactly the type's size). Bytes
/// shorter than a char array are zero-padded, longer is EINVAL; a Struct may name a
/// subset of members (others keep their bytes in `out`); ints out of range are ERANGE.
///
/// Also: `Bytes` of exactly the type's size is accepted for any type (raw copy); an
/// Array shorter than the BTF array sets only its first elements; Bool, Int and Uint
/// are interchangeable where the value fits; a DATASEC takes a Struct of variables.
pub fn encode(btf: &Btf, type_id: u32, value: &Value, out: &mut [u8]) -> Result<()> {
    let size = btf.resolve_size(type_id).map_err(|e| e.context(format!("encode {}", describe(btf, type_id))))?;
    if out.len() != size as usize {
        bail!(
            libc::EINVAL,
            "encode {}: buffer is {} bytes, type size is {size}",
            describe(btf, type_id),
            out.len()
        );
    }
    encode_at(btf, type_id, value, out, 0, "value")
}

/// The value as an integer within [min, max] (i128 so u64 and i64 both fit).
fn as_int(v: &Value, what: &str, ty: &str) -> Result<i128> {
    match v {
        Value::Int(i) => Ok(*i as i128),
        Value::Uint(u) => Ok(*u as i128),
        Value::Bool(b) => Ok(*b as i128),
        _ => bail!(libc::EINVAL, "encode {what}: expected an integer for {ty}, got {}", value_kind(v)),
    }
}

fn value_kind(v: &Value) -> &'static str {
    match v {
        Value::Int(_) => "int",
        Value::Uint(_) => "uint",
        Value::Bool(_) => "bool",
        Value::Float(_) => "float",
        Value::Bytes(_) => "bytes",
        Value::Array(_) => "array",
        Value::Struct(_) => "struct",
    }
}

fn range(bits: u32, signed: bool) -> (i128, i128) {
    if signed {
        (-(1i128 << (bits - 1)), (1i128 << (bits - 1)) - 1)
    } else {
        (0, (1i128 << bits) - 1)
    }
}

fn check_range(n: i128, bits: u32, signed: bool, what: &str, ty: &str) -> Result<u64> {
    let (lo, hi) = range(bits, signed);
    if n < lo || n > hi {
        bail!(libc::ERANGE, "encode {what}: {n} out of range for {ty} [{lo}, {hi}]");
    }
    Ok(n as u64)
}

fn encode_at(btf: &Btf, type_id: u32, value: &Value, out: &mut [u8], depth: usize, what: &str) -> Result<()> {
    if depth > MAX_DEPTH {
        bail!(libc::EINVAL, "encode: type [{type_id}] nested too deeply (a cycle?)");
    }
    let id = btf.skip_mods_and_typedefs(type_id)?;
    let t = btf.type_by_id(id)?;
    let tyname = || describe(btf, type_id);
    if let Value::Bytes(b) = value {
        let byte_str = t.kind() == Kind::Array && t.array().is_some_and(|a| is_byte_elem(btf, a.elem_type));
        if byte_str {
            if b.len() > out.len() {
                bail!(libc::EINVAL, "encode {what}: {} bytes do not fit {}", b.len(), tyname());
            }
            out[..b.len()].copy_from_slice(b);
            out[b.len()..].fill(0);
            return Ok(());
        }
        if b.len() != out.len() {
            bail!(libc::EINVAL, "encode {what}: {} bytes given for {} ({} bytes)", b.len(), tyname(), out.len());
        }
        out.copy_from_slice(b);
        return Ok(());
    }
    match t.kind() {
        Kind::Int => {
            let i = t.int().unwrap_or(super::IntInfo { encoding: 0, offset: 0, bits: 0 });
            let n = out.len();
            if n > 8 {
                bail!(libc::EINVAL, "encode {what}: {} needs bytes", tyname());
            }
            let v = if i.is_bool() {
                let x = as_int(value, what, &tyname())?;
                check_range(x, 1, false, what, &tyname())?
            } else {
                check_range(as_int(value, what, &tyname())?, (n * 8) as u32, i.is_signed(), what, &tyname())?
            };
            out.copy_from_slice(&v.to_le_bytes()[..n]);
        }
        Kind::Ptr => {
            let v = check_range(as_int(value, what, &tyname())?, 64, false, what, &tyname())?;
            out.copy_from_slice(&v.to_le_bytes());
        }
        Kind::Enum | Kind::Enum64 => {
            let n = out.len().min(8);
            let v = check_range(as_int(value, what, &tyname())?, (n * 8) as u32, t.kflag(), what, &tyname())?;
            out[..n].copy_from_slice(&v.to_le_bytes()[..n]);
        }
        Kind::Float => {
            let f = match value {
                Value::Float(f) => *f,
                Value::Int(i) => *i as f64,
                Value::Uint(u) => *u as f64,
                v => bail!(libc::EINVAL, "encode {what}: expected a float for {}, got {}", tyname(), value_kind(v)),
            };
            match out.len() {
                4 => out.copy_from_slice(&(f as f32).to_le_bytes()),
                8 => out.copy_from_slice(&f.to_le_bytes()),
                _ => bail!(libc::EINVAL, "encode {what}: {} needs bytes", tyname()),
            }
        }
        Kind::Array => {
            let a = t.array().unwrap_or(super::ArrayInfo { elem_type: 0, index_type: 0, nelems: 0 });
            let Value::Array(items) = value else {
                bail!(libc::EINVAL, "encode {what}: expected an array for {}, got {}", tyname(), value_kind(value));
            };
            if items.len() > a.nelems as usize {
                bail!(libc::EINVAL, "encode {what}: {} elements do not fit {}", items.len(), tyname());
            }
            let esz = btf.resolve_size(a.elem_type)? as usize;
            for (i, it) in items.iter().enumerate() {
                let Some(slot) = out.get_mut(i * esz..(i + 1) * esz) else {
                    bail!(libc::EINVAL, "encode {what}: element {i} past the buffer");
                };
                encode_at(btf, a.elem_type, it, slot, depth + 1, &format!("{what}[{i}]"))?;
            }
        }
        Kind::Struct | Kind::Union => {
            let Value::Struct(fields) = value else {
                bail!(libc::EINVAL, "encode {what}: expected a struct for {}, got {}", tyname(), value_kind(value));
            };
            for (name, v) in fields {
                if !encode_member(btf, &t, name, v, out, 0, depth + 1, what)? {
                    bail!(libc::EINVAL, "encode {what}: {} has no member '{name}'", tyname());
                }
            }
        }
        Kind::Datasec => {
            let Value::Struct(fields) = value else {
                bail!(libc::EINVAL, "encode {what}: expected a struct of variables for {}", tyname());
            };
            'next: for (name, v) in fields {
                for e in t.datasec_vars() {
                    let var = btf.type_by_id(e.type_id)?;
                    if var.name() == name {
                        let (off, sz) = (e.offset as usize, e.size as usize);
                        let Some(slot) = out.get_mut(off..off + sz) else {
                            bail!(libc::EINVAL, "encode {what}: variable '{name}' past the buffer");
                        };
                        encode_at(btf, var.size_or_type(), v, slot, depth + 1, name)?;
                        continue 'next;
                    }
                }
                bail!(libc::EINVAL, "encode {what}: {} has no variable '{name}'", tyname());
            }
        }
        Kind::Var => encode_at(btf, t.size_or_type(), value, out, depth + 1, what)?,
        k => bail!(libc::EINVAL, "encode {what}: cannot encode {k} {}", tyname()),
    }
    Ok(())
}

/// Write member `name` of composite `t` (at `base_bits`), searching anonymous members.
/// Returns false when no member has that name.
#[allow(clippy::too_many_arguments)]
fn encode_member(btf: &Btf, t: &Type<'_>, name: &str, v: &Value, out: &mut [u8], base_bits: u64, depth: usize, what: &str) -> Result<bool> {
    if depth > MAX_DEPTH {
        bail!(libc::EINVAL, "encode: type [{}] nested too deeply (a cycle?)", t.id());
    }
    for m in t.members() {
        let (bit_off, bits) = btf.member_bitfield(t, &m);
        let abs = base_bits + bit_off as u64;
        if m.name.is_empty() {
            let mid = btf.skip_mods_and_typedefs(m.type_id)?;
            let mt = btf.type_by_id(mid)?;
            if mt.kind().is_composite() && encode_member(btf, &mt, name, v, out, abs, depth + 1, what)? {
                return Ok(true);
            }
            continue;
        }
        if m.name != name {
            continue;
        }
        let path = format!("{what}.{name}");
        if bits != 0 {
            let mid = btf.skip_mods_and_typedefs(m.type_id)?;
            let mt = btf.type_by_id(mid)?;
            let signed = mt.int().is_some_and(|i| i.is_signed()) || (mt.kind().is_any_enum() && mt.kflag());
            let n = check_range(as_int(v, &path, &format!("{bits}-bit field"))?, bits, signed, &path, &format!("{bits}-bit field"))?;
            write_bits(out, abs, bits, n).ok_or_else(|| Error::new(libc::EINVAL, format!("encode {path}: bitfield past the buffer")))?;
        } else {
            if abs & 7 != 0 {
                bail!(libc::EINVAL, "encode {path}: member is not byte aligned");
            }
            let off = (abs / 8) as usize;
            let sz = btf.resolve_size(m.type_id)? as usize;
            let Some(slot) = out.get_mut(off..off + sz) else {
                bail!(libc::EINVAL, "encode {path}: member past the buffer");
            };
            encode_at(btf, m.type_id, v, slot, depth + 1, &path)?;
        }
        return Ok(true);
    }
    Ok(false)
}

/// A C-like name for a type, for error messages and reprs: "struct event", "char[16]",
/// "unsigned int *", "enum state", "u32" (typedef names are kept), "const char *".
pub fn describe(btf: &Btf, type_id: u32) -> String {
    describe_depth(btf, type_id, 0)
}

fn describe_depth(btf: &Btf, type_id: u32, depth: usize) -> String {
    if depth > MAX_DEPTH {
        return "...".to_string();
    }
    let Ok(t) = btf.type_by_id(type_id) else {
        return format!("<bad type {type_id}>");
    };
    let named = |kw: &str| {
        if t.name().is_empty() {
            format!("{kw} <anon>")
        } else {
            format!("{kw} {}", t.name())
        }
    };
    match t.kind() {
        Kind::Void => "void".to_string(),
        Kind::Int | Kind::Float | Kind::Typedef => t.name().to_string(),
        Kind::Struct => named("struct"),
        Kind::Union => named("union"),
        Kind::Enum | Kind::Enum64 => named("enum"),
        Kind::Fwd => named(if t.fwd_is_union() { "union" } else { "struct" }),
        Kind::Ptr => {
            let inner = describe_depth(btf, t.size_or_type(), depth + 1);
            if inner.ends_with('*') {
                format!("{inner}*")
            } else {
                format!("{inner} *")
            }
        }
        Kind::Const => format!("const {}", describe_depth(btf, t.size_or_type(), depth + 1)),
        Kind::Volatile => format!("volatile {}", describe_depth(btf, t.size_or_type(), depth + 1)),
        Kind::Restrict => format!("{} restrict", describe_depth(btf, t.size_or_type(), depth + 1)),
        Kind::TypeTag => describe_depth(btf, t.size_or_type(), depth + 1),
        Kind::Array => {
            // int a[2][3] is array(2) of array(3) of int: print dims outer to inner.
            let mut dims = String::new();
            let mut cur = t;
            let mut n = 0;
            while let Some(a) = cur.array() {
                dims.push_str(&format!("[{}]", a.nelems));
                n += 1;
                match btf.type_by_id(a.elem_type) {
                    Ok(e) if n < MAX_DEPTH => cur = e,
                    _ => return format!("{}{dims}", describe_depth(btf, a.elem_type, depth + 1)),
                }
            }
            format!("{}{dims}", describe_depth(btf, cur.id(), depth + 1))
        }
        Kind::FuncProto => {
            let ret = describe_depth(btf, t.size_or_type(), depth + 1);
            let params: Vec<String> = t
                .params()
                .map(|p| if p.type_id == 0 { "...".to_string() } else { describe_depth(btf, p.type_id, depth + 1) })
                .collect();
            format!("{ret} ({})", params.join(", "))
        }
        Kind::Func => format!("func {}", t.name()),
        Kind::Var => describe_depth(btf, t.size_or_type(), depth + 1),
        Kind::Datasec => format!("datasec {}", t.name()),
        Kind::DeclTag => format!("decl_tag {}", t.name()),
    }
}
