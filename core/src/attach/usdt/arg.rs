//! x86-64 USDT argument specs ("-4@%edi", "8@-16(%rbp)", "4@$5", "-4@8(%rax,%rdx,4)"),
//! pure.

use crate::{Error, Result};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArgKind {
    /// The value is `val_off`.
    Const,
    /// The value is the register at `reg_off` in pt_regs.
    Reg,
    /// The value is at user address reg + val_off.
    RegDeref,
    /// The value is at user address base + (idx << scale_bitshift) + val_off.
    Sib,
}

/// One parsed argument, in the terms of usdt.bpf.h's `__bpf_usdt_arg_spec`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ArgSpec {
    pub kind: ArgKind,
    pub val_off: u64,
    pub reg_off: i16,
    pub idx_reg_off: u16,
    pub scale_bitshift: u8,
    pub arg_signed: bool,
    pub arg_bitshift: i8,
}

/// The most arguments usdt.bpf.h can hold (BPF_USDT_MAX_ARG_CNT).
pub const MAX_ARGS: usize = 12;

/// Offset of an x86-64 register (any width) in `struct pt_regs`.
pub fn reg_offset(name: &str) -> Option<i16> {
    let off = match name {
        "rip" | "eip" => 128,
        "rax" | "eax" | "ax" | "al" => 80,
        "rbx" | "ebx" | "bx" | "bl" => 40,
        "rcx" | "ecx" | "cx" | "cl" => 88,
        "rdx" | "edx" | "dx" | "dl" => 96,
        "rsi" | "esi" | "si" | "sil" => 104,
        "rdi" | "edi" | "di" | "dil" => 112,
        "rbp" | "ebp" | "bp" | "bpl" => 32,
        "rsp" | "esp" | "sp" | "spl" => 152,
        _ => {
            // r8..r15 with optional d / w / b suffix.
            let n = name.strip_prefix('r')?;
            let n = n.trim_end_matches(['d', 'w', 'b']);
            match n.parse::<u32>().ok()? {
                8 => 72,
                9 => 64,
                10 => 56,
                11 => 48,
                12 => 24,
                13 => 16,
                14 => 8,
                15 => 0,
                _ => return None,
            }
        }
    };
    Some(off)
}

fn parse_int(s: &str) -> Option<i64> {
    let (neg, s) = match s.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    let v = match s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        Some(h) => i64::from_str_radix(h, 16).ok().or_else(|| u64::from_str_radix(h, 16).ok().map(|u| u as i64))?,
        None => s.parse::<i64>().ok()?,
    };
    Some(if neg { v.wrapping_neg() } else { v })
}

fn reg(s: &str, spec: &str) -> Result<i16> {
    let name = s.trim().strip_prefix('%').ok_or_else(|| Error::new(libc::EINVAL, format!("usdt: unrecognized arg spec '{spec}'")))?;
    reg_offset(name).ok_or_else(|| Error::new(libc::EINVAL, format!("usdt: unrecognized register '{name}'")))
}

