//! A Python script running under the tracer: the interpreter started with pollscope's
//! tracer, the socket it reports on, and the stepping: [`PyRun::step`] lets one resume
//! through and reads until the interpreter pauses before the next one.

use super::protocol::Message;
use super::translate::{Exit, Translator};
use super::{PyError, Script};
use crate::trace::{Recorder, TaskId, Trace, TraceDelta};
use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::net::{UnixListener, UnixStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// The tracer, shipped inside the binary and written next to the socket at each start.
const TRACER: &str = include_str!("../../assets/python/tracer.py");
/// How long the interpreter may take to start and connect.
const CONNECT: Duration = Duration::from_secs(20);
/// The most of the interpreter's standard error kept (its last words matter most).
const STDERR_CAP: usize = 64 * 1024;
/// A line longer than this from the tracer is not its (and is not kept whole).
const LINE_CAP: u64 = 4 << 20;

/// What the reader threads hand over.
enum Incoming {
    Message(Message),
    /// A line of the tracer that is not a message (a bug, said once).
    Bad(String),
    /// A line the interpreter (or a process it started) wrote to its standard output
    /// outside the tracer's `print`.
    Output(String),
    /// The tracer's socket closed: the interpreter ended.
    Closed,
}

/// Where a step left the run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PyStep {
    /// Paused before resuming this task.
    Paused(TaskId),
    /// A resume is still running (blocked in a `join`, say): its poll stays open.
    InResume,
    /// Running outside any coroutine: no resume yet.
    Outside,
    /// The script ended.
    Exited(Exit),
}

/// A running script.
pub struct PyRun {
    child: Child,
    socket: UnixStream,
    incoming: Receiver<Incoming>,
    translator: Translator,
    recorder: Arc<Recorder>,
    stderr: Arc<Mutex<String>>,
    dir: PathBuf,
    /// A resume let through and not yet ended.
    in_resume: bool,
    closed: bool,
    free: bool,
}

impl std::fmt::Debug for PyRun {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PyRun")
            .field("pid", &self.child.id())
            .field("events", &self.translator.log().len())
            .finish()
    }
}

