//! The hand-kept attr structs of core/src/sys/attr.rs checked against this kernel's BTF
//! (`union bpf_attr`, `bpf_map_info`, `bpf_prog_info`, `bpf_link_info`,
//! `perf_event_attr`): every field rbpf declares must sit at the kernel's offset, so a
//! stale or mistyped layout fails here rather than as a silent ABI bug.

use rbpf_core::btf::{Btf, Kind};
use rbpf_core::sys::attr::*;
use std::collections::HashMap;
use std::mem::offset_of;

/// name -> byte offset of every named member, anonymous structs/unions flattened.
fn flatten(btf: &Btf, id: u32, base: u32, out: &mut HashMap<String, u32>) {
    let id = btf.skip_mods(id).unwrap();
    let t = btf.type_by_id(id).unwrap();
    for m in t.members() {
        let off = base + m.bit_offset / 8;
        if m.name.is_empty() {
            flatten(btf, m.type_id, off, out);
        } else {
            out.entry(m.name.to_string()).or_insert(off);
        }
    }
}

fn kernel_struct(btf: &Btf, name: &str) -> (HashMap<String, u32>, u32) {
    let id = btf.find_by_name_kind(name, Kind::Struct).unwrap_or_else(|| panic!("struct {name} in vmlinux BTF"));
    let mut m = HashMap::new();
    flatten(btf, id, 0, &mut m);
    (m, btf.type_by_id(id).unwrap().size().unwrap())
}

/// The members of the `union bpf_attr` arm: the named one (`batch`, `test`, ...) or the
/// anonymous struct that has member `key`.
fn attr_arm(btf: &Btf, arm: &str) -> HashMap<String, u32> {
    let uid = btf.find_by_name_kind("bpf_attr", Kind::Union).expect("union bpf_attr");
    for m in btf.type_by_id(uid).unwrap().members() {
        let mut fields = HashMap::new();
        flatten_member(btf, m.type_id, &mut fields);
        if m.name == arm || (m.name.is_empty() && fields.contains_key(arm)) {
            return fields;
        }
    }
    panic!("no bpf_attr arm '{arm}'");
}

fn flatten_member(btf: &Btf, type_id: u32, out: &mut HashMap<String, u32>) {
    flatten(btf, type_id, 0, out);
}

fn check(what: &str, kernel: &HashMap<String, u32>, ours: &[(&str, usize)]) {
    for (name, off) in ours {
        let k = kernel.get(*name).unwrap_or_else(|| panic!("{what}: kernel has no field '{name}' (have {:?})", kernel.keys().collect::<Vec<_>>()));
        assert_eq!(*k as usize, *off, "{what}.{name}: kernel offset {k}, rbpf offset {off}");
    }
}

macro_rules! offs {
    ($t:ty; $($f:ident $(as $k:literal)?),* $(,)?) => {
        [$( (offs!(@name $f $(, $k)?), offset_of!($t, $f)) ),*]
    };
    (@name $f:ident) => { stringify!($f) };
    (@name $f:ident, $k:literal) => { $k };
}

