/* Shared by the CO-RE differential fixtures: each fixture is compiled twice, once as
 * the program and once with -DTARGET as its target BTF (btf_custom_path). */
#define CORE __attribute__((preserve_access_index))
#define SEC(n) __attribute__((section(n), used))
typedef unsigned long long u64;
typedef unsigned int u32;
typedef unsigned short u16;
typedef unsigned char u8;
typedef long long s64;
#define FI(f, k) __builtin_preserve_field_info(f, k)
#define TI(t, k) __builtin_preserve_type_info(*(t *)0, k)
#define TID(t, k) __builtin_btf_type_id(*(t *)0, k)
#define EV(e, v, k) __builtin_preserve_enum_value(*(e *)v, k)
char LICENSE[] SEC("license") = "GPL";
