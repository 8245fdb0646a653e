//! Word tables for titles, people and akas, with the punctuation and scripts real dumps carry.
//!
//! The lists are short on purpose: the long tail of the vocabularies is made of syllables
//! (`synthetic_word`), so a Zipf draw over tens of thousands of ranks stays cheap and varied.

/// Title words, most frequent first; a Zipf rank below this list's length picks from it.
/// Unicode, apostrophes and hyphens are spread over the head so that they appear often.
#[rustfmt::skip]
pub(crate) const TITLE_WORDS: &[&str] = &[
    "The", "of", "Love", "Man", "Night", "Life", "Story", "Day", "World", "House", "Girl", "Time",
    "Dead", "Last", "Home", "Blood", "Black", "Dark", "City", "Little", "Christmas", "Big", "Star",
    "Heart", "Boy", "Lost", "King", "Summer", "New", "Dream", "Don't", "Secret", "Woman", "Wild",
    "Family", "Red", "Death", "Return", "Fire", "Moon", "Road", "Game", "Murder", "Amélie", "Blue",
    "Young", "Great", "Hotel", "Island", "Money", "Angel", "War", "Ghost", "Street", "Queen",
    "Brother", "Sister", "Father", "Mother", "Café", "Beyond", "Shadow", "River", "Winter",
    "Eternal", "Kill", "Devil", "Paradise", "Hell", "Wolf", "Sky", "Sea", "Rain", "Snow", "Sun",
    "Gold", "Silver", "Night's", "Love's", "Señor", "Dragon", "Legend", "Journey", "Blind",
    "Broken", "Silent", "Hidden", "Wedding", "Party", "Town", "Mountain", "Desert", "Forest",
    "Garden", "Ocean", "Fear", "Hope", "Truth", "Lies", "Revenge", "Justice", "Honor", "Glory",
    "Crazy", "Happy", "Sweet", "Cold", "Hot", "Killer", "Hunter", "Soldier", "Doctor", "Detective",
    "Prince", "Princess", "Monster", "Zombie", "Vampire", "Witch", "Magic", "Rock 'n' Roll",
    "Dance", "Song", "Music", "Blues", "Jazz", "Paris", "London", "Tokyo", "Rome", "Berlin",
    "México", "New York", "Москва", "東京", "Noël", "Über", "Straße", "Ñandú", "Fiancée", "Déjà Vu",
    "Naïve", "Résumé", "O'Malley's", "Mr.", "Mrs.", "Dr.", "Saint", "Lady", "Baby", "Kids",
    "Friends", "Lovers", "Strangers", "Enemies", "Heroes", "Warriors", "Spies", "Thieves", "Escape",
    "Run", "Fall", "Rise", "Rising", "Falling", "Burning", "Running", "Dying", "Living", "Forever",
    "Again", "Tonight", "Tomorrow", "Yesterday", "Now", "Never", "Always", "Alone", "Together",
    "Inside", "Outside", "Under", "Above", "After", "Before", "Without", "Within", "Two", "Three",
    "Seven", "Ten", "Hundred", "Thousand", "First", "Second", "Final", "Part", "Chapter", "Tale",
    "Tales", "Diary", "Letters", "Letter", "Memory", "Memories", "Echo", "Mirror", "Door", "Window",
    "Key", "Box", "Train", "Ship", "Bridge", "Tower", "Castle", "Empire", "Kingdom", "Planet",
    "Space", "Galaxy", "Future", "Past", "Machine", "Robot", "Alien", "Invasion", "Attack",
    "Battle", "Mission", "Operation", "Code", "Project", "Zero", "Ψυχή", "Любовь", "愛", "夜", "사랑",
    "Çiçek", "Kärlek", "Łódź", "Ålesund", "Þór", "Ирония",
];

