//! The films in memory and the indexes built over them once per load. Search reads a
//! [`FilmTable`]; nothing here knows about HTTP, the similarity matrix or the snapshot.

mod film;
mod numbers;
mod row_set;
mod sort;
mod table;
mod text;
mod titles;

pub use film::{packed_date, Film};
pub use numbers::WholeBounds;
pub use row_set::RowSet;
pub use sort::{Sort, SortKey};
pub use table::FilmTable;
#[cfg(test)]
pub use text::Haystack;
pub use text::TextField;
pub use titles::{text_index, AltTitle};
