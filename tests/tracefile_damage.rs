//! Damaged trace files are refused, not half-loaded: a file cut short (even exactly at a
//! line end), events out of time order, a poll that ends without starting; old files load
//! with a warning; overlong strings are cut on load and when recorded.

mod trace_kit;

use pollscope::executor::{Executor, Policy, Step};
use pollscope::trace::{NAME_CAP, Trace, VALUE_CAP};
use pollscope::tracefile::{self, FileError, Header};

/// A small real trace, saved in the current format.
fn saved() -> Vec<u8> {
    let mut ex = Executor::new(Policy::WakerDriven);
    ex.spawn("one", async { 1 });
    ex.spawn("two", async {
        pollscope::executor::yield_now().await;
        2
    });
    while let Step::Polled(_) = ex.step() {}
    let mut file = Vec::new();
    tracefile::write(
        &mut file,
        &Header::for_policy(Policy::WakerDriven),
        &ex.snapshot(),
    )
    .unwrap();
    file
}

fn lines(file: &[u8]) -> Vec<String> {
    String::from_utf8(file.to_vec())
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

fn join(lines: &[String]) -> String {
    lines.iter().map(|l| format!("{l}\n")).collect()
}

fn read(text: &str) -> Result<(Header, Trace), FileError> {
    tracefile::read(text.as_bytes())
}

#[test]
fn a_saved_file_has_its_count_in_the_header_and_an_end_line() {
    let file = saved();
    let lines = lines(&file);
    let events = lines.len() - 2;
    let header: serde_json::Value = serde_json::from_str(&lines[0]).unwrap();
    assert_eq!(header["version"], 3);
    assert_eq!(header["events"], events);
    let end: serde_json::Value = serde_json::from_str(lines.last().unwrap()).unwrap();
    assert_eq!(end["end"], "pollscope-trace");
    assert_eq!(end["events"], events);
    let (header, trace) = read(&join(&lines)).unwrap();
    assert_eq!(trace.len(), events);
    assert!(header.warnings.is_empty(), "{:?}", header.warnings);
}

#[test]
fn a_file_cut_at_a_line_end_is_refused_with_the_counts() {
    let lines = lines(&saved());
    let events = lines.len() - 2;
    // Cut after the header and 3 events, exactly at a line end: every line is whole.
    let err = read(&join(&lines[..4])).unwrap_err();
    assert!(
        matches!(err, FileError::Truncated { found: 3, expected } if expected == events as u64),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        format!("file ends after 3 of {events} events: it was cut short")
    );
    // Every event there, only the end line lost: still cut short.
    let err = read(&join(&lines[..lines.len() - 1])).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("file ends after its {events} events without its end line: it was cut short")
    );
}

#[test]
fn lines_after_the_end_line_or_a_wrong_count_are_refused() {
    let mut lines = lines(&saved());
    let n = lines.len();
    let mut appended = lines.clone();
    appended.push(lines[1].clone());
    let err = read(&join(&appended)).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "line {}: content after the end line: the file was written over or appended to",
            n + 1
        )
    );
    let end = lines[n - 1].clone();
    lines[n - 1] = r#"{"end":"pollscope-trace","events":1}"#.to_owned();
    let err = read(&join(&lines)).unwrap_err();
    assert!(
        err.to_string().starts_with(&format!(
            "line {n}: the header counts {} events, the end line 1,",
            n - 2
        )),
        "{err}"
    );
    // A header that claims more than the end line and the file agree on: the header is
    // named, not a count that equals itself.
    lines[n - 1] = end;
    let header: serde_json::Value = serde_json::from_str(&lines[0]).unwrap();
    let mut header = header;
    header["events"] = serde_json::json!(1_000_000_000_000u64);
    lines[0] = header.to_string();
    let err = read(&join(&lines)).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "line {n}: the header counts 1000000000000 events, but the end line and the file {}",
            n - 2
        )
    );
}

const V2: &str = r#"{"format":"pollscope-trace","version":2,"policy":"waker"}
{"seq":0,"t_ns":10,"kind":"spawn","task":0,"name":"a"}
{"seq":1,"t_ns":20,"kind":"poll_start","task":0}
{"seq":2,"t_ns":40,"kind":"poll_end","task":0,"result":"ready"}
{"seq":3,"t_ns":50,"kind":"complete","task":0,"value":"1"}
"#;

#[test]
fn an_old_file_loads_with_a_warning() {
    let (header, trace) = read(V2).unwrap();
    assert_eq!(trace.len(), 4);
    assert_eq!(header.warnings.len(), 1, "{:?}", header.warnings);
    assert!(header.warnings[0].contains("cannot tell whether it was cut short"));
}

