//! Typed wrappers over the bpf(2) commands.

use crate::bail;
use super::attr::*;
use super::{bpf_fd, bpf_syscall, err, mut_ptr_u64, obj_name, opt_fd, ptr_u64};
use crate::error::errno_name;
use crate::obj::Insn;
use crate::uapi::*;
use crate::{Error, Result};
use std::ffi::CString;
use std::os::fd::{OwnedFd, RawFd};
use std::path::Path;

// ---------------------------------------------------------------------------------------
// Maps
// ---------------------------------------------------------------------------------------

/// Everything BPF_MAP_CREATE takes (libbpf's `bpf_map_create` + `bpf_map_create_opts`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MapCreateAttr {
    pub map_type: u32,
    /// Truncated to 15 bytes; the kernel accepts `[A-Za-z0-9_.]`.
    pub name: String,
    pub key_size: u32,
    pub value_size: u32,
    pub max_entries: u32,
    pub map_flags: u32,
    /// BTF object holding the key/value types (None: no BTF).
    pub btf_fd: Option<RawFd>,
    pub btf_key_type_id: u32,
    pub btf_value_type_id: u32,
    pub btf_vmlinux_value_type_id: u32,
    /// Template inner map for ARRAY_OF_MAPS / HASH_OF_MAPS.
    pub inner_map_fd: Option<RawFd>,
    /// Only used with BPF_F_NUMA_NODE in `map_flags`.
    pub numa_node: u32,
    pub map_extra: u64,
    pub map_ifindex: u32,
    pub value_type_btf_obj_fd: Option<RawFd>,
}

/// BPF_MAP_CREATE. The error names the map: "map 'x': failed to create: EINVAL".
pub fn map_create(a: &MapCreateAttr) -> Result<OwnedFd> {
    let mut attr = MapCreate {
        map_type: a.map_type,
        key_size: a.key_size,
        value_size: a.value_size,
        max_entries: a.max_entries,
        map_flags: a.map_flags,
        inner_map_fd: opt_fd(a.inner_map_fd),
        numa_node: a.numa_node,
        map_name: obj_name(&a.name),
        map_ifindex: a.map_ifindex,
        btf_fd: opt_fd(a.btf_fd),
        btf_key_type_id: a.btf_key_type_id,
        btf_value_type_id: a.btf_value_type_id,
        btf_vmlinux_value_type_id: a.btf_vmlinux_value_type_id,
        map_extra: a.map_extra,
        value_type_btf_obj_fd: a.value_type_btf_obj_fd.unwrap_or(0),
        map_token_fd: 0,
    };
    bpf_fd(BPF_MAP_CREATE, &mut attr).map_err(|e| err(e, format_args!("map '{}': failed to create", a.name)))
}

fn elem_op(cmd: u32, fd: RawFd, key: u64, value: u64, flags: u64) -> std::result::Result<(), i32> {
    let mut attr = MapElem { map_fd: fd as u32, key, value, flags, ..Default::default() };
    bpf_syscall(cmd, &mut attr).map(|_| ())
}

/// BPF_MAP_LOOKUP_ELEM with flags (e.g. BPF_F_LOCK). `value` must be the map's value size
/// (per-CPU maps: [`percpu_value_size`](super::percpu_value_size)); an empty `key` is
/// passed as NULL (queue/stack/bloom). Ok(false) when the key is absent (ENOENT).
pub fn map_lookup_elem(fd: RawFd, key: &[u8], value: &mut [u8], flags: u64) -> Result<bool> {
    match elem_op(BPF_MAP_LOOKUP_ELEM, fd, ptr_u64(key), mut_ptr_u64(value), flags) {
        Ok(()) => Ok(true),
        Err(libc::ENOENT) => Ok(false),
        Err(e) => Err(err(e, "map lookup")),
    }
}

/// BPF_MAP_UPDATE_ELEM with BPF_ANY / BPF_NOEXIST / BPF_EXIST (| BPF_F_LOCK).
/// An empty `key` is NULL (queue/stack push, bloom filter add).
pub fn map_update_elem(fd: RawFd, key: &[u8], value: &[u8], flags: u64) -> Result<()> {
    elem_op(BPF_MAP_UPDATE_ELEM, fd, ptr_u64(key), ptr_u64(value), flags).map_err(|e| err(e, "map update"))
}

