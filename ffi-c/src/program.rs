//! `struct rbpf_program`: a program of an object (borrowed handle) and its attach calls.

use crate::error::{arg_str, int_call, ptr_call, value_call};
use crate::handles::{get, Handle, Kind};
use crate::link::rbpf_link;
use crate::object::rbpf_object;
use crate::opts_gen::{rbpf_raw_tracepoint_opts, rbpf_trace_opts, rbpf_tracepoint_opts};
use rbpf_core::{Error, Program, Result};
use std::ffi::{c_char, c_int, CString};

/// A program of an object (libbpf's `struct bpf_program`). Borrowed: owned by its
/// object and valid until `rbpf_object_close`; never freed by the caller.
pub struct rbpf_program {
    pub(crate) obj: *mut rbpf_object,
    pub(crate) idx: usize,
    pub(crate) name: CString,
    pub(crate) sec: CString,
}

impl Handle for rbpf_program {
    const KIND: Kind = Kind::Program;
    const C_NAME: &'static str = "rbpf_program";
}

impl rbpf_program {
    fn stale(&self) -> Error {
        Error::new(
            libc::EINVAL,
            format!(
                "program '{}': no longer in its object",
                self.name.to_string_lossy()
            ),
        )
    }

    pub(crate) fn core(&self) -> Result<&Program> {
        // SAFETY: a registered program's object is live (closing it unregisters us first).
        let o = unsafe { &*self.obj };
        o.inner.programs().get(self.idx).ok_or_else(|| self.stale())
    }

    #[allow(clippy::mut_from_ref)]
    fn core_mut(&self) -> Result<&mut Program> {
        // SAFETY: as core(); exclusive use of the object during the call is the caller's
        // contract (an object is not used from two threads while being configured).
        let o = unsafe { &mut *self.obj };
        let err = self.stale();
        o.inner.programs_mut().get_mut(self.idx).ok_or(err)
    }
}

/// Look up a program handle for entry point `f`.
unsafe fn prog<'a>(f: &str, p: *const rbpf_program) -> Result<&'a rbpf_program> {
    // SAFETY: forwarded; the registry rejects anything that is not a live program.
    unsafe { get(f, "prog", p) }
}

/// The program's name (its C function name), owned by the object.
#[no_mangle]
pub unsafe extern "C" fn rbpf_program_name(prog: *const rbpf_program) -> *const c_char {
    ptr_call(|| {
        Ok(unsafe { self::prog("rbpf_program_name", prog) }?
            .name
            .as_ptr()
            .cast_mut())
    })
}

/// The program's ELF section name ("tracepoint/syscalls/sys_enter_getpid"), owned by the object.
#[no_mangle]
pub unsafe extern "C" fn rbpf_program_section_name(prog: *const rbpf_program) -> *const c_char {
    ptr_call(|| {
        Ok(unsafe { self::prog("rbpf_program_section_name", prog) }?
            .sec
            .as_ptr()
            .cast_mut())
    })
}

/// The program type (`enum bpf_prog_type`, BPF_PROG_TYPE_UNSPEC when the section name
/// matched no known kind). 0 with errno EINVAL for a bad handle.
#[no_mangle]
pub unsafe extern "C" fn rbpf_program_type(prog: *const rbpf_program) -> u32 {
    value_call(0, || {
        Ok(unsafe { self::prog("rbpf_program_type", prog) }?
            .core()?
            .prog_type())
    })
}

/// Set the program type before load (a program whose section matched nothing can be
/// rescued so). 0, or -EBUSY after load.
#[no_mangle]
pub unsafe extern "C" fn rbpf_program_set_type(prog: *mut rbpf_program, prog_type: u32) -> c_int {
    int_call(|| {
        unsafe { self::prog("rbpf_program_set_type", prog) }?
            .core_mut()?
            .set_type(prog_type)?;
        Ok(0)
    })
}

/// The expected attach type (`enum bpf_attach_type`).
#[no_mangle]
pub unsafe extern "C" fn rbpf_program_expected_attach_type(prog: *const rbpf_program) -> u32 {
    value_call(0, || {
        Ok(
            unsafe { self::prog("rbpf_program_expected_attach_type", prog) }?
                .core()?
                .expected_attach_type(),
        )
    })
}

/// Set the expected attach type before load. 0, or -EBUSY after load.
#[no_mangle]
pub unsafe extern "C" fn rbpf_program_set_expected_attach_type(
    prog: *mut rbpf_program,
    attach_type: u32,
) -> c_int {
    int_call(|| {
        unsafe { self::prog("rbpf_program_set_expected_attach_type", prog) }?
            .core_mut()?
            .set_expected_attach_type(attach_type)?;
        Ok(0)
    })
}

