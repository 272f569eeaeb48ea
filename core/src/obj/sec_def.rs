//! The libbpf 1.x `SEC()` table: section name → program type, expected attach type,
//! flags, and how the program auto-attaches. Strict 1.0 rules: `"x"` matches exactly,
//! `"x+"` matches `x` or `x/...`, `"x/"` requires `x/...`; first hit in table order wins.

use crate::uapi::*;

/// Drop expected_attach_type on kernels without it (never needed on kernels we target).
pub const SEC_EXP_ATTACH_OPT: u32 = 1;
/// Legacy attachable marker, used only by attach-type-by-name lookups.
pub const SEC_ATTACHABLE: u32 = 2;
pub const SEC_ATTACHABLE_OPT: u32 = SEC_ATTACHABLE | SEC_EXP_ATTACH_OPT;
/// The target (`.../<func>`) is resolved to a kernel BTF id at load.
pub const SEC_ATTACH_BTF: u32 = 4;
/// Load with BPF_F_SLEEPABLE.
pub const SEC_SLEEPABLE: u32 = 8;
/// Load with BPF_F_XDP_HAS_FRAGS.
pub const SEC_XDP_FRAGS: u32 = 16;
/// USDT: expected attach type becomes BPF_TRACE_UPROBE_MULTI when the kernel has it.
pub const SEC_USDT: u32 = 32;

/// How `Program::attach()` attaches a program of this section.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AutoAttach {
    /// No auto-attach: `attach()` gives EOPNOTSUPP.
    None,
    Kprobe,
    KprobeMulti,
    KprobeSession,
    Uprobe,
    UprobeMulti,
    Ksyscall,
    Usdt,
    Tracepoint,
    RawTracepoint,
    /// tp_btf, fentry, fexit, fmod_ret, freplace: BTF-based tracing links.
    Trace,
    Lsm,
    Iter,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SecDef {
    /// The table pattern, e.g. "tp+", "xdp", "sk_skb/stream_parser".
    pub pattern: &'static str,
    pub prog_type: u32,
    pub expected_attach_type: u32,
    pub flags: u32,
    pub auto_attach: AutoAttach,
}

impl SecDef {
    /// The part of `sec_name` after this definition's prefix and its '/' separator:
    /// `Some("syscalls/sys_enter_getpid")` for "tp/syscalls/sys_enter_getpid", `None` for
    /// a bare "tp" (a bare section never auto-attaches).
    pub fn extras<'a>(&self, sec_name: &'a str) -> Option<&'a str> {
        let base = self.pattern.trim_end_matches(['+', '/']);
        let rest = sec_name.strip_prefix(base)?.strip_prefix('/')?;
        (!rest.is_empty()).then_some(rest)
    }

    pub fn is_sleepable(&self) -> bool {
        self.flags & SEC_SLEEPABLE != 0
    }
}

const fn def(pattern: &'static str, prog_type: u32, expected_attach_type: u32, flags: u32, auto_attach: AutoAttach) -> SecDef {
    SecDef { pattern, prog_type, expected_attach_type, flags, auto_attach }
}

use AutoAttach as A;

