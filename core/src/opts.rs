//! Every options struct, declared once.
//!
//! `declare_opts!` produces the Rust struct and a field table (`Opts::FIELDS`). Every
//! other language form is derived from that table: the C `#[repr(C)]` structs in
//! `ffi-c/src/opts_gen.rs` (generated, then cbindgen), Python keyword arguments and Node
//! option objects (validated and converted through `Opts::set` at run time), and the
//! typings. `cargo run -p rbpf-ffi --bin rbpf-gen` rewrites the generated files; tests fail
//! when they are stale or when the four field lists disagree.

use crate::{Error, Result};

/// The value kinds an option field may have. Each maps to one type per language:
/// Str: Option<String> / const char * / str | None / string.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OptKind {
    Str,
    Bool,
    U32,
    I32,
    U64,
    I64,
    Usize,
}

#[derive(Clone, Copy, Debug)]
pub struct OptField {
    /// libbpf's field name (snake_case; Node uses the camelCase form).
    pub name: &'static str,
    pub kind: OptKind,
    pub doc: &'static str,
}

/// One field's value, used by the bindings to fill an options struct by name.
#[derive(Clone, Debug, PartialEq)]
pub enum OptValue {
    Str(Option<String>),
    Bool(bool),
    U32(u32),
    I32(i32),
    U64(u64),
    I64(i64),
    Usize(usize),
}

/// Static description of one options struct, for generators and binding-side checks.
#[derive(Clone, Copy, Debug)]
pub struct OptsDesc {
    /// Rust name, e.g. "ObjectOpenOpts".
    pub rust_name: &'static str,
    /// C name, e.g. "rbpf_object_open_opts".
    pub c_name: &'static str,
    pub doc: &'static str,
    pub fields: &'static [OptField],
}

pub trait Opts: Default + Clone + std::fmt::Debug {
    const DESC: OptsDesc;
    /// Set one field by its libbpf name. An unknown name or a value of the wrong kind is
    /// EINVAL (the bindings raise TypeError for unknown names before calling this).
    fn set(&mut self, name: &str, value: OptValue) -> Result<()>;
    /// Read one field by name.
    fn get(&self, name: &str) -> Option<OptValue>;
}