/// Words for original titles in other languages, most frequent first.
#[rustfmt::skip]
pub(crate) const FOREIGN_WORDS: &[&str] = &[
    "La", "Le", "Der", "Die", "El", "Il", "Los", "Das", "Les", "de", "del", "di", "och", "und",
    "et", "y", "Amour", "Nuit", "Été", "Mädchen", "Größe", "Niña", "Corazón", "Sueño", "Mañana",
    "Città", "Perché", "Ночь", "Москва", "Любовь", "Жизнь", "Дом", "Война", "東京", "愛", "夜", "物語",
    "少女", "風", "花", "사랑", "밤", "Ψυχή", "Αγάπη", "Çiçek", "Gönül", "Şehir", "Aşk", "Kärlek", "Sjö",
    "Øresund", "Żona", "Dziewczyna", "Szerelem", "Éjszaka", "Noël", "Ville", "Coração", "São",
    "Saudade", "Liebe", "Nacht", "Herz", "Zeit", "Vida", "Muerte", "Sangre", "Fantôme", "Forêt",
    "Königin", "Bärenjagd", "Ação", "Irmã", "Tình", "Yêu", "Đêm", "Héroe", "L'Amour", "D'Artagnan",
    "Čas", "Ljubav", "Sommar", "Himmel", "Meer", "Mère", "Père",
];

#[rustfmt::skip]
pub(crate) const MALE_FIRST_NAMES: &[&str] = &[
    "John", "Michael", "David", "James", "Robert", "Peter", "Paul", "Thomas", "Mark", "Richard",
    "José", "Juan", "Carlos", "Luis", "Antonio", "François", "Jean-Luc", "Pierre", "Björn", "Søren",
    "Jürgen", "Hans", "Łukasz", "Dmitriy", "Юрий", "Hiroshi", "Takeshi", "Min-ho", "Raj", "Amit",
    "Mohamed", "Ahmet", "Giorgos", "Marco", "Luca", "D'Andre", "Seán", "Ömer", "Nguyễn Văn",
    "Zoltán", "Jiří", "Mehmet", "Kenji", "Wei", "Arjun", "Pablo", "André",
];

#[rustfmt::skip]
pub(crate) const FEMALE_FIRST_NAMES: &[&str] = &[
    "Mary", "Sarah", "Anna", "Maria", "Elizabeth", "Jennifer", "Linda", "Susan", "Emma", "Laura",
    "Zoë", "Chloé", "Renée", "Siobhán", "Aoife", "Ingrid", "Sofía", "Lucía", "Marie-Claire",
    "Françoise", "Ewa", "Agnieszka", "Наталья", "Olga", "Yuki", "Sakura", "Sun-hee", "Ji-woo",
    "Priya", "Fatma", "Ayşe", "Eleni", "Giulia", "Chiara", "Beyoncé", "Małgorzata", "Hélène",
    "Björk", "Mei", "Ananya", "Camila", "Inês", "Dorothée", "Keiko", "Tereza", "Noémi",
];

#[rustfmt::skip]
pub(crate) const LAST_NAMES: &[&str] = &[
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "García", "Rodríguez",
    "Wilson", "Martínez", "Anderson", "Taylor", "Thomas", "Hernández", "Moore", "Martin", "Jackson",
    "Thompson", "White", "López", "Lee", "González", "Harris", "Clark", "Lewis", "O'Brien",
    "O'Connor", "D'Amico", "Müller", "Schmidt", "Schröder", "Núñez", "Peña", "Østergaard", "Ivanov",
    "Иванов", "Петрова", "Yamamoto", "Tanaka", "山田", "Kim", "Park", "Nguyễn", "Đặng", "Lefèvre",
    "Dubois", "Çelik", "Şahin", "Yılmaz", "Kowalski", "Wiśniewska", "Nowak", "Papadopoulos",
    "Rossi", "Bianchi", "Kumar", "Singh", "Patel", "Khan", "Chen", "Wang", "Li", "Zhang", "Silva",
    "Santos", "Costa", "Novák", "Dvořák", "Horváth", "Nagy", "Lindqvist", "Andersson", "Jensen",
    "Hansen", "de la Cruz", "van der Berg", "MacDonald", "St. John", "Al-Sayed", "Ben-David",
    "Smith-Jones", "Ó Súilleabháin", "Fitzgerald",
];

