//! The ELF reader: sections, symbols, programs, relocation records.
//!
//! Follows libbpf's `bpf_object__elf_collect` rules (facts, not code): executable
//! sections are split into functions by STT_FUNC symbols; `.text` holds subprograms;
//! `.data*`, `.rodata*`, `.bss*` become global-data maps; `.maps` holds BTF-defined
//! maps; `license` and `version` set those fields; a legacy `maps` section is refused.

use super::{Insn, ProgSpec, Reloc, RelocKind};
use crate::{bail, Error, Result};
use object::elf::{self, FileHeader64, SectionHeader64, Sym64};
use object::read::elf::{FileHeader, SectionHeader, Sym};
use object::LittleEndian as LE;

pub(crate) const EM_BPF: u16 = 247;
const SHT_LLVM_ADDRSIG: u32 = 0x6fff4c03;

/// The role libbpf gives a section.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SecKind {
    Ignored,
    License,
    Version,
    Maps,
    Btf,
    BtfExt,
    Symtab,
    Prog,
    Data,
    Rodata,
    Bss,
    /// `.rel<X>` for an executable section or `.maps`.
    Rel,
    Other,
}

pub struct Section<'a> {
    pub name: &'a str,
    pub kind: SecKind,
    pub sh_type: u32,
    pub flags: u64,
    pub size: u64,
    /// File bytes (empty for NOBITS).
    pub data: &'a [u8],
    pub info: u32,
}

pub struct Symbol<'a> {
    pub name: &'a str,
    pub value: u64,
    pub size: u64,
    pub shndx: u16,
    pub bind: u8,
    pub typ: u8,
    pub visibility: u8,
}

impl Symbol<'_> {
    /// Externs: NOTYPE, GLOBAL or WEAK, undefined section.
    pub fn is_extern(&self) -> bool {
        self.shndx == elf::SHN_UNDEF
            && (self.bind == elf::STB_GLOBAL || self.bind == elf::STB_WEAK)
            && self.typ == elf::STT_NOTYPE
    }
}

/// A parsed ELF relocatable object, borrowed from its bytes.
pub struct ElfObject<'a> {
    pub sections: Vec<Section<'a>>,
    pub symbols: Vec<Symbol<'a>>,
    pub symtab_idx: usize,
    pub text_shndx: Option<usize>,
    pub maps_shndx: Option<usize>,
    pub btf: Option<&'a [u8]>,
    pub btf_ext: Option<&'a [u8]>,
    pub license: String,
    pub kversion: u32,
}

fn einval(msg: impl Into<String>) -> Error {
    Error::new(libc::EINVAL, msg)
}

fn is_dwarf(name: &str) -> bool {
    name.starts_with(".debug_")
}