/// BPF_MAP_DELETE_ELEM. A missing key is an error (ENOENT), as in libbpf.
pub fn map_delete_elem(fd: RawFd, key: &[u8], flags: u64) -> Result<()> {
    elem_op(BPF_MAP_DELETE_ELEM, fd, ptr_u64(key), 0, flags).map_err(|e| err(e, "map delete"))
}

/// BPF_MAP_LOOKUP_AND_DELETE_ELEM (queue/stack pop with an empty key; hash maps too).
/// Ok(false) when there is nothing (ENOENT).
pub fn map_lookup_and_delete_elem(fd: RawFd, key: &[u8], value: &mut [u8], flags: u64) -> Result<bool> {
    match elem_op(BPF_MAP_LOOKUP_AND_DELETE_ELEM, fd, ptr_u64(key), mut_ptr_u64(value), flags) {
        Ok(()) => Ok(true),
        Err(libc::ENOENT) => Ok(false),
        Err(e) => Err(err(e, "map lookup and delete")),
    }
}

/// BPF_MAP_GET_NEXT_KEY. `key` None (or empty) asks for the first key. Ok(false) at the
/// end of the iteration (ENOENT).
pub fn map_get_next_key(fd: RawFd, key: Option<&[u8]>, next_key: &mut [u8]) -> Result<bool> {
    match elem_op(BPF_MAP_GET_NEXT_KEY, fd, key.map(ptr_u64).unwrap_or(0), mut_ptr_u64(next_key), 0) {
        Ok(()) => Ok(true),
        Err(libc::ENOENT) => Ok(false),
        Err(e) => Err(err(e, "map get next key")),
    }
}

/// BPF_MAP_FREEZE: the map becomes read-only for user space.
pub fn map_freeze(fd: RawFd) -> Result<()> {
    elem_op(BPF_MAP_FREEZE, fd, 0, 0, 0).map_err(|e| err(e, "map freeze"))
}

/// Flags of the batch operations (libbpf's `bpf_map_batch_opts`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MapBatchOpts {
    pub elem_flags: u64,
    pub flags: u64,
}

/// Result of a batch call: how many elements were processed, and whether the map was
/// exhausted (the kernel's ENOENT, which still reports a count).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BatchResult {
    pub count: u32,
    pub done: bool,
}

#[allow(clippy::too_many_arguments)]
fn batch(cmd: u32, what: &str, fd: RawFd, in_batch: Option<&[u8]>, out_batch: Option<&mut [u8]>, keys: u64, values: u64, count: u32, o: &MapBatchOpts) -> Result<BatchResult> {
    let mut attr = MapBatch {
        in_batch: in_batch.map(ptr_u64).unwrap_or(0),
        out_batch: out_batch.map(mut_ptr_u64).unwrap_or(0),
        keys,
        values,
        count,
        map_fd: fd as u32,
        elem_flags: o.elem_flags,
        flags: o.flags,
    };
    match bpf_syscall(cmd, &mut attr) {
        Ok(_) => Ok(BatchResult { count: attr.count, done: false }),
        Err(libc::ENOENT) => Ok(BatchResult { count: attr.count, done: true }),
        Err(e) => Err(Error::new(e, format!("{what}: {} (after {} elements)", errno_name(e), attr.count))),
    }
}

fn check_batch(what: &str, keys: usize, values: usize, key_size: usize, value_size: usize, count: u32) -> Result<()> {
    if key_size != 0 && keys < key_size * count as usize || value_size != 0 && values < value_size * count as usize {
        bail!(libc::EINVAL, "{what}: buffers too small for {count} elements");
    }
    Ok(())
}

/// BPF_MAP_LOOKUP_BATCH. `keys`/`values` hold `count` elements of `key_size`/`value_size`
/// bytes (value_size per-CPU-sized for per-CPU maps); `in_batch` None starts from the
/// beginning; `out_batch` (key-sized for hash maps, 4 bytes for arrays) receives the cursor.
#[allow(clippy::too_many_arguments)]
pub fn map_lookup_batch(fd: RawFd, in_batch: Option<&[u8]>, out_batch: &mut [u8], keys: &mut [u8], values: &mut [u8], key_size: usize, value_size: usize, count: u32, opts: &MapBatchOpts) -> Result<BatchResult> {
    check_batch("map lookup batch", keys.len(), values.len(), key_size, value_size, count)?;
    batch(BPF_MAP_LOOKUP_BATCH, "map lookup batch", fd, in_batch, Some(out_batch), mut_ptr_u64(keys), mut_ptr_u64(values), count, opts)
}

