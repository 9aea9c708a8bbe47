//! Latency profiles: the built-ins, and errors that point at the right line.

#![cfg(feature = "server")]

use pollscope::server::{Profile, ProfileError};

#[test]
fn seed_has_the_four_original_sites() {
    let seed = Profile::builtin("seed").expect("seed is built in");
    assert_eq!(seed.name, "seed");
    let names: Vec<_> = seed.pages.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["google", "python.org", "amazon", "python-forum"]);
    let latencies: Vec<_> = seed.pages.iter().map(|p| p.latency_ms).collect();
    assert_eq!(latencies, [120, 200, 300, 150]);
    let total = seed.total_size();
    assert!(
        (90_000..=100_000).contains(&total),
        "about 95 KB, got {total}"
    );
    let mut sizes: Vec<_> = seed.pages.iter().map(|p| p.size).collect();
    sizes.sort();
    sizes.dedup();
    assert_eq!(sizes.len(), 4, "sizes are distinct");
}

#[test]
fn every_builtin_loads() {
    assert!(Profile::builtin_names().contains(&"seed"));
    for name in Profile::builtin_names() {
        let profile = Profile::builtin(name).unwrap_or_else(|| panic!("{name} parses"));
        assert_eq!(profile.name, *name);
        assert_eq!(Profile::load(name).expect("load finds builtins"), profile);
    }
    assert!(Profile::builtin("nope").is_none());
}

#[test]
fn wide_has_64_pages_of_100_ms() {
    let wide = Profile::builtin("wide").expect("wide is built in");
    assert_eq!(wide.pages.len(), 64);
    assert_eq!(wide.pages[0].name, "p00");
    assert_eq!(wide.pages[63].name, "p63");
    assert!(
        wide.pages
            .iter()
            .all(|p| p.latency_ms == 100 && p.size == 4096)
    );
}

#[test]
fn syntax_error_names_its_line() {
    let text = "name = \"x\"\n\n[[page]]\nname = google\nlatency_ms = 1\nsize = 1\n";
    let err = Profile::from_toml_str(text, "x.toml").expect_err("bare word is invalid");
    assert!(
        matches!(err, ProfileError::Parse { line: 4, .. }),
        "{err:?}"
    );
    let message = err.to_string();
    assert!(message.starts_with("profile x.toml line 4"), "{message}");
}

#[test]
fn wrong_type_names_its_line() {
    let text = "name = \"x\"\n[[page]]\nname = \"a\"\nlatency_ms = \"slow\"\nsize = 1\n";
    let err = Profile::from_toml_str(text, "x.toml").expect_err("latency is a string");
    assert!(
        matches!(err, ProfileError::Parse { line: 4, .. }),
        "{err:?}"
    );
}

#[test]
fn unknown_field_is_an_error() {
    let text = "name = \"x\"\n[[page]]\nname = \"a\"\nlatency = 5\nlatency_ms = 1\nsize = 1\n";
    let err = Profile::from_toml_str(text, "x.toml").expect_err("typo in field name");
    assert!(err.to_string().contains("latency"), "{err}");
}

#[test]
fn rule_breaks_name_their_line() {
    let page = |name: &str, latency: u64, size: u64| {
        format!("\n[[page]]\nname = \"{name}\"\nlatency_ms = {latency}\nsize = {size}\n")
    };
    let cases = [
        (page("a", 1, 1) + &page("a", 1, 1), 9, "duplicate"),
        (page("a b", 1, 1), 4, "letters"),
        (page("..", 1, 1), 4, "traversal"),
        (page("a", 60_001, 1), 5, "latency"),
        (page("a", 1, (1 << 30) + 1), 6, "size"),
    ];
    for (pages, line, word) in cases {
        let text = format!("name = \"x\"\n{pages}");
        let err = Profile::from_toml_str(&text, "x.toml").expect_err(word);
        assert!(
            matches!(err, ProfileError::Invalid { line: Some(l), .. } if l == line),
            "{word}: {err:?}"
        );
        assert!(err.to_string().contains(word), "{err}");
    }
}

#[test]
fn profile_without_pages_is_invalid() {
    let err = Profile::from_toml_str("name = \"empty\"\n", "e.toml").expect_err("no pages");
    assert!(matches!(err, ProfileError::Invalid { .. }));
    assert!(err.to_string().contains("at least one"), "{err}");
}

#[test]
fn load_reads_files_and_reports_missing_ones() {
    let dir = std::env::temp_dir().join(format!("pollscope-profile-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("mine.toml");
    std::fs::write(
        &path,
        "name = \"mine\"\n[[page]]\nname = \"a\"\nlatency_ms = 5\nsize = 7\n",
    )
    .expect("write profile");
    let profile = Profile::load(path.to_str().expect("utf-8 path")).expect("loads");
    assert_eq!(profile.pages[0].size, 7);
    let _ = std::fs::remove_dir_all(&dir);

    let err = Profile::load("no-such-profile.toml").expect_err("missing");
    assert!(matches!(err, ProfileError::Io { .. }));
    assert!(
        err.to_string().contains("seed"),
        "lists the builtins: {err}"
    );
}