/// libbpf's table, in libbpf's order (order decides overlapping prefixes).
pub static SECTION_DEFS: &[SecDef] = &[
    def("socket", BPF_PROG_TYPE_SOCKET_FILTER, 0, 0, A::None),
    def("sk_reuseport/migrate", BPF_PROG_TYPE_SK_REUSEPORT, BPF_SK_REUSEPORT_SELECT_OR_MIGRATE, SEC_ATTACHABLE, A::None),
    def("sk_reuseport", BPF_PROG_TYPE_SK_REUSEPORT, BPF_SK_REUSEPORT_SELECT, SEC_ATTACHABLE, A::None),
    def("kprobe+", BPF_PROG_TYPE_KPROBE, 0, 0, A::Kprobe),
    def("uprobe+", BPF_PROG_TYPE_KPROBE, 0, 0, A::Uprobe),
    def("uprobe.s+", BPF_PROG_TYPE_KPROBE, 0, SEC_SLEEPABLE, A::Uprobe),
    def("kretprobe+", BPF_PROG_TYPE_KPROBE, 0, 0, A::Kprobe),
    def("uretprobe+", BPF_PROG_TYPE_KPROBE, 0, 0, A::Uprobe),
    def("uretprobe.s+", BPF_PROG_TYPE_KPROBE, 0, SEC_SLEEPABLE, A::Uprobe),
    def("kprobe.multi+", BPF_PROG_TYPE_KPROBE, BPF_TRACE_KPROBE_MULTI, 0, A::KprobeMulti),
    def("kretprobe.multi+", BPF_PROG_TYPE_KPROBE, BPF_TRACE_KPROBE_MULTI, 0, A::KprobeMulti),
    def("kprobe.session+", BPF_PROG_TYPE_KPROBE, BPF_TRACE_KPROBE_SESSION, 0, A::KprobeSession),
    def("uprobe.multi+", BPF_PROG_TYPE_KPROBE, BPF_TRACE_UPROBE_MULTI, 0, A::UprobeMulti),
    def("uretprobe.multi+", BPF_PROG_TYPE_KPROBE, BPF_TRACE_UPROBE_MULTI, 0, A::UprobeMulti),
    def("uprobe.session+", BPF_PROG_TYPE_KPROBE, BPF_TRACE_UPROBE_SESSION, 0, A::UprobeMulti),
    def("uprobe.multi.s+", BPF_PROG_TYPE_KPROBE, BPF_TRACE_UPROBE_MULTI, SEC_SLEEPABLE, A::UprobeMulti),
    def("uretprobe.multi.s+", BPF_PROG_TYPE_KPROBE, BPF_TRACE_UPROBE_MULTI, SEC_SLEEPABLE, A::UprobeMulti),
    def("uprobe.session.s+", BPF_PROG_TYPE_KPROBE, BPF_TRACE_UPROBE_SESSION, SEC_SLEEPABLE, A::UprobeMulti),
    def("ksyscall+", BPF_PROG_TYPE_KPROBE, 0, 0, A::Ksyscall),
    def("kretsyscall+", BPF_PROG_TYPE_KPROBE, 0, 0, A::Ksyscall),
    def("usdt+", BPF_PROG_TYPE_KPROBE, 0, SEC_USDT, A::Usdt),
    def("usdt.s+", BPF_PROG_TYPE_KPROBE, 0, SEC_USDT | SEC_SLEEPABLE, A::Usdt),
    def("tc/ingress", BPF_PROG_TYPE_SCHED_CLS, BPF_TCX_INGRESS, 0, A::None),
    def("tc/egress", BPF_PROG_TYPE_SCHED_CLS, BPF_TCX_EGRESS, 0, A::None),
    def("tcx/ingress", BPF_PROG_TYPE_SCHED_CLS, BPF_TCX_INGRESS, 0, A::None),
    def("tcx/egress", BPF_PROG_TYPE_SCHED_CLS, BPF_TCX_EGRESS, 0, A::None),
    def("tc", BPF_PROG_TYPE_SCHED_CLS, 0, 0, A::None),
    def("classifier", BPF_PROG_TYPE_SCHED_CLS, 0, 0, A::None),
    def("action", BPF_PROG_TYPE_SCHED_ACT, 0, 0, A::None),
    def("netkit/primary", BPF_PROG_TYPE_SCHED_CLS, BPF_NETKIT_PRIMARY, 0, A::None),
    def("netkit/peer", BPF_PROG_TYPE_SCHED_CLS, BPF_NETKIT_PEER, 0, A::None),
    def("tracepoint+", BPF_PROG_TYPE_TRACEPOINT, 0, 0, A::Tracepoint),
    def("tp+", BPF_PROG_TYPE_TRACEPOINT, 0, 0, A::Tracepoint),
    def("tracepoint.s+", BPF_PROG_TYPE_TRACEPOINT, 0, SEC_SLEEPABLE, A::Tracepoint),
    def("tp.s+", BPF_PROG_TYPE_TRACEPOINT, 0, SEC_SLEEPABLE, A::Tracepoint),
    def("raw_tracepoint+", BPF_PROG_TYPE_RAW_TRACEPOINT, 0, 0, A::RawTracepoint),
    def("raw_tp+", BPF_PROG_TYPE_RAW_TRACEPOINT, 0, 0, A::RawTracepoint),
    def("raw_tracepoint.s+", BPF_PROG_TYPE_RAW_TRACEPOINT, 0, SEC_SLEEPABLE, A::RawTracepoint),
    def("raw_tp.s+", BPF_PROG_TYPE_RAW_TRACEPOINT, 0, SEC_SLEEPABLE, A::RawTracepoint),
    def("raw_tracepoint.w+", BPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE, 0, 0, A::RawTracepoint),
    def("raw_tp.w+", BPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE, 0, 0, A::RawTracepoint),
    def("tp_btf+", BPF_PROG_TYPE_TRACING, BPF_TRACE_RAW_TP, SEC_ATTACH_BTF, A::Trace),
    def("tp_btf.s+", BPF_PROG_TYPE_TRACING, BPF_TRACE_RAW_TP, SEC_ATTACH_BTF | SEC_SLEEPABLE, A::Trace),
    def("fentry+", BPF_PROG_TYPE_TRACING, BPF_TRACE_FENTRY, SEC_ATTACH_BTF, A::Trace),
    def("fmod_ret+", BPF_PROG_TYPE_TRACING, BPF_MODIFY_RETURN, SEC_ATTACH_BTF, A::Trace),
    def("fexit+", BPF_PROG_TYPE_TRACING, BPF_TRACE_FEXIT, SEC_ATTACH_BTF, A::Trace),
    def("fentry.s+", BPF_PROG_TYPE_TRACING, BPF_TRACE_FENTRY, SEC_ATTACH_BTF | SEC_SLEEPABLE, A::Trace),
    def("fmod_ret.s+", BPF_PROG_TYPE_TRACING, BPF_MODIFY_RETURN, SEC_ATTACH_BTF | SEC_SLEEPABLE, A::Trace),
    def("fexit.s+", BPF_PROG_TYPE_TRACING, BPF_TRACE_FEXIT, SEC_ATTACH_BTF | SEC_SLEEPABLE, A::Trace),
    def("freplace+", BPF_PROG_TYPE_EXT, 0, SEC_ATTACH_BTF, A::Trace),
    def("lsm+", BPF_PROG_TYPE_LSM, BPF_LSM_MAC, SEC_ATTACH_BTF, A::Lsm),
    def("lsm.s+", BPF_PROG_TYPE_LSM, BPF_LSM_MAC, SEC_ATTACH_BTF | SEC_SLEEPABLE, A::Lsm),
    def("lsm_cgroup+", BPF_PROG_TYPE_LSM, BPF_LSM_CGROUP, SEC_ATTACH_BTF, A::None),
    def("iter+", BPF_PROG_TYPE_TRACING, BPF_TRACE_ITER, SEC_ATTACH_BTF, A::Iter),
    def("iter.s+", BPF_PROG_TYPE_TRACING, BPF_TRACE_ITER, SEC_ATTACH_BTF | SEC_SLEEPABLE, A::Iter),
    def("syscall", BPF_PROG_TYPE_SYSCALL, 0, SEC_SLEEPABLE, A::None),
    def("xdp.frags/devmap", BPF_PROG_TYPE_XDP, BPF_XDP_DEVMAP, SEC_XDP_FRAGS, A::None),
    def("xdp/devmap", BPF_PROG_TYPE_XDP, BPF_XDP_DEVMAP, SEC_ATTACHABLE, A::None),
    def("xdp.frags/cpumap", BPF_PROG_TYPE_XDP, BPF_XDP_CPUMAP, SEC_XDP_FRAGS, A::None),
    def("xdp/cpumap", BPF_PROG_TYPE_XDP, BPF_XDP_CPUMAP, SEC_ATTACHABLE, A::None),
    def("xdp.frags", BPF_PROG_TYPE_XDP, BPF_XDP, SEC_XDP_FRAGS, A::None),
    def("xdp", BPF_PROG_TYPE_XDP, BPF_XDP, SEC_ATTACHABLE_OPT, A::None),
    def("perf_event", BPF_PROG_TYPE_PERF_EVENT, 0, 0, A::None),
    def("lwt_in", BPF_PROG_TYPE_LWT_IN, 0, 0, A::None),
    def("lwt_out", BPF_PROG_TYPE_LWT_OUT, 0, 0, A::None),
    def("lwt_xmit", BPF_PROG_TYPE_LWT_XMIT, 0, 0, A::None),
    def("lwt_seg6local", BPF_PROG_TYPE_LWT_SEG6LOCAL, 0, 0, A::None),
    def("sockops", BPF_PROG_TYPE_SOCK_OPS, BPF_CGROUP_SOCK_OPS, SEC_ATTACHABLE_OPT, A::None),
    def("sk_skb/stream_parser", BPF_PROG_TYPE_SK_SKB, BPF_SK_SKB_STREAM_PARSER, SEC_ATTACHABLE_OPT, A::None),
    def("sk_skb/stream_verdict", BPF_PROG_TYPE_SK_SKB, BPF_SK_SKB_STREAM_VERDICT, SEC_ATTACHABLE_OPT, A::None),
    def("sk_skb/verdict", BPF_PROG_TYPE_SK_SKB, BPF_SK_SKB_VERDICT, SEC_ATTACHABLE_OPT, A::None),
    def("sk_skb", BPF_PROG_TYPE_SK_SKB, 0, 0, A::None),
    def("sk_msg", BPF_PROG_TYPE_SK_MSG, BPF_SK_MSG_VERDICT, SEC_ATTACHABLE_OPT, A::None),
    def("lirc_mode2", BPF_PROG_TYPE_LIRC_MODE2, BPF_LIRC_MODE2, SEC_ATTACHABLE_OPT, A::None),
    def("flow_dissector", BPF_PROG_TYPE_FLOW_DISSECTOR, BPF_FLOW_DISSECTOR, SEC_ATTACHABLE_OPT, A::None),
    def("cgroup_skb/ingress", BPF_PROG_TYPE_CGROUP_SKB, BPF_CGROUP_INET_INGRESS, SEC_ATTACHABLE_OPT, A::None),
    def("cgroup_skb/egress", BPF_PROG_TYPE_CGROUP_SKB, BPF_CGROUP_INET_EGRESS, SEC_ATTACHABLE_OPT, A::None),
    def("cgroup/skb", BPF_PROG_TYPE_CGROUP_SKB, 0, 0, A::None),
    def("cgroup/sock_create", BPF_PROG_TYPE_CGROUP_SOCK, BPF_CGROUP_INET_SOCK_CREATE, SEC_ATTACHABLE, A::None),
    def("cgroup/sock_release", BPF_PROG_TYPE_CGROUP_SOCK, BPF_CGROUP_INET_SOCK_RELEASE, SEC_ATTACHABLE, A::None),
    def("cgroup/sock", BPF_PROG_TYPE_CGROUP_SOCK, BPF_CGROUP_INET_SOCK_CREATE, SEC_ATTACHABLE_OPT, A::None),
    def("cgroup/post_bind4", BPF_PROG_TYPE_CGROUP_SOCK, BPF_CGROUP_INET4_POST_BIND, SEC_ATTACHABLE, A::None),
    def("cgroup/post_bind6", BPF_PROG_TYPE_CGROUP_SOCK, BPF_CGROUP_INET6_POST_BIND, SEC_ATTACHABLE, A::None),
    def("cgroup/bind4", BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_CGROUP_INET4_BIND, SEC_ATTACHABLE, A::None),
    def("cgroup/bind6", BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_CGROUP_INET6_BIND, SEC_ATTACHABLE, A::None),
    def("cgroup/connect4", BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_CGROUP_INET4_CONNECT, SEC_ATTACHABLE, A::None),
    def("cgroup/connect6", BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_CGROUP_INET6_CONNECT, SEC_ATTACHABLE, A::None),
    def("cgroup/connect_unix", BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_CGROUP_UNIX_CONNECT, SEC_ATTACHABLE, A::None),
    def("cgroup/sendmsg4", BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_CGROUP_UDP4_SENDMSG, SEC_ATTACHABLE, A::None),
    def("cgroup/sendmsg6", BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_CGROUP_UDP6_SENDMSG, SEC_ATTACHABLE, A::None),
    def("cgroup/sendmsg_unix", BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_CGROUP_UNIX_SENDMSG, SEC_ATTACHABLE, A::None),
    def("cgroup/recvmsg4", BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_CGROUP_UDP4_RECVMSG, SEC_ATTACHABLE, A::None),
    def("cgroup/recvmsg6", BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_CGROUP_UDP6_RECVMSG, SEC_ATTACHABLE, A::None),
    def("cgroup/recvmsg_unix", BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_CGROUP_UNIX_RECVMSG, SEC_ATTACHABLE, A::None),
    def("cgroup/getpeername4", BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_CGROUP_INET4_GETPEERNAME, SEC_ATTACHABLE, A::None),
    def("cgroup/getpeername6", BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_CGROUP_INET6_GETPEERNAME, SEC_ATTACHABLE, A::None),
    def("cgroup/getpeername_unix", BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_CGROUP_UNIX_GETPEERNAME, SEC_ATTACHABLE, A::None),
    def("cgroup/getsockname4", BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_CGROUP_INET4_GETSOCKNAME, SEC_ATTACHABLE, A::None),
    def("cgroup/getsockname6", BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_CGROUP_INET6_GETSOCKNAME, SEC_ATTACHABLE, A::None),
    def("cgroup/getsockname_unix", BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_CGROUP_UNIX_GETSOCKNAME, SEC_ATTACHABLE, A::None),
    def("cgroup/sysctl", BPF_PROG_TYPE_CGROUP_SYSCTL, BPF_CGROUP_SYSCTL, SEC_ATTACHABLE, A::None),
    def("cgroup/getsockopt", BPF_PROG_TYPE_CGROUP_SOCKOPT, BPF_CGROUP_GETSOCKOPT, SEC_ATTACHABLE, A::None),
    def("cgroup/setsockopt", BPF_PROG_TYPE_CGROUP_SOCKOPT, BPF_CGROUP_SETSOCKOPT, SEC_ATTACHABLE, A::None),
    def("cgroup/dev", BPF_PROG_TYPE_CGROUP_DEVICE, BPF_CGROUP_DEVICE, SEC_ATTACHABLE_OPT, A::None),
    def("struct_ops+", BPF_PROG_TYPE_STRUCT_OPS, 0, 0, A::None),
    def("struct_ops.s+", BPF_PROG_TYPE_STRUCT_OPS, 0, SEC_SLEEPABLE, A::None),
    def("sk_lookup", BPF_PROG_TYPE_SK_LOOKUP, BPF_SK_LOOKUP, SEC_ATTACHABLE, A::None),
    def("netfilter", BPF_PROG_TYPE_NETFILTER, BPF_NETFILTER, 0, A::None),
];

