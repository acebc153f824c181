//! SIGINT/SIGTERM handling like terraform's: the first signal asks the
//! operation to stop gracefully, a second one exits at once.

use signal_hook::consts::{SIGINT, SIGTERM};
use signal_hook::flag;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How often long waits look at the interrupt flag.
const SLICE: Duration = Duration::from_millis(25);

pub struct Interrupt {
    flag: Arc<AtomicBool>,
}

impl Interrupt {
    pub fn install() -> Result<Interrupt, String> {
        let flag = Arc::new(AtomicBool::new(false));
        for sig in [SIGINT, SIGTERM] {
            // Registered first, so it sees the flag from an earlier signal:
            // the second signal exits with status 1 immediately.
            flag::register_conditional_shutdown(sig, 1, Arc::clone(&flag))
                .and_then(|_| flag::register(sig, Arc::clone(&flag)))
                .map_err(|e| format!("installing signal handlers: {e}"))?;
        }
        Ok(Interrupt { flag })
    }

    pub fn is_set(&self) -> bool {
        self.flag.load(Ordering::SeqCst)
    }

    /// Sleep until `deadline` (forever when `None`), calling `tick` with the
    /// elapsed time after each whole second. Returns false when interrupted.
    pub fn wait(&self, deadline: Option<Duration>, mut tick: impl FnMut(Duration)) -> bool {
        let start = Instant::now();
        let mut next_tick = Duration::from_secs(1);
        loop {
            if self.is_set() {
                return false;
            }
            let elapsed = start.elapsed();
            if deadline.is_some_and(|d| elapsed >= d) {
                return true;
            }
            if elapsed >= next_tick {
                tick(elapsed);
                next_tick += Duration::from_secs(1);
            }
            let mut nap = SLICE;
            if let Some(d) = deadline {
                nap = nap.min(d.saturating_sub(elapsed));
            }
            std::thread::sleep(nap.max(Duration::from_millis(1)));
        }
    }
}

/// What terraform prints when the first interrupt arrives.
pub fn report(ui: &crate::ui::Ui) {
    ui.log(
        "warn",
        "Interrupt received. Please wait for OpenTofu to exit or data loss may occur.",
    );
    ui.log("warn", "Gracefully shutting down...");
    ui.log("info", "Stopping operation...");
}
