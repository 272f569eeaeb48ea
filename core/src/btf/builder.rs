//! A small BTF writer: builds raw BTF bytes type by type (for tests, hand-made targets
//! and, later, minimal per-program BTF). Ids are assigned in call order from 1 (or after
//! the base's for split BTF).

use super::{Kind, BTF_HDR_LEN, BTF_MAGIC, BTF_VERSION};
use std::collections::HashMap;

pub struct BtfBuilder {
    types: Vec<u8>,
    strs: Vec<u8>,
    str_map: HashMap<String, u32>,
    next_id: u32,
    start_str_off: u32,
}

impl Default for BtfBuilder {
    fn default() -> Self {
        Self::new()
    }
}

/// A struct/union member for the builder: (name, type id, bit offset, bitfield size).
pub type MemberSpec<'a> = (&'a str, u32, u32, u32);

impl BtfBuilder {
    pub fn new() -> Self {
        BtfBuilder { types: Vec::new(), strs: vec![0], str_map: HashMap::new(), next_id: 1, start_str_off: 0 }
    }

    /// A builder for split BTF over a base with `base_type_cnt` ids (type_cnt()) and a
    /// string section ending at `base_str_end`.
    pub fn new_split(base_type_cnt: u32, base_str_end: u32) -> Self {
        BtfBuilder { types: Vec::new(), strs: Vec::new(), str_map: HashMap::new(), next_id: base_type_cnt, start_str_off: base_str_end }
    }

    /// Intern a string, returning its offset ("" is 0 in base BTF).
    pub fn add_str(&mut self, s: &str) -> u32 {
        if s.is_empty() && self.start_str_off == 0 {
            return 0;
        }
        if let Some(&o) = self.str_map.get(s) {
            return o;
        }
        let off = self.start_str_off + self.strs.len() as u32;
        self.strs.extend_from_slice(s.as_bytes());
        self.strs.push(0);
        self.str_map.insert(s.to_string(), off);
        off
    }

    fn w(&mut self, v: u32) {
        self.types.extend_from_slice(&v.to_le_bytes());
    }

