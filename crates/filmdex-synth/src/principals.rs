//! title.principals rows: the cast first, then the director and the rest of the crew, billed
//! 1..n as in the real file.

use anyhow::Result;

use crate::genres::Genre;
use crate::output::{push_id, push_number, Rows, NULL};
use crate::people::{Category, PersonRef};
use crate::plan::{Plan, TitleCore};
use crate::rng::{Rng, Stream};
use crate::text;

/// Genres whose cast appear as themselves.
const FACTUAL: [Genre; 5] = [
    Genre::Documentary,
    Genre::TalkShow,
    Genre::RealityTv,
    Genre::News,
    Genre::GameShow,
];

/// The crew after the director, by how often each category appears.
const CREW: &[(Category, u32)] = &[
    (Category::Writer, 30),
    (Category::Producer, 25),
    (Category::Composer, 12),
    (Category::Cinematographer, 10),
    (Category::Editor, 10),
    (Category::CastingDirector, 5),
    (Category::ProductionDesigner, 4),
    (Category::ArchiveFootage, 2),
];

pub(crate) fn write(plan: &Plan, rows: &mut Rows) -> Result<()> {
    let mut billing = Vec::with_capacity(16);
    let mut chosen = Vec::with_capacity(16);
    for index in 0..plan.titles {
        let core = TitleCore::generate(plan, index);
        let mut rng = Rng::for_item(plan.seed, Stream::Principals, index);
        categories(&core, &mut rng, &mut billing);
        chosen.clear();
        for (ordering, &category) in (1..).zip(&billing) {
            let person = pick_distinct(plan, category, &chosen, &mut rng);
            chosen.push(person);
            let line = &mut rows.chunk;
            push_id(line, b"tt", index);
            line.push(b'\t');
            push_number(line, ordering);
            line.push(b'\t');
            match person {
                PersonRef::Generated(person) => push_id(line, b"nm", person),
                PersonRef::Extra(extra) => {
                    line.extend_from_slice(plan.people.extra_nconst(extra).as_bytes())
                }
            }
            line.push(b'\t');
            line.extend_from_slice(category.name().as_bytes());
            line.push(b'\t');
            job(plan, category, &mut rng, line);
            line.push(b'\t');
            characters(plan, category, &mut rng, line);
            rows.end_row()?;
        }
    }
    Ok(())
}

/// The billing of a title: its cast share of actors, actresses or selves, a director, crew.
fn categories(core: &TitleCore, rng: &mut Rng, out: &mut Vec<Category>) {
    out.clear();
    let count = core.principals;
    if count == 0 {
        return;
    }
    let factual = FACTUAL.iter().any(|&genre| core.genres.contains(genre));
    let cast = (count as f64 * core.profile.cast_share).round() as u64;
    let cast = cast.clamp(1, count.saturating_sub(1).max(1));
    for _ in 0..cast {
        let category = if factual && rng.chance(0.85) {
            Category::Myself
        } else if rng.chance(0.58) {
            Category::Actor
        } else {
            Category::Actress
        };
        out.push(category);
    }
    if count > cast {
        out.push(Category::Director);
    }
    while (out.len() as u64) < count {
        out.push(rng.weighted(CREW));
    }
}

/// A person not yet billed on this title, after a few tries (a tiny pool may not have one).
fn pick_distinct(
    plan: &Plan,
    category: Category,
    chosen: &[PersonRef],
    rng: &mut Rng,
) -> PersonRef {
    let mut person = plan.people.pick(category, rng);
    for _ in 0..4 {
        if !chosen.contains(&person) {
            break;
        }
        person = plan.people.pick(category, rng);
    }
    person
}

fn job(plan: &Plan, category: Category, rng: &mut Rng, out: &mut Vec<u8>) {
    let job = match category {
        Category::Writer => rng.weighted(&[
            ("", 40),
            ("screenplay", 20),
            ("story", 10),
            ("written by", 10),
            ("novel", 8),
            ("characters", 5),
            ("teleplay", 4),
            ("based on the novel", 3),
        ]),
        Category::Producer => rng.weighted(&[
            ("producer", 60),
            ("executive producer", 25),
            ("co-producer", 8),
            ("line producer", 4),
            ("", 3),
        ]),
        Category::Cinematographer => rng.weighted(&[("director of photography", 3), ("", 7)]),
        Category::Director => rng.weighted(&[("co-director", 1), ("", 19)]),
        _ => "",
    };
    if job.is_empty() {
        out.extend_from_slice(NULL);
        return;
    }
    out.extend_from_slice(job.as_bytes());
    if job == "based on the novel" {
        // Quotes are data in IMDb files: `based on the novel "Night Train"`.
        out.extend_from_slice(b" \"");
        text::foreign_words(plan, rng, 2, out);
        out.push(b'"');
    }
}

fn characters(plan: &Plan, category: Category, rng: &mut Rng, out: &mut Vec<u8>) {
    match category {
        Category::Actor | Category::Actress | Category::ArchiveFootage if rng.chance(0.9) => {
            text::characters(plan, category == Category::Actress, rng, out)
        }
        Category::Myself => {
            let role = rng.weighted(&[
                ("[\"Self\"]", 70),
                ("[\"Self - Host\"]", 15),
                ("[\"Self - Guest\"]", 10),
                ("\\N", 5),
            ]);
            out.extend_from_slice(role.as_bytes());
        }
        _ => out.extend_from_slice(NULL),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extra::Extra;
    use crate::{Shape, SynthParams};

    #[test]
    fn billing_is_cast_then_a_director_then_crew() {
        let params = SynthParams {
            shape: Shape::Sample { films: 50 },
            seed: 9,
        };
        let plan = Plan::new(&params, &Extra::default()).expect("valid plan");
        let mut billing = Vec::new();
        for index in 0..50 {
            let core = TitleCore::generate(&plan, index);
            let mut rng = Rng::for_item(1, Stream::Principals, index);
            categories(&core, &mut rng, &mut billing);
            assert_eq!(billing.len() as u64, core.principals);
            let director = billing
                .iter()
                .position(|&c| c == Category::Director)
                .expect("a director");
            assert!(billing[..director]
                .iter()
                .all(|c| matches!(c, Category::Actor | Category::Actress | Category::Myself)));
        }
    }
}
