//! BpfObject, Program, BpfMap and Link handles.
//!
//! Programs and maps are borrowed from their object in the core, so the native handles
//! keep the object's shared state plus an index. Closing the object empties that state:
//! every later use is EBADF, never a dangling access. All of this runs on the JS thread.

use crate::error::{napi_err, to_napi, IntoNapi};
use crate::opts;
use crate::value::{from_js, to_js, widths_of, JsIn};
use napi::bindgen_prelude::{Buffer, Either, Env, Object as JsObject, Uint8Array, Unknown};
use napi_derive::napi;
use rbpf_core::btf::value::{decode, encode, Value};
use rbpf_core::obj::sec_def::{prog_type_from_name, prog_type_name};
use rbpf_core::opts::{MapBatchOpts, ObjectOpenOpts, RawTracepointOpts, TraceOpts, TracepointOpts};
use rbpf_core::{Batch, BatchCursor, Btf, Link, Map, Object, Program};
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

pub(crate) struct State {
    obj: RefCell<Option<Object>>,
    name: String,
    /// The core's `int_widths` per BTF type id (number vs bigint, see value::to_js).
    widths: RefCell<HashMap<u32, Option<Value>>>,
}

pub(crate) type Shared = Rc<State>;

impl State {
    fn closed(&self) -> napi::Error {
        napi_err(libc::EBADF, format!("object '{}' is closed", self.name))
    }

    fn busy(&self) -> napi::Error {
        napi_err(
            libc::EBUSY,
            format!("object '{}' is in use by a callback", self.name),
        )
    }

    pub(crate) fn with<R>(&self, f: impl FnOnce(&Object) -> napi::Result<R>) -> napi::Result<R> {
        let g = self.obj.try_borrow().map_err(|_| self.busy())?;
        match g.as_ref() {
            Some(o) => f(o),
            None => Err(self.closed()),
        }
    }

    fn with_mut<R>(&self, f: impl FnOnce(&mut Object) -> napi::Result<R>) -> napi::Result<R> {
        let mut g = self.obj.try_borrow_mut().map_err(|_| self.busy())?;
        match g.as_mut() {
            Some(o) => f(o),
            None => Err(self.closed()),
        }
    }

    pub(crate) fn btf<'a>(&self, obj: &'a Object) -> napi::Result<&'a Btf> {
        obj.btf()
            .ok_or_else(|| napi_err(libc::ENOENT, format!("object '{}' has no BTF", self.name)))
    }

    /// Decode `bytes` as `type_id` and convert, 64-bit ints as bigint.
    pub(crate) fn decode_js<'e>(
        &self,
        env: &'e Env,
        btf: &Btf,
        type_id: u32,
        bytes: &[u8],
    ) -> napi::Result<Unknown<'e>> {
        let v = decode(btf, type_id, bytes).napi()?;
        let mut widths = self.widths.borrow_mut();
        let w = widths
            .entry(type_id)
            .or_insert_with(|| widths_of(btf, type_id));
        to_js(env, &v, w.as_ref())
    }
}

/// Encode a JS value as BTF type `type_id` over `out` (which holds the current bytes,
/// kept for struct members the value leaves out).
fn encode_into(btf: &Btf, type_id: u32, v: &Value, out: &mut [u8]) -> napi::Result<()> {
    encode(btf, type_id, v, out).napi()
}

#[napi]
pub struct NativeObject {
    st: Shared,
}

#[napi]
impl NativeObject {
    /// Parse an ELF object from a path or a Buffer (no kernel calls).
    #[napi(factory, catch_unwind)]
    pub fn open(
        src: Either<String, Uint8Array>,
        options: Option<JsObject>,
    ) -> napi::Result<NativeObject> {
        let o: ObjectOpenOpts = opts::from_js(options, "BpfObject.open")?;
        let obj = match &src {
            Either::A(path) => Object::open_file(path, &o),
            Either::B(buf) => Object::open_mem(buf, &o),
        }
        .napi()?;
        let name = obj.name().to_string();
        Ok(NativeObject {
            st: Rc::new(State {
                obj: RefCell::new(Some(obj)),
                name,
                widths: RefCell::default(),
            }),
        })
    }

    #[napi(getter, catch_unwind)]
    pub fn name(&self) -> String {
        self.st.name.clone()
    }