impl<'a> ElfObject<'a> {
    /// Read headers, sections and symbols. `path` names the object in messages.
    pub fn parse(data: &'a [u8], path: &str) -> Result<ElfObject<'a>> {
        if data.len() < 64 {
            bail!(libc::EINVAL, "elf: '{path}' is not a proper ELF object ({} bytes)", data.len());
        }
        if &data[..4] != b"\x7fELF" {
            bail!(libc::EINVAL, "elf: '{path}' is not a proper ELF object (bad magic)");
        }
        if data[4] != elf::ELFCLASS64 {
            bail!(libc::EINVAL, "elf: '{path}' is not a 64-bit ELF object");
        }
        if data[5] != elf::ELFDATA2LSB {
            bail!(libc::EINVAL, "elf: '{path}' has unsupported byte order (only little-endian BPF objects are supported)");
        }
        let hdr = FileHeader64::<LE>::parse(data).map_err(|e| einval(format!("elf: '{path}': {e}")))?;
        let e = LE;
        if hdr.e_type(e) != elf::ET_REL || (hdr.e_machine(e) != EM_BPF && hdr.e_machine(e) != 0) {
            bail!(libc::EINVAL, "elf: '{path}' is not a valid eBPF object file (type {}, machine {})", hdr.e_type(e), hdr.e_machine(e));
        }
        let table = hdr.sections(e, data).map_err(|err| einval(format!("elf: '{path}': bad section headers: {err}")))?;
        let headers: &[SectionHeader64<LE>] = table.iter().as_slice();

        // First pass: the one symbol table.
        let mut symtab: Option<(usize, &SectionHeader64<LE>)> = None;
        for (idx, sh) in headers.iter().enumerate() {
            if sh.sh_type(e) == elf::SHT_SYMTAB {
                if symtab.is_some() {
                    bail!(libc::EINVAL, "elf: multiple symbol tables in '{path}'");
                }
                symtab = Some((idx, sh));
            }
        }
        let Some((symtab_idx, symtab_sh)) = symtab else {
            bail!(libc::EINVAL, "elf: couldn't find symbol table in '{path}', stripped object file?");
        };
        // The symbol and string tables must lie inside the file; say which one doesn't.
        for idx in [symtab_idx, symtab_sh.sh_link(e) as usize] {
            if let Some(sh) = headers.get(idx) {
                if sh.data(e, data).is_err() {
                    let name = table.section_name(e, sh).map(String::from_utf8_lossy).unwrap_or_default();
                    bail!(libc::EINVAL, "elf: '{path}': section '{name}' ({idx}) lies outside the file");
                }
            }
        }
        if symtab_sh.sh_entsize(e) != std::mem::size_of::<Sym64<LE>>() as u64 {
            bail!(libc::EINVAL, "elf: '{path}': bad symbol table entry size {}", symtab_sh.sh_entsize(e));
        }
        let syms = table
            .symbol_table_by_index(e, data, object::SectionIndex(symtab_idx))
            .map_err(|err| einval(format!("elf: '{path}': bad symbol table: {err}")))?;
        let strings = syms.strings();
        let mut symbols = Vec::with_capacity(syms.len());
        for sym in syms.iter() {
            let name = sym
                .name(e, strings)
                .ok()
                .and_then(|b| std::str::from_utf8(b).ok())
                .ok_or_else(|| einval(format!("elf: '{path}': bad symbol name")))?;
            symbols.push(Symbol {
                name,
                value: sym.st_value(e),
                size: sym.st_size(e),
                shndx: sym.st_shndx(e),
                bind: sym.st_bind(),
                typ: sym.st_type(),
                visibility: sym.st_other() & 0x3,
            });
        }

        let mut out = ElfObject {
            sections: Vec::with_capacity(headers.len()),
            symbols,
            symtab_idx,
            text_shndx: None,
            maps_shndx: None,
            btf: None,
            btf_ext: None,
            license: String::new(),
            kversion: 0,
        };

        for (idx, sh) in headers.iter().enumerate() {
            let name = table
                .section_name(e, sh)
                .ok()
                .and_then(|b| std::str::from_utf8(b).ok())
                .ok_or_else(|| einval(format!("elf: '{path}': bad name of section {idx}")))?;
            let sh_type = sh.sh_type(e);
            let flags = sh.sh_flags(e);
            let size = sh.sh_size(e);
            let sec_data = if idx == 0 {
                &[][..]
            } else {
                sh.data(e, data).map_err(|_| einval(format!("elf: '{path}': section '{name}' ({idx}) lies outside the file")))?
            };
            let kind = if idx == 0 {
                SecKind::Ignored
            } else {
                classify(name, sh_type, flags, size, sh.sh_entsize(e), sh.sh_info(e), headers, e, path)?
            };
            match kind {
                SecKind::License => {
                    // libbpf keeps up to 63 bytes, up to the first NUL.
                    let end = sec_data.iter().position(|&b| b == 0).unwrap_or(sec_data.len()).min(63);
                    out.license = String::from_utf8_lossy(&sec_data[..end]).into_owned();
                }
                SecKind::Version => {
                    let Ok(b) = <[u8; 4]>::try_from(sec_data) else {
                        bail!(libc::EINVAL, "elf: invalid kver section in '{path}' ({} bytes, expected 4)", sec_data.len());
                    };
                    out.kversion = u32::from_le_bytes(b);
                }
                SecKind::Maps => out.maps_shndx = Some(idx),
                SecKind::Btf => out.btf = Some(sec_data),
                SecKind::BtfExt => out.btf_ext = Some(sec_data),
                SecKind::Prog if name == ".text" => out.text_shndx = Some(idx),
                _ => {}
            }
            if kind == SecKind::Prog && sec_data.len() as u64 != size {
                bail!(libc::EINVAL, "elf: '{path}': program section '{name}' has no data");
            }
            out.sections.push(Section { name, kind, sh_type, flags, size, data: sec_data, info: sh.sh_info(e) });
        }
        Ok(out)
    }

    pub fn sec_name(&self, idx: usize) -> &str {
        self.sections.get(idx).map(|s| s.name).unwrap_or("<?>")
    }

    /// Split every executable section into functions. Sorted by (section, offset).
    pub fn collect_progs(&self, path: &str) -> Result<Vec<ProgSpec>> {
        let mut progs = Vec::new();
        for sec in self.sections.iter().filter(|s| s.kind == SecKind::Prog) {
            if sec.data.len() % Insn::SIZE != 0 {
                bail!(libc::EINVAL, "elf: '{path}': section '{}' size {} is not a multiple of the instruction size", sec.name, sec.data.len());
            }
        }
        {
            // One pass over the symbols: every STT_FUNC of an executable section.
            for sym in &self.symbols {
                if sym.typ != elf::STT_FUNC || sym.shndx == 0 || sym.shndx >= elf::SHN_LORESERVE {
                    continue;
                }
                let sec_idx = sym.shndx as usize;
                let Some(sec) = self.sections.get(sec_idx).filter(|s| s.kind == SecKind::Prog) else { continue };
                let is_text = Some(sec_idx) == self.text_shndx;
                let (off, sz) = (sym.value, sym.size);
                if off % Insn::SIZE as u64 != 0 || sz % Insn::SIZE as u64 != 0 {
                    bail!(libc::EINVAL, "sec '{}': program '{}' at offset {off} is not instruction-aligned", sec.name, sym.name);
                }
                let end = off.checked_add(sz).filter(|&end| end <= sec.data.len() as u64);
                let Some(end) = end else {
                    bail!(libc::EINVAL, "sec '{}': program '{}' at offset {off} crosses section boundary", sec.name, sym.name);
                };
                if !is_text && sym.bind == elf::STB_LOCAL {
                    bail!(libc::EOPNOTSUPP, "sec '{}': program '{}' is static and not supported", sec.name, sym.name);
                }
                if sym.name.is_empty() {
                    bail!(libc::EINVAL, "sec '{}': failed to get symbol name for offset {off}", sec.name);
                }
                let insns = Insn::from_le_bytes(&sec.data[off as usize..end as usize]);
                let sym_global = sym.bind != elf::STB_LOCAL;
                progs.push(ProgSpec {
                    name: sym.name.to_string(),
                    sec_name: sec.name.to_string(),
                    sec_idx,
                    sec_insn_off: off as usize / Insn::SIZE,
                    insns,
                    relos: Vec::new(),
                    is_subprog: is_text,
                    sym_global,
                    mark_btf_static: sym_global && (sym.visibility == elf::STV_HIDDEN || sym.visibility == elf::STV_INTERNAL),
                    sec_def: None,
                    prog_type: 0,
                    expected_attach_type: 0,
                    prog_flags: 0,
                });
            }
        }
        progs.sort_by_key(|p| (p.sec_idx, p.sec_insn_off));
        for w in progs.windows(2) {
            if w[0].sec_idx == w[1].sec_idx && w[0].sec_insn_off + w[0].insns.len() > w[1].sec_insn_off {
                bail!(libc::EINVAL, "sec '{}': programs '{}' and '{}' overlap", w[0].sec_name, w[0].name, w[1].name);
            }
        }
        Ok(progs)
    }

    /// Relocation records of every `.rel<prog section>`, attached to the functions
    /// they patch. `map_for` resolves a symbol in a data/maps section to a map.
    pub fn collect_relos(&self, progs: &mut [ProgSpec], ctx: &RelocCtx<'_>) -> Result<()> {
        for (rel_idx, sec) in self.sections.iter().enumerate() {
            if sec.kind != SecKind::Rel {
                continue;
            }
            let target = sec.info as usize;
            if self.sections.get(target).map(|s| s.kind) != Some(SecKind::Prog) {
                continue; // .rel.maps: map-in-map slot relocations are read with the maps
            }
            let target_name = self.sec_name(target);
            if sec.data.len() % 16 != 0 {
                bail!(libc::EINVAL, "elf: relo section '{}' ({rel_idx}) has a bad size {}", sec.name, sec.data.len());
            }
            for (i, r) in sec.data.chunks_exact(16).enumerate() {
                let r_offset = u64::from_le_bytes(r[0..8].try_into().map_err(|_| einval("relo"))?);
                let r_info = u64::from_le_bytes(r[8..16].try_into().map_err(|_| einval("relo"))?);
                let sym_idx = (r_info >> 32) as usize;
                let Some(sym) = self.symbols.get(sym_idx) else {
                    bail!(libc::EINVAL, "sec '{target_name}': relo #{i}: symbol #{sym_idx} not found");
                };
                if r_offset % Insn::SIZE as u64 != 0 {
                    bail!(libc::EINVAL, "sec '{target_name}': relo #{i}: insn offset {r_offset} is not a multiple of the instruction size");
                }
                let insn_sec_idx = (r_offset / Insn::SIZE as u64) as usize;
                let pos = progs.partition_point(|p| (p.sec_idx, p.sec_insn_off) <= (target, insn_sec_idx));
                let Some(p) = pos.checked_sub(1).filter(|&i| progs[i].contains_sec_insn(target, insn_sec_idx)) else {
                    // libbpf: relocations against code outside any function are skipped
                    crate::debug!("sec '{target_name}': relo #{i} for insn #{insn_sec_idx} in no program, skipped");
                    continue;
                };
                let prog = &mut progs[p];
                let insn_idx = insn_sec_idx - prog.sec_insn_off;
                let kind = self.classify_relo(prog, insn_idx, sym_idx, sym, ctx)?;
                prog.relos.push(Reloc { insn_idx, kind });
            }
        }
        for p in progs.iter_mut() {
            p.relos.sort_by_key(|r| r.insn_idx);
        }
        Ok(())
    }

    fn classify_relo(&self, prog: &ProgSpec, insn_idx: usize, sym_idx: usize, sym: &Symbol<'_>, ctx: &RelocCtx<'_>) -> Result<RelocKind> {
        let insn = prog.insns[insn_idx];
        let sym_name = sym.name;
        let pname = &prog.name;
        if !insn.is_call() && !insn.is_ldimm64() {
            bail!(libc::EINVAL, "prog '{pname}': invalid relo against '{sym_name}' for insns[{insn_idx}].code 0x{:x}", insn.code);
        }
        if insn.is_ldimm64() && insn_idx + 1 >= prog.insns.len() {
            bail!(libc::EINVAL, "prog '{pname}': relo against '{sym_name}' at insn #{insn_idx}: truncated ldimm64");
        }
        if sym.is_extern() {
            let Some(ext) = ctx.externs.iter().position(|x| x.sym_idx == sym_idx) else {
                bail!(libc::EINVAL, "prog '{pname}': extern relo failed to find extern for '{sym_name}' ({sym_idx})");
            };
            return Ok(if insn.is_call() { RelocKind::ExternCall { ext } } else { RelocKind::ExternLd64 { ext } });
        }
        let shndx = sym.shndx as usize;
        if insn.is_call() {
            if insn.src_reg() != crate::uapi::BPF_PSEUDO_CALL {
                bail!(libc::EINVAL, "prog '{pname}': incorrect bpf_call opcode");
            }
            if shndx == 0 || Some(shndx) != self.text_shndx {
                bail!(libc::EINVAL, "prog '{pname}': bad call relo against '{sym_name}' in section '{}'", self.sec_name(shndx));
            }
            if sym.value % Insn::SIZE as u64 != 0 || sym.value > u32::MAX as u64 {
                bail!(libc::EINVAL, "prog '{pname}': bad call relo against '{sym_name}' at offset {}", sym.value);
            }
            return Ok(RelocKind::Call { sym_off: sym.value as u32 });
        }
        if shndx == 0 || sym.shndx >= elf::SHN_LORESERVE {
            bail!(libc::EINVAL, "prog '{pname}': invalid relo against '{sym_name}' in special section 0x{:x}; forgot to initialize global var?..", sym.shndx);
        }
        // A subprogram address (callback): local funcs have value 0 and imm = offset.
        let local_sec = sym.bind == elf::STB_LOCAL && sym.typ == elf::STT_SECTION;
        let global_func = (sym.bind == elf::STB_GLOBAL || sym.bind == elf::STB_WEAK) && sym.typ == elf::STT_FUNC;
        if Some(shndx) == self.text_shndx && (local_sec || global_func) {
            if sym.value % Insn::SIZE as u64 != 0 || insn.imm % Insn::SIZE as i32 != 0 {
                bail!(libc::EINVAL, "prog '{pname}': bad subprog addr relo against '{sym_name}' at offset {}+{}", sym.value, insn.imm);
            }
            return Ok(RelocKind::SubprogAddr { sym_off: sym.value as u32 });
        }
        let Some(sec) = self.sections.get(shndx) else {
            bail!(libc::EINVAL, "prog '{pname}': relo against '{sym_name}' in invalid section {shndx}");
        };
        match sec.kind {
            SecKind::Maps => {
                let Some(map) = ctx.maps.iter().position(|m| m.is_user() && m.sec_idx == shndx && m.sec_offset == sym.value) else {
                    bail!(libc::EINVAL, "prog '{pname}': map relo failed to find map for section '{}', off {}", sec.name, sym.value);
                };
                Ok(RelocKind::MapFd { map })
            }
            SecKind::Data | SecKind::Rodata | SecKind::Bss => {
                let Some(map) = ctx.maps.iter().position(|m| m.is_global_data() && m.sec_idx == shndx) else {
                    bail!(libc::EINVAL, "prog '{pname}': data relo failed to find map for section '{}'", sec.name);
                };
                if sym.value > u32::MAX as u64 {
                    bail!(libc::EINVAL, "prog '{pname}': data relo against '{sym_name}': offset {} out of range", sym.value);
                }
                Ok(RelocKind::Data { map, sym_off: sym.value as u32 })
            }
            _ => bail!(libc::EINVAL, "prog '{pname}': bad data relo against section '{}'", sec.name),
        }
    }
}

/// What relocation collection needs from the rest of the parse.
pub struct RelocCtx<'a> {
    pub maps: &'a [super::MapSpec],
    pub externs: &'a [super::ExternSpec],
}