/// BPF_MAP_LOOKUP_AND_DELETE_BATCH; arguments as [`map_lookup_batch`].
#[allow(clippy::too_many_arguments)]
pub fn map_lookup_and_delete_batch(fd: RawFd, in_batch: Option<&[u8]>, out_batch: &mut [u8], keys: &mut [u8], values: &mut [u8], key_size: usize, value_size: usize, count: u32, opts: &MapBatchOpts) -> Result<BatchResult> {
    check_batch("map lookup and delete batch", keys.len(), values.len(), key_size, value_size, count)?;
    batch(BPF_MAP_LOOKUP_AND_DELETE_BATCH, "map lookup and delete batch", fd, in_batch, Some(out_batch), mut_ptr_u64(keys), mut_ptr_u64(values), count, opts)
}

/// BPF_MAP_UPDATE_BATCH of `count` key/value pairs.
pub fn map_update_batch(fd: RawFd, keys: &[u8], values: &[u8], key_size: usize, value_size: usize, count: u32, opts: &MapBatchOpts) -> Result<BatchResult> {
    check_batch("map update batch", keys.len(), values.len(), key_size, value_size, count)?;
    batch(BPF_MAP_UPDATE_BATCH, "map update batch", fd, None, None, ptr_u64(keys), ptr_u64(values), count, opts)
}

/// BPF_MAP_DELETE_BATCH of `count` keys.
pub fn map_delete_batch(fd: RawFd, keys: &[u8], key_size: usize, count: u32, opts: &MapBatchOpts) -> Result<BatchResult> {
    check_batch("map delete batch", keys.len(), 0, key_size, 0, count)?;
    batch(BPF_MAP_DELETE_BATCH, "map delete batch", fd, None, None, ptr_u64(keys), 0, count, opts)
}

// ---------------------------------------------------------------------------------------
// Programs
// ---------------------------------------------------------------------------------------

/// Everything BPF_PROG_LOAD takes (libbpf's `bpf_prog_load` + `bpf_prog_load_opts`).
#[derive(Clone, Debug, Default)]
pub struct ProgLoadAttr<'a> {
    pub prog_type: u32,
    /// Program name for the kernel (truncated to 15 bytes) and for error messages.
    pub name: &'a str,
    pub insns: &'a [Insn],
    pub license: &'a str,
    pub expected_attach_type: u32,
    pub prog_flags: u32,
    pub kern_version: u32,
    pub prog_ifindex: u32,
    pub btf_fd: Option<RawFd>,
    /// Raw `bpf_func_info` records (`func_info_cnt` × `func_info_rec_size` bytes).
    pub func_info: &'a [u8],
    pub func_info_rec_size: u32,
    pub func_info_cnt: u32,
    /// Raw `bpf_line_info` records.
    pub line_info: &'a [u8],
    pub line_info_rec_size: u32,
    pub line_info_cnt: u32,
    pub attach_btf_id: u32,
    /// Module BTF holding `attach_btf_id` (shares the kernel field with attach_prog_fd).
    pub attach_btf_obj_fd: Option<RawFd>,
    /// Target program for freplace / fentry on a BPF program.
    pub attach_prog_fd: Option<RawFd>,
    /// fds referenced by BPF_PSEUDO_MAP_IDX / kfunc calls with an fd index.
    pub fd_array: &'a [RawFd],
    /// 0: no log on the first attempt, log level 1 on a retry after failure (libbpf's
    /// policy). > 0: log from the first attempt with this level.
    pub log_level: u32,
    /// Initial log buffer size (0: 64 KiB). It doubles on ENOSPC.
    pub log_size: u32,
}

const LOG_START: usize = 64 * 1024;
/// The kernel refuses log buffers above UINT_MAX >> 2; we also stop at 256 MiB.
const LOG_MAX: usize = 256 * 1024 * 1024;
const LOAD_ATTEMPTS: usize = 5;

fn log_text(buf: &[u8]) -> String {
    let end = buf.iter().position(|&c| c == 0).unwrap_or(buf.len());
    String::from_utf8_lossy(&buf[..end]).trim_end().to_string()
}

fn load_retrying<A: Pod>(cmd: u32, attr: &mut A) -> std::result::Result<OwnedFd, i32> {
    let mut attempt = 1;
    loop {
        match bpf_fd(cmd, attr) {
            Err(libc::EAGAIN) if attempt < LOAD_ATTEMPTS => attempt += 1,
            r => return r,
        }
    }
}