    #[napi(getter, catch_unwind)]
    pub fn closed(&self) -> bool {
        self.st
            .obj
            .try_borrow()
            .map(|o| o.is_none())
            .unwrap_or(false)
    }

    #[napi(getter, catch_unwind)]
    pub fn loaded(&self) -> napi::Result<bool> {
        self.st.with(|o| Ok(o.is_loaded()))
    }

    #[napi(getter, catch_unwind)]
    pub fn kversion(&self) -> napi::Result<u32> {
        self.st.with(|o| Ok(o.kversion()))
    }

    #[napi(catch_unwind)]
    pub fn load(&self) -> napi::Result<()> {
        self.st.with_mut(|o| o.load().napi())
    }

    #[napi(catch_unwind)]
    pub fn program(&self, name: String) -> napi::Result<Option<NativeProgram>> {
        self.st.with(|o| {
            Ok(o.programs()
                .iter()
                .position(|p| p.name() == name)
                .map(|idx| NativeProgram {
                    st: self.st.clone(),
                    idx,
                }))
        })
    }

    #[napi(catch_unwind)]
    pub fn programs(&self) -> napi::Result<Vec<NativeProgram>> {
        self.st.with(|o| {
            Ok((0..o.programs().len())
                .map(|idx| NativeProgram {
                    st: self.st.clone(),
                    idx,
                })
                .collect())
        })
    }

    #[napi(catch_unwind)]
    pub fn map(&self, name: String) -> napi::Result<Option<NativeMap>> {
        self.st.with(|o| {
            // libbpf's find_map_by_name: also ".rodata" for a global-data map.
            Ok(o.map(&name).map(|m| NativeMap {
                st: self.st.clone(),
                idx: m.index(),
            }))
        })
    }

    #[napi(catch_unwind)]
    pub fn maps(&self) -> napi::Result<Vec<NativeMap>> {
        self.st.with(|o| {
            Ok((0..o.maps().len())
                .map(|idx| NativeMap {
                    st: self.st.clone(),
                    idx,
                })
                .collect())
        })
    }

    #[napi(catch_unwind)]
    pub fn attach_all(&self) -> napi::Result<Vec<NativeLink>> {
        self.st.with(|o| {
            Ok(o.attach_all()
                .napi()?
                .into_iter()
                .map(NativeLink::new)
                .collect())
        })
    }

    /// Drop the object: its maps and programs close; links stay. Idempotent.
    #[napi(catch_unwind)]
    pub fn close(&self) -> napi::Result<()> {
        let old = self
            .st
            .obj
            .try_borrow_mut()
            .map_err(|_| self.st.busy())?
            .take();
        drop(old);
        self.st.widths.borrow_mut().clear();
        Ok(())
    }

    /// The object's own BTF (None without a .BTF section); EBADF once closed.
    #[napi(catch_unwind)]
    pub fn btf(&self) -> napi::Result<Option<crate::btf::NativeBtf>> {
        self.st.with(|o| {
            Ok(o.btf()
                .map(|_| crate::btf::NativeBtf::of_object(self.st.clone())))
        })
    }

    /// Global-data sections present in the object (".data", ".rodata", ".data.custom", ...).
    #[napi(catch_unwind)]
    pub fn datasecs(&self) -> napi::Result<Vec<String>> {
        self.st.with(|o| {
            Ok(o.maps()
                .iter()
                .filter_map(|m| m.section_name())
                .map(str::to_string)
                .collect())
        })
    }

    /// Variable names of one global-data section; EINVAL-free: unknown section → [].
    #[napi(catch_unwind)]
    pub fn global_names(&self, section: String) -> napi::Result<Vec<String>> {
        self.st.with(|o| {
            Ok(match find_section(o, &section) {
                Some(m) => m.globals().iter().map(|g| g.name.clone()).collect(),
                None => Vec::new(),
            })
        })
    }

    #[napi(catch_unwind)]
    pub fn has_section(&self, section: String) -> napi::Result<bool> {
        self.st.with(|o| Ok(find_section(o, &section).is_some()))
    }

