//! Where shard inputs and outputs live: a local folder or object storage (`s3://`, `gs://`,
//! `az://`), through the `object_store` crate, behind a small blocking API for the pipeline.
//!
//! Credentials come from the usual environment variables of each cloud (`AWS_ACCESS_KEY_ID`,
//! `AWS_SECRET_ACCESS_KEY`, `AWS_ENDPOINT_URL`, `AWS_ALLOW_HTTP`, ...; `GOOGLE_APPLICATION_CREDENTIALS`,
//! `GOOGLE_SERVICE_ACCOUNT`; `AZURE_STORAGE_ACCOUNT_NAME`, `AZURE_STORAGE_ACCOUNT_KEY`, ...).
//! A single object is written with one `put` (or a multipart upload completed at the end), so
//! it appears whole or not at all, on every store.

use std::fmt;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Once};
use std::time::Duration;

use anyhow::{bail, Context, Result};
use futures_util::StreamExt;
use object_store::aws::AmazonS3Builder;
use object_store::azure::MicrosoftAzureBuilder;
use object_store::gcp::GoogleCloudStorageBuilder;
use object_store::local::LocalFileSystem;
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload, RetryConfig};

/// Objects bigger than this are uploaded in parts (S3 needs parts of at least 5 MiB).
const PART_BYTES: usize = 16 << 20;

/// A folder on a local disk or in a bucket.
#[derive(Clone)]
pub struct Location {
    store: Arc<dyn ObjectStore>,
    prefix: ObjectPath,
    /// As the user wrote it, for messages.
    shown: String,
    kind: Kind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Local,
    S3,
    Gcs,
    Azure,
}

/// One object under a location: its name relative to the location, and its size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub name: String,
    pub bytes: u64,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.shown)
    }
}

impl fmt::Debug for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Location({})", self.shown)
    }
}

