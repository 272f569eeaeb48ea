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
                if n < 0.0 {
                    Value::Int(n as i64)
                } else {
                    Value::Uint(n as u64)
                }
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
                    None => {
                        return Err(napi_err(
                            libc::EINVAL,
                            format!("array element {i} is missing"),
                        ))
                    }
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

/// `v` as a JS value. `widths` is the core's `int_widths` of the same type (every
/// integer leaf replaced by its bit width): integers wider than 32 bits become `bigint`,
/// others `number`. Without widths every integer is a `number`.
pub(crate) fn to_js<'e>(
    env: &'e Env,
    v: &Value,
    shape: Option<&Value>,
) -> napi::Result<Unknown<'e>> {
    let wide = |s: Option<&Value>| matches!(s, Some(Value::Uint(bits)) if *bits > 32);
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

/// The integer widths of a type (see `to_js`); None when the core can't describe it.
pub(crate) fn widths_of(btf: &rbpf_core::Btf, type_id: u32) -> Option<Value> {
    rbpf_core::btf::value::int_widths(btf, type_id).ok()
}

/// A BTF type decoder that outlives its object: a copy of the BTF, the type id and its
/// integer widths (for number vs bigint). Used by ring and perf buffer records.
pub(crate) struct Decoder {
    btf: rbpf_core::Btf,
    type_id: u32,
    widths: Option<Value>,
}

impl Decoder {
    /// `c_name` as the core spells types: "struct event", "u32", ...; `what` names the
    /// map for the ENOENT message.
    pub(crate) fn new(btf: &rbpf_core::Btf, c_name: &str, what: &str) -> napi::Result<Decoder> {
        let type_id = btf.find_by_c_name(c_name).ok_or_else(|| {
            napi_err(
                libc::ENOENT,
                format!("{what}: no BTF type '{c_name}' in the object"),
            )
        })?;
        Ok(Decoder {
            btf: btf.clone(),
            type_id,
            widths: widths_of(btf, type_id),
        })
    }

    pub(crate) fn to_js<'e>(&self, env: &'e Env, data: &[u8]) -> napi::Result<Unknown<'e>> {
        use crate::error::IntoNapi;
        let v = rbpf_core::btf::value::decode(&self.btf, self.type_id, data).napi()?;
        to_js(env, &v, self.widths.as_ref())
    }
}

/// A record as JS: decoded when the buffer has a decoder, else a Buffer (a copy).
pub(crate) fn record_js<'e>(
    env: &'e Env,
    decoder: Option<&Decoder>,
    data: &[u8],
) -> napi::Result<Unknown<'e>> {
    match decoder {
        None => Buffer::from(data.to_vec()).into_unknown(env),
        Some(d) => d.to_js(env, data),
    }
}
