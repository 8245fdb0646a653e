"""The Spark driver's argument handling and paths, without starting Spark."""


import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from filmdex_spark import driver


def test_defaults_match_the_command_line():
    args = driver.parse_args(["--films", "f", "--out", "o"])
    assert (args.top_k, args.min_similarity, args.features, args.all_pairs) == (100, 0.0, "default", False)
    assert args.blocks == driver.DEFAULT_BLOCKS


@pytest.mark.parametrize("bad", [["--blocks", "0"], ["--top-k", "-1"], ["--features", "tfidf"]])
def test_bad_options_are_refused(bad):
    with pytest.raises(SystemExit):
        driver.parse_args(["--films", "f", "--out", "o", *bad])


def test_local_paths_become_absolute_file_uris(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert driver.qualified("out") == f"file://{tmp_path}/out"
    assert driver.qualified("s3://bucket/out") == "s3://bucket/out"


def test_the_films_folder_means_its_films_parquet(tmp_path):
    pq.write_table(pa.table({"film_id": pa.array([1], pa.int32())}), tmp_path / "films.parquet")
    assert driver.films_file(str(tmp_path)) == f"file://{tmp_path}/films.parquet"
    assert driver.films_file(str(tmp_path / "films.parquet")) == f"file://{tmp_path}/films.parquet"
    with pytest.raises(FileNotFoundError):
        driver.films_file(str(tmp_path / "missing.parquet"))
