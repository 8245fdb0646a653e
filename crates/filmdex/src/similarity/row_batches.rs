//! Hands the kernel's rows to the writer thread in batches of many films.
//!
//! The kernel calls its sink once per film from its worker threads. Sending each film's row
//! on its own (a `Vec` allocated per film, freed on the writer's thread, a channel wake-up per
//! film) cost the 40k-film run about 130 ms of its ~475 ms. So each thread gathers rows in its
//! own batch (a lock nobody else takes while the kernel runs) and sends the batch when it holds
//! `BATCH_ROWS` rows; `finish` sends what is left.

use std::sync::mpsc::SyncSender;
use std::sync::Mutex;

use filmdex_similarity::Neighbour;

/// Rows a batch holds before it goes to the writer (about 1.5 MB).
const BATCH_ROWS: usize = 100_000;

/// Rows of several films, each film's in neighbour order.
#[derive(Default)]
pub struct RowBatch {
    /// (film_id, end of its row in `neighbours`).
    films: Vec<(i32, usize)>,
    neighbours: Vec<Neighbour>,
}

impl RowBatch {
    pub(super) fn push(&mut self, film_id: i32, row: &[Neighbour]) {
        self.neighbours.extend_from_slice(row);
        self.films.push((film_id, self.neighbours.len()));
    }

    /// How many rows (neighbours) the batch holds, over all its films.
    pub fn row_count(&self) -> usize {
        self.neighbours.len()
    }

    /// Each film with its row, in the order they were pushed.
    pub fn rows(&self) -> impl Iterator<Item = (i32, &[Neighbour])> {
        let starts = std::iter::once(0).chain(self.films.iter().map(|&(_, end)| end));
        (self.films.iter().zip(starts))
            .map(|(&(film_id, end), start)| (film_id, &self.neighbours[start..end]))
    }
}

/// One batch per thread of the current rayon pool, plus one for calls from outside it.
pub struct RowBatches {
    batches: Vec<Mutex<RowBatch>>,
    sender: SyncSender<RowBatch>,
}

impl RowBatches {
    pub fn new(sender: SyncSender<RowBatch>) -> Self {
        let batches = (0..=rayon::current_num_threads())
            .map(|_| Mutex::default())
            .collect();
        RowBatches { batches, sender }
    }

    /// The kernel's sink: adds one film's row to this thread's batch, sending it when full.
    pub fn push(&self, film_id: i32, row: &[Neighbour]) {
        let outside = self.batches.len() - 1;
        let mine = rayon::current_thread_index().map_or(outside, |i| i.min(outside));
        let mut batch = self.batches[mine].lock().unwrap_or_else(|e| e.into_inner());
        batch.push(film_id, row);
        if batch.neighbours.len() >= BATCH_ROWS {
            // A send fails only when the writer stopped on an error, which it reports.
            let _ = self.sender.send(std::mem::take(&mut *batch));
        }
    }

    /// Sends every batch still holding films; dropping the sender then ends the writer.
    pub fn finish(self) {
        for batch in self.batches {
            let batch = batch.into_inner().unwrap_or_else(|e| e.into_inner());
            if !batch.films.is_empty() {
                let _ = self.sender.send(batch);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;

    fn row(similarities: &[f64]) -> Vec<Neighbour> {
        (similarities.iter().enumerate())
            .map(|(i, &similarity)| Neighbour {
                film_id: i as i32,
                similarity,
            })
            .collect()
    }

    #[test]
    fn every_row_reaches_the_writer_whole_and_once() {
        let (sender, receiver) = mpsc::sync_channel(4);
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .expect("a pool");
        let writer = std::thread::spawn(move || {
            let mut got: Vec<(i32, Vec<Neighbour>)> = Vec::new();
            for batch in receiver {
                let batch: RowBatch = batch;
                got.extend(batch.rows().map(|(film, row)| (film, row.to_vec())));
            }
            got.sort_by_key(|(film, _)| *film);
            got
        });
        let batches = RowBatches::new(sender);
        // Long rows fill batches while films are still coming; an empty row still counts.
        pool.install(|| {
            use rayon::prelude::*;
            (0..3_000).into_par_iter().for_each(|film: i32| {
                let length = (film as usize * 37) % 90;
                batches.push(film, &row(&vec![0.5; length]));
            })
        });
        batches.push(-1, &row(&[0.9, 0.1]));
        batches.finish();
        let got = writer.join().expect("the writer ends");
        assert_eq!(got.len(), 3_001);
        assert_eq!(got[0], (-1, row(&[0.9, 0.1])));
        for (film, neighbours) in &got[1..] {
            assert_eq!(neighbours, &row(&vec![0.5; (*film as usize * 37) % 90]));
        }
    }
}
