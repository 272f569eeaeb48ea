//! A small DEFLATE (RFC 1951) and gzip (RFC 1952) decoder, enough for /proc/config.gz.
//!
//! Written here rather than pulling in flate2/miniz_oxide: the core stays free of
//! compression dependencies and this is the only compressed input it reads. Speed is
//! not a goal (a kernel config is ~25 KB compressed); safety on malformed input is:
//! every failure is an EINVAL error, never a panic.

use crate::{Error, Result};

fn bad(msg: &str) -> Error {
    Error::new(libc::EINVAL, format!("inflate: {msg}"))
}

struct Bits<'a> {
    data: &'a [u8],
    pos: usize,
    bit: u32,
    nbits: u32,
}

impl<'a> Bits<'a> {
    fn new(data: &'a [u8]) -> Self {
        Bits { data, pos: 0, bit: 0, nbits: 0 }
    }
    fn need(&mut self, n: u32) -> Result<()> {
        while self.nbits < n {
            let b = *self.data.get(self.pos).ok_or_else(|| bad("unexpected end of data"))?;
            self.pos += 1;
            self.bit |= (b as u32) << self.nbits;
            self.nbits += 8;
        }
        Ok(())
    }
    fn bits(&mut self, n: u32) -> Result<u32> {
        if n == 0 {
            return Ok(0);
        }
        self.need(n)?;
        let v = self.bit & ((1u32 << n) - 1);
        self.bit = if n == 32 { 0 } else { self.bit >> n };
        self.nbits -= n;
        Ok(v)
    }
    fn align_byte(&mut self) {
        self.bit = 0;
        self.nbits = 0;
    }
}

/// Canonical Huffman decoding table: counts per length and symbols in code order.
struct Huffman {
    counts: [u16; 16],
    symbols: Vec<u16>,
}

impl Huffman {
    fn new(lengths: &[u8]) -> Result<Huffman> {
        let mut counts = [0u16; 16];
        for &l in lengths {
            counts[l as usize] += 1;
        }
        counts[0] = 0;
        let mut left: i32 = 1;
        for &c in &counts[1..] {
            left = left * 2 - c as i32;
            if left < 0 {
                return Err(bad("over-subscribed Huffman code"));
            }
        }
        let mut offs = [0u16; 16];
        for len in 1..15 {
            offs[len + 1] = offs[len] + counts[len];
        }
        let mut symbols = vec![0u16; lengths.len()];
        for (sym, &l) in lengths.iter().enumerate() {
            if l != 0 {
                symbols[offs[l as usize] as usize] = sym as u16;
                offs[l as usize] += 1;
            }
        }
        Ok(Huffman { counts, symbols })
    }

    fn decode(&self, b: &mut Bits<'_>) -> Result<u16> {
        let (mut code, mut first, mut index) = (0i32, 0i32, 0i32);
        for len in 1..16 {
            code |= b.bits(1)? as i32;
            let count = self.counts[len] as i32;
            if code - count < first {
                return self.symbols.get((index + (code - first)) as usize).copied().ok_or_else(|| bad("bad code"));
            }
            index += count;
            first = (first + count) << 1;
            code <<= 1;
        }
        Err(bad("invalid Huffman code"))
    }
}

const LEN_BASE: [u16; 29] = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258];
const LEN_EXTRA: [u8; 29] = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0];
const DIST_BASE: [u16; 30] = [
    1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577,
];
const DIST_EXTRA: [u8; 30] = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13];

fn inflate_block(b: &mut Bits<'_>, out: &mut Vec<u8>, lit: &Huffman, dist: &Huffman, limit: usize) -> Result<()> {
    loop {
        let sym = lit.decode(b)? as usize;
        if sym < 256 {
            out.push(sym as u8);
        } else if sym == 256 {
            return Ok(());
        } else {
            let i = sym - 257;
            if i >= 29 {
                return Err(bad("bad length symbol"));
            }
            let len = LEN_BASE[i] as usize + b.bits(LEN_EXTRA[i] as u32)? as usize;
            let d = dist.decode(b)? as usize;
            if d >= 30 {
                return Err(bad("bad distance symbol"));
            }
            let distance = DIST_BASE[d] as usize + b.bits(DIST_EXTRA[d] as u32)? as usize;
            if distance > out.len() {
                return Err(bad("distance too far back"));
            }
            let start = out.len() - distance;
            for k in 0..len {
                let c = out[start + k];
                out.push(c);
            }
        }
        if out.len() > limit {
            return Err(bad("output too large"));
        }
    }
}

