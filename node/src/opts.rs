//! Options objects → core opts structs, driven by each struct's one declaration
//! (`Opts::DESC.fields`): keys are the camelCase field names; an unknown key is a
//! TypeError naming it.

use crate::error::{type_error, IntoNapi};
use napi::bindgen_prelude::{
    BigInt, Either, Either3, FromNapiValue, Null, Object, TypeName, Undefined, ValidateNapiValue,
};
use napi_derive::napi;
use rbpf_core::opts::{self, camel_case, OptKind, OptValue, Opts};
use std::collections::HashMap;

fn num_u64(v: Either<BigInt, f64>, key: &str) -> napi::Result<u64> {
    match v {
        Either::A(b) => {
            let (signed, n, lossless) = b.get_u64();
            if signed || !lossless {
                return Err(type_error(format!(
                    "option '{key}' must be a non-negative 64-bit integer"
                )));
            }
            Ok(n)
        }
        Either::B(f) if f >= 0.0 && f.fract() == 0.0 && f <= 9007199254740991.0 => Ok(f as u64),
        Either::B(_) => Err(type_error(format!(
            "option '{key}' must be a non-negative integer"
        ))),
    }
}

fn num_i64(v: Either<BigInt, f64>, key: &str) -> napi::Result<i64> {
    match v {
        Either::A(b) => match b.get_i64() {
            (n, true) => Ok(n),
            _ => Err(type_error(format!(
                "option '{key}' must be a 64-bit integer"
            ))),
        },
        Either::B(f) if f.fract() == 0.0 && f.abs() <= 9007199254740991.0 => Ok(f as i64),
        Either::B(_) => Err(type_error(format!("option '{key}' must be an integer"))),
    }
}

/// One property; undefined and null mean "not given" (the default stays).
fn get<V>(
    obj: &Object,
    key: &str,
    bad: &dyn Fn(napi::Error) -> napi::Error,
) -> napi::Result<Option<V>>
where
    V: FromNapiValue + ValidateNapiValue + TypeName,
{
    match obj.get::<Either3<V, Undefined, Null>>(key).map_err(bad)? {
        Some(Either3::A(v)) => Ok(Some(v)),
        _ => Ok(None),
    }
}

/// Fill `T` from a JS options object. `what` names the call for messages.
pub(crate) fn from_js<T: Opts>(obj: Option<Object>, what: &str) -> napi::Result<T> {
    from_js_ext(obj.as_ref(), what, &[])
}

/// As `from_js`, where the Node call also takes the keys `extra` in the same object
/// (libbpf's positional arguments that are optional in Node, e.g. `pid`): they are
/// skipped here (read them with `extra_get`) and listed among the known keys.
pub(crate) fn from_js_ext<T: Opts>(
    obj: Option<&Object>,
    what: &str,
    extra: &[&str],
) -> napi::Result<T> {
    let mut out = T::default();
    let Some(obj) = obj else { return Ok(out) };
    for key in Object::keys(obj)? {
        if extra.contains(&key.as_str()) {
            continue;
        }
        let Some(field) = T::DESC.fields.iter().find(|f| camel_case(f.name) == key) else {
            let mut known: Vec<String> = extra.iter().map(|k| k.to_string()).collect();
            known.extend(T::DESC.fields.iter().map(|f| camel_case(f.name)));
            return Err(type_error(format!(
                "{what}: unknown option '{key}' (known: {})",
                if known.is_empty() {
                    "none".to_string()
                } else {
                    known.join(", ")
                }
            )));
        };
        let bad = |e: napi::Error| type_error(format!("{what}: option '{key}': {}", e.reason));
        let value = match field.kind {
            OptKind::Str => match get::<String>(obj, &key, &bad)? {
                None => OptValue::Str(None),
                Some(s) => OptValue::Str(Some(s)),
            },
            OptKind::Bool => match get::<bool>(obj, &key, &bad)? {
                Some(v) => OptValue::Bool(v),
                None => continue,
            },
            OptKind::U32 => match get::<u32>(obj, &key, &bad)? {
                Some(v) => OptValue::U32(v),
                None => continue,
            },
            OptKind::I32 => match get::<i32>(obj, &key, &bad)? {
                Some(v) => OptValue::I32(v),
                None => continue,
            },
            kind @ (OptKind::U64 | OptKind::I64 | OptKind::Usize) => {
                let Some(v) = get::<Either<BigInt, f64>>(obj, &key, &bad)? else {
                    continue;
                };
                match kind {
                    OptKind::U64 => OptValue::U64(num_u64(v, &key)?),
                    OptKind::I64 => OptValue::I64(num_i64(v, &key)?),
                    _ => OptValue::Usize(num_u64(v, &key)? as usize),
                }
            }
        };
        out.set(field.name, value).napi()?;
    }
    Ok(out)
}

