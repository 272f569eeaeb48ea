//! Relocation: maps, global data, subprogram calls, externs, CO-RE. Pure: map fds and
//! the CO-RE engine come in as arguments, so this runs (and is tested) without a kernel.
//!
//! The order is libbpf's (`bpf_object__relocate`): CO-RE on each function's own
//! instructions; mark subprogram-address loads (BPF_PSEUDO_FUNC); for each entry
//! program, append every reachable `.text` subprogram (a fresh copy per entry program,
//! in first-call order, depth first) and fix call offsets; then rewrite map, global
//! data and extern loads; func_info / line_info follow the code they describe.

use crate::obj::btfview::{CoreRelo, ExtInfo};
use crate::obj::{ExternKind, Insn, ObjectSpec, RelocKind};
use crate::uapi::*;
use crate::{bail, Result};
use std::os::fd::RawFd;

/// An entry program's final instruction stream and BTF.ext info, as passed to the kernel.
#[derive(Clone, Debug, Default)]
pub struct RelocatedProg {
    pub insns: Vec<Insn>,
    /// `bpf_func_info` records with insn_off in instructions.
    pub func_info: Vec<u8>,
    pub func_info_rec_size: u32,
    pub line_info: Vec<u8>,
    pub line_info_rec_size: u32,
    /// Indices of the functions (ObjectSpec::progs) appended, in order.
    pub subprogs: Vec<usize>,
    /// CO-RE relocations that poisoned an instruction: (final insn index, local spec).
    pub core_poison: Vec<(usize, String)>,
}

/// A CO-RE relocation that found no target and poisoned its instruction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CorePoison {
    /// Function (index into ObjectSpec::progs) and instruction inside it.
    pub func: usize,
    pub insn: usize,
    /// libbpf-style description of the local spec ("<byte_off> [7] struct task_struct.tgid ...").
    pub spec: String,
}

impl RelocatedProg {
    pub fn func_info_cnt(&self) -> u32 {
        if self.func_info_rec_size == 0 {
            0
        } else {
            (self.func_info.len() / self.func_info_rec_size as usize) as u32
        }
    }
    pub fn line_info_cnt(&self) -> u32 {
        if self.line_info_rec_size == 0 {
            0
        } else {
            (self.line_info.len() / self.line_info_rec_size as usize) as u32
        }
    }
}

/// Patches one instruction for a CO-RE record: (function name, the function's
/// instructions, index of the instruction, the record, the record's index). Returns the
/// relocation's spec description when it poisoned the instruction.
pub type CoreFn<'a> = dyn FnMut(&str, &mut [Insn], usize, &CoreRelo, usize) -> Result<Option<String>> + 'a;

/// Inputs that depend on the kernel / load state.
pub struct RelocEnv<'a> {
    /// Per map of the spec: its fd, or None when it was not created (references are
    /// poisoned with 2001000000 + index, as libbpf does).
    pub map_fds: &'a [Option<RawFd>],
    /// Per function of the spec: whether it will be loaded (subprograms: true).
    pub autoload: &'a [bool],
    /// Poisoned CO-RE relocations (from [`apply_core`]), to name them in verifier logs.
    pub core_poison: &'a [CorePoison],
}

/// Make ldimm64 `insn[idx..idx+2]` two invalid calls, like libbpf, so that the verifier
/// reports "invalid func unknown#2001000000+map" only if the code is reachable.
fn poison_map_ldimm64(insns: &mut [Insn], idx: usize, map_idx: usize) {
    for i in insns[idx..idx + 2].iter_mut() {
        *i = Insn { code: BPF_JMP | BPF_CALL, regs: 0, off: 0, imm: POISON_MAP_BASE.wrapping_add(map_idx as i32) };
    }
}

