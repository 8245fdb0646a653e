//! name.basics rows: one per generated person, their profession following their pool.

use anyhow::Result;

use crate::output::{push_id, push_optional, Rows, NULL};
use crate::people::Category;
use crate::plan::Plan;
use crate::rng::{ln, Rng, Stream};
use crate::text;

/// Other professions people list after their main one.
const SECONDARY: &[&str] = &[
    "writer",
    "producer",
    "director",
    "actor",
    "soundtrack",
    "miscellaneous",
    "editor",
];

pub(crate) fn write(plan: &Plan, rows: &mut Rows) -> Result<()> {
    for index in 0..plan.names {
        let mut rng = Rng::for_item(plan.seed, Stream::Name, index);
        let pool = plan.people.pool_of(index);
        let line = &mut rows.chunk;
        push_id(line, b"nm", index);
        line.push(b'\t');
        let female = match pool {
            Category::Actress => true,
            Category::Actor => false,
            _ => rng.chance(0.4),
        };
        text::person_name(plan, female, &mut rng, line);
        line.push(b'\t');
        let (birth, death) = years(&mut rng);
        push_optional(line, birth);
        line.push(b'\t');
        push_optional(line, death);
        line.push(b'\t');
        professions(pool, &mut rng, line);
        line.push(b'\t');
        known_for(plan, &mut rng, line);
        rows.end_row()?;
    }
    Ok(())
}

/// Most people have no birth year; the old ones have mostly died.
fn years(rng: &mut Rng) -> (Option<u64>, Option<u64>) {
    if !rng.chance(0.35) {
        return (None, None);
    }
    let age = 20.0 - ln(1.0 - rng.unit()) * 30.0;
    let birth = 2025u64.saturating_sub(age as u64).max(1850);
    let dead = if birth < 1945 { 0.7 } else { 0.03 };
    let death = rng
        .chance(dead)
        .then(|| birth + rng.between(30, 95))
        .filter(|&death| death <= 2025);
    (Some(birth), death)
}

/// The main profession from the pool, then sometimes others. People seen only as themselves
/// often have none, written as an empty string or `\N` (both occur in the real file).
fn professions(pool: Category, rng: &mut Rng, out: &mut Vec<u8>) {
    let main = match pool {
        Category::Myself => rng.weighted(&[
            ("", 35),
            ("\\N", 20),
            ("miscellaneous", 15),
            ("actor", 10),
            ("actress", 8),
            ("music_artist", 7),
            ("producer", 5),
        ]),
        Category::Composer => *rng.choose(&["composer", "soundtrack", "music_department"]),
        Category::Cinematographer => *rng.choose(&["cinematographer", "camera_department"]),
        Category::Editor => *rng.choose(&["editor", "editorial_department"]),
        Category::ProductionDesigner => *rng.choose(&["production_designer", "art_department"]),
        Category::CastingDirector => *rng.choose(&["casting_director", "casting_department"]),
        other => other.name(),
    };
    if main.is_empty() || main == "\\N" || rng.chance(0.01) {
        out.extend_from_slice(if main == "\\N" { NULL } else { b"" });
        return;
    }
    out.extend_from_slice(main.as_bytes());
    let mut listed = [main, "", ""];
    for slot in 1..=rng.weighted(&[(0usize, 65), (1, 25), (2, 10)]) {
        let other = *rng.choose(SECONDARY);
        if !listed.contains(&other) {
            out.push(b',');
            out.extend_from_slice(other.as_bytes());
            listed[slot] = other;
        }
    }
}

/// Up to four tconsts of generated titles, or `\N`. They are random titles, not necessarily
/// ones the person appears in: filmdex does not read this column.
fn known_for(plan: &Plan, rng: &mut Rng, out: &mut Vec<u8>) {
    if plan.titles == 0 || rng.chance(0.25) {
        out.extend_from_slice(NULL);
        return;
    }
    for position in 0..rng.between(1, 4) {
        if position > 0 {
            out.push(b',');
        }
        push_id(out, b"tt", rng.below(plan.titles));
    }
}
