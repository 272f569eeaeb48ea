//! BTF: parsing, type queries, typed values. (Owned by the BTF work; see contract below.)
//!
//! CONTRACT used by the loader and the bindings:
//! - `Btf::from_bytes(Vec<u8>)`, `Btf::from_file(path)` (raw BTF or ELF with .BTF),
//!   `Btf::vmlinux()` (shared, cached).
//! - `find_by_name(name) -> Option<u32>`, `find_by_name_kind(name, Kind) -> Option<u32>`,
//!   `type_by_id(id) -> Result<Type>`, `resolve_size(id)`, `type_cnt()`.
//! - `value::decode(btf, type_id, bytes) -> Result<Value>` and
//!   `value::encode(btf, type_id, &Value, out: &mut [u8]) -> Result<()>`.

pub mod value;

/// Parsed BTF (stub; replaced by the BTF implementation).
pub struct Btf {
    _todo: (),
}
