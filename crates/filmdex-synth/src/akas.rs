//! title.akas rows: the original title first, then regional titles.

use anyhow::Result;

use crate::output::{push_id, push_number, Rows, NULL};
use crate::plan::{Plan, TitleCore};
use crate::rng::{Rng, Stream};
use crate::text;
use crate::vocab::REGIONS;

/// `types` values; several are joined by the byte 0x02 in the real file, not by a comma.
const TYPES: &[(&str, u32)] = &[
    ("\\N", 50),
    ("imdbDisplay", 40),
    ("alternative", 5),
    ("working", 3),
    ("alternative\u{2}working", 1),
    ("festival", 1),
];

const ATTRIBUTES: &[(&str, u32)] = &[
    ("\\N", 92),
    ("literal English title", 2),
    ("alternative spelling", 2),
    ("short title", 2),
    ("new title\u{2}reissue title", 1),
    ("literal title", 1),
];

pub(crate) fn write(plan: &Plan, rows: &mut Rows) -> Result<()> {
    let (mut primary, mut original) = (Vec::new(), Vec::new());
    for index in 0..plan.titles {
        let core = TitleCore::generate(plan, index);
        if core.akas == 0 {
            continue;
        }
        text::title_texts(plan, &core, &mut primary, &mut original);
        let mut rng = Rng::for_item(plan.seed, Stream::Akas, index);
        for ordering in 1..=core.akas {
            let line = &mut rows.chunk;
            push_id(line, b"tt", index);
            line.push(b'\t');
            push_number(line, ordering);
            line.push(b'\t');
            if ordering == 1 {
                line.extend_from_slice(&original);
                line.extend_from_slice(b"\t\\N\t\\N\toriginal\t\\N\t1");
            } else {
                regional(plan, &primary, &mut rng, line);
            }
            rows.end_row()?;
        }
    }
    Ok(())
}

/// title, region, language, types, attributes and isOriginalTitle of a regional release.
fn regional(plan: &Plan, primary: &[u8], rng: &mut Rng, out: &mut Vec<u8>) {
    if rng.chance(0.6) {
        out.extend_from_slice(primary);
    } else {
        let words = rng.between(1, 3);
        text::foreign_words(plan, rng, words, out);
    }
    let (region, language) = rng.weighted(REGIONS);
    out.push(b'\t');
    out.extend_from_slice(region.as_bytes());
    out.push(b'\t');
    if rng.chance(0.15) {
        out.extend_from_slice(language.as_bytes());
    } else {
        out.extend_from_slice(NULL);
    }
    out.push(b'\t');
    out.extend_from_slice(rng.weighted(TYPES).as_bytes());
    out.push(b'\t');
    out.extend_from_slice(rng.weighted(ATTRIBUTES).as_bytes());
    out.extend_from_slice(b"\t0");
}
