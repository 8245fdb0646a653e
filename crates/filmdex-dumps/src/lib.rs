//! The IMDb dump format: the five files of IMDb's non-commercial datasets, their names and the
//! header line each starts with.
//!
//! This is the one definition of the format, shared by the pipeline that reads the dumps
//! (`filmdex`, which re-exports it as `filmdex::dumps`) and the generator that writes them
//! (`filmdex-synth`). Each file is a gzipped TSV: the header line, then one row per line,
//! fields separated by tabs, `\N` for null, no quoting (double quotes are data), LF line ends.

use std::fmt;

/// One of the IMDb non-commercial dataset files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Dump {
    TitleBasics,
    TitlePrincipals,
    NameBasics,
    TitleRatings,
    TitleAkas,
}

impl Dump {
    /// Every dump, in the order reports list them: basics, principals, names, ratings, akas.
    pub const ALL: [Dump; 5] = [
        Dump::TitleBasics,
        Dump::TitlePrincipals,
        Dump::NameBasics,
        Dump::TitleRatings,
        Dump::TitleAkas,
    ];

    /// The stem IMDb uses, e.g. `title.basics`.
    pub fn stem(self) -> &'static str {
        match self {
            Dump::TitleBasics => "title.basics",
            Dump::TitlePrincipals => "title.principals",
            Dump::NameBasics => "name.basics",
            Dump::TitleRatings => "title.ratings",
            Dump::TitleAkas => "title.akas",
        }
    }

    /// The name IMDb publishes the file under, e.g. `title.basics.tsv.gz`.
    pub fn file_name(self) -> String {
        format!("{}.tsv.gz", self.stem())
    }

    /// The columns of the header line, in order.
    pub fn columns(self) -> &'static [&'static str] {
        match self {
            Dump::TitleBasics => &[
                "tconst",
                "titleType",
                "primaryTitle",
                "originalTitle",
                "isAdult",
                "startYear",
                "endYear",
                "runtimeMinutes",
                "genres",
            ],
            Dump::TitlePrincipals => &[
                "tconst",
                "ordering",
                "nconst",
                "category",
                "job",
                "characters",
            ],
            Dump::NameBasics => &[
                "nconst",
                "primaryName",
                "birthYear",
                "deathYear",
                "primaryProfession",
                "knownForTitles",
            ],
            Dump::TitleRatings => &["tconst", "averageRating", "numVotes"],
            Dump::TitleAkas => &[
                "titleId",
                "ordering",
                "title",
                "region",
                "language",
                "types",
                "attributes",
                "isOriginalTitle",
            ],
        }
    }

    /// The header line as it appears in the file (without the line end).
    pub fn header(self) -> String {
        self.columns().join("\t")
    }
}

impl fmt::Display for Dump {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.stem())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;
    use std::path::Path;

    /// The hand-curated rows in `data/franchises` were copied from the real dumps with their
    /// headers, so they check this definition against IMDb's files (akas included).
    #[test]
    fn headers_match_the_real_rows_in_data_franchises() {
        let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/franchises");
        for dump in Dump::ALL {
            let path = folder.join(format!("{}.tsv", dump.stem()));
            let text = fs::read_to_string(&path).expect("data/franchises has every dump");
            assert_eq!(text.lines().next(), Some(dump.header().as_str()), "{dump}");
        }
    }

    #[test]
    fn names_follow_the_stem() {
        assert_eq!(Dump::TitleRatings.file_name(), "title.ratings.tsv.gz");
        assert_eq!(Dump::NameBasics.to_string(), "name.basics");
    }
}