/// Apply CO-RE relocations to each function's instructions (in place, in `funcs`).
pub fn apply_core(spec: &ObjectSpec, funcs: &mut [Vec<Insn>], autoload: &[bool], core: &mut CoreFn<'_>) -> Result<Vec<CorePoison>> {
    let mut poisoned = Vec::new();
    let Some(ext) = &spec.btf_ext else { return Ok(poisoned) };
    let mut relo_idx = 0usize;
    for (sec_name, recs) in &ext.core_relo {
        if sec_name.is_empty() {
            bail!(libc::EINVAL, "CO-RE relocation section with an empty name");
        }
        let Some(sec_idx) = spec.sec_names.iter().position(|n| n == sec_name) else {
            bail!(libc::EINVAL, "CO-RE relocations for unknown section '{sec_name}'");
        };
        for (i, rec) in recs.iter().enumerate() {
            if rec.insn_off % Insn::SIZE as u32 != 0 {
                bail!(libc::EINVAL, "sec '{}': CO-RE relo #{i}: insn offset {} not aligned", sec_name, rec.insn_off);
            }
            let insn = rec.insn_off as usize / Insn::SIZE;
            let Some(p) = spec.find_prog_by_sec_insn(sec_idx, insn) else {
                crate::debug!("sec '{sec_name}': skipping CO-RE relocation #{i} for insn #{insn} belonging to eliminated weak subprogram");
                continue;
            };
            if !autoload[p] {
                continue;
            }
            let local = insn - spec.progs[p].sec_insn_off;
            let desc = core(&spec.progs[p].name, &mut funcs[p], local, rec, i).map_err(|e| e.context(format!("prog '{}': relo #{i}: failed to relocate", spec.progs[p].name)))?;
            if let Some(spec_desc) = desc {
                poisoned.push(CorePoison { func: p, insn: local, spec: spec_desc });
            }
            relo_idx += 1;
        }
    }
    crate::debug!("applied {relo_idx} CO-RE relocations");
    Ok(poisoned)
}

struct Builder<'a> {
    spec: &'a ObjectSpec,
    funcs: &'a [Vec<Insn>],
    out: RelocatedProg,
    /// Where each function was appended in the current entry program.
    placed: Vec<Option<usize>>,
    /// (insn index in `out`, relocation) of every placed function.
    relos: Vec<(usize, RelocKind)>,
    func_info_ok: bool,
    line_info_ok: bool,
}

