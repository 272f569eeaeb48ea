//! Btf: the kernel's BTF, a BTF file, or an object's own BTF, for type lookups and
//! typed decoding of bytes the caller got elsewhere (a perf sample, a raw map value).

use crate::error::{napi_err, type_error, IntoNapi};
use crate::object::Shared;
use crate::value::{from_js, to_js, widths_of, JsIn};
use napi::bindgen_prelude::{
    Array, BigInt, Buffer, Either, Env, Object as JsObject, ToNapiValue, Uint8Array, Unknown,
};
use napi_derive::napi;
use rbpf_core::btf::value::{decode, describe, encode};
use rbpf_core::btf::Kind;
use rbpf_core::Btf;
use std::sync::Arc;

enum Src {
    Owned(Arc<Btf>),
    /// An object's BTF: valid while the object is open (EBADF after close).
    Object(Shared),
}

#[napi]
pub struct NativeBtf {
    src: Src,
}

impl NativeBtf {
    pub(crate) fn of_object(st: Shared) -> Self {
        NativeBtf {
            src: Src::Object(st),
        }
    }

    fn with<R>(&self, f: impl FnOnce(&Btf) -> napi::Result<R>) -> napi::Result<R> {
        match &self.src {
            Src::Owned(b) => f(b),
            Src::Object(st) => st.with(|o| f(st.btf(o)?)),
        }
    }
}

/// libbpf's kind name ("struct", "func_proto", ...) → Kind.
fn kind_from_name(name: &str) -> napi::Result<Kind> {
    let all = || (0..32).filter_map(Kind::from_u32);
    all().find(|k| k.name() == name).ok_or_else(|| {
        let known: Vec<&str> = all().map(|k| k.name()).collect();
        type_error(format!(
            "Btf: unknown kind '{name}' (known: {})",
            known.join(", ")
        ))
    })
}

/// A type given as an id or a C name ("struct event", "u32").
fn type_arg(btf: &Btf, t: &Either<u32, String>) -> napi::Result<u32> {
    match t {
        Either::A(id) => Ok(*id),
        Either::B(name) => btf
            .find_by_c_name(name)
            .ok_or_else(|| napi_err(libc::ENOENT, format!("btf: no type '{name}'"))),
    }
}

fn linkage_name(l: u32) -> &'static str {
    match l {
        0 => "static",
        1 => "global",
        2 => "extern",
        _ => "unknown",
    }
}

#[napi]
impl NativeBtf {
    /// The running kernel's BTF (/sys/kernel/btf/vmlinux), parsed once per process.
    #[napi(factory, catch_unwind)]
    pub fn vmlinux() -> napi::Result<NativeBtf> {
        Ok(NativeBtf {
            src: Src::Owned(Btf::vmlinux().napi()?),
        })
    }

    /// Raw BTF or an ELF file's .BTF section; `base` parses it as split BTF.
    #[napi(factory, catch_unwind)]
    pub fn from_file(path: String, base: Option<&NativeBtf>) -> napi::Result<NativeBtf> {
        let base = match base {
            None => None,
            Some(b) => Some(match &b.src {
                Src::Owned(a) => a.clone(),
                Src::Object(_) => b.with(|btf| Ok(Arc::new(btf.clone())))?,
            }),
        };
        Ok(NativeBtf {
            src: Src::Owned(Arc::new(Btf::from_file_split(&path, base).napi()?)),
        })
    }

    /// Number of type ids including void (libbpf's btf__type_cnt).
    #[napi(getter, catch_unwind)]
    pub fn type_cnt(&self) -> napi::Result<u32> {
        self.with(|b| Ok(b.type_cnt()))
    }

    /// First type id of this BTF (0, or the base's type count for split BTF).
    #[napi(getter, catch_unwind)]
    pub fn start_id(&self) -> napi::Result<u32> {
        self.with(|b| Ok(b.start_id()))
    }

    /// Type id by name: a C name ("struct event", "u32") or, with `kind`, a bare name of
    /// that kind (libbpf's btf__find_by_name_kind). None when absent.
    #[napi(catch_unwind)]
    pub fn find_by_name(&self, name: String, kind: Option<String>) -> napi::Result<Option<u32>> {
        let kind = kind.map(|k| kind_from_name(&k)).transpose()?;
        self.with(|b| {
            Ok(match kind {
                Some(k) => b.find_by_name_kind(&name, k),
                None => b.find_by_c_name(&name),
            })
        })
    }

