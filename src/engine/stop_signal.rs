//! The signals that stop `apply`: SIGINT (Ctrl-C), SIGTERM (how CI runners cancel a job) and
//! SIGHUP (a closed terminal). Each is handled the same way — the running step cleans up, every
//! started service is stopped, reports are written — and each has its own exit code.

use crate::exit_code;
use tokio::signal::unix::{Signal, SignalKind, signal};

/// Which signal stopped the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum StopSignal {
    /// SIGINT: Ctrl-C.
    #[serde(rename = "SIGINT")]
    Interrupt,
    /// SIGTERM: a CI runner cancelling the job, `kill`.
    #[serde(rename = "SIGTERM")]
    Terminate,
    /// SIGHUP: the terminal closed.
    #[serde(rename = "SIGHUP")]
    Hangup,
}

impl StopSignal {
    /// The exit code for a run this signal stopped (128 + the signal's number).
    #[must_use]
    pub fn exit_code(self) -> u8 {
        match self {
            StopSignal::Interrupt => exit_code::INTERRUPTED,
            StopSignal::Terminate => exit_code::TERMINATED,
            StopSignal::Hangup => exit_code::HANGUP,
        }
    }

    /// The signal's name.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            StopSignal::Interrupt => "SIGINT",
            StopSignal::Terminate => "SIGTERM",
            StopSignal::Hangup => "SIGHUP",
        }
    }
}

/// Handlers for the three signals, installed together.
#[derive(Debug)]
pub struct StopSignals {
    interrupt: Signal,
    terminate: Signal,
    hangup: Signal,
}

impl StopSignals {
    /// Installs the handlers: from now on these signals reach [`StopSignals::recv`] instead of
    /// ending the process.
    ///
    /// # Errors
    /// When the runtime cannot register a signal handler.
    pub fn install() -> std::io::Result<Self> {
        Ok(Self {
            interrupt: signal(SignalKind::interrupt())?,
            terminate: signal(SignalKind::terminate())?,
            hangup: signal(SignalKind::hangup())?,
        })
    }

    /// Waits for the next of the three signals.
    pub async fn recv(&mut self) -> StopSignal {
        tokio::select! {
            _ = self.interrupt.recv() => StopSignal::Interrupt,
            _ = self.terminate.recv() => StopSignal::Terminate,
            _ = self.hangup.recv() => StopSignal::Hangup,
        }
    }
}
