//! A film as the server holds it in memory: the API's fields plus the joined text the
//! original's regexes match against.

/// A film as the API serves it, plus the derived text that search matches against.
#[derive(Debug, Clone)]
pub struct Film {
    pub film_id: i32,
    pub title: String,
    /// The `year` DATE as "YYYY-MM-DD" (the original's format) and as a sortable yyyymmdd.
    pub year: Option<String>,
    pub date: Option<i32>,
    pub duration: Option<i32>,
    pub genres: Vec<String>,
    pub rating: Option<f64>,
    pub vote_count: Option<i32>,
    pub persons: Vec<String>,
    pub original_title: Option<String>,
    /// The persons and the genres joined with "," as the original's regexes saw them.
    pub persons_joined: String,
    pub genres_joined: String,
}

/// "YYYY-MM-DD" -> yyyymmdd, the form date bounds compare with.
pub fn packed_date(text: &str) -> Option<i32> {
    let bytes = text.as_bytes();
    let well_formed = bytes.len() == 10
        && bytes[4] == b'-'
        && bytes[7] == b'-'
        && bytes
            .iter()
            .enumerate()
            .all(|(i, b)| i == 4 || i == 7 || b.is_ascii_digit());
    if !well_formed {
        return None;
    }
    let number = |range: std::ops::Range<usize>| text[range].parse::<i32>().ok();
    let (year, month, day) = (number(0..4)?, number(5..7)?, number(8..10)?);
    let month_enum = time::Month::try_from(u8::try_from(month).ok()?).ok()?;
    time::Date::from_calendar_date(year, month_enum, u8::try_from(day).ok()?).ok()?;
    Some(year * 10_000 + month * 100 + day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_pack_and_invalid_ones_are_refused() {
        assert_eq!(packed_date("1990-01-01"), Some(19_900_101));
        assert_eq!(packed_date("2020-02-29"), Some(20_200_229));
        assert_eq!(packed_date("2021-02-29"), None);
        assert_eq!(packed_date("1990-1-01"), None);
        assert_eq!(packed_date("+990-01-01"), None);
        assert_eq!(packed_date("1990-13-01"), None);
    }
}
