//! Pure ELF parsing into an [`ObjectSpec`] (no syscalls, deterministic).
//!
//! What lives here: the ELF reader ([`elf`]), BTF-defined and global-data map
//! definitions ([`maps`]), `.kconfig` externs and the Kconfig reader ([`kconfig`],
//! with a small DEFLATE decoder in [`inflate`]), and the SEC() table ([`sec_def`]).

pub mod btfview;
pub mod elf;
pub mod inflate;
pub mod kbtf;
pub mod kconfig;
pub mod maps;
pub mod sec_def;
pub(crate) mod sparse_read;

use crate::Result;
use btfview::{BtfExtView, BtfView};
pub use maps::{InitSlot, MapKind, MapSpec, VarSpec};

/// One BPF instruction, as the kernel's `struct bpf_insn`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Insn {
    pub code: u8,
    /// dst_reg in the low nibble, src_reg in the high nibble.
    pub regs: u8,
    pub off: i16,
    pub imm: i32,
}

impl Insn {
    pub const SIZE: usize = 8;

    pub fn dst_reg(&self) -> u8 {
        self.regs & 0x0f
    }
    pub fn src_reg(&self) -> u8 {
        self.regs >> 4
    }
    pub fn set_src_reg(&mut self, r: u8) {
        self.regs = (self.regs & 0x0f) | (r << 4);
    }
    pub fn set_dst_reg(&mut self, r: u8) {
        self.regs = (self.regs & 0xf0) | (r & 0x0f);
    }
    /// `BPF_LD | BPF_IMM | BPF_DW`: the first half of a 16-byte load.
    pub fn is_ldimm64(&self) -> bool {
        self.code == (crate::uapi::BPF_LD | crate::uapi::BPF_IMM | crate::uapi::BPF_DW)
    }
    /// `BPF_JMP | BPF_CALL`.
    pub fn is_call(&self) -> bool {
        self.code == (crate::uapi::BPF_JMP | crate::uapi::BPF_CALL)
    }
    /// A bpf-to-bpf call (`call` with src_reg BPF_PSEUDO_CALL).
    pub fn is_subprog_call(&self) -> bool {
        self.is_call() && self.src_reg() == crate::uapi::BPF_PSEUDO_CALL
    }
    /// An ldimm64 that loads a subprogram address (BPF_PSEUDO_FUNC).
    pub fn is_pseudo_func(&self) -> bool {
        self.is_ldimm64() && self.src_reg() == crate::uapi::BPF_PSEUDO_FUNC
    }

    /// Decode little-endian instructions; the length must be a multiple of 8.
    pub fn from_le_bytes(bytes: &[u8]) -> Vec<Insn> {
        bytes
            .chunks_exact(Self::SIZE)
            .map(|c| Insn {
                code: c[0],
                regs: c[1],
                off: i16::from_le_bytes([c[2], c[3]]),
                imm: i32::from_le_bytes([c[4], c[5], c[6], c[7]]),
            })
            .collect()
    }

    /// The kernel's in-memory form (native endianness) of a slice of instructions.
    pub fn to_ne_bytes(insns: &[Insn]) -> Vec<u8> {
        let mut out = Vec::with_capacity(insns.len() * Self::SIZE);
        for i in insns {
            out.push(i.code);
            out.push(i.regs);
            out.extend_from_slice(&i.off.to_ne_bytes());
            out.extend_from_slice(&i.imm.to_ne_bytes());
        }
        out
    }
}

