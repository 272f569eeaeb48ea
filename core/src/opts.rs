//! Every options struct, declared once.
//!
//! `declare_opts!` produces the Rust struct and a field table (`Opts::FIELDS`). Every
//! other language form is derived from that table: the C `#[repr(C)]` structs in
//! `ffi-c/src/opts_gen.rs` (generated, then cbindgen), Python keyword arguments and Node
//! option objects (validated and converted through `Opts::set` at run time), and the
//! typings. `cargo run -p rbpf-gen` rewrites the generated files; tests fail
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

declare_opts! {
    /// Options for creating a user ring buffer producer (libbpf's `user_ring_buffer_opts`).
    pub struct UserRingBufferOpts as rbpf_user_ring_buffer_opts {
    }
}

declare_opts! {
    /// Options for creating a perf buffer (libbpf's `perf_buffer_opts`).
    pub struct PerfBufferOpts as rbpf_perf_buffer_opts {
        /// Samples per wakeup (the event's sample_period / wakeup_events); 0 means 1.
        sample_period: U64,
    }
}

declare_opts! {
    /// Options for the batch map operations (libbpf's `bpf_map_batch_opts`).
    pub struct MapBatchOpts as rbpf_map_batch_opts {
        /// Per-element flags (BPF_ANY / BPF_NOEXIST / BPF_EXIST / BPF_F_LOCK).
        elem_flags: U64,
        /// Flags of the batch command itself (none defined by the kernel today).
        flags: U64,
    }
}

declare_opts! {
    /// Options for attaching a uprobe / uretprobe (libbpf's `bpf_uprobe_opts`).
    pub struct UprobeOpts as rbpf_uprobe_opts {
        /// Offset of the USDT-style semaphore (reference counter) in the file; the kernel
        /// increments it while the probe is attached.
        ref_ctr_offset: Usize,
        /// Value returned by bpf_get_attach_cookie() in the program.
        bpf_cookie: U64,
        /// Attach to the function's return (uretprobe).
        retprobe: Bool,
        /// Function to probe ("func" or "func@VERSION"); the offset argument is then added to
        /// the function's address.
        func_name: Str,
        /// RBPF_PROBE_ATTACH_MODE_DEFAULT (0), _LEGACY (1), _PERF (2) or _LINK (3).
        attach_mode: U32,
    }
}

declare_opts! {
    /// Options for a uprobe.multi link (libbpf's `bpf_uprobe_multi_opts`); the arrays
    /// (syms, offsets, ref_ctr_offsets, cookies) are passed beside them.
    pub struct UprobeMultiOpts as rbpf_uprobe_multi_opts {
        /// Attach to the functions' returns.
        retprobe: Bool,
        /// Session mode (entry and return in one program; BPF_TRACE_UPROBE_SESSION).
        session: Bool,
    }
}

declare_opts! {
    /// Options for attaching to a USDT probe (libbpf's `bpf_usdt_opts`).
    pub struct UsdtOpts as rbpf_usdt_opts {
        /// Value returned by bpf_usdt_cookie() in the program.
        usdt_cookie: U64,
    }
}

declare_opts! {
    /// Options for attaching a kprobe / kretprobe (libbpf's `bpf_kprobe_opts`).
    pub struct KprobeOpts as rbpf_kprobe_opts {
        /// Value returned by bpf_get_attach_cookie() in the program.
        bpf_cookie: U64,
        /// Offset within the function (or the raw address when no function is given).
        offset: Usize,
        /// Attach to the function's return (kretprobe).
        retprobe: Bool,
        /// RBPF_PROBE_ATTACH_MODE_DEFAULT (0), _LEGACY (1), _PERF (2) or _LINK (3).
        attach_mode: U32,
    }
}

declare_opts! {
    /// Options for a kprobe.multi link (libbpf's `bpf_kprobe_multi_opts`); the arrays
    /// (syms, addrs, cookies) are passed beside them.
    pub struct KprobeMultiOpts as rbpf_kprobe_multi_opts {
        /// Attach to the functions' returns.
        retprobe: Bool,
        /// Session mode (BPF_TRACE_KPROBE_SESSION).
        session: Bool,
        /// Fail when the pattern matches more than one symbol.
        unique_match: Bool,
    }
}

declare_opts! {
    /// Options for attaching to a system call's kernel entry (libbpf's `bpf_ksyscall_opts`).
    pub struct KsyscallOpts as rbpf_ksyscall_opts {
        /// Value returned by bpf_get_attach_cookie() in the program.
        bpf_cookie: U64,
        /// Attach to the system call's return.
        retprobe: Bool,
    }
}

declare_opts! {
    /// Options for attaching to a perf event fd (libbpf's `bpf_perf_event_opts`).
    pub struct PerfEventOpts as rbpf_perf_event_opts {
        /// Value returned by bpf_get_attach_cookie() in the program.
        bpf_cookie: U64,
        /// Use PERF_EVENT_IOC_SET_BPF even when BPF perf links exist.
        force_ioctl_attach: Bool,
        /// Do not PERF_EVENT_IOC_ENABLE the event (ioctl mode only).
        dont_enable: Bool,
    }
}

declare_opts! {
    /// Options for attaching to a cgroup (libbpf's `bpf_cgroup_opts`).
    pub struct CgroupOpts as rbpf_cgroup_opts {
        /// BPF_F_BEFORE / BPF_F_AFTER / BPF_F_ID / BPF_F_LINK ordering flags.
        flags: U32,
        /// Program or link fd to order against.
        relative_fd: U32,
        /// Program or link id to order against (with BPF_F_ID).
        relative_id: U32,
        /// Fail with ESTALE unless the attachment list has this revision (0: any).
        expected_revision: U64,
    }
}

