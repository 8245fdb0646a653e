//! What to generate: counts and mixes resolved from the parameters, and each title's facts.
//!
//! A title's facts (`TitleCore`) come from its own random stream, so the basics, ratings,
//! principals and akas writers each recompute them for the titles they need instead of sharing
//! a table of 12 million titles between threads.

use anyhow::{bail, Result};

use crate::extra::Extra;
use crate::genres::GenreSet;
use crate::people::{People, Popularity, POOL_CYCLE};
use crate::profiles::{self, Kind, Profile};
use crate::rng::{exp, ln, Rng, Stream, Zipf};
use crate::{Shape, SynthParams};

/// Real dumps at scale 1.0, in rows.
const DUMP_TITLES: f64 = 12_300_000.0;
const DUMP_NAMES: f64 = 15_000_000.0;

/// Ids are `tt9`/`nm9` and at least seven digits; past 99,999,999 the number after `tt` would
/// no longer fit the films table's INTEGER film_id.
const MAX_ITEMS: u64 = 99_999_999;

/// The year that ages count back from: fixed, so the output does not depend on the clock.
const THIS_YEAR: u64 = 2025;

pub(crate) struct Plan {
    pub(crate) seed: u64,
    pub(crate) titles: u64,
    pub(crate) names: u64,
    mix: Mix,
    pub(crate) people: People,
    pub(crate) title_words: Zipf,
    pub(crate) foreign_words: Zipf,
    pub(crate) surnames: Zipf,
}

/// How a title's type is chosen.
enum Mix {
    /// By the real dump's shares.
    Dumps,
    /// Titles 0..films are movies, the rest episodes.
    Sample { films: u64 },
}

impl Plan {
    pub(crate) fn new(params: &SynthParams, extra: &Extra) -> Result<Plan> {
        let Counts {
            titles,
            names,
            mix,
            popularity,
            extra_share,
        } = Counts::of(params.shape)?;
        if titles > MAX_ITEMS || names > MAX_ITEMS {
            bail!("{titles} titles and {names} names: at most {MAX_ITEMS} of each fit the ids");
        }
        // Every person pool needs at least one member.
        let names = names.max(People::MIN_NAMES);
        Ok(Plan {
            seed: params.seed,
            titles,
            names,
            mix,
            people: People::new(names, popularity, extra.people(), extra_share),
            title_words: Zipf::new(20_000, 2.0),
            foreign_words: Zipf::new(crate::vocab::FOREIGN_WORDS.len() as u64, 3.0),
            surnames: Zipf::new(8_000, 4.0),
        })
    }

    fn profile(&self, index: u64, rng: &mut Rng) -> &'static Profile {
        match self.mix {
            Mix::Dumps => rng.weighted(profiles::DUMP_MIX),
            Mix::Sample { films } if index < films => &profiles::SAMPLE_MOVIE,
            Mix::Sample { .. } => &profiles::SAMPLE_EPISODE,
        }
    }
}

/// The sizes and mixes that a shape stands for.
struct Counts {
    titles: u64,
    names: u64,
    mix: Mix,
    popularity: Popularity,
    /// Share of principal slots given to people of the extra rows.
    extra_share: f64,
}

impl Counts {
    fn of(shape: Shape) -> Result<Counts> {
        match shape {
            Shape::Dumps { scale } => {
                if !(scale.is_finite() && scale > 0.0) {
                    bail!("scale must be a positive number, not {scale}");
                }
                // An offset of 1e-4 of each pool's size at scale 1.0, kept at other scales:
                // the busiest people have about ten thousand principal rows at 1.0 and about
                // a hundred at 0.01.
                let per_residue = DUMP_NAMES / POOL_CYCLE as f64 * 1e-4;
                Ok(Counts {
                    titles: ((DUMP_TITLES * scale).round() as u64).max(1),
                    names: (DUMP_NAMES * scale).round() as u64,
                    mix: Mix::Dumps,
                    popularity: Popularity::PerResidue(per_residue),
                    extra_share: 0.0,
                })
            }
            Shape::Sample { films } => {
                let films = films as u64;
                Ok(Counts {
                    // One episode per 25 films, enough to show that the type filter works.
                    titles: films.saturating_add(films / 25),
                    names: films.saturating_mul(2),
                    mix: Mix::Sample { films },
                    // Regulars recur across the films, whatever the sample's size.
                    popularity: Popularity::Relative(0.1),
                    extra_share: 0.2,
                })
            }
        }
    }
}

/// A title.ratings row.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Rating {
    /// averageRating times ten: 10..=100.
    pub(crate) tenths: u64,
    pub(crate) votes: u64,
}