    /// One global variable's value; undefined when the section has no such variable.
    #[napi(catch_unwind)]
    pub fn get_global<'e>(
        &self,
        env: &'e Env,
        section: String,
        name: String,
    ) -> napi::Result<Option<Unknown<'e>>> {
        self.st.with(|o| {
            let Some((map, var)) = find_global(o, &section, &name) else {
                return Ok(None);
            };
            let bytes = map.read_data(var.offset, var.size).napi()?;
            let btf = self.st.btf(o)?;
            self.st.decode_js(env, btf, var.type_id, &bytes).map(Some)
        })
    }

    /// Write one global variable (before load: the image; after: the live map).
    #[napi(
        catch_unwind,
        ts_args_type = "section: string, name: string, value: unknown"
    )]
    pub fn set_global(&self, section: String, name: String, value: JsIn) -> napi::Result<()> {
        let v = from_js(value)?;
        self.st.with(|o| {
            let Some((map, var)) = find_global(o, &section, &name) else {
                return Err(napi_err(
                    libc::ENOENT,
                    format!(
                        "{section}: no variable '{name}' in object '{}'",
                        self.st.name
                    ),
                ));
            };
            let mut bytes = map.read_data(var.offset, var.size).napi()?;
            let btf = self.st.btf(o)?;
            match (&v, encode(btf, var.type_id, &v, &mut bytes)) {
                (_, Ok(())) => {}
                // Raw bytes of exactly the variable's size are always accepted.
                (Value::Bytes(b), Err(_)) if b.len() == var.size => bytes.copy_from_slice(b),
                (_, Err(e)) => {
                    return Err(to_napi(e.context(format!("{section}: variable '{name}'"))))
                }
            }
            map.write_data(var.offset, &bytes).napi()
        })
    }
}

/// The global-data map of a section: ".rodata", ".data.custom", or the map's own name
/// ("syscount.rodata").
fn find_section<'a>(o: &'a Object, section: &str) -> Option<&'a Map> {
    o.datasec(section)
        .or_else(|| o.map(section).filter(|m| m.is_internal()))
}

fn find_global<'a>(
    o: &'a Object,
    section: &str,
    name: &str,
) -> Option<(&'a Map, rbpf_core::GlobalVar)> {
    let map = find_section(o, section)?;
    let var = map.globals().iter().find(|g| g.name == name)?.clone();
    Some((map, var))
}

#[napi]
pub struct NativeProgram {
    st: Shared,
    idx: usize,
}

impl NativeProgram {
    pub(crate) fn with<R>(&self, f: impl FnOnce(&Program) -> napi::Result<R>) -> napi::Result<R> {
        self.st.with(|o| match o.programs().get(self.idx) {
            Some(p) => f(p),
            None => Err(napi_err(libc::ENOENT, "program no longer exists")),
        })
    }
    fn with_mut<R>(&self, f: impl FnOnce(&mut Program) -> napi::Result<R>) -> napi::Result<R> {
        self.st
            .with_mut(|o| match o.programs_mut().get_mut(self.idx) {
                Some(p) => f(p),
                None => Err(napi_err(libc::ENOENT, "program no longer exists")),
            })
    }
}

