#!/usr/bin/env python3
"""Rebuild fuzz/data/ and the seed corpora fuzz/corpus/<target>/ from the repo's compiled
BPF objects (target/bpf/*.bpf.o, made by `cargo build -p rbpf-testprogs`).

Usage: python3 fuzz/make-seeds.py   (from the repo root or fuzz/). Needs clang-19 and
llvm-objcopy-19. Seeds are small (objects are stripped of DWARF; .BTF/.BTF.ext kept).
"""
import hashlib, os, shutil, struct, subprocess, sys, tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
BPF = os.path.join(ROOT, "target", "bpf")
DATA = os.path.join(HERE, "data")
CORPUS = os.path.join(HERE, "corpus")
OBJCOPY = shutil.which("llvm-objcopy-19") or "llvm-objcopy"
CLANG = shutil.which("clang-19") or "clang"


def run(*args):
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL)


def dump(obj, sec, tmp):
    out = os.path.join(tmp, "sec.bin")
    if os.path.exists(out):
        os.unlink(out)
    r = subprocess.run([OBJCOPY, "--dump-section", f"{sec}={out}", obj, os.path.join(tmp, "junk.o")],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if r.returncode != 0 or not os.path.exists(out):
        return None
    return open(out, "rb").read()


def put(target, data, name=None):
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    name = name or hashlib.sha1(data).hexdigest()
    open(os.path.join(d, name), "wb").write(data)


def btf_strings(btf):
    hdr_len, = struct.unpack_from("<I", btf, 4)
    _, _, str_off, str_len = struct.unpack_from("<IIII", btf, 8)
    s = hdr_len + str_off
    return btf[s:s + str_len]


def str_at(strs, off):
    end = strs.index(b"\0", off)
    return strs[off:end].decode()


def core_relos(ext, btf):
    """{section name: [(insn_off, type_id, access_str_off, kind)]} from .BTF.ext."""
    hdr_len, = struct.unpack_from("<I", ext, 4)
    if hdr_len < 32:
        return {}
    off, length = struct.unpack_from("<II", ext, 24)
    if length == 0:
        return {}
    strs = btf_strings(btf)
    p = hdr_len + off
    end = p + length
    rec_size, = struct.unpack_from("<I", ext, p)
    p += 4
    out = {}
    while p < end:
        name_off, n = struct.unpack_from("<II", ext, p)
        p += 8
        recs = [struct.unpack_from("<IIII", ext, p + i * rec_size) for i in range(n)]
        p += n * rec_size
        out[str_at(strs, name_off)] = recs
    return out


def main():
    objs = sorted(f for f in os.listdir(BPF) if f.endswith(".bpf.o")) if os.path.isdir(BPF) else []
    if not objs:
        sys.exit(f"no objects under {BPF}: run `cargo build -p rbpf-testprogs` first")
    for t in ("object_open", "btf_parse", "btf_ext", "core_reloc", "opts_validate", "usdt_parse"):
        shutil.rmtree(os.path.join(CORPUS, t), ignore_errors=True)
    os.makedirs(DATA, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        # The fixed CO-RE target.
        tobj = os.path.join(tmp, "target_btf.o")
        run(CLANG, "-g", "-O2", "-target", "bpf", "-c", os.path.join(DATA, "target_btf.c"), "-o", tobj)
        target = dump(tobj, ".BTF", tmp)
        open(os.path.join(DATA, "target.btf"), "wb").write(target)
        put("btf_parse", target, "target.btf")

        mc = os.path.join(BPF, "minimal_core.bpf.o")
        base_btf = dump(mc, ".BTF", tmp)
        open(os.path.join(DATA, "ext_base.btf"), "wb").write(base_btf)
        shutil.copy(os.path.join(BPF, "subprogs.bpf.o"), os.path.join(DATA, "opts_obj.bpf.o"))

        for f in objs:
            path = os.path.join(BPF, f)
            stripped = os.path.join(tmp, f)
            run(OBJCOPY, "--strip-debug", path, stripped)
            put("object_open", open(stripped, "rb").read(), f)
            btf = dump(stripped, ".BTF", tmp)
            ext = dump(stripped, ".BTF.ext", tmp)
            if btf:
                put("btf_parse", btf, f + ".BTF")
            if ext:
                put("btf_ext", ext, f + ".BTF.ext")
            if btf and ext:
                for sec, recs in core_relos(ext, btf).items():
                    code = dump(stripped, sec, tmp) or b""
                    recs = recs[:255]
                    seed = struct.pack("<I", len(btf)) + btf + bytes([len(recs)])
                    seed += b"".join(struct.pack("<IIII", *r) for r in recs) + code[:4096]
                    put("core_reloc", seed, f + "." + sec.replace("/", "_"))
        # Two small unstripped objects keep the DWARF sections in the mix.
        for f in ("bad_section.bpf.o", "globals.bpf.o"):
            if f in objs:
                put("object_open", open(os.path.join(BPF, f), "rb").read(), f + ".full")

    # usdt_parse: mode byte + an executable with USDT probes / its notes / arg strings.
    with tempfile.TemporaryDirectory() as tmp:
        exe = os.path.join(tmp, "usdt_seed")
        run(CLANG, "-O2", "-I/usr/include/x86_64-linux-gnu", "-o", exe, os.path.join(DATA, "usdt_seed.c"))
        run("strip", exe)
        put("usdt_parse", b"\0" + open(exe, "rb").read(), "elf")
        notes = dump(exe, ".note.stapsdt", tmp)
        if notes:
            put("usdt_parse", b"\1" + notes, "notes")
    for i, a in enumerate(["-8@-8(%rsp) -4@-36(%rsp) -1@-39(%rsp)", "-4@$42", "8@%rdi -4@%esi 2@%ax 1@%r8b",
                           "-1@-96(%rbp,%rax,8)", "8@(%rsp)", "4@8(%rax,%rdx)", ""]):
        put("usdt_parse", b"\2" + a.encode(), f"args{i}")
    put("usdt_parse", b"\3/usr/bin/x:prov:name", "sec")

    # opts_validate: selector, u16 sz, struct bytes, strings.
    def opts_seed(sel, sz, body=b"", strings=b""):
        return bytes([sel]) + struct.pack("<H", sz) + body.ljust(sz, b"\0")[:sz] + strings

    put("opts_validate", opts_seed(0, 56), "open_sizeof")
    put("opts_validate", opts_seed(0, 8), "open_min")
    put("opts_validate", opts_seed(0, 4), "open_too_small")
    put("opts_validate", opts_seed(0, 64, b"\0" * 60 + b"\1"), "open_nonzero_tail")
    put("opts_validate", opts_seed(2, 56, b"\0" * 16 + b"\1", b"myobj\0/sys/fs/bpf/x\0CONFIG_X=y\0"), "open_strings")
    put("opts_validate", opts_seed(4, 56, b"", b"\xff\xfe\0"), "open_bad_utf8")
    put("opts_validate", opts_seed(1, 8), "ring_sizeof")
    put("opts_validate", opts_seed(1, 16, b"\0" * 12 + b"\1"), "ring_tail")
    total = sum(os.path.getsize(os.path.join(dp, f)) for dp, _, fs in os.walk(CORPUS) for f in fs)
    print(f"seeds written under {CORPUS}: {total} bytes")


if __name__ == "__main__":
    main()
