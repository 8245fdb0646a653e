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

// The container image (Dockerfile, .dockerignore) and the server's Kubernetes manifest
// (deploy/kubernetes/serve.yaml), docs/deploy.md. No image can be built here: these tests check
// the stages, that every file the build copies is in the repository (and not ignored), that the
// sources' embedded files are copied, and that every command line is accepted by the CLI.

fn repo_root() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn repo_file(relative: &str) -> String {
    let path = repo_root().join(relative);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// One Dockerfile instruction: its keyword (upper case), its arguments, and its stage's index.
#[derive(Debug)]
struct Instruction {
    keyword: String,
    args: String,
    stage: usize,
}

/// The instructions of a Dockerfile: comments dropped, `\` continuations joined.
fn dockerfile_instructions(text: &str) -> Vec<Instruction> {
    let mut logical = Vec::new();
    let mut current = String::new();
    for line in text.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with('#') || (trimmed.is_empty() && current.is_empty()) {
            continue;
        }
        match trimmed.strip_suffix('\\') {
            Some(head) => {
                current.push_str(head);
                current.push(' ');
            }
            None => {
                current.push_str(trimmed);
                logical.push(std::mem::take(&mut current));
            }
        }
    }
    assert!(
        current.is_empty(),
        "a continuation at the end of the Dockerfile"
    );
    let mut stage = 0;
    let mut instructions: Vec<Instruction> = Vec::new();
    for line in logical.into_iter().filter(|l| !l.trim().is_empty()) {
        let (keyword, args) = line.split_once(char::is_whitespace).unwrap_or((&line, ""));
        let keyword = keyword.to_ascii_uppercase();
        if keyword == "FROM" && instructions.iter().any(|i| i.keyword == "FROM") {
            stage += 1;
        }
        instructions.push(Instruction {
            keyword,
            args: args.trim().to_owned(),
            stage,
        });
    }
    instructions
}

/// The arguments of an exec-form instruction (`["filmdex", "up"]`).
fn exec_form(instruction: &Instruction) -> Vec<String> {
    serde_json::from_str(&instruction.args).unwrap_or_else(|e| {
        panic!(
            "{} {} is not the exec form: {e}",
            instruction.keyword, instruction.args
        )
    })
}

/// `COPY [--flags] SOURCE... DEST`: the flags, the sources, the destination.
fn copy_parts(args: &str) -> (Vec<String>, Vec<String>, String) {
    let words: Vec<String> = args.split_whitespace().map(str::to_owned).collect();
    let (flags, mut paths): (Vec<String>, Vec<String>) =
        words.into_iter().partition(|w| w.starts_with("--"));
    let dest = paths.pop().expect("a COPY destination");
    assert!(!paths.is_empty(), "COPY {args} has no source");
    (flags, paths, dest)
}

/// The workspace members of the root Cargo.toml.
fn workspace_members() -> Vec<String> {
    let manifest = repo_file("Cargo.toml");
    let start = manifest.find("members = [").expect("a members list");
    let list = &manifest[start..];
    let list = &list[..list.find(']').expect("the end of members")];
    let members: Vec<String> = list
        .split('"')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect();
    assert!(
        members.contains(&"crates/filmdex".to_owned()),
        "{members:?}"
    );
    members
}

/// Whether .dockerignore keeps `path` (relative to the root) out of the build context.
fn docker_ignored(path: &str, patterns: &[String]) -> bool {
    let components: Vec<&str> = path.split('/').filter(|c| !c.is_empty()).collect();
    patterns.iter().any(|pattern| {
        let pattern = pattern.trim_end_matches('/');
        match pattern.strip_prefix("**/") {
            // Any folder of that name, at any depth.
            Some(name) => components.contains(&name),
            // A path from the root: it, or anything under it.
            None => {
                let parts: Vec<&str> = pattern.split('/').collect();
                components.len() >= parts.len() && components[..parts.len()] == parts[..]
            }
        }
    })
}

fn dockerignore_patterns() -> Vec<String> {
    repo_file(".dockerignore")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_owned)
        .collect()
}

