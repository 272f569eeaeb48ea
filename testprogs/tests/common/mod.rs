//! A small safe face over the libbpf calls these oracle tests make. Test code: failures
//! panic with the object, program or variable named.
#![allow(dead_code)]

use std::ffi::{c_void, CStr, CString};
use std::ptr;

pub struct Obj {
    ptr: *mut libbpf_sys::bpf_object,
    name: String,
    links: Vec<*mut libbpf_sys::bpf_link>,
}

impl Drop for Obj {
    fn drop(&mut self) {
        for l in self.links.drain(..) {
            // SAFETY: each link came from bpf_program__attach and is destroyed once.
            unsafe { libbpf_sys::bpf_link__destroy(l) };
        }
        // SAFETY: the pointer came from bpf_object__open_file and is closed once.
        unsafe { libbpf_sys::bpf_object__close(self.ptr) }
    }
}

pub fn quiet() {
    // SAFETY: a NULL print callback silences libbpf; always valid.
    unsafe {
        libbpf_sys::libbpf_set_print(None);
    }
}

fn cstr(s: &str) -> CString {
    CString::new(s).expect("no NUL in test strings")
}

/// Open an object with an optional pin_root_path; Err(errno) on failure.
pub fn open(name: &str, pin_root: Option<&CStr>) -> Result<Obj, i32> {
    quiet();
    let path = rbpf_testprogs::object_path(name);
    let c = cstr(path.to_str().expect("utf-8 path"));
    let opts = libbpf_sys::bpf_object_open_opts {
        sz: std::mem::size_of::<libbpf_sys::bpf_object_open_opts>() as libbpf_sys::size_t,
        pin_root_path: pin_root.map_or(ptr::null(), |p| p.as_ptr()),
        ..Default::default()
    };
    // SAFETY: c and opts outlive the call.
    let obj = unsafe { libbpf_sys::bpf_object__open_file(c.as_ptr(), &opts) };
    if obj.is_null() {
        return Err(std::io::Error::last_os_error().raw_os_error().unwrap_or(0));
    }
    Ok(Obj { ptr: obj, name: name.to_string(), links: Vec::new() })
}

/// Where one global variable lives: its internal map and offset.
struct VarLoc {
    map: *mut libbpf_sys::bpf_map,
    offset: usize,
    size: usize,
}

impl Obj {
    pub fn load(&self) -> Result<(), i32> {
        // SAFETY: self.ptr is a live, opened object.
        let rc = unsafe { libbpf_sys::bpf_object__load(self.ptr) };
        if rc == 0 { Ok(()) } else { Err(-rc) }
    }

    pub fn program(&self, name: &str) -> *mut libbpf_sys::bpf_program {
        let c = cstr(name);
        // SAFETY: self.ptr is live; c outlives the call.
        let p = unsafe { libbpf_sys::bpf_object__find_program_by_name(self.ptr, c.as_ptr()) };
        assert!(!p.is_null(), "{}: program {name} not found", self.name);
        p
    }

    pub fn set_autoload(&self, prog: &str, on: bool) {
        // SAFETY: live program of a live object.
        let rc = unsafe { libbpf_sys::bpf_program__set_autoload(self.program(prog), on) };
        assert_eq!(rc, 0, "{}: set_autoload({prog})", self.name);
    }

    pub fn set_type(&self, prog: &str, ty: u32) {
        // SAFETY: live program of a live object.
        let rc = unsafe { libbpf_sys::bpf_program__set_type(self.program(prog), ty) };
        assert_eq!(rc, 0, "{}: set_type({prog})", self.name);
    }

    /// Attach one loaded program by its section; the link lives as long as the object.
    pub fn attach(&mut self, prog: &str) {
        // SAFETY: live, loaded program.
        let l = unsafe { libbpf_sys::bpf_program__attach(self.program(prog)) };
        assert!(!l.is_null(), "{}: attach {prog}: {}", self.name, std::io::Error::last_os_error());
        self.links.push(l);
    }

    pub fn map(&self, name: &str) -> *mut libbpf_sys::bpf_map {
        let c = cstr(name);
        // SAFETY: self.ptr is live; c outlives the call.
        let m = unsafe { libbpf_sys::bpf_object__find_map_by_name(self.ptr, c.as_ptr()) };
        assert!(!m.is_null(), "{}: map {name} not found", self.name);
        m
    }

    pub fn map_fd(&self, name: &str) -> i32 {
        // SAFETY: live map.
        unsafe { libbpf_sys::bpf_map__fd(self.map(name)) }
    }

    /// Lookup `key` in map `name`, value of `value_size` bytes; None if absent.
    pub fn lookup(&self, name: &str, key: &[u8], value_size: usize) -> Option<Vec<u8>> {
        let mut v = vec![0u8; value_size];
        // SAFETY: key and v are valid buffers of the sizes given.
        let rc = unsafe {
            libbpf_sys::bpf_map__lookup_elem(
                self.map(name),
                key.as_ptr() as *const c_void,
                key.len() as libbpf_sys::size_t,
                v.as_mut_ptr() as *mut c_void,
                v.len() as libbpf_sys::size_t,
                0,
            )
        };
        (rc == 0).then_some(v)
    }

