//! The tuning of each title type: how many there are, how often rated, how popular, how complete.
//!
//! The numbers approximate the December 2024 dumps. The movie profile is tuned so that about
//! 40,000 movies per 12.3 million titles pass the default filter (rated, at least 500 votes,
//! rating 6.0 or more, runtime and genres present), as 39,427 do in those dumps.

use crate::genres::{self, GenreMix};

/// IMDb's titleType values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    TvEpisode,
    Short,
    Movie,
    Video,
    TvSeries,
    TvMovie,
    TvMiniSeries,
    TvSpecial,
    VideoGame,
    TvShort,
}

impl Kind {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Kind::TvEpisode => "tvEpisode",
            Kind::Short => "short",
            Kind::Movie => "movie",
            Kind::Video => "video",
            Kind::TvSeries => "tvSeries",
            Kind::TvMovie => "tvMovie",
            Kind::TvMiniSeries => "tvMiniSeries",
            Kind::TvSpecial => "tvSpecial",
            Kind::VideoGame => "videoGame",
            Kind::TvShort => "tvShort",
        }
    }

    /// Series have an endYear; everything else has `\N` there.
    pub(crate) fn has_end_year(self) -> bool {
        matches!(self, Kind::TvSeries | Kind::TvMiniSeries)
    }
}

/// A title type's distributions. The three-element arrays are indexed by popularity tier:
/// unrated, rated with fewer than 500 votes, rated with 500 or more (popular titles have more
/// complete records in the real dumps, which is what keeps most of them in the filter).
pub(crate) struct Profile {
    pub(crate) kind: Kind,
    /// Probability of a title.ratings row.
    pub(crate) rated: f64,
    /// numVotes is log-normal: its median and the standard deviation of its logarithm.
    pub(crate) votes_median: f64,
    pub(crate) votes_sigma: f64,
    pub(crate) rating_mean: f64,
    pub(crate) rating_sd: f64,
    /// runtimeMinutes: normal (mean, sd), clamped to (min, max).
    pub(crate) runtime: (f64, f64, u16, u16),
    pub(crate) missing_runtime: [f64; 3],
    pub(crate) missing_genres: [f64; 3],
    pub(crate) missing_year: [f64; 3],
    /// startYear is 2025 minus an exponential age with this mean.
    pub(crate) mean_age: f64,
    pub(crate) genres: &'static GenreMix,
    /// Principals per title, uniform in this range, and the share of them that are cast.
    pub(crate) principals: (u64, u64),
    pub(crate) cast_share: f64,
    /// Akas per title, uniform in this range.
    pub(crate) akas: (u64, u64),
    /// Probability that originalTitle differs from primaryTitle.
    pub(crate) original_differs: f64,
}

const BASE: Profile = Profile {
    kind: Kind::Video,
    rated: 0.2,
    votes_median: 20.0,
    votes_sigma: 1.8,
    rating_mean: 6.3,
    rating_sd: 1.5,
    runtime: (60.0, 30.0, 1, 300),
    missing_runtime: [0.4, 0.15, 0.05],
    missing_genres: [0.1, 0.03, 0.01],
    missing_year: [0.06, 0.02, 0.01],
    mean_age: 18.0,
    genres: &genres::VIDEO,
    principals: (3, 11),
    cast_share: 0.5,
    akas: (0, 0),
    original_differs: 0.08,
};

pub(crate) const MOVIE: Profile = Profile {
    kind: Kind::Movie,
    rated: 0.42,
    // P(votes >= 500) = 0.19 with these two, which with P(rating >= 6) = 0.6 for popular
    // movies and the completeness below gives 4.7% of movies passing the default filter.
    votes_median: 50.0,
    votes_sigma: 2.6,
    rating_mean: 6.15,
    rating_sd: 1.35,
    runtime: (95.0, 22.0, 40, 400),
    missing_runtime: [0.35, 0.08, 0.02],
    missing_genres: [0.06, 0.02, 0.01],
    missing_year: [0.05, 0.01, 0.0],
    mean_age: 25.0,
    genres: &genres::MOVIE,
    principals: (6, 14),
    cast_share: 0.45,
    akas: (1, 5),
    original_differs: 0.15,
};

