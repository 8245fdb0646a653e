//! IMDb's genres, sets of them written alphabetically, and per-title-type genre mixes.

use crate::rng::Rng;

/// IMDb's 28 genres, in the alphabetical order that the dumps list them in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Genre {
    Action,
    Adult,
    Adventure,
    Animation,
    Biography,
    Comedy,
    Crime,
    Documentary,
    Drama,
    Family,
    Fantasy,
    FilmNoir,
    GameShow,
    History,
    Horror,
    Music,
    Musical,
    Mystery,
    News,
    RealityTv,
    Romance,
    SciFi,
    Short,
    Sport,
    TalkShow,
    Thriller,
    War,
    Western,
}

/// Names indexed by `Genre as usize`; the test below checks they are sorted.
const NAMES: [&str; 28] = [
    "Action",
    "Adult",
    "Adventure",
    "Animation",
    "Biography",
    "Comedy",
    "Crime",
    "Documentary",
    "Drama",
    "Family",
    "Fantasy",
    "Film-Noir",
    "Game-Show",
    "History",
    "Horror",
    "Music",
    "Musical",
    "Mystery",
    "News",
    "Reality-TV",
    "Romance",
    "Sci-Fi",
    "Short",
    "Sport",
    "Talk-Show",
    "Thriller",
    "War",
    "Western",
];

/// A title's genres as a bit set; bit order is alphabetical order, so writing is a bit walk.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct GenreSet(u32);

impl GenreSet {
    pub(crate) fn insert(&mut self, genre: Genre) {
        self.0 |= 1 << genre as u32;
    }

    pub(crate) fn contains(self, genre: Genre) -> bool {
        self.0 & (1 << genre as u32) != 0
    }

    pub(crate) fn len(self) -> u32 {
        self.0.count_ones()
    }

    pub(crate) fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// Comma-separated names, or `\N` for none, as in title.basics.
    pub(crate) fn write(self, out: &mut Vec<u8>) {
        if self.is_empty() {
            out.extend_from_slice(b"\\N");
            return;
        }
        let mut first = true;
        for (bit, name) in NAMES.iter().enumerate() {
            if self.0 & (1 << bit) != 0 {
                if !first {
                    out.push(b',');
                }
                out.extend_from_slice(name.as_bytes());
                first = false;
            }
        }
    }
}

/// How a title type's genres are drawn: 1 to 3 of them, an optional lead genre with its own
/// probability (Drama on half the movies, Short on every short), the rest from weights.
pub(crate) struct GenreMix {
    pub(crate) lead: Option<(Genre, f64)>,
    pub(crate) others: &'static [(Genre, u32)],
    /// Weights of having 1, 2 and 3 genres.
    pub(crate) counts: [u32; 3],
}

impl GenreMix {
    pub(crate) fn draw(&self, rng: &mut Rng) -> GenreSet {
        let wanted = rng.weighted(&[
            (1, self.counts[0]),
            (2, self.counts[1]),
            (3, self.counts[2]),
        ]);
        let mut set = GenreSet::default();
        if let Some((genre, probability)) = self.lead {
            if rng.chance(probability) {
                set.insert(genre);
            }
        }
        // Repeats are redrawn; the bound only guards against a table smaller than `wanted`.
        for _ in 0..16 {
            if set.len() >= wanted {
                break;
            }
            set.insert(rng.weighted(self.others));
        }
        set
    }
}

use Genre::*;

/// Movies: Drama is the lead (about half of them), so the others leave it out.
pub(crate) const MOVIE: GenreMix = GenreMix {
    lead: Some((Drama, 0.5)),
    others: &[
        (Comedy, 300),
        (Documentary, 180),
        (Action, 120),
        (Romance, 100),
        (Thriller, 100),
        (Crime, 100),
        (Horror, 100),
        (Adventure, 60),
        (Family, 50),
        (Mystery, 50),
        (Fantasy, 40),
        (Biography, 40),
        (History, 40),
        (Music, 40),
        (SciFi, 40),
        (Animation, 30),
        (War, 30),
        (Musical, 20),
        (Western, 20),
        (Sport, 20),
        (Adult, 15),
        (FilmNoir, 5),
        (News, 5),
        (RealityTv, 2),
        (TalkShow, 1),
        (GameShow, 1),
    ],
    counts: [45, 30, 25],
};

/// Television: sitcoms, soaps and a large share of talk, reality and news.
pub(crate) const TELEVISION: GenreMix = GenreMix {
    lead: None,
    others: &[
        (Comedy, 200),
        (Drama, 200),
        (TalkShow, 120),
        (RealityTv, 100),
        (News, 80),
        (Documentary, 80),
        (Animation, 50),
        (GameShow, 40),
        (Family, 40),
        (Crime, 40),
        (Action, 30),
        (Adventure, 30),
        (Romance, 30),
        (Music, 30),
        (Sport, 30),
        (Mystery, 20),
        (Fantasy, 20),
        (SciFi, 20),
        (Thriller, 20),
        (History, 20),
        (Horror, 10),
        (Biography, 10),
        (War, 5),
        (Western, 5),
        (Short, 3),
        (Musical, 3),
        (Adult, 3),
    ],
    counts: [40, 35, 25],
};

/// Shorts always carry the Short genre, as in the real dump.
pub(crate) const SHORT: GenreMix = GenreMix {
    lead: Some((Short, 1.0)),
    others: &[
        (Comedy, 30),
        (Drama, 30),
        (Documentary, 25),
        (Animation, 20),
        (Music, 10),
        (Family, 5),
        (Horror, 5),
        (Fantasy, 4),
        (Romance, 4),
        (SciFi, 3),
        (Action, 3),
        (Thriller, 3),
        (Adult, 2),
        (Sport, 2),
    ],
    counts: [40, 40, 20],
};

/// Videos (direct-to-video and music videos) and video games.
pub(crate) const VIDEO: GenreMix = GenreMix {
    lead: None,
    others: &[
        (Music, 150),
        (Adult, 120),
        (Comedy, 100),
        (Action, 80),
        (Drama, 80),
        (Documentary, 60),
        (Adventure, 60),
        (Horror, 50),
        (Animation, 50),
        (Fantasy, 40),
        (Family, 30),
        (SciFi, 30),
        (Thriller, 20),
        (Sport, 20),
        (Crime, 20),
        (Short, 10),
    ],
    counts: [45, 30, 25],
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Stream;

    #[test]
    fn names_are_sorted_so_sets_print_alphabetically() {
        assert!(NAMES.windows(2).all(|pair| pair[0] < pair[1]));
        assert_eq!(NAMES[Western as usize], "Western");
        let mut set = GenreSet::default();
        set.insert(SciFi);
        set.insert(Action);
        set.insert(Adventure);
        let mut out = Vec::new();
        set.write(&mut out);
        assert_eq!(out, b"Action,Adventure,Sci-Fi");
    }

    #[test]
    fn about_half_the_movies_are_dramas_with_one_to_three_genres() {
        let mut rng = Rng::for_item(3, Stream::Title, 0);
        let sets: Vec<GenreSet> = (0..20_000).map(|_| MOVIE.draw(&mut rng)).collect();
        let dramas = sets.iter().filter(|set| set.contains(Drama)).count();
        assert!((9_500..10_500).contains(&dramas), "{dramas}");
        assert!(sets.iter().all(|set| (1..=3).contains(&set.len())));
    }
}
