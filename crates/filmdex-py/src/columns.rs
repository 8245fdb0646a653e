//! Reading the flat column buffers the Python wrapper hands over: little-endian integers,
//! Arrow-style string columns (UTF-8 bytes plus offsets) and list columns (offsets into a
//! string column). Every length and offset is checked, so a malformed buffer is an error,
//! never a panic. Tested from Python (`python/tests`): a test binary cannot link an extension
//! module.

use pyo3::exceptions::PyValueError;
use pyo3::PyResult;

fn error(column: &str, why: impl std::fmt::Display) -> pyo3::PyErr {
    PyValueError::new_err(format!("column {column}: {why}"))
}

/// Little-endian i32s.
pub fn i32s(bytes: &[u8], column: &str) -> PyResult<Vec<i32>> {
    if !bytes.len().is_multiple_of(4) {
        return Err(error(column, "buffer length is not a multiple of 4"));
    }
    Ok(bytes
        .chunks_exact(4)
        .map(|b| i32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect())
}

/// Little-endian i64 offsets: `count + 1` of them, never decreasing, none negative.
fn offsets(bytes: &[u8], count: usize, column: &str) -> PyResult<Vec<usize>> {
    if bytes.len() != 8 * (count + 1) {
        return Err(error(
            column,
            format!("{} offset bytes for {count} items", bytes.len()),
        ));
    }
    let values: Vec<i64> = bytes
        .chunks_exact(8)
        .map(|b| i64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]))
        .collect();
    if values.first().is_some_and(|&v| v < 0) || values.windows(2).any(|w| w[1] < w[0]) {
        return Err(error(column, "offsets are negative or decreasing"));
    }
    Ok(values.into_iter().map(|v| v as usize).collect())
}

/// A column of strings: item `i` is `data[offsets[i]..offsets[i + 1]]`.
pub struct StringColumn<'a> {
    column: &'a str,
    data: &'a [u8],
    offsets: Vec<usize>,
}

impl<'a> StringColumn<'a> {
    pub fn new(column: &'a str, data: &'a [u8], offsets: &[u8], count: usize) -> PyResult<Self> {
        let offsets = self::offsets(offsets, count, column)?;
        if offsets.last().is_some_and(|&end| end > data.len()) {
            return Err(error(column, "offsets run past the data"));
        }
        Ok(StringColumn {
            column,
            data,
            offsets,
        })
    }

    pub fn len(&self) -> usize {
        self.offsets.len() - 1
    }

    pub fn get(&self, i: usize) -> PyResult<&'a str> {
        let bytes = &self.data[self.offsets[i]..self.offsets[i + 1]];
        std::str::from_utf8(bytes).map_err(|e| error(self.column, e))
    }
}

/// A column of string lists: film `i`'s items are `items[offsets[i]..offsets[i + 1]]`.
pub struct ListColumn<'a> {
    offsets: Vec<usize>,
    items: StringColumn<'a>,
}

impl<'a> ListColumn<'a> {
    /// `parts` is (list offsets, item bytes, item offsets).
    pub fn new(column: &'a str, parts: (&[u8], &'a [u8], &[u8]), films: usize) -> PyResult<Self> {
        let (list_offsets, data, item_offsets) = parts;
        let offsets = offsets(list_offsets, films, column)?;
        let item_count = item_offsets.len().saturating_sub(8) / 8;
        let items = StringColumn::new(column, data, item_offsets, item_count)?;
        if offsets.last().is_some_and(|&end| end > items.len()) {
            return Err(error(column, "list offsets run past the items"));
        }
        Ok(ListColumn { offsets, items })
    }

    pub fn items(&self, i: usize) -> PyResult<Vec<&'a str>> {
        (self.offsets[i]..self.offsets[i + 1])
            .map(|j| self.items.get(j))
            .collect()
    }
}
