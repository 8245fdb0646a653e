//! The deployment files of docs/scale-out.md (deploy/) cannot run here: these
//! tests check that they parse, that their shard settings agree, and that the filmdex command
//! each one runs, with its variables filled in, is accepted by the command line.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use clap::{CommandFactory, Parser};
use filmdex::cli::{Cli, Command as Subcommand};
use filmdex::config::BuildConfig;
use filmdex_similarity::Shard;
use yaml_rust2::{Yaml, YamlLoader};

fn deploy_file(relative: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../deploy")
        .join(relative);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The long option that reads the variable `name` (`FILMDEX_SHARD` -> `--shard`).
fn option_of_env(name: &str) -> String {
    let root = Cli::command();
    let build = root
        .find_subcommand("build")
        .expect("a build command")
        .clone();
    let long = root
        .get_arguments()
        .chain(build.get_arguments())
        .find(|arg| arg.get_env().is_some_and(|env| env == name))
        .and_then(|arg| arg.get_long())
        .map(|long| format!("--{long}"));
    long.unwrap_or_else(|| panic!("no option reads {name}"))
}

/// Parses and resolves `filmdex <args>` as the binary would, with `env` as its FILMDEX_*
/// variables (turned into the options that read them, so no process environment is touched).
fn accepted(args: &[String], env: &BTreeMap<String, String>) -> BuildConfig {
    let mut argv = vec!["filmdex".to_owned()];
    argv.extend(args.iter().cloned());
    for (name, value) in env.iter().filter(|(name, _)| name.starts_with("FILMDEX_")) {
        argv.push(option_of_env(name));
        argv.push(value.clone());
    }
    let cli = Cli::try_parse_from(&argv).unwrap_or_else(|e| panic!("{argv:?} refused:\n{e}"));
    match cli.command {
        Subcommand::Build(build) => build
            .resolve(&cli.workdir)
            .unwrap_or_else(|e| panic!("{argv:?} refused: {e:#}")),
        other => panic!("{argv:?} is not a build: {other:?}"),
    }
}

/// `$(NAME)` references of Kubernetes, filled from `vars`.
fn expand_kubernetes(text: &str, vars: &BTreeMap<String, String>) -> String {
    let mut out = text.to_owned();
    for (name, value) in vars {
        out = out.replace(&format!("$({name})"), value);
    }
    assert!(!out.contains("$("), "unresolved reference in {text}");
    out
}

fn strings(yaml: &Yaml) -> Vec<String> {
    yaml.as_vec()
        .map(|items| {
            items
                .iter()
                .map(|item| item.as_str().expect("a string").to_owned())
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn the_kubernetes_indexed_job_maps_each_index_to_its_shard() {
    let docs = YamlLoader::load_from_str(&deploy_file("kubernetes/similarity-shards.yaml"))
        .expect("valid YAML");
    let job = &docs[0];
    assert_eq!(job["apiVersion"].as_str(), Some("batch/v1"));
    assert_eq!(job["kind"].as_str(), Some("Job"));
    let spec = &job["spec"];
    assert_eq!(spec["completionMode"].as_str(), Some("Indexed"));
    let completions = spec["completions"].as_i64().expect("completions");
    assert!(spec["parallelism"].as_i64().expect("parallelism") <= completions);
    assert!(
        spec["backoffLimitPerIndex"].as_i64().is_some(),
        "per-index retries"
    );
    let pod = &spec["template"]["spec"];
    assert_eq!(pod["restartPolicy"].as_str(), Some("Never"));
    let container = &pod["containers"][0];
    let mut args = strings(&container["command"]);
    assert_eq!(args.first().map(String::as_str), Some("filmdex"));
    args.remove(0);
    args.extend(strings(&container["args"]));

    for index in [0, 3, completions - 1] {
        // What the job controller and the kubelet fill in for pod `index`.
        let mut vars = BTreeMap::new();
        for item in container["env"].as_vec().expect("env") {
            let name = item["name"].as_str().expect("name").to_owned();
            let value = match item["value"].as_str() {
                Some(value) => expand_kubernetes(value, &vars),
                None if name == "JOB_COMPLETION_INDEX" => {
                    let field = item["valueFrom"]["fieldRef"]["fieldPath"].as_str();
                    assert_eq!(
                        field,
                        Some("metadata.annotations['batch.kubernetes.io/job-completion-index']")
                    );
                    index.to_string()
                }
                None => "secret".to_owned(),
            };
            vars.insert(name, value);
        }
        let args: Vec<String> = args.iter().map(|a| expand_kubernetes(a, &vars)).collect();
        let config = accepted(&args, &vars);
        let expected = Shard::new(index as u32, completions as u32).expect("a shard");
        assert_eq!(config.shard, Some(expected), "pod {index}");
        assert_eq!(config.tasks, vec!["similarity".to_owned()]);
        assert!(config
            .films_from
            .as_deref()
            .is_some_and(|f| f.starts_with("s3://")));
        assert!(config
            .pairs
            .as_deref()
            .is_some_and(|p| p.starts_with("s3://")));
    }
}

/// Splits a shell command line of words, "double-quoted" words and $VAR / ${VAR} references.
fn shell_words(line: &str, vars: &BTreeMap<&str, &str>) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                quoted = !quoted;
                in_word = true;
            }
            '$' => {
                let braced = chars.peek() == Some(&'{');
                if braced {
                    chars.next();
                }
                let mut name = String::new();
                while let Some(&n) = chars.peek() {
                    if n.is_ascii_alphanumeric() || n == '_' {
                        name.push(n);
                        chars.next();
                    } else {
                        break;
                    }
                }
                if braced {
                    assert_eq!(chars.next(), Some('}'), "only ${{NAME}} in {line}");
                }
                word.push_str(
                    vars.get(name.as_str())
                        .unwrap_or_else(|| panic!("${name}?")),
                );
                in_word = true;
            }
            c if c.is_whitespace() && !quoted => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            c => {
                word.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        words.push(word);
    }
    words
}

#[test]
fn the_slurm_array_maps_each_task_to_its_shard() {
    let script = deploy_file("slurm/similarity-shards.sbatch");
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../deploy/slurm/similarity-shards.sbatch");
    let syntax = Command::new("bash")
        .arg("-n")
        .arg(&path)
        .output()
        .expect("run bash -n");
    assert!(
        syntax.status.success(),
        "{}",
        String::from_utf8_lossy(&syntax.stderr)
    );
    let array = script
        .lines()
        .find_map(|l| l.strip_prefix("#SBATCH --array="))
        .expect("an #SBATCH --array line");
    let (first, last) = array.split_once('-').expect("a range like 0-7");
    assert_eq!(first, "0", "shards are numbered from 0");
    let count: u32 = last.parse::<u32>().expect("a number") + 1;
    let command = script
        .lines()
        .find(|l| l.starts_with("filmdex "))
        .expect("a filmdex command line");
    for index in [0, count - 1] {
        let (index_text, count_text) = (index.to_string(), count.to_string());
        let vars = BTreeMap::from([
            ("SLURM_ARRAY_TASK_ID", index_text.as_str()),
            ("SLURM_ARRAY_TASK_COUNT", count_text.as_str()),
            ("SLURM_CPUS_PER_TASK", "2"),
            ("WORKDIR", "/tmp/filmdex-1-0"),
            ("FILMS", "/shared/output/films/films.parquet"),
            ("PAIRS", "/shared/output/shards"),
        ]);
        let words = shell_words(command, &vars);
        let config = accepted(&words[1..], &BTreeMap::new());
        assert_eq!(config.shard, Shard::new(index, count), "array task {index}");
        assert_eq!(config.pairs.as_deref(), Some("/shared/output/shards"));
        assert_eq!(config.duck.threads, 2);
    }
}
