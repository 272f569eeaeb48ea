//! Unit tests over hand-built BTF and /sys/kernel/btf/vmlinux.

use super::builder::BtfBuilder;
use super::core::{CoreReloKind, CoreRelocator};
use super::ext::{BtfExt, CoreRelo};
use super::value::{decode, describe, encode, Value};
use super::*;
use crate::obj::Insn;
use std::sync::Arc;

const SIGNED: u8 = BTF_INT_SIGNED;

/// A BTF with every kind.
fn sample() -> (Vec<u8>, Vec<u32>) {
    let mut b = BtfBuilder::new();
    let int = b.add_int("int", 4, SIGNED); // 1
    let uint = b.add_int("unsigned int", 4, 0); // 2
    let ch = b.add_int("char", 1, SIGNED); // 3
    let ptr = b.add_ptr(int); // 4
    let arr = b.add_array(ch, int, 16); // 5
    let s = b.add_struct("event", 24, &[("pid", int, 0, 0), ("comm", arr, 32, 0), ("flags", uint, 160, 3), ("mode", uint, 163, 5)]); // 6
    let u = b.add_union("u", 4, &[("i", int, 0, 0), ("x", uint, 0, 0)]); // 7
    let e = b.add_enum("state", 4, true, &[("A", -1), ("B", 2)]); // 8
    let fwd = b.add_fwd("later", true); // 9
    let td = b.add_typedef("u32", uint); // 10
    let vol = b.add_volatile(td); // 11
    let cst = b.add_const(vol); // 12
    let rst = b.add_restrict(ptr); // 13
    let proto = b.add_func_proto(int, &[("a", int), ("b", cst)]); // 14
    let func = b.add_func("f", proto, BTF_FUNC_GLOBAL); // 15
    let var = b.add_var("g", int, BTF_VAR_GLOBAL_ALLOCATED); // 16
    let ds = b.add_datasec(".bss", 4, &[(var, 0, 4)]); // 17
    let fl = b.add_float("double", 8); // 18
    let tag = b.add_decl_tag("tag", s, 1); // 19
    let tt = b.add_type_tag("user", int); // 20
    let e64 = b.add_enum64("big", 8, false, &[("HUGE", 1 << 40)]); // 21
    (b.to_bytes(), vec![int, uint, ch, ptr, arr, s, u, e, fwd, td, vol, cst, rst, proto, func, var, ds, fl, tag, tt, e64])
}

#[test]
fn btf_parses_every_kind() {
    let (bytes, ids) = sample();
    let btf = Btf::from_bytes(bytes).unwrap();
    assert_eq!(btf.type_cnt(), 22);
    assert_eq!(ids, (1..22).collect::<Vec<_>>());
    let kinds: Vec<Kind> = (1..22).map(|i| btf.type_by_id(i).unwrap().kind()).collect();
    use Kind::*;
    assert_eq!(
        kinds,
        vec![
            Int, Int, Int, Ptr, Array, Struct, Union, Enum, Fwd, Typedef, Volatile, Const, Restrict, FuncProto, Func, Var,
            Datasec, Float, DeclTag, TypeTag, Enum64
        ]
    );
    assert_eq!(btf.type_by_id(0).unwrap().kind(), Kind::Void);
    let s = btf.type_by_id(6).unwrap();
    assert_eq!(s.name(), "event");
    assert_eq!(s.size(), Some(24));
    assert!(s.kflag());
    let m: Vec<_> = s.members().map(|m| (m.name, m.type_id, m.bit_offset, m.bitfield_size)).collect();
    assert_eq!(m, vec![("pid", 1, 0, 0), ("comm", 5, 32, 0), ("flags", 2, 160, 3), ("mode", 2, 163, 5)]);
    let i = btf.type_by_id(1).unwrap().int().unwrap();
    assert!(i.is_signed() && i.bits == 32);
    assert_eq!(btf.type_by_id(5).unwrap().array().unwrap().nelems, 16);
    let ev: Vec<_> = btf.type_by_id(8).unwrap().enum_values().map(|v| (v.name, v.as_i64())).collect();
    assert_eq!(ev, vec![("A", -1), ("B", 2)]);
    assert!(btf.type_by_id(9).unwrap().fwd_is_union());
    let p: Vec<_> = btf.type_by_id(14).unwrap().params().map(|p| (p.name, p.type_id)).collect();
    assert_eq!(p, vec![("a", 1), ("b", 12)]);
    assert_eq!(btf.type_by_id(15).unwrap().func_linkage(), Some(BTF_FUNC_GLOBAL));
    assert_eq!(btf.type_by_id(16).unwrap().var_linkage(), Some(BTF_VAR_GLOBAL_ALLOCATED));
    let dv: Vec<_> = btf.type_by_id(17).unwrap().datasec_vars().collect();
    assert_eq!(dv, vec![VarSecInfo { type_id: 16, offset: 0, size: 4 }]);
    assert_eq!(btf.type_by_id(19).unwrap().decl_tag_component_idx(), Some(1));
    let e64: Vec<_> = btf.type_by_id(21).unwrap().enum_values().map(|v| v.value).collect();
    assert_eq!(e64, vec![1 << 40]);
    // Queries.
    assert_eq!(btf.find_by_name("event"), Some(6));
    assert_eq!(btf.find_by_name("void"), Some(0));
    assert_eq!(btf.find_by_name("nope"), None);
    assert_eq!(btf.find_by_name_kind("u32", Kind::Typedef), Some(10));
    assert_eq!(btf.find_by_name_kind("u32", Kind::Struct), None);
    assert_eq!(btf.skip_mods_and_typedefs(12).unwrap(), 2);
    assert_eq!(btf.skip_mods(12).unwrap(), 10);
    assert_eq!(btf.resolve_size(5).unwrap(), 16);
    assert_eq!(btf.resolve_size(12).unwrap(), 4);
    assert_eq!(btf.resolve_size(4).unwrap(), 8);
    assert_eq!(btf.resolve_size(16).unwrap(), 4);
    assert_eq!(btf.resolve_size(14).unwrap_err().errno(), libc::EINVAL);
    assert_eq!(btf.align_of(6).unwrap(), 4);
    assert_eq!(btf.align_of(18).unwrap(), 8);
    assert_eq!(btf.str_by_offset(0).unwrap(), "");
    assert!(btf.str_by_offset(100_000).is_err());
    // Round trip.
    assert_eq!(Btf::from_bytes(btf.to_bytes()).unwrap().raw_bytes(), btf.to_bytes().as_slice());
}

#[test]
fn btf_describe_types() {
    let (bytes, _) = sample();
    let btf = Btf::from_bytes(bytes).unwrap();
    assert_eq!(describe(&btf, 6), "struct event");
    assert_eq!(describe(&btf, 5), "char[16]");
    assert_eq!(describe(&btf, 4), "int *");
    assert_eq!(describe(&btf, 12), "const volatile u32");
    assert_eq!(describe(&btf, 8), "enum state");
    assert_eq!(describe(&btf, 14), "int (int, const volatile u32)");
    assert_eq!(describe(&btf, 0), "void");
    let mut b = BtfBuilder::new();
    let int = b.add_int("int", 4, SIGNED);
    let inner = b.add_array(int, int, 3);
    let outer = b.add_array(inner, int, 2);
    let btf = Btf::from_bytes(b.to_bytes()).unwrap();
    assert_eq!(describe(&btf, outer), "int[2][3]");
}

fn err_of(bytes: Vec<u8>) -> Error {
    Btf::from_bytes(bytes).unwrap_err()
}