/// What a relocation record in `.rel<sec>` does to its instruction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RelocKind {
    /// ldimm64 of a BTF-defined map (→ BPF_PSEUDO_MAP_FD).
    MapFd { map: usize },
    /// ldimm64 of a global variable (→ BPF_PSEUDO_MAP_VALUE, offset `sym_off + imm`).
    Data { map: usize, sym_off: u32 },
    /// ldimm64 of a `.kconfig` / `.ksyms` extern.
    ExternLd64 { ext: usize },
    /// A call to an extern function (kfunc).
    ExternCall { ext: usize },
    /// A bpf-to-bpf call into `.text`; target insn = sym_off/8 + imm + 1.
    Call { sym_off: u32 },
    /// ldimm64 of a subprogram address (callback); target = (sym_off + imm) / 8.
    SubprogAddr { sym_off: u32 },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reloc {
    /// Instruction index relative to the start of the owning function.
    pub insn_idx: usize,
    pub kind: RelocKind,
}

/// One function of an executable section: an entry program (any section but .text)
/// or a subprogram (.text).
#[derive(Clone, Debug)]
pub struct ProgSpec {
    pub name: String,
    pub sec_name: String,
    pub sec_idx: usize,
    /// Offset of the first instruction inside its section, in instructions.
    pub sec_insn_off: usize,
    pub insns: Vec<Insn>,
    /// Sorted by insn_idx.
    pub relos: Vec<Reloc>,
    pub is_subprog: bool,
    /// Global or weak binding.
    pub sym_global: bool,
    /// Global with hidden/internal visibility: libbpf marks its BTF FUNC static.
    pub mark_btf_static: bool,
    pub sec_def: Option<&'static sec_def::SecDef>,
    pub prog_type: u32,
    pub expected_attach_type: u32,
    pub prog_flags: u32,
}

impl ProgSpec {
    pub fn contains_sec_insn(&self, sec_idx: usize, insn: usize) -> bool {
        self.sec_idx == sec_idx && insn >= self.sec_insn_off && insn < self.sec_insn_off + self.insns.len()
    }
}

/// The kind of a `.kconfig` extern's C type (libbpf's `enum kcfg_type`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KcfgType {
    Bool,
    Char,
    Tristate,
    Int,
    CharArr,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExternKind {
    /// A `.kconfig` value at `data_off` of the kconfig map.
    Kcfg { ty: KcfgType, size: u32, align: u32, is_signed: bool, data_off: u32 },
    /// A `.ksyms` kernel symbol (type id 0 when typeless).
    Ksym { type_id: u32, is_func: bool },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExternSpec {
    pub name: String,
    pub sym_idx: usize,
    pub is_weak: bool,
    /// BTF id of the VAR (or FUNC) describing it.
    pub btf_id: u32,
    pub kind: ExternKind,
}

/// Everything parsed from one ELF object, before any kernel interaction.
pub struct ObjectSpec {
    pub name: String,
    pub license: String,
    /// From the `version` section (0 if absent).
    pub kversion: u32,
    /// Every function of every executable section (entry programs and .text
    /// subprograms), sorted by (section index, offset) as libbpf does.
    pub progs: Vec<ProgSpec>,
    pub maps: Vec<MapSpec>,
    /// The object's BTF, DATASEC-fixed as libbpf does at open.
    pub btf: Option<BtfView>,
    pub btf_ext: Option<BtfExtView>,
    /// Sorted as libbpf: by kind, kcfg ones by (align desc, size, name).
    pub externs: Vec<ExternSpec>,
    pub kconfig_map: Option<usize>,
    pub text_shndx: Option<usize>,
    /// Section names by ELF index (empty for index 0 and unnamed sections).
    pub sec_names: Vec<String>,
}

impl ObjectSpec {
    /// The function covering instruction `insn` of section `sec_idx`.
    pub fn find_prog_by_sec_insn(&self, sec_idx: usize, insn: usize) -> Option<usize> {
        // progs are sorted by (sec_idx, sec_insn_off): binary search then check.
        let pos = self.progs.partition_point(|p| (p.sec_idx, p.sec_insn_off) <= (sec_idx, insn));
        let idx = pos.checked_sub(1)?;
        self.progs[idx].contains_sec_insn(sec_idx, insn).then_some(idx)
    }

    pub fn map_by_name(&self, name: &str) -> Option<usize> {
        self.maps.iter().position(|m| m.name == name)
    }
}

/// How an object is being opened.
pub struct OpenArgs<'a> {
    /// Path (or pseudo-path for memory objects) used in messages.
    pub path: &'a str,
    pub name: String,
    pub relaxed_maps: bool,
    pub pin_root_path: Option<&'a str>,
}