impl Builder<'_> {
    /// Copy one function's func/line info records into the entry program's, adjusting
    /// offsets to its final position. Ok(false) when it has none.
    fn append_ext(info: &ExtInfo, spec: &ObjectSpec, f: usize, base: usize, out: &mut Vec<u8>) -> Result<bool> {
        let p = &spec.progs[f];
        let Some(sec) = info.sec(&p.sec_name) else { return Ok(false) };
        let mut found = false;
        for rec in info.records(sec) {
            let off = u32::from_le_bytes([rec[0], rec[1], rec[2], rec[3]]) as usize / Insn::SIZE;
            if off < p.sec_insn_off {
                continue;
            }
            if off >= p.sec_insn_off + p.insns.len() {
                break;
            }
            found = true;
            let new_off = (off - p.sec_insn_off + base) as u32;
            out.extend_from_slice(&new_off.to_ne_bytes());
            out.extend_from_slice(&rec[4..]);
        }
        Ok(found)
    }

    fn reloc_ext_info(&mut self, f: usize, base: usize, is_main: bool) -> Result<()> {
        let Some(ext) = &self.spec.btf_ext else { return Ok(()) };
        let name = &self.spec.progs[f].name;
        if self.func_info_ok && ext.func_info.rec_size > 0 {
            let had = !self.out.func_info.is_empty();
            if Self::append_ext(&ext.func_info, self.spec, f, base, &mut self.out.func_info)? {
                self.out.func_info_rec_size = ext.func_info.rec_size as u32;
            } else if had {
                bail!(libc::ENOENT, "prog '{name}': missing .BTF.ext function info.");
            } else if is_main {
                crate::warn!("prog '{name}': missing .BTF.ext function info for the main program, skipping all of .BTF.ext func info.");
                self.func_info_ok = false;
            }
        }
        if self.line_info_ok && ext.line_info.rec_size > 0 {
            let had = !self.out.line_info.is_empty();
            if Self::append_ext(&ext.line_info, self.spec, f, base, &mut self.out.line_info)? {
                self.out.line_info_rec_size = ext.line_info.rec_size as u32;
            } else if had {
                bail!(libc::ENOENT, "prog '{name}': missing .BTF.ext line info.");
            } else if is_main {
                crate::warn!("prog '{name}': missing .BTF.ext line info for the main program, skipping all of .BTF.ext line info.");
                self.line_info_ok = false;
            }
        }
        Ok(())
    }

    fn append(&mut self, f: usize) -> usize {
        let base = self.out.insns.len();
        self.placed[f] = Some(base);
        self.out.insns.extend_from_slice(&self.funcs[f]);
        self.relos.extend(self.spec.progs[f].relos.iter().map(|r| (base + r.insn_idx, r.kind)));
        base
    }

    /// libbpf's bpf_object__reloc_code: fix calls of function `f` placed at `base`,
    /// appending callees on first use (depth first).
    fn reloc_code(&mut self, f: usize, base: usize, is_main: bool, depth: usize) -> Result<()> {
        let spec = self.spec;
        let p = &spec.progs[f];
        if depth > 256 {
            bail!(libc::ELOOP, "prog '{}': subprogram calls nest too deep", p.name);
        }
        self.reloc_ext_info(f, base, is_main)?;
        for i in 0..p.insns.len() {
            let insn = self.out.insns[base + i];
            if !insn.is_subprog_call() && !insn.is_pseudo_func() {
                continue;
            }
            let relo = p.relos.binary_search_by_key(&i, |r| r.insn_idx).ok().map(|k| p.relos[k].kind);
            let target = match relo {
                Some(RelocKind::ExternCall { .. }) => continue,
                Some(RelocKind::Call { sym_off }) => (sym_off as i64 / 8) + insn.imm as i64 + 1,
                Some(RelocKind::SubprogAddr { sym_off }) => (sym_off as i64 + insn.imm as i64) / 8,
                Some(other) => bail!(libc::EINVAL, "prog '{}': unexpected relo for insn #{i}, type {other:?}", p.name),
                None if insn.is_pseudo_func() => bail!(libc::EINVAL, "prog '{}': missing subprog addr relo for insn #{i}", p.name),
                // A call to a static function of the same section needs no relocation:
                // imm is relative to the call's position in the section.
                None => (p.sec_insn_off + i) as i64 + insn.imm as i64 + 1,
            };
            let sub = match (spec.text_shndx, usize::try_from(target)) {
                (Some(text), Ok(t)) => spec.find_prog_by_sec_insn(text, t),
                _ => None,
            };
            let Some(sub) = sub else {
                bail!(libc::EINVAL, "prog '{}': no .text section found yet sub-program call exists (insn #{i}, target {target})", p.name);
            };
            let sub_base = match self.placed[sub] {
                Some(b) => b,
                None => {
                    let b = self.append(sub);
                    self.out.subprogs.push(sub);
                    self.reloc_code(sub, b, false, depth + 1)?;
                    b
                }
            };
            let imm = sub_base as i64 - (base + i) as i64 - 1;
            self.out.insns[base + i].imm = i32::try_from(imm).map_err(|_| crate::Error::new(libc::E2BIG, "program too large"))?;
        }
        Ok(())
    }
}