#[test]
fn btf_rejects_malformed_headers() {
    let (good, _) = sample();
    let e = err_of(vec![]);
    assert_eq!(e.errno(), libc::EINVAL);
    assert!(e.message().contains("too short"), "{e:?}");
    let mut b = good.clone();
    b[0] = 0;
    assert!(err_of(b).message().contains("magic"));
    let mut b = good.clone();
    b.swap(0, 1);
    assert!(err_of(b).message().contains("big-endian"));
    let mut b = good.clone();
    b[2] = 2;
    assert!(err_of(b).message().contains("version"));
    let mut b = good.clone();
    b[4..8].copy_from_slice(&100_000u32.to_le_bytes());
    assert!(err_of(b).message().contains("header length"));
    let mut b = good.clone();
    b[12..16].copy_from_slice(&100_000u32.to_le_bytes());
    assert!(err_of(b).message().contains("type section"));
    let mut b = good.clone();
    b[20..24].copy_from_slice(&100_000u32.to_le_bytes());
    assert!(err_of(b).message().contains("string section"));
}

#[test]
fn btf_rejects_malformed_types() {
    // Bad string offset.
    let mut b = BtfBuilder::new();
    b.add_raw("", Kind::Ptr, false, 0, 0);
    let mut bytes = b.to_bytes();
    bytes[24..28].copy_from_slice(&5000u32.to_le_bytes());
    let e = err_of(bytes);
    assert_eq!(e.errno(), libc::EINVAL);
    assert!(e.message().contains("bad string offset"), "{e:?}");
    // Type id out of range.
    let mut b = BtfBuilder::new();
    b.add_ptr(7);
    let e = err_of(b.to_bytes());
    assert!(e.message().contains("out of range"), "{e:?}");
    // vlen running past the end.
    let mut b = BtfBuilder::new();
    b.add_raw("s", Kind::Struct, false, 3, 4);
    let e = err_of(b.to_bytes());
    assert!(e.message().contains("vlen 3 runs past"), "{e:?}");
    // Unknown kind.
    let mut b = BtfBuilder::new();
    b.add_ptr(0);
    let mut bytes = b.to_bytes();
    bytes[24 + 7] = 25;
    assert!(err_of(bytes).message().contains("unknown kind"));
    // A name that is not UTF-8: parsing succeeds (strings are checked when read), reading
    // it reports EINVAL, the type view shows "".
    let mut b = BtfBuilder::new();
    let id = b.add_struct("abc", 0, &[]);
    let mut bytes = b.to_bytes();
    let n = bytes.len();
    bytes[n - 3] = 0xff;
    let btf = Btf::from_bytes(bytes).unwrap();
    let t = btf.type_by_id(id).unwrap();
    assert_eq!(t.name(), "");
    assert_eq!(btf.str_by_offset(t.name_off()).unwrap_err().errno(), libc::EINVAL);
    // Bad INT encoding.
    let mut b = BtfBuilder::new();
    b.add_raw("i", Kind::Int, false, 0, 3);
    b.raw_u32(24);
    assert!(err_of(b.to_bytes()).message().contains("INT"));
}

#[test]
fn btf_cycles_do_not_hang() {
    let mut b = BtfBuilder::new();
    b.add_typedef("a", 2); // 1 -> 2
    b.add_typedef("b", 1); // 2 -> 1
    let s = b.add_struct("s", 4, &[("x", 4, 0, 0)]); // 3
    b.add_typedef("t", s); // 4
    let btf = Btf::from_bytes(b.to_bytes()).unwrap();
    assert_eq!(btf.resolve_size(1).unwrap_err().errno(), libc::EINVAL);
    assert!(btf.skip_mods_and_typedefs(1).is_err());
    assert!(btf.resolve_type(2).is_err());
    assert!(btf.align_of(1).is_err());
    assert!(decode(&btf, 1, &[0; 8]).is_err());
    assert!(describe(&btf, 1).len() < 10_000);
    // A struct that contains itself.
    let mut b = BtfBuilder::new();
    let s = b.add_struct("self", 4, &[("me", 1, 0, 0)]);
    let btf = Btf::from_bytes(b.to_bytes()).unwrap();
    assert!(decode(&btf, s, &[0; 4]).is_err());
    assert!(btf.align_of(s).is_err());
}

/// Truncations and byte flips of a valid blob: every outcome is Ok or EINVAL-ish, never
/// a panic; every parsed result can be fully walked.
#[test]
fn btf_fuzz_truncate_and_flip() {
    let (good, _) = sample();
    let walk = |btf: &Btf| {
        for id in 0..btf.type_cnt() + 2 {
            if let Ok(t) = btf.type_by_id(id) {
                let _ = (t.members().count(), t.enum_values().count(), t.params().count(), t.datasec_vars().count());
                let _ = (btf.resolve_size(id), btf.align_of(id), describe(btf, id));
                let _ = decode(btf, id, &[0u8; 64]);
            }
        }
        let _ = btf.find_by_name("event");
    };
    for n in 0..good.len() {
        if let Ok(btf) = Btf::from_bytes(good[..n].to_vec()) {
            walk(&btf);
        }
    }
    let mut seed: u64 = 0x1234_5678;
    for _ in 0..3000 {
        let mut b = good.clone();
        for _ in 0..3 {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let pos = (seed >> 33) as usize % b.len();
            b[pos] ^= (seed >> 20) as u8 | 1;
        }
        match Btf::from_bytes(b) {
            Ok(btf) => walk(&btf),
            Err(e) => assert!(matches!(e.errno(), libc::EINVAL | libc::E2BIG), "{e:?}"),
        }
    }
}

#[test]
fn btf_split() {
    let (bytes, _) = sample();
    let base = Arc::new(Btf::from_bytes(bytes).unwrap());
    let base_str_end = base.raw_bytes().len() as u32 - 24 - u32::from_le_bytes(base.raw_bytes()[12..16].try_into().unwrap());
    let mut b = BtfBuilder::new_split(base.type_cnt(), base_str_end);
    let p = b.add_ptr(6); // points into the base
    let s = b.add_struct("mod_s", 8, &[("e", p, 0, 0)]);
    let split = Btf::from_split_bytes(b.to_bytes(), base.clone()).unwrap();
    assert_eq!(p, 22);
    assert_eq!(split.start_id(), 22);
    assert_eq!(split.type_cnt(), 24);
    assert_eq!(split.type_by_id(s).unwrap().name(), "mod_s");
    assert_eq!(split.type_by_id(6).unwrap().name(), "event");
    assert_eq!(split.find_by_name("event"), Some(6));
    assert_eq!(split.find_by_name("mod_s"), Some(s));
    assert_eq!(split.type_by_id(s).unwrap().members().next().unwrap().name, "e");
    assert_eq!(split.resolve_size(s).unwrap(), 8);
    // A split reference beyond the end is rejected.
    let mut b = BtfBuilder::new_split(base.type_cnt(), base_str_end);
    b.add_ptr(99);
    assert!(Btf::from_split_bytes(b.to_bytes(), base).is_err());
}

