//! A trace cannot grow without bound: at its limit a run stops, its trace intact, and says
//! so plainly — in the session (the app), in `record`, and on the command line.

#![cfg(feature = "app")]

use pollscope::drive::End;
use pollscope::executor::Policy;
use pollscope::lessons;
use pollscope::session::{Command, Session, Speed};
use pollscope::trace::History;
use std::time::{Duration, Instant};

const MESSAGE: &str = "the run is paused; save it, or reset";

#[test]
fn a_max_speed_busy_poll_run_of_threads_stops_at_the_limit() {
    let limit = 20_000;
    // A server that accepts and never answers: the threads stay busy however slowly the
    // executor runs, so the run cannot finish before it reaches its limit.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/", silent.local_addr().unwrap());
    std::thread::spawn(move || {
        let held: Vec<_> = silent.incoming().collect();
        drop(held);
    });
    let mut session = Session::start(|| {});
    session.send(Command::Reset {
        program: lessons::find("threads").unwrap().program(),
        policy: Policy::BusyPoll,
        urls: vec![url.clone(), url.clone(), url],
        limit,
    });
    session.send(Command::Run(Speed::Max));
    let mut timeline = History::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    let notice = loop {
        session.sync(&mut timeline);
        if let Some(notice) = session.status().notice
            && notice.starts_with("trace full")
        {
            break notice;
        }
        assert!(
            Instant::now() < deadline,
            "the run never reached its limit: {:?}, {} events",
            session.status(),
            timeline.len()
        );
        std::thread::sleep(Duration::from_millis(5));
    };
    session.sync(&mut timeline);
    let events = timeline.len();
    assert_eq!(
        notice,
        format!("{}: {MESSAGE}", End::TraceFull { events, limit }),
        "the message names the trace's length"
    );
    assert!(notice.starts_with("trace full") && notice.contains(&events.to_string()));
    // It stopped at the limit: past it by at most one step's events.
    assert!((limit..limit + 100).contains(&events), "{events} events");
    let status = session.status();
    assert!(!status.running, "paused");
    // A step at the limit polls nothing more.
    let polls = status.polls;
    session.send(Command::Step);
    std::thread::sleep(Duration::from_millis(100));
    session.sync(&mut timeline);
    assert_eq!(session.status().polls, polls);
    assert_eq!(timeline.len(), events);
    // Raising the limit lets it go on.
    session.send(Command::Limit(limit * 2));
    session.send(Command::Step);
    let deadline = Instant::now() + Duration::from_secs(10);
    while session.status().polls == polls {
        assert!(Instant::now() < deadline, "no poll after raising the limit");
        std::thread::sleep(Duration::from_millis(5));
    }
    assert_eq!(session.status().notice, None);
}

#[test]
fn record_stops_at_the_programs_limit() {
    let program = lessons::find("threads")
        .unwrap()
        .program()
        .trace_limit(3_000);
    let recording = pollscope::record(&program, Policy::BusyPoll).unwrap();
    let events = recording.trace.len();
    assert_eq!(
        recording.end,
        End::TraceFull {
            events,
            limit: 3_000
        }
    );
    assert!((3_000..3_100).contains(&events), "{events}");
    // Past the limit by the last poll's events: said so, not "full at" a count it passed.
    let words = recording.end.to_string();
    if events == 3_000 {
        assert_eq!(words, "trace full at 3000 events (the trace limit)");
    } else {
        assert_eq!(
            words,
            format!(
                "trace full: {events} events against a limit of 3000 (the events of the poll \
                 that reached it are kept together)"
            )
        );
    }
}

#[test]
fn the_command_line_stops_at_its_trace_limit_and_says_so() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_pollscope"))
        .args([
            "step",
            "threads",
            "--policy",
            "busy",
            "--trace-limit",
            "2000",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with("pollscope: trace full")
            && (stderr.contains("at 2000 events (the trace limit)")
                || stderr.contains("against a limit of 2000 (the events of the poll"))
            && stderr.contains(": the run stopped; --trace-limit N records more"),
        "{stderr}"
    );
}
