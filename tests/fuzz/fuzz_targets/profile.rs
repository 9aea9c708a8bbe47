//! Demo server profiles: `Profile::from_toml_str` on arbitrary text. It must return a
//! profile or a `ProfileError` with a message, never panic; a profile it accepts keeps the
//! rules it checks (the asserts below: a failing one is a bug in the library).

#![no_main]

use libfuzzer_sys::fuzz_target;
use pollscope::server::{MAX_LATENCY_MS, MAX_PAGE_SIZE, Profile};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match Profile::from_toml_str(text, "fuzz") {
        Ok(profile) => {
            assert!(
                !profile.name.trim().is_empty(),
                "invariant: empty name accepted"
            );
            assert!(
                !profile.pages.is_empty(),
                "invariant: a profile with no pages"
            );
            let _ = profile.total_size();
            for page in &profile.pages {
                assert!(
                    page.latency_ms <= MAX_LATENCY_MS,
                    "invariant: latency over the maximum"
                );
                assert!(
                    page.size <= MAX_PAGE_SIZE,
                    "invariant: size over the maximum"
                );
                assert!(
                    !page.name.is_empty() && page.name != "." && page.name != "..",
                    "invariant: page name {:?} accepted",
                    page.name
                );
                let found = profile.page(&page.name);
                assert_eq!(
                    found,
                    Some(page),
                    "invariant: duplicate page {:?}",
                    page.name
                );
            }
            let _ = profile.page("");
        }
        Err(e) => {
            assert!(
                !e.to_string().is_empty(),
                "invariant: an error with no message"
            );
        }
    }
});