#[allow(clippy::too_many_arguments)]
fn classify(
    name: &str,
    sh_type: u32,
    flags: u64,
    size: u64,
    entsize: u64,
    info: u32,
    headers: &[SectionHeader64<LE>],
    e: LE,
    path: &str,
) -> Result<SecKind> {
    if sh_type == elf::SHT_STRTAB || sh_type == SHT_LLVM_ADDRSIG || is_dwarf(name) {
        return Ok(SecKind::Ignored);
    }
    if sh_type == elf::SHT_PROGBITS && size == 0 && name == ".text" {
        return Ok(SecKind::Ignored);
    }
    if let Some(rest) = name.strip_prefix(".rel") {
        if is_dwarf(rest) || rest == ".BTF" || rest == ".BTF.ext" {
            return Ok(SecKind::Ignored);
        }
    }
    Ok(match name {
        "license" => SecKind::License,
        "version" => SecKind::Version,
        "maps" => bail!(libc::EINVAL, "elf: legacy map definitions in 'maps' section are not supported by libbpf v1.0+ (nor by rbpf)"),
        ".maps" => SecKind::Maps,
        ".BTF" | ".BTF.ext" => {
            if sh_type != elf::SHT_PROGBITS {
                bail!(libc::EINVAL, "elf: '{path}': section '{name}' is not PROGBITS");
            }
            if name == ".BTF" {
                SecKind::Btf
            } else {
                SecKind::BtfExt
            }
        }
        _ if sh_type == elf::SHT_SYMTAB => SecKind::Symtab,
        _ if sh_type == elf::SHT_PROGBITS && size > 0 => {
            if flags & elf::SHF_EXECINSTR as u64 != 0 {
                SecKind::Prog
            } else if name == ".data" || name.starts_with(".data.") {
                SecKind::Data
            } else if name == ".rodata" || name.starts_with(".rodata.") {
                SecKind::Rodata
            } else {
                crate::info!("elf: skipping unrecognized data section {name}");
                SecKind::Other
            }
        }
        _ if sh_type == elf::SHT_REL => {
            let target = info as usize;
            if entsize != 16 || target >= headers.len() {
                bail!(libc::EINVAL, "elf: '{path}': bad relocation section '{name}'");
            }
            let exec = headers[target].sh_flags(e) & elf::SHF_EXECINSTR as u64 != 0;
            if exec || name == ".rel.maps" {
                SecKind::Rel
            } else {
                crate::debug!("elf: skipping relo section {name}");
                SecKind::Other
            }
        }
        _ if sh_type == elf::SHT_NOBITS && (name == ".bss" || name.starts_with(".bss.")) => SecKind::Bss,
        _ => {
            crate::debug!("elf: skipping section {name} (size {size})");
            SecKind::Other
        }
    })
}