/// BPF_PROG_LOAD, returning the program fd. See [`prog_load_with_log`].
pub fn prog_load(a: &ProgLoadAttr<'_>) -> Result<OwnedFd> {
    prog_load_with_log(a).map(|(fd, _)| fd)
}

/// BPF_PROG_LOAD, returning the fd and the verifier log ("" unless `log_level` > 0).
///
/// Log policy (libbpf's): with `log_level == 0` the first attempt sends no log; on
/// failure it retries with level 1 and a buffer that starts at 64 KiB (or `log_size`)
/// and grows on ENOSPC (to the size the kernel reports, else doubling, up to 256 MiB).
/// EAGAIN is retried (5 attempts). The error is `Error::verifier(errno, "prog 'x': BPF
/// program load failed: EACCES", log)` when the kernel wrote a log, a plain error
/// otherwise. Callers print the log (libbpf's BEGIN/END PROG LOAD LOG) as they see fit.
pub fn prog_load_with_log(a: &ProgLoadAttr<'_>) -> Result<(OwnedFd, String)> {
    let what = if a.name.is_empty() { "BPF program load failed".to_string() } else { format!("prog '{}': BPF program load failed", a.name) };
    if a.insns.is_empty() {
        bail!(libc::EINVAL, "{what}: no instructions");
    }
    let license = CString::new(a.license).map_err(|_| Error::new(libc::EINVAL, format!("{what}: license contains a NUL byte")))?;
    if a.attach_prog_fd.is_some() && a.attach_btf_obj_fd.is_some() {
        bail!(libc::EINVAL, "{what}: attach_prog_fd and attach_btf_obj_fd are exclusive");
    }
    let mut attr = ProgLoad {
        prog_type: a.prog_type,
        insn_cnt: a.insns.len() as u32,
        insns: ptr_u64(a.insns),
        license: license.as_ptr() as usize as u64,
        kern_version: a.kern_version,
        prog_flags: a.prog_flags,
        prog_name: obj_name(a.name),
        prog_ifindex: a.prog_ifindex,
        expected_attach_type: a.expected_attach_type,
        prog_btf_fd: opt_fd(a.btf_fd),
        func_info_rec_size: a.func_info_rec_size,
        func_info: ptr_u64(a.func_info),
        func_info_cnt: a.func_info_cnt,
        line_info_rec_size: a.line_info_rec_size,
        line_info: ptr_u64(a.line_info),
        line_info_cnt: a.line_info_cnt,
        attach_btf_id: a.attach_btf_id,
        attach_prog_fd: opt_fd(a.attach_prog_fd.or(a.attach_btf_obj_fd)),
        fd_array: ptr_u64(a.fd_array),
        ..Default::default()
    };
    let first_err = if a.log_level == 0 {
        match load_retrying(BPF_PROG_LOAD, &mut attr) {
            Ok(fd) => return Ok((fd, String::new())),
            Err(e) => e,
        }
    } else {
        0
    };
    let level = a.log_level.max(1);
    let mut size = if a.log_size >= 128 { a.log_size as usize } else { LOG_START };
    loop {
        let mut buf = vec![0u8; size];
        attr.log_level = level;
        attr.log_size = size as u32;
        attr.log_buf = buf.as_mut_ptr() as usize as u64;
        attr.log_true_size = 0;
        let r = load_retrying(BPF_PROG_LOAD, &mut attr);
        attr.log_buf = 0;
        match r {
            Ok(fd) => return Ok((fd, if a.log_level > 0 { log_text(&buf) } else { String::new() })),
            Err(libc::ENOSPC) if size < LOG_MAX => {
                let want = attr.log_true_size as usize;
                size = if want > size { want.min(LOG_MAX) } else { (size * 2).min(LOG_MAX) };
            }
            Err(e) => {
                let log = log_text(&buf);
                // The log-less attempt's errno is the real one (a log attempt may only add ENOSPC).
                let errno = if first_err != 0 && e == libc::ENOSPC { first_err } else { e };
                let msg = format!("{what}: {}", errno_name(errno));
                return Err(if log.is_empty() { Error::new(errno, msg) } else { Error::verifier(errno, msg, log) });
            }
        }
    }
}