fn v2_with_line(n: usize, line: &str) -> String {
    V2.lines()
        .enumerate()
        .map(|(i, l)| if i + 1 == n { line } else { l })
        .map(|l| format!("{l}\n"))
        .collect()
}

#[test]
fn time_going_backwards_is_refused() {
    let text = v2_with_line(3, r#"{"seq":1,"t_ns":5,"kind":"poll_start","task":0}"#);
    let err = read(&text).unwrap_err();
    assert_eq!(
        err.to_string(),
        "line 3: t_ns 5 is earlier than the previous event's 10: events are out of time order"
    );
}

#[test]
fn a_poll_end_without_its_start_is_refused() {
    let text = v2_with_line(
        3,
        r#"{"seq":1,"t_ns":20,"kind":"say","task":0,"text":"hi"}"#,
    );
    let err = read(&text).unwrap_err();
    assert_eq!(
        err.to_string(),
        "line 4: poll_end of task 0 without a poll_start of it before"
    );
    assert!(matches!(err, FileError::BadReference { line: 4, .. }));
}

#[test]
fn overlapping_polls_and_polls_after_the_end_are_refused() {
    let text = r#"{"format":"pollscope-trace","version":2}
{"seq":0,"t_ns":10,"kind":"spawn","task":0,"name":"a"}
{"seq":1,"t_ns":11,"kind":"spawn","task":1,"name":"b"}
{"seq":2,"t_ns":20,"kind":"poll_start","task":0}
{"seq":3,"t_ns":21,"kind":"poll_start","task":1}
"#;
    assert_eq!(
        read(text).unwrap_err().to_string(),
        "line 5: poll_start of task 1 while the poll of task 0 is still in progress \
         (no poll_end for it)"
    );
    let text = r#"{"format":"pollscope-trace","version":2}
{"seq":0,"t_ns":10,"kind":"spawn","task":0,"name":"a"}
{"seq":1,"t_ns":20,"kind":"poll_start","task":0}
{"seq":2,"t_ns":30,"kind":"poll_end","task":0,"result":"ready"}
{"seq":3,"t_ns":40,"kind":"poll_start","task":0}
"#;
    assert_eq!(
        read(text).unwrap_err().to_string(),
        "line 5: poll_start of task 0, which had already finished"
    );
}

#[test]
fn overlong_strings_are_cut_on_load_with_a_warning() {
    let name = "n".repeat(50 << 20);
    let value = "v".repeat(1 << 20);
    let text = format!(
        "{{\"format\":\"pollscope-trace\",\"version\":2}}\n\
         {{\"seq\":0,\"t_ns\":10,\"kind\":\"spawn\",\"task\":0,\"name\":\"{name}\"}}\n\
         {{\"seq\":1,\"t_ns\":20,\"kind\":\"poll_start\",\"task\":0}}\n\
         {{\"seq\":2,\"t_ns\":30,\"kind\":\"poll_end\",\"task\":0,\"result\":\"ready\"}}\n\
         {{\"seq\":3,\"t_ns\":40,\"kind\":\"complete\",\"task\":0,\"value\":\"{value}\"}}\n"
    );
    let (header, trace) = read(&text).unwrap();
    let longest = trace.strings.iter().map(|s| s.len()).max().unwrap();
    assert!(longest <= VALUE_CAP, "{longest}");
    let name = trace.strings.iter().find(|s| s.starts_with("nnn")).unwrap();
    assert!(name.len() <= NAME_CAP);
    assert!(
        name.ends_with(" bytes cut]"),
        "{}",
        &name[name.len() - 40..]
    );
    assert!(
        header
            .warnings
            .iter()
            .any(|w| w.starts_with("2 overlong strings cut")),
        "{:?}",
        header.warnings
    );
}

#[test]
fn overlong_strings_are_cut_when_recorded() {
    let mut ex = Executor::new(Policy::WakerDriven);
    let huge = "x".repeat(100 << 10);
    ex.spawn(&huge, async { "y".repeat(200 << 10) });
    while let Step::Polled(_) = ex.step() {}
    let trace = ex.snapshot();
    let lens: Vec<usize> = trace.strings.iter().map(|s| s.len()).collect();
    assert!(lens.iter().all(|&n| n <= VALUE_CAP), "{lens:?}");
    assert!(
        trace
            .strings
            .iter()
            .any(|s| s.starts_with("xxx") && s.len() <= NAME_CAP)
    );
}
