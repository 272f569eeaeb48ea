//! The loader's view of the object's BTF: a thin adapter over `crate::btf::Btf` (the
//! one BTF engine) with the id-based queries the map / extern parsers use, and the
//! `.BTF.ext` records laid out as the kernel takes them (raw records, insn_off first).

use crate::btf::{Btf, BtfExt, Kind};
use crate::{bail, Error, Result};

pub const BTF_KIND_INT: u32 = 1;
pub const BTF_KIND_PTR: u32 = 2;
pub const BTF_KIND_ARRAY: u32 = 3;
pub const BTF_KIND_STRUCT: u32 = 4;
pub const BTF_KIND_UNION: u32 = 5;
pub const BTF_KIND_ENUM: u32 = 6;
pub const BTF_KIND_FWD: u32 = 7;
pub const BTF_KIND_TYPEDEF: u32 = 8;
pub const BTF_KIND_VOLATILE: u32 = 9;
pub const BTF_KIND_CONST: u32 = 10;
pub const BTF_KIND_RESTRICT: u32 = 11;
pub const BTF_KIND_FUNC: u32 = 12;
pub const BTF_KIND_FUNC_PROTO: u32 = 13;
pub const BTF_KIND_VAR: u32 = 14;
pub const BTF_KIND_DATASEC: u32 = 15;
pub const BTF_KIND_FLOAT: u32 = 16;
pub const BTF_KIND_DECL_TAG: u32 = 17;
pub const BTF_KIND_TYPE_TAG: u32 = 18;
pub const BTF_KIND_ENUM64: u32 = 19;

pub const BTF_INT_SIGNED: u32 = 1;
pub const BTF_INT_CHAR: u32 = 2;
pub const BTF_INT_BOOL: u32 = 4;

pub const BTF_VAR_STATIC: u32 = 0;
pub const BTF_VAR_GLOBAL_ALLOCATED: u32 = 1;
pub const BTF_VAR_GLOBAL_EXTERN: u32 = 2;


/// The object's BTF (mutable until the object is built: libbpf's open-time fixups).
#[derive(Clone)]
pub struct BtfView {
    pub btf: Btf,
}

#[derive(Clone, Copy, Debug)]
pub struct Member<'a> {
    pub name: &'a str,
    pub type_id: u32,
    /// Bit offset from the start of the struct.
    pub bit_offset: u32,
}

#[derive(Clone, Copy, Debug)]
pub struct SecInfo {
    pub type_id: u32,
    pub offset: u32,
    pub size: u32,
}

impl BtfView {
    pub fn parse(data: Vec<u8>) -> Result<BtfView> {
        Ok(BtfView { btf: Btf::from_bytes(data)? })
    }
    /// Raw BTF for BPF_BTF_LOAD.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.btf.to_bytes()
    }
    pub fn type_cnt(&self) -> u32 {
        self.btf.type_cnt()
    }
    pub fn kind(&self, id: u32) -> Result<u32> {
        Ok(self.btf.type_by_id(id)?.kind() as u32)
    }
    pub fn vlen(&self, id: u32) -> Result<usize> {
        Ok(self.btf.type_by_id(id)?.vlen() as usize)
    }
    /// `size` for sized kinds, `type` for reference kinds.
    pub fn size_or_type(&self, id: u32) -> Result<u32> {
        Ok(self.btf.type_by_id(id)?.size_or_type())
    }
    pub fn name(&self, id: u32) -> Result<&str> {
        Ok(self.btf.type_by_id(id)?.name())
    }
    /// INT encoding bits.
    pub fn int_encoding(&self, id: u32) -> Result<u32> {
        Ok(self.btf.type_by_id(id)?.int().map(|i| i.encoding as u32).unwrap_or(0))
    }
    /// (elem type, nelems) of an ARRAY.
    pub fn array(&self, id: u32) -> Result<(u32, u32)> {
        match self.btf.type_by_id(id)?.array() {
            Some(a) => Ok((a.elem_type, a.nelems)),
            None => bail!(libc::EINVAL, "btf: type [{id}] is not an array"),
        }
    }
    pub fn members(&self, id: u32) -> Result<Vec<Member<'_>>> {
        Ok(self.btf.type_by_id(id)?.members().map(|m| Member { name: m.name, type_id: m.type_id, bit_offset: m.bit_offset }).collect())
    }
    pub fn var_linkage(&self, id: u32) -> Result<u32> {
        self.btf.type_by_id(id)?.var_linkage().ok_or_else(|| Error::new(libc::EINVAL, format!("btf: type [{id}] is not a VAR")))
    }
    pub fn set_var_linkage(&mut self, id: u32, linkage: u32) -> Result<()> {
        self.btf.set_var_linkage(id, linkage)
    }
    pub fn func_linkage(&self, id: u32) -> Result<u32> {
        self.btf.type_by_id(id)?.func_linkage().ok_or_else(|| Error::new(libc::EINVAL, format!("btf: type [{id}] is not a FUNC")))
    }
    pub fn set_func_linkage(&mut self, id: u32, linkage: u32) -> Result<()> {
        self.btf.set_func_linkage(id, linkage)
    }
    pub fn secinfos(&self, id: u32) -> Result<Vec<SecInfo>> {
        Ok(self.btf.type_by_id(id)?.datasec_vars().map(|v| SecInfo { type_id: v.type_id, offset: v.offset, size: v.size }).collect())
    }
    pub fn set_secinfo(&mut self, id: u32, idx: usize, offset: u32, size: u32) -> Result<()> {
        self.btf.set_datasec_var(id, idx, offset, size)
    }
    pub fn set_size(&mut self, id: u32, size: u32) -> Result<()> {
        self.btf.set_datasec_size(id, size)
    }
    /// ENUM / ENUM64 values (name, value).
    pub fn enum_values(&self, id: u32) -> Result<Vec<(&str, u64)>> {
        Ok(self.btf.type_by_id(id)?.enum_values().map(|e| (e.name, e.value)).collect())
    }
    pub fn skip_mods_and_typedefs(&self, id: u32) -> Result<u32> {
        self.btf.skip_mods_and_typedefs(id)
    }
    /// libbpf's btf__resolve_size.
    pub fn resolve_size(&self, id: u32) -> Result<u32> {
        self.btf.resolve_size(id)
    }
    /// libbpf's btf__align_of.
    pub fn align_of(&self, id: u32) -> Result<u32> {
        self.btf.align_of(id)
    }
    pub fn find_by_name_kind(&self, name: &str, kind: u32) -> Option<u32> {
        self.btf.find_by_name_kind(name, Kind::from_u32(kind)?)
    }
    /// The first type named `name`, any kind (libbpf's btf__find_by_name).
    pub fn find_by_name(&self, name: &str) -> Option<u32> {
        self.btf.find_by_name(name)
    }
    /// Every DATASEC id, in type order.
    pub fn datasecs(&self) -> Vec<u32> {
        (1..self.type_cnt()).filter(|&id| self.btf.type_by_id(id).is_ok_and(|t| t.kind() == Kind::Datasec)).collect()
    }
}

