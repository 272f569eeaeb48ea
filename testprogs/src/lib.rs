//! Paths of the compiled BPF objects (stub; the build work fills this in).
