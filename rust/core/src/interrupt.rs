//! Cooperative cancellation: long loops poll a shared flag that the binding raises on Ctrl-C.
//!
//! A loop polls through a [`Ticker`] (`let mut tick = interrupt.ticker(1 << 16);` then
//! `tick.tick()?` once per step), which reads the flag on the first step and then once every
//! so many steps, so that no loop writes its own `% N` test.

use std::sync::atomic::{AtomicBool, Ordering};

use crate::error::{Error, Result};

/// A borrowed stop flag. Polling it is one relaxed atomic load, cheap enough for inner loops
/// every few thousand iterations.
#[derive(Clone, Copy)]
pub struct Interrupt<'a> {
    flag: Option<&'a AtomicBool>,
}

impl<'a> Interrupt<'a> {
    pub fn new(flag: &'a AtomicBool) -> Self {
        Self { flag: Some(flag) }
    }

    /// A flag that is never raised (tests, internal calls).
    pub const fn never() -> Self {
        Self { flag: None }
    }

    pub fn is_raised(&self) -> bool {
        self.flag.is_some_and(|f| f.load(Ordering::Relaxed))
    }

    /// `Err(Error::Interrupted)` once the flag is raised.
    pub fn check(&self) -> Result<()> {
        if self.is_raised() {
            Err(Error::Interrupted)
        } else {
            Ok(())
        }
    }

    /// A poller that reads the flag on its first tick and then every `every`-th (a power of
    /// two, so the test in the loop is a counter increment and a mask).
    pub fn ticker(self, every: usize) -> Ticker<'a> {
        assert!(
            every.is_power_of_two(),
            "poll period {every} is not a power of two"
        );
        Ticker {
            interrupt: self,
            count: 0,
            mask: every - 1,
        }
    }

    /// Busy work that only stops when interrupted or after `seconds`: lets the binding's tests
    /// prove that Ctrl-C and the released GIL work without depending on a large input.
    pub fn spin(&self, seconds: f64) -> Result<u64> {
        let start = std::time::Instant::now();
        let mut rounds = 0u64;
        while start.elapsed().as_secs_f64() < seconds {
            self.check()?;
            rounds += 1;
            std::hint::spin_loop();
        }
        Ok(rounds)
    }
}

/// Polls an [`Interrupt`] once every so many steps of a loop (see [`Interrupt::ticker`]).
pub struct Ticker<'a> {
    interrupt: Interrupt<'a>,
    count: usize,
    mask: usize,
}

impl Ticker<'_> {
    /// One step: `Err(Error::Interrupted)` when this step polls and the flag is raised.
    #[inline(always)]
    pub fn tick(&mut self) -> Result<()> {
        let due = self.count & self.mask == 0;
        self.count = self.count.wrapping_add(1);
        if due {
            self.interrupt.check()
        } else {
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raised_flag_interrupts() {
        let flag = AtomicBool::new(false);
        let it = Interrupt::new(&flag);
        assert!(it.check().is_ok());
        flag.store(true, Ordering::Relaxed);
        assert_eq!(it.check(), Err(Error::Interrupted));
        assert_eq!(it.spin(10.0), Err(Error::Interrupted));
        assert!(Interrupt::never().check().is_ok());
    }

    #[test]
    fn ticker_polls_on_the_first_step_and_then_every_period() {
        let flag = AtomicBool::new(true);
        let mut tick = Interrupt::new(&flag).ticker(4);
        assert_eq!(tick.tick(), Err(Error::Interrupted));
        for _ in 0..3 {
            assert!(tick.tick().is_ok());
        }
        assert_eq!(tick.tick(), Err(Error::Interrupted));
        let mut never = Interrupt::never().ticker(1);
        assert!((0..10).all(|_| never.tick().is_ok()));
    }
}
