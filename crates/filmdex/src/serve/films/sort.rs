//! The orders search results can be listed in, each computed once at load: ties by film_id
//! and films without a value last, in both directions, so that pages are stable.

use std::collections::HashMap;

use super::film::Film;

/// What search results can be sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SortKey {
    Title,
    Rating,
    Votes,
    Year,
    Duration,
}

impl SortKey {
    pub const ALL: [SortKey; 5] = [
        SortKey::Title,
        SortKey::Rating,
        SortKey::Votes,
        SortKey::Year,
        SortKey::Duration,
    ];

    pub fn name(self) -> &'static str {
        match self {
            SortKey::Title => "title",
            SortKey::Rating => "rating",
            SortKey::Votes => "votes",
            SortKey::Year => "year",
            SortKey::Duration => "duration",
        }
    }
}

/// A sort key and direction, written `rating` or `-rating` (descending).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Sort {
    pub key: SortKey,
    pub descending: bool,
}

impl Sort {
    pub fn parse(text: &str) -> Option<Sort> {
        let (descending, name) = match text.strip_prefix('-') {
            Some(name) => (true, name),
            None => (false, text),
        };
        let key = SortKey::ALL.into_iter().find(|key| key.name() == name)?;
        Some(Sort { key, descending })
    }
}

impl std::fmt::Display for Sort {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}{}",
            if self.descending { "-" } else { "" },
            self.key.name()
        )
    }
}

/// Every row of `films` in every order.
pub(super) fn sort_orders(films: &[Film]) -> HashMap<Sort, Vec<u32>> {
    let mut orders = HashMap::new();
    for key in SortKey::ALL {
        let mut ascending: Vec<u32> = (0..films.len() as u32).collect();
        ascending.sort_by(|&a, &b| {
            let (a, b) = (&films[a as usize], &films[b as usize]);
            value_order(a, b, key).then(a.film_id.cmp(&b.film_id))
        });
        let descending = descending_from(&ascending, films, key);
        for (descending, rows) in [(false, ascending), (true, descending)] {
            orders.insert(Sort { key, descending }, rows);
        }
    }
    orders
}

/// The order of `key` ascending, films without a value last. Both directions break ties by
/// film_id ascending, so that pages are stable.
fn value_order(a: &Film, b: &Film, key: SortKey) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    fn missing_last<T>(a: Option<T>, b: Option<T>, cmp: impl Fn(&T, &T) -> Ordering) -> Ordering {
        match (a, b) {
            (Some(a), Some(b)) => cmp(&a, &b),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => Ordering::Equal,
        }
    }
    match key {
        SortKey::Title => a.title.cmp(&b.title),
        SortKey::Rating => missing_last(a.rating, b.rating, |x, y| x.total_cmp(y)),
        SortKey::Votes => missing_last(a.vote_count, b.vote_count, Ord::cmp),
        SortKey::Year => missing_last(a.date, b.date, Ord::cmp),
        SortKey::Duration => missing_last(a.duration, b.duration, Ord::cmp),
    }
}

fn has_value(film: &Film, key: SortKey) -> bool {
    match key {
        SortKey::Title => true,
        SortKey::Rating => film.rating.is_some(),
        SortKey::Votes => film.vote_count.is_some(),
        SortKey::Year => film.date.is_some(),
        SortKey::Duration => film.duration.is_some(),
    }
}

/// The descending order, from the ascending one without sorting again: the runs of equal
/// values last to first, each run keeping its ascending film_id, then the films without a
/// value as they were (last in both directions).
fn descending_from(ascending: &[u32], films: &[Film], key: SortKey) -> Vec<u32> {
    let film = |position: usize| &films[ascending[position] as usize];
    let with_value = ascending.partition_point(|&row| has_value(&films[row as usize], key));
    let mut descending = Vec::with_capacity(ascending.len());
    let mut end = with_value;
    while end > 0 {
        let mut start = end - 1;
        while start > 0 && value_order(film(start - 1), film(end - 1), key).is_eq() {
            start -= 1;
        }
        descending.extend_from_slice(&ascending[start..end]);
        end = start;
    }
    descending.extend_from_slice(&ascending[with_value..]);
    descending
}

#[cfg(test)]
mod tests {
    use super::*;

    fn film(film_id: i32, title: &str, rating: Option<f64>, votes: Option<i32>) -> Film {
        Film {
            film_id,
            title: title.into(),
            year: None,
            date: None,
            duration: None,
            genres: vec![],
            rating,
            vote_count: votes,
            persons: vec![],
            original_title: None,
            persons_joined: String::new(),
            genres_joined: String::new(),
        }
    }

    proptest::proptest! {
        /// The descending orders derived from the ascending ones equal a sort by the
        /// definition: value descending, missing values last, ties by film_id ascending.
        #[test]
        fn derived_descending_orders_equal_sorting(
            values in proptest::collection::vec(
                (0u8..4, proptest::option::of(0u8..3), proptest::option::of(0i32..3)), 0..40),
        ) {
            let films: Vec<Film> = values
                .iter()
                .enumerate()
                .map(|(i, &(title, rating, votes))| {
                    // film_ids not in row order, to catch a tie broken by row.
                    let film_id = ((i * 7) % 41) as i32;
                    film(film_id, &title.to_string(), rating.map(f64::from), votes)
                })
                .collect();
            let orders = sort_orders(&films);
            for key in SortKey::ALL {
                let mut expected: Vec<u32> = (0..films.len() as u32).collect();
                expected.sort_by(|&a, &b| {
                    let (a, b) = (&films[a as usize], &films[b as usize]);
                    let by_value = match (has_value(a, key), has_value(b, key)) {
                        (true, true) => value_order(b, a, key),
                        (x, y) => y.cmp(&x),
                    };
                    by_value.then(a.film_id.cmp(&b.film_id))
                });
                proptest::prop_assert_eq!(&orders[&Sort { key, descending: true }], &expected);
            }
        }
    }

    #[test]
    fn sorts_parse_with_a_leading_minus_for_descending() {
        assert_eq!(
            Sort::parse("-rating"),
            Some(Sort {
                key: SortKey::Rating,
                descending: true
            })
        );
        assert_eq!(
            Sort::parse("title"),
            Some(Sort {
                key: SortKey::Title,
                descending: false
            })
        );
        assert_eq!(Sort::parse("--title"), None);
        assert_eq!(Sort::parse("Title"), None);
        assert_eq!(
            Sort::parse("-rating").map(|s| s.to_string()),
            Some("-rating".into())
        );
    }
}