/// Build the final instructions of every entry program with autoload set (None for
/// the others and for subprograms). `funcs` are the functions' instructions after
/// CO-RE (see [`apply_core`]).
pub fn relocate(spec: &ObjectSpec, funcs: &[Vec<Insn>], env: &RelocEnv<'_>) -> Result<Vec<Option<RelocatedProg>>> {
    let mut funcs_marked: Option<Vec<Vec<Insn>>> = None;
    // Mark subprogram-address loads so reloc_code recognizes them.
    for (f, p) in spec.progs.iter().enumerate() {
        for r in &p.relos {
            if let RelocKind::SubprogAddr { .. } = r.kind {
                let fm = funcs_marked.get_or_insert_with(|| funcs.to_vec());
                fm[f][r.insn_idx].set_src_reg(BPF_PSEUDO_FUNC);
            }
        }
    }
    let funcs: &[Vec<Insn>] = funcs_marked.as_deref().unwrap_or(funcs);
    let mut result = Vec::with_capacity(spec.progs.len());
    for (f, p) in spec.progs.iter().enumerate() {
        if p.is_subprog || !env.autoload.get(f).copied().unwrap_or(false) {
            result.push(None);
            continue;
        }
        let mut b = Builder {
            spec,
            funcs,
            out: RelocatedProg::default(),
            placed: vec![None; spec.progs.len()],
            relos: Vec::new(),
            func_info_ok: true,
            line_info_ok: true,
        };
        let base = b.append(f);
        b.reloc_code(f, base, true, 0).map_err(|e| e.context(format!("prog '{}': failed to relocate calls", p.name)))?;
        relocate_data(spec, &mut b.out.insns, &b.relos, env).map_err(|e| e.context(format!("prog '{}': failed to relocate data references", p.name)))?;
        for cp in env.core_poison {
            if let Some(base) = b.placed[cp.func] {
                b.out.core_poison.push((base + cp.insn, cp.spec.clone()));
            }
        }
        if !b.func_info_ok {
            b.out.func_info.clear();
            b.out.func_info_rec_size = 0;
        }
        if !b.line_info_ok {
            b.out.line_info.clear();
            b.out.line_info_rec_size = 0;
        }
        result.push(Some(b.out));
    }
    Ok(result)
}