#[test]
fn btf_fixup_datasec_and_to_bytes() {
    let mut b = BtfBuilder::new();
    let int = b.add_int("int", 4, SIGNED);
    let ch = b.add_int("char", 1, SIGNED);
    let arr = b.add_array(ch, int, 8);
    let a = b.add_var("a", int, BTF_VAR_GLOBAL_ALLOCATED);
    let s = b.add_var("s", arr, BTF_VAR_STATIC);
    let h = b.add_var("h", int, BTF_VAR_GLOBAL_ALLOCATED);
    let ds = b.add_datasec(".data", 0, &[(a, 0, 4), (s, 4, 8), (h, 0, 4)]);
    let mut btf = Btf::from_bytes(b.to_bytes()).unwrap();
    let id = btf
        .fixup_datasec_syms(".data", 16, |n| match n {
            "a" => Some(VarSym { offset: 12, hidden: false }),
            "h" => Some(VarSym { offset: 0, hidden: true }),
            _ => None,
        })
        .unwrap();
    assert_eq!(id, ds);
    let reparsed = Btf::from_bytes(btf.to_bytes()).unwrap();
    let t = reparsed.type_by_id(ds).unwrap();
    assert_eq!(t.size(), Some(16));
    let v: Vec<_> = t.datasec_vars().map(|v| (v.type_id, v.offset)).collect();
    assert_eq!(v, vec![(h, 0), (s, 4), (a, 12)]);
    assert_eq!(reparsed.type_by_id(h).unwrap().var_linkage(), Some(BTF_VAR_STATIC));
    // Missing symbol for a global var: ENOENT naming it.
    let mut b = BtfBuilder::new();
    let int = b.add_int("int", 4, SIGNED);
    let a = b.add_var("a", int, BTF_VAR_GLOBAL_ALLOCATED);
    b.add_datasec(".bss", 0, &[(a, 0, 4)]);
    let mut btf = Btf::from_bytes(b.to_bytes()).unwrap();
    let e = btf.fixup_datasec(".bss", 4, |_| None).unwrap_err();
    assert_eq!(e.errno(), libc::ENOENT);
    assert!(e.message().contains("'a'"), "{e:?}");
    assert_eq!(btf.fixup_datasec(".nope", 4, |_| None).unwrap_err().errno(), libc::ENOENT);
    // Setters.
    btf.set_var_linkage(a, BTF_VAR_GLOBAL_EXTERN).unwrap();
    assert!(btf.set_var_linkage(int, 0).is_err());
    let ds = btf.find_by_name_kind(".bss", Kind::Datasec).unwrap();
    btf.set_datasec_size(ds, 64).unwrap();
    btf.set_datasec_var(ds, 0, 8, 4).unwrap();
    assert!(btf.set_datasec_var(ds, 1, 8, 4).is_err());
    let t = btf.type_by_id(ds).unwrap();
    assert_eq!((t.size(), t.datasec_vars().next().unwrap().offset), (Some(64), 8));
    // Sanitize with nothing to do is a no-op; type_tag → const keeps the blob valid.
    let (bytes, _) = sample();
    let mut btf = Btf::from_bytes(bytes).unwrap();
    btf.sanitize(&SanitizeOpts::default()).unwrap();
    btf.sanitize(&SanitizeOpts { type_tag: true, decl_tag: true, float: true, func_global: true, enum64: false }).unwrap();
    let again = Btf::from_bytes(btf.to_bytes()).unwrap();
    assert_eq!(again.type_by_id(20).unwrap().kind(), Kind::Const);
    assert_eq!(again.type_by_id(19).unwrap().kind(), Kind::Int);
    assert_eq!(again.type_by_id(18).unwrap().kind(), Kind::Struct);
    assert_eq!(again.type_by_id(15).unwrap().func_linkage(), Some(BTF_FUNC_STATIC));
}

fn ext_blob(btf_strs: &BtfBuilder, sec_off: u32, core_rec_size: u32) -> Vec<u8> {
    let _ = btf_strs;
    let mut w: Vec<u8> = Vec::new();
    let p = |w: &mut Vec<u8>, v: u32| w.extend_from_slice(&v.to_le_bytes());
    // func_info: rec 8, one section with 1 record.
    let mut fi = Vec::new();
    p(&mut fi, 8);
    p(&mut fi, sec_off);
    p(&mut fi, 1);
    p(&mut fi, 0);
    p(&mut fi, 3);
    // line_info: rec 16, 1 record.
    let mut li = Vec::new();
    p(&mut li, 16);
    p(&mut li, sec_off);
    p(&mut li, 1);
    for v in [8, sec_off, sec_off, (42 << 10) | 7] {
        p(&mut li, v);
    }
    // core_relo: rec core_rec_size, 2 records.
    let mut cr = Vec::new();
    p(&mut cr, core_rec_size);
    p(&mut cr, sec_off);
    p(&mut cr, 2);
    for r in [[16u32, 1, sec_off, 0], [24, 2, sec_off, 8]] {
        for v in r {
            p(&mut cr, v);
        }
        for _ in 0..(core_rec_size.saturating_sub(16) / 4) {
            p(&mut cr, 0xffff_ffff);
        }
    }
    w.extend_from_slice(&BTF_MAGIC.to_le_bytes());
    w.push(1);
    w.push(0);
    p(&mut w, 32);
    p(&mut w, 0);
    p(&mut w, fi.len() as u32);
    p(&mut w, fi.len() as u32);
    p(&mut w, li.len() as u32);
    p(&mut w, (fi.len() + li.len()) as u32);
    p(&mut w, cr.len() as u32);
    w.extend_from_slice(&fi);
    w.extend_from_slice(&li);
    w.extend_from_slice(&cr);
    w
}

#[test]
fn btf_ext_parse() {
    let mut b = BtfBuilder::new();
    let sec_off = b.add_str("tp/foo");
    b.add_int("int", 4, SIGNED);
    let btf = Btf::from_bytes(b.to_bytes()).unwrap();
    for rec in [16, 20] {
        let ext = BtfExt::parse(&ext_blob(&b, sec_off, rec), &btf).unwrap();
        assert_eq!(ext.func_info.len(), 1);
        assert_eq!(ext.func_info[0].sec_name, "tp/foo");
        assert_eq!(ext.func_info[0].records, vec![FuncInfo { insn_off: 0, type_id: 3 }]);
        let li = ext.line_info_for("tp/foo").unwrap().records[0];
        assert_eq!((li.insn_off, li.line(), li.col()), (8, 42, 7));
        assert_eq!(ext.core_relo_rec_size, rec);
        assert_eq!(
            ext.core_relo_for("tp/foo").unwrap().records,
            vec![
                CoreRelo { insn_off: 16, type_id: 1, access_str_off: sec_off, kind: 0 },
                CoreRelo { insn_off: 24, type_id: 2, access_str_off: sec_off, kind: 8 }
            ]
        );
    }
    // Smaller record than known: EINVAL.
    let e = BtfExt::parse(&ext_blob(&b, sec_off, 12), &btf).unwrap_err();
    assert_eq!(e.errno(), libc::EINVAL);
    assert!(e.message().contains("record size"), "{e:?}");
    // Bad section name offset, truncation.
    assert!(BtfExt::parse(&ext_blob(&b, 9999, 16), &btf).is_err());
    let good = ext_blob(&b, sec_off, 16);
    for n in 0..good.len() {
        assert_eq!(BtfExt::parse(&good[..n], &btf).unwrap_err().errno(), libc::EINVAL, "len {n}");
    }
    // Byte flips: Ok or EINVAL, never a panic.
    let mut seed: u64 = 7;
    for _ in 0..3000 {
        let mut x = good.clone();
        for _ in 0..2 {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let pos = (seed >> 33) as usize % x.len();
            x[pos] ^= (seed >> 20) as u8 | 1;
        }
        if let Err(e) = BtfExt::parse(&x, &btf) {
            assert_eq!(e.errno(), libc::EINVAL, "{e:?}");
        }
    }
}

