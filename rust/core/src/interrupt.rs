//! Cooperative cancellation: long loops poll a shared flag that the binding raises on Ctrl-C.

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
}
