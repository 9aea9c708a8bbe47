//! Save, load, replay: a loaded trace file rebuilds exactly the states the recorded run
//! went through, at every index, with the same symbol numbering.

#![cfg(feature = "lessons")]

mod trace_kit;

use pollscope::executor::{Executor, Policy};
use pollscope::jsonl;
use pollscope::lessons;
use pollscope::trace::{EventKind, History, ThreadOutcome, Trace};
use pollscope::tracefile::{self, Header};
use pollscope::{AtExt, say};
use trace_kit::{TempPath, run_lesson};

fn lines(trace: &Trace) -> String {
    let mut out = Vec::new();
    jsonl::write_events(&mut out, trace, 0).unwrap();
    String::from_utf8(out).unwrap()
}

/// A timeline that checkpoints often, so rebuilding every index stays cheap.
fn timeline(trace: &Trace) -> History {
    let mut timeline = History::with_checkpoint_interval(16);
    *timeline.trace_mut() = trace.clone();
    timeline.catch_up();
    timeline
}

fn roundtrip(id: &str, policy: Policy) {
    let trace = run_lesson(id, policy, 5_000);
    let lesson = lessons::find(id).unwrap();
    let header = Header::for_program(lesson.program().info().clone(), policy);
    let file = TempPath::new(&format!("{id}.jsonl"));
    tracefile::save(file.path(), &header, &trace).unwrap();
    let (loaded_header, loaded) = tracefile::load(file.path()).unwrap();

    assert_eq!(loaded_header, header);
    let program = loaded_header.program.as_ref().unwrap();
    assert_eq!(program.sources[0].text.as_deref(), Some(lesson.source));
    assert_eq!(
        loaded.events, trace.events,
        "{id}: events, symbols included"
    );
    assert_eq!(loaded.strings, trace.strings, "{id}: string table");
    assert_eq!(loaded.points, trace.points, "{id}: point table");
    assert_eq!(lines(&loaded), lines(&trace), "{id}: re-encoded JSON lines");

    let (a, b) = (timeline(&trace), timeline(&loaded));
    assert_eq!(b.len(), a.len());
    for i in 0..=a.len() {
        assert_eq!(
            b.state_at(i),
            a.state_at(i),
            "{id} ({policy:?}): state at {i}"
        );
    }
}

#[test]
fn threads_lesson_roundtrips() {
    roundtrip("threads", Policy::WakerDriven);
}

#[test]
fn reuse_lesson_roundtrips_under_both_policies() {
    roundtrip("reuse", Policy::WakerDriven);
    roundtrip("reuse", Policy::BusyPoll);
}

#[test]
fn remote_lesson_roundtrips_under_both_policies() {
    roundtrip("remote", Policy::WakerDriven);
    roundtrip("remote", Policy::BusyPoll);
}

#[test]
fn lost_waker_lesson_roundtrips_under_both_policies() {
    roundtrip("lost-waker", Policy::WakerDriven);
    roundtrip("lost-waker", Policy::BusyPoll);
}

#[test]
fn every_lesson_roundtrips_through_memory() {
    for lesson in lessons::all() {
        let trace = run_lesson(lesson.id, Policy::WakerDriven, 5_000);
        let mut file = Vec::new();
        tracefile::write(
            &mut file,
            &Header::for_program(lesson.program().info().clone(), Policy::WakerDriven),
            &trace,
        )
        .unwrap();
        let (_, loaded) = tracefile::read(&file[..]).unwrap();
        assert_eq!(loaded.events, trace.events, "{}", lesson.id);
        assert_eq!(loaded.strings, trace.strings, "{}", lesson.id);
        assert_eq!(
            History::from_trace(loaded).live(),
            History::from_trace(trace).live(),
            "{}",
            lesson.id
        );
    }
}