/// Decode a raw DEFLATE stream. `limit` bounds the output size.
pub fn inflate(data: &[u8], limit: usize) -> Result<Vec<u8>> {
    let mut b = Bits::new(data);
    let mut out = Vec::with_capacity(data.len() * 4);
    loop {
        let last = b.bits(1)?;
        match b.bits(2)? {
            0 => {
                b.align_byte();
                let hdr = data.get(b.pos..b.pos + 4).ok_or_else(|| bad("truncated stored block"))?;
                let len = u16::from_le_bytes([hdr[0], hdr[1]]);
                let nlen = u16::from_le_bytes([hdr[2], hdr[3]]);
                if len != !nlen {
                    return Err(bad("stored block length mismatch"));
                }
                b.pos += 4;
                let chunk = data.get(b.pos..b.pos + len as usize).ok_or_else(|| bad("truncated stored block"))?;
                out.extend_from_slice(chunk);
                b.pos += len as usize;
            }
            1 => {
                let mut lengths = [0u8; 288];
                lengths[..144].fill(8);
                lengths[144..256].fill(9);
                lengths[256..280].fill(7);
                lengths[280..].fill(8);
                let lit = Huffman::new(&lengths)?;
                let dist = Huffman::new(&[5u8; 30])?;
                inflate_block(&mut b, &mut out, &lit, &dist, limit)?;
            }
            2 => {
                let hlit = b.bits(5)? as usize + 257;
                let hdist = b.bits(5)? as usize + 1;
                let hclen = b.bits(4)? as usize + 4;
                const ORDER: [usize; 19] = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];
                let mut cl = [0u8; 19];
                for &o in ORDER.iter().take(hclen) {
                    cl[o] = b.bits(3)? as u8;
                }
                let clh = Huffman::new(&cl)?;
                let mut lengths = vec![0u8; hlit + hdist];
                let mut i = 0;
                while i < hlit + hdist {
                    let sym = clh.decode(&mut b)?;
                    let (val, rep) = match sym {
                        0..=15 => (sym as u8, 1),
                        16 => {
                            let prev = *lengths.get(i.wrapping_sub(1)).ok_or_else(|| bad("repeat with no previous length"))?;
                            (prev, 3 + b.bits(2)? as usize)
                        }
                        17 => (0, 3 + b.bits(3)? as usize),
                        _ => (0, 11 + b.bits(7)? as usize),
                    };
                    if i + rep > lengths.len() {
                        return Err(bad("too many code lengths"));
                    }
                    lengths[i..i + rep].fill(val);
                    i += rep;
                }
                let lit = Huffman::new(&lengths[..hlit])?;
                let dist = Huffman::new(&lengths[hlit..])?;
                inflate_block(&mut b, &mut out, &lit, &dist, limit)?;
            }
            _ => return Err(bad("invalid block type")),
        }
        if last == 1 {
            return Ok(out);
        }
    }
}

/// Decode a gzip file (one member; the CRC is not checked, the size is).
pub fn gunzip(data: &[u8], limit: usize) -> Result<Vec<u8>> {
    if data.len() < 18 || data[0] != 0x1f || data[1] != 0x8b || data[2] != 8 {
        return Err(bad("not a gzip file"));
    }
    let flags = data[3];
    let mut pos = 10;
    if flags & 4 != 0 {
        let x = data.get(pos..pos + 2).ok_or_else(|| bad("truncated header"))?;
        pos += 2 + u16::from_le_bytes([x[0], x[1]]) as usize;
    }
    for bit in [8u8, 16] {
        if flags & bit != 0 {
            let rest = data.get(pos..).ok_or_else(|| bad("truncated header"))?;
            pos += rest.iter().position(|&c| c == 0).ok_or_else(|| bad("truncated header"))? + 1;
        }
    }
    if flags & 2 != 0 {
        pos += 2;
    }
    let body = data.get(pos..).ok_or_else(|| bad("truncated header"))?;
    let out = inflate(body, limit)?;
    let tail = &data[data.len() - 4..];
    let isize = u32::from_le_bytes([tail[0], tail[1], tail[2], tail[3]]);
    if isize != out.len() as u32 {
        return Err(bad("size mismatch"));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proc_config_gz_if_present() {
        let Ok(data) = std::fs::read("/proc/config.gz") else {
            eprintln!("SKIP: /proc/config.gz absent");
            return;
        };
        let text = gunzip(&data, 64 << 20).unwrap();
        let s = String::from_utf8(text).unwrap();
        assert!(s.contains("CONFIG_BPF=y"));
    }

    #[test]
    fn garbage_is_einval() {
        assert_eq!(gunzip(b"nope", 100).unwrap_err().errno(), libc::EINVAL);
        let mut g = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0];
        g.extend_from_slice(&[0xff; 12]);
        assert!(gunzip(&g, 1 << 20).is_err());
        // stored block "hi"
        let raw = [1u8, 2, 0, 0xfd, 0xff, b'h', b'i'];
        assert_eq!(inflate(&raw, 100).unwrap(), b"hi");
    }
}