/// Syllables for the synthetic tail of the title and surname vocabularies.
#[rustfmt::skip]
const SYLLABLES: &[&str] = &[
    "ka", "lo", "ri", "ven", "mar", "tel", "sa", "dor", "mi", "na", "bel", "tor", "zu", "ran",
    "qui", "fen", "go", "har", "lis", "mon", "ber", "cas", "del", "fi", "gar", "jo", "kel", "lun",
    "mer", "nor", "pal", "ros", "sil", "tam", "ul", "vin", "wes", "yor", "zan", "aş",
];

/// Endings that make synthetic surnames look like surnames.
const SURNAME_ENDINGS: &[&str] = &[
    "", "son", "ez", "ova", "ski", "ini", "sen", "berg", "ano", "ović", "ás", "ay",
];

/// The word of a given rank beyond a static list: two or three syllables, capitalised.
/// Distinct ranks give distinct words within the first 64,000 (three base-40 digits).
pub(crate) fn synthetic_word(rank: u64, out: &mut Vec<u8>) {
    let base = SYLLABLES.len() as u64;
    let digits = if rank < base * base { 2 } else { 3 };
    let mut rest = rank;
    let start = out.len();
    for _ in 0..digits {
        out.extend_from_slice(SYLLABLES[(rest % base) as usize].as_bytes());
        rest /= base;
    }
    // Syllables start with ASCII letters, so capitalising the first byte keeps UTF-8 valid.
    out[start] = out[start].to_ascii_uppercase();
}

/// A surname of a given rank: static names first, then syllables with an ending.
pub(crate) fn surname(rank: u64, out: &mut Vec<u8>) {
    let known = LAST_NAMES.len() as u64;
    if rank < known {
        out.extend_from_slice(LAST_NAMES[rank as usize].as_bytes());
        return;
    }
    let rest = rank - known;
    let endings = SURNAME_ENDINGS.len() as u64;
    synthetic_word(rest / endings, out);
    out.extend_from_slice(SURNAME_ENDINGS[(rest % endings) as usize].as_bytes());
}

/// Region codes of akas, weighted roughly like the real file, with a language sometimes.
pub(crate) const REGIONS: &[((&str, &str), u32)] = &[
    (("US", "en"), 20),
    (("GB", "en"), 8),
    (("FR", "fr"), 8),
    (("DE", "de"), 8),
    (("ES", "es"), 6),
    (("IT", "it"), 6),
    (("JP", "ja"), 6),
    (("BR", "pt"), 5),
    (("IN", "hi"), 4),
    (("CA", "fr"), 4),
    (("MX", "es"), 4),
    (("RU", "ru"), 4),
    (("SE", "sv"), 3),
    (("PL", "pl"), 3),
    (("TR", "tr"), 3),
    (("KR", "ko"), 3),
    (("GR", "el"), 2),
    (("HU", "hu"), 2),
    (("PT", "pt"), 2),
    (("AU", "en"), 2),
    (("XWW", "en"), 3),
];

/// Character nouns for unnamed parts in `characters`.
#[rustfmt::skip]
pub(crate) const ROLES: &[&str] = &[
    "Doctor", "Waitress", "Man in Bar", "Police Officer", "Nurse", "Reporter", "Bartender",
    "Narrator", "Student", "Soldier", "Himself", "Herself", "Taxi Driver", "The Stranger",
    "Girl #2", "Guard 1", "Voice", "Young Anna", "Dancer", "Priest",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn synthetic_words_are_distinct_and_capitalised() {
        let mut seen = std::collections::HashSet::new();
        for rank in 0..20_000 {
            let mut word = Vec::new();
            synthetic_word(rank, &mut word);
            assert!(word[0].is_ascii_uppercase());
            assert!(seen.insert(word), "rank {rank} repeats");
        }
    }

    #[test]
    fn tables_have_no_tabs_or_newlines() {
        let all = TITLE_WORDS
            .iter()
            .chain(FOREIGN_WORDS)
            .chain(MALE_FIRST_NAMES)
            .chain(FEMALE_FIRST_NAMES)
            .chain(LAST_NAMES)
            .chain(ROLES);
        for word in all {
            assert!(!word.contains(['\t', '\n', '\r', '"', '\\']), "{word:?}");
        }
    }
}