fn relocate_data(spec: &ObjectSpec, insns: &mut [Insn], relos: &[(usize, RelocKind)], env: &RelocEnv<'_>) -> Result<()> {
    for &(idx, kind) in relos {
        match kind {
            RelocKind::MapFd { map } => match env.map_fds.get(map).copied().flatten() {
                Some(fd) => {
                    insns[idx].set_src_reg(BPF_PSEUDO_MAP_FD);
                    insns[idx].imm = fd;
                }
                None => {
                    crate::debug!("relo: poisoning insn #{idx} that loads map #{map} '{}'", spec.maps[map].name);
                    poison_map_ldimm64(insns, idx, map);
                }
            },
            RelocKind::Data { map, sym_off } => {
                insns[idx + 1].imm = insns[idx].imm.wrapping_add(sym_off as i32);
                match env.map_fds.get(map).copied().flatten() {
                    Some(fd) => {
                        insns[idx].set_src_reg(BPF_PSEUDO_MAP_VALUE);
                        insns[idx].imm = fd;
                    }
                    None => poison_map_ldimm64(insns, idx, map),
                }
            }
            RelocKind::ExternLd64 { ext } => {
                let e = &spec.externs[ext];
                match e.kind {
                    ExternKind::Kcfg { data_off, .. } => {
                        let Some(kmap) = spec.kconfig_map else {
                            bail!(libc::EINVAL, "extern '{}': no .kconfig map", e.name);
                        };
                        match env.map_fds.get(kmap).copied().flatten() {
                            Some(fd) => {
                                insns[idx].set_src_reg(BPF_PSEUDO_MAP_VALUE);
                                insns[idx].imm = fd;
                                insns[idx + 1].imm = data_off as i32;
                            }
                            None => poison_map_ldimm64(insns, idx, kmap),
                        }
                    }
                    ExternKind::Ksym { .. } => bail!(libc::EOPNOTSUPP, "extern '{}': .ksyms externs are not supported yet", e.name),
                }
            }
            RelocKind::ExternCall { ext } => {
                let e = &spec.externs[ext];
                if !e.is_weak {
                    bail!(libc::EOPNOTSUPP, "extern '{}': kfunc calls are not supported yet", e.name);
                }
                // An unresolved weak kfunc: poisoned like libbpf's.
                insns[idx] = Insn { code: BPF_JMP | BPF_CALL, regs: 0, off: 0, imm: POISON_KFUNC_BASE.wrapping_add(ext as i32) };
            }
            RelocKind::SubprogAddr { .. } => {
                if insns[idx].src_reg() != BPF_PSEUDO_FUNC {
                    bail!(libc::EINVAL, "relo at insn #{idx}: bad insn");
                }
            }
            RelocKind::Call { .. } => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::obj::{ObjectSpec, OpenArgs};

    fn spec(name: &str) -> ObjectSpec {
        let data = std::fs::read(rbpf_testprogs::object_path(name)).unwrap();
        ObjectSpec::parse(&data, &OpenArgs { path: name, name: name.into(), relaxed_maps: false, pin_root_path: None }).unwrap()
    }

    fn run(spec: &ObjectSpec, fds: &[Option<RawFd>]) -> Vec<Option<RelocatedProg>> {
        let funcs: Vec<Vec<Insn>> = spec.progs.iter().map(|p| p.insns.clone()).collect();
        let autoload = vec![true; spec.progs.len()];
        relocate(spec, &funcs, &RelocEnv { map_fds: fds, autoload: &autoload, core_poison: &[] }).unwrap()
    }

    #[test]
    fn subprograms_appended_per_entry_program() {
        let s = spec("subprogs");
        let fds: Vec<Option<RawFd>> = (0..s.maps.len()).map(|i| Some(100 + i as i32)).collect();
        let out = run(&s, &fds);
        for (f, r) in out.iter().enumerate() {
            let Some(r) = r else {
                assert!(s.progs[f].is_subprog);
                continue;
            };
            // Function starts in the final stream: the entry program, then each subprogram.
            let mut starts = vec![0usize];
            let mut off = s.progs[f].insns.len();
            for &sub in &r.subprogs {
                starts.push(off);
                off += s.progs[sub].insns.len();
            }
            assert_eq!(off, r.insns.len());
            let names: Vec<&str> = r.subprogs.iter().map(|&i| s.progs[i].name.as_str()).collect();
            assert!(names.contains(&"static_fn") && names.contains(&"global_fn") && names.contains(&"loop_cb"), "{names:?}");
            for (i, insn) in r.insns.iter().enumerate() {
                if insn.is_subprog_call() || insn.is_pseudo_func() {
                    let target = (i as i64 + insn.imm as i64 + 1) as usize;
                    assert!(starts.contains(&target), "insn #{i} targets {target}, not a function start");
                }
                if insn.is_ldimm64() && insn.src_reg() == BPF_PSEUDO_MAP_VALUE {
                    assert!((100..100 + s.maps.len() as i32).contains(&insn.imm));
                }
            }
            // One func_info record per function, in instruction order.
            assert_eq!(r.func_info_cnt() as usize, starts.len());
            let offs: Vec<usize> = r.func_info.chunks(8).map(|c| u32::from_ne_bytes(c[..4].try_into().unwrap()) as usize).collect();
            assert_eq!(offs, starts);
            assert!(r.line_info_cnt() > 0);
        }
    }

    #[test]
    fn uncreated_maps_are_poisoned() {
        let s = spec("globals");
        let out = run(&s, &vec![None; s.maps.len()]);
        let r = out.iter().flatten().next().unwrap();
        let poisoned = r.insns.iter().filter(|i| i.is_call() && i.imm >= POISON_MAP_BASE && i.imm < POISON_MAP_BASE + s.maps.len() as i32).count();
        assert!(poisoned >= 2 && poisoned % 2 == 0);
        assert!(!r.insns.iter().any(|i| i.is_ldimm64() && i.src_reg() == BPF_PSEUDO_MAP_VALUE));
    }

    #[test]
    fn autoload_off_is_skipped() {
        let s = spec("subprogs");
        let funcs: Vec<Vec<Insn>> = s.progs.iter().map(|p| p.insns.clone()).collect();
        let autoload: Vec<bool> = s.progs.iter().map(|p| p.is_subprog || p.name == "on_getpid").collect();
        let fds = vec![Some(3); s.maps.len()];
        let out = relocate(&s, &funcs, &RelocEnv { map_fds: &fds, autoload: &autoload, core_poison: &[] }).unwrap();
        let loaded: Vec<&str> = out.iter().enumerate().filter(|(_, r)| r.is_some()).map(|(i, _)| s.progs[i].name.as_str()).collect();
        assert_eq!(loaded, ["on_getpid"]);
    }
}