#[napi]
impl NativeProgram {
    #[napi(getter, catch_unwind)]
    pub fn name(&self) -> napi::Result<String> {
        self.with(|p| Ok(p.name().to_string()))
    }
    #[napi(getter, catch_unwind)]
    pub fn section_name(&self) -> napi::Result<String> {
        self.with(|p| Ok(p.section_name().to_string()))
    }
    /// libbpf's name of the program type: "xdp", "tracepoint", "unspec", ...
    #[napi(getter, js_name = "type", catch_unwind)]
    pub fn prog_type(&self) -> napi::Result<String> {
        self.with(|p| Ok(prog_type_name(p.prog_type()).to_string()))
    }
    #[napi(getter, catch_unwind)]
    pub fn type_id(&self) -> napi::Result<u32> {
        self.with(|p| Ok(p.prog_type()))
    }
    /// Set the program type by libbpf name ("xdp") or BPF_PROG_TYPE_* number.
    #[napi(catch_unwind)]
    pub fn set_type(&self, t: Either<String, u32>) -> napi::Result<()> {
        let t = match t {
            Either::A(name) => prog_type_from_name(&name)
                .ok_or_else(|| napi_err(libc::EINVAL, format!("unknown program type '{name}'")))?,
            Either::B(n) => n,
        };
        self.with_mut(|p| p.set_type(t).napi())
    }
    #[napi(getter, catch_unwind)]
    pub fn autoload(&self) -> napi::Result<bool> {
        self.with(|p| Ok(p.autoload()))
    }
    #[napi(catch_unwind)]
    pub fn set_autoload(&self, v: bool) -> napi::Result<()> {
        self.with_mut(|p| p.set_autoload(v).napi())
    }
    #[napi(getter, catch_unwind)]
    pub fn autoattach(&self) -> napi::Result<bool> {
        self.with(|p| Ok(p.autoattach()))
    }
    #[napi(catch_unwind)]
    pub fn set_autoattach(&self, v: bool) -> napi::Result<()> {
        self.with_mut(|p| {
            p.set_autoattach(v);
            Ok(())
        })
    }
    #[napi(getter, catch_unwind)]
    pub fn fd(&self) -> napi::Result<i32> {
        self.with(|p| p.fd().napi())
    }
    #[napi(getter, catch_unwind)]
    pub fn insn_cnt(&self) -> napi::Result<u32> {
        self.with(|p| Ok(p.insn_cnt() as u32))
    }
    #[napi(catch_unwind)]
    pub fn attach(&self) -> napi::Result<NativeLink> {
        self.with(|p| p.attach().napi().map(NativeLink::new))
    }
    #[napi(catch_unwind)]
    pub fn attach_tracepoint(
        &self,
        category: String,
        name: String,
        options: Option<JsObject>,
    ) -> napi::Result<NativeLink> {
        let o: TracepointOpts = opts::from_js(options, "Program.attachTracepoint")?;
        self.with(|p| {
            p.attach_tracepoint(&category, &name, &o)
                .napi()
                .map(NativeLink::new)
        })
    }
    #[napi(catch_unwind)]
    pub fn attach_raw_tracepoint(
        &self,
        name: String,
        options: Option<JsObject>,
    ) -> napi::Result<NativeLink> {
        let o: RawTracepointOpts = opts::from_js(options, "Program.attachRawTracepoint")?;
        self.with(|p| {
            p.attach_raw_tracepoint(&name, &o)
                .napi()
                .map(NativeLink::new)
        })
    }
    #[napi(catch_unwind)]
    pub fn attach_trace(&self, options: Option<JsObject>) -> napi::Result<NativeLink> {
        let o: TraceOpts = opts::from_js(options, "Program.attachTrace")?;
        self.with(|p| p.attach_trace(&o).napi().map(NativeLink::new))
    }
}

#[napi]
pub struct NativeMap {
    pub(crate) st: Shared,
    pub(crate) idx: usize,
}

impl NativeMap {
    pub(crate) fn with<R>(
        &self,
        f: impl FnOnce(&Object, &Map) -> napi::Result<R>,
    ) -> napi::Result<R> {
        self.st.with(|o| match o.maps().get(self.idx) {
            Some(m) => f(o, m),
            None => Err(napi_err(libc::ENOENT, "map no longer exists")),
        })
    }

    /// Key bytes: raw as given, else encoded by the map's BTF key type.
    fn key_bytes(&self, o: &Object, m: &Map, key: JsIn) -> napi::Result<Vec<u8>> {
        let v = from_js(key)?;
        self.to_bytes(o, m, v, m.btf_key_type_id(), m.key_size() as usize, "key")
    }

    fn to_bytes(
        &self,
        o: &Object,
        m: &Map,
        v: Value,
        type_id: u32,
        size: usize,
        what: &str,
    ) -> napi::Result<Vec<u8>> {
        match v {
            // Raw bytes go to the core as given; it checks the size.
            Value::Bytes(b) if type_id == 0 || b.len() == size => Ok(b),
            // Bytes of another size: a char array may take them (zero-padded); for
            // any other type they go to the core raw, which reports the size.
            Value::Bytes(b) => {
                let btf = self.st.btf(o)?;
                let mut out = vec![0u8; size];
                match encode(btf, type_id, &Value::Bytes(b.clone()), &mut out) {
                    Ok(()) => Ok(out),
                    Err(_) => Ok(b),
                }
            }
            v if type_id != 0 => {
                let btf = self.st.btf(o)?;
                let mut out = vec![0u8; size];
                encode_into(btf, type_id, &v, &mut out)
                    .map_err(|e| rewrap(e, &format!("map '{}': {what}", m.name())))?;
                Ok(out)
            }
            // No BTF type: plain integers for 1/2/4/8-byte keys and values.
            Value::Uint(u)
                if matches!(size, 1 | 2 | 4 | 8) && (size == 8 || u >> (size * 8) == 0) =>
            {
                Ok(u.to_le_bytes()[..size].to_vec())
            }
            Value::Int(i) if matches!(size, 1 | 2 | 4 | 8) => Ok(i.to_le_bytes()[..size].to_vec()),
            _ => Err(napi_err(
                libc::EINVAL,
                format!(
                    "map '{}': {what} has no BTF type; pass a Buffer of {size} bytes",
                    m.name()
                ),
            )),
        }
    }

