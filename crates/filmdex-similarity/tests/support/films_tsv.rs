//! Films as tab-separated lines, for `bench_topk --films-tsv` (written from a films parquet
//! by `benchmarks/similarity/films_tsv.py`): `film_id, title, genres (comma-separated),
//! rating`, then `person id, name, category` for each person in billing order.

use filmdex_similarity::{FilmRecord, Person};

/// The films of the TSV file at `path`.
pub fn read(path: &str) -> Result<Vec<FilmRecord>, String> {
    let text = std::fs::read_to_string(path).map_err(|error| error.to_string())?;
    text.lines()
        .enumerate()
        .map(|(i, line)| parse_film(line).map_err(|message| format!("line {}: {message}", i + 1)))
        .collect()
}

/// One line of the file as a film.
pub fn parse_film(line: &str) -> Result<FilmRecord, String> {
    let fields: Vec<&str> = line.split('\t').collect();
    if fields.len() < 4 || !(fields.len() - 4).is_multiple_of(3) {
        return Err(format!(
            "{} fields; expected 4, then 3 per person",
            fields.len()
        ));
    }
    let persons = fields[4..]
        .chunks(3)
        .map(|p| Person {
            id: p[0].to_owned(),
            name: p[1].to_owned(),
            category: p[2].to_owned(),
        })
        .collect();
    Ok(FilmRecord {
        film_id: fields[0]
            .parse()
            .map_err(|_| format!("film id {:?} is not an integer", fields[0]))?,
        title: fields[1].to_owned(),
        genres: (fields[2].split(','))
            .filter(|g| !g.is_empty())
            .map(str::to_owned)
            .collect(),
        rating: fields[3]
            .parse()
            .map_err(|_| format!("rating {:?} is not a number", fields[3]))?,
        persons,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_reads_as_its_film_with_persons_in_order() {
        let line = "42\tThe Kid\tComedy,Drama\t8.20\tnm1\tCharles Chaplin\tdirector\tnm2\tJackie Coogan\tactor";
        let film = parse_film(line).expect("a valid line");
        assert_eq!(film.film_id, 42);
        assert_eq!(film.title, "The Kid");
        assert_eq!(film.genres, ["Comedy", "Drama"]);
        assert_eq!(film.rating, 8.2);
        let persons: Vec<(&str, &str, &str)> = (film.persons.iter())
            .map(|p| (p.id.as_str(), p.name.as_str(), p.category.as_str()))
            .collect();
        assert_eq!(
            persons,
            [
                ("nm1", "Charles Chaplin", "director"),
                ("nm2", "Jackie Coogan", "actor")
            ]
        );
        let bare = parse_film("7\tUntitled\t\t5.00").expect("no genres, no persons");
        assert!(bare.genres.is_empty() && bare.persons.is_empty());
    }

    #[test]
    fn a_file_reads_line_by_line_and_names_a_bad_line() {
        let path = std::env::temp_dir().join(format!("films-tsv-{}.tsv", std::process::id()));
        let path_text = path.to_str().expect("a UTF-8 temp path");
        std::fs::write(&path, "1\tA\tDrama\t7.00\n2\tB\tComedy\t6.50\n").expect("writes");
        let ids: Vec<i32> = (read(path_text).expect("two films").iter())
            .map(|f| f.film_id)
            .collect();
        assert_eq!(ids, [1, 2]);
        std::fs::write(&path, "1\tA\tDrama\t7.00\n2\tB\tComedy\tx\n").expect("writes");
        let error = read(path_text).expect_err("a bad rating");
        std::fs::remove_file(&path).expect("removes");
        assert!(error.starts_with("line 2: "), "{error}");
    }

    #[test]
    fn a_bad_line_says_what_is_wrong() {
        let error = |line: &str| parse_film(line).expect_err(line);
        assert!(error("1\tA\tDrama\tx").contains("rating \"x\""));
        assert!(error("one\tA\tDrama\t7.00").contains("film id \"one\""));
        assert!(error("1\tA\tDrama\t7.00\tnm1\tName").contains("6 fields"));
        assert!(error("1\tA\tDrama").contains("3 fields"));
    }
}
