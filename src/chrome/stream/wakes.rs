//! Wakes on the export's tracks: each drawn where its waker was called — on the worker
//! thread that called it, inside the poll that called it, or on the executor's track —
//! with an arrow to the poll it caused.

use super::super::EXECUTOR;
use super::super::threads::Threads;
use super::super::unit::{FlowStart, Host, Kind, MOMENT, Shape, TURN, Track};
use super::Stream;
use crate::trace::{TaskId, Wake, WakeSource};
use std::io::{self, Write};

impl<W: Write> Stream<'_, '_, W> {
    /// A wake of `task` at `t`.
    pub(super) fn wake(&mut self, task: TaskId, wake: Wake, t: u64) -> io::Result<()> {
        let causes_poll = task
            .get()
            .and_then(|n| self.tables.task(n))
            .and_then(|f| f.last_poll)
            .is_some_and(|p| p > wake.seq);
        let kind = Kind::Wake { task, by: wake.by };
        let arrow = causes_poll.then_some(wake.seq);
        match wake.by {
            WakeSource::Thread(name) => match self.threads.waker(name, t) {
                Some(slot) => {
                    if let Some(f) = self.tables.threads.get(slot).copied() {
                        let unit = self.tracks.new_unit(Threads::track(f.no))?;
                        let host = Host::Extent(f.start, f.end);
                        self.put_wake(unit, t, kind, arrow, Some(host));
                        self.tracks.done(unit)?;
                    }
                }
                None => {
                    let track = self.threads.foreign(name);
                    let unit = self.tracks.new_unit(track)?;
                    self.put_wake(unit, t, kind, arrow, None);
                    self.tracks.done(unit)?;
                }
            },
            WakeSource::SelfWake | WakeSource::Task(_) | WakeSource::External => {
                // Inside the poll running when the waker was called.
                let host = match wake.by {
                    WakeSource::SelfWake => self.open_poll(task),
                    WakeSource::Task(waker) => self.open_poll(waker),
                    _ => self.open_poll_on(EXECUTOR),
                };
                match host {
                    Some(unit) => self.put_wake(unit, t, kind, arrow, Some(Host::Slice(0))),
                    None => {
                        let (unit, own) = self.tracks.unit_at(EXECUTOR, t)?;
                        self.put_wake(unit, t, kind, arrow, None);
                        if own {
                            self.tracks.done(unit)?;
                        }
                    }
                }
            }
        }
        // Who woke the suspension the task's last poll left (none while it is polled).
        let suspended = self
            .task_mut(task)
            .filter(|s| s.exec.is_none())
            .and_then(|s| s.row);
        if let Some(woken) = suspended
            .and_then(|unit| self.tracks.unit_mut(unit))
            .and_then(|u| u.suspensions.first_mut())
        {
            woken.push(wake.by);
        }
        Ok(())
    }

    /// Puts a wake in `unit`: an instant inside `host`, or, where nothing encloses it on
    /// its track, a slice of its own, so its arrow (`arrow`: the wake's number, if it
    /// caused a poll) has somewhere to start.
    fn put_wake(
        &mut self,
        unit: usize,
        t: u64,
        kind: Kind,
        arrow: Option<usize>,
        host: Option<Host>,
    ) {
        let Some(u) = self.tracks.unit_mut(unit) else {
            return;
        };
        let i = match host {
            Some(_) => u.push(Shape::Instant, t, MOMENT, kind),
            None => u.push(Shape::Span, t, TURN, kind),
        };
        if let Some(id) = arrow {
            u.starts.push(FlowStart {
                id,
                host: host.unwrap_or(Host::Slice(i)),
                at: t,
            });
        }
    }

    /// The unit of `task`'s open poll on its executor track.
    fn open_poll(&self, task: TaskId) -> Option<usize> {
        let s = self.tasks.get(task.get()? as usize)?;
        s.exec.as_ref().map(|(u, _)| *u)
    }

    /// The unit of the poll open on `track`.
    fn open_poll_on(&self, track: Track) -> Option<usize> {
        self.tasks
            .iter()
            .filter_map(|s| s.exec.as_ref().map(|(u, _)| *u))
            .find(|&u| self.tracks.unit(u).is_some_and(|u| u.track == track))
    }
}