#[test]
fn btf_value_roundtrip() {
    let (bytes, _) = sample();
    let btf = Btf::from_bytes(bytes).unwrap();
    let mut raw = vec![0u8; 24];
    raw[0..4].copy_from_slice(&(-5i32).to_le_bytes());
    raw[4..9].copy_from_slice(b"bash\0");
    // flags (3 bits at 160) = 5, mode (5 bits at 163) = 17.
    raw[20] = 5 | (17 << 3);
    let v = decode(&btf, 6, &raw).unwrap();
    let mut comm = b"bash".to_vec();
    comm.resize(16, 0);
    assert_eq!(
        v,
        Value::Struct(vec![
            ("pid".into(), Value::Int(-5)),
            ("comm".into(), Value::Bytes(comm)),
            ("flags".into(), Value::Uint(5)),
            ("mode".into(), Value::Uint(17)),
        ])
    );
    let mut out = vec![0u8; 24];
    encode(&btf, 6, &v, &mut out).unwrap();
    assert_eq!(out, raw);
    // Subset, padding, ranges.
    let mut out = raw.clone();
    encode(&btf, 6, &Value::Struct(vec![("mode".into(), Value::Uint(3)), ("comm".into(), Value::Bytes(b"sh".to_vec()))]), &mut out).unwrap();
    assert_eq!(&out[4..8], b"sh\0\0");
    assert_eq!(out[20], 5 | (3 << 3));
    assert_eq!(out[0..4], raw[0..4]);
    let e = encode(&btf, 6, &Value::Struct(vec![("mode".into(), Value::Uint(32))]), &mut out).unwrap_err();
    assert_eq!(e.errno(), libc::ERANGE);
    let e = encode(&btf, 6, &Value::Struct(vec![("nope".into(), Value::Uint(1))]), &mut out).unwrap_err();
    assert_eq!(e.errno(), libc::EINVAL);
    let e = encode(&btf, 5, &Value::Bytes(vec![1; 17]), &mut [0u8; 16]).unwrap_err();
    assert_eq!(e.errno(), libc::EINVAL);
    assert_eq!(encode(&btf, 1, &Value::Int(1 << 31), &mut [0u8; 4]).unwrap_err().errno(), libc::ERANGE);
    assert_eq!(encode(&btf, 2, &Value::Int(-1), &mut [0u8; 4]).unwrap_err().errno(), libc::ERANGE);
    assert_eq!(encode(&btf, 1, &Value::Int(1), &mut [0u8; 8]).unwrap_err().errno(), libc::EINVAL);
    // Typedef/const/volatile chain, enum, float, ptr, union, enum64, datasec.
    let mut o = [0u8; 4];
    encode(&btf, 12, &Value::Uint(0xdead_beef), &mut o).unwrap();
    assert_eq!(decode(&btf, 12, &o).unwrap(), Value::Uint(0xdead_beef));
    encode(&btf, 8, &Value::Int(-1), &mut o).unwrap();
    assert_eq!(decode(&btf, 8, &o).unwrap(), Value::Int(-1));
    let mut o8 = [0u8; 8];
    encode(&btf, 18, &Value::Float(1.5), &mut o8).unwrap();
    assert_eq!(decode(&btf, 18, &o8).unwrap(), Value::Float(1.5));
    encode(&btf, 4, &Value::Uint(0x1000), &mut o8).unwrap();
    assert_eq!(decode(&btf, 4, &o8).unwrap(), Value::Uint(0x1000));
    encode(&btf, 21, &Value::Uint(1 << 40), &mut o8).unwrap();
    assert_eq!(decode(&btf, 21, &o8).unwrap(), Value::Uint(1 << 40));
    assert_eq!(
        decode(&btf, 7, &(-2i32).to_le_bytes()).unwrap(),
        Value::Struct(vec![("i".into(), Value::Int(-2)), ("x".into(), Value::Uint(0xffff_fffe))])
    );
    assert_eq!(decode(&btf, 17, &7i32.to_le_bytes()).unwrap(), Value::Struct(vec![("g".into(), Value::Int(7))]));
    let mut o = [0u8; 4];
    encode(&btf, 17, &Value::Struct(vec![("g".into(), Value::Int(9))]), &mut o).unwrap();
    assert_eq!(o, 9i32.to_le_bytes());
    assert_eq!(decode(&btf, 6, &[0u8; 8]).unwrap_err().errno(), libc::EINVAL);
}

#[test]
fn btf_find_by_c_name_and_int_widths() {
    let (bytes, _) = sample();
    let btf = Btf::from_bytes(bytes).unwrap();
    assert_eq!(btf.find_by_c_name("struct event"), Some(6));
    assert_eq!(btf.find_by_c_name("  union   u "), Some(7));
    assert_eq!(btf.find_by_c_name("enum state"), Some(8));
    assert_eq!(btf.find_by_c_name("enum big"), Some(21));
    assert_eq!(btf.find_by_c_name("u32"), Some(10));
    assert_eq!(btf.find_by_c_name("struct u32"), None);
    assert_eq!(btf.find_by_c_name("struct"), None);
    assert_eq!(btf.find_by_c_name("a b c"), None);
    assert_eq!(
        super::value::int_widths(&btf, 6).unwrap(),
        Value::Struct(vec![
            ("pid".into(), Value::Uint(32)),
            ("comm".into(), Value::Bytes(vec![0; 16])),
            ("flags".into(), Value::Uint(3)),
            ("mode".into(), Value::Uint(5)),
        ])
    );
    assert_eq!(super::value::int_widths(&btf, 21).unwrap(), Value::Uint(64));
    assert_eq!(super::value::int_widths(&btf, 4).unwrap(), Value::Uint(64));
    assert_eq!(super::value::int_widths(&btf, 18).unwrap(), Value::Float(0.0));
}

#[test]
fn btf_value_anonymous_members_and_arrays() {
    let mut b = BtfBuilder::new();
    let int = b.add_int("int", 4, SIGNED);
    let u8t = b.add_int("unsigned char", 1, 0);
    let bytes = b.add_typedef("__u8", u8t);
    let bool_t = b.add_int("_Bool", 1, BTF_INT_BOOL);
    let anon_u = b.add_union("", 4, &[("a", int, 0, 0), ("b", int, 0, 0)]);
    let arr = b.add_array(int, int, 2);
    let barr = b.add_array(bytes, int, 3);
    let s = b.add_struct("outer", 20, &[("", anon_u, 0, 0), ("xs", arr, 32, 0), ("raw", barr, 96, 0), ("ok", bool_t, 128, 0)]);
    let btf = Btf::from_bytes(b.to_bytes()).unwrap();
    let mut data = vec![0u8; 20];
    data[0] = 1;
    data[4] = 2;
    data[8] = 3;
    data[12..15].copy_from_slice(&[9, 8, 7]);
    data[16] = 1;
    let v = decode(&btf, s, &data).unwrap();
    assert_eq!(
        v,
        Value::Struct(vec![
            ("a".into(), Value::Int(1)),
            ("b".into(), Value::Int(1)),
            ("xs".into(), Value::Array(vec![Value::Int(2), Value::Int(3)])),
            ("raw".into(), Value::Bytes(vec![9, 8, 7])),
            ("ok".into(), Value::Bool(true)),
        ])
    );
    let mut out = vec![0u8; 20];
    encode(&btf, s, &v, &mut out).unwrap();
    assert_eq!(out, data);
    encode(&btf, s, &Value::Struct(vec![("b".into(), Value::Int(5)), ("xs".into(), Value::Array(vec![Value::Int(6)]))]), &mut out).unwrap();
    assert_eq!((out[0], out[4], out[8]), (5, 6, 3));
    assert!(encode(&btf, s, &Value::Struct(vec![("xs".into(), Value::Array(vec![Value::Int(0); 3]))]), &mut out).is_err());
}

// ---------------------------------------------------------------- CO-RE

fn ldx(off: i16, size: u8) -> Insn {
    Insn { code: crate::uapi::BPF_LDX | crate::uapi::BPF_MEM | size, regs: 0x12, off, imm: 0 }
}
fn mov_imm(imm: i32) -> Insn {
    Insn { code: crate::uapi::BPF_ALU64 | crate::uapi::BPF_MOV | crate::uapi::BPF_K, regs: 1, off: 0, imm }
}

struct Pair {
    local: Btf,
    target: Arc<Btf>,
}

