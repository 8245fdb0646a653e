//! Turns for blocking work (searches, suggestions, recommendations, filtered similar films): at
//! most a fixed number at once. A request that finds none free waits; a freed turn goes to the
//! waiting request whose client has done the least work lately (then to the one waiting longest),
//! so a client sending costly searches back to back cannot make a light client wait behind its
//! whole queue. A request that waits longer than its limit gives up (503 `overloaded`).
//!
//! Hand-written: tokio's semaphore serves waiters first come, first served, with no priority.

use std::collections::BinaryHeap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::sync::oneshot;

tokio::task_local! {
    /// The recent work (seconds) of the client whose request this task answers, set by the rate
    /// limit around the rest of the request; none when rate limiting is off.
    pub static CLIENT_RECENT_WORK: f64;
}

/// Stale waiters (given up) are swept from the queue when it grows past this.
const SWEEP_WAITING: usize = 1024;

pub struct Turns {
    queue: Arc<Mutex<Queue>>,
}

struct Queue {
    free: usize,
    waiting: BinaryHeap<Waiter>,
    arrivals: u64,
}

struct Waiter {
    /// The client's recent work, in seconds; less goes first.
    recent_work: f64,
    arrival: u64,
    wake: oneshot::Sender<()>,
}

impl Ord for Waiter {
    /// The heap's greatest is served first: the least recent work, then the earliest arrival.
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        other
            .recent_work
            .total_cmp(&self.recent_work)
            .then(other.arrival.cmp(&self.arrival))
    }
}

impl PartialOrd for Waiter {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Waiter {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other).is_eq()
    }
}

impl Eq for Waiter {}

/// A turn, given back (to the next waiter, or as free) when dropped.
pub struct Turn {
    queue: Arc<Mutex<Queue>>,
}

impl Drop for Turn {
    fn drop(&mut self) {
        release(&self.queue);
    }
}

impl Turns {
    pub fn new(turns: usize) -> Self {
        Turns {
            queue: Arc::new(Mutex::new(Queue {
                free: turns,
                waiting: BinaryHeap::new(),
                arrivals: 0,
            })),
        }
    }

    /// A turn, waiting at most `wait` for one; `recent_work` orders the waiting requests.
    pub async fn take(&self, recent_work: f64, wait: Duration) -> Option<Turn> {
        let mut woken = {
            let mut queue = lock(&self.queue);
            if queue.free > 0 {
                queue.free -= 1;
                return Some(self.turn());
            }
            if queue.waiting.len() >= SWEEP_WAITING {
                queue.waiting.retain(|waiter| !waiter.wake.is_closed());
            }
            let (wake, woken) = oneshot::channel();
            queue.arrivals += 1;
            let arrival = queue.arrivals;
            queue.waiting.push(Waiter {
                recent_work,
                arrival,
                wake,
            });
            woken
        };
        match tokio::time::timeout(wait, &mut woken).await {
            Ok(Ok(())) => Some(self.turn()),
            _ => {
                // A turn handed over just as the wait ended is given back.
                woken.close();
                if woken.try_recv().is_ok() {
                    drop(self.turn());
                }
                None
            }
        }
    }

    fn turn(&self) -> Turn {
        Turn {
            queue: Arc::clone(&self.queue),
        }
    }
}

/// Hands a freed turn to the first waiter still waiting, or keeps it free.
fn release(queue: &Mutex<Queue>) {
    let mut queue = lock(queue);
    while let Some(waiter) = queue.waiting.pop() {
        if waiter.wake.send(()).is_ok() {
            return;
        }
    }
    queue.free += 1;
}

fn lock(queue: &Mutex<Queue>) -> MutexGuard<'_, Queue> {
    // Counts and a heap, each update whole: valid after any panic.
    queue
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    const LONG: Duration = Duration::from_secs(5);

    #[tokio::test]
    async fn a_freed_turn_goes_to_the_client_with_the_least_recent_work() {
        let turns = Arc::new(Turns::new(1));
        let held = turns.take(0.0, LONG).await.expect("a free turn");
        let (order, finished) = tokio::sync::mpsc::unbounded_channel();
        let mut waiting = Vec::new();
        for (name, recent_work) in [("heavy", 5.0), ("light", 0.1), ("heavy too", 5.0)] {
            let turns = Arc::clone(&turns);
            let order = order.clone();
            waiting.push(tokio::spawn(async move {
                let turn = turns.take(recent_work, LONG).await.expect("a turn");
                order.send(name).expect("the test listens");
                tokio::time::sleep(Duration::from_millis(10)).await;
                drop(turn);
            }));
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        drop(held);
        for task in waiting {
            task.await.expect("the waiter");
        }
        drop(order);
        let mut served = Vec::new();
        let mut finished = finished;
        while let Some(name) = finished.recv().await {
            served.push(name);
        }
        assert_eq!(served, ["light", "heavy", "heavy too"]);
    }

    #[tokio::test]
    async fn a_request_that_waits_too_long_gives_up_and_the_turn_stays_usable() {
        let turns = Turns::new(1);
        let held = turns.take(0.0, LONG).await.expect("a free turn");
        assert!(turns.take(0.0, Duration::from_millis(20)).await.is_none());
        drop(held);
        let again = turns.take(0.0, Duration::from_millis(20)).await;
        assert!(again.is_some(), "the given-up waiter did not keep the turn");
    }
}