declare_opts! {
    /// Options for a tcx link (libbpf's `bpf_tcx_opts`).
    pub struct TcxOpts as rbpf_tcx_opts {
        /// BPF_F_BEFORE / BPF_F_AFTER / BPF_F_ID / BPF_F_LINK ordering flags.
        flags: U32,
        /// Program or link fd to order against.
        relative_fd: U32,
        /// Program or link id to order against (with BPF_F_ID).
        relative_id: U32,
        /// Fail with ESTALE unless the attachment list has this revision (0: any).
        expected_revision: U64,
    }
}

declare_opts! {
    /// Options for a netkit link (libbpf's `bpf_netkit_opts`).
    pub struct NetkitOpts as rbpf_netkit_opts {
        /// BPF_F_BEFORE / BPF_F_AFTER / BPF_F_ID / BPF_F_LINK ordering flags.
        flags: U32,
        /// Program or link fd to order against.
        relative_fd: U32,
        /// Program or link id to order against (with BPF_F_ID).
        relative_id: U32,
        /// Fail with ESTALE unless the attachment list has this revision (0: any).
        expected_revision: U64,
    }
}

declare_opts! {
    /// Options for XDP over netlink (libbpf's `bpf_xdp_attach_opts`).
    pub struct XdpAttachOpts as rbpf_xdp_attach_opts {
        /// Replace only if this program is the one attached (adds XDP_FLAGS_REPLACE).
        old_prog_fd: I32,
    }
}

declare_opts! {
    /// Results of an XDP query over netlink (libbpf's `bpf_xdp_query_opts`; all outputs).
    pub struct XdpQueryOpts as rbpf_xdp_query_opts {
        /// Id of the program attached in the mode asked for (or the only one).
        prog_id: U32,
        /// Driver-mode program id.
        drv_prog_id: U32,
        /// Offloaded program id.
        hw_prog_id: U32,
        /// Generic (skb) mode program id.
        skb_prog_id: U32,
        /// XDP_ATTACHED_NONE (0), _DRV (1), _SKB (2), _HW (3) or _MULTI (4).
        attach_mode: U32,
        /// NETDEV_XDP_ACT_* feature bits of the device (0 when unknown).
        feature_flags: U64,
        /// Max zero-copy segments (0 when unknown).
        xdp_zc_max_segs: U32,
    }
}

declare_opts! {
    /// A TC hook: an interface and direction (libbpf's `bpf_tc_hook`).
    pub struct TcHook as rbpf_tc_hook {
        /// Interface index (> 0).
        ifindex: I32,
        /// RBPF_TC_INGRESS (1), RBPF_TC_EGRESS (2), both (3), RBPF_TC_CUSTOM (4).
        attach_point: U32,
        /// Parent handle for RBPF_TC_CUSTOM.
        parent: U32,
        /// Qdisc handle (RBPF_TC_QDISC).
        handle: U32,
        /// Qdisc kind for RBPF_TC_QDISC (default "clsact").
        qdisc: Str,
    }
}

declare_opts! {
    /// A cls_bpf filter on a TC hook (libbpf's `bpf_tc_opts`).
    pub struct TcOpts as rbpf_tc_opts {
        /// Program fd to attach (attach only).
        prog_fd: I32,
        /// RBPF_TC_F_REPLACE to replace an existing filter with the same handle/priority.
        flags: U32,
        /// Program id (output of attach and query).
        prog_id: U32,
        /// Filter handle (default 1 on attach; output).
        handle: U32,
        /// Filter priority (default 1 on attach, ≤ 65535; output).
        priority: U32,
    }
}

declare_opts! {
    /// Options for an iterator link (libbpf's `bpf_iter_attach_opts`; the fields of
    /// `union bpf_iter_link_info` are given directly, 0 = unset).
    pub struct IterAttachOpts as rbpf_iter_attach_opts {
        /// Map to iterate (bpf_map_elem iterators).
        map_fd: U32,
        /// Cgroup to iterate (cgroup iterators).
        cgroup_fd: U32,
        /// Cgroup walk order (BPF_CGROUP_ITER_*).
        order: U32,
        /// Task iterators: one thread.
        tid: U32,
        /// Task iterators: one process.
        pid: U32,
        /// Task iterators: a process given by pidfd.
        pid_fd: U32,
    }
}

declare_opts! {
    /// Options for a netfilter link (libbpf's `bpf_netfilter_opts`).
    pub struct NetfilterOpts as rbpf_netfilter_opts {
        /// Protocol family (NFPROTO_IPV4, ...).
        pf: U32,
        /// Hook number (NF_INET_PRE_ROUTING, ...).
        hooknum: U32,
        /// Priority among the hook's functions.
        priority: I32,
        /// BPF_F_NETFILTER_IP_DEFRAG.
        flags: U32,
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
        <UserRingBufferOpts as Opts>::DESC,
        <PerfBufferOpts as Opts>::DESC,
        <MapBatchOpts as Opts>::DESC,
        <UprobeOpts as Opts>::DESC,
        <UprobeMultiOpts as Opts>::DESC,
        <UsdtOpts as Opts>::DESC,
        <KprobeOpts as Opts>::DESC,
        <KprobeMultiOpts as Opts>::DESC,
        <KsyscallOpts as Opts>::DESC,
        <PerfEventOpts as Opts>::DESC,
        <CgroupOpts as Opts>::DESC,
        <TcxOpts as Opts>::DESC,
        <NetkitOpts as Opts>::DESC,
        <XdpAttachOpts as Opts>::DESC,
        <XdpQueryOpts as Opts>::DESC,
        <TcHook as Opts>::DESC,
        <TcOpts as Opts>::DESC,
        <IterAttachOpts as Opts>::DESC,
        <NetfilterOpts as Opts>::DESC,
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
