//! The build's task list, in dependency order: fetch -> prep -> akas, genres, similarity -> load; or,
//! for one shard of the similarity task, fetch -> prep -> that shard.

use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::Result;
use filmdex_similarity::Shard;

use crate::akas::AkasTask;
use crate::config::{BuildConfig, DatasetSource};
use crate::dumps::{Dump, PREP_INPUTS};
use crate::exit::ExitKind;
use crate::fetch::{FetchTask, Origin};
use crate::pipeline::{Task, TaskName};
use crate::prep::genres::GenresTask;
use crate::prep::{PrepTask, FILMS_FILE};
use crate::sample;
use crate::similarity::shard::{FilmsSource, ShardTask};
use crate::similarity::SimilarityTask;
use crate::storage::Location;
use crate::store::{LoadTask, PairsInput};

/// The file of each dump for one build.
type DatasetPaths = BTreeMap<Dump, PathBuf>;

/// Every task of a build with `config`, upstream first.
pub fn tasks(config: &BuildConfig) -> Result<Vec<Box<dyn Task>>> {
    if let Some(shard) = config.shard {
        return shard_tasks(config, shard);
    }
    let layout = &config.layout;
    let datasets = dataset_paths(config)?;
    let mut tasks = films_tasks(config, &datasets)?;
    tasks.push(Box::new(AkasTask {
        akas: datasets.get(&Dump::TitleAkas).cloned(),
        films_dir: layout.films_dir(),
        akas_dir: layout.akas_dir(),
        duck: config.duck.clone(),
    }));
    tasks.push(Box::new(GenresTask {
        films_dir: layout.films_dir(),
        genres_dir: layout.genres_dir(),
        duck: config.duck.clone(),
    }));
    // With --pairs, load gathers pairs computed elsewhere (shards, Spark) instead.
    let pairs = match &config.pairs {
        None => {
            tasks.push(Box::new(SimilarityTask {
                films_dir: layout.films_dir(),
                csfilms_dir: layout.csfilms_dir(),
                params: config.similarity.clone(),
                duck: config.duck.clone(),
            }));
            PairsInput::Task(layout.csfilms_dir())
        }
        Some(location) => PairsInput::Gathered {
            location: Location::parse(location)?,
            scratch: layout.scratch_dir().join("gathered-pairs"),
        },
    };
    tasks.push(Box::new(LoadTask {
        films_dir: layout.films_dir(),
        akas_dir: layout.akas_dir(),
        pairs,
        database: layout.database(),
        prep: config.prep.clone(),
        similarity: config.similarity.clone(),
        duck: config.duck.clone(),
    }));
    Ok(tasks)
}

/// The tasks the build runs: those named on the command line (all when none is), or the shard.
pub fn selected(config: &BuildConfig) -> Vec<TaskName> {
    match config.shard {
        Some(shard) => vec![TaskName::Shard(shard)],
        None => config.tasks.clone(),
    }
}

/// `--shard I/N`: the shard, reading the films table given with `--films`, or this workdir's,
/// made by prep when it is not up to date. Its parts go to `--pairs`, or `output/shards`.
fn shard_tasks(config: &BuildConfig, shard: Shard) -> Result<Vec<Box<dyn Task>>> {
    let layout = &config.layout;
    let (mut tasks, films) = match &config.films_from {
        Some(films) => (Vec::new(), FilmsSource::parse(films)?),
        None => (
            films_tasks(config, &dataset_paths(config)?)?,
            FilmsSource::Built(layout.films_dir().join(FILMS_FILE)),
        ),
    };
    let pairs = match &config.pairs {
        Some(pairs) => Location::parse(pairs)?,
        None => Location::parse(&layout.default_pairs().display().to_string())?,
    };
    tasks.push(Box::new(ShardTask::new(
        shard,
        films,
        pairs,
        config.similarity.clone(),
        config.duck.clone(),
        layout.scratch_dir(),
    )));
    Ok(tasks)
}

/// The dumps in place, and the films table made from them.
fn films_tasks(config: &BuildConfig, datasets: &DatasetPaths) -> Result<Vec<Box<dyn Task>>> {
    let mut tasks: Vec<Box<dyn Task>> = Vec::new();
    for (dump, dest) in datasets {
        let origin = match &config.source {
            DatasetSource::Download => Origin::Download {
                config: config.fetch.clone(),
                offline: config.offline,
            },
            DatasetSource::Sample => Origin::Embedded(sample::embedded(*dump)),
            DatasetSource::Folder(_) => Origin::Local,
        };
        tasks.push(Box::new(FetchTask {
            dump: *dump,
            dest: dest.clone(),
            origin,
        }));
    }
    let inputs = PREP_INPUTS
        .iter()
        .map(|dump| (*dump, datasets[dump].clone()))
        .collect();
    tasks.push(Box::new(PrepTask {
        inputs,
        params: config.prep.clone(),
        films_dir: config.layout.films_dir(),
        duck: config.duck.clone(),
    }));
    Ok(tasks)
}

/// Where each dump file is for this source. A local folder, or an offline workdir, may lack akas
/// (prep does not read it; the akas task then makes an empty table).
fn dataset_paths(config: &BuildConfig) -> Result<DatasetPaths> {
    let mut paths = BTreeMap::new();
    match &config.source {
        DatasetSource::Download => {
            for dump in Dump::ALL {
                let path = config.layout.datasets().join(dump.file_name());
                let optional = !PREP_INPUTS.contains(&dump);
                if config.offline && optional && !path.is_file() {
                    continue;
                }
                paths.insert(dump, path);
            }
        }
        DatasetSource::Sample => {
            for dump in Dump::ALL {
                paths.insert(dump, config.layout.sample_datasets().join(dump.file_name()));
            }
        }
        DatasetSource::Folder(folder) => {
            for dump in Dump::ALL {
                match find_dump(folder, dump) {
                    Some(path) => {
                        paths.insert(dump, path);
                    }
                    None if PREP_INPUTS.contains(&dump) => {
                        return Err(ExitKind::Data.error(format!(
                            "{} has no {} (looked for {}.tsv.gz and {}.tsv)",
                            folder.display(),
                            dump,
                            dump.stem(),
                            dump.stem()
                        )))
                    }
                    None => {}
                }
            }
        }
    }
    Ok(paths)
}

fn find_dump(folder: &std::path::Path, dump: Dump) -> Option<PathBuf> {
    [dump.file_name(), format!("{}.tsv", dump.stem())]
        .into_iter()
        .map(|name| folder.join(name))
        .find(|path| path.is_file())
}