/// local: struct task { int pid; int tgid; unsigned int flags:4; struct sub s; int arr[4]; enum e; } (flavored name)
/// target: pid moved, tgid renamed away, arr bigger, sub nested anonymously.
fn core_pair() -> (Pair, Vec<u32>) {
    let mut l = BtfBuilder::new();
    let int = l.add_int("int", 4, SIGNED); // 1
    let uint = l.add_int("unsigned int", 4, 0); // 2
    let sub = l.add_struct("sub", 8, &[("x", int, 0, 0), ("y", int, 32, 0)]); // 3
    let arr = l.add_array(int, int, 4); // 4
    let task = l.add_struct(
        "task___local",
        48,
        &[("pid", int, 0, 0), ("tgid", int, 32, 0), ("flags", uint, 64, 4), ("s", sub, 96, 0), ("arr", arr, 160, 0), ("p", 9, 320, 0)],
    ); // 5
    let en = l.add_enum("color", 4, false, &[("RED", 0), ("BLUE", 1), ("GONE", 7)]); // 6
    let ptr = l.add_ptr(task); // 7
    let missing = l.add_struct("nothere", 4, &[("z", int, 0, 0)]); // 8
    let lptr = l.add_ptr(int); // 9
    let s_0 = l.add_str("0");
    let _ = (ptr, en, missing, lptr, s_0);
    for s in ["0:0", "0:1", "0:2", "0:3:1", "0:4:2", "0:4", "0:5", "1", "2"] {
        l.add_str(s);
    }
    let mut t = BtfBuilder::new();
    let tint = t.add_int("int", 4, SIGNED); // 1
    let tlong = t.add_int("long", 8, SIGNED); // 2
    let tuint = t.add_int("unsigned int", 4, 0); // 3
    let tsub = t.add_struct("sub", 8, &[("y", tint, 0, 0), ("x", tint, 32, 0)]); // 4
    let anon = t.add_struct("", 8, &[("s", tsub, 0, 0)]); // 5
    let tarr = t.add_array(tint, tint, 8); // 6
    let tptr = t.add_ptr(tlong); // 7
    let ttask = t.add_struct(
        "task",
        96,
        &[("p", tptr, 0, 0), ("flags", tuint, 68, 4), ("pid", tint, 128, 0), ("", anon, 192, 0), ("arr", tarr, 320, 0)],
    ); // 8
    let ten = t.add_enum("color", 4, false, &[("BLUE", 10), ("RED", 20)]); // 9
    let _ = (ttask, ten);
    (Pair { local: Btf::from_bytes(l.to_bytes()).unwrap(), target: Arc::new(Btf::from_bytes(t.to_bytes()).unwrap()) }, vec![task])
}

fn relo(local: &Btf, type_id: u32, access: &str, kind: CoreReloKind) -> CoreRelo {
    let off = find_str(local, access);
    CoreRelo { insn_off: 0, type_id, access_str_off: off, kind: kind as u32 }
}

fn find_str(btf: &Btf, s: &str) -> u32 {
    let b = btf.raw_bytes();
    let str_off = 24 + u32::from_le_bytes(b[16..20].try_into().unwrap()) as usize;
    let strs = &b[str_off..];
    let mut off = 0;
    for part in strs.split(|&c| c == 0) {
        if part == s.as_bytes() {
            return off as u32;
        }
        off += part.len() + 1;
    }
    panic!("string {s} not in BTF");
}

#[test]
fn btf_core_field_relocations() {
    let (p, ids) = core_pair();
    let task = ids[0];
    let mut r = CoreRelocator::new(&p.local, vec![p.target.clone()]);
    use CoreReloKind::*;
    // pid: offset 0 -> 16.
    let mut insns = vec![ldx(0, crate::uapi::BPF_W)];
    let o = r.relocate("prog", &mut insns, 0, &relo(&p.local, task, "0:0", FieldByteOffset)).unwrap();
    assert_eq!((o.orig_val, o.new_val, o.poisoned), (0, 16, false));
    assert_eq!(insns[0].off, 16);
    assert_eq!(o.local_spec, "<byte_off> [5] struct task___local.pid (0:0 @ offset 0)");
    assert_eq!(o.target_spec.as_deref(), Some("<byte_off> [8] struct task.pid (0:2 @ offset 16)"));
    // tgid is gone: byte_off poisons, exists gives 0.
    let mut insns = vec![ldx(4, crate::uapi::BPF_W)];
    let o = r.relocate("prog", &mut insns, 0, &relo(&p.local, task, "0:1", FieldByteOffset)).unwrap();
    assert!(o.poisoned);
    assert_eq!((insns[0].code, insns[0].imm), (crate::uapi::BPF_JMP | crate::uapi::BPF_CALL, crate::uapi::POISON_CORE_RELO));
    let mut insns = vec![mov_imm(1)];
    r.relocate("prog", &mut insns, 0, &relo(&p.local, task, "0:1", FieldExists)).unwrap();
    assert_eq!(insns[0].imm, 0);
    let mut insns = vec![mov_imm(1)];
    r.relocate("prog", &mut insns, 0, &relo(&p.local, task, "0:0", FieldExists)).unwrap();
    assert_eq!(insns[0].imm, 1);
    // Nested through an anonymous struct: s.y at 0:3:1 -> target 24 + 0.
    let mut insns = vec![mov_imm(16)];
    let o = r.relocate("prog", &mut insns, 0, &relo(&p.local, task, "0:3:1", FieldByteOffset)).unwrap();
    assert_eq!(insns[0].imm, 24, "{o:?}");
    assert_eq!(o.target_spec.as_deref(), Some("<byte_off> [8] struct task.s.y (0:3:0:0 @ offset 24)"));
    // Array element: arr[2] at 20+8=28 -> 40+8=48; size 4.
    let mut insns = vec![mov_imm(28)];
    r.relocate("prog", &mut insns, 0, &relo(&p.local, task, "0:4:2", FieldByteOffset)).unwrap();
    assert_eq!(insns[0].imm, 48);
    let mut insns = vec![mov_imm(16)];
    r.relocate("prog", &mut insns, 0, &relo(&p.local, task, "0:4", FieldByteSize)).unwrap();
    assert_eq!(insns[0].imm, 32);
    // Bitfield: flags:4 at bit 64 -> bit 68 in a 4-byte unit.
    let mut insns = vec![mov_imm(8)];
    r.relocate("prog", &mut insns, 0, &relo(&p.local, task, "0:2", FieldByteOffset)).unwrap();
    assert_eq!(insns[0].imm, 8);
    let mut insns = vec![mov_imm(0)];
    r.relocate("prog", &mut insns, 0, &relo(&p.local, task, "0:2", FieldLshiftU64)).unwrap();
    assert_eq!(insns[0].imm, 64 - (68 + 4 - 64));
    let mut insns = vec![mov_imm(60)];
    r.relocate("prog", &mut insns, 0, &relo(&p.local, task, "0:2", FieldRshiftU64)).unwrap();
    assert_eq!(insns[0].imm, 60);
    let mut insns = vec![mov_imm(0)];
    r.relocate("prog", &mut insns, 0, &relo(&p.local, task, "0:2", FieldSigned)).unwrap();
    assert_eq!(insns[0].imm, 0);
    let mut insns = vec![mov_imm(1)];
    r.relocate("prog", &mut insns, 0, &relo(&p.local, task, "0:0", FieldSigned)).unwrap();
    assert_eq!(insns[0].imm, 1);
    // Pointer field: int * -> long *, sizes equal (8); field p at 40 -> 0.
    let mut insns = vec![ldx(40, crate::uapi::BPF_DW)];
    r.relocate("prog", &mut insns, 0, &relo(&p.local, task, "0:5", FieldByteOffset)).unwrap();
    assert_eq!(insns[0].off, 0);
    // Validation of the original value.
    let mut insns = vec![ldx(3, crate::uapi::BPF_W)];
    let e = r.relocate("prog", &mut insns, 0, &relo(&p.local, task, "0:0", FieldByteOffset)).unwrap_err();
    assert_eq!(e.errno(), libc::EINVAL);
    assert!(e.message().contains("prog 'prog'") && e.message().contains("unexpected insn #0"), "{e:?}");
    // ldimm64 both halves.
    let mut insns = vec![
        Insn { code: crate::uapi::BPF_LD | crate::uapi::BPF_IMM | crate::uapi::BPF_DW, regs: 1, off: 0, imm: 0 },
        Insn::default(),
    ];
    r.relocate("prog", &mut insns, 0, &relo(&p.local, task, "0:0", FieldByteOffset)).unwrap();
    assert_eq!((insns[0].imm, insns[1].imm), (16, 0));
    let mut insns = vec![
        Insn { code: crate::uapi::BPF_LD | crate::uapi::BPF_IMM | crate::uapi::BPF_DW, regs: 1, off: 0, imm: 4 },
        Insn::default(),
    ];
    r.relocate("prog", &mut insns, 0, &relo(&p.local, task, "0:1", FieldByteOffset)).unwrap();
    assert_eq!((insns[0].imm, insns[1].imm), (crate::uapi::POISON_CORE_RELO, crate::uapi::POISON_CORE_RELO));
    // Out-of-range access string.
    let e = r.relocate("prog", &mut [mov_imm(0)], 0, &relo(&p.local, task, "1", TypeExists)).unwrap_err();
    assert_eq!(e.errno(), libc::EINVAL);
}

