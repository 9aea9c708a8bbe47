//! No text can crash a panel. A trace file with every kind of event (tests/fuzz/seeds/
//! trace_file/every-kind.jsonl) has each of its texts — task and thread names, say-lines,
//! values, locals, await labels, file names, the program's title and sources, layouts'
//! futures, states, locals and types — replaced by arbitrary Unicode: combining marks,
//! right-to-left text and its overrides, NUL and other controls, replacement characters,
//! emoji sequences, and lines of 100 KB. The app opens it and draws every panel (the
//! wide layout's side panels, the timeline, the help, presenter mode's tabs) at every
//! event of the trace with each task focused, headless: nothing may panic.

#![cfg(feature = "app")]

use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};
use pollscope::app::{PollscopeApp, Settings};
use pollscope::trace::History;
use proptest::prelude::*;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::PathBuf;

const SEED: &str = include_str!("fuzz/seeds/trace_file/every-kind.jsonl");

/// Keys whose values are structure the loader checks, not text: kept as they are.
const STRUCTURE: [&str; 6] = ["format", "kind", "policy", "result", "outcome", "by"];

/// One character of the hostile kinds, or any character at all.
fn hostile_char() -> impl Strategy<Value = char> {
    prop_oneof![
        3 => proptest::char::range(' ', '~'),
        1 => proptest::char::range('\u{300}', '\u{36f}'),
        1 => proptest::char::range('\u{5d0}', '\u{5ea}'),
        1 => proptest::char::range('\u{627}', '\u{64a}'),
        1 => proptest::sample::select(vec![
            '\u{202a}', '\u{202b}', '\u{202c}', '\u{202d}', '\u{202e}', '\u{2066}', '\u{2067}',
            '\u{2068}', '\u{2069}', '\u{200e}', '\u{200f}', '\u{feff}', '\u{200d}', '\u{fe0f}',
        ]),
        1 => proptest::char::range('\0', '\u{1f}'),
        1 => proptest::char::range('\u{7f}', '\u{9f}'),
        1 => Just('\u{fffd}'),
        1 => proptest::sample::select(vec!['👩', '🏽', '🇫', '🇷', '日', '本', 'ᄀ', 'ᅡ', '\u{e000}', '\u{10ffff}']),
        1 => any::<char>(),
    ]
}

/// A text of up to 40 hostile characters; one in eight is repeated into a 100 KB line.
fn hostile_text() -> impl Strategy<Value = String> {
    (proptest::collection::vec(hostile_char(), 0..40), 0u8..8).prop_map(|(chars, long)| {
        let text: String = chars.into_iter().collect();
        if long == 0 && !text.is_empty() {
            text.repeat(100_000 / text.len() + 1)
        } else {
            text
        }
    })
}

/// Every distinct text of the seed, each replaced by one of `texts` (the same text always
/// by the same one, so a state's future still names its layout).
fn replace_texts(texts: &[String]) -> String {
    let mut map: BTreeMap<String, String> = BTreeMap::new();
    let mut out = String::new();
    for line in SEED.lines() {
        let mut value: Value = serde_json::from_str(line).expect("the seed is JSON");
        walk(&mut value, None, &mut |old: &str| {
            let n = map.len();
            map.entry(old.to_owned())
                .or_insert_with(|| texts[n % texts.len()].clone())
                .clone()
        });
        out.push_str(&value.to_string());
        out.push('\n');
    }
    out
}

fn walk(value: &mut Value, key: Option<&str>, replace: &mut dyn FnMut(&str) -> String) {
    match value {
        Value::String(s) if !key.is_some_and(|k| STRUCTURE.contains(&k)) => *s = replace(s),
        Value::Array(items) => items.iter_mut().for_each(|v| walk(v, key, replace)),
        Value::Object(fields) => {
            for (k, v) in fields.iter_mut() {
                walk(v, Some(k), replace);
            }
        }
        _ => {}
    }
}

