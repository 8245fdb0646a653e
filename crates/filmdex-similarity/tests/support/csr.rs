//! The L2-normalised matrix as CSR arrays in raw little-endian files (`<prefix>.indptr.i64`,
//! `.indices.i32`, `.data.f64`, `.film_ids.i32`), for comparisons with scipy and
//! sparse_dot_topn. Shared by the examples `bench_topk` and `export_taste_matrix`.

use std::fs::File;
use std::io::{BufWriter, Write};

use filmdex_similarity::TfIdfMatrix;

/// The four file names of a CSR export at `prefix`.
pub fn file_names(prefix: &str) -> [String; 4] {
    ["indptr.i64", "indices.i32", "data.f64", "film_ids.i32"].map(|n| format!("{prefix}.{n}"))
}

/// Writes the matrix's rows (films in id order) as CSR; returns the number of stored values.
pub fn write(m: &TfIdfMatrix, prefix: &str) -> std::io::Result<i64> {
    let names = file_names(prefix);
    let open = |name: &str| File::create(name).map(BufWriter::new);
    let (mut indptr, mut indices) = (open(&names[0])?, open(&names[1])?);
    let (mut data, mut film_ids) = (open(&names[2])?, open(&names[3])?);
    let mut nnz: i64 = 0;
    indptr.write_all(&nnz.to_le_bytes())?;
    for i in 0..m.len() {
        for (term, value) in m.normalised_row(i) {
            indices.write_all(&(term as i32).to_le_bytes())?;
            data.write_all(&value.to_le_bytes())?;
            nnz += 1;
        }
        indptr.write_all(&nnz.to_le_bytes())?;
        film_ids.write_all(&m.film_id(i).to_le_bytes())?;
    }
    for file in [&mut indptr, &mut indices, &mut data, &mut film_ids] {
        file.flush()?;
    }
    Ok(nnz)
}