#[test]
fn btf_core_type_and_enum_relocations() {
    let (p, ids) = core_pair();
    let task = ids[0];
    let mut r = CoreRelocator::new(&p.local, vec![p.target.clone()]);
    use CoreReloKind::*;
    let one = |r: &mut CoreRelocator, id: u32, acc: &str, k: CoreReloKind, imm: i32| -> i32 {
        let mut insns = vec![mov_imm(imm)];
        r.relocate("p", &mut insns, 0, &relo(&p.local, id, acc, k)).unwrap();
        insns[0].imm
    };
    assert_eq!(one(&mut r, task, "0", TypeExists, 1), 1);
    assert_eq!(one(&mut r, task, "0", TypeSize, 48), 96);
    assert_eq!(one(&mut r, task, "0", TypeIdTarget, 5), 8);
    assert_eq!(one(&mut r, task, "0", TypeIdLocal, 0), 5);
    assert_eq!(one(&mut r, 8, "0", TypeExists, 1), 0);
    assert_eq!(one(&mut r, 8, "0", TypeSize, 4), 0);
    assert_eq!(one(&mut r, 8, "0", TypeMatches, 1), 0);
    // Enum: RED 0 -> 20, BLUE 1 -> 10, GONE missing.
    assert_eq!(one(&mut r, 6, "0", EnumvalValue, 0), 20);
    assert_eq!(one(&mut r, 6, "1", EnumvalValue, 1), 10);
    assert_eq!(one(&mut r, 6, "2", EnumvalExists, 1), 0);
    assert_eq!(one(&mut r, 6, "1", EnumvalExists, 1), 1);
    let mut insns = vec![mov_imm(7)];
    let o = r.relocate("p", &mut insns, 0, &relo(&p.local, 6, "2", EnumvalValue)).unwrap();
    assert!(o.poisoned);
    // TYPE_MATCHES: the target struct has all local members by name? tgid missing → 0.
    assert_eq!(one(&mut r, task, "0", TypeMatches, 1), 0);
    // enum local {RED, BLUE, GONE} vs target {BLUE, RED}: GONE missing → no match.
    assert_eq!(one(&mut r, 6, "0", TypeMatches, 1), 0);
    // Unknown kind.
    let mut insns = vec![mov_imm(0)];
    let rr = CoreRelo { insn_off: 0, type_id: task, access_str_off: find_str(&p.local, "0"), kind: 99 };
    assert_eq!(r.relocate("p", &mut insns, 0, &rr).unwrap_err().errno(), libc::EOPNOTSUPP);
}

#[test]
fn btf_core_type_matches_and_ambiguity() {
    use CoreReloKind::*;
    let mut l = BtfBuilder::new();
    let int = l.add_int("int", 4, SIGNED);
    let s = l.add_struct("pair", 8, &[("a", int, 0, 0), ("b", int, 32, 0)]);
    l.add_str("0");
    l.add_str("0:1");
    let local = Btf::from_bytes(l.to_bytes()).unwrap();
    // Two flavors in the target: compatible offsets → ok; different → ambiguity.
    let mk = |boff: u32| {
        let mut t = BtfBuilder::new();
        let int = t.add_int("int", 4, SIGNED);
        t.add_struct("pair", 8, &[("a", int, 0, 0), ("b", int, 32, 0), ("c", int, 32, 0)]);
        t.add_struct("pair___v2", 12, &[("b", int, boff, 0)]);
        Arc::new(Btf::from_bytes(t.to_bytes()).unwrap())
    };
    let mut r = CoreRelocator::new(&local, vec![mk(32)]);
    let mut insns = vec![mov_imm(4)];
    r.relocate("p", &mut insns, 0, &relo(&local, s, "0:1", FieldByteOffset)).unwrap();
    assert_eq!(insns[0].imm, 4);
    let mut insns = vec![mov_imm(1)];
    r.relocate("p", &mut insns, 0, &relo(&local, s, "0", TypeMatches)).unwrap();
    assert_eq!(insns[0].imm, 1);
    let mut r = CoreRelocator::new(&local, vec![mk(64)]);
    let mut insns = vec![mov_imm(4)];
    let e = r.relocate("p", &mut insns, 0, &relo(&local, s, "0:1", FieldByteOffset)).unwrap_err();
    assert_eq!(e.errno(), libc::EINVAL);
    assert!(e.message().contains("field offset ambiguity"), "{e:?}");
    // Module fallback: primary has no candidate → the second target is searched.
    let mut t = BtfBuilder::new();
    t.add_int("int", 4, SIGNED);
    let primary = Arc::new(Btf::from_bytes(t.to_bytes()).unwrap());
    let base_str_end = primary.raw_bytes().len() as u32 - 24 - u32::from_le_bytes(primary.raw_bytes()[12..16].try_into().unwrap());
    let mut m = BtfBuilder::new_split(primary.type_cnt(), base_str_end);
    m.add_struct("pair", 8, &[("b", 1, 0, 0)]);
    let module = Arc::new(Btf::from_split_bytes(m.to_bytes(), primary.clone()).unwrap());
    let mut r = CoreRelocator::new(&local, vec![primary, module]);
    let mut insns = vec![mov_imm(4)];
    let o = r.relocate("p", &mut insns, 0, &relo(&local, s, "0:1", FieldByteOffset)).unwrap();
    assert_eq!((insns[0].imm, o.target_btf), (0, Some(1)));
}

#[test]
fn btf_core_memsz_adjust() {
    use CoreReloKind::*;
    let mut l = BtfBuilder::new();
    let u64t = l.add_int("unsigned long", 8, 0);
    let s64t = l.add_int("long", 8, SIGNED);
    let s = l.add_struct("m", 16, &[("u", u64t, 0, 0), ("s", s64t, 64, 0)]);
    l.add_str("0:0");
    l.add_str("0:1");
    let local = Btf::from_bytes(l.to_bytes()).unwrap();
    let mut t = BtfBuilder::new();
    let u32t = t.add_int("unsigned int", 4, 0);
    let s32t = t.add_int("int", 4, SIGNED);
    t.add_struct("m", 8, &[("u", u32t, 0, 0), ("s", s32t, 32, 0)]);
    let target = Arc::new(Btf::from_bytes(t.to_bytes()).unwrap());
    let mut r = CoreRelocator::new(&local, vec![target]);
    let mut insns = vec![ldx(0, crate::uapi::BPF_DW)];
    let o = r.relocate("p", &mut insns, 0, &relo(&local, s, "0:0", FieldByteOffset)).unwrap();
    assert_eq!(insns[0].code, crate::uapi::BPF_LDX | crate::uapi::BPF_MEM | crate::uapi::BPF_W);
    assert_eq!(o.mem_size, Some((8, 4)));
    // Signed size change is not safe: poisoned.
    let mut insns = vec![ldx(8, crate::uapi::BPF_DW)];
    let o = r.relocate("p", &mut insns, 0, &relo(&local, s, "0:1", FieldByteOffset)).unwrap();
    assert!(o.poisoned);
}