/// Parse one argument ("SIZE@LOCATION").
pub fn parse_arg(idx: usize, spec: &str) -> Result<ArgSpec> {
    let bad = || Error::new(libc::EINVAL, format!("usdt: unrecognized arg #{idx} spec '{spec}'"));
    let (size, loc) = spec.split_once('@').ok_or_else(bad)?;
    let size: i32 = size.trim().parse().map_err(|_| bad())?;
    let width = size.unsigned_abs();
    if ![1, 2, 4, 8].contains(&width) {
        return Err(Error::new(libc::EINVAL, format!("usdt: unsupported arg #{idx} size {size} in '{spec}'")));
    }
    let mut a = ArgSpec { kind: ArgKind::Const, val_off: 0, reg_off: 0, idx_reg_off: 0, scale_bitshift: 0, arg_signed: size < 0, arg_bitshift: (64 - 8 * width) as i8 };
    let loc = loc.trim();
    if let Some(imm) = loc.strip_prefix('$') {
        a.val_off = parse_int(imm).ok_or_else(bad)? as u64;
    } else if loc.starts_with('%') {
        a.kind = ArgKind::Reg;
        a.reg_off = reg(loc, spec)?;
    } else if let Some(open) = loc.find('(') {
        let close = loc.rfind(')').filter(|&c| c > open && c == loc.len() - 1).ok_or_else(bad)?;
        let off = &loc[..open];
        a.val_off = if off.is_empty() { 0 } else { parse_int(off).ok_or_else(bad)? as u64 };
        let inner: Vec<&str> = loc[open + 1..close].split(',').collect();
        match inner.as_slice() {
            [base] => {
                a.kind = ArgKind::RegDeref;
                a.reg_off = reg(base, spec)?;
            }
            [base, index] | [base, index, _] => {
                a.kind = ArgKind::Sib;
                a.reg_off = reg(base, spec)?;
                a.idx_reg_off = reg(index, spec)? as u16;
                let scale = match inner.get(2) {
                    Some(s) => s.trim().parse::<u32>().map_err(|_| bad())?,
                    None => 1,
                };
                a.scale_bitshift = match scale {
                    1 => 0,
                    2 => 1,
                    4 => 2,
                    8 => 3,
                    _ => return Err(Error::new(libc::EINVAL, format!("usdt: invalid scale {scale} in arg #{idx} spec '{spec}'"))),
                };
            }
            _ => return Err(bad()),
        }
    } else {
        return Err(bad());
    }
    Ok(a)
}

/// Parse a whole argument string (space-separated); at most [`MAX_ARGS`] (E2BIG).
pub fn parse_args(args: &str) -> Result<Vec<ArgSpec>> {
    let parts: Vec<&str> = args.split_whitespace().collect();
    if parts.len() > MAX_ARGS {
        return Err(Error::new(libc::E2BIG, format!("usdt: too many USDT arguments ({} > {MAX_ARGS}) in '{args}'", parts.len())));
    }
    parts.iter().enumerate().map(|(i, p)| parse_arg(i, p)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn x86_forms() {
        let a = parse_arg(0, "-4@%edi").unwrap();
        assert_eq!((a.kind, a.reg_off, a.arg_signed, a.arg_bitshift), (ArgKind::Reg, 112, true, 32));
        let a = parse_arg(0, "8@-16(%rbp)").unwrap();
        assert_eq!((a.kind, a.reg_off, a.val_off as i64, a.arg_bitshift), (ArgKind::RegDeref, 32, -16, 0));
        let a = parse_arg(0, "8@(%rax)").unwrap();
        assert_eq!((a.kind, a.reg_off, a.val_off), (ArgKind::RegDeref, 80, 0));
        let a = parse_arg(0, "-4@$-5").unwrap();
        assert_eq!((a.kind, a.val_off as i64), (ArgKind::Const, -5));
        let a = parse_arg(0, "4@$0x10").unwrap();
        assert_eq!(a.val_off, 16);
        let a = parse_arg(0, "-4@8(%rax,%rdx,4)").unwrap();
        assert_eq!((a.kind, a.reg_off, a.idx_reg_off, a.scale_bitshift, a.val_off), (ArgKind::Sib, 80, 96, 2, 8));
        let a = parse_arg(0, "2@(%r8,%r9d)").unwrap();
        assert_eq!((a.kind, a.reg_off, a.idx_reg_off, a.scale_bitshift, a.arg_bitshift), (ArgKind::Sib, 72, 64, 0, 48));
        let a = parse_arg(0, "1@%r15b").unwrap();
        assert_eq!((a.reg_off, a.arg_signed, a.arg_bitshift), (0, false, 56));
        assert!(parse_arg(0, "4@%xmm0").unwrap_err().message().contains("unrecognized register 'xmm0'"));
        assert!(parse_arg(3, "4@foo").unwrap_err().message().contains("unrecognized arg #3 spec '4@foo'"));
        assert_eq!(parse_arg(0, "3@%eax").unwrap_err().errno(), libc::EINVAL);
        assert_eq!(parse_arg(0, "4@(%rax,%rbx,3)").unwrap_err().errno(), libc::EINVAL);
        assert_eq!(parse_args("").unwrap().len(), 0);
        assert_eq!(parse_args(&"8@%rax ".repeat(13)).unwrap_err().errno(), libc::E2BIG);
    }
}
