//! JS values ↔ `rbpf_core::btf::value::Value`. The BTF work (layout, encoding,
//! range checks) is the core's; this file only moves values across.

use crate::error::napi_err;
use napi::bindgen_prelude::{
    Array, BigInt, Buffer, Either7, Env, Object, ToNapiValue, Uint8Array, Unknown,
};
use rbpf_core::btf::value::Value;

/// What a JS value may be on the way in: Buffer/Uint8Array, number, bigint,
/// boolean, string (bytes of a char array), array, plain object.
pub(crate) type JsIn<'e> = Either7<Uint8Array, f64, BigInt, bool, String, Array<'e>, Object<'e>>;

const MAX_SAFE: f64 = 9007199254740991.0;

pub(crate) fn from_js(v: JsIn<'_>) -> napi::Result<Value> {
    Ok(match v {
        Either7::A(b) => Value::Bytes(b.to_vec()),
        Either7::B(n) => {
            if n.fract() == 0.0 && n.abs() <= MAX_SAFE {
                if n < 0.0 { Value::Int(n as i64) } else { Value::Uint(n as u64) }
            } else {
                Value::Float(n)
            }
        }
        Either7::C(b) => {
            let (signed, words) = (b.sign_bit, &b.words);
            if words.len() > 1 && words[1..].iter().any(|w| *w != 0) {
                return Err(napi_err(libc::ERANGE, "bigint does not fit in 64 bits"));
            }
            let w = words.first().copied().unwrap_or(0);
            if signed {
                if w > 1u64 << 63 {
                    return Err(napi_err(libc::ERANGE, "bigint does not fit in 64 bits"));
                }
                Value::Int((w as i64).wrapping_neg())
            } else {
                Value::Uint(w)
            }
        }
        Either7::D(b) => Value::Bool(b),
        Either7::E(s) => Value::Bytes(s.into_bytes()),
        Either7::F(a) => {
            let mut items = Vec::with_capacity(a.len() as usize);
            for i in 0..a.len() {
                match a.get::<JsIn>(i)? {
                    Some(x) => items.push(from_js(x)?),
                    None => return Err(napi_err(libc::EINVAL, format!("array element {i} is missing"))),
                }
            }
            Value::Array(items)
        }
        Either7::G(o) => {
            let mut members = Vec::new();
            for k in Object::keys(&o)? {
                if let Some(x) = o.get::<JsIn>(&k)? {
                    members.push((k, from_js(x)?));
                }
            }
            Value::Struct(members)
        }
    })
}

/// Bytes that reveal each integer's width when decoded: every int of up to 32 bits
/// decodes to a magnitude below 2^32, every 64-bit one (also signed) above it.
pub(crate) const SHAPE_BYTE: u8 = 0x80;

/// `v` as a JS value. `shape` is the same type decoded from `SHAPE_BYTE`-filled bytes
/// (see `shape_of`): integer leaves whose shape is wide become `bigint`, others
/// `number`. Without a shape every integer is a `number`.
pub(crate) fn to_js<'e>(env: &'e Env, v: &Value, shape: Option<&Value>) -> napi::Result<Unknown<'e>> {
    let wide = |s: Option<&Value>| match s {
        Some(Value::Uint(u)) => *u > u32::MAX as u64,
        Some(Value::Int(i)) => i.unsigned_abs() > u32::MAX as u64,
        _ => false,
    };
    match v {
        Value::Int(i) if wide(shape) => BigInt::from(*i).into_unknown(env),
        Value::Uint(u) if wide(shape) => BigInt::from(*u).into_unknown(env),
        Value::Int(i) => (*i as f64).into_unknown(env),
        Value::Uint(u) => (*u as f64).into_unknown(env),
        Value::Bool(b) => b.into_unknown(env),
        Value::Float(f) => f.into_unknown(env),
        Value::Bytes(b) => Buffer::from(b.clone()).into_unknown(env),
        Value::Array(items) => {
            let shapes = match shape {
                Some(Value::Array(s)) => Some(s),
                _ => None,
            };
            let mut out = Vec::with_capacity(items.len());
            for (i, it) in items.iter().enumerate() {
                out.push(to_js(env, it, shapes.and_then(|s| s.get(i)))?);
            }
            Array::from_vec(env, out)?.into_unknown(env)
        }
        Value::Struct(members) => {
            let shapes = match shape {
                Some(Value::Struct(s)) => Some(s),
                _ => None,
            };
            let mut o = Object::new(env)?;
            for (i, (k, it)) in members.iter().enumerate() {
                let sh = shapes.and_then(|s| s.get(i)).map(|(_, v)| v);
                o.set(k, to_js(env, it, sh)?)?;
            }
            o.into_unknown(env)
        }
    }
}

/// The width-revealing decode of a type (None if the core can't decode it).
pub(crate) fn shape_of(btf: &rbpf_core::Btf, type_id: u32, size: usize) -> Option<Value> {
    rbpf_core::btf::value::decode(btf, type_id, &vec![SHAPE_BYTE; size]).ok()
}

/// A type by its C spelling: "struct event", "union u", "enum e" or a plain name
/// (typedef / int). (A core helper is requested in requests-node.md #2.)
pub(crate) fn find_type(btf: &rbpf_core::Btf, name: &str) -> Option<u32> {
    use rbpf_core::btf::Kind;
    let name = name.trim();
    let kinds: &[(&str, &[Kind])] = &[
        ("struct ", &[Kind::Struct]),
        ("union ", &[Kind::Union]),
        ("enum ", &[Kind::Enum, Kind::Enum64]),
    ];
    for (prefix, ks) in kinds {
        if let Some(rest) = name.strip_prefix(prefix) {
            return ks.iter().find_map(|k| btf.find_by_name_kind(rest.trim(), *k));
        }
    }
    btf.find_by_name(name)
}