/// libbpf's matching rule for one table pattern.
pub fn sec_def_matches(pattern: &str, sec_name: &str) -> bool {
    if let Some(prefix) = pattern.strip_suffix('/') {
        // "type/" needs the proper "type/extras" form.
        return sec_name.len() > prefix.len() + 1 && sec_name.starts_with(pattern);
    }
    if let Some(base) = pattern.strip_suffix('+') {
        // "type+": exactly "type", or "type/extras".
        return match sec_name.strip_prefix(base) {
            Some(rest) => rest.is_empty() || rest.starts_with('/'),
            None => false,
        };
    }
    pattern == sec_name
}

/// The definition for a section name, or None (an unknown section: the program opens
/// with type UNSPEC and fails at load unless its type is set).
pub fn find_sec_def(sec_name: &str) -> Option<&'static SecDef> {
    SECTION_DEFS.iter().find(|d| sec_def_matches(d.pattern, sec_name))
}

/// Program type for a section name, as libbpf_prog_type_by_name: ESRCH when unknown.
pub fn prog_type_by_name(sec_name: &str) -> crate::Result<(u32, u32)> {
    match find_sec_def(sec_name) {
        Some(d) => Ok((d.prog_type, d.expected_attach_type)),
        None => Err(crate::Error::new(libc::ESRCH, format!("failed to guess program type from ELF section '{sec_name}'"))),
    }
}