impl Location {
    /// `s3://bucket/prefix`, `gs://bucket/prefix`, `az://container/prefix` (the account from
    /// `AZURE_STORAGE_ACCOUNT_NAME`), or a local folder (created if missing).
    pub fn parse(text: &str) -> Result<Location> {
        install_crypto();
        let shown = text.trim_end_matches('/').to_owned();
        let Some((scheme, rest)) = text.split_once("://") else {
            return Location::local(Path::new(text));
        };
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            bail!("{text}: no bucket after {scheme}://");
        }
        let url = format!("{scheme}://{bucket}");
        let (store, kind): (Arc<dyn ObjectStore>, Kind) = match scheme {
            "s3" | "s3a" => (
                Arc::new(
                    AmazonS3Builder::from_env()
                        .with_url(&url)
                        .with_retry(retry())
                        .build()
                        .with_context(|| format!("{text}: S3 settings"))?,
                ),
                Kind::S3,
            ),
            "gs" => (
                Arc::new(
                    GoogleCloudStorageBuilder::from_env()
                        .with_url(&url)
                        .with_retry(retry())
                        .build()
                        .with_context(|| format!("{text}: Google Cloud Storage settings"))?,
                ),
                Kind::Gcs,
            ),
            "az" | "azure" | "abfs" | "abfss" => (
                Arc::new(
                    MicrosoftAzureBuilder::from_env()
                        .with_url(&url)
                        .with_retry(retry())
                        .build()
                        .with_context(|| format!("{text}: Azure settings"))?,
                ),
                Kind::Azure,
            ),
            "file" => return Location::local(Path::new(rest)),
            other => {
                bail!("{text}: unknown scheme {other}://; use s3://, gs://, az:// or a local path")
            }
        };
        Ok(Location {
            store,
            prefix: ObjectPath::from(prefix.trim_matches('/')),
            shown,
            kind,
        })
    }

    fn local(folder: &Path) -> Result<Location> {
        std::fs::create_dir_all(folder)
            .with_context(|| format!("creating {}", folder.display()))?;
        let absolute = std::fs::canonicalize(folder)
            .with_context(|| format!("resolving {}", folder.display()))?;
        let store = LocalFileSystem::new_with_prefix(&absolute)
            .with_context(|| format!("opening {}", absolute.display()))?;
        Ok(Location {
            store: Arc::new(store),
            prefix: ObjectPath::from(""),
            shown: folder.display().to_string(),
            kind: Kind::Local,
        })
    }

    /// The local folder, when this location is one.
    pub fn local_folder(&self) -> Option<PathBuf> {
        (self.kind == Kind::Local).then(|| PathBuf::from(&self.shown))
    }

    /// Where `name` is, for messages.
    pub fn show(&self, name: &str) -> String {
        format!("{}/{name}", self.shown)
    }

    /// `name` may have `/`-separated parts (Spark writes into subfolders sometimes).
    fn path(&self, name: &str) -> ObjectPath {
        name.split('/')
            .filter(|part| !part.is_empty())
            .fold(self.prefix.clone(), |path, part| path.join(part))
    }

    /// Every object directly or indirectly under this location, by name.
    pub fn list(&self) -> Result<Vec<Entry>> {
        let prefix = (!self.prefix.as_ref().is_empty()).then_some(&self.prefix);
        let metas = block_on(async {
            let mut stream = self.store.list(prefix);
            let mut metas = Vec::new();
            while let Some(meta) = stream.next().await {
                metas.push(meta?);
            }
            Ok::<_, object_store::Error>(metas)
        })
        .map_err(|error| self.explain(error, "listing"))?;
        let mut entries: Vec<Entry> = metas
            .into_iter()
            .filter_map(|meta| {
                let name = meta.location.prefix_match(&self.prefix)?;
                let name: Vec<String> = name.map(|part| part.as_ref().to_owned()).collect();
                Some(Entry {
                    name: name.join("/"),
                    bytes: meta.size,
                })
            })
            .collect();
        entries.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(entries)
    }

    /// The whole object, or `None` when there is none.
    pub fn read(&self, name: &str) -> Result<Option<Vec<u8>>> {
        let path = self.path(name);
        match block_on(async { self.store.get(&path).await?.bytes().await }) {
            Ok(bytes) => Ok(Some(bytes.to_vec())),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(error) => Err(self.explain(error, &format!("reading {name} from"))),
        }
    }

    /// Writes `bytes` as object `name`, replacing any; it appears whole or not at all.
    pub fn write(&self, name: &str, bytes: Vec<u8>) -> Result<()> {
        let path = self.path(name);
        block_on(self.store.put(&path, PutPayload::from(bytes)))
            .map_err(|error| self.explain(error, &format!("writing {name} to")))?;
        Ok(())
    }

    /// Uploads a local file as object `name`; big files go in parts, completed at the end.
    pub fn upload(&self, file: &Path, name: &str) -> Result<()> {
        let size = std::fs::metadata(file)
            .with_context(|| format!("reading {}", file.display()))?
            .len();
        let mut reader =
            std::fs::File::open(file).with_context(|| format!("opening {}", file.display()))?;
        if size as usize <= PART_BYTES {
            let mut bytes = Vec::with_capacity(size as usize);
            reader
                .read_to_end(&mut bytes)
                .with_context(|| format!("reading {}", file.display()))?;
            return self.write(name, bytes);
        }
        let path = self.path(name);
        block_on(async {
            let mut upload = self.store.put_multipart(&path).await?;
            loop {
                let mut part = vec![0u8; PART_BYTES];
                let read = read_full(&mut reader, &mut part).map_err(|source| {
                    object_store::Error::Generic {
                        store: "local file",
                        source: Box::new(source),
                    }
                })?;
                if read == 0 {
                    break;
                }
                part.truncate(read);
                if let Err(error) = upload.put_part(PutPayload::from(part)).await {
                    let _ = upload.abort().await;
                    return Err(error);
                }
            }
            upload.complete().await.map(|_| ())
        })
        .map_err(|error| self.explain(error, &format!("uploading {name} to")))
    }

    /// Downloads object `name` into the local file `dest` (written beside it, then renamed).
    pub fn download(&self, name: &str, dest: &Path) -> Result<()> {
        let path = self.path(name);
        let partial = dest.with_extension("download");
        let result = block_on(async {
            let mut stream = self.store.get(&path).await?.into_stream();
            let mut file =
                std::fs::File::create(&partial).map_err(|source| object_store::Error::Generic {
                    store: "local file",
                    source: Box::new(source),
                })?;
            while let Some(chunk) = stream.next().await {
                file.write_all(&chunk?)
                    .map_err(|source| object_store::Error::Generic {
                        store: "local file",
                        source: Box::new(source),
                    })?;
            }
            Ok(())
        });
        if let Err(error) = result {
            let _ = std::fs::remove_file(&partial);
            return Err(self.explain(error, &format!("downloading {name} from")));
        }
        std::fs::rename(&partial, dest).with_context(|| format!("writing {}", dest.display()))
    }

    /// Removes object `name`; a missing one is not an error.
    pub fn delete(&self, name: &str) -> Result<()> {
        let path = self.path(name);
        match block_on(self.store.delete(&path)) {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(error) => Err(self.explain(error, &format!("deleting {name} from"))),
        }
    }

    /// An error worded for the user: what was being done, where, and for credential
    /// problems which variables to check.
    fn explain(&self, error: object_store::Error, doing: &str) -> anyhow::Error {
        let text = error.to_string();
        let lower = text.to_lowercase();
        let credentials = matches!(
            error,
            object_store::Error::PermissionDenied { .. }
                | object_store::Error::Unauthenticated { .. }
        ) || [
            "credential",
            "accessdenied",
            "access denied",
            "invalidaccesskeyid",
            "signature",
            "forbidden",
            "403",
            "401",
        ]
        .iter()
        .any(|word| lower.contains(word));
        // Without keys, the S3 client asks the instance metadata service (/latest/api/token).
        let no_s3_keys = self.kind == Kind::S3
            && std::env::var_os("AWS_ACCESS_KEY_ID").is_none()
            && std::env::var_os("AWS_WEB_IDENTITY_TOKEN_FILE").is_none();
        let hint = match (credentials, self.kind) {
            _ if no_s3_keys => "\nAWS_ACCESS_KEY_ID is not set, so credentials were asked of the instance metadata service, which failed: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN for temporary ones), AWS_REGION, and AWS_ENDPOINT_URL for an S3-compatible server",
            (true, Kind::S3) => "\nthe credentials were refused: check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN for temporary ones), AWS_REGION, and AWS_ENDPOINT_URL for an S3-compatible server",
            (true, Kind::Gcs) => "\nthe credentials were missing or refused: set GOOGLE_APPLICATION_CREDENTIALS (or GOOGLE_SERVICE_ACCOUNT) to a service account key file",
            (true, Kind::Azure) => "\nthe credentials were missing or refused: set AZURE_STORAGE_ACCOUNT_NAME and AZURE_STORAGE_ACCOUNT_KEY (or a SAS token / service principal variables)",
            _ => "",
        };
        anyhow::anyhow!("{doing} {}: {text}{hint}", self.shown)
    }
}