    fn value_bytes(&self, o: &Object, m: &Map, value: JsIn) -> napi::Result<Vec<u8>> {
        let v = from_js(value)?;
        let tid = m.btf_value_type_id();
        let vsz = m.value_size() as usize;
        if !m.is_percpu() {
            return self.to_bytes(o, m, v, tid, vsz, "value");
        }
        let total = m.user_value_size().napi()?;
        let ncpu = rbpf_core::num_possible_cpus().napi()?;
        match v {
            Value::Bytes(b) if b.len() == total => Ok(b),
            Value::Array(items) => {
                let slots = items
                    .into_iter()
                    .map(|it| self.to_bytes(o, m, it, tid, vsz, "value"))
                    .collect::<napi::Result<Vec<_>>>()?;
                let refs: Vec<&[u8]> = slots.iter().map(Vec::as_slice).collect();
                m.percpu_pack(&refs).napi()
            }
            // One value for every CPU.
            v => {
                let b = self.to_bytes(o, m, v, tid, vsz, "value")?;
                if b.len() != vsz {
                    return Ok(b); // let the core report the size mismatch
                }
                m.percpu_pack(&vec![b.as_slice(); ncpu]).napi()
            }
        }
    }

    fn bytes_to_js<'e>(
        &self,
        env: &'e Env,
        o: &Object,
        type_id: u32,
        bytes: Vec<u8>,
    ) -> napi::Result<Unknown<'e>> {
        if type_id == 0 {
            return Buffer::from(bytes).into_unknown(env);
        }
        let btf = self.st.btf(o)?;
        self.st.decode_js(env, btf, type_id, &bytes)
    }

    fn value_to_js<'e>(
        &self,
        env: &'e Env,
        o: &Object,
        m: &Map,
        bytes: Vec<u8>,
    ) -> napi::Result<Unknown<'e>> {
        let tid = m.btf_value_type_id();
        if !m.is_percpu() {
            return self.bytes_to_js(env, o, tid, bytes);
        }
        let mut out = Vec::new();
        for slot in m.percpu_slots(&bytes).napi()? {
            out.push(self.bytes_to_js(env, o, tid, slot.to_vec())?);
        }
        napi::bindgen_prelude::Array::from_vec(env, out)?.into_unknown(env)
    }
}

use napi::bindgen_prelude::ToNapiValue;

fn rewrap(e: napi::Error, ctx: &str) -> napi::Error {
    match crate::error::take_last_error() {
        Some(last) if last.message == e.reason => {
            let mut ce = rbpf_core::Error::new(last.errno, format!("{ctx}: {}", last.message));
            if let Some(log) = last.verifier_log {
                ce = rbpf_core::Error::verifier(last.errno, ce.message().to_string(), log);
            }
            to_napi(ce)
        }
        _ => e,
    }
}