    /// Find global variable `var` through the object's BTF DATASECs.
    fn var(&self, var: &str) -> VarLoc {
        // SAFETY: live object; the BTF belongs to it and outlives this call.
        let btf = unsafe { libbpf_sys::bpf_object__btf(self.ptr) };
        assert!(!btf.is_null(), "{}: no BTF", self.name);
        // SAFETY: btf is live.
        let n = unsafe { libbpf_sys::btf__type_cnt(btf) };
        for id in 1..n {
            // SAFETY: id < type count.
            let t = unsafe { &*libbpf_sys::btf__type_by_id(btf, id) };
            if (t.info >> 24) & 0x1f != libbpf_sys::BTF_KIND_DATASEC {
                continue;
            }
            let vlen = (t.info & 0xffff) as usize;
            // SAFETY: a DATASEC's btf_var_secinfo array follows its btf_type.
            let infos = unsafe {
                std::slice::from_raw_parts(
                    (t as *const libbpf_sys::btf_type).add(1) as *const libbpf_sys::btf_var_secinfo,
                    vlen,
                )
            };
            for vi in infos {
                // SAFETY: type ids inside the same BTF.
                let vt = unsafe { &*libbpf_sys::btf__type_by_id(btf, vi.type_) };
                // SAFETY: name offsets come from the same BTF.
                let vname = unsafe { CStr::from_ptr(libbpf_sys::btf__name_by_offset(btf, vt.name_off)) };
                if vname.to_bytes() != var.as_bytes() {
                    continue;
                }
                // The internal map whose value type is this DATASEC.
                let mut m: *mut libbpf_sys::bpf_map = ptr::null_mut();
                loop {
                    // SAFETY: iterating the object's maps.
                    m = unsafe { libbpf_sys::bpf_object__next_map(self.ptr, m) };
                    assert!(!m.is_null(), "{}: no map for the section of {var}", self.name);
                    // SAFETY: live map.
                    if unsafe { libbpf_sys::bpf_map__btf_value_type_id(m) } == id {
                        return VarLoc { map: m, offset: vi.offset as usize, size: vi.size as usize };
                    }
                }
            }
        }
        panic!("{}: global {var} not found", self.name);
    }

    /// Whether the object's BTF has a struct named `name`.
    pub fn has_struct(&self, name: &str) -> bool {
        let c = cstr(name);
        // SAFETY: live object; its BTF lives as long as it does.
        let btf = unsafe { libbpf_sys::bpf_object__btf(self.ptr) };
        // SAFETY: btf is live (or NULL, checked first); c outlives the call.
        !btf.is_null() && unsafe { libbpf_sys::btf__find_by_name_kind(btf, c.as_ptr(), libbpf_sys::BTF_KIND_STRUCT) } > 0
    }

    /// The bytes of a global: its initial image before load, the live mmap after.
    pub fn global(&self, var: &str) -> Vec<u8> {
        let loc = self.var(var);
        let mut size: libbpf_sys::size_t = 0;
        // SAFETY: live map; libbpf returns its image (or live mmap) of `size` bytes.
        let p = unsafe { libbpf_sys::bpf_map__initial_value(loc.map, &mut size) } as *const u8;
        assert!(!p.is_null() && loc.offset + loc.size <= size as usize, "{}: {var} out of its map", self.name);
        // SAFETY: bounds checked above; volatile reads because the kernel writes it.
        (0..loc.size).map(|i| unsafe { ptr::read_volatile(p.add(loc.offset + i)) }).collect()
    }

    /// Write a global before load (the image libbpf will use to create the map).
    pub fn set_global(&self, var: &str, bytes: &[u8]) {
        let loc = self.var(var);
        assert!(bytes.len() <= loc.size, "{}: {var} is {} bytes", self.name, loc.size);
        let mut size: libbpf_sys::size_t = 0;
        // SAFETY: as in global(); only called before load, when the image is writable.
        let p = unsafe { libbpf_sys::bpf_map__initial_value(loc.map, &mut size) } as *mut u8;
        assert!(!p.is_null() && loc.offset + loc.size <= size as usize);
        // SAFETY: bounds checked above.
        unsafe {
            ptr::write_bytes(p.add(loc.offset), 0, loc.size);
            ptr::copy_nonoverlapping(bytes.as_ptr(), p.add(loc.offset), bytes.len());
        }
    }

    pub fn u64(&self, var: &str) -> u64 {
        u64::from_ne_bytes(self.global(var)[..8].try_into().expect("8 bytes"))
    }

    pub fn i32(&self, var: &str) -> i32 {
        i32::from_ne_bytes(self.global(var)[..4].try_into().expect("4 bytes"))
    }

    /// Every record now in ring buffer map `map`.
    pub fn drain_ring(&self, map: &str) -> Vec<Vec<u8>> {
        unsafe extern "C" fn cb(ctx: *mut c_void, data: *mut c_void, size: libbpf_sys::size_t) -> i32 {
            // SAFETY: ctx is the Vec passed below; data/size describe one record.
            let out = unsafe { &mut *(ctx as *mut Vec<Vec<u8>>) };
            out.push(unsafe { std::slice::from_raw_parts(data as *const u8, size as usize) }.to_vec());
            0
        }
        let mut out: Vec<Vec<u8>> = Vec::new();
        // SAFETY: valid map fd; `out` outlives the ring buffer, freed below.
        let rb = unsafe {
            libbpf_sys::ring_buffer__new(self.map_fd(map), Some(cb), &mut out as *mut _ as *mut c_void, ptr::null())
        };
        assert!(!rb.is_null(), "{}: ring_buffer__new({map})", self.name);
        // SAFETY: rb is live until freed right after.
        let n = unsafe { libbpf_sys::ring_buffer__consume(rb) };
        // SAFETY: freed once.
        unsafe { libbpf_sys::ring_buffer__free(rb) };
        assert!(n >= 0, "{}: consume {map}: {n}", self.name);
        out
    }
}

/// getpid() through the raw syscall, so no libc caching can hide it from the kernel.
pub fn getpid_syscall() -> u32 {
    // SAFETY: getpid has no arguments and cannot fail.
    unsafe { libc::syscall(libc::SYS_getpid) as u32 }
}

pub fn cstring(s: &str) -> CString {
    cstr(s)
}