/// Options of a Node call that has no core options struct (only `extra` keys).
pub(crate) fn check_keys(obj: Option<&Object>, what: &str, extra: &[&str]) -> napi::Result<()> {
    let Some(obj) = obj else { return Ok(()) };
    for key in Object::keys(obj)? {
        if !extra.contains(&key.as_str()) {
            return Err(type_error(format!(
                "{what}: unknown option '{key}' (known: {})",
                if extra.is_empty() {
                    "none".to_string()
                } else {
                    extra.join(", ")
                }
            )));
        }
    }
    Ok(())
}

/// One extra key of an options object (undefined / null: None), as a TypeError naming it
/// when it has the wrong type.
pub(crate) fn extra_get<V>(obj: Option<&Object>, what: &str, key: &str) -> napi::Result<Option<V>>
where
    V: FromNapiValue + ValidateNapiValue + TypeName,
{
    let Some(obj) = obj else { return Ok(None) };
    let bad = |e: napi::Error| type_error(format!("{what}: option '{key}': {}", e.reason));
    get::<V>(obj, key, &bad)
}

/// An extra key holding an integer that may need 64 bits (number or bigint).
pub(crate) fn extra_u64(obj: Option<&Object>, what: &str, key: &str) -> napi::Result<Option<u64>> {
    match extra_get::<Either<BigInt, f64>>(obj, what, key)? {
        None => Ok(None),
        Some(v) => num_u64(v, key).map(Some),
    }
}

/// An extra key holding an array of integers (numbers or bigints).
pub(crate) fn extra_u64_list(
    obj: Option<&Object>,
    what: &str,
    key: &str,
) -> napi::Result<Vec<u64>> {
    match extra_get::<Vec<Either<BigInt, f64>>>(obj, what, key)? {
        None => Ok(Vec::new()),
        Some(vs) => vs.into_iter().map(|v| num_u64(v, key)).collect(),
    }
}

/// A core options struct as a plain JS object with camelCase keys (outputs such as
/// xdp_query's), read through the same declaration.
pub(crate) fn to_js<'e, T: Opts>(env: &'e napi::Env, v: &T) -> napi::Result<Object<'e>> {
    let mut o = Object::new(env)?;
    for f in T::DESC.fields {
        let key = camel_case(f.name);
        match v.get(f.name) {
            Some(OptValue::Str(Some(s))) => o.set(&key, s)?,
            Some(OptValue::Str(None)) => o.set(&key, Null)?,
            Some(OptValue::Bool(b)) => o.set(&key, b)?,
            Some(OptValue::U32(n)) => o.set(&key, n)?,
            Some(OptValue::I32(n)) => o.set(&key, n)?,
            Some(OptValue::U64(n)) => o.set(&key, BigInt::from(n))?,
            Some(OptValue::I64(n)) => o.set(&key, BigInt::from(n))?,
            Some(OptValue::Usize(n)) => o.set(&key, n as f64)?,
            None => {}
        }
    }
    Ok(o)
}

/// Every options struct's fields in Node spelling: `{ rbpf_object_open_opts: ['objectName', ...] }`.
#[napi(catch_unwind, ts_return_type = "Record<string, string[]>")]
pub fn opts_fields() -> HashMap<String, Vec<String>> {
    opts::all()
        .iter()
        .map(|d| {
            (
                d.c_name.to_string(),
                d.fields.iter().map(|f| camel_case(f.name)).collect(),
            )
        })
        .collect()
}
