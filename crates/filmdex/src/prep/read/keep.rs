//! Which lines of a dump DuckDB must see. A line is left out only when it is certain that
//! DuckDB would parse it without error (the right number of fields, every typed field a plain
//! number or `\N`, valid UTF-8, no carriage return) and that prep's SQL would filter it out.
//! Every other line is handed on, so DuckDB keeps deciding what parses, what is a bad row (and
//! on which line), and what the films are: the filter only spares it most of the rows.

use rustc_hash::FxHashSet;

use crate::dumps::Dump;

/// DuckDB's null string in the dumps.
const NULL: &[u8] = b"\\N";

/// What decides, for one dump, whether a line can be left out.
pub enum Keep<'a> {
    /// title.ratings: votes below the minimum never pass `numVotes >= min_votes`.
    Ratings { min_votes: u32 },
    /// title.basics: a title of another type, without genres or without a runtime never passes.
    Basics { title_types: &'a [String] },
    /// title.principals: only the selected titles' principals with a person. The dump lists a
    /// title's principals together, so the last title looked up answers most lines.
    Principals {
        tconsts: &'a FxHashSet<Vec<u8>>,
        last: (Vec<u8>, bool),
    },
    /// name.basics: only the selected persons, with a name.
    Names { nconsts: &'a FxHashSet<Vec<u8>> },
    /// title.akas: only the alternate titles of the films prep kept (`tt` and the film id).
    Akas { films: &'a FxHashSet<u32> },
}

impl<'a> Keep<'a> {
    pub fn principals(tconsts: &'a FxHashSet<Vec<u8>>) -> Self {
        Keep::Principals {
            tconsts,
            last: (Vec::new(), false),
        }
    }

    pub fn dump(&self) -> Dump {
        match self {
            Keep::Ratings { .. } => Dump::TitleRatings,
            Keep::Basics { .. } => Dump::TitleBasics,
            Keep::Principals { .. } => Dump::TitlePrincipals,
            Keep::Names { .. } => Dump::NameBasics,
            Keep::Akas { .. } => Dump::TitleAkas,
        }
    }

    /// True when DuckDB must see `line` (without its `\n`; already known to be UTF-8 without
    /// `\r`).
    pub fn needs(&mut self, line: &[u8]) -> bool {
        match self {
            Keep::Ratings { min_votes } => match fields::<3>(line) {
                Some([_, rating, votes]) if plain_decimal(rating) && plain_integer(votes) => {
                    votes != NULL && parse_digits(votes).is_none_or(|votes| votes >= *min_votes)
                }
                _ => true,
            },
            Keep::Basics { title_types } => match fields::<9>(line) {
                Some([_, kind, _, _, _, start, end, runtime, genres])
                    if plain_integer(start) && plain_integer(end) && plain_integer(runtime) =>
                {
                    kind != NULL
                        && title_types.iter().any(|wanted| wanted.as_bytes() == kind)
                        && runtime != NULL
                        && genres != NULL
                        && !genres.is_empty()
                }
                _ => true,
            },
            Keep::Principals { tconsts, last } => match fields::<6>(line) {
                Some([tconst, ordering, nconst, ..]) if plain_integer(ordering) => {
                    if last.0 != tconst {
                        last.0.clear();
                        last.0.extend_from_slice(tconst);
                        last.1 = tconsts.contains(tconst);
                    }
                    nconst != NULL && last.1
                }
                _ => true,
            },
            Keep::Names { nconsts } => match fields::<6>(line) {
                Some([nconst, name, birth, death, ..])
                    if plain_integer(birth) && plain_integer(death) =>
                {
                    name != NULL && nconsts.contains(nconst)
                }
                _ => true,
            },
            Keep::Akas { films } => {
                let title_id = line.split(|&byte| byte == b'\t').next().unwrap_or_default();
                match title_id.strip_prefix(b"tt") {
                    Some(digits)
                        if (1..=9).contains(&digits.len())
                            && digits.iter().all(u8::is_ascii_digit) =>
                    {
                        parse_digits(digits).is_none_or(|id| films.contains(&id))
                    }
                    _ => true,
                }
            }
        }
    }
}

/// The line's tab-separated fields when there are exactly `N`.
fn fields<const N: usize>(line: &[u8]) -> Option<[&[u8]; N]> {
    let mut out = [&line[..0]; N];
    let mut start = 0;
    let mut tabs = memchr::memchr_iter(b'\t', line);
    for slot in out.iter_mut().take(N - 1) {
        let end = tabs.next()?;
        *slot = &line[start..end];
        start = end + 1;
    }
    if tabs.next().is_some() {
        return None;
    }
    out[N - 1] = &line[start..];
    Some(out)
}

/// `\N`, or an optional `-` and 1 to 9 digits: always a valid INTEGER for DuckDB.
fn plain_integer(field: &[u8]) -> bool {
    let digits = field.strip_prefix(b"-").unwrap_or(field);
    field == NULL || ((1..=9).contains(&digits.len()) && digits.iter().all(u8::is_ascii_digit))
}

/// `\N`, or 1-2 digits with an optional `.` and 1-2 digits: always a valid DECIMAL(4,2).
fn plain_decimal(field: &[u8]) -> bool {
    if field == NULL {
        return true;
    }
    let (whole, fraction) = match memchr::memchr(b'.', field) {
        Some(dot) => (&field[..dot], Some(&field[dot + 1..])),
        None => (field, None),
    };
    let digits = |part: &[u8]| (1..=2).contains(&part.len()) && part.iter().all(u8::is_ascii_digit);
    digits(whole) && fraction.is_none_or(digits)
}

/// The value of a field of digits only (what `plain_integer` accepted, without sign).
fn parse_digits(field: &[u8]) -> Option<u32> {
    std::str::from_utf8(field).ok()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_exactly_n_fields() {
        assert_eq!(fields::<3>(b"a\tb\tc"), Some([&b"a"[..], b"b", b"c"]));
        assert_eq!(fields::<3>(b"a\tb"), None);
        assert_eq!(fields::<3>(b"a\tb\tc\td"), None);
        assert_eq!(fields::<3>(b"\t\t"), Some([&b""[..], b"", b""]));
    }

    #[test]
    fn plain_numbers_are_only_those_duckdb_always_reads() {
        for plain in ["0", "2024", "-5", "123456789", "\\N"] {
            assert!(plain_integer(plain.as_bytes()), "{plain}");
        }
        for odd in ["", " 5", "5 ", "+5", "1234567890", "1e3", "5.0", "-", "N"] {
            assert!(!plain_integer(odd.as_bytes()), "{odd}");
        }
        for plain in ["6", "6.5", "10.0", "9.25", "\\N"] {
            assert!(plain_decimal(plain.as_bytes()), "{plain}");
        }
        for odd in ["", "6.", ".5", "100.0", "6.125", "-6.0", "six"] {
            assert!(!plain_decimal(odd.as_bytes()), "{odd}");
        }
    }

    #[test]
    fn lines_that_may_be_bad_or_may_pass_are_kept() {
        let mut ratings = Keep::Ratings { min_votes: 500 };
        assert!(ratings.needs(b"tt1\t6.0\t500"));
        assert!(!ratings.needs(b"tt1\t6.0\t499"));
        assert!(!ratings.needs(b"tt1\t6.0\t\\N"));
        assert!(
            ratings.needs(b"tt1\tsix\t10"),
            "a bad row is DuckDB's to count"
        );
        assert!(ratings.needs(b"tt1\t6.0"), "a short row too");
        let types = ["movie".to_owned()];
        let mut basics = Keep::Basics {
            title_types: &types,
        };
        assert!(basics.needs(b"tt1\tmovie\tA\tA\t0\t2000\t\\N\t90\tDrama"));
        assert!(!basics.needs(b"tt1\tshort\tA\tA\t0\t2000\t\\N\t90\tDrama"));
        assert!(!basics.needs(b"tt1\tmovie\tA\tA\t0\t2000\t\\N\t\\N\tDrama"));
        assert!(!basics.needs(b"tt1\tmovie\tA\tA\t0\t2000\t\\N\t90\t\\N"));
        assert!(basics.needs(b"tt1\tshort\tA\tA\t0\t20x0\t\\N\t90\tDrama"));
        let tconsts: FxHashSet<Vec<u8>> = [b"tt1".to_vec()].into_iter().collect();
        let mut principals = Keep::principals(&tconsts);
        assert!(principals.needs(b"tt1\t1\tnm1\tactor\t\\N\t\\N"));
        assert!(!principals.needs(b"tt2\t1\tnm1\tactor\t\\N\t\\N"));
        assert!(!principals.needs(b"tt1\t1\t\\N\tactor\t\\N\t\\N"));
        assert!(principals.needs(b"tt2\tfirst\tnm1\tactor\t\\N\t\\N"));
        let nconsts: FxHashSet<Vec<u8>> = [b"nm1".to_vec()].into_iter().collect();
        let mut names = Keep::Names { nconsts: &nconsts };
        assert!(names.needs(b"nm1\tAda\t1815\t1852\t\\N\t\\N"));
        assert!(!names.needs(b"nm2\tAda\t1815\t1852\t\\N\t\\N"));
        assert!(!names.needs(b"nm1\t\\N\t1815\t1852\t\\N\t\\N"));
        assert!(names.needs(b"nm2\tAda\t1815\t1852\t\\N"));
        let films: FxHashSet<u32> = [1].into_iter().collect();
        let mut akas = Keep::Akas { films: &films };
        assert!(akas.needs(b"tt0000001\t1\tAm\xc3\xa9lie\tFR\t\\N\t\\N\t\\N\t0"));
        assert!(!akas.needs(b"tt0000002\t1\tHeat\tFR\t\\N\t\\N\t\\N\t0"));
        assert!(!akas.needs(b"tt0000002"), "another film's row, even broken");
        assert!(akas.needs(b"tt\t1\tHeat"), "an id DuckDB may still read");
        assert!(akas.needs(b"xx0000002\t1\tHeat"));
    }
}