#[napi]
impl NativeMap {
    #[napi(getter, catch_unwind)]
    pub fn name(&self) -> napi::Result<String> {
        self.with(|_, m| Ok(m.name().to_string()))
    }
    /// BPF_MAP_TYPE_* number.
    #[napi(getter, js_name = "type", catch_unwind)]
    pub fn map_type(&self) -> napi::Result<u32> {
        self.with(|_, m| Ok(m.map_type()))
    }
    #[napi(getter, catch_unwind)]
    pub fn key_size(&self) -> napi::Result<u32> {
        self.with(|_, m| Ok(m.key_size()))
    }
    #[napi(getter, catch_unwind)]
    pub fn value_size(&self) -> napi::Result<u32> {
        self.with(|_, m| Ok(m.value_size()))
    }
    #[napi(getter, catch_unwind)]
    pub fn max_entries(&self) -> napi::Result<u32> {
        self.with(|_, m| Ok(m.max_entries()))
    }
    #[napi(getter, catch_unwind)]
    pub fn map_flags(&self) -> napi::Result<u32> {
        self.with(|_, m| Ok(m.map_flags()))
    }
    #[napi(getter, catch_unwind)]
    pub fn is_percpu(&self) -> napi::Result<bool> {
        self.with(|_, m| Ok(m.is_percpu()))
    }
    #[napi(getter, catch_unwind)]
    pub fn is_internal(&self) -> napi::Result<bool> {
        self.with(|_, m| Ok(m.is_internal()))
    }
    #[napi(getter, catch_unwind)]
    pub fn fd(&self) -> napi::Result<i32> {
        self.with(|_, m| m.fd().napi())
    }
    #[napi(catch_unwind)]
    pub fn set_max_entries(&self, n: u32) -> napi::Result<()> {
        self.st.with_mut(|o| match o.maps_mut().get_mut(self.idx) {
            Some(m) => m.set_max_entries(n).napi(),
            None => Err(napi_err(libc::ENOENT, "map no longer exists")),
        })
    }

    /// Typed lookup; undefined when the key is absent. `raw` returns the value bytes.
    #[napi(
        catch_unwind,
        ts_args_type = "key: unknown, flags: number | bigint, raw: boolean"
    )]
    pub fn lookup<'e>(
        &self,
        env: &'e Env,
        key: JsIn,
        flags: Either<u32, napi::bindgen_prelude::BigInt>,
        raw: bool,
    ) -> napi::Result<Option<Unknown<'e>>> {
        let flags = flags_u64(flags)?;
        self.with(|o, m| {
            let k = self.key_bytes(o, m, key)?;
            match m.lookup(&k, flags).napi()? {
                None => Ok(None),
                Some(v) if raw => Buffer::from(v).into_unknown(env).map(Some),
                Some(v) => self.value_to_js(env, o, m, v).map(Some),
            }
        })
    }

    /// Lookup and delete (queues, stacks, hashes); undefined when absent.
    #[napi(
        catch_unwind,
        ts_args_type = "key: unknown, flags: number | bigint, raw: boolean"
    )]
    pub fn lookup_and_delete<'e>(
        &self,
        env: &'e Env,
        key: JsIn,
        flags: Either<u32, napi::bindgen_prelude::BigInt>,
        raw: bool,
    ) -> napi::Result<Option<Unknown<'e>>> {
        let flags = flags_u64(flags)?;
        self.with(|o, m| {
            let k = self.key_bytes(o, m, key)?;
            match m.lookup_and_delete(&k, flags).napi()? {
                None => Ok(None),
                Some(v) if raw => Buffer::from(v).into_unknown(env).map(Some),
                Some(v) => self.value_to_js(env, o, m, v).map(Some),
            }
        })
    }

    #[napi(
        catch_unwind,
        ts_args_type = "key: unknown, value: unknown, flags: number | bigint"
    )]
    pub fn update(
        &self,
        key: JsIn,
        value: JsIn,
        flags: Either<u32, napi::bindgen_prelude::BigInt>,
    ) -> napi::Result<()> {
        let flags = flags_u64(flags)?;
        self.with(|o, m| {
            let k = self.key_bytes(o, m, key)?;
            let v = self.value_bytes(o, m, value)?;
            m.update(&k, &v, flags).napi()
        })
    }

    /// Delete a key; false when it was absent (ENOENT).
    #[napi(catch_unwind, ts_args_type = "key: unknown")]
    pub fn delete(&self, key: JsIn) -> napi::Result<bool> {
        self.with(|o, m| {
            let k = self.key_bytes(o, m, key)?;
            match m.delete(&k, 0) {
                Ok(()) => Ok(true),
                Err(e) if e.errno() == libc::ENOENT => Ok(false),
                Err(e) => Err(to_napi(e)),
            }
        })
    }

    /// Every key, decoded (or Buffers when the map has no BTF key type, or `raw`).
    #[napi(catch_unwind)]
    pub fn keys<'e>(&self, env: &'e Env, raw: bool) -> napi::Result<Vec<Unknown<'e>>> {
        self.with(|o, m| {
            let tid = if raw { 0 } else { m.btf_key_type_id() };
            m.keys()
                .napi()?
                .into_iter()
                .map(|k| self.bytes_to_js(env, o, tid, k))
                .collect()
        })
    }

    /// Every entry as [key, value], keys and values decoded (raw: Buffers).
    #[napi(catch_unwind, ts_return_type = "Array<[unknown, unknown]>")]
    pub fn entries<'e>(&self, env: &'e Env, raw: bool) -> napi::Result<Vec<Vec<Unknown<'e>>>> {
        self.with(|o, m| {
            let ktid = if raw { 0 } else { m.btf_key_type_id() };
            let mut out = Vec::new();
            // The core walks with batch lookups where the kernel has them, else key by key.
            for kv in m.iter() {
                let (k, v) = kv.napi()?;
                let kj = self.bytes_to_js(env, o, ktid, k)?;
                let vj = if raw {
                    Buffer::from(v).into_unknown(env)?
                } else {
                    self.value_to_js(env, o, m, v)?
                };
                out.push(vec![kj, vj]);
            }
            Ok(out)
        })
    }
}

