//! The committed generated files are what the generator writes now, and the C structs
//! carry exactly the core's fields.

use rbpf_gen::{header, header_opts_fields, layout, opts_files, workspace_root, MARKER};

fn stale_diff(path: &str, want: &str) -> Option<String> {
    let have = std::fs::read_to_string(workspace_root().join(path)).unwrap_or_default();
    if have == want {
        return None;
    }
    let line = have
        .lines()
        .zip(want.lines())
        .position(|(a, b)| a != b)
        .map_or_else(
            || {
                format!(
                    "length {} vs {} lines",
                    have.lines().count(),
                    want.lines().count()
                )
            },
            |i| format!("first difference at line {}", i + 1),
        );
    Some(format!(
        "{path} is stale ({line}); run `cargo run -p rbpf-gen`"
    ))
}

#[test]
fn generated_files_are_fresh() {
    let mut problems = Vec::new();
    for f in opts_files() {
        assert!(
            f.text.contains(MARKER),
            "{} lacks the generated marker",
            f.path
        );
        problems.extend(stale_diff(f.path, &f.text));
    }
    // The header is generated from ffi-c as on disk (including opts_gen.rs).
    match header(&workspace_root()) {
        Ok(h) => {
            assert!(h.contains(MARKER));
            problems.extend(stale_diff("include/rbpf.h", &h));
        }
        Err(e) => problems.push(e),
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn c_struct_fields_equal_core_fields() {
    let h =
        std::fs::read_to_string(workspace_root().join("include/rbpf.h")).expect("include/rbpf.h");
    let c = header_opts_fields(&h);
    for desc in rbpf_core::opts::all() {
        let want: Vec<&str> = desc.fields.iter().map(|f| f.name).collect();
        let got = c.iter().find(|(n, _)| n == desc.c_name);
        let Some((_, got)) = got else {
            panic!("struct {} missing from rbpf.h", desc.c_name)
        };
        assert_eq!(got, &want, "struct {} fields", desc.c_name);
        assert!(h.contains(&format!("#define {}__last_field ", desc.c_name)));
    }
    let names: Vec<&str> = rbpf_core::opts::all().iter().map(|d| d.c_name).collect();
    for (n, _) in &c {
        assert!(
            names.contains(&n.as_str()),
            "rbpf.h has {n} that the core does not declare"
        );
    }
}

#[test]
fn json_lists_match_core() {
    let json = std::fs::read_to_string(workspace_root().join("include/rbpf-opts.json"))
        .expect("rbpf-opts.json");
    for desc in rbpf_core::opts::all() {
        let fields: Vec<String> = desc
            .fields
            .iter()
            .map(|f| format!("\"{}\"", f.name))
            .collect();
        let line = format!("\"{}\": [{}]", desc.c_name, fields.join(", "));
        assert!(json.contains(&line), "rbpf-opts.json lacks {line}");
    }
}

#[test]
fn layouts_are_padded_to_8() {
    for desc in rbpf_core::opts::all() {
        let l = layout(desc);
        assert_eq!(l.size % 8, 0, "{}", desc.c_name);
        assert!(
            l.last_field_end <= l.size && l.size - l.last_field_end < 8,
            "{}",
            desc.c_name
        );
        assert!(l.last_field_end >= 8, "{}", desc.c_name);
    }
}
