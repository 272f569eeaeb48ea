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

/// Decode `bytes` (at least the type's size) as BTF type `type_id`.
pub fn decode(btf: &Btf, type_id: u32, bytes: &[u8]) -> Result<Value> {
    let _ = (btf, type_id, bytes);
    todo!()
}

/// Encode `value` as BTF type `type_id` into `out` (exactly the type's size). Bytes
/// shorter than a char array are zero-padded, longer is EINVAL; a Struct may name a
/// subset of members (others keep their bytes in `out`); ints out of range are ERANGE.
pub fn encode(btf: &Btf, type_id: u32, value: &Value, out: &mut [u8]) -> Result<()> {
    let _ = (btf, type_id, value, out);
    todo!()
}
