//! Who plays what: principal categories, the pools of people behind them and their popularity.
//!
//! Generated people are split into one pool per category by their index modulo 41 (actors own
//! 12 residues, actresses 9, ...), so a name row knows its profession from its index alone and
//! an actor slot is always filled by an actor. Within a pool, popularity is Zipf-like with rank
//! 0 at the lowest nconst, as in the real dumps where nm0000001 is Fred Astaire.

use crate::rng::{Rng, Zipf};

/// title.principals categories.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Category {
    Actor,
    Actress,
    Myself,
    Director,
    Writer,
    Producer,
    Composer,
    Cinematographer,
    Editor,
    ProductionDesigner,
    CastingDirector,
    ArchiveFootage,
}

impl Category {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Category::Actor => "actor",
            Category::Actress => "actress",
            Category::Myself => "self",
            Category::Director => "director",
            Category::Writer => "writer",
            Category::Producer => "producer",
            Category::Composer => "composer",
            Category::Cinematographer => "cinematographer",
            Category::Editor => "editor",
            Category::ProductionDesigner => "production_designer",
            Category::CastingDirector => "casting_director",
            Category::ArchiveFootage => "archive_footage",
        }
    }

    /// The pool that fills this category: archive footage shows actors.
    fn pool(self) -> Category {
        match self {
            Category::ArchiveFootage => Category::Actor,
            other => other,
        }
    }
}

/// Residues of index modulo `POOL_CYCLE` owned by each pool: the shares of people per job.
const POOL_SHARES: [(Category, u64); 11] = [
    (Category::Actor, 12),
    (Category::Actress, 9),
    (Category::Myself, 6),
    (Category::Director, 3),
    (Category::Writer, 3),
    (Category::Producer, 3),
    (Category::Composer, 1),
    (Category::Cinematographer, 1),
    (Category::Editor, 1),
    (Category::ProductionDesigner, 1),
    (Category::CastingDirector, 1),
];
pub(crate) const POOL_CYCLE: u64 = 41;

/// Share of principal slots whose nconst has no name.basics row, as in the real dumps.
const DANGLING: f64 = 0.004;

/// The Zipf offset of each pool, which sets how flat the head is: the larger, the flatter.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Popularity {
    /// An offset per residue the pool owns, whatever the number of names: the busiest people
    /// then have a number of titles proportional to the scale, like every other count.
    PerResidue(f64),
    /// An offset proportional to the pool's size: the same shape for any size.
    Relative(f64),
}

impl Popularity {
    fn offset(self, residues: u64, size: u64) -> f64 {
        let offset = match self {
            Popularity::PerResidue(offset) => offset * residues as f64,
            Popularity::Relative(fraction) => fraction * size as f64,
        };
        offset.max(1.0)
    }
}

/// At most this share of a category's slots per extra person who can fill it, on average.
const EXTRA_PERSON_SHARE: f64 = 0.01;

/// A person of the hand-curated extra rows, and the categories they can fill.
pub(crate) struct ExtraPerson {
    pub(crate) nconst: String,
    pub(crate) categories: Vec<Category>,
}

/// A principal's person: generated (its index may lie past the last name row) or extra.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum PersonRef {
    Generated(u64),
    Extra(usize),
}

struct Pool {
    /// Residues modulo `POOL_CYCLE`, ascending, so the last partial cycle uses the smallest.
    residues: Vec<u64>,
    zipf: Zipf,
}

struct ExtraPool {
    members: Vec<usize>,
    zipf: Zipf,
    /// Chance that a slot of this category goes to one of `members`.
    share: f64,
}

pub(crate) struct People {
    names: u64,
    pool_of_residue: Vec<Category>,
    pools: Vec<(Category, Pool)>,
    extras: Vec<ExtraPerson>,
    extra_pools: Vec<(Category, ExtraPool)>,
}

impl People {
    /// Fewer names than one cycle would leave some pools empty.
    pub(crate) const MIN_NAMES: u64 = POOL_CYCLE;

    pub(crate) fn new(
        names: u64,
        popularity: Popularity,
        extras: Vec<ExtraPerson>,
        extra_share: f64,
    ) -> People {
        let pool_of_residue = interleave_residues();
        let pools = POOL_SHARES
            .iter()
            .map(|&(category, _)| {
                let residues: Vec<u64> = (0..POOL_CYCLE)
                    .filter(|&r| pool_of_residue[r as usize] == category)
                    .collect();
                let size = pool_size(names, &residues);
                let zipf = Zipf::new(size, popularity.offset(residues.len() as u64, size));
                (category, Pool { residues, zipf })
            })
            .collect();
        let extra_pools = extra_pools(&extras, extra_share);
        People {
            names,
            pool_of_residue,
            pools,
            extras,
            extra_pools,
        }
    }

    /// The pool (main profession) of a generated person.
    pub(crate) fn pool_of(&self, index: u64) -> Category {
        self.pool_of_residue[(index % POOL_CYCLE) as usize]
    }

    pub(crate) fn extra_nconst(&self, extra: usize) -> &str {
        &self.extras[extra].nconst
    }