#[test]
fn a_trace_of_bare_futures_needs_no_program() {
    let mut ex = Executor::new(Policy::WakerDriven);
    ex.spawn("quotes", async {
        say!("a \"quoted\"\nline\twith ünïcode");
        std::future::ready(1).at("ready").await
    });
    ex.spawn("boom", async {
        if true {
            panic!("bad {{ brace");
        }
    });
    ex.spawn("workers", async {
        let failed = pollscope::worker::spawn("fails", || Err::<u32, _>("no route"));
        let panicked = pollscope::worker::spawn("panics", || -> Result<u32, String> {
            panic!("worker panic")
        });
        let a = failed.at("failed").await;
        let b = panicked.at("panicked").await;
        format!("{} / {}", a.is_err(), b.is_err())
    });
    ex.run(std::time::Duration::from_secs(30)).unwrap();
    let trace = ex.snapshot();
    let outcomes: Vec<_> = trace
        .events
        .iter()
        .filter_map(|e| match e.kind {
            EventKind::ThreadFinish { outcome, .. } => Some(outcome),
            _ => None,
        })
        .collect();
    assert_eq!(outcomes.len(), 2);
    assert!(outcomes.contains(&ThreadOutcome::Error));
    assert!(outcomes.contains(&ThreadOutcome::Panicked));
    let header = Header::default();
    let mut file = Vec::new();
    tracefile::write(&mut file, &header, &trace).unwrap();
    let first = file.split(|&b| b == b'\n').next().unwrap();
    let header_line = format!(
        r#"{{"format":"pollscope-trace","version":3,"events":{}}}"#,
        trace.len()
    );
    assert_eq!(first, header_line.as_bytes());
    let (loaded_header, loaded) = tracefile::read(&file[..]).unwrap();
    assert_eq!(loaded_header, header);
    assert_eq!(loaded.events, trace.events);
    assert_eq!(loaded.strings, trace.strings);
    assert_eq!(loaded.points, trace.points);
}

#[test]
fn the_header_line_carries_the_program() {
    let lesson = lessons::find("remote").unwrap();
    let mut file = Vec::new();
    let header = Header::for_program(lesson.program().info().clone(), Policy::BusyPoll);
    tracefile::write(&mut file, &header, &Trace::default()).unwrap();
    let text = String::from_utf8(file).unwrap();
    // The header and the end line: no events.
    assert_eq!(text.lines().count(), 2);
    let json: serde_json::Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
    assert_eq!(json["format"], "pollscope-trace");
    assert_eq!(json["version"], 3);
    assert_eq!(json["events"], 0);
    assert_eq!(json["policy"], "busy");
    let program = &json["program"];
    assert_eq!(program["id"], "remote");
    assert_eq!(program["title"], lesson.title);
    assert_eq!(program["explanation"], lesson.explanation);
    assert_eq!(program["sources"][0]["file"], lesson.file);
    assert_eq!(program["sources"][0]["text"], lesson.source);
    assert_eq!(program["python"], lesson.python);
    assert_eq!(program["points"][0], "Remote");
    let (loaded, trace) = tracefile::read(text.as_bytes()).unwrap();
    assert_eq!(loaded, header);
    assert!(trace.is_empty());
}

#[test]
fn a_version_1_header_still_loads_with_its_source() {
    let v1 = r#"{"format":"pollscope-trace","version":1,"lesson":"remote","policy":"waker","title":"T","file":"src/lessons/remote.rs","source":"fn main() {}","python":"pass"}"#;
    let (header, trace) = tracefile::read(v1.as_bytes()).unwrap();
    assert!(trace.is_empty());
    assert_eq!(header.policy, Some(Policy::WakerDriven));
    let program = header.program.unwrap();
    assert_eq!(program.id, "remote");
    assert_eq!(program.title, "T");
    assert_eq!(program.sources[0].file, "src/lessons/remote.rs");
    assert_eq!(program.sources[0].text.as_deref(), Some("fn main() {}"));
    assert_eq!(program.python.as_deref(), Some("pass"));
}