    /// Append a raw type header; returns its id. Trailing data is appended with `raw_u32`.
    pub fn add_raw(&mut self, name: &str, kind: Kind, kflag: bool, vlen: u32, size_or_type: u32) -> u32 {
        let n = self.add_str(name);
        self.w(n);
        self.w(((kflag as u32) << 31) | ((kind as u32) << 24) | (vlen & 0xffff));
        self.w(size_or_type);
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    /// Append a raw u32 of trailing data to the last type.
    pub fn raw_u32(&mut self, v: u32) {
        self.w(v)
    }

    pub fn add_int(&mut self, name: &str, size: u32, encoding: u8) -> u32 {
        let id = self.add_raw(name, Kind::Int, false, 0, size);
        self.w(((encoding as u32) << 24) | (size * 8));
        id
    }

    pub fn add_float(&mut self, name: &str, size: u32) -> u32 {
        self.add_raw(name, Kind::Float, false, 0, size)
    }

    pub fn add_ptr(&mut self, target: u32) -> u32 {
        self.add_raw("", Kind::Ptr, false, 0, target)
    }

    pub fn add_typedef(&mut self, name: &str, target: u32) -> u32 {
        self.add_raw(name, Kind::Typedef, false, 0, target)
    }

    pub fn add_const(&mut self, target: u32) -> u32 {
        self.add_raw("", Kind::Const, false, 0, target)
    }

    pub fn add_volatile(&mut self, target: u32) -> u32 {
        self.add_raw("", Kind::Volatile, false, 0, target)
    }

    pub fn add_restrict(&mut self, target: u32) -> u32 {
        self.add_raw("", Kind::Restrict, false, 0, target)
    }

    pub fn add_type_tag(&mut self, tag: &str, target: u32) -> u32 {
        self.add_raw(tag, Kind::TypeTag, false, 0, target)
    }

    pub fn add_array(&mut self, elem: u32, index: u32, nelems: u32) -> u32 {
        let id = self.add_raw("", Kind::Array, false, 0, 0);
        self.w(elem);
        self.w(index);
        self.w(nelems);
        id
    }

    /// A STRUCT (or UNION when `union`); kflag is set when any member is a bitfield.
    pub fn add_composite(&mut self, name: &str, union: bool, size: u32, members: &[MemberSpec<'_>]) -> u32 {
        let kflag = members.iter().any(|m| m.3 != 0);
        let kind = if union { Kind::Union } else { Kind::Struct };
        let id = self.add_raw(name, kind, kflag, members.len() as u32, size);
        for &(n, t, off, bits) in members {
            let n = self.add_str(n);
            self.w(n);
            self.w(t);
            self.w(if kflag { (bits << 24) | off } else { off });
        }
        id
    }

    pub fn add_struct(&mut self, name: &str, size: u32, members: &[MemberSpec<'_>]) -> u32 {
        self.add_composite(name, false, size, members)
    }

    pub fn add_union(&mut self, name: &str, size: u32, members: &[MemberSpec<'_>]) -> u32 {
        self.add_composite(name, true, size, members)
    }

    pub fn add_enum(&mut self, name: &str, size: u32, signed: bool, values: &[(&str, i64)]) -> u32 {
        let id = self.add_raw(name, Kind::Enum, signed, values.len() as u32, size);
        for &(n, v) in values {
            let n = self.add_str(n);
            self.w(n);
            self.w(v as u32);
        }
        id
    }

    pub fn add_enum64(&mut self, name: &str, size: u32, signed: bool, values: &[(&str, u64)]) -> u32 {
        let id = self.add_raw(name, Kind::Enum64, signed, values.len() as u32, size);
        for &(n, v) in values {
            let n = self.add_str(n);
            self.w(n);
            self.w(v as u32);
            self.w((v >> 32) as u32);
        }
        id
    }

    pub fn add_fwd(&mut self, name: &str, union: bool) -> u32 {
        self.add_raw(name, Kind::Fwd, union, 0, 0)
    }

    pub fn add_func_proto(&mut self, ret: u32, params: &[(&str, u32)]) -> u32 {
        let id = self.add_raw("", Kind::FuncProto, false, params.len() as u32, ret);
        for &(n, t) in params {
            let n = self.add_str(n);
            self.w(n);
            self.w(t);
        }
        id
    }

    pub fn add_func(&mut self, name: &str, proto: u32, linkage: u32) -> u32 {
        self.add_raw(name, Kind::Func, false, linkage, proto)
    }

    pub fn add_var(&mut self, name: &str, ty: u32, linkage: u32) -> u32 {
        let id = self.add_raw(name, Kind::Var, false, 0, ty);
        self.w(linkage);
        id
    }

    /// entries: (var type id, offset, size).
    pub fn add_datasec(&mut self, name: &str, size: u32, entries: &[(u32, u32, u32)]) -> u32 {
        let id = self.add_raw(name, Kind::Datasec, false, entries.len() as u32, size);
        for &(t, o, s) in entries {
            self.w(t);
            self.w(o);
            self.w(s);
        }
        id
    }

    pub fn add_decl_tag(&mut self, tag: &str, target: u32, component_idx: i32) -> u32 {
        let id = self.add_raw(tag, Kind::DeclTag, false, 0, target);
        self.w(component_idx as u32);
        id
    }

    /// The id the next added type will get.
    pub fn next_id(&self) -> u32 {
        self.next_id
    }

    /// Parse what was built (`base` for split builders).
    pub fn build(&self, base: Option<std::sync::Arc<super::Btf>>) -> crate::Result<super::Btf> {
        match base {
            Some(b) => super::Btf::from_split_bytes(self.to_bytes(), b),
            None => super::Btf::from_bytes(self.to_bytes()),
        }
    }

    /// Raw BTF: 24-byte header, types, strings.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(BTF_HDR_LEN + self.types.len() + self.strs.len());
        out.extend_from_slice(&BTF_MAGIC.to_le_bytes());
        out.push(BTF_VERSION);
        out.push(0);
        let tl = self.types.len() as u32;
        for v in [BTF_HDR_LEN as u32, 0, tl, tl, self.strs.len() as u32] {
            out.extend_from_slice(&v.to_le_bytes());
        }
        out.extend_from_slice(&self.types);
        out.extend_from_slice(&self.strs);
        out
    }
}