#[test]
fn attr_layouts_match_kernel_btf() {
    let btf = match Btf::vmlinux() {
        Ok(b) => b,
        Err(e) => {
            rbpf_testprogs::skip("attr_layouts_match_kernel_btf", &format!("no vmlinux BTF: {e}"));
            return;
        }
    };
    check("map_create", &attr_arm(&btf, "map_type"), &offs!(MapCreate; map_type, key_size, value_size, max_entries, map_flags, inner_map_fd, numa_node, map_name, map_ifindex, btf_fd, btf_key_type_id, btf_value_type_id, btf_vmlinux_value_type_id, map_extra, value_type_btf_obj_fd, map_token_fd));
    check("map_elem", &attr_arm(&btf, "key"), &offs!(MapElem; map_fd, key, value, flags));
    check("batch", &attr_arm(&btf, "batch"), &offs!(MapBatch; in_batch, out_batch, keys, values, count, map_fd, elem_flags, flags));
    check("prog_load", &attr_arm(&btf, "insn_cnt"), &offs!(ProgLoad; prog_type, insn_cnt, insns, license, log_level, log_size, log_buf, kern_version, prog_flags, prog_name, prog_ifindex, expected_attach_type, prog_btf_fd, func_info_rec_size, func_info, func_info_cnt, line_info_rec_size, line_info, line_info_cnt, attach_btf_id, attach_prog_fd, core_relo_cnt, fd_array, core_relos, core_relo_rec_size, log_true_size, prog_token_fd, fd_array_cnt));
    check("obj_pin", &attr_arm(&btf, "pathname"), &offs!(ObjPin; pathname, bpf_fd, file_flags, path_fd));
    check("prog_attach", &attr_arm(&btf, "attach_bpf_fd"), &offs!(ProgAttach; target_fd, attach_bpf_fd, attach_type, attach_flags, replace_bpf_fd, relative_fd, expected_revision));
    check("test", &attr_arm(&btf, "test"), &offs!(TestRun; prog_fd, retval, data_size_in, data_size_out, data_in, data_out, repeat, duration, ctx_size_in, ctx_size_out, ctx_in, ctx_out, flags, cpu, batch_size));
    check("get_id", &attr_arm(&btf, "next_id"), &offs!(GetId; id as "start_id", next_id, open_flags, token_fd as "fd_by_id_token_fd"));
    check("info", &attr_arm(&btf, "info"), &offs!(InfoByFd; bpf_fd, info_len, info));
    check("raw_tracepoint", &attr_arm(&btf, "raw_tracepoint"), &offs!(RawTracepointOpen; name, prog_fd, cookie));
    check("btf_load", &attr_arm(&btf, "btf_log_buf"), &offs!(BtfLoad; btf, btf_log_buf, btf_size, btf_log_size, btf_log_level, btf_log_true_size, btf_flags, btf_token_fd));
    let lc = attr_arm(&btf, "link_create");
    check("link_create", &lc, &offs!(LinkCreate; prog_fd, target_fd, attach_type, flags));
    // The union starts right after `flags`, at the offset of target_btf_id.
    assert_eq!(lc["target_btf_id"] as usize, offset_of!(LinkCreate, u));
    check("link_update", &attr_arm(&btf, "link_update"), &offs!(LinkUpdate; link_fd, new_prog_fd, flags, old_prog_fd));
    check("link_detach", &attr_arm(&btf, "link_detach"), &offs!(LinkDetach; link_fd));
    check("prog_bind_map", &attr_arm(&btf, "prog_bind_map"), &offs!(ProgBindMap; prog_fd, map_fd, flags));
    check("iter_create", &attr_arm(&btf, "iter_create"), &offs!(IterCreate; link_fd, flags));

    // The union offsets the LinkCreate setters write (relative to the union start).
    let link_create_id = {
        let uid = btf.find_by_name_kind("bpf_attr", Kind::Union).unwrap();
        btf.type_by_id(uid).unwrap().members().find(|m| m.name == "link_create").unwrap().type_id
    };
    let lc_t = btf.type_by_id(btf.skip_mods(link_create_id).unwrap()).unwrap();
    let union_m = lc_t
        .members()
        .find(|m| m.name.is_empty() && btf.type_by_id(btf.skip_mods(m.type_id).unwrap()).unwrap().members().any(|x| x.name == "tracing"))
        .expect("link_create per-type union");
    let sub = |name: &str| -> HashMap<String, u32> {
        let ut = btf.type_by_id(btf.skip_mods(union_m.type_id).unwrap()).unwrap();
        let m = ut.members().find(|m| m.name == name).unwrap_or_else(|| panic!("link_create.{name}"));
        let mut out = HashMap::new();
        flatten(&btf, m.type_id, 0, &mut out);
        out
    };
    assert_eq!(sub("tracing")["cookie"], 8);
    assert_eq!(sub("kprobe_multi")["cookies"], 24);
    assert_eq!(sub("uprobe_multi")["pid"], 40);
    assert_eq!(sub("netfilter")["flags"], 12);
    assert_eq!(sub("tcx")["expected_revision"], 8);

    let (k, size) = kernel_struct(&btf, "bpf_map_info");
    assert!(size as usize >= std::mem::size_of::<BpfMapInfo>());
    check("bpf_map_info", &k, &offs!(BpfMapInfo; map_type as "type", id, key_size, value_size, max_entries, map_flags, name, ifindex, btf_vmlinux_value_type_id, netns_dev, netns_ino, btf_id, btf_key_type_id, btf_value_type_id, btf_vmlinux_id, map_extra));
    let (k, size) = kernel_struct(&btf, "bpf_prog_info");
    assert_eq!(size as usize, std::mem::size_of::<BpfProgInfo>());
    check("bpf_prog_info", &k, &offs!(BpfProgInfo; prog_type as "type", id, tag, jited_prog_len, xlated_prog_len, jited_prog_insns, xlated_prog_insns, load_time, created_by_uid, nr_map_ids, map_ids, name, ifindex, gpl_compatible_bits as "gpl_compatible", netns_dev, netns_ino, nr_jited_ksyms, nr_jited_func_lens, jited_ksyms, jited_func_lens, btf_id, func_info_rec_size, func_info, nr_func_info, nr_line_info, line_info, jited_line_info, nr_jited_line_info, line_info_rec_size, jited_line_info_rec_size, nr_prog_tags, prog_tags, run_time_ns, run_cnt, recursion_misses, verified_insns, attach_btf_obj_id, attach_btf_id));
    let (k, size) = kernel_struct(&btf, "bpf_link_info");
    assert_eq!(size as usize, std::mem::size_of::<BpfLinkInfo>());
    check("bpf_link_info", &k, &offs!(BpfLinkInfo; link_type as "type", id, prog_id));
    let (k, size) = kernel_struct(&btf, "perf_event_attr");
    assert_eq!(size as usize, std::mem::size_of::<PerfEventAttr>());
    check("perf_event_attr", &k, &offs!(PerfEventAttr; type_ as "type", size, config, sample_period, sample_type, read_format, flags as "disabled", wakeup_events, bp_type, config1, config2, branch_sample_type, sample_regs_user, sample_stack_user, clockid, sample_regs_intr, aux_watermark, sample_max_stack, aux_sample_size, aux_action, sig_data, config3));
}
