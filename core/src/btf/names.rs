//! The lazily built name index: an open-addressing table of u32 slots keyed by a hash of
//! each type's *essential* name (flavor suffix stripped), so one table serves exact
//! lookups and CO-RE candidate search. A slot holds `tag << idx_bits | (idx + 1)` where
//! `idx` is the type's position in this BTF and `tag` is spare hash bits, so most probes
//! reject a slot without touching the type data. About 4-5 bytes per named type.

use super::{essential_name, Btf, Kind};


pub(super) struct NameIndex {
    slots: Vec<u32>,
    mask: usize,
    idx_bits: u32,
}

const K: u64 = 0x9e37_79b9_7f4a_7c15;
const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;

#[inline]
fn mix(h: u64, w: u64) -> u64 {
    (h.rotate_left(5) ^ w).wrapping_mul(K)
}

#[inline]
fn finish(h: u64, len: usize) -> u64 {
    let h = (h ^ len as u64).wrapping_mul(K);
    h ^ (h >> 29)
}

/// A word-at-a-time multiplicative hash (names average ~20 bytes).
#[inline]
fn hash(s: &[u8]) -> u64 {
    let mut h: u64 = 0;
    let mut chunks = s.chunks_exact(8);
    for c in &mut chunks {
        h = mix(h, u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]));
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        let mut b = [0u8; 8];
        b[..rest.len()].copy_from_slice(rest);
        h = mix(h, u64::from_le_bytes(b));
    }
    finish(h, s.len())
}

/// Bytes equal to zero (lowest flagged byte exact; higher ones may be false positives).
#[inline]
fn zero_bytes(w: u64) -> u64 {
    w.wrapping_sub(ONES) & !w & HIGHS
}

/// Hash of the essential name of the NUL-terminated string at the start of `s`, found
/// and hashed 8 bytes at a time (SWAR); the exact flavor scan runs only for names that
/// may contain "___". Equal to `hash(essential(name))`.
#[inline]
fn hash_cstr(s: &[u8]) -> (u64, usize) {
    let mut h: u64 = 0;
    let mut pos = 0;
    let mut prev_u: u64 = 0;
    let mut maybe_flavor = false;
    while pos + 8 <= s.len() {
        let w = u64::from_le_bytes([s[pos], s[pos + 1], s[pos + 2], s[pos + 3], s[pos + 4], s[pos + 5], s[pos + 6], s[pos + 7]]);
        let z = zero_bytes(w);
        let (w, n) = if z != 0 {
            let n = (z.trailing_zeros() / 8) as usize;
            (if n == 0 { 0 } else { w & (u64::MAX >> (64 - 8 * n)) }, n)
        } else {
            (w, 8)
        };
        // '_' bytes (may over-report, never under-report), then any "___" run, also one
        // straddling the previous word.
        let x = w ^ 0x5f5f_5f5f_5f5f_5f5f;
        let u = zero_bytes(x) & if n == 8 { u64::MAX } else { (1u64 << (8 * n)) - 1 };
        let c = (prev_u >> 48) | (u << 16);
        if c & (c >> 8) & (c >> 16) != 0 {
            maybe_flavor = true;
        }
        prev_u = u;
        if n < 8 {
            let len = pos + n;
            if n > 0 {
                h = mix(h, w);
            }
            return finish_name(&s[..len], h, maybe_flavor);
        }
        h = mix(h, w);
        pos += 8;
    }
    // The last few bytes of the section: plain byte loop.
    let len = pos + s[pos..].iter().position(|&c| c == 0).unwrap_or(s.len() - pos);
    let name = &s[..len];
    (hash(&name[..essential_len(name)]), len)
}

#[inline]
fn finish_name(name: &[u8], h: u64, maybe_flavor: bool) -> (u64, usize) {
    if maybe_flavor {
        let e = essential_len(name);
        if e != name.len() {
            return (hash(&name[..e]), name.len());
        }
    }
    (finish(h, name.len()), name.len())
}

/// Byte version of `essential_name`.
#[inline]
fn essential_len(b: &[u8]) -> usize {
    let n = b.len();
    if n >= 5 {
        let mut i = n - 5;
        loop {
            if b[i] != b'_' && b[i + 1] == b'_' && b[i + 2] == b'_' && b[i + 3] == b'_' && b[i + 4] != b'_' {
                return i + 1;
            }
            if i == 0 {
                break;
            }
            i -= 1;
        }
    }
    n
}

