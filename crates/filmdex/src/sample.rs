//! The sample dumps shipped inside the binary, so `filmdex build --sample` works offline and
//! from any folder. They are made by `filmdex synth --sample-films` (see README).

use crate::dumps::Dump;

/// The gzip bytes of one sample dump.
pub fn embedded(dump: Dump) -> &'static [u8] {
    match dump {
        Dump::TitleBasics => include_bytes!("../../../data/sample/title.basics.tsv.gz"),
        Dump::TitlePrincipals => include_bytes!("../../../data/sample/title.principals.tsv.gz"),
        Dump::NameBasics => include_bytes!("../../../data/sample/name.basics.tsv.gz"),
        Dump::TitleRatings => include_bytes!("../../../data/sample/title.ratings.tsv.gz"),
        Dump::TitleAkas => include_bytes!("../../../data/sample/title.akas.tsv.gz"),
    }
}
