//! The BPF-side spec layouts of usdt.bpf.h and their encoding, pure.
//!
//! libbpf ≥ 1.7 (SIB support): `__bpf_usdt_arg_spec` is 24 bytes — val_off u64 @0,
//! arg_type u8 @8, (idx_reg_off:12 | scale_bitshift:4 << 12) u16 @10, reserved @12,
//! reg_off i16 @14, arg_signed @16, arg_bitshift @17 — and `__bpf_usdt_spec` 304 bytes
//! (12 args, usdt_cookie @288, arg_cnt i16 @296). libbpf ≤ 1.6: 16-byte arg specs
//! (arg_type u32 @8, reg_off @12, arg_signed @14, arg_bitshift @15) and a 208-byte spec
//! (cookie @192, arg_cnt @200). The layout is chosen by the spec map's value size.

use super::arg::{ArgKind, ArgSpec, MAX_ARGS};
use crate::{Error, Result};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SpecLayout {
    /// libbpf ≤ 1.6 (208-byte spec).
    V1,
    /// libbpf ≥ 1.7 (304-byte spec).
    V2,
}

pub const SPEC_SIZE_V1: usize = 208;
pub const SPEC_SIZE_V2: usize = 304;

impl SpecLayout {
    pub fn from_value_size(value_size: u32) -> Result<SpecLayout> {
        match value_size as usize {
            SPEC_SIZE_V1 => Ok(SpecLayout::V1),
            SPEC_SIZE_V2 => Ok(SpecLayout::V2),
            n => Err(Error::new(
                libc::EINVAL,
                format!("usdt: spec map value size {n} matches no known usdt.bpf.h layout ({SPEC_SIZE_V1} for libbpf <= 1.6, {SPEC_SIZE_V2} for 1.7+)"),
            )),
        }
    }
    pub fn size(self) -> usize {
        match self {
            SpecLayout::V1 => SPEC_SIZE_V1,
            SpecLayout::V2 => SPEC_SIZE_V2,
        }
    }
    fn arg_size(self) -> usize {
        match self {
            SpecLayout::V1 => 16,
            SpecLayout::V2 => 24,
        }
    }
}

fn kind_code(k: ArgKind) -> u8 {
    match k {
        ArgKind::Const => 0,
        ArgKind::Reg => 1,
        ArgKind::RegDeref => 2,
        ArgKind::Sib => 3,
    }
}

/// The spec map value for `args` and the user's cookie.
pub fn encode_spec(layout: SpecLayout, args: &[ArgSpec], usdt_cookie: u64) -> Result<Vec<u8>> {
    if args.len() > MAX_ARGS {
        return Err(Error::new(libc::E2BIG, format!("usdt: too many arguments ({})", args.len())));
    }
    let mut b = vec![0u8; layout.size()];
    for (i, a) in args.iter().enumerate() {
        let o = i * layout.arg_size();
        b[o..o + 8].copy_from_slice(&a.val_off.to_ne_bytes());
        match layout {
            SpecLayout::V2 => {
                b[o + 8] = kind_code(a.kind);
                let bits = (a.idx_reg_off & 0x0fff) | ((a.scale_bitshift as u16 & 0xf) << 12);
                b[o + 10..o + 12].copy_from_slice(&bits.to_ne_bytes());
                b[o + 14..o + 16].copy_from_slice(&a.reg_off.to_ne_bytes());
                b[o + 16] = a.arg_signed as u8;
                b[o + 17] = a.arg_bitshift as u8;
            }
            SpecLayout::V1 => {
                if a.kind == ArgKind::Sib {
                    return Err(Error::new(
                        libc::EOPNOTSUPP,
                        format!("usdt: argument #{i} uses base+index*scale addressing, which the program's usdt.bpf.h (libbpf <= 1.6 layout) cannot read"),
                    ));
                }
                b[o + 8..o + 12].copy_from_slice(&(kind_code(a.kind) as u32).to_ne_bytes());
                b[o + 12..o + 14].copy_from_slice(&a.reg_off.to_ne_bytes());
                b[o + 14] = a.arg_signed as u8;
                b[o + 15] = a.arg_bitshift as u8;
            }
        }
    }
    let c = MAX_ARGS * layout.arg_size();
    b[c..c + 8].copy_from_slice(&usdt_cookie.to_ne_bytes());
    b[c + 8..c + 10].copy_from_slice(&(args.len() as i16).to_ne_bytes());
    Ok(b)
}

#[cfg(test)]
mod tests {
    use super::super::arg::parse_arg;
    use super::*;

    #[test]
    fn v2_matches_the_c_layout() {
        // Bytes measured from the C struct (gcc/clang x86-64) with arg_type=3,
        // idx_reg_off=0x123... here: a real SIB arg.
        let a = parse_arg(0, "-2@-8(%rax,%rdx,4)").unwrap();
        let b = encode_spec(SpecLayout::V2, &[a], 0x1122).unwrap();
        assert_eq!(b.len(), 304);
        assert_eq!(&b[0..8], &(-8i64).to_ne_bytes());
        assert_eq!(b[8], 3);
        assert_eq!(u16::from_ne_bytes([b[10], b[11]]), 96 | (2 << 12));
        assert_eq!(i16::from_ne_bytes([b[14], b[15]]), 80);
        assert_eq!((b[16], b[17]), (1, 48));
        assert_eq!(u64::from_ne_bytes(b[288..296].try_into().unwrap()), 0x1122);
        assert_eq!(i16::from_ne_bytes([b[296], b[297]]), 1);
    }

    #[test]
    fn v1_layout_and_sib_refused() {
        let a = parse_arg(0, "8@%rdi").unwrap();
        let c = parse_arg(1, "4@$7").unwrap();
        let b = encode_spec(SpecLayout::V1, &[a, c], 9).unwrap();
        assert_eq!(b.len(), 208);
        assert_eq!(u32::from_ne_bytes(b[8..12].try_into().unwrap()), 1);
        assert_eq!(i16::from_ne_bytes([b[12], b[13]]), 112);
        assert_eq!((b[14], b[15]), (0, 0));
        assert_eq!(u64::from_ne_bytes(b[16..24].try_into().unwrap()), 7);
        assert_eq!(u64::from_ne_bytes(b[192..200].try_into().unwrap()), 9);
        assert_eq!(i16::from_ne_bytes([b[200], b[201]]), 2);
        let sib = parse_arg(0, "4@(%rax,%rbx,2)").unwrap();
        assert_eq!(encode_spec(SpecLayout::V1, &[sib], 0).unwrap_err().errno(), libc::EOPNOTSUPP);
        assert_eq!(SpecLayout::from_value_size(100).unwrap_err().errno(), libc::EINVAL);
    }
}