    /// One type as a plain object (see index.d.ts `BtfType`).
    #[napi(catch_unwind, ts_return_type = "Record<string, unknown>")]
    pub fn type_by_id<'e>(&self, env: &'e Env, id: u32) -> napi::Result<JsObject<'e>> {
        self.with(|b| type_object(env, b, id))
    }

    /// Size in bytes of a type (id or C name), through typedefs and modifiers.
    #[napi(catch_unwind)]
    pub fn resolve_size(&self, t: Either<u32, String>) -> napi::Result<u32> {
        self.with(|b| b.resolve_size(type_arg(b, &t)?).napi())
    }

    /// A C-like spelling of a type: "struct event", "char[16]", "const char *".
    #[napi(catch_unwind)]
    pub fn describe(&self, t: Either<u32, String>) -> napi::Result<String> {
        self.with(|b| Ok(describe(b, type_arg(b, &t)?)))
    }

    /// Decode bytes as a type (id or C name): numbers, bigint (64-bit), Buffer
    /// (char[N]), arrays, objects.
    #[napi(catch_unwind)]
    pub fn decode<'e>(
        &self,
        env: &'e Env,
        t: Either<u32, String>,
        data: Uint8Array,
    ) -> napi::Result<Unknown<'e>> {
        self.with(|b| {
            let id = type_arg(b, &t)?;
            let v = decode(b, id, &data).napi()?;
            to_js(env, &v, widths_of(b, id).as_ref())
        })
    }

    /// Encode a value as a type (id or C name) into a new Buffer of the type's size
    /// (members the value leaves out are zero).
    #[napi(catch_unwind, ts_args_type = "type: number | string, value: unknown")]
    pub fn encode(&self, t: Either<u32, String>, value: JsIn) -> napi::Result<Buffer> {
        let v = from_js(value)?;
        self.with(|b| {
            let id = type_arg(b, &t)?;
            let mut out = vec![0u8; b.resolve_size(id).napi()? as usize];
            encode(b, id, &v, &mut out).napi()?;
            Ok(out.into())
        })
    }
}

fn type_object<'e>(env: &'e Env, btf: &Btf, id: u32) -> napi::Result<JsObject<'e>> {
    let t = btf.type_by_id(id).napi()?;
    let kind = t.kind();
    let mut o = JsObject::new(env)?;
    o.set("id", t.id())?;
    o.set("kind", kind.name())?;
    o.set("name", t.name())?;
    o.set("vlen", t.vlen())?;
    o.set("kflag", t.kflag())?;
    if let Some(size) = t.size() {
        o.set("size", size)?;
    }
    if let Some(r) = t.ref_type() {
        o.set("typeId", r)?;
    }
    match kind {
        Kind::Int => {
            if let Some(i) = t.int() {
                o.set("bits", i.bits as u32)?;
                o.set("bitOffset", i.offset as u32)?;
                o.set("signed", i.is_signed())?;
                let enc = if i.is_bool() {
                    "bool"
                } else if i.is_char() {
                    "char"
                } else if i.is_signed() {
                    "signed"
                } else {
                    "none"
                };
                o.set("encoding", enc)?;
            }
        }
        Kind::Array => {
            if let Some(a) = t.array() {
                o.set("elemTypeId", a.elem_type)?;
                o.set("indexTypeId", a.index_type)?;
                o.set("nelems", a.nelems)?;
            }
        }
        Kind::Struct | Kind::Union => {
            let mut ms = Vec::with_capacity(t.vlen() as usize);
            for m in t.members() {
                let mut mo = JsObject::new(env)?;
                mo.set("name", m.name)?;
                mo.set("typeId", m.type_id)?;
                mo.set("bitOffset", m.bit_offset)?;
                mo.set("bitfieldSize", m.bitfield_size)?;
                ms.push(mo);
            }
            o.set("members", Array::from_vec(env, ms)?)?;
        }
        Kind::Enum | Kind::Enum64 => {
            let signed = t.enum_signed();
            o.set("signed", signed)?;
            let mut vs = Vec::with_capacity(t.vlen() as usize);
            for e in t.enum_values() {
                let mut eo = JsObject::new(env)?;
                eo.set("name", e.name)?;
                // ENUM values fit a number; ENUM64 values are bigint (may exceed 2^53).
                let v: Unknown = match (kind, signed) {
                    (Kind::Enum, true) => (e.as_i64() as f64).into_unknown(env)?,
                    (Kind::Enum, false) => (e.value as f64).into_unknown(env)?,
                    (_, true) => BigInt::from(e.as_i64()).into_unknown(env)?,
                    (_, false) => BigInt::from(e.value).into_unknown(env)?,
                };
                eo.set("value", v)?;
                vs.push(eo);
            }
            o.set("values", Array::from_vec(env, vs)?)?;
        }
        Kind::Fwd => {
            o.set("fwdKind", if t.fwd_is_union() { "union" } else { "struct" })?;
        }
        Kind::Func => {
            if let Some(l) = t.func_linkage() {
                o.set("linkage", linkage_name(l))?;
            }
        }
        Kind::FuncProto => {
            let mut ps = Vec::with_capacity(t.vlen() as usize);
            for p in t.params() {
                let mut po = JsObject::new(env)?;
                po.set("name", p.name)?;
                po.set("typeId", p.type_id)?;
                ps.push(po);
            }
            o.set("params", Array::from_vec(env, ps)?)?;
        }
        Kind::Var => {
            if let Some(l) = t.var_linkage() {
                o.set("linkage", linkage_name(l))?;
            }
        }
        Kind::Datasec => {
            let mut vs = Vec::with_capacity(t.vlen() as usize);
            for v in t.datasec_vars() {
                let mut vo = JsObject::new(env)?;
                vo.set("typeId", v.type_id)?;
                vo.set("offset", v.offset)?;
                vo.set("size", v.size)?;
                vs.push(vo);
            }
            o.set("vars", Array::from_vec(env, vs)?)?;
        }
        Kind::DeclTag => {
            if let Some(c) = t.decl_tag_component_idx() {
                o.set("componentIdx", c)?;
            }
        }
        _ => {}
    }
    Ok(o)
}
