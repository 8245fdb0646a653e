//! A deterministic synthetic corpus shaped like the IMDb films table, for tests and benchmarks.
//!
//! Shape: ~10 persons per film drawn with Zipf-like popularity (exponent 0.45 over a pool of 4
//! persons per film: at 40k films the busiest person is in ~300 films, the 100th in ~40, as in
//! IMDb; one in fifty shares another's name), 1-3 of 25 genres with Drama on about half,
//! ratings 6.0-9.5 in tenths around 6.5-7.5, titles of 1-6 words (3 on average) from a Zipf
//! vocabulary led by "the", "of", "a" ("the" in about a quarter of the titles).

use filmdex_similarity::{FilmRecord, Person};

/// SplitMix64: tiny, fast and good enough for shaping test data.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in 0..n.
    pub fn below(&mut self, n: usize) -> usize {
        (self.unit() * n as f64) as usize
    }
}

/// Draws ranks 0..n with probability proportional to 1 / (rank + 1)^exponent.
pub struct Zipf {
    cumulative: Vec<f64>,
}

impl Zipf {
    pub fn new(n: usize, exponent: f64) -> Self {
        let mut total = 0.0;
        let cumulative = (0..n)
            .map(|rank| {
                total += 1.0 / ((rank + 1) as f64).powf(exponent);
                total
            })
            .collect();
        Zipf { cumulative }
    }

    pub fn draw(&self, rng: &mut Rng) -> usize {
        let total = *self.cumulative.last().expect("a non-empty distribution");
        let target = rng.unit() * total;
        self.cumulative
            .partition_point(|&c| c <= target)
            .min(self.cumulative.len() - 1)
    }
}

const GENRES: [&str; 25] = [
    "Drama",
    "Comedy",
    "Romance",
    "Thriller",
    "Crime",
    "Action",
    "Horror",
    "Adventure",
    "Mystery",
    "Biography",
    "Documentary",
    "Family",
    "Fantasy",
    "History",
    "Sci-Fi",
    "War",
    "Music",
    "Animation",
    "Sport",
    "Musical",
    "Western",
    "Film-Noir",
    "News",
    "Reality-TV",
    "Talk-Show",
];

const HEAD_WORDS: [&str; 24] = [
    "the", "of", "a", "and", "in", "love", "man", "night", "to", "last", "day", "life", "story",
    "girl", "house", "dead", "city", "world", "king", "time", "black", "dark", "woman", "war",
];

const CATEGORIES: [&str; 6] = [
    "actor", "actress", "writer", "producer", "composer", "editor",
];

const SYLLABLES: [&str; 16] = [
    "an", "bel", "cor", "da", "el", "fin", "gar", "ho", "is", "jo", "ka", "lin", "mar", "no", "ro",
    "su",
];

/// A made-up but stable word for a rank of the title vocabulary.
fn word(rank: usize) -> String {
    match HEAD_WORDS.get(rank) {
        Some(w) => (*w).to_owned(),
        None => syllables(rank, 2),
    }
}

fn syllables(mut n: usize, min: usize) -> String {
    let mut out = String::new();
    let mut count = 0;
    while n > 0 || count < min {
        out.push_str(SYLLABLES[n % SYLLABLES.len()]);
        n /= SYLLABLES.len();
        count += 1;
    }
    out
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// The name of a person of the pool: one in fifty shares the name of another person.
fn person_name(index: usize) -> String {
    let base = if index % 50 == 7 { index - 1 } else { index };
    format!(
        "{} {}",
        capitalised(&syllables(base % 4096, 2)),
        capitalised(&syllables(base / 4096 + 1, 3))
    )
}

/// Ratings 6.0 to 9.5 in tenths, most around 6.5-7.5.
fn rating(rng: &mut Rng) -> f64 {
    let bell = (0..4).map(|_| rng.unit()).sum::<f64>() / 4.0;
    let tenths = (60.0 + bell * 24.0 - 2.0 + rng.unit() * 4.0)
        .round()
        .clamp(60.0, 95.0);
    tenths / 10.0
}

fn genres(rng: &mut Rng, zipf: &Zipf) -> Vec<String> {
    let mut genres: Vec<String> = Vec::new();
    if rng.unit() < 0.5 {
        genres.push(GENRES[0].to_owned());
    }
    let wanted = 1 + rng.below(3);
    while genres.len() < wanted {
        let g = GENRES[1 + zipf.draw(rng)];
        if !genres.iter().any(|x| x == g) {
            genres.push(g.to_owned());
        }
    }
    genres
}

fn persons(rng: &mut Rng, zipf: &Zipf) -> Vec<Person> {
    let wanted = 8 + rng.below(5);
    let mut persons: Vec<Person> = Vec::with_capacity(wanted);
    while persons.len() < wanted {
        let index = zipf.draw(rng);
        let id = format!("nm{:07}", index + 1);
        if persons.iter().any(|p| p.id == id) {
            continue;
        }
        let category = match persons.len() {
            0 => "director",
            _ => CATEGORIES[rng.below(CATEGORIES.len())],
        };
        persons.push(Person {
            id,
            name: person_name(index),
            category: category.to_owned(),
        });
    }
    persons
}

/// `films` synthetic films, the same for the same seed.
pub fn corpus(films: usize, seed: u64) -> Vec<FilmRecord> {
    let mut rng = Rng::new(seed);
    let person_zipf = Zipf::new((films * 4).max(10), 0.45);
    let word_zipf = Zipf::new(films.max(100), 1.0);
    let genre_zipf = Zipf::new(GENRES.len() - 1, 1.1);
    (0..films)
        .map(|i| {
            let words = 1 + rng.below(3) + rng.below(4);
            let title = (0..words)
                .map(|_| capitalised(&word(word_zipf.draw(&mut rng))))
                .collect::<Vec<_>>();
            FilmRecord {
                // Descending ids, so the matrix has to sort its input.
                film_id: i32::try_from((films - i) * 10 + 1).expect("small ids"),
                title: title.join(" "),
                genres: genres(&mut rng, &genre_zipf),
                rating: rating(&mut rng),
                persons: persons(&mut rng, &person_zipf),
            }
        })
        .collect()
}