/// Few retries and a short overall limit: a shard job fails fast and its scheduler retries it.
fn retry() -> RetryConfig {
    RetryConfig {
        max_retries: 3,
        retry_timeout: Duration::from_secs(60),
        ..RetryConfig::default()
    }
}

/// reqwest is built without a bundled TLS provider; use ring, as the dump downloader does.
fn install_crypto() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        // Fails only when a provider is already installed, which is as good.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

/// Runs one storage operation to completion on a small runtime of its own: the pipeline is
/// synchronous and may itself run on a thread of a rayon pool or beside a server's runtime.
fn block_on<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a current-thread tokio runtime starts")
        .block_on(future)
}

/// Fills `buffer` as far as the reader goes; returns the bytes read (less only at the end).
fn read_full(reader: &mut impl Read, buffer: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buffer.len() {
        match reader.read(&mut buffer[filled..])? {
            0 => break,
            read => filled += read,
        }
    }
    Ok(filled)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_local_folder_lists_reads_writes_and_deletes() {
        let dir = tempfile::tempdir().expect("temp dir");
        let folder = dir.path().join("pairs");
        let location = Location::parse(&folder.display().to_string()).expect("a folder");
        assert_eq!(location.local_folder(), Some(folder.clone()));
        assert!(location.list().expect("list").is_empty());
        assert_eq!(location.read("missing.json").expect("read"), None);

        location.write("a.json", b"{}".to_vec()).expect("write");
        let big = dir.path().join("big.bin");
        let bytes: Vec<u8> = (0..(PART_BYTES + 12_345))
            .map(|i| (i % 251) as u8)
            .collect();
        std::fs::write(&big, &bytes).expect("a big file");
        location
            .upload(&big, "sub/big.bin")
            .expect("upload in parts");
        assert_eq!(
            location.list().expect("list"),
            vec![
                Entry {
                    name: "a.json".into(),
                    bytes: 2
                },
                Entry {
                    name: "sub/big.bin".into(),
                    bytes: bytes.len() as u64
                },
            ]
        );
        let copy = dir.path().join("copy.bin");
        location.download("sub/big.bin", &copy).expect("download");
        assert!(std::fs::read(&copy).expect("copy") == bytes);
        location.delete("a.json").expect("delete");
        location
            .delete("a.json")
            .expect("deleting a missing object is fine");
        assert_eq!(location.list().expect("list").len(), 1);
    }

    #[test]
    fn unknown_schemes_and_missing_buckets_are_refused() {
        let error = Location::parse("ftp://host/x")
            .expect_err("ftp")
            .to_string();
        assert!(error.contains("use s3://, gs://, az://"), "{error}");
        let error = Location::parse("s3:///x")
            .expect_err("no bucket")
            .to_string();
        assert!(error.contains("no bucket"), "{error}");
    }

    #[test]
    fn a_missing_object_download_leaves_no_file() {
        let dir = tempfile::tempdir().expect("temp dir");
        let location = Location::parse(&dir.path().display().to_string()).expect("a folder");
        let dest = dir.path().join("out.parquet");
        let error = location
            .download("nope.parquet", &dest)
            .expect_err("missing");
        assert!(format!("{error:#}").contains("nope.parquet"), "{error:#}");
        assert!(!dest.exists() && !dest.with_extension("download").exists());
    }
}