/// The files a crate's sources embed with include_bytes!/include_str!, relative to the root.
fn embedded_files(crate_dir: &str) -> Vec<String> {
    fn walk(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).expect("a source folder") {
            let path = entry.expect("an entry").path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    let root = repo_root().canonicalize().expect("the repository");
    let mut sources = Vec::new();
    walk(&root.join(crate_dir).join("src"), &mut sources);
    let mut embedded = Vec::new();
    for source in sources {
        let text = std::fs::read_to_string(&source).expect("a source file");
        for macro_name in ["include_bytes!(\"", "include_str!(\""] {
            for (at, _) in text.match_indices(macro_name) {
                let rest = &text[at + macro_name.len()..];
                let relative = &rest[..rest.find('"').expect("a closing quote")];
                let file = source
                    .parent()
                    .expect("a folder")
                    .join(relative)
                    .canonicalize()
                    .unwrap_or_else(|e| panic!("{relative} in {}: {e}", source.display()));
                let file = file.strip_prefix(&root).expect("inside the repository");
                embedded.push(file.to_string_lossy().into_owned());
            }
        }
    }
    embedded
}

#[test]
fn the_dockerfile_builds_the_dependencies_in_their_own_layer_then_the_sources() {
    let instructions = dockerfile_instructions(&repo_file("Dockerfile"));
    let froms: Vec<&Instruction> = instructions
        .iter()
        .filter(|i| i.keyword == "FROM")
        .collect();
    assert!(froms.len() >= 2, "a builder and a runtime stage");
    let (image, name) = froms[0]
        .args
        .split_once(" AS ")
        .expect("FROM ... AS builder");
    assert_eq!(name.trim(), "builder");
    let tag = image.trim().strip_prefix("rust:").expect("a Rust image");
    assert!(
        tag.starts_with("1.") && tag.contains("slim"),
        "a pinned slim Rust image, not {image}"
    );
    let builder: Vec<&Instruction> = instructions.iter().filter(|i| i.stage == 0).collect();

    // Cargo builds: the first (stub sources) before any source is copied, the last after.
    let cargo_builds: Vec<usize> = builder
        .iter()
        .enumerate()
        .filter(|(_, i)| i.keyword == "RUN" && i.args.contains("cargo build"))
        .map(|(at, _)| at)
        .collect();
    assert_eq!(
        cargo_builds.len(),
        2,
        "a dependency build and a final build"
    );
    for &at in &cargo_builds {
        let run = &builder[at].args;
        for flag in ["--release", "-p filmdex", "--locked"] {
            assert!(run.contains(flag), "{flag} in RUN {run}");
        }
    }
    let (first_build, last_build) = (cargo_builds[0], cargo_builds[1]);
    let copied = |range: std::ops::Range<usize>| -> Vec<String> {
        builder[range]
            .iter()
            .filter(|i| i.keyword == "COPY")
            .flat_map(|i| copy_parts(&i.args).1)
            .collect()
    };
    let before = copied(0..first_build);
    let after = copied(first_build..last_build);
    for manifest in ["Cargo.toml", "Cargo.lock"] {
        assert!(
            before.iter().any(|s| s == manifest),
            "{manifest} copied first"
        );
    }
    let members = workspace_members();
    for member in &members {
        let manifest = format!("{member}/Cargo.toml");
        assert!(
            before.contains(&manifest),
            "{manifest} copied for the dependency build"
        );
        assert!(
            builder[first_build]
                .args
                .contains(member.trim_start_matches("crates/")),
            "a stub for {member}"
        );
        assert!(
            after.contains(member),
            "{member} copied for the final build"
        );
    }
    assert!(
        before
            .iter()
            .all(|s| s.ends_with("Cargo.toml") || s == "Cargo.lock"),
        "only manifests before the dependency build (else any change rebuilds DuckDB): {before:?}"
    );

    // Every source is in the repository and in the build context.
    let ignored = dockerignore_patterns();
    for source in before.iter().chain(&after) {
        assert!(
            repo_root().join(source).exists(),
            "COPY {source}: not in the repository"
        );
        assert!(
            !docker_ignored(source, &ignored),
            "COPY {source}: excluded by .dockerignore"
        );
    }
    // What the sources embed is copied before the final build.
    for member in &members {
        for file in embedded_files(member) {
            assert!(
                after
                    .iter()
                    .any(|s| file == *s || file.starts_with(&format!("{s}/"))),
                "{member} embeds {file}, which no COPY brings before the final build"
            );
            assert!(!docker_ignored(&file, &ignored), "{file} is ignored");
        }
    }
    // The build context leaves out builds and workdirs.
    for big in ["target", "datasets", "output", "duckdb", ".filmdex", ".git"] {
        assert!(docker_ignored(big, &ignored), "{big} in .dockerignore");
    }
    assert!(docker_ignored("e2e/node_modules", &ignored));
    assert!(docker_ignored("e2e/screenshots", &ignored));

    // The runtime stage takes the binary from the builder.
    let runtime = froms.len() - 1;
    let from_builder: Vec<(Vec<String>, Vec<String>, String)> = instructions
        .iter()
        .filter(|i| i.stage == runtime && i.keyword == "COPY")
        .map(|i| copy_parts(&i.args))
        .collect();
    assert!(
        from_builder.iter().any(|(flags, sources, dest)| {
            flags.contains(&"--from=builder".to_owned())
                && sources
                    .iter()
                    .any(|s| s.ends_with("/target/release/filmdex"))
                && dest == "/usr/local/bin/filmdex"
        }),
        "the binary copied to /usr/local/bin/filmdex: {from_builder:?}"
    );
}

#[test]
fn the_docker_image_serves_the_sample_as_a_non_root_user_with_a_health_check() {
    let instructions = dockerfile_instructions(&repo_file("Dockerfile"));
    let runtime_stage = instructions.last().expect("instructions").stage;
    let runtime: Vec<&Instruction> = instructions
        .iter()
        .filter(|i| i.stage == runtime_stage)
        .collect();
    let last = |keyword: &str| {
        runtime
            .iter()
            .rev()
            .find(|i| i.keyword == keyword)
            .unwrap_or_else(|| panic!("no {keyword} in the runtime stage"))
    };
    assert!(
        runtime[0].args.starts_with("debian:") && runtime[0].args.contains("slim"),
        "a slim runtime image: FROM {}",
        runtime[0].args
    );

    let user = &last("USER").args;
    let uid = user.split(':').next().expect("a user");
    let uid: u32 = uid
        .parse()
        .unwrap_or_else(|_| panic!("USER {user}: numeric, for runAsNonRoot"));
    assert_ne!(uid, 0, "not root");
    assert_eq!(last("WORKDIR").args, "/data");
    assert!(
        runtime
            .iter()
            .any(|i| i.keyword == "RUN" && i.args.contains(&format!("chown {uid}"))),
        "/data belongs to the user"
    );
    assert!(
        runtime
            .iter()
            .any(|i| i.keyword == "RUN" && i.args.contains("ca-certificates")),
        "ca-certificates, for `filmdex fetch` over https"
    );
    let exposed = &last("EXPOSE").args;
    assert_eq!(exposed, "8000");

    let health = &last("HEALTHCHECK").args;
    let check = &health[health.find("CMD ").expect("HEALTHCHECK ... CMD")..];
    assert!(check.contains("/healthz"), "{check}");
    assert!(
        check.contains(":-8000}") || check.contains(":8000/"),
        "{check}"
    );
    assert!(
        runtime
            .iter()
            .any(|i| i.keyword == "RUN" && i.args.contains(" curl")),
        "the health check's curl is installed"
    );

    let entrypoint = exec_form(last("ENTRYPOINT"));
    assert_eq!(entrypoint, vec!["filmdex".to_owned()]);
    let command = exec_form(last("CMD"));
    let mut argv = entrypoint.clone();
    argv.extend(command.iter().cloned());
    let cli = Cli::try_parse_from(&argv).unwrap_or_else(|e| panic!("{argv:?} refused:\n{e}"));
    let Subcommand::Up(up) = cli.command else {
        panic!("{argv:?} is not `up`")
    };
    let build = up
        .build
        .resolve(&cli.workdir)
        .unwrap_or_else(|e| panic!("{argv:?}: {e:#}"));
    assert_eq!(build.source, filmdex::config::DatasetSource::Sample);
    let serve = up
        .serve
        .resolve(&cli.workdir)
        .unwrap_or_else(|e| panic!("{argv:?}: {e:#}"));
    assert_eq!(
        serve.bind,
        format!("0.0.0.0:{exposed}"),
        "reachable through -p"
    );
    assert_eq!(serve.database, build.layout.database());

    // The Kubernetes manifest runs the image as the same user.
    let docs = YamlLoader::load_from_str(&deploy_file("kubernetes/serve.yaml")).expect("YAML");
    let deployment = docs
        .iter()
        .find(|d| d["kind"].as_str() == Some("Deployment"))
        .expect("a Deployment");
    let pod = &deployment["spec"]["template"]["spec"]["securityContext"];
    assert_eq!(pod["runAsUser"].as_i64(), Some(i64::from(uid)));
}

/// A container's `command` + `args`, without the leading `filmdex`.
fn container_args(container: &Yaml) -> Vec<String> {
    let mut argv = strings(&container["command"]);
    argv.extend(strings(&container["args"]));
    assert_eq!(
        argv.first().map(String::as_str),
        Some("filmdex"),
        "{argv:?}"
    );
    argv
}

/// The container port a probe or a Service targets: a number, or a port's name.
fn named_port(container: &Yaml, port: &Yaml) -> i64 {
    match (port.as_i64(), port.as_str()) {
        (Some(number), _) => number,
        (None, Some(name)) => container["ports"]
            .as_vec()
            .expect("ports")
            .iter()
            .find(|p| p["name"].as_str() == Some(name))
            .and_then(|p| p["containerPort"].as_i64())
            .unwrap_or_else(|| panic!("no port named {name}")),
        _ => panic!("a port: {port:?}"),
    }
}

/// The mount path of the volume backed by a PersistentVolumeClaim in `container`.
fn claim_mount(pod: &Yaml, container: &Yaml, claim: &str) -> String {
    let volume = pod["volumes"]
        .as_vec()
        .expect("volumes")
        .iter()
        .find(|v| v["persistentVolumeClaim"]["claimName"].as_str() == Some(claim))
        .and_then(|v| v["name"].as_str())
        .unwrap_or_else(|| panic!("no volume of the claim {claim}"));
    container["volumeMounts"]
        .as_vec()
        .expect("volumeMounts")
        .iter()
        .find(|m| m["name"].as_str() == Some(volume))
        .and_then(|m| m["mountPath"].as_str())
        .unwrap_or_else(|| panic!("{volume} not mounted"))
        .to_owned()
}

#[test]
fn the_kubernetes_server_reads_its_database_from_a_volume_and_is_probed() {
    let docs = YamlLoader::load_from_str(&deploy_file("kubernetes/serve.yaml")).expect("YAML");
    let of_kind = |kind: &str| {
        docs.iter()
            .find(|d| d["kind"].as_str() == Some(kind))
            .unwrap_or_else(|| panic!("no {kind}"))
    };
    let deployment = of_kind("Deployment");
    let service = of_kind("Service");
    let claim = of_kind("PersistentVolumeClaim");
    assert_eq!(deployment["apiVersion"].as_str(), Some("apps/v1"));
    assert_eq!(service["apiVersion"].as_str(), Some("v1"));
    let claim_name = claim["metadata"]["name"].as_str().expect("a claim name");

    let template = &deployment["spec"]["template"];
    let labels = template["metadata"]["labels"]
        .as_hash()
        .expect("pod labels");
    for selector in [
        &deployment["spec"]["selector"]["matchLabels"],
        &service["spec"]["selector"],
    ] {
        for (key, value) in selector.as_hash().expect("a selector") {
            assert_eq!(labels.get(key), Some(value), "the pods match {key:?}");
        }
    }
    let pod = &template["spec"];
    assert_eq!(pod["securityContext"]["runAsNonRoot"].as_bool(), Some(true));

    let containers = pod["containers"].as_vec().expect("containers");
    assert_eq!(containers.len(), 1);
    let container = &containers[0];
    let argv = container_args(container);
    let cli = Cli::try_parse_from(&argv).unwrap_or_else(|e| panic!("{argv:?} refused:\n{e}"));
    let Subcommand::Serve(serve) = cli.command else {
        panic!("{argv:?} is not `serve`")
    };
    let serve = serve
        .resolve(&cli.workdir)
        .unwrap_or_else(|e| panic!("{argv:?}: {e:#}"));
    assert!(
        serve.watch,
        "--watch: a new build is served without a restart"
    );
    let (host, port) = serve.bind.rsplit_once(':').expect("host:port");
    assert_eq!(host, "0.0.0.0", "reachable from the Service");
    let port: i64 = port.parse().expect("a port");
    let http = named_port(container, &Yaml::String("http".to_owned()));
    assert_eq!(port, http, "the server listens on the container port");
    let mount = claim_mount(pod, container, claim_name);
    assert!(
        serve.database.starts_with(&mount),
        "{} is on the volume at {mount}",
        serve.database.display()
    );

    for (probe, path) in [("readinessProbe", "/readyz"), ("livenessProbe", "/healthz")] {
        let get = &container[probe]["httpGet"];
        assert_eq!(get["path"].as_str(), Some(path), "{probe}");
        assert_eq!(named_port(container, &get["port"]), port, "{probe}");
    }

    // Whatever fills the volume writes the file the server reads.
    for init in pod["initContainers"].as_vec().into_iter().flatten() {
        let argv = container_args(init);
        let cli = Cli::try_parse_from(&argv).unwrap_or_else(|e| panic!("{argv:?} refused:\n{e}"));
        let Subcommand::Build(build) = cli.command else {
            panic!("{argv:?} is not `build`")
        };
        let build = build
            .resolve(&cli.workdir)
            .unwrap_or_else(|e| panic!("{argv:?}: {e:#}"));
        assert_eq!(build.layout.database(), serve.database, "{argv:?}");
        assert_eq!(claim_mount(pod, init, claim_name), mount);
    }

    for container in containers
        .iter()
        .chain(pod["initContainers"].as_vec().into_iter().flatten())
    {
        let security = &container["securityContext"];
        assert_eq!(security["readOnlyRootFilesystem"].as_bool(), Some(true));
        assert_eq!(security["allowPrivilegeEscalation"].as_bool(), Some(false));
        let resources = &container["resources"];
        assert!(resources["requests"]["memory"].as_str().is_some());
        assert!(resources["limits"]["memory"].as_str().is_some());
    }

    let ports = service["spec"]["ports"].as_vec().expect("service ports");
    assert_eq!(ports[0]["port"].as_i64(), Some(80));
    assert_eq!(named_port(container, &ports[0]["targetPort"]), port);
}
