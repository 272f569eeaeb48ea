//! The skip convention itself: `skip()` appends `<name>: <reason>` lines to the file
//! named by RBPF_SKIP_LOG. A separate test binary because it sets the variable.

#[test]
fn skip_appends_one_line_per_call() {
    let path = std::env::temp_dir().join(format!("rbpf-skip-log-test-{}", std::process::id()));
    let _ = std::fs::remove_file(&path);
    std::env::set_var("RBPF_SKIP_LOG", &path);
    rbpf_testprogs::skip("suite::first", "needs a feature\nthis kernel lacks");
    rbpf_testprogs::skip("", "named after the thread");
    std::env::remove_var("RBPF_SKIP_LOG");
    let text = std::fs::read_to_string(&path).expect("skip log written");
    let _ = std::fs::remove_file(&path);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text:?}");
    assert_eq!(lines[0], "suite::first: needs a feature this kernel lacks");
    assert_eq!(lines[1], "skip_appends_one_line_per_call: named after the thread");
}