// ---------------------------------------------------------------- vmlinux

fn vmlinux_or_skip() -> Option<Arc<Btf>> {
    match Btf::vmlinux() {
        Ok(b) => Some(b),
        Err(e) => {
            rbpf_testprogs::skip("", &format!("no kernel BTF: {e}"));
            None
        }
    }
}

#[test]
fn btf_vmlinux_task_struct() {
    let Some(v) = vmlinux_or_skip() else { return };
    assert!(v.type_cnt() > 10_000);
    let id = v.find_by_name_kind("task_struct", Kind::Struct).unwrap();
    let t = v.type_by_id(id).unwrap();
    assert_eq!(t.kind(), Kind::Struct);
    let tgid = t.members().find(|m| m.name == "tgid").unwrap();
    assert_eq!(v.resolve_size(id).unwrap(), t.size().unwrap());
    // Cross-check with bpftool when present.
    if let Ok(out) = std::process::Command::new("bpftool").args(["btf", "dump", "file", "/sys/kernel/btf/vmlinux", "format", "raw"]).output() {
        let text = String::from_utf8_lossy(&out.stdout);
        let hdr = format!("[{id}] STRUCT 'task_struct' size={}", t.size().unwrap());
        let pos = text.find(&hdr).unwrap_or_else(|| panic!("bpftool disagrees: {hdr}"));
        let line = format!("'tgid' type_id={} bits_offset={}", tgid.type_id, tgid.bit_offset);
        assert!(text[pos..].lines().take(t.vlen() as usize + 1).any(|l| l.trim() == line), "bpftool: {line}");
        let count = text.lines().filter(|l| l.starts_with('[')).count() as u32;
        assert_eq!(count + 1, v.type_cnt());
    }
    // Every type decodes and every name resolves: walk everything once.
    let mut n = 0;
    for t in v.types() {
        n += t.members().count() + t.enum_values().count() + t.params().count();
    }
    assert!(n > 100_000);
    assert_eq!(v.find_by_essential_name("task_struct___mine"), vec![id]);
    // CO-RE against vmlinux: task_struct.tgid.
    let mut l = BtfBuilder::new();
    let int = l.add_int("int", 4, SIGNED);
    let ls = l.add_struct("task_struct___x", 8, &[("pid", int, 0, 0), ("tgid", int, 32, 0)]);
    l.add_str("0:1");
    let local = Btf::from_bytes(l.to_bytes()).unwrap();
    let mut r = CoreRelocator::new(&local, vec![v.clone()]);
    let mut insns = vec![ldx(4, crate::uapi::BPF_W)];
    let o = r.relocate("p", &mut insns, 0, &relo(&local, ls, "0:1", CoreReloKind::FieldByteOffset)).unwrap();
    assert_eq!(insns[0].off as u32, tgid.bit_offset / 8);
    let idx = t.members().position(|m| m.name == "tgid").unwrap();
    assert_eq!(
        o.target_spec.unwrap(),
        format!("<byte_off> [{id}] struct task_struct.tgid (0:{idx} @ offset {})", tgid.bit_offset / 8)
    );
}

#[test]
fn btf_vmlinux_flush_and_value() {
    let Some(v) = vmlinux_or_skip() else { return };
    // Only this test flushes, so two calls here share one parse.
    assert!(Arc::ptr_eq(&v, &Btf::vmlinux().unwrap()));
    let mods = Btf::kernel_modules().unwrap();
    for (name, m) in mods.iter() {
        assert!(m.start_id() > 1, "{name} is split BTF");
    }
    flush_vmlinux_cache();
    let w = Btf::vmlinux().unwrap();
    assert!(!Arc::ptr_eq(&v, &w));
    let id = w.find_by_name_kind("timespec64", Kind::Struct).unwrap();
    assert_eq!(describe(&w, id), "struct timespec64");
    let mut buf = vec![0u8; w.resolve_size(id).unwrap() as usize];
    encode(&w, id, &Value::Struct(vec![("tv_sec".into(), Value::Int(5)), ("tv_nsec".into(), Value::Int(6))]), &mut buf).unwrap();
    assert_eq!(
        decode(&w, id, &buf).unwrap(),
        Value::Struct(vec![("tv_sec".into(), Value::Int(5)), ("tv_nsec".into(), Value::Int(6))])
    );
}

/// The repo's CO-RE object: its .BTF/.BTF.ext parse, and every relocation applies
/// against vmlinux with the offsets vmlinux gives.
#[test]
fn btf_minimal_core_object() {
    use object::{Object, ObjectSection};
    let Some(v) = vmlinux_or_skip() else { return };
    let path = rbpf_testprogs::object_path("minimal_core");
    let data = match std::fs::read(&path) {
        Ok(d) => d,
        Err(e) => {
            rbpf_testprogs::skip("", &format!("{}: {e}", path.display()));
            return;
        }
    };
    let local = Btf::from_file(&path).unwrap();
    let file = object::File::parse(&*data).unwrap();
    let ext = BtfExt::parse(file.section_by_name(".BTF.ext").unwrap().data().unwrap(), &local).unwrap();
    let sec = ext.core_relo_for("tp/syscalls/sys_enter_getpid").expect("core relos for the tp section");
    assert!(sec.records.len() >= 6, "{:?}", sec.records);
    let code = file.section_by_name("tp/syscalls/sys_enter_getpid").unwrap().data().unwrap().to_vec();
    let mut insns = Insn::from_le_bytes(&code);
    let mut r = CoreRelocator::new(&local, vec![v.clone()]);
    let task = v.type_by_id(v.find_by_name_kind("task_struct", Kind::Struct).unwrap()).unwrap();
    for (i, rec) in sec.records.iter().enumerate() {
        let o = r.relocate_indexed("read_task", i, &mut insns, rec.insn_off as usize / 8, rec).unwrap();
        assert!(!o.poisoned, "{o:?}");
        let spec = o.target_spec.unwrap();
        if let Some(field) = spec.strip_prefix("<byte_off> ").and_then(|s| s.split(" struct task_struct.").nth(1)) {
            let name = field.split(' ').next().unwrap();
            let m = task.members().find(|m| m.name == name).unwrap();
            assert_eq!(o.new_val, (m.bit_offset / 8) as u64, "{spec}");
        }
    }
}

/// Linear scans (before the name index exists) and the index agree.
#[test]
fn btf_vmlinux_scan_and_index_agree() {
    if vmlinux_or_skip().is_none() {
        return;
    }
    let btf = Btf::from_file("/sys/kernel/btf/vmlinux").unwrap();
    let names = ["task_struct", "sk_buff", "int", "file", "nope", "bpf_prog", "pt_regs", "u32", "__u64", "xdp_md"];
    let kinds = [Kind::Struct, Kind::Typedef, Kind::Func, Kind::Int];
    let before: Vec<_> = names.iter().map(|n| btf.find_by_name(n)).collect();
    let before_k: Vec<_> = names.iter().flat_map(|n| kinds.map(|k| btf.find_by_name_kind(n, k))).collect();
    let ess_before = btf.find_by_essential_name("task_struct___flavor");
    assert!(btf.names.get().is_some(), "the scan budget should have run out");
    let after: Vec<_> = names.iter().map(|n| btf.find_by_name(n)).collect();
    let after_k: Vec<_> = names.iter().flat_map(|n| kinds.map(|k| btf.find_by_name_kind(n, k))).collect();
    assert_eq!(before, after);
    assert_eq!(before_k, after_k);
    assert_eq!(ess_before, btf.find_by_essential_name("task_struct"));
    assert_eq!(before[0], Some(ess_before[0]));
    // Every named type is found by its own name (first of its name in id order).
    let mut seen = std::collections::HashSet::new();
    for t in btf.types() {
        if !t.name().is_empty() && seen.insert(t.name()) {
            assert_eq!(btf.find_by_name(t.name()), Some(t.id()), "{}", t.name());
        }
    }
}

