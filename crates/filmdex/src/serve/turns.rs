//! Turns for blocking work (searches, suggestions, recommendations, filtered similar films): at
//! most a fixed number at once. A request that finds none free waits in line; a request that
//! waits longer than its limit gives up (503 `overloaded`).
//!
//! The line is ordered by each request's start: when it arrived, plus its client's recent work
//! (CPU seconds, halved every second), so a client that has worked more lately waits behind
//! lighter clients' requests, by as long as it has worked, without ever being passed for good.
//!
//! A turn is also lent. Work run with [`Turn::run`] passes [`checkpoint`]s (the search's scans
//! call them between matches); once it has used a [`SLICE`] of CPU since it last got its turn, a
//! checkpoint that finds a request waiting that has been lent fewer times (a new request)
//! hands the turn to it and waits in line, behind the new requests, to get it back. A cheap
//! search, which ends within its first slice, so waits for the slices of the requests before
//! it, never for a whole costly search (140 ms of CPU at 40k films); a costly one is cut into
//! slices that new requests get between. The count of threads doing blocking work at once stays
//! the number of turns.
//!
//! Work is measured in CPU time of its thread, not wall time, so that a request is not charged
//! for the time the machine's other work kept it from a core.
//!
//! Hand-written: tokio's semaphore serves waiters first come, first served, with no priority,
//! and cannot be lent from the middle of a blocking task.

use std::cell::RefCell;
use std::collections::BinaryHeap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use tokio::sync::oneshot;

tokio::task_local! {
    /// The recent work (CPU seconds) of the client whose request this task answers, set by the
    /// rate limit around the rest of the request; none when rate limiting is off.
    pub static CLIENT_RECENT_WORK: f64;
}

/// CPU time work runs on a turn before it lends the turn to a new request: more than a cheap
/// search takes (a title word at 40k films: 0.3-0.5 ms), so that one is never cut, less than the
/// costly ones (1.3-140 ms), short against the 20 ms a light client's search may take in all,
/// and long enough that handing over (a lock, a thread woken) costs little against it.
pub const SLICE: Duration = Duration::from_millis(1);

/// A client's recent work delays its requests' start in line by this share of it: all of it,
/// so that a client flooding costly searches (1 s of CPU lately, say) waits behind a second of
/// other clients' requests, past `--expensive-wait`, while a light client (30 ms) barely moves.
const RECENT_WORK_WEIGHT: f64 = 1.0;

/// Checkpoints between two looks at the thread's CPU clock (a system call): a checkpoint comes
/// every few hundred nanoseconds of a scan that matches most films.
const CHECKPOINTS_PER_CLOCK: u32 = 64;

/// Stale waiters (given up) are swept from the queue when it grows past this.
const SWEEP_WAITING: usize = 1024;

thread_local! {
    /// The turn the work running on this thread holds, for [`checkpoint`].
    static HELD: RefCell<Option<Held>> = const { RefCell::new(None) };
}

pub struct Turns {
    shared: Arc<Shared>,
}

struct Shared {
    queue: Mutex<Queue>,
    /// The [`Place`] of the first waiter in line (`u64::MAX` when none), so that a checkpoint
    /// finds out without a lock that nobody waits who goes before it.
    first_waiting: AtomicU64,
    /// Starts are counted from here.
    epoch: Instant,
}

/// A request's place in line, less first: how many times it has lent its turn (8 bits), then
/// its start in microseconds since the epoch (56 bits, two thousand years).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Place(u64);

impl Place {
    const START_BITS: u32 = 56;

    fn new(lent: u32, start_micros: u64) -> Place {
        let lent = u64::from(lent.min(255));
        Place(lent << Self::START_BITS | start_micros.min((1 << Self::START_BITS) - 1))
    }
}

struct Queue {
    free: usize,
    waiting: BinaryHeap<Waiter>,
    arrivals: u64,
}

struct Waiter {
    place: Place,
    arrival: u64,
    wake: oneshot::Sender<()>,
}

impl Ord for Waiter {
    /// The heap's greatest is served first: the least place, then the earliest arrival.
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        other
            .place
            .cmp(&self.place)
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
    shared: Arc<Shared>,
    /// The request's start and arrival, kept for when it lends the turn and waits again.
    start_micros: u64,
    arrival: u64,
}

impl Drop for Turn {
    fn drop(&mut self) {
        release(&self.shared);
    }
}

impl Turns {
    pub fn new(turns: usize) -> Self {
        Turns {
            shared: Arc::new(Shared {
                queue: Mutex::new(Queue {
                    free: turns,
                    waiting: BinaryHeap::new(),
                    arrivals: 0,
                }),
                first_waiting: AtomicU64::new(u64::MAX),
                epoch: Instant::now(),
            }),
        }
    }