impl NameIndex {
    pub(super) fn build(btf: &Btf) -> NameIndex {
        let n = btf.n_types as usize;
        // Bits to hold idx+1; the rest of the u32 is the tag.
        let idx_bits = (32 - (n as u32 + 1).leading_zeros()).max(1);
        let types = &btf.data.bytes()[btf.type_off..btf.type_off + btf.type_len];
        let named = btf.own_offsets().filter(|&o| super::rd32(types, o as usize) != 0).count();
        let cap = (named * 4 / 3 + 1).next_power_of_two().max(8);
        let mut idx = NameIndex { slots: vec![0; cap], mask: cap - 1, idx_bits };
        let strs = &btf.data.bytes()[btf.str_off..btf.str_off + btf.str_len];
        for (i, o) in btf.own_offsets().enumerate() {
            let name_off = super::rd32(types, o as usize);
            if name_off == 0 {
                continue;
            }
            // Own strings are read as bytes (no UTF-8 or bounds re-checks: the index pass
            // validated offsets); a split BTF may name base strings.
            let (h, len) = match name_off.checked_sub(btf.start_str_off) {
                Some(rel) => hash_cstr(strs.get(rel as usize..).unwrap_or(&[])),
                None => {
                    let n = btf.str_or_empty(name_off).as_bytes();
                    (hash(&n[..essential_len(n)]), n.len())
                }
            };
            if len == 0 {
                continue;
            }
            let mut s = h as usize & idx.mask;
            while idx.slots[s] != 0 {
                s = (s + 1) & idx.mask;
            }
            idx.slots[s] = idx.tag(h) | (i as u32 + 1);
        }
        idx
    }

    #[inline]
    fn tag(&self, h: u64) -> u32 {
        if self.idx_bits >= 32 {
            0
        } else {
            ((h >> 40) as u32) << self.idx_bits
        }
    }

    #[inline]
    fn idx_mask(&self) -> u32 {
        if self.idx_bits >= 32 {
            u32::MAX
        } else {
            (1u32 << self.idx_bits) - 1
        }
    }

    /// Visit, in id order, own types whose essential name hashes like `ess`.
    fn probe(&self, ess: &str, mut f: impl FnMut(u32) -> bool) {
        let h = hash(ess.as_bytes());
        let tag = self.tag(h);
        let m = self.idx_mask();
        let mut s = h as usize & self.mask;
        loop {
            let v = self.slots[s];
            if v == 0 {
                return;
            }
            if v & !m == tag && !f((v & m) - 1) {
                return;
            }
            s = (s + 1) & self.mask;
        }
    }

    pub(super) fn find(&self, btf: &Btf, name: &str, kind: Option<Kind>) -> Option<u32> {
        let mut found = None;
        self.probe(essential_name(name), |i| {
            let id = btf.start_id + i;
            if let Ok(t) = btf.type_by_id(id) {
                if t.name() == name && kind.is_none_or(|k| k == t.kind()) {
                    found = Some(id);
                    return false;
                }
            }
            true
        });
        found
    }

    pub(super) fn find_essential(&self, btf: &Btf, ess: &str, out: &mut Vec<u32>) {
        let start = out.len();
        self.probe(ess, |i| {
            let id = btf.start_id + i;
            if let Ok(t) = btf.type_by_id(id) {
                if essential_name(t.name()) == ess {
                    out.push(id);
                }
            }
            true
        });
        out[start..].sort_unstable();
    }
}

/// The NUL-terminated bytes at own string offset `name_off` (None for base strings).
#[inline]
fn own_name(strs: &[u8], start_str_off: u32, name_off: u32) -> Option<&[u8]> {
    let rel = name_off.checked_sub(start_str_off)? as usize;
    let tail = strs.get(rel..)?;
    Some(&tail[..tail.iter().position(|&c| c == 0).unwrap_or(tail.len())])
}

/// Linear search in id order (libbpf's way): cheap when the type comes early.
/// Returns the match and how many types were visited.
pub(super) fn scan_find(btf: &Btf, name: &str, kind: Option<Kind>) -> (Option<u32>, usize) {
    let types = &btf.data.bytes()[btf.type_off..btf.type_off + btf.type_len];
    let strs = &btf.data.bytes()[btf.str_off..btf.str_off + btf.str_len];
    let q = name.as_bytes();
    let Some(&first) = q.first() else { return (None, 0) };
    let want = kind.map(|k| k as u32);
    // (header kind first: rejects most types without touching their name)
    let hit = |o: u32| -> bool {
        let o = o as usize;
        if want.is_some_and(|k| (super::rd32(types, o + 4) >> 24) & 0x1f != k) {
            return false;
        }
        let name_off = super::rd32(types, o);
        if name_off == 0 {
            return false;
        }
        match name_off.checked_sub(btf.start_str_off) {
            Some(rel) => {
                let rel = rel as usize;
                // First byte, then the whole name and its terminator.
                strs.get(rel) == Some(&first) && strs.get(rel..rel + q.len()) == Some(q) && strs.get(rel + q.len()) == Some(&0)
            }
            None => btf.str_or_empty(name_off) == name,
        }
    };
    if !btf.roots.is_empty() && want.is_some_and(|k| super::ROOT_KINDS & (1 << k) != 0) {
        // Kernel BTF, a kind CO-RE roots have: only those types (id order kept).
        for (i, &o) in btf.roots.iter().enumerate() {
            if hit(o) {
                return (btf.id_at_offset(o), i + 1);
            }
        }
        return (None, btf.roots.len());
    }
    for (i, o) in btf.own_offsets().enumerate() {
        if hit(o) {
            return (Some(btf.start_id + i as u32), i + 1);
        }
    }
    (None, btf.n_types as usize)
}