/// One section's records of a `.BTF.ext` info kind.
#[derive(Clone, Debug)]
pub struct ExtSec {
    pub sec_name: String,
    /// `num_info * rec_size` raw bytes as the kernel takes them; the first u32 of each
    /// record is the byte offset of its instruction inside the section.
    pub data: Vec<u8>,
}

#[derive(Clone, Debug, Default)]
pub struct ExtInfo {
    pub rec_size: usize,
    pub secs: Vec<ExtSec>,
}

impl ExtInfo {
    pub fn records<'a>(&'a self, sec: &'a ExtSec) -> impl Iterator<Item = &'a [u8]> + 'a {
        sec.data.chunks_exact(self.rec_size.max(1))
    }
    pub fn sec(&self, name: &str) -> Option<&ExtSec> {
        self.secs.iter().find(|s| s.sec_name == name)
    }
}

/// A CO-RE relocation record (`struct bpf_core_relo`).
pub use crate::btf::CoreRelo;

/// The parsed `.BTF.ext`: func_info and line_info as kernel records, CO-RE records.
#[derive(Clone, Debug, Default)]
pub struct BtfExtView {
    pub func_info: ExtInfo,
    pub line_info: ExtInfo,
    pub core_relo: Vec<(String, Vec<CoreRelo>)>,
}

fn words(ws: &[u32]) -> impl Iterator<Item = u8> + '_ {
    ws.iter().flat_map(|w| w.to_ne_bytes())
}

impl BtfExtView {
    pub fn parse(data: &[u8], btf: &BtfView) -> Result<BtfExtView> {
        let x = BtfExt::parse(data, &btf.btf)?;
        // The kernel takes the records we know (8-byte func_info, 16-byte line_info).
        let func_info = ExtInfo {
            rec_size: 8,
            secs: x.func_info.iter().map(|s| ExtSec { sec_name: s.sec_name.clone(), data: s.records.iter().flat_map(|r| words(&[r.insn_off, r.type_id]).collect::<Vec<_>>()).collect() }).collect(),
        };
        let line_info = ExtInfo {
            rec_size: 16,
            secs: x
                .line_info
                .iter()
                .map(|s| ExtSec {
                    sec_name: s.sec_name.clone(),
                    data: s.records.iter().flat_map(|r| words(&[r.insn_off, r.file_name_off, r.line_off, r.line_col]).collect::<Vec<_>>()).collect(),
                })
                .collect(),
        };
        let core_relo = x.core_relo.into_iter().map(|s| (s.sec_name, s.records)).collect();
        Ok(BtfExtView { func_info, line_info, core_relo })
    }
}