impl ObjectSpec {
    /// Parse an ELF object (libbpf's open: elf_collect, collect_externs, fixup_btf,
    /// init_maps, init_progs, collect_relos).
    pub fn parse(data: &[u8], args: &OpenArgs<'_>) -> Result<ObjectSpec> {
        let elf = elf::ElfObject::parse(data, args.path)?;
        let mut btf = match elf.btf {
            Some(b) => match BtfView::parse(b.to_vec()) {
                Ok(v) => Some(v),
                Err(e) => {
                    crate::warn!("Error loading ELF section .BTF: {e}. Ignored and continue.");
                    None
                }
            },
            None => None,
        };
        let btf_ext = match (elf.btf_ext, &btf) {
            (Some(b), Some(view)) => match BtfExtView::parse(b, view) {
                Ok(x) => Some(x),
                Err(e) => {
                    crate::warn!("Error loading ELF section .BTF.ext: {e}. Ignored and continue.");
                    None
                }
            },
            _ => None,
        };
        let mut progs = elf.collect_progs(args.path)?;
        let (externs, kconfig_sz) = kconfig::collect_externs(&elf, btf.as_mut())?;
        if let Some(b) = btf.as_mut() {
            maps::fixup_datasecs(&elf, b)?;
        }
        let mut maps = maps::init_user_maps(&elf, btf.as_ref(), !args.relaxed_maps, args.pin_root_path)?;
        maps.extend(maps::init_global_data_maps(&elf, btf.as_ref(), &args.name)?);
        let mut kconfig_map = None;
        if kconfig_sz > 0 {
            let m = maps::internal_map(&args.name, ".kconfig", MapKind::Kconfig, elf.symtab_idx, kconfig_sz, vec![0; kconfig_sz as usize], btf.as_ref())?;
            kconfig_map = Some(maps.len());
            maps.push(m);
        }
        for p in progs.iter_mut().filter(|p| !p.is_subprog) {
            match sec_def::find_sec_def(&p.sec_name) {
                Some(d) => {
                    p.sec_def = Some(d);
                    p.prog_type = d.prog_type;
                    p.expected_attach_type = d.expected_attach_type;
                    if d.flags & sec_def::SEC_SLEEPABLE != 0 {
                        p.prog_flags |= crate::uapi::BPF_F_SLEEPABLE;
                    }
                    if d.flags & sec_def::SEC_XDP_FRAGS != 0 {
                        p.prog_flags |= crate::uapi::BPF_F_XDP_HAS_FRAGS;
                    }
                }
                None => crate::debug!("prog '{}': unrecognized ELF section name '{}'", p.name, p.sec_name),
            }
        }
        elf.collect_relos(&mut progs, &elf::RelocCtx { maps: &maps, externs: &externs })?;
        maps::collect_map_relos(&elf, btf.as_ref(), &mut maps)?;
        for m in &maps {
            for slot in m.init_slots.iter().flatten() {
                if let InitSlot::Prog(name) = slot {
                    if !progs.iter().any(|p| !p.is_subprog && &p.name == name) {
                        crate::bail!(libc::ESRCH, ".maps relo: '{name}' isn't a valid program reference");
                    }
                }
            }
        }
        Ok(ObjectSpec {
            name: args.name.clone(),
            license: elf.license.clone(),
            kversion: elf.kversion,
            progs,
            maps,
            btf,
            btf_ext,
            externs,
            kconfig_map,
            text_shndx: elf.text_shndx,
            sec_names: elf.sections.iter().map(|s| s.name.to_string()).collect(),
        })
    }
}