impl PyRun {
    /// Starts `script` under the tracer, recording on `recorder`'s clock. Returns once the
    /// tracer has connected; the script then runs until its first resume.
    pub fn start(script: &Script, recorder: Arc<Recorder>) -> Result<PyRun, PyError> {
        script.write_out().map_err(|source| PyError::Script {
            path: script.path.clone(),
            source,
        })?;
        std::fs::File::open(&script.path).map_err(|source| PyError::Script {
            path: script.path.clone(),
            source,
        })?;
        let dir = private_dir().map_err(PyError::Setup)?;
        let tracer = dir.join("pollscope_tracer.py");
        let socket_path = dir.join("socket");
        let made = std::fs::write(&tracer, TRACER)
            .and_then(|()| UnixListener::bind(&socket_path))
            .and_then(|l| l.set_nonblocking(true).map(|()| l));
        let listener = match made {
            Ok(l) => l,
            Err(e) => {
                let _ = std::fs::remove_dir_all(&dir);
                return Err(PyError::Setup(e));
            }
        };
        // Its own process group, so the processes the script starts end with it.
        let spawned = Command::new(&script.python)
            .process_group(0)
            .arg("-X")
            .arg("utf8")
            .arg(&tracer)
            .arg(&socket_path)
            .arg(&script.path)
            .args(&script.args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .env("PYTHONUNBUFFERED", "1")
            .spawn();
        let mut child = match spawned {
            Ok(c) => c,
            Err(source) => {
                let _ = std::fs::remove_dir_all(&dir);
                return Err(PyError::NoInterpreter {
                    python: script.python.clone(),
                    source,
                });
            }
        };
        let stderr = Arc::new(Mutex::new(String::new()));
        if let Some(err) = child.stderr.take() {
            let keep = stderr.clone();
            let _ = std::thread::Builder::new()
                .name("pollscope-py-stderr".into())
                .spawn(move || collect(err, &keep));
        }
        let (tx, incoming) = mpsc::channel();
        if let Some(out) = child.stdout.take() {
            let tx = tx.clone();
            let _ = std::thread::Builder::new()
                .name("pollscope-py-stdout".into())
                .spawn(move || forward_output(out, &tx));
        }
        let connect = |child: &mut Child| -> Result<UnixStream, PyError> {
            let began = Instant::now();
            loop {
                match listener.accept() {
                    Ok((stream, _)) => return Ok(stream),
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                    Err(e) => return Err(PyError::Setup(e)),
                }
                if let Ok(Some(status)) = child.try_wait() {
                    // Let the stderr reader take the interpreter's last words.
                    std::thread::sleep(Duration::from_millis(50));
                    let words = stderr
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .clone();
                    return Err(PyError::from_early_exit(status.code(), &words));
                }
                if began.elapsed() > CONNECT {
                    return Err(PyError::Setup(std::io::Error::new(
                        std::io::ErrorKind::TimedOut,
                        "the interpreter did not start the tracer within 20 s",
                    )));
                }
                std::thread::sleep(Duration::from_millis(2));
            }
        };
        let socket = match connect(&mut child) {
            Ok(s) => s,
            Err(e) => {
                let _ = child.kill();
                let _ = child.wait();
                let _ = std::fs::remove_dir_all(&dir);
                return Err(e);
            }
        };
        let _ = socket.set_nonblocking(false);
        if let Ok(reader) = socket.try_clone() {
            let _ = std::thread::Builder::new()
                .name("pollscope-py-trace".into())
                .spawn(move || read_messages(reader, &tx));
        }
        Ok(PyRun {
            child,
            socket,
            incoming,
            translator: Translator::new(),
            recorder,
            stderr,
            dir,
            in_resume: false,
            closed: false,
            free: false,
        })
    }

    /// The interpreter's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The interpreter's version, once it said hello.
    pub fn python(&self) -> Option<&str> {
        self.translator.python.as_deref()
    }

    /// How the script ended, once it has.
    pub fn exit(&self) -> Option<&Exit> {
        self.translator.exit.as_ref()
    }

    /// What the interpreter wrote to its standard error (its last 64 KiB).
    pub fn stderr(&self) -> String {
        self.stderr
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The trace so far.
    pub fn trace(&self) -> &Trace {
        self.translator.log().trace()
    }

    /// Events recorded so far.
    pub fn events(&self) -> usize {
        self.translator.log().len()
    }

    /// Tasks not finished.
    pub fn unfinished(&self) -> usize {
        self.translator.unfinished()
    }

    /// The events not taken yet.
    pub fn take_delta(&mut self) -> TraceDelta {
        self.translator.take()
    }

    /// The whole trace.
    pub fn take_trace(&mut self) -> Trace {
        self.translator.take_trace()
    }

    /// The task the interpreter is paused before resuming, if it is.
    pub fn paused(&self) -> Option<TaskId> {
        self.translator.paused
    }

    /// Reads what has arrived, waiting until `deadline` for the interpreter to pause,
    /// end, or (with `resume_only`) for the resume in progress to end.
    pub fn pump(&mut self, deadline: Instant, resume_only: bool) -> PyStep {
        loop {
            if let Some(state) = self.settled(resume_only) {
                return state;
            }
            let wait = deadline.saturating_duration_since(Instant::now());
            match self.incoming.recv_timeout(wait) {
                Ok(incoming) => self.take(incoming),
                Err(RecvTimeoutError::Timeout) => {
                    return if self.in_resume {
                        PyStep::InResume
                    } else {
                        PyStep::Outside
                    };
                }
                Err(RecvTimeoutError::Disconnected) => self.take(Incoming::Closed),
            }
        }
    }

    fn settled(&self, resume_only: bool) -> Option<PyStep> {
        if let Some(exit) = &self.translator.exit {
            return Some(PyStep::Exited(exit.clone()));
        }
        if resume_only && !self.in_resume {
            return Some(PyStep::Outside);
        }
        self.translator.paused.map(PyStep::Paused)
    }

    fn take(&mut self, incoming: Incoming) {
        let now = self.recorder.now_ns();
        match incoming {
            Incoming::Message(message) => {
                match &message {
                    Message::Resume { .. } => self.in_resume = true,
                    Message::Yield { .. } | Message::Return { .. } | Message::Raise { .. } => {
                        self.in_resume = false;
                    }
                    _ => {}
                }
                self.translator.read(message, now);
            }
            Incoming::Output(line) => self.translator.read(
                Message::Say {
                    t: 0,
                    task: None,
                    text: line,
                },
                now,
            ),
            Incoming::Bad(line) => self.translator.read(
                Message::Say {
                    t: 0,
                    task: None,
                    text: format!("pollscope: the tracer said something it should not: {line}"),
                },
                now,
            ),
            Incoming::Closed => {
                if self.closed {
                    return;
                }
                self.closed = true;
                if self.translator.exit.is_none() {
                    use std::os::unix::process::ExitStatusExt;
                    let waited = self.child.wait().ok();
                    let status = waited.and_then(|s| s.code());
                    let signal = waited.and_then(|s| s.signal());
                    let words = self.stderr();
                    let last = words.lines().rev().find(|l| !l.trim().is_empty());
                    let why = match (status, signal, last) {
                        (_, _, Some(line)) => line.trim().to_owned(),
                        (_, Some(signal), None) => {
                            format!("the interpreter was killed by signal {signal}")
                        }
                        (Some(code), _, None) => {
                            format!("the interpreter exited with status {code}")
                        }
                        (None, None, None) => "the interpreter was killed".to_owned(),
                    };
                    self.translator.exit = Some(Exit {
                        code: status.unwrap_or(-1),
                        error: Some((why, None)),
                        cut_short: true,
                    });
                    self.translator.paused = None;
                }
            }
        }
    }

    fn say(&mut self, word: &str) {
        let _ = self.socket.write_all(word.as_bytes());
    }

    /// Lets one resume through and reads until the interpreter pauses again (or ends, or
    /// `wait` passes). Not paused yet: waits for the pause first.
    pub fn step(&mut self, wait: Duration) -> PyStep {
        let deadline = Instant::now() + wait;
        match self.pump(deadline, false) {
            PyStep::Paused(_) => {}
            other => return other,
        }
        self.translator.paused = None;
        self.free = false;
        self.say("step\n");
        self.pump(deadline, false)
    }

    /// Lets every resume through until [`PyRun::pause`].
    pub fn run_free(&mut self) {
        self.free = true;
        self.translator.paused = None;
        self.say("run\n");
    }

    /// Stops letting resumes through: the interpreter pauses before the next one.
    pub fn pause(&mut self) {
        if self.free {
            self.free = false;
            self.say("pause\n");
        }
    }

    /// Runs the script to its end (every resume let through), reading everything.
    pub fn run_to_end(&mut self, limit: Duration) -> PyStep {
        self.run_free();
        let deadline = Instant::now() + limit;
        loop {
            match self.pump(deadline, false) {
                PyStep::Paused(_) => {
                    // Paused before `run` arrived: it is on its way.
                    self.translator.paused = None;
                }
                other => return other,
            }
        }
    }
}

impl Drop for PyRun {
    fn drop(&mut self) {
        // The interpreter never outlives its run: Reset, closing and errors all end it.
        let _ = self.socket.shutdown(std::net::Shutdown::Both);
        // The whole group: the processes the script started too.
        if let Ok(pid) = libc::pid_t::try_from(self.child.id()) {
            // SAFETY: kill(2) with a negative pid signals a process group; it touches no
            // memory of ours. The group is the interpreter's own (process_group(0) above).
            unsafe {
                libc::kill(-pid, libc::SIGKILL);
            }
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A fresh directory only this user can enter, for the tracer and its socket.
fn private_dir() -> std::io::Result<PathBuf> {
    use std::os::unix::fs::DirBuilderExt;
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let temp = std::env::temp_dir();
    remove_litter(&temp);
    let mut tries = 0;
    loop {
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let dir = temp.join(format!("{LITTER}{}-{n}", std::process::id()));
        match std::fs::DirBuilder::new().mode(0o700).create(&dir) {
            // Left by an earlier pollscope that had this process id and was killed.
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && tries < 64 => tries += 1,
            made => return made.map(|()| dir),
        }
    }
}

/// How the run directories' names begin.
const LITTER: &str = "pollscope-py-";

/// Removes the run directories of pollscopes that were killed before they could (a
/// directory is only ours to remove when no process of its number is alive).
fn remove_litter(temp: &Path) {
    let Ok(entries) = std::fs::read_dir(temp) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name
            .to_str()
            .and_then(|n| n.strip_prefix(LITTER))
            .and_then(|rest| rest.split_once('-'))
            .and_then(|(pid, _)| pid.parse::<libc::pid_t>().ok())
        else {
            continue;
        };
        // SAFETY: kill(2) with signal 0 only asks whether the process exists.
        let gone = pid > 0
            && unsafe { libc::kill(pid, 0) } == -1
            && std::io::Error::last_os_error().raw_os_error() == Some(libc::ESRCH);
        let mine = entry
            .metadata()
            .is_ok_and(|m| std::os::unix::fs::MetadataExt::uid(&m) == unsafe { libc::getuid() });
        if gone && mine {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

fn read_messages(socket: UnixStream, tx: &Sender<Incoming>) {
    lines(socket, |text| {
        let incoming = match serde_json::from_str::<Message>(text.trim_end()) {
            Ok(m) => Incoming::Message(m),
            Err(_) => Incoming::Bad(crate::text::line(text).chars().take(200).collect()),
        };
        tx.send(incoming).is_ok()
    });
    let _ = tx.send(Incoming::Closed);
}

fn forward_output(out: impl Read, tx: &Sender<Incoming>) {
    lines(out, |text| {
        let text = text.trim_end_matches('\n').to_owned();
        tx.send(Incoming::Output(text)).is_ok()
    });
}

/// Hands each line of `input` (cut at [`LINE_CAP`]: the rest of a longer line is skipped,
/// not taken for the next line) to `each` until the input ends or `each` says stop.
fn lines(input: impl Read, mut each: impl FnMut(&str) -> bool) {
    let mut reader = BufReader::new(input);
    let mut line = Vec::new();
    let mut rest = Vec::new();
    loop {
        line.clear();
        match (&mut reader).take(LINE_CAP).read_until(b'\n', &mut line) {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        if line.last() != Some(&b'\n') && line.len() as u64 == LINE_CAP {
            // Skipped a buffer at a time, so an endless line costs no memory.
            loop {
                rest.clear();
                match (&mut reader).take(LINE_CAP).read_until(b'\n', &mut rest) {
                    Ok(0) | Err(_) => break,
                    Ok(_) if rest.last() == Some(&b'\n') => break,
                    Ok(_) => {}
                }
            }
            line.extend_from_slice(" … (cut)".as_bytes());
        }
        if !each(&String::from_utf8_lossy(&line)) {
            return;
        }
    }
}

fn collect(err: impl Read, keep: &Mutex<String>) {
    let mut reader = BufReader::new(err);
    let mut buf = [0u8; 8192];
    loop {
        match reader.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => {
                let mut kept = keep.lock().unwrap_or_else(PoisonError::into_inner);
                kept.push_str(&String::from_utf8_lossy(&buf[..n]));
                if kept.len() > STDERR_CAP {
                    let mut cut = kept.len() - STDERR_CAP;
                    while !kept.is_char_boundary(cut) {
                        cut += 1;
                    }
                    kept.drain(..cut);
                }
            }
        }
    }
}

/// The script's path as given, for messages.
pub(super) fn shown(path: &Path) -> String {
    path.display().to_string()
}

#[cfg(test)]
mod tests {
    use super::{LINE_CAP, lines};

    #[test]
    fn a_line_over_the_cap_is_cut_and_its_rest_is_not_the_next_line() {
        let mut input = vec![b'y'; LINE_CAP as usize * 2 + 10];
        input.extend_from_slice(b"\nnext\n");
        let mut seen = Vec::new();
        lines(input.as_slice(), |l| {
            seen.push(l.to_owned());
            true
        });
        assert_eq!(seen.len(), 2);
        assert!(seen[0].ends_with("y … (cut)"));
        assert_eq!(seen[0].len(), LINE_CAP as usize + " … (cut)".len());
        assert_eq!(seen[1], "next\n");
    }
}
