//! Spreading base profiles over the threads: one worker per thread, each taking the next
//! profile from a shared counter until none is left.
//!
//! Why not `into_par_iter().for_each_init`: rayon splits an indexed iterator into ranges and
//! runs each leaf range on one thread without splitting it again. With the profiles sorted
//! largest first, the leaf holding the biggest ones keeps one thread busy long after the
//! other, its own ranges done, has nothing left to steal. Forcing one-item leaves would call
//! the worker's set-up (a copy of the film slots) once per profile. A shared counter over the
//! largest-first order is the classic longest-processing-time schedule: a thread that
//! finishes early takes the next profile, so the threads end within about the time of the
//! smallest profiles.

use std::sync::atomic::{AtomicUsize, Ordering};

/// Calls `work(worker, item)` once for each of `items`, in parallel on the current rayon pool,
/// taking them in the given order (put the longest first). Each thread that takes part builds
/// one worker with `new_worker`, and only if some item is left when it starts.
pub(crate) fn for_each_in_order<W>(
    items: &[usize],
    new_worker: impl Fn() -> W + Sync,
    work: impl Fn(&mut W, usize) + Sync,
) {
    let next = AtomicUsize::new(0);
    let take_until_done = || {
        if next.load(Ordering::Relaxed) >= items.len() {
            return;
        }
        let mut worker = new_worker();
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(&item) = items.get(i) else {
                return;
            };
            work(&mut worker, item);
        }
    };
    rayon::scope(|scope| {
        for _ in 1..rayon::current_num_threads() {
            scope.spawn(|_| take_until_done());
        }
        // The calling thread takes part too, so one thread (or a busy pool) still finishes.
        take_until_done();
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[test]
    fn every_item_is_worked_on_once() {
        let items: Vec<usize> = (0..1000).rev().collect();
        let seen = Mutex::new(Vec::new());
        for_each_in_order(&items, Vec::new, |mine: &mut Vec<usize>, item| {
            mine.push(item);
            seen.lock().expect("no test thread panics").push(item);
        });
        let mut seen = seen.into_inner().expect("no test thread panics");
        seen.sort_unstable();
        assert_eq!(seen, (0..1000).collect::<Vec<_>>());
    }

    #[test]
    fn a_slow_first_item_does_not_hold_back_the_rest() {
        // Two threads: while one works on the slow item, the other takes every other item.
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .expect("a pool of two threads");
        let items: Vec<usize> = (0..200).collect();
        let thread_of = Mutex::new(vec![usize::MAX; items.len()]);
        pool.install(|| {
            for_each_in_order(
                &items,
                || (),
                |_, item| {
                    if item == 0 {
                        std::thread::sleep(std::time::Duration::from_millis(300));
                    }
                    thread_of.lock().expect("no test thread panics")[item] =
                        rayon::current_thread_index().expect("runs in the pool");
                },
            )
        });
        let thread_of = thread_of.into_inner().expect("no test thread panics");
        let slow = thread_of[0];
        assert!(
            thread_of[1..].iter().all(|&t| t != slow),
            "items waited behind the slow one: {thread_of:?}"
        );
    }

    #[test]
    fn no_items_builds_no_worker() {
        let built = AtomicUsize::new(0);
        for_each_in_order(
            &[],
            || {
                built.fetch_add(1, Ordering::Relaxed);
            },
            |_, _| unreachable!("no items"),
        );
        assert_eq!(built.load(Ordering::Relaxed), 0);
    }
}