/// Linear search for every own type whose essential name is `ess`, in id order.
pub(super) fn scan_essential(btf: &Btf, ess: &str, out: &mut Vec<u32>) {
    let types = &btf.data.bytes()[btf.type_off..btf.type_off + btf.type_len];
    let strs = &btf.data.bytes()[btf.str_off..btf.str_off + btf.str_len];
    let q = ess.as_bytes();
    let Some(&first) = q.first() else { return };
    for (i, o) in btf.own_offsets().enumerate() {
        let name_off = super::rd32(types, o as usize);
        if name_off == 0 {
            continue;
        }
        let hit = match name_off.checked_sub(btf.start_str_off) {
            // First byte before anything else: most names differ there.
            Some(rel) if strs.get(rel as usize) != Some(&first) => false,
            Some(_) => own_name(strs, btf.start_str_off, name_off).is_some_and(|n| n.starts_with(q) && &n[..essential_len(n)] == q),
            None => essential_name(btf.str_or_empty(name_off)) == ess,
        };
        if hit {
            out.push(btf.start_id + i as u32);
        }
    }
}

/// Kind bits a CO-RE candidate may have for a local type of `kind` (same kind; ENUM and
/// ENUM64 match each other).
pub(super) fn core_kind_mask(kind: Kind) -> u32 {
    if kind.is_any_enum() {
        (1 << Kind::Enum as u32) | (1 << Kind::Enum64 as u32)
    } else {
        1 << kind as u32
    }
}

/// One linear pass over own types for many CO-RE candidate searches at once: for each
/// query (essential name, kind mask), the ids of own types of an allowed kind whose
/// essential name is equal, in id order, appended to `out[query]`. Types of other kinds
/// are rejected from their header word alone, and the first name byte (a per-byte bitset
/// of queries) rejects most of the rest before any string compare.
pub(super) fn scan_candidates(btf: &Btf, queries: &[(&[u8], u32)], out: &mut [Vec<u32>]) {
    let types = &btf.data.bytes()[btf.type_off..btf.type_off + btf.type_len];
    let strs = &btf.data.bytes()[btf.str_off..btf.str_off + btf.str_len];
    for (chunk_no, chunk) in queries.chunks(64).enumerate() {
        let base_q = chunk_no * 64;
        let mut first = [0u64; 256];
        let mut kinds = 0u32;
        for (q, (name, mask)) in chunk.iter().enumerate() {
            if let Some(&b) = name.first() {
                first[b as usize] |= 1 << q;
                kinds |= mask;
            }
        }
        if kinds == 0 {
            continue;
        }
        let mut visit = |o: u32| -> Option<()> {
            let o = o as usize;
            let k = (super::rd32(types, o + 4) >> 24) & 0x1f;
            if kinds & (1 << k) == 0 {
                return None;
            }
            let name_off = super::rd32(types, o);
            if name_off == 0 {
                return None;
            }
            let name: &[u8] = match name_off.checked_sub(btf.start_str_off) {
                Some(rel) => {
                    let b = *strs.get(rel as usize)?;
                    if first[b as usize] == 0 {
                        return None;
                    }
                    own_name(strs, btf.start_str_off, name_off).unwrap_or(&[])
                }
                None => btf.str_or_empty(name_off).as_bytes(),
            };
            let mut hits = first[*name.first()? as usize];
            let ess = &name[..essential_len(name)];
            while hits != 0 {
                let q = hits.trailing_zeros() as usize;
                hits &= hits - 1;
                let (qn, qmask) = chunk[q];
                if qmask & (1 << k) != 0 && ess == qn {
                    out[base_q + q].push(btf.id_at_offset(o as u32)?);
                }
            }
            Some(())
        };
        if !btf.roots.is_empty() && kinds & !super::ROOT_KINDS == 0 {
            // Kernel BTF: only the types of kinds a CO-RE root can have (a sixth of them).
            for &o in &btf.roots {
                visit(o);
            }
        } else {
            for o in btf.own_offsets() {
                visit(o);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn btf_name_hash_swar_matches_plain() {
        let names = [
            "", "a", "task_struct", "task_struct___v2", "x___", "___y", "a___b___c", "abcdefg", "abcdefgh", "abcdefghi",
            "abcdef___ghi", "abcdefg___hi", "abcdefgh___i", "__x64_sys_getpid", "a____b", "_______", "a^_b", "sixteen_chars___",
        ];
        for n in names {
            for pad in 0..10 {
                let mut buf = n.as_bytes().to_vec();
                buf.push(0);
                buf.extend(std::iter::repeat_n(b'_', pad));
                let ess = essential_name(n);
                assert_eq!(hash_cstr(&buf), (hash(ess.as_bytes()), n.len()), "{n:?} pad {pad}");
                // Unterminated at the end of the section.
                assert_eq!(hash_cstr(n.as_bytes()).1, n.len());
            }
        }
    }
}