const EPISODE: Profile = Profile {
    kind: Kind::TvEpisode,
    rated: 0.08,
    votes_median: 12.0,
    votes_sigma: 1.3,
    rating_mean: 7.2,
    rating_sd: 1.1,
    runtime: (32.0, 14.0, 1, 180),
    missing_runtime: [0.65, 0.3, 0.1],
    missing_genres: [0.25, 0.1, 0.05],
    missing_year: [0.1, 0.02, 0.01],
    mean_age: 12.0,
    genres: &genres::TELEVISION,
    principals: (4, 12),
    original_differs: 0.03,
    ..BASE
};

const SHORT: Profile = Profile {
    kind: Kind::Short,
    rated: 0.15,
    votes_median: 15.0,
    votes_sigma: 1.4,
    rating_mean: 6.8,
    rating_sd: 1.2,
    runtime: (12.0, 8.0, 1, 45),
    genres: &genres::SHORT,
    principals: (2, 10),
    ..BASE
};

const TV_SERIES: Profile = Profile {
    kind: Kind::TvSeries,
    rated: 0.35,
    votes_median: 60.0,
    votes_sigma: 2.2,
    rating_mean: 6.9,
    rating_sd: 1.2,
    runtime: (40.0, 18.0, 1, 200),
    genres: &genres::TELEVISION,
    principals: (4, 12),
    akas: (0, 3),
    ..BASE
};

const TV_MOVIE: Profile = Profile {
    kind: Kind::TvMovie,
    rated: 0.4,
    votes_median: 40.0,
    rating_mean: 6.2,
    rating_sd: 1.3,
    runtime: (85.0, 20.0, 40, 240),
    genres: &genres::MOVIE,
    principals: (6, 12),
    akas: (0, 3),
    original_differs: 0.12,
    ..BASE
};

/// Title types of the whole-dump shape, with their shares in thousandths.
pub(crate) const DUMP_MIX: &[(&Profile, u32)] = &[
    (&EPISODE, 737),
    (&SHORT, 110),
    (&MOVIE, 70),
    (&BASE, 28),
    (&TV_SERIES, 25),
    (&TV_MOVIE, 12),
    (
        &Profile {
            kind: Kind::TvMiniSeries,
            rated: 0.45,
            votes_median: 60.0,
            rating_mean: 7.0,
            ..TV_SERIES
        },
        6,
    ),
    (
        &Profile {
            kind: Kind::TvSpecial,
            rated: 0.3,
            votes_median: 40.0,
            genres: &genres::TELEVISION,
            ..BASE
        },
        5,
    ),
    (
        &Profile {
            kind: Kind::VideoGame,
            rated: 0.3,
            votes_median: 50.0,
            votes_sigma: 2.2,
            runtime: (0.0, 0.0, 1, 1),
            missing_runtime: [1.0, 1.0, 1.0],
            ..BASE
        },
        4,
    ),
    (
        &Profile {
            kind: Kind::TvShort,
            ..SHORT
        },
        3,
    ),
];

/// The sample's movies: nearly all rated, popular and complete, so about 90% pass the filter.
pub(crate) const SAMPLE_MOVIE: Profile = Profile {
    rated: 0.99,
    votes_median: 8000.0,
    votes_sigma: 1.4,
    rating_mean: 7.2,
    rating_sd: 0.75,
    missing_runtime: [0.2, 0.05, 0.01],
    missing_genres: [0.05, 0.02, 0.005],
    missing_year: [0.02, 0.01, 0.005],
    principals: (7, 13),
    cast_share: 0.5,
    akas: (1, 4),
    original_differs: 0.2,
    ..MOVIE
};

/// The sample's few episodes: rated and popular, there to be dropped by the titleType filter.
pub(crate) const SAMPLE_EPISODE: Profile = Profile {
    rated: 0.9,
    votes_median: 2000.0,
    votes_sigma: 1.0,
    ..EPISODE
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dump_mix_adds_up_to_a_thousand_with_seven_percent_movies() {
        let total: u32 = DUMP_MIX.iter().map(|&(_, share)| share).sum();
        assert_eq!(total, 1000);
        let movies: u32 = DUMP_MIX
            .iter()
            .filter(|(profile, _)| profile.kind == Kind::Movie)
            .map(|&(_, share)| share)
            .sum();
        assert_eq!(movies, 70);
    }

    #[test]
    fn about_thirteen_percent_of_titles_are_rated() {
        let rated: f64 = DUMP_MIX
            .iter()
            .map(|(profile, share)| profile.rated * f64::from(*share) / 1000.0)
            .sum();
        assert!((0.12..0.14).contains(&rated), "{rated}");
    }
}
