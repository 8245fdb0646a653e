//! Compressed sparse rows of `(u32 id, f64 weight)`: the one layout behind every index here.

/// Rows of `(id, weight)` pairs stored flat: row `i` is `ids[offsets[i]..offsets[i + 1]]`
/// with the weights alongside. Ids and weights are kept in separate arrays so that the hot
/// loops read 12 bytes per entry instead of a padded 16.
#[derive(Debug, Clone, Default)]
pub(crate) struct SparseRows {
    offsets: Vec<usize>,
    ids: Vec<u32>,
    weights: Vec<f64>,
}

impl SparseRows {
    pub fn new() -> Self {
        SparseRows {
            offsets: vec![0],
            ids: Vec::new(),
            weights: Vec::new(),
        }
    }

    /// Appends an entry to the row under construction.
    pub fn push(&mut self, id: u32, weight: f64) {
        self.ids.push(id);
        self.weights.push(weight);
    }

    /// Closes the row under construction.
    pub fn end_row(&mut self) {
        self.offsets.push(self.ids.len());
    }

    pub fn rows(&self) -> usize {
        self.offsets.len() - 1
    }

    pub fn row(&self, i: usize) -> (&[u32], &[f64]) {
        let range = self.offsets[i]..self.offsets[i + 1];
        (&self.ids[range.clone()], &self.weights[range])
    }

    pub fn row_len(&self, i: usize) -> usize {
        self.offsets[i + 1] - self.offsets[i]
    }

    /// The transpose: row `c` of the result lists `(r, weight)` for every entry `(c, weight)`
    /// of row `r`, with `r` ascending. `columns` must exceed every id.
    pub fn transpose(&self, columns: usize) -> SparseRows {
        let mut offsets = vec![0usize; columns + 1];
        for &id in &self.ids {
            offsets[id as usize + 1] += 1;
        }
        for c in 0..columns {
            offsets[c + 1] += offsets[c];
        }
        let mut next = offsets.clone();
        let mut ids = vec![0u32; self.ids.len()];
        let mut weights = vec![0f64; self.ids.len()];
        for r in 0..self.rows() {
            let (row_ids, row_weights) = self.row(r);
            let r = u32::try_from(r).expect("fewer than 2^32 rows");
            for (&c, &w) in row_ids.iter().zip(row_weights) {
                let slot = &mut next[c as usize];
                ids[*slot] = r;
                weights[*slot] = w;
                *slot += 1;
            }
        }
        SparseRows {
            offsets,
            ids,
            weights,
        }
    }

    /// Bytes held, for the benchmark's memory report.
    pub fn heap_bytes(&self) -> usize {
        self.offsets.capacity() * 8 + self.ids.capacity() * 4 + self.weights.capacity() * 8
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transpose_lists_rows_ascending() {
        let mut rows = SparseRows::new();
        rows.push(2, 1.0);
        rows.push(0, 2.0);
        rows.end_row();
        rows.end_row();
        rows.push(2, 3.0);
        rows.end_row();
        let columns = rows.transpose(3);
        assert_eq!(columns.rows(), 3);
        assert_eq!(columns.row(0), (&[0u32][..], &[2.0][..]));
        assert_eq!(columns.row(1), (&[][..], &[][..]));
        assert_eq!(columns.row(2), (&[0u32, 2][..], &[1.0, 3.0][..]));
    }
}
