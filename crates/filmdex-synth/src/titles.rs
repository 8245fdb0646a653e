//! title.basics and title.ratings rows.

use anyhow::Result;

use crate::genres::Genre;
use crate::output::{push_id, push_number, push_optional, Rows};
use crate::plan::{Plan, TitleCore};
use crate::text::title_texts;

pub(crate) fn write_basics(plan: &Plan, rows: &mut Rows) -> Result<()> {
    let (mut primary, mut original) = (Vec::new(), Vec::new());
    for index in 0..plan.titles {
        let core = TitleCore::generate(plan, index);
        title_texts(plan, &core, &mut primary, &mut original);
        let line = &mut rows.chunk;
        push_id(line, b"tt", index);
        line.push(b'\t');
        line.extend_from_slice(core.kind().name().as_bytes());
        line.push(b'\t');
        line.extend_from_slice(&primary);
        line.push(b'\t');
        line.extend_from_slice(&original);
        // isAdult follows the Adult genre, as it does in practice.
        let adult = core.genres.contains(Genre::Adult);
        line.extend_from_slice(if adult { b"\t1\t" } else { b"\t0\t" });
        push_optional(line, core.start_year);
        line.push(b'\t');
        push_optional(line, core.end_year);
        line.push(b'\t');
        push_optional(line, core.runtime);
        line.push(b'\t');
        core.genres.write(line);
        rows.end_row()?;
    }
    Ok(())
}

/// Ratings of the rated titles, in tconst order like the real file.
pub(crate) fn write_ratings(plan: &Plan, rows: &mut Rows) -> Result<()> {
    for index in 0..plan.titles {
        let Some(rating) = TitleCore::generate(plan, index).rating else {
            continue;
        };
        let line = &mut rows.chunk;
        push_id(line, b"tt", index);
        line.push(b'\t');
        // One decimal always, "6.0" not "6", as IMDb writes it.
        push_number(line, rating.tenths / 10);
        line.push(b'.');
        push_number(line, rating.tenths % 10);
        line.push(b'\t');
        push_number(line, rating.votes);
        rows.end_row()?;
    }
    Ok(())
}