    /// A turn, waiting at most `wait` for one; `recent_work` (CPU seconds) sets the request's
    /// start in line.
    pub async fn take(&self, recent_work: f64, wait: Duration) -> Option<Turn> {
        let delay = Duration::from_secs_f64((recent_work * RECENT_WORK_WEIGHT).clamp(0.0, 1e9));
        let start = self.shared.epoch.elapsed() + delay;
        let start_micros = u64::try_from(start.as_micros()).unwrap_or(u64::MAX);
        let (arrival, woken) = {
            let mut queue = lock(&self.shared);
            queue.arrivals += 1;
            let arrival = queue.arrivals;
            if queue.free > 0 {
                queue.free -= 1;
                return Some(self.turn(start_micros, arrival));
            }
            if queue.waiting.len() >= SWEEP_WAITING {
                queue.waiting.retain(|waiter| !waiter.wake.is_closed());
            }
            let (wake, woken) = oneshot::channel();
            queue.waiting.push(Waiter {
                place: Place::new(0, start_micros),
                arrival,
                wake,
            });
            self.shared.note_first(&queue);
            (arrival, woken)
        };
        let mut waiting = Waiting {
            shared: Arc::clone(&self.shared),
            woken,
        };
        match tokio::time::timeout(wait, &mut waiting.woken).await {
            Ok(Ok(())) => Some(self.turn(start_micros, arrival)),
            _ => None,
        }
    }

    fn turn(&self, start_micros: u64, arrival: u64) -> Turn {
        Turn {
            shared: Arc::clone(&self.shared),
            start_micros,
            arrival,
        }
    }
}

/// A request waiting for a turn. A turn handed to it when it no longer waits (its wait ended,
/// or the request was dropped: its client left, its time ran out) is given back, not lost.
struct Waiting {
    shared: Arc<Shared>,
    woken: oneshot::Receiver<()>,
}

impl Drop for Waiting {
    fn drop(&mut self) {
        self.woken.close();
        if self.woken.try_recv().is_ok() {
            release(&self.shared);
        }
    }
}

impl Turn {
    /// Runs `work` on this (blocking) thread, lending the turn at its [`checkpoint`]s as the
    /// module says; returns its result and the CPU time it took. The turn is given back when
    /// `work` ends.
    pub fn run<T>(self, work: impl FnOnce() -> T) -> (T, Duration) {
        let cpu_started = thread_cpu_time();
        HELD.with(|held| {
            *held.borrow_mut() = Some(Held {
                turn: self,
                lent: 0,
                slice_started: cpu_started,
                checkpoints: 0,
            });
        });
        // Clears the thread's turn (giving it back) also when `work` panics.
        struct Clear;
        impl Drop for Clear {
            fn drop(&mut self) {
                let held = HELD.with(|held| held.borrow_mut().take());
                drop(held);
            }
        }
        let clear = Clear;
        let result = work();
        drop(clear);
        (result, thread_cpu_time().saturating_sub(cpu_started))
    }
}

/// Where blocking work may lend its turn: when the work on this thread holds a turn, has run a
/// [`SLICE`] of CPU since it last got it, and a request waits that has been lent fewer times, the turn
/// goes to the first such request and this thread waits to get it back. Costs an atomic load
/// when nobody waits who would go first; does nothing on a thread that holds no turn (the
/// command line, tests).
pub fn checkpoint() {
    HELD.with(|held| {
        if let Some(held) = held.borrow_mut().as_mut() {
            held.lend_if_asked();
        }
    });
}

/// The turn held by the work on one thread.
struct Held {
    turn: Turn,
    /// Times the work has lent its turn.
    lent: u32,
    /// The thread's CPU time when the work last got its turn.
    slice_started: Duration,
    checkpoints: u32,
}

impl Held {
    fn lend_if_asked(&mut self) {
        let shared = &self.turn.shared;
        // Once its slice is over, the work goes behind every request lent fewer times.
        let behind = Place::new(self.lent + 1, 0);
        if shared.first_waiting.load(Ordering::Relaxed) >= behind.0 {
            return;
        }
        self.checkpoints = self.checkpoints.wrapping_add(1);
        if !self.checkpoints.is_multiple_of(CHECKPOINTS_PER_CLOCK)
            || thread_cpu_time().saturating_sub(self.slice_started) < SLICE
        {
            return;
        }
        let back = {
            let mut queue = lock(shared);
            if !hand_over(&mut queue, |waiter| waiter.place < behind) {
                shared.note_first(&queue);
                return;
            }
            let (wake, back) = oneshot::channel();
            queue.waiting.push(Waiter {
                place: Place::new(self.lent + 1, self.turn.start_micros),
                arrival: self.turn.arrival,
                wake,
            });
            shared.note_first(&queue);
            back
        };
        // The sender is only dropped unsent once sent to: this wait ends with the turn.
        let _ = back.blocking_recv();
        self.lent += 1;
        self.slice_started = thread_cpu_time();
    }
}

/// The CPU time this thread has used.
fn thread_cpu_time() -> Duration {
    use nix::time::{clock_gettime, ClockId};
    clock_gettime(ClockId::CLOCK_THREAD_CPUTIME_ID).map_or(Duration::ZERO, Duration::from)
}