/// Parse time of the kernel BTF and one name lookup (printed; measured properly by the
/// benches): the best of 10 runs, since the machine is shared. Run in release mode with
/// `--nocapture` to see it.
#[test]
fn btf_vmlinux_timing() {
    if vmlinux_or_skip().is_none() {
        return;
    }
    let mut best = [std::time::Duration::MAX; 7];
    let mut cnt = 0;
    for _ in 0..10 {
        let t0 = std::time::Instant::now();
        let bytes = std::fs::read("/sys/kernel/btf/vmlinux").unwrap();
        let t1 = std::time::Instant::now();
        let btf = Btf::from_bytes(bytes).unwrap();
        let t2 = std::time::Instant::now();
        let id = btf.find_by_name("task_struct");
        let t3 = std::time::Instant::now();
        let id2 = btf.find_by_name("sk_buff");
        let t4 = std::time::Instant::now();
        // A miss scans everything; after the scan budget a lookup builds the index.
        assert!(btf.find_by_name("no_such_type_anywhere").is_none());
        let t5 = std::time::Instant::now();
        for _ in 1..super::SCAN_BUDGET {
            assert!(btf.find_by_name("no_such_type_anywhere").is_none());
        }
        let t5b = std::time::Instant::now();
        assert!(btf.find_by_name("no_such_type_either").is_none());
        let t6 = std::time::Instant::now();
        assert!(btf.find_by_name("file").is_some());
        let t7 = std::time::Instant::now();
        assert!(id.is_some() && id2.is_some());
        for (b, d) in best.iter_mut().zip([t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4, t6 - t5b, t7 - t6]) {
            *b = (*b).min(d);
        }
        cnt = btf.type_cnt();
    }
    eprintln!(
        "vmlinux BTF (best of 10): read {:?}, parse+index {:?}, find task_struct {:?}, find sk_buff {:?}, \
         miss (full scan) {:?}, miss after the budget (builds name index) {:?}, indexed lookup {:?}; {cnt} types",
        best[0], best[1], best[2], best[3], best[4], best[5], best[6]
    );
}

/// Random relocation records and instructions never panic; errors carry an errno.
#[test]
fn btf_core_fuzz_records() {
    let (p, _) = core_pair();
    let mut strs = vec![0u32];
    for s in ["0", "0:0", "0:1", "0:3:1", "0:4:2", "1", "2"] {
        strs.push(find_str(&p.local, s));
    }
    strs.extend([1, 3, 99_999]);
    let mut seed: u64 = 42;
    let mut next = || {
        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (seed >> 33) as u32
    };
    for _ in 0..5000 {
        let mut r = CoreRelocator::new(&p.local, vec![p.target.clone()]);
        let rec = CoreRelo {
            insn_off: (next() % 3) * 8,
            type_id: next() % 12,
            access_str_off: strs[next() as usize % strs.len()],
            kind: next() % 14,
        };
        let mut insns: Vec<Insn> = (0..2)
            .map(|_| Insn { code: next() as u8, regs: next() as u8, off: next() as i16 % 64, imm: next() as i32 % 64 })
            .collect();
        if let Err(e) = r.relocate("fuzz", &mut insns, rec.insn_off as usize / 8, &rec) {
            assert!(e.errno() > 0 && e.message().contains("fuzz"), "{e:?}");
        }
    }
}



#[test]
fn btf_shared_bytes_and_clone() {
    let (bytes, _) = sample();
    let shared: Arc<dyn AsRef<[u8]> + Send + Sync> = Arc::new(bytes.clone());
    let btf = Btf::from_shared(shared, None).unwrap();
    assert_eq!(btf.find_by_name("event"), Some(6));
    assert_eq!(btf.raw_bytes(), bytes.as_slice());
    // Mutation copies on write; the clone is independent.
    let mut c = btf.clone();
    c.set_var_linkage(16, BTF_VAR_STATIC).unwrap();
    assert_eq!(c.type_by_id(16).unwrap().var_linkage(), Some(BTF_VAR_STATIC));
    assert_eq!(btf.type_by_id(16).unwrap().var_linkage(), Some(BTF_VAR_GLOBAL_ALLOCATED));
    let mut b = BtfBuilder::new();
    b.add_int("int", 4, SIGNED);
    assert_eq!(b.build(None).unwrap().type_cnt(), 2);
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Btf>();
}

#[test]
fn btf_from_file_errors() {
    let e = Btf::from_file("/nonexistent/vmlinux").unwrap_err();
    assert_eq!(e.errno(), libc::ENOENT);
    assert!(e.message().contains("/nonexistent/vmlinux"), "{e:?}");
    let dir = std::env::temp_dir().join(format!("rbpf-btf-files-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let junk = dir.join("junk");
    std::fs::write(&junk, b"not btf at all, just text").unwrap();
    let e = Btf::from_file(&junk).unwrap_err();
    assert_eq!(e.errno(), libc::EINVAL);
    assert!(e.message().contains("junk") && e.message().contains("magic"), "{e:?}");
    let raw = dir.join("raw.btf");
    std::fs::write(&raw, sample().0).unwrap();
    assert_eq!(Btf::from_file(&raw).unwrap().find_by_name("event"), Some(6));
    // An ELF without .BTF (this test binary has none): ENODATA.
    let me = std::env::current_exe().unwrap();
    let e = Btf::from_file(&me).unwrap_err();
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(e.errno(), libc::ENODATA, "{e:?}");
}

/// The kernel's BTF parsed in place (layout-only pass, sparse index over an mmap) sees
/// exactly the types a fully validated, dense parse of the same bytes sees; and batched
/// CO-RE candidate search equals one search per name.
#[test]
fn btf_kernel_sparse_index_matches_dense() {
    let path = "/sys/kernel/btf/vmlinux";
    let Ok(m) = crate::sys::mmap_file_ro(path) else {
        rbpf_testprogs::skip("", "cannot map /sys/kernel/btf/vmlinux");
        return;
    };
    let dense = Btf::from_bytes(m.as_ref().to_vec()).unwrap();
    let sparse = Btf::from_kernel_shared(Arc::new(m), None).unwrap();
    assert_eq!(dense.type_cnt(), sparse.type_cnt());
    for id in 0..dense.type_cnt() {
        let (a, b) = (dense.type_by_id(id).unwrap(), sparse.type_by_id(id).unwrap());
        assert_eq!((a.kind(), a.name_off(), a.info(), a.size_or_type()), (b.kind(), b.name_off(), b.info(), b.size_or_type()), "type [{id}]");
    }
    assert!(sparse.type_by_id(sparse.type_cnt()).is_err());
    let q = [("task_struct", Kind::Struct), ("file", Kind::Struct), ("bpf_map_type", Kind::Enum), ("u32", Kind::Typedef), ("no_such_rbpf_type", Kind::Struct)];
    let batched = sparse.find_core_candidates(&q);
    for (i, (n, k)) in q.iter().enumerate() {
        let single: Vec<u32> = dense
            .find_by_essential_name(n)
            .into_iter()
            .filter(|&id| {
                let t = dense.type_by_id(id).unwrap();
                t.kind() == *k || (t.kind().is_any_enum() && k.is_any_enum())
            })
            .collect();
        assert_eq!(batched[i], single, "{n}");
    }
    assert_eq!(batched[0].len(), 1);
    assert!(batched[4].is_empty());
}