/// Whether the program is loaded by `rbpf_object_load` (default true).
#[no_mangle]
pub unsafe extern "C" fn rbpf_program_autoload(prog: *const rbpf_program) -> bool {
    value_call(false, || {
        Ok(unsafe { self::prog("rbpf_program_autoload", prog) }?
            .core()?
            .autoload())
    })
}

/// Choose whether the program is loaded. 0, or -EINVAL after load.
#[no_mangle]
pub unsafe extern "C" fn rbpf_program_set_autoload(
    prog: *mut rbpf_program,
    autoload: bool,
) -> c_int {
    int_call(|| {
        unsafe { self::prog("rbpf_program_set_autoload", prog) }?
            .core_mut()?
            .set_autoload(autoload)?;
        Ok(0)
    })
}

/// Whether `rbpf_object_attach_all` attaches the program (default true).
#[no_mangle]
pub unsafe extern "C" fn rbpf_program_autoattach(prog: *const rbpf_program) -> bool {
    value_call(false, || {
        Ok(unsafe { self::prog("rbpf_program_autoattach", prog) }?
            .core()?
            .autoattach())
    })
}

/// Choose whether `rbpf_object_attach_all` attaches the program.
#[no_mangle]
pub unsafe extern "C" fn rbpf_program_set_autoattach(prog: *mut rbpf_program, autoattach: bool) {
    let _ = int_call(|| {
        unsafe { self::prog("rbpf_program_set_autoattach", prog) }?
            .core_mut()?
            .set_autoattach(autoattach);
        Ok(0)
    });
}

/// BPF_F_* program load flags.
#[no_mangle]
pub unsafe extern "C" fn rbpf_program_flags(prog: *const rbpf_program) -> u32 {
    value_call(0, || {
        Ok(unsafe { self::prog("rbpf_program_flags", prog) }?
            .core()?
            .flags())
    })
}

/// Set BPF_F_* program load flags before load.
#[no_mangle]
pub unsafe extern "C" fn rbpf_program_set_flags(prog: *mut rbpf_program, flags: u32) -> c_int {
    int_call(|| {
        unsafe { self::prog("rbpf_program_set_flags", prog) }?
            .core_mut()?
            .set_flags(flags)?;
        Ok(0)
    })
}

/// The verifier log level used at load.
#[no_mangle]
pub unsafe extern "C" fn rbpf_program_log_level(prog: *const rbpf_program) -> u32 {
    value_call(0, || {
        Ok(unsafe { self::prog("rbpf_program_log_level", prog) }?
            .core()?
            .log_level())
    })
}

/// Set the verifier log level before load.
#[no_mangle]
pub unsafe extern "C" fn rbpf_program_set_log_level(
    prog: *mut rbpf_program,
    log_level: u32,
) -> c_int {
    int_call(|| {
        unsafe { self::prog("rbpf_program_set_log_level", prog) }?
            .core_mut()?
            .set_log_level(log_level)?;
        Ok(0)
    })
}

/// The program fd after load; -EINVAL before.
#[no_mangle]
pub unsafe extern "C" fn rbpf_program_fd(prog: *const rbpf_program) -> c_int {
    int_call(|| unsafe { self::prog("rbpf_program_fd", prog) }?.core()?.fd())
}

/// Number of instructions: as relocated after load, as parsed before.
#[no_mangle]
pub unsafe extern "C" fn rbpf_program_insn_cnt(prog: *const rbpf_program) -> usize {
    value_call(0, || {
        Ok(unsafe { self::prog("rbpf_program_insn_cnt", prog) }?
            .core()?
            .insn_cnt())
    })
}

fn link_ptr(r: Result<rbpf_core::Link>) -> Result<*mut rbpf_link> {
    r.map(rbpf_link::wrap)
}

/// Attach as the section name says (tracepoint, raw_tp, tp_btf, ...). A new link
/// (destroy it with `rbpf_link_destroy`), or NULL with errno (EOPNOTSUPP for sections
/// that cannot auto-attach, EINVAL when the program is not loaded).
#[no_mangle]
pub unsafe extern "C" fn rbpf_program_attach(prog: *const rbpf_program) -> *mut rbpf_link {
    ptr_call(|| {
        link_ptr(
            unsafe { self::prog("rbpf_program_attach", prog) }?
                .core()?
                .attach(),
        )
    })
}