/// BPF_PROG_BIND_MAP: keep `map_fd` alive as long as the program (used for .rodata).
pub fn prog_bind_map(prog_fd: RawFd, map_fd: RawFd) -> Result<()> {
    let mut attr = ProgBindMap { prog_fd: prog_fd as u32, map_fd: map_fd as u32, flags: 0 };
    bpf_syscall(BPF_PROG_BIND_MAP, &mut attr).map(|_| ()).map_err(|e| err(e, "prog bind map"))
}

/// BPF_PROG_ATTACH (cgroup, sockmap, flow dissector, ... without a link).
pub fn prog_attach(prog_fd: RawFd, target_fd: RawFd, attach_type: u32, flags: u32) -> Result<()> {
    let mut attr = ProgAttach { target_fd: target_fd as u32, attach_bpf_fd: prog_fd as u32, attach_type, attach_flags: flags, ..Default::default() };
    bpf_syscall(BPF_PROG_ATTACH, &mut attr).map(|_| ()).map_err(|e| err(e, "prog attach"))
}

/// BPF_PROG_DETACH.
pub fn prog_detach(prog_fd: Option<RawFd>, target_fd: RawFd, attach_type: u32) -> Result<()> {
    let mut attr = ProgAttach { target_fd: target_fd as u32, attach_bpf_fd: opt_fd(prog_fd), attach_type, ..Default::default() };
    bpf_syscall(BPF_PROG_DETACH, &mut attr).map(|_| ()).map_err(|e| err(e, "prog detach"))
}

/// Inputs of BPF_PROG_TEST_RUN (libbpf's `bpf_test_run_opts`).
#[derive(Debug, Default)]
pub struct TestRunOpts<'a> {
    pub data_in: &'a [u8],
    pub data_out: Option<&'a mut [u8]>,
    pub ctx_in: &'a [u8],
    pub ctx_out: Option<&'a mut [u8]>,
    pub repeat: u32,
    pub flags: u32,
    pub cpu: u32,
    pub batch_size: u32,
}

/// Outputs of BPF_PROG_TEST_RUN.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TestRunResult {
    pub retval: u32,
    pub duration_ns: u32,
    pub data_size_out: u32,
    pub ctx_size_out: u32,
}

/// BPF_PROG_TEST_RUN.
pub fn prog_test_run(prog_fd: RawFd, o: &mut TestRunOpts<'_>) -> Result<TestRunResult> {
    let mut attr = TestRun {
        prog_fd: prog_fd as u32,
        data_size_in: o.data_in.len() as u32,
        data_in: ptr_u64(o.data_in),
        repeat: o.repeat,
        ctx_size_in: o.ctx_in.len() as u32,
        ctx_in: ptr_u64(o.ctx_in),
        flags: o.flags,
        cpu: o.cpu,
        batch_size: o.batch_size,
        ..Default::default()
    };
    if let Some(out) = o.data_out.as_deref_mut() {
        attr.data_size_out = out.len() as u32;
        attr.data_out = mut_ptr_u64(out);
    }
    if let Some(out) = o.ctx_out.as_deref_mut() {
        attr.ctx_size_out = out.len() as u32;
        attr.ctx_out = mut_ptr_u64(out);
    }
    bpf_syscall(BPF_PROG_TEST_RUN, &mut attr).map_err(|e| err(e, "prog test run"))?;
    Ok(TestRunResult { retval: attr.retval, duration_ns: attr.duration, data_size_out: attr.data_size_out, ctx_size_out: attr.ctx_size_out })
}

// ---------------------------------------------------------------------------------------
// BTF
// ---------------------------------------------------------------------------------------