    /// Someone to fill a slot of `category`.
    pub(crate) fn pick(&self, category: Category, rng: &mut Rng) -> PersonRef {
        let extra = self.extra_pools.iter().find(|(c, _)| *c == category);
        if let Some((_, pool)) = extra {
            if rng.chance(pool.share) {
                return PersonRef::Extra(pool.members[pool.zipf.sample(rng) as usize]);
            }
        }
        if rng.chance(DANGLING) {
            return PersonRef::Generated(self.names + rng.below(self.names));
        }
        let (_, pool) = self
            .pools
            .iter()
            .find(|(c, _)| *c == category.pool())
            .expect("every category maps to one of the pools");
        let rank = pool.zipf.sample(rng);
        let cycle = pool.residues.len() as u64;
        PersonRef::Generated(rank / cycle * POOL_CYCLE + pool.residues[(rank % cycle) as usize])
    }
}

/// Residue owners, taken round-robin so that neighbouring nconsts have different jobs.
fn interleave_residues() -> Vec<Category> {
    let mut left: Vec<(Category, u64)> = POOL_SHARES.to_vec();
    let mut owners = Vec::with_capacity(POOL_CYCLE as usize);
    while owners.len() < POOL_CYCLE as usize {
        for (category, count) in left.iter_mut().filter(|(_, count)| *count > 0) {
            owners.push(*category);
            *count -= 1;
        }
    }
    owners
}

/// Members of a pool among `names` people: full cycles plus the residues of the partial one.
fn pool_size(names: u64, residues: &[u64]) -> u64 {
    let partial = residues.iter().filter(|&&r| r < names % POOL_CYCLE).count() as u64;
    names / POOL_CYCLE * residues.len() as u64 + partial
}

/// Extra people by category. A category gets `share` of its slots from them, less when they
/// are few: one famous composer must not score half the sample's films.
fn extra_pools(extras: &[ExtraPerson], share: f64) -> Vec<(Category, ExtraPool)> {
    let categories = POOL_SHARES
        .iter()
        .map(|&(category, _)| category)
        .chain([Category::ArchiveFootage]);
    categories
        .filter_map(|category| {
            let members: Vec<usize> = (0..extras.len())
                .filter(|&i| extras[i].categories.contains(&category))
                .collect();
            // A mild head: the best-known extras recur more, but all of them appear.
            let zipf = Zipf::new(members.len() as u64, members.len() as f64 / 2.0 + 1.0);
            let share = share.min(members.len() as f64 * EXTRA_PERSON_SHARE);
            (share > 0.0).then_some((
                category,
                ExtraPool {
                    members,
                    zipf,
                    share,
                },
            ))
        })
        .collect()
}

/// The categories a person of the extra rows can fill, from their primaryProfession.
pub(crate) fn categories_of_professions(professions: &str) -> Vec<Category> {
    // Anyone well known can appear as themselves in a documentary.
    let mut categories = vec![Category::Myself];
    for profession in professions.split(',') {
        let category = match profession.trim() {
            "actor" => Category::Actor,
            "actress" => Category::Actress,
            "director" => Category::Director,
            "writer" => Category::Writer,
            "producer" => Category::Producer,
            "composer" | "soundtrack" | "music_department" => Category::Composer,
            "cinematographer" | "camera_department" => Category::Cinematographer,
            "editor" | "editorial_department" => Category::Editor,
            "production_designer" | "art_director" => Category::ProductionDesigner,
            "casting_director" => Category::CastingDirector,
            _ => continue,
        };
        categories.push(category);
        if category == Category::Actor || category == Category::Actress {
            categories.push(Category::ArchiveFootage);
        }
    }
    categories
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Stream;

    #[test]
    fn pools_cover_every_name_exactly_once() {
        for names in [41, 100, 1_000, 12_345] {
            let people = People::new(names, Popularity::Relative(0.1), Vec::new(), 0.0);
            let total: u64 = people
                .pools
                .iter()
                .map(|(_, pool)| pool_size(names, &pool.residues))
                .sum();
            assert_eq!(total, names);
        }
    }

    #[test]
    fn picks_come_from_the_right_pool_and_mostly_exist() {
        let people = People::new(10_000, Popularity::Relative(0.01), Vec::new(), 0.0);
        let mut rng = Rng::for_item(1, Stream::Principals, 0);
        let mut dangling = 0;
        for _ in 0..20_000 {
            let PersonRef::Generated(index) = people.pick(Category::Director, &mut rng) else {
                panic!("no extras were given");
            };
            if index >= 10_000 {
                dangling += 1;
            } else {
                assert_eq!(people.pool_of(index), Category::Director);
            }
        }
        assert!((40..130).contains(&dangling), "{dangling}");
    }

    #[test]
    fn extras_fill_their_share_of_matching_slots_but_a_few_take_less() {
        let mut extras: Vec<ExtraPerson> = (0..40)
            .map(|i| ExtraPerson {
                nconst: format!("nm00001{i:02}"),
                categories: categories_of_professions("actor"),
            })
            .collect();
        extras.push(ExtraPerson {
            nconst: "nm0000184".to_string(),
            categories: categories_of_professions("director,writer,producer"),
        });
        let people = People::new(1_000, Popularity::Relative(0.1), extras, 0.2);
        let mut rng = Rng::for_item(1, Stream::Principals, 1);
        let mut extra_picks = |category| {
            (0..10_000)
                .filter(|_| matches!(people.pick(category, &mut rng), PersonRef::Extra(_)))
                .count()
        };
        let actors = extra_picks(Category::Actor);
        assert!((1_800..2_200).contains(&actors), "{actors}");
        let writers = extra_picks(Category::Writer);
        assert!((60..140).contains(&writers), "{writers}");
        assert_eq!(extra_picks(Category::Actress), 0);
    }
}