/// Attach to tracepoint `tp_category`/`tp_name` (e.g. "syscalls", "sys_enter_getpid").
#[no_mangle]
pub unsafe extern "C" fn rbpf_program_attach_tracepoint(
    prog: *const rbpf_program,
    tp_category: *const c_char,
    tp_name: *const c_char,
) -> *mut rbpf_link {
    // SAFETY: forwarded C contract; NULL opts means defaults.
    unsafe {
        attach_tracepoint(
            "rbpf_program_attach_tracepoint",
            prog,
            tp_category,
            tp_name,
            std::ptr::null(),
        )
    }
}

/// `rbpf_program_attach_tracepoint` with options (NULL: defaults).
#[no_mangle]
pub unsafe extern "C" fn rbpf_program_attach_tracepoint_opts(
    prog: *const rbpf_program,
    tp_category: *const c_char,
    tp_name: *const c_char,
    opts: *const rbpf_tracepoint_opts,
) -> *mut rbpf_link {
    // SAFETY: forwarded C contract.
    unsafe {
        attach_tracepoint(
            "rbpf_program_attach_tracepoint_opts",
            prog,
            tp_category,
            tp_name,
            opts,
        )
    }
}

unsafe fn attach_tracepoint(
    f: &str,
    prog: *const rbpf_program,
    cat: *const c_char,
    name: *const c_char,
    opts: *const rbpf_tracepoint_opts,
) -> *mut rbpf_link {
    ptr_call(|| {
        // SAFETY: registry-checked handle, C strings and an options struct per the C contract.
        let p = unsafe { self::prog(f, prog) }?;
        let cat = unsafe { arg_str(f, "tp_category", cat) }?;
        let name = unsafe { arg_str(f, "tp_name", name) }?;
        let opts = unsafe { rbpf_tracepoint_opts::to_core(opts) }?;
        link_ptr(p.core()?.attach_tracepoint(cat, name, &opts))
    })
}

/// Attach to raw tracepoint `tp_name` (e.g. "sys_enter").
#[no_mangle]
pub unsafe extern "C" fn rbpf_program_attach_raw_tracepoint(
    prog: *const rbpf_program,
    tp_name: *const c_char,
) -> *mut rbpf_link {
    // SAFETY: forwarded C contract.
    unsafe {
        attach_raw_tracepoint(
            "rbpf_program_attach_raw_tracepoint",
            prog,
            tp_name,
            std::ptr::null(),
        )
    }
}

/// `rbpf_program_attach_raw_tracepoint` with options (NULL: defaults).
#[no_mangle]
pub unsafe extern "C" fn rbpf_program_attach_raw_tracepoint_opts(
    prog: *const rbpf_program,
    tp_name: *const c_char,
    opts: *const rbpf_raw_tracepoint_opts,
) -> *mut rbpf_link {
    // SAFETY: forwarded C contract.
    unsafe {
        attach_raw_tracepoint(
            "rbpf_program_attach_raw_tracepoint_opts",
            prog,
            tp_name,
            opts,
        )
    }
}

unsafe fn attach_raw_tracepoint(
    f: &str,
    prog: *const rbpf_program,
    name: *const c_char,
    opts: *const rbpf_raw_tracepoint_opts,
) -> *mut rbpf_link {
    ptr_call(|| {
        // SAFETY: registry-checked handle, a C string and an options struct per the C contract.
        let p = unsafe { self::prog(f, prog) }?;
        let name = unsafe { arg_str(f, "tp_name", name) }?;
        let opts = unsafe { rbpf_raw_tracepoint_opts::to_core(opts) }?;
        link_ptr(p.core()?.attach_raw_tracepoint(name, &opts))
    })
}

/// BTF-based tracing attach (tp_btf, fentry, fexit, fmod_ret, lsm).
#[no_mangle]
pub unsafe extern "C" fn rbpf_program_attach_trace(prog: *const rbpf_program) -> *mut rbpf_link {
    // SAFETY: forwarded C contract.
    unsafe { rbpf_program_attach_trace_opts(prog, std::ptr::null()) }
}

/// `rbpf_program_attach_trace` with options (NULL: defaults).
#[no_mangle]
pub unsafe extern "C" fn rbpf_program_attach_trace_opts(
    prog: *const rbpf_program,
    opts: *const rbpf_trace_opts,
) -> *mut rbpf_link {
    const F: &str = "rbpf_program_attach_trace_opts";
    ptr_call(|| {
        // SAFETY: registry-checked handle and an options struct per the C contract.
        let p = unsafe { self::prog(F, prog) }?;
        let opts = unsafe { rbpf_trace_opts::to_core(opts) }?;
        link_ptr(p.core()?.attach_trace(&opts))
    })
}