/// A batch position (libbpf's in_batch / out_batch pair), advanced by each
/// lookupBatch / lookupAndDeleteBatch call.
#[napi]
pub struct NativeBatchCursor {
    c: BatchCursor,
}

#[napi]
impl NativeBatchCursor {
    #[napi(constructor, catch_unwind)]
    pub fn new() -> Self {
        NativeBatchCursor {
            c: BatchCursor::new(),
        }
    }
    /// True once a call reached the end of the map.
    #[napi(getter, catch_unwind)]
    pub fn done(&self) -> bool {
        self.c.is_done()
    }
    /// Start over from the first element.
    #[napi(catch_unwind)]
    pub fn reset(&mut self) {
        self.c.reset()
    }
}

impl NativeMap {
    fn batch_entries<'e>(
        &self,
        env: &'e Env,
        o: &Object,
        m: &Map,
        b: &Batch,
        raw: bool,
    ) -> napi::Result<Vec<Vec<Unknown<'e>>>> {
        let ktid = if raw { 0 } else { m.btf_key_type_id() };
        let mut out = Vec::with_capacity(b.len());
        for (k, v) in b.iter() {
            let kj = self.bytes_to_js(env, o, ktid, k.to_vec())?;
            let vj = if raw {
                Buffer::from(v.to_vec()).into_unknown(env)?
            } else {
                self.value_to_js(env, o, m, v.to_vec())?
            };
            out.push(vec![kj, vj]);
        }
        Ok(out)
    }

    /// Keys as packed bytes: a Buffer is taken as is, an array is encoded key by key.
    fn packed_keys(
        &self,
        o: &Object,
        m: &Map,
        keys: Either<Uint8Array, Vec<JsIn>>,
    ) -> napi::Result<Vec<u8>> {
        match keys {
            Either::A(b) => Ok(b.to_vec()),
            Either::B(ks) => {
                let mut out = Vec::new();
                for k in ks {
                    out.extend(self.key_bytes(o, m, k)?);
                }
                Ok(out)
            }
        }
    }
}

