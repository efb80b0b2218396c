"""Where the lake is: lake.catalog / lake.data_path, decided in one place."""

import duckdb
import pytest
from egregora_core.errors import ConfigError
from egregora_core.lake import LakeLocation, engine_failure, lake_location, s3_secret_sql


def test_default_is_the_local_file_lake(egregora_project):
    location = lake_location(egregora_project)
    assert location == LakeLocation.local(egregora_project.lake_dir)
    assert not location.hosted


def test_postgres_catalog_with_shared_data_path(egregora_project):
    config = egregora_project.config(
        env={
            "EGREGORA_LAKE_CATALOG": "postgres:dbname=egregora host=db.internal",
            "EGREGORA_LAKE_DATA_PATH": "s3://bucket/egregora",
        }
    )
    location = lake_location(egregora_project, config)
    assert location.hosted
    assert location.conninfo == "dbname=egregora host=db.internal"
    assert location.data_path == "s3://bucket/egregora/"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"EGREGORA_LAKE_CATALOG": "mysql:db"}, "must be 'local' or 'postgres:"),
        ({"EGREGORA_LAKE_CATALOG": "postgres:dbname=x"}, "needs lake.data_path"),
        ({"EGREGORA_LAKE_DATA_PATH": "s3://bucket/lake"}, "s3:// lake.data_path needs a hosted"),
    ],
)
def test_bad_lake_settings_are_one_line(egregora_project, env, message):
    with pytest.raises(ConfigError, match=message):
        lake_location(egregora_project, egregora_project.config(env=env))


def test_s3_credentials_come_from_the_environment_only():
    sql = s3_secret_sql(
        {
            "AWS_ACCESS_KEY_ID": "AKIA",
            "AWS_SECRET_ACCESS_KEY": "it's",
            "AWS_ENDPOINT_URL": "http://minio:9000",
        }
    )
    assert "KEY_ID 'AKIA'" in sql and "SECRET 'it''s'" in sql
    assert "ENDPOINT 'minio:9000'" in sql and "USE_SSL false" in sql
    assert s3_secret_sql({}) == "CREATE OR REPLACE SECRET egregora_s3 (TYPE s3)"


def test_s3_region_falls_back_and_https_endpoints_keep_ssl():
    sql = s3_secret_sql({"AWS_DEFAULT_REGION": "eu-west-1", "AWS_ENDPOINT_URL": "https://s3.x/"})
    assert "REGION 'eu-west-1'" in sql
    assert "ENDPOINT 's3.x'" in sql and "URL_STYLE 'path'" in sql and "USE_SSL true" in sql
    both = s3_secret_sql({"AWS_REGION": "us-east-2", "AWS_DEFAULT_REGION": "eu-west-1"})
    assert "REGION 'us-east-2'" in both and "eu-west-1" not in both


def test_a_bucket_failing_mid_write_is_one_line():
    # DuckDB's httpfs wording for a PUT signed with a wrong secret (as moto and S3 answer).
    error = duckdb.HTTPException(
        "HTTP Error: Unable to connect to URL s3://lake/main/messages/ducklake-1.parquet: "
        "Forbidden (HTTP code 403)\n\nSignatureDoesNotMatch: The request signature we "
        "calculated does not match the signature you provided."
    )
    found = engine_failure(error)
    assert found is not None and "\n" not in str(found)
    assert found.what.startswith("the S3 store refused the secret key")
    assert engine_failure(duckdb.HTTPException("HTTP Error: 403 on https://example.org")) is None
