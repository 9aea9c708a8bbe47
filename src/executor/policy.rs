//! Scheduling policies.

/// How the executor picks the next task to poll.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Policy {
    /// Only woken tasks are polled, in wake order; several wakes before a poll schedule
    /// the task once. This is how real executors work.
    #[default]
    WakerDriven,
    /// Every unfinished task is polled round-robin whether woken or not: the seed's
    /// `while True: coro.send(None)`. Polls that find nothing to do are counted as wasted.
    BusyPoll,
}

impl Policy {
    /// The CLI's word for the policy (`waker`, `busy`).
    pub fn word(self) -> &'static str {
        match self {
            Policy::WakerDriven => "waker",
            Policy::BusyPoll => "busy",
        }
    }

    /// A human name.
    pub fn title(self) -> &'static str {
        match self {
            Policy::WakerDriven => "waker-driven",
            Policy::BusyPoll => "busy-poll",
        }
    }
}

impl std::str::FromStr for Policy {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "waker" | "waker-driven" => Ok(Policy::WakerDriven),
            "busy" | "busy-poll" => Ok(Policy::BusyPoll),
            other => Err(format!(
                "unknown policy '{other}': expected 'waker' or 'busy'"
            )),
        }
    }
}
