//! The five dump files: their names, headers, and which module writes each.

use std::path::Path;

use anyhow::Result;

use crate::extra::Extra;
use crate::output::{self, Rows};
use crate::plan::Plan;
use crate::{akas, names, principals, titles};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum DumpFile {
    Basics,
    Principals,
    Names,
    Ratings,
    Akas,
}

impl DumpFile {
    /// In report order; `write_dumps` starts the largest first.
    pub(crate) const ALL: [DumpFile; 5] = [
        DumpFile::Basics,
        DumpFile::Principals,
        DumpFile::Names,
        DumpFile::Ratings,
        DumpFile::Akas,
    ];

    /// The name without extension: `title.basics`.
    pub(crate) fn stem(self) -> &'static str {
        match self {
            DumpFile::Basics => "title.basics",
            DumpFile::Principals => "title.principals",
            DumpFile::Names => "name.basics",
            DumpFile::Ratings => "title.ratings",
            DumpFile::Akas => "title.akas",
        }
    }

    pub(crate) fn file_name(self) -> String {
        format!("{}.tsv.gz", self.stem())
    }

    pub(crate) fn header(self) -> &'static str {
        match self {
            DumpFile::Basics => "tconst\ttitleType\tprimaryTitle\toriginalTitle\tisAdult\tstartYear\tendYear\truntimeMinutes\tgenres",
            DumpFile::Principals => "tconst\tordering\tnconst\tcategory\tjob\tcharacters",
            DumpFile::Names => "nconst\tprimaryName\tbirthYear\tdeathYear\tprimaryProfession\tknownForTitles",
            DumpFile::Ratings => "tconst\taverageRating\tnumVotes",
            DumpFile::Akas => "titleId\tordering\ttitle\tregion\tlanguage\ttypes\tattributes\tisOriginalTitle",
        }
    }

    pub(crate) fn fields(self) -> usize {
        self.header().split('\t').count()
    }

    /// Writes the generated rows then the extra rows into `dir`; returns the row count.
    pub(crate) fn write(self, plan: &Plan, extra: &Extra, dir: &Path) -> Result<u64> {
        output::write_gz(&dir.join(self.file_name()), self.header(), |rows| {
            match self {
                DumpFile::Basics => titles::write_basics(plan, rows)?,
                DumpFile::Principals => principals::write(plan, rows)?,
                DumpFile::Names => names::write(plan, rows)?,
                DumpFile::Ratings => titles::write_ratings(plan, rows)?,
                DumpFile::Akas => akas::write(plan, rows)?,
            }
            append_extra(extra.rows(self), rows)
        })
    }
}

fn append_extra(lines: &[String], rows: &mut Rows) -> Result<()> {
    for line in lines {
        rows.chunk.extend_from_slice(line.as_bytes());
        rows.end_row()?;
    }
    Ok(())
}
