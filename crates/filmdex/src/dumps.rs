//! The IMDb dump files filmdex reads: their names and the header line each must start with.

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

    /// The runner's task name for downloading this file, e.g. `fetch:title.basics`.
    pub fn fetch_task(self) -> String {
        format!("fetch:{}", self.stem())
    }
}

impl fmt::Display for Dump {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.stem())
    }
}

/// The four files the films table is made from (akas is downloaded for users but not read).
pub const PREP_INPUTS: [Dump; 4] = [
    Dump::TitleBasics,
    Dump::TitlePrincipals,
    Dump::NameBasics,
    Dump::TitleRatings,
];