/// BPF_BTF_LOAD of raw BTF bytes. Tries without a log first; on failure retries with a
/// log (growing on ENOSPC) and returns `Error::verifier(errno, "failed to load BTF into
/// the kernel: EINVAL", log)`.
pub fn btf_load(raw: &[u8]) -> Result<OwnedFd> {
    const WHAT: &str = "failed to load BTF into the kernel";
    if raw.is_empty() {
        bail!(libc::EINVAL, "{WHAT}: empty BTF");
    }
    let mut attr = BtfLoad { btf: ptr_u64(raw), btf_size: raw.len() as u32, ..Default::default() };
    let first = match load_retrying(BPF_BTF_LOAD, &mut attr) {
        Ok(fd) => return Ok(fd),
        Err(e) => e,
    };
    let mut size = LOG_START;
    loop {
        let mut buf = vec![0u8; size];
        attr.btf_log_buf = buf.as_mut_ptr() as usize as u64;
        attr.btf_log_size = size as u32;
        attr.btf_log_level = 1;
        attr.btf_log_true_size = 0;
        let r = load_retrying(BPF_BTF_LOAD, &mut attr);
        attr.btf_log_buf = 0;
        match r {
            Ok(fd) => return Ok(fd),
            Err(libc::ENOSPC) if size < LOG_MAX => {
                let want = attr.btf_log_true_size as usize;
                size = if want > size { want.min(LOG_MAX) } else { (size * 2).min(LOG_MAX) };
            }
            Err(e) => {
                let errno = if e == libc::ENOSPC { first } else { e };
                let log = log_text(&buf);
                let msg = format!("{WHAT}: {}", errno_name(errno));
                return Err(if log.is_empty() { Error::new(errno, msg) } else { Error::verifier(errno, msg, log) });
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// Objects: pinning, ids, info
// ---------------------------------------------------------------------------------------

fn c_path(path: &Path, what: &str) -> Result<CString> {
    use std::os::unix::ffi::OsStrExt;
    CString::new(path.as_os_str().as_bytes()).map_err(|_| Error::new(libc::EINVAL, format!("{what} '{}': path contains a NUL byte", path.display())))
}

/// BPF_OBJ_PIN: pin a map, program or link fd at `path` (on a bpffs).
pub fn obj_pin(fd: RawFd, path: impl AsRef<Path>) -> Result<()> {
    let path = path.as_ref();
    let c = c_path(path, "pin")?;
    let mut attr = ObjPin { pathname: c.as_ptr() as usize as u64, bpf_fd: fd as u32, ..Default::default() };
    bpf_syscall(BPF_OBJ_PIN, &mut attr).map(|_| ()).map_err(|e| err(e, format_args!("failed to pin at '{}'", path.display())))
}

/// BPF_OBJ_GET: open a pinned object.
pub fn obj_get(path: impl AsRef<Path>) -> Result<OwnedFd> {
    obj_get_flags(path, 0)
}

/// BPF_OBJ_GET with `file_flags` (BPF_F_RDONLY / BPF_F_WRONLY).
pub fn obj_get_flags(path: impl AsRef<Path>, file_flags: u32) -> Result<OwnedFd> {
    let path = path.as_ref();
    let c = c_path(path, "pinned object")?;
    let mut attr = ObjPin { pathname: c.as_ptr() as usize as u64, file_flags, ..Default::default() };
    bpf_fd(BPF_OBJ_GET, &mut attr).map_err(|e| err(e, format_args!("failed to open pinned object '{}'", path.display())))
}

/// BPF_OBJ_GET_INFO_BY_FD into any of the info structs; returns the length the kernel filled.
fn obj_info<T: Pod + Default>(fd: RawFd, what: &str) -> Result<T> {
    let mut info = T::default();
    let mut attr = InfoByFd { bpf_fd: fd as u32, info_len: std::mem::size_of::<T>() as u32, info: &mut info as *mut T as usize as u64 };
    bpf_syscall(BPF_OBJ_GET_INFO_BY_FD, &mut attr).map_err(|e| err(e, format_args!("failed to get {what} info for fd {fd}")))?;
    Ok(info)
}

/// Map info (type, id, key/value size, max_entries, flags, name, BTF ids, map_extra).
pub fn map_info(fd: RawFd) -> Result<BpfMapInfo> {
    obj_info(fd, "map")
}

/// Program info (type, id, tag, name, BTF, run stats, ...); array pointers are not filled.
pub fn prog_info(fd: RawFd) -> Result<BpfProgInfo> {
    obj_info(fd, "prog")
}

/// Link info (type, id, prog id; the per-type part as raw words).
pub fn link_info(fd: RawFd) -> Result<BpfLinkInfo> {
    obj_info(fd, "link")
}

impl BpfMapInfo {
    pub fn name(&self) -> String {
        super::name_from_bytes(&self.name)
    }
}

impl BpfProgInfo {
    pub fn name(&self) -> String {
        super::name_from_bytes(&self.name)
    }
    pub fn gpl_compatible(&self) -> bool {
        self.gpl_compatible_bits & 1 != 0
    }
}

/// The kinds of BPF objects with ids.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ObjKind {
    Prog,
    Map,
    Btf,
    Link,
}

impl ObjKind {
    fn cmds(self) -> (u32, u32, &'static str) {
        match self {
            ObjKind::Prog => (BPF_PROG_GET_NEXT_ID, BPF_PROG_GET_FD_BY_ID, "prog"),
            ObjKind::Map => (BPF_MAP_GET_NEXT_ID, BPF_MAP_GET_FD_BY_ID, "map"),
            ObjKind::Btf => (BPF_BTF_GET_NEXT_ID, BPF_BTF_GET_FD_BY_ID, "btf"),
            ObjKind::Link => (BPF_LINK_GET_NEXT_ID, BPF_LINK_GET_FD_BY_ID, "link"),
        }
    }
}

/// BPF_*_GET_NEXT_ID: the next id after `start` (0 for the first); None at the end.
pub fn obj_get_next_id(kind: ObjKind, start: u32) -> Result<Option<u32>> {
    let (cmd, _, what) = kind.cmds();
    let mut attr = GetId { id: start, ..Default::default() };
    match bpf_syscall(cmd, &mut attr) {
        Ok(_) => Ok(Some(attr.next_id)),
        Err(libc::ENOENT) => Ok(None),
        Err(e) => Err(err(e, format_args!("{what} get next id"))),
    }
}

/// BPF_*_GET_FD_BY_ID.
pub fn obj_get_fd_by_id(kind: ObjKind, id: u32) -> Result<OwnedFd> {
    let (_, cmd, what) = kind.cmds();
    let mut attr = GetId { id, ..Default::default() };
    bpf_fd(cmd, &mut attr).map_err(|e| err(e, format_args!("{what} id {id}: failed to get fd")))
}

// ---------------------------------------------------------------------------------------
// Links
// ---------------------------------------------------------------------------------------

/// The per-attach-type part of BPF_LINK_CREATE.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum LinkTarget {
    #[default]
    None,
    /// Attach a BPF program to a perf event fd (`target_fd`) with a cookie.
    PerfEvent { bpf_cookie: u64 },
    /// fentry/fexit/fmod_ret/tp_btf/lsm/freplace: BTF target (0: the one given at load) + cookie.
    Tracing { target_btf_id: u32, cookie: u64 },
    /// Iterator link info (raw `bpf_iter_link_info` bytes).
    Iter { info: Vec<u8> },
    /// tcx / netkit / cgroup ordering: relative fd or id (per `flags`) and expected revision.
    Relative { relative: u32, expected_revision: u64 },
    /// netfilter hook.
    Netfilter { pf: u32, hooknum: u32, priority: i32, flags: u32 },
    /// kprobe.multi: symbols (NUL-terminated strings) or addresses, with cookies.
    KprobeMulti { flags: u32, syms: Vec<CString>, addrs: Vec<u64>, cookies: Vec<u64> },
    /// uprobe.multi on `path` (offsets, optional ref_ctr offsets and cookies), for `pid`.
    UprobeMulti { path: CString, offsets: Vec<u64>, ref_ctr_offsets: Vec<u64>, cookies: Vec<u64>, flags: u32, pid: u32 },
}

/// Everything BPF_LINK_CREATE takes (libbpf's `bpf_link_create` + opts).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LinkCreateAttr {
    pub prog_fd: RawFd,
    /// Target fd or ifindex (0 for none).
    pub target_fd: RawFd,
    pub attach_type: u32,
    pub flags: u32,
    pub target: LinkTarget,
}

/// BPF_LINK_CREATE. The error is "link create: EINVAL"; callers add what they attach to.
pub fn link_create(a: &LinkCreateAttr) -> Result<OwnedFd> {
    let mut attr = LinkCreate { prog_fd: a.prog_fd as u32, target_fd: a.target_fd as u32, attach_type: a.attach_type, flags: a.flags, ..Default::default() };
    // Keep pointer arrays alive until the syscall returns.
    let sym_ptrs: Vec<u64>;
    match &a.target {
        LinkTarget::None => {}
        LinkTarget::PerfEvent { bpf_cookie } => attr.set_perf_event_cookie(*bpf_cookie),
        LinkTarget::Tracing { target_btf_id, cookie } => attr.set_tracing(*target_btf_id, *cookie),
        LinkTarget::Iter { info } => attr.set_iter_info(ptr_u64(info), info.len() as u32),
        LinkTarget::Relative { relative, expected_revision } => attr.set_relative(*relative, *expected_revision),
        LinkTarget::Netfilter { pf, hooknum, priority, flags } => attr.set_netfilter(*pf, *hooknum, *priority, *flags),
        LinkTarget::KprobeMulti { flags, syms, addrs, cookies } => {
            sym_ptrs = syms.iter().map(|s| s.as_ptr() as usize as u64).collect();
            let cnt = if syms.is_empty() { addrs.len() } else { syms.len() };
            if !cookies.is_empty() && cookies.len() != cnt {
                bail!(libc::EINVAL, "link create: {} cookies for {cnt} kprobes", cookies.len());
            }
            attr.set_kprobe_multi(*flags, cnt as u32, ptr_u64(&sym_ptrs), ptr_u64(addrs), ptr_u64(cookies));
        }
        LinkTarget::UprobeMulti { path, offsets, ref_ctr_offsets, cookies, flags, pid } => {
            let cnt = offsets.len();
            if (!cookies.is_empty() && cookies.len() != cnt) || (!ref_ctr_offsets.is_empty() && ref_ctr_offsets.len() != cnt) {
                bail!(libc::EINVAL, "link create: cookies/ref_ctr_offsets must match {cnt} offsets");
            }
            attr.set_uprobe_multi(path.as_ptr() as usize as u64, ptr_u64(offsets), ptr_u64(ref_ctr_offsets), ptr_u64(cookies), cnt as u32, *flags, *pid);
        }
    }
    bpf_fd(BPF_LINK_CREATE, &mut attr).map_err(|e| err(e, "link create"))
}

/// BPF_LINK_UPDATE: swap the program of a link (`old_prog_fd` with BPF_F_REPLACE).
pub fn link_update(link_fd: RawFd, new_prog_fd: RawFd, old_prog_fd: Option<RawFd>, flags: u32) -> Result<()> {
    let mut attr = LinkUpdate { link_fd: link_fd as u32, new_prog_fd: new_prog_fd as u32, flags, old_prog_fd: opt_fd(old_prog_fd) };
    bpf_syscall(BPF_LINK_UPDATE, &mut attr).map(|_| ()).map_err(|e| err(e, "link update"))
}

/// BPF_LINK_DETACH: detach while the fd stays open (the link becomes defunct).
pub fn link_detach(link_fd: RawFd) -> Result<()> {
    let mut attr = LinkDetach { link_fd: link_fd as u32 };
    bpf_syscall(BPF_LINK_DETACH, &mut attr).map(|_| ()).map_err(|e| err(e, "link detach"))
}

/// BPF_ITER_CREATE: an fd that reads the iterator's output.
pub fn iter_create(link_fd: RawFd) -> Result<OwnedFd> {
    let mut attr = IterCreate { link_fd: link_fd as u32, flags: 0 };
    bpf_fd(BPF_ITER_CREATE, &mut attr).map_err(|e| err(e, "iter create"))
}

/// BPF_RAW_TRACEPOINT_OPEN. `name` None is for BTF-typed programs (tp_btf, fentry, ...)
/// whose target was fixed at load. A non-zero cookie needs kernel 6.10+ (older kernels
/// reject it with E2BIG/EINVAL).
pub fn raw_tracepoint_open(name: Option<&str>, prog_fd: RawFd, cookie: u64) -> Result<OwnedFd> {
    let c = match name {
        Some(n) => Some(CString::new(n).map_err(|_| Error::new(libc::EINVAL, format!("raw tracepoint '{}': name contains a NUL byte", n.escape_debug())))?),
        None => None,
    };
    let mut attr = RawTracepointOpen { name: c.as_ref().map(|c| c.as_ptr() as usize as u64).unwrap_or(0), prog_fd: prog_fd as u32, cookie, ..Default::default() };
    // A zero cookie is sent with the old attr size so pre-6.10 kernels accept it.
    let r = if cookie == 0 {
        let mut old = RawTracepointOpenV1 { name: attr.name, prog_fd: attr.prog_fd, _pad0: 0 };
        bpf_fd(BPF_RAW_TRACEPOINT_OPEN, &mut old)
    } else {
        bpf_fd(BPF_RAW_TRACEPOINT_OPEN, &mut attr)
    };
    r.map_err(|e| err(e, "raw tracepoint open"))
}

/// The pre-6.10 raw_tracepoint attr (name, prog_fd).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
struct RawTracepointOpenV1 {
    name: u64,
    prog_fd: u32,
    _pad0: u32,
}
impl Pod for RawTracepointOpenV1 {}
