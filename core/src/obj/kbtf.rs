//! The loader's uses of kernel BTF through the BTF engine (`crate::btf`): CO-RE against
//! a target BTF, and kernel BTF ids for BTF-attached programs. Reads files, makes no
//! syscalls.

use super::btfview::CoreRelo;
use super::Insn;
use crate::btf::core::CoreRelocator;
use crate::btf::Btf;
use crate::{bail, Error, Result};
use std::sync::Arc;

/// BPF_CORE_TYPE_ID_LOCAL: resolved without a candidate search.
const TYPE_ID_LOCAL: u32 = 6;

/// Apply every CO-RE record of `spec` to `funcs` (each function's instructions),
/// against `btf_custom_path` if given, else vmlinux BTF (loaded only here, i.e. only
/// for objects that have CO-RE records).
pub fn apply_core(spec: &super::ObjectSpec, local: &Btf, funcs: &mut [Vec<Insn>], autoload: &[bool], custom_path: Option<&str>) -> Result<Vec<crate::reloc::CorePoison>> {
    let target = match custom_path {
        Some(p) => Arc::new(Btf::from_file(p).map_err(|e| Error::new(e.errno(), format!("failed to parse target BTF: {}", e.message())))?),
        None => Btf::vmlinux().map_err(|e| Error::new(e.errno(), format!("failed to find valid kernel BTF: {}", e.message())))?,
    };
    let mut engine = CoreRelocator::new(local, vec![target]);
    if custom_path.is_none() {
        // Module BTFs only when vmlinux has no candidate for some type (libbpf's rule),
        // and only then read.
        engine = engine.with_lazy_modules(Box::new(|| match Btf::kernel_modules() {
            Ok(m) => m.iter().map(|(_, b)| b.clone()).collect(),
            Err(e) => {
                crate::warn!("failed to load kernel module BTFs: {}", e.message());
                Vec::new()
            }
        }));
    }
    // Every candidate search of the object in one pass over the target's types (only for
    // records that will be relocated: programs with autoload off are skipped).
    if let Some(ext) = &spec.btf_ext {
        let mut ids = Vec::new();
        for (sec_name, recs) in &ext.core_relo {
            let Some(sec_idx) = spec.sec_names.iter().position(|n| n == sec_name) else { continue };
            for r in recs.iter().filter(|r| r.kind != TYPE_ID_LOCAL) {
                let p = spec.find_prog_by_sec_insn(sec_idx, r.insn_off as usize / Insn::SIZE);
                if p.is_some_and(|p| autoload.get(p).copied().unwrap_or(false)) {
                    ids.push(r.type_id);
                }
            }
        }
        engine.prefetch(ids);
    }
    crate::reloc::apply_core(spec, funcs, autoload, &mut |name: &str, insns: &mut [Insn], idx: usize, rec: &CoreRelo, _i: usize| {
        let out = engine.relocate(name, insns, idx, rec)?;
        Ok(out.poisoned.then_some(out.local_spec))
    })
}

/// The kernel BTF id an ATTACH_BTF program targets: tp_btf → typedef btf_trace_<name>,
/// fentry/fexit/fmod_ret → FUNC <name>, lsm → FUNC bpf_lsm_<name>, iter → FUNC
/// bpf_iter_<name>.
pub fn vmlinux_attach_btf_id(target: &str, attach_type: u32) -> Result<u32> {
    use crate::btf::Kind;
    use crate::uapi::*;
    let (prefix, kind) = match attach_type {
        BPF_TRACE_RAW_TP => ("btf_trace_", Kind::Typedef),
        BPF_LSM_MAC | BPF_LSM_CGROUP => ("bpf_lsm_", Kind::Func),
        BPF_TRACE_ITER => ("bpf_iter_", Kind::Func),
        _ => ("", Kind::Func),
    };
    let vmlinux = Btf::vmlinux().map_err(|e| Error::new(e.errno(), format!("failed to find valid kernel BTF: {}", e.message())))?;
    let name = format!("{prefix}{target}");
    match vmlinux.find_by_name_kind(&name, kind) {
        Some(id) => Ok(id),
        None => bail!(libc::ESRCH, "failed to find kernel BTF type ID of '{target}'"),
    }
}