/// The name libbpf prints for a program type ("xdp", "tracepoint", ...).
pub fn prog_type_name(prog_type: u32) -> &'static str {
    const NAMES: &[&str] = &[
        "unspec", "socket_filter", "kprobe", "sched_cls", "sched_act", "tracepoint", "xdp", "perf_event",
        "cgroup_skb", "cgroup_sock", "lwt_in", "lwt_out", "lwt_xmit", "sock_ops", "sk_skb", "cgroup_device",
        "sk_msg", "raw_tracepoint", "cgroup_sock_addr", "lwt_seg6local", "lirc_mode2", "sk_reuseport",
        "flow_dissector", "cgroup_sysctl", "raw_tracepoint_writable", "cgroup_sockopt", "tracing",
        "struct_ops", "ext", "lsm", "sk_lookup", "syscall", "netfilter",
    ];
    NAMES.get(prog_type as usize).copied().unwrap_or("unknown")
}

/// Program type by its libbpf name ("xdp" → BPF_PROG_TYPE_XDP), for bindings that take strings.
pub fn prog_type_from_name(name: &str) -> Option<u32> {
    (0..=BPF_PROG_TYPE_NETFILTER).find(|&t| prog_type_name(t) == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strict_matching() {
        assert_eq!(find_sec_def("xdp").map(|d| d.prog_type), Some(BPF_PROG_TYPE_XDP));
        assert!(find_sec_def("xdp/main").is_none(), "1.0: xdp/main must not match");
        assert!(find_sec_def("xdp_foo").is_none());
        assert!(find_sec_def("tc/prog_a").is_none());
        assert_eq!(find_sec_def("tc/ingress").map(|d| d.expected_attach_type), Some(BPF_TCX_INGRESS));
        assert_eq!(find_sec_def("xdp.frags").map(|d| d.flags), Some(SEC_XDP_FRAGS));
        assert_eq!(find_sec_def("xdp/devmap").map(|d| d.expected_attach_type), Some(BPF_XDP_DEVMAP));
        assert!(find_sec_def("tpfoo").is_none(), "a '+' pattern needs '/' after its prefix");
    }

    #[test]
    fn extras_and_sleepable() {
        let d = find_sec_def("tp/syscalls/sys_enter_getpid").unwrap();
        assert_eq!(d.auto_attach, AutoAttach::Tracepoint);
        assert_eq!(d.extras("tp/syscalls/sys_enter_getpid"), Some("syscalls/sys_enter_getpid"));
        assert_eq!(find_sec_def("tp").unwrap().extras("tp"), None);
        let s = find_sec_def("uprobe.s//bin/true:main").unwrap();
        assert!(s.is_sleepable());
        assert_eq!(s.extras("uprobe.s//bin/true:main"), Some("/bin/true:main"));
        let r = find_sec_def("raw_tp/sys_enter").unwrap();
        assert_eq!((r.prog_type, r.auto_attach), (BPF_PROG_TYPE_RAW_TRACEPOINT, AutoAttach::RawTracepoint));
        let b = find_sec_def("tp_btf/sys_enter").unwrap();
        assert_eq!((b.prog_type, b.expected_attach_type), (BPF_PROG_TYPE_TRACING, BPF_TRACE_RAW_TP));
        assert_eq!(find_sec_def("kprobe.multi/foo*").unwrap().auto_attach, AutoAttach::KprobeMulti);
        assert_eq!(find_sec_def("fentry.s/do_x").unwrap().flags, SEC_ATTACH_BTF | SEC_SLEEPABLE);
    }

    #[test]
    fn names() {
        assert_eq!(prog_type_by_name("xdp/main").unwrap_err().errno(), libc::ESRCH);
        assert_eq!(prog_type_name(BPF_PROG_TYPE_XDP), "xdp");
        assert_eq!(prog_type_from_name("tracepoint"), Some(BPF_PROG_TYPE_TRACEPOINT));
        assert_eq!(SECTION_DEFS.len(), 108);
    }
}
