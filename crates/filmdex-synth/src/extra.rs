//! Hand-curated real rows (`<stem>.tsv` in a folder) to append to the generated files.
//!
//! They are checked before anything is written: a wrong header or field count (a tab turned
//! into spaces by an editor) fails the run with the file and line, instead of shipping a row
//! that a reader would reject.

use std::fs;
use std::path::Path;

use anyhow::{bail, Context, Result};
use filmdex_dumps::Dump;

use crate::people::{categories_of_professions, ExtraPerson};

/// The extra rows of each file, headers removed; all empty without an extra folder.
#[derive(Default)]
pub(crate) struct Extra {
    rows: [Vec<String>; 5],
}

impl Extra {
    /// Reads `dir`; each of the five files is optional, the folder is not.
    pub(crate) fn load(dir: &Path) -> Result<Extra> {
        if !dir.is_dir() {
            bail!("extra rows folder {} not found", dir.display());
        }
        let mut extra = Extra::default();
        for (slot, dump) in extra.rows.iter_mut().zip(Dump::ALL) {
            let path = dir.join(format!("{}.tsv", dump.stem()));
            if path.exists() {
                *slot = read_rows(&path, dump)?;
            }
        }
        Ok(extra)
    }

    pub(crate) fn rows(&self, dump: Dump) -> &[String] {
        let slot = Dump::ALL
            .iter()
            .position(|&d| d == dump)
            .expect("ALL lists every dump");
        &self.rows[slot]
    }

    /// The people of the extra name.basics rows, for the sample's films to cast.
    pub(crate) fn people(&self) -> Vec<ExtraPerson> {
        self.rows(Dump::NameBasics)
            .iter()
            .map(|row| {
                let fields: Vec<&str> = row.split('\t').collect();
                ExtraPerson {
                    nconst: fields[0].to_string(),
                    categories: categories_of_professions(fields[4]),
                }
            })
            .collect()
    }
}

fn read_rows(path: &Path, dump: Dump) -> Result<Vec<String>> {
    let text = fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    // Tolerate what editors add: a BOM, CRLF line ends, a missing final newline, blank lines.
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let mut lines = text.lines().enumerate();
    let header = lines.next().map(|(_, line)| line).unwrap_or_default();
    if header != dump.header() {
        bail!(
            "{}: header {header:?}, expected {:?}",
            path.display(),
            dump.header()
        );
    }
    let width = dump.columns().len();
    let mut rows = Vec::new();
    for (number, line) in lines.filter(|(_, line)| !line.is_empty()) {
        let fields = line.split('\t').count();
        if fields != width {
            bail!(
                "{}:{}: {fields} fields, expected {width}",
                path.display(),
                number + 1,
            );
        }
        rows.push(line.to_string());
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_read_without_header_bom_or_carriage_returns() {
        let dir = tempfile::tempdir().expect("tempdir");
        let names = format!(
            "\u{feff}{}\r\n\
             nm0000184\tGeorge Lucas\t1944\t\\N\tproducer,writer,director\ttt0076759\r\n\r\n",
            Dump::NameBasics.header()
        );
        fs::write(dir.path().join("name.basics.tsv"), names).expect("write");
        let extra = Extra::load(dir.path()).expect("valid rows");
        assert_eq!(extra.rows(Dump::NameBasics).len(), 1);
        assert!(extra.rows(Dump::NameBasics)[0].ends_with("tt0076759"));
        assert!(extra.rows(Dump::TitleBasics).is_empty());
        assert_eq!(extra.people()[0].nconst, "nm0000184");
    }

    #[test]
    fn a_wrong_field_count_names_the_file_and_line() {
        let dir = tempfile::tempdir().expect("tempdir");
        let ratings = format!(
            "{}\ntt0076759\t8.6\t1500000\ntt0080684 8.7\t1300000\n",
            Dump::TitleRatings.header()
        );
        fs::write(dir.path().join("title.ratings.tsv"), ratings).expect("write");
        let error = Extra::load(dir.path()).err().expect("refused").to_string();
        assert!(
            error.contains("title.ratings.tsv:3: 2 fields, expected 3"),
            "{error}"
        );
    }

    #[test]
    fn a_missing_folder_is_an_error() {
        assert!(Extra::load(Path::new("/nonexistent/filmdex-extra")).is_err());
    }
}