/// camelCase form of a snake_case field name, as Node spells options.
pub fn camel_case(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut upper = false;
    for c in name.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

#[doc(hidden)]
#[macro_export]
macro_rules! __opt_ty {
    (Str) => { Option<String> };
    (Bool) => { bool };
    (U32) => { u32 };
    (I32) => { i32 };
    (U64) => { u64 };
    (I64) => { i64 };
    (Usize) => { usize };
}

/// Declare an options struct once. See the module documentation.
#[macro_export]
macro_rules! declare_opts {
    (
        $(#[doc = $sdoc:literal])*
        pub struct $name:ident as $cname:ident {
            $(
                $(#[doc = $fdoc:literal])*
                $field:ident : $kind:ident $(= $default:expr)?
            ),* $(,)?
        }
    ) => {
        $(#[doc = $sdoc])*
        #[derive(Clone, Debug, PartialEq)]
        #[non_exhaustive]
        pub struct $name {
            $( $(#[doc = $fdoc])* pub $field: $crate::__opt_ty!($kind), )*
        }

        impl Default for $name {
            #[allow(unused_mut, unused_assignments)]
            fn default() -> Self {
                $name { $( $field: {
                    let mut v: $crate::__opt_ty!($kind) = Default::default();
                    $( v = $default; )?
                    v
                }, )* }
            }
        }

        impl $crate::opts::Opts for $name {
            const DESC: $crate::opts::OptsDesc = $crate::opts::OptsDesc {
                rust_name: stringify!($name),
                c_name: stringify!($cname),
                doc: concat!($($sdoc, "\n",)* ""),
                fields: &[ $( $crate::opts::OptField {
                    name: stringify!($field),
                    kind: $crate::opts::OptKind::$kind,
                    doc: concat!($($fdoc, "\n",)* ""),
                }, )* ],
            };

            #[allow(unused_variables)]
            fn set(&mut self, name: &str, value: $crate::opts::OptValue) -> $crate::Result<()> {
                match name {
                    $( stringify!($field) => match value {
                        $crate::opts::OptValue::$kind(v) => { self.$field = v; Ok(()) }
                        other => Err($crate::Error::new(libc::EINVAL, format!(
                            "{}: option '{}' expects {:?}, got {:?}",
                            stringify!($cname), name, $crate::opts::OptKind::$kind, other))),
                    }, )*
                    _ => Err($crate::Error::new(libc::EINVAL, format!(
                        "{}: unknown option '{}'", stringify!($cname), name))),
                }
            }

            #[allow(unused_variables)]
            fn get(&self, name: &str) -> Option<$crate::opts::OptValue> {
                match name {
                    $( stringify!($field) => Some($crate::opts::OptValue::$kind(self.$field.clone())), )*
                    _ => None,
                }
            }
        }
    };
}

declare_opts! {
    /// Options for opening an object (libbpf's `bpf_object_open_opts`).
    pub struct ObjectOpenOpts as rbpf_object_open_opts {
        /// Name for the object instead of the one derived from the file name.
        object_name: Str,
        /// Ignore unknown attributes in BTF-defined maps instead of failing.
        relaxed_maps: Bool,
        /// Root directory for maps pinned by name (default /sys/fs/bpf).
        pin_root_path: Str,
        /// Extra Kconfig text ("CONFIG_X=y" lines) that overrides the system's config.
        kconfig: Str,
        /// BTF file (raw BTF or an ELF with .BTF) to use instead of vmlinux BTF for CO-RE.
        btf_custom_path: Str,
        /// Verifier log level for every program of the object (0: log only on failure).
        kernel_log_level: U32,
    }
}

declare_opts! {
    /// Options for attaching to a tracepoint (libbpf's `bpf_tracepoint_opts`).
    pub struct TracepointOpts as rbpf_tracepoint_opts {
        /// Value returned by bpf_get_attach_cookie() in the program.
        bpf_cookie: U64,
    }
}

declare_opts! {
    /// Options for attaching to a raw tracepoint (libbpf's `bpf_raw_tracepoint_opts`).
    pub struct RawTracepointOpts as rbpf_raw_tracepoint_opts {
        /// Value returned by bpf_get_attach_cookie() in the program.
        cookie: U64,
    }
}

declare_opts! {
    /// Options for BTF-based tracing attach, e.g. tp_btf (libbpf's `bpf_trace_opts`).
    pub struct TraceOpts as rbpf_trace_opts {
        /// Value returned by bpf_get_attach_cookie() in the program.
        cookie: U64,
    }
}

declare_opts! {
    /// Options for creating a ring buffer manager (libbpf's `ring_buffer_opts`).
    pub struct RingBufferOpts as rbpf_ring_buffer_opts {
    }
}

/// Every options struct, for generators and the cross-language agreement test.
pub fn all() -> &'static [OptsDesc] {
    &[
        <ObjectOpenOpts as Opts>::DESC,
        <TracepointOpts as Opts>::DESC,
        <RawTracepointOpts as Opts>::DESC,
        <TraceOpts as Opts>::DESC,
        <RingBufferOpts as Opts>::DESC,
    ]
}

/// Look up one options struct by its Rust or C name.
pub fn find(name: &str) -> Option<&'static OptsDesc> {
    all().iter().find(|d| d.rust_name == name || d.c_name == name)
}

/// Fill an options struct from (name, value) pairs, rejecting unknown names with EINVAL.
pub fn from_pairs<T: Opts>(pairs: impl IntoIterator<Item = (String, OptValue)>) -> Result<T> {
    let mut opts = T::default();
    for (name, value) in pairs {
        if !T::DESC.fields.iter().any(|f| f.name == name) {
            return Err(Error::new(libc::EINVAL, format!("{}: unknown option '{name}'", T::DESC.c_name)));
        }
        opts.set(&name, value)?;
    }
    Ok(opts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_and_get_by_name() {
        let mut o = ObjectOpenOpts::default();
        o.set("btf_custom_path", OptValue::Str(Some("/x".into()))).unwrap();
        assert_eq!(o.btf_custom_path.as_deref(), Some("/x"));
        assert_eq!(o.get("relaxed_maps"), Some(OptValue::Bool(false)));
        assert_eq!(o.set("nope", OptValue::Bool(true)).unwrap_err().errno(), libc::EINVAL);
        assert_eq!(o.set("relaxed_maps", OptValue::U32(1)).unwrap_err().errno(), libc::EINVAL);
    }

    #[test]
    fn field_table_matches_struct() {
        let names: Vec<_> = ObjectOpenOpts::DESC.fields.iter().map(|f| f.name).collect();
        assert_eq!(names, ["object_name", "relaxed_maps", "pin_root_path", "kconfig", "btf_custom_path", "kernel_log_level"]);
        assert_eq!(camel_case("btf_custom_path"), "btfCustomPath");
    }
}
