//! Instrumentation a future's author writes into the code: `.at("label")` marks an await
//! point, `say!(...)` is the lessons' `print`. Both record into the trace of the executor
//! polling the current task, and do nothing at all outside one.

use crate::executor::{Site, with_current};
use crate::trace::{EventKind, PointId};
use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Adds [`at`](AtExt::at) to every future.
pub trait AtExt: Future + Sized {
    /// Wraps the future so the trace records when it is entered, suspends, resumes and
    /// finishes, with this call's file and line. Nested `at`s form the task's await chain.
    #[track_caller]
    fn at(self, label: &'static str) -> At<Self> {
        At {
            inner: self,
            site: {
                let location = Location::caller();
                Site {
                    label,
                    file: location.file(),
                    line: location.line(),
                }
            },
            point: None,
            entered: false,
        }
    }
}

impl<F: Future> AtExt for F {}

pin_project_lite::pin_project! {
    /// A future instrumented by [`AtExt::at`].
    #[must_use = "futures do nothing unless awaited"]
    pub struct At<F> {
        #[pin]
        inner: F,
        site: Site,
        point: Option<PointId>,
        entered: bool,
    }
}

impl<F> At<F> {
    /// Where this await point was written.
    pub fn site(&self) -> Site {
        self.site
    }
}

impl<F: Future> Future for At<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        let site = *this.site;
        let point = with_current(|c| {
            let point = *this
                .point
                .get_or_insert_with(|| c.with_log(|log| log.site(&site)));
            let kind = if *this.entered {
                EventKind::Resume { point }
            } else {
                EventKind::AwaitEnter { point }
            };
            c.record(kind);
            point
        });
        *this.entered = true;
        let result = this.inner.poll(cx);
        if let Some(point) = point {
            with_current(|c| {
                let kind = if result.is_pending() {
                    // Inner awaits suspend first, so the first suspend of a poll is the
                    // innermost point: the one the task is suspended at.
                    c.suspend_at(site, point);
                    EventKind::Suspend { point }
                } else {
                    EventKind::AwaitExit { point }
                };
                c.record(kind);
            });
        }
        result
    }
}

/// Records a line of text said by the task being polled. Outside a poll it does nothing.
pub fn say(text: &str) {
    with_current(|c| {
        let text = c.with_log(|log| log.intern(text));
        c.record(EventKind::Say { text });
    });
}

/// Records a formatted line said by the task being polled (the lessons' `print`).
///
/// ```
/// pollscope::say!("fetched {} bytes", 1234); // outside an executor: does nothing
/// ```
#[macro_export]
macro_rules! say {
    ($($arg:tt)*) => {
        $crate::probe::say(&::std::format!($($arg)*))
    };
}