#[napi]
impl NativeMap {
    /// Up to `count` entries from `cursor` on (BPF_MAP_LOOKUP_BATCH), advancing it.
    #[napi(catch_unwind, ts_return_type = "Array<[unknown, unknown]>")]
    pub fn lookup_batch<'e>(
        &self,
        env: &'e Env,
        cursor: &mut NativeBatchCursor,
        count: u32,
        options: Option<JsObject>,
        raw: bool,
    ) -> napi::Result<Vec<Vec<Unknown<'e>>>> {
        let opts: MapBatchOpts = opts::from_js(options, "BpfMap.lookupBatch")?;
        self.with(|o, m| {
            let b = m.lookup_batch(&mut cursor.c, count, &opts).napi()?;
            self.batch_entries(env, o, m, &b, raw)
        })
    }

    /// As lookupBatch, deleting what it returns (BPF_MAP_LOOKUP_AND_DELETE_BATCH).
    #[napi(catch_unwind, ts_return_type = "Array<[unknown, unknown]>")]
    pub fn lookup_and_delete_batch<'e>(
        &self,
        env: &'e Env,
        cursor: &mut NativeBatchCursor,
        count: u32,
        options: Option<JsObject>,
        raw: bool,
    ) -> napi::Result<Vec<Vec<Unknown<'e>>>> {
        let opts: MapBatchOpts = opts::from_js(options, "BpfMap.lookupAndDeleteBatch")?;
        self.with(|o, m| {
            let b = m
                .lookup_and_delete_batch(&mut cursor.c, count, &opts)
                .napi()?;
            self.batch_entries(env, o, m, &b, raw)
        })
    }

    /// BPF_MAP_UPDATE_BATCH: keys and values as arrays (typed like set()) or packed
    /// Buffers. Returns how many were updated.
    #[napi(
        catch_unwind,
        ts_args_type = "keys: unknown[] | Uint8Array, values: unknown[] | Uint8Array, options?: Record<string, unknown> | undefined | null"
    )]
    pub fn update_batch(
        &self,
        keys: Either<Uint8Array, Vec<JsIn>>,
        values: Either<Uint8Array, Vec<JsIn>>,
        options: Option<JsObject>,
    ) -> napi::Result<u32> {
        let opts: MapBatchOpts = opts::from_js(options, "BpfMap.updateBatch")?;
        self.with(|o, m| {
            if let (Either::B(ks), Either::B(vs)) = (&keys, &values) {
                if ks.len() != vs.len() {
                    return Err(napi_err(
                        libc::EINVAL,
                        format!(
                            "map '{}': update batch: {} keys but {} values",
                            m.name(),
                            ks.len(),
                            vs.len()
                        ),
                    ));
                }
            }
            let k = self.packed_keys(o, m, keys)?;
            let v = match values {
                Either::A(b) => b.to_vec(),
                Either::B(vs) => {
                    let mut out = Vec::new();
                    for v in vs {
                        out.extend(self.value_bytes(o, m, v)?);
                    }
                    out
                }
            };
            m.update_batch(&k, &v, &opts).napi().map(|n| n as u32)
        })
    }

    /// BPF_MAP_DELETE_BATCH: keys as an array or a packed Buffer. Returns how many
    /// were deleted (a missing key is ENOENT).
    #[napi(
        catch_unwind,
        ts_args_type = "keys: unknown[] | Uint8Array, options?: Record<string, unknown> | undefined | null"
    )]
    pub fn delete_batch(
        &self,
        keys: Either<Uint8Array, Vec<JsIn>>,
        options: Option<JsObject>,
    ) -> napi::Result<u32> {
        let opts: MapBatchOpts = opts::from_js(options, "BpfMap.deleteBatch")?;
        self.with(|o, m| {
            let k = self.packed_keys(o, m, keys)?;
            m.delete_batch(&k, &opts).napi().map(|n| n as u32)
        })
    }
}

fn flags_u64(f: Either<u32, napi::bindgen_prelude::BigInt>) -> napi::Result<u64> {
    match f {
        Either::A(n) => Ok(n as u64),
        Either::B(b) => {
            let (signed, v, lossless) = b.get_u64();
            if signed || !lossless {
                return Err(napi_err(
                    libc::EINVAL,
                    "flags must be a non-negative 64-bit integer",
                ));
            }
            Ok(v)
        }
    }
}

#[napi]
pub struct NativeLink {
    pub(crate) link: Option<Link>,
}

impl NativeLink {
    pub(crate) fn new(link: Link) -> Self {
        NativeLink { link: Some(link) }
    }
}

#[napi]
impl NativeLink {
    #[napi(getter, catch_unwind)]
    pub fn fd(&self) -> i32 {
        self.link.as_ref().map(|l| l.fd()).unwrap_or(-1)
    }
    #[napi(getter, catch_unwind)]
    pub fn detached(&self) -> bool {
        self.link.as_ref().map(|l| l.is_detached()).unwrap_or(true)
    }
    /// Detach and close; a second call does nothing.
    #[napi(catch_unwind)]
    pub fn detach(&mut self) -> napi::Result<()> {
        match self.link.take() {
            Some(mut l) => l.detach().napi(),
            None => Ok(()),
        }
    }
}