/// Draws every panel of the app on the trace in `file`, at every event, each task focused.
/// With `tofu`, characters no font has are drawn as boxes (as the app draws them); without,
/// the harness panics on one (pollscope's own words must all have glyphs).
/// With `every_event`, the panels are drawn at each event of the trace; else at five.
/// Returns the labels of the last frame, checked to hold no raw control or reordering
/// character (newlines and tabs aside: a block keeps them).
fn draw_everything(file: &str, path: PathBuf, tofu: bool, every_event: bool) -> Vec<String> {
    let Ok((header, trace)) = pollscope::tracefile::read(file.as_bytes()) else {
        // A text the loader refuses (it says why); nothing reaches a panel.
        return Vec::new();
    };
    let events = trace.len();
    let tasks = History::from_trace(trace.clone()).live().tasks.len();
    let mut builder = Harness::builder().with_size(egui::vec2(1600.0, 1000.0));
    if tofu {
        builder = builder.allow_missing_glyphs();
    }
    let mut harness = builder.build_eframe(move |_cc| {
        let mut app = PollscopeApp::with_history(Settings::default(), History::new());
        app.show_loaded(path, header, trace);
        app
    });
    harness.run_steps(2);
    // The timeline and the help over the wide layout.
    harness.key_press(egui::Key::G);
    harness.key_press(egui::Key::F1);
    harness.run_steps(1);
    harness.key_press(egui::Key::F1);
    // Every event (or five), from the first, with each task focused in turn.
    harness.key_press(egui::Key::Home);
    let stride = if every_event { 1 } else { events / 4 + 1 };
    for _ in (0..=events).step_by(stride) {
        for _ in 0..stride {
            harness.key_press(egui::Key::ArrowRight);
        }
        harness.run_steps(1);
    }
    for _ in 0..tasks {
        harness.key_press(egui::Key::ArrowDown);
        harness.run_steps(1);
    }
    // Presenter mode folds the side panels into tabs: each tab drawn.
    harness.key_press(egui::Key::P);
    harness.run_steps(1);
    for tab in ["Threads", "State machine", "Log", "Tasks"] {
        if let Some(node) = harness.query_by_label(tab) {
            node.click();
        }
        harness.run_steps(1);
    }
    // The Python lens renames what it shows.
    harness.key_press(egui::Key::L);
    harness.run_steps(2);
    let labels: Vec<String> = harness
        .query_all_by(|node| node.label().is_some())
        .filter_map(|node| node.accesskit_node().label())
        .collect();
    for label in &labels {
        assert!(
            !label.chars().any(raw),
            "a label shows a raw control: {:?}",
            label.chars().take(80).collect::<String>()
        );
    }
    labels
}

/// A character no label may hold as it is: a control (but newline and tab), or one that
/// reorders text.
fn raw(c: char) -> bool {
    (c.is_control() && !matches!(c, '\n' | '\t'))
        || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_unicode_in_every_text_panics_no_panel(
        texts in proptest::collection::vec(hostile_text(), 1..12),
        name in hostile_text(),
    ) {
        let file = replace_texts(&texts);
        let path = PathBuf::from(format!("/tmp/{}.jsonl", name.replace(['/', '\0'], "_")));
        draw_everything(&file, path, true, false);
    }
}

#[test]
fn the_seed_loads_and_every_word_pollscope_draws_has_a_glyph() {
    let file = replace_texts(&["plain".to_owned(), "text".to_owned()]);
    assert!(pollscope::tracefile::read(file.as_bytes()).is_ok());
    draw_everything(SEED, PathBuf::from("/tmp/every-kind.jsonl"), false, true);
}

#[test]
fn the_hostile_classes_each_reach_every_panel() {
    // One run per class on its own, so each is drawn whatever proptest picks.
    let long_rtl = "שלום עולם \u{202e}".repeat(10_000);
    let classes = [
        "e\u{301}\u{301}\u{301}a\u{30a}\u{20dd}".to_owned(),
        "\u{202e}txet desrever\u{202c} \u{2067}isolated\u{2069}".to_owned(),
        "nul\0bell\u{7}esc\u{1b}[31mdel\u{7f}c1\u{85}".to_owned(),
        "\u{fffd}\u{fffd}P\u{7f}\0\0\u{fffd},".to_owned(),
        "👩‍👩‍👧‍👦🇫🇷🏽\u{fe0f}".to_owned(),
        long_rtl,
        "x".repeat(100_000),
    ];
    for text in &classes {
        let file = replace_texts(std::slice::from_ref(text));
        let short: String = text.chars().take(20).collect();
        assert!(
            pollscope::tracefile::read(file.as_bytes()).is_ok(),
            "the loader takes {short:?}…"
        );
        let labels = draw_everything(&file, PathBuf::from("/tmp/any-text.jsonl"), true, true);
        let shown = |part: &str| labels.iter().any(|l| l.contains(part));
        if text.starts_with("nul") {
            assert!(shown("nul\\0bell\\u{7}esc\\u{1b}"), "{short:?} escaped");
        }
        if text.starts_with('\u{fffd}') {
            assert!(shown("P\\u{7f}\\0\\0"), "{short:?} escaped");
        }
        if text.len() > 100_000 {
            assert!(shown("more bytes)"), "{short:?} cut");
        }
    }
}