/// Everything about a title except its text.
pub(crate) struct TitleCore {
    pub(crate) index: u64,
    pub(crate) profile: &'static Profile,
    pub(crate) rating: Option<Rating>,
    pub(crate) start_year: Option<u64>,
    pub(crate) end_year: Option<u64>,
    pub(crate) runtime: Option<u64>,
    pub(crate) genres: GenreSet,
    pub(crate) principals: u64,
    pub(crate) akas: u64,
    pub(crate) original_differs: bool,
}

impl TitleCore {
    pub(crate) fn generate(plan: &Plan, index: u64) -> TitleCore {
        let mut rng = Rng::for_item(plan.seed, Stream::Title, index);
        let profile = plan.profile(index, &mut rng);
        let rating = rng
            .chance(profile.rated)
            .then(|| draw_rating(profile, &mut rng));
        let tier = match rating {
            None => 0,
            Some(rating) if rating.votes < 500 => 1,
            Some(_) => 2,
        };
        let start_year = (!rng.chance(profile.missing_year[tier])).then(|| {
            let age = -ln(1.0 - rng.unit()) * profile.mean_age;
            THIS_YEAR.saturating_sub(age as u64).max(1894)
        });
        let end_year = draw_end_year(profile.kind, start_year, &mut rng);
        let runtime = (!rng.chance(profile.missing_runtime[tier])).then(|| {
            let (mean, sd, min, max) = profile.runtime;
            let minutes = (mean + sd * rng.normal()).round();
            (minutes.max(0.0) as u64).clamp(u64::from(min), u64::from(max))
        });
        let genres = if rng.chance(profile.missing_genres[tier]) {
            GenreSet::default()
        } else {
            profile.genres.draw(&mut rng)
        };
        TitleCore {
            index,
            profile,
            rating,
            start_year,
            end_year,
            runtime,
            genres,
            principals: rng.between(profile.principals.0, profile.principals.1),
            akas: rng.between(profile.akas.0, profile.akas.1),
            original_differs: rng.chance(profile.original_differs),
        }
    }

    pub(crate) fn kind(&self) -> Kind {
        self.profile.kind
    }
}

/// Log-normal votes (at least 5, as IMDb requires) and a normal rating that leans a little
/// towards popular titles, as real ratings do.
fn draw_rating(profile: &Profile, rng: &mut Rng) -> Rating {
    let popularity = rng.normal();
    let votes = exp(ln(profile.votes_median) + profile.votes_sigma * popularity).round();
    let mean = profile.rating_mean + 0.1 * popularity;
    let rating = mean + profile.rating_sd * rng.normal();
    Rating {
        tenths: ((rating * 10.0).round().max(0.0) as u64).clamp(10, 100),
        votes: (votes as u64).clamp(5, 3_000_000),
    }
}

/// Ended series run a few years; the others are still running (`\N`).
fn draw_end_year(kind: Kind, start_year: Option<u64>, rng: &mut Rng) -> Option<u64> {
    let start = start_year.filter(|_| kind.has_end_year())?;
    rng.chance(0.6)
        .then(|| (start + rng.below(8)).min(THIS_YEAR))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(shape: Shape) -> Plan {
        Plan::new(&SynthParams { shape, seed: 1 }, &Extra::default()).expect("valid plan")
    }

    #[test]
    fn counts_scale_with_the_dumps() {
        let plan = plan(Shape::Dumps { scale: 0.01 });
        assert_eq!(plan.titles, 123_000);
        assert_eq!(plan.names, 150_000);
    }

    #[test]
    fn the_sample_is_movies_then_a_few_episodes() {
        let plan = plan(Shape::Sample { films: 100 });
        assert_eq!(plan.titles, 104);
        assert_eq!(TitleCore::generate(&plan, 99).kind(), Kind::Movie);
        assert_eq!(TitleCore::generate(&plan, 100).kind(), Kind::TvEpisode);
    }

    #[test]
    fn bad_scales_are_refused() {
        for scale in [0.0, -1.0, f64::NAN, 100.0] {
            let params = SynthParams {
                shape: Shape::Dumps { scale },
                seed: 1,
            };
            assert!(Plan::new(&params, &Extra::default()).is_err(), "{scale}");
        }
    }

    #[test]
    fn titles_are_generated_the_same_every_time() {
        let plan = plan(Shape::Dumps { scale: 0.001 });
        for index in [0, 17, 12_000] {
            let first = TitleCore::generate(&plan, index);
            let again = TitleCore::generate(&plan, index);
            assert_eq!(first.genres, again.genres);
            assert_eq!(first.start_year, again.start_year);
            assert_eq!(first.runtime, again.runtime);
            assert_eq!(first.principals, again.principals);
        }
    }
}