impl Shared {
    fn note_first(&self, queue: &Queue) {
        let first = queue
            .waiting
            .peek()
            .map_or(u64::MAX, |waiter| waiter.place.0);
        self.first_waiting.store(first, Ordering::Relaxed);
    }
}

/// Gives a turn to the first waiter in line that `eligible` accepts and that still waits;
/// false when there is none (waiters that gave up are dropped on the way).
fn hand_over(queue: &mut Queue, eligible: impl Fn(&Waiter) -> bool) -> bool {
    while queue.waiting.peek().is_some_and(&eligible) {
        let waiter = queue.waiting.pop().expect("peeked");
        if waiter.wake.send(()).is_ok() {
            return true;
        }
    }
    false
}

/// Hands a freed turn to the first waiter still waiting, or keeps it free.
fn release(shared: &Shared) {
    let mut queue = lock(shared);
    if !hand_over(&mut queue, |_| true) {
        queue.free += 1;
    }
    shared.note_first(&queue);
}

fn lock(shared: &Shared) -> MutexGuard<'_, Queue> {
    // Counts and a heap, each update whole: valid after any panic.
    shared
        .queue
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicBool;
    use std::time::Instant;

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

    #[tokio::test]
    async fn a_turn_handed_to_a_request_dropped_before_it_took_it_is_not_lost() {
        let turns = Arc::new(Turns::new(1));
        let held = turns.take(0.0, LONG).await.expect("a free turn");
        let waiter = {
            let turns = Arc::clone(&turns);
            tokio::spawn(async move { turns.take(0.0, LONG).await.map(drop) })
        };
        tokio::task::yield_now().await;
        // Handed to the waiter, which is dropped before it runs again (its client left).
        drop(held);
        waiter.abort();
        assert!(waiter.await.is_err(), "the waiter was not cancelled");
        let again = turns.take(0.0, Duration::from_millis(50)).await;
        assert!(
            again.is_some(),
            "the turn was lost with the dropped request"
        );
    }

    /// Runs on a blocking thread, passing checkpoints, until `stop` is set.
    fn spin_until(turn: Turn, stop: Arc<AtomicBool>) -> tokio::task::JoinHandle<((), Duration)> {
        tokio::task::spawn_blocking(move || {
            turn.run(|| {
                let started = Instant::now();
                while !stop.load(Ordering::Relaxed) && started.elapsed() < LONG {
                    checkpoint();
                    std::hint::spin_loop();
                }
            })
        })
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn long_work_lends_its_turn_to_a_new_request_and_gets_it_back() {
        let turns = Turns::new(1);
        let long = turns.take(0.0, LONG).await.expect("a free turn");
        let stop = Arc::new(AtomicBool::new(false));
        let running = spin_until(long, Arc::clone(&stop));
        tokio::time::sleep(Duration::from_millis(20)).await;
        // From a client with far more recent work, even: the long work has had its slice.
        let new = turns.take(5.0, Duration::from_secs(1)).await;
        assert!(
            new.is_some(),
            "the new request waited for the whole long work"
        );
        assert!(
            !running.is_finished(),
            "the long work ended instead of lending"
        );
        let held_since = Instant::now();
        tokio::time::sleep(Duration::from_millis(300)).await;
        drop(new);
        stop.store(true, Ordering::Relaxed);
        let ((), cpu) = running.await.expect("the long work");
        assert!(held_since.elapsed() >= Duration::from_millis(300));
        assert!(cpu < LONG, "{cpu:?} of CPU time");
    }

    #[tokio::test]
    async fn a_heavy_client_waits_behind_light_ones_by_its_recent_work_not_for_ever() {
        let turns = Arc::new(Turns::new(1));
        let held = turns.take(0.0, LONG).await.expect("a free turn");
        let (order, mut served) = tokio::sync::mpsc::unbounded_channel();
        let mut waiting = Vec::new();
        // The heavy client's request comes first, with recent work that starts it 200 ms later;
        // a light client's comes 50 ms later and goes before it, another 300 ms later goes
        // after it.
        let heavy = 0.2 / RECENT_WORK_WEIGHT;
        for (name, recent_work, after) in
            [("heavy", heavy, 0), ("light", 0.0, 50), ("late", 0.0, 300)]
        {
            let turns = Arc::clone(&turns);
            let order = order.clone();
            tokio::time::sleep(Duration::from_millis(after)).await;
            waiting.push(tokio::spawn(async move {
                let turn = turns.take(recent_work, LONG).await.expect("a turn");
                order.send(name).expect("the test listens");
                drop(turn);
            }));
        }
        drop(held);
        for task in waiting {
            task.await.expect("the waiter");
        }
        drop(order);
        let mut names = Vec::new();
        while let Some(name) = served.recv().await {
            names.push(name);
        }
        assert_eq!(names, ["light", "heavy", "late"]);
    }
}
