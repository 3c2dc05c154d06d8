//! Running a world: until a time, until nothing is in flight, or until a process exits,
//! always within an event budget (a switch loop's broadcast storm never settles).

use super::{Finished, RunError, World};
use crate::kernel::socket::Pid;
use crate::sim::Time;

impl World {
    /// Runs events until virtual time `until` (events at exactly `until` included).
    pub fn run_until(&mut self, until: Time, budget: u64) -> Result<(), RunError> {
        let start = self.events;
        while self.next_event(Some(until)).is_some_and(|t| t <= until) {
            self.step()?;
            self.check_budget(start, budget)?;
        }
        self.now = self.now.max(until);
        Ok(())
    }

    /// Runs until nothing is in flight: no frames, no timers.
    pub fn run_idle(&mut self, budget: u64) -> Result<(), RunError> {
        let start = self.events;
        while self.next_event(None).is_some() && self.step()? {
            self.check_budget(start, budget)?;
        }
        Ok(())
    }

    /// Runs until process `pid` on `node` exits, nothing more can happen, or `deadline`.
    pub fn run_until_exit(
        &mut self,
        node: usize,
        pid: Pid,
        deadline: Time,
        budget: u64,
    ) -> Result<Finished, RunError> {
        let start = self.events;
        loop {
            let status = self
                .host(node)
                .and_then(|h| h.kernel.procs.procs.get(&pid))
                .map(|p| p.status);
            match status {
                Some(Some(code)) => return Ok(Finished::Exited(code)),
                None => return Ok(Finished::Exited(0)),
                Some(None) => {}
            }
            match self.next_event(Some(deadline)) {
                None => return Ok(Finished::Idle),
                Some(t) if t > deadline => return Ok(Finished::Deadline),
                Some(_) => {}
            }
            self.step()?;
            self.check_budget(start, budget)?;
        }
    }

    /// `step N`: at most `n` events, and like every statement that moves the world, at most
    /// `budget` (a storm stops with the budget's message instead of filling memory).
    pub fn run_steps(&mut self, n: u64, budget: u64) -> Result<(), RunError> {
        let start = self.events;
        for _ in 0..n {
            if !self.step()? {
                break;
            }
            self.check_budget(start, budget)?;
        }
        Ok(())
    }

    pub(crate) fn check_budget(&self, start: u64, budget: u64) -> Result<(), RunError> {
        if self.events - start >= budget {
            return Err(RunError::Budget {
                events: self.events,
                now: self.now,
            });
        }
        Ok(())
    }
}
