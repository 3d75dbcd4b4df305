"""Where files live: the local folder and the S3-compatible bucket keep the same promises."""

from __future__ import annotations

import base64
import hashlib
import io
import re
from pathlib import Path

import pytest
from flask import Flask
from pypdf import PdfReader
from sqlalchemy import select

from sunshine import create_app
from sunshine.cli import check_files_command
from sunshine.config import ConfigError, load_config
from sunshine.documents.storage import SPOOL_BYTES, S3Storage, StorageError, save_in_transaction, storage
from sunshine.extensions import db
from sunshine.letters.models import Letter
from sunshine.records import release
from sunshine.records import services as records
from tests.service.test_release import _receive, pdf

KEY = re.compile(r"[0-9a-f]{2}/[0-9a-f]{38}")


@pytest.fixture(params=["local", "s3"])
def store(request, app_ctx):
    """The store the app is configured with: its folder, or (with ``s3_files``) a bucket."""
    if request.param == "s3":
        request.getfixturevalue("s3_files")
    return storage()


def test_a_file_saved_comes_back_whole_under_a_random_key(store) -> None:
    data = b"%PDF-1.7 incident report\x00\xff" * 100
    first, second = store.save(data), store.save(data)
    assert KEY.fullmatch(first.key) and first.key != second.key
    assert (first.sha256, first.size) == (hashlib.sha256(data).hexdigest(), len(data))
    with store.open(first.key) as handle:
        assert handle.read() == data


def test_a_file_larger_than_memory_holds_comes_back_whole_and_seekable(store) -> None:
    data = bytes(range(256)) * ((SPOOL_BYTES // 256) + 10)
    saved = store.save(data)
    with store.open(saved.key) as handle:
        assert handle.read() == data
        handle.seek(-256, io.SEEK_END)
        assert handle.read() == bytes(range(256))


def test_a_deleted_or_unknown_file_is_not_found_and_deleting_twice_is_fine(store) -> None:
    saved = store.save(b"to be deleted")
    store.delete(saved.key)
    store.delete(saved.key)
    with pytest.raises(FileNotFoundError):
        store.open(saved.key)
    with pytest.raises(FileNotFoundError):
        store.open("ab/" + "0" * 38)


@pytest.mark.parametrize("key", ["", "../etc/passwd", "ab/cd/ef", "AB/CDEF", "ab/cd ef", "/ab"])
def test_only_keys_the_store_made_are_opened(store, key: str) -> None:
    with pytest.raises(ValueError, match="Not a storage key"):
        store.open(key)


def test_a_file_saved_for_a_transaction_that_rolls_back_is_deleted(store) -> None:
    kept = save_in_transaction(b"kept")
    db.session.commit()
    dropped = save_in_transaction(b"dropped")
    db.session.rollback()
    with storage().open(kept.key) as handle:
        assert handle.read() == b"kept"
    with pytest.raises(FileNotFoundError):
        storage().open(dropped.key)


def test_objects_go_under_the_prefix_asking_the_store_to_encrypt_them_and_check_them(
    app_ctx, s3_files
) -> None:
    """What goes over the wire is checked, not what the server says back: moto echoes any encryption
    setting and accepts any Content-MD5, where a real store would refuse a body that arrived damaged."""
    store, sent = storage(), []
    store.client.meta.events.register("before-send.s3.PutObject", lambda request, **_: sent.append(request))
    data = b"personal data"
    saved = store.save(data)
    [put] = sent
    assert put.headers["x-amz-server-side-encryption"] == b"AES256"
    assert put.headers["Content-MD5"] == base64.b64encode(hashlib.md5(data).digest())  # noqa: S324
    assert put.url.endswith(f"/{s3_files.bucket}/sunshine/{saved.key}")
    listed = s3_files.client.list_objects_v2(Bucket=s3_files.bucket)["Contents"]
    assert [item["Key"] for item in listed] == [f"sunshine/{saved.key}"]


def test_a_file_store_that_fails_during_a_request_is_a_503_with_a_message_not_a_500(
    client, factories, s3_files, app
) -> None:
    filed = factories.request()
    records.grant(None, filed.request)  # writes the grant letter into the bucket
    letter = db.session.scalars(select(Letter)).first()
    from tests.conftest import free_port

    app.config["FILES_S3_ENDPOINT_URL"] = f"http://127.0.0.1:{free_port()}"  # as if the store went away
    app.extensions.pop("sunshine.s3_client", None)
    response = client.get(f"/requests/{filed.tracking_number}/letters/{letter.id}?token={filed.access_token}")
    assert response.status_code == 503 and response.headers["Retry-After"] == "60"
    assert "the file store is not answering" in response.get_data(as_text=True)


def test_a_download_says_its_length(client, factories, s3_files) -> None:
    filed = factories.request()
    records.grant(None, filed.request)
    letter = db.session.scalars(select(Letter)).first()
    response = client.get(f"/requests/{filed.tracking_number}/letters/{letter.id}?token={filed.access_token}")
    assert response.status_code == 200 and response.content_length == len(response.data) > 1000


def test_a_store_that_cannot_be_reached_fails_as_a_disk_does_with_a_message(app_ctx, s3_files) -> None:
    """StorageError is an OSError, so the callers' handling of a failing disk holds for it too."""
    from tests.conftest import free_port

    store = S3Storage(storage().client, "no-such-bucket-here")
    with pytest.raises(StorageError, match="did not take the file"):
        store.save(b"x")
    unreachable = storage()
    unreachable.client = _client_at(f"http://127.0.0.1:{free_port()}")
    for attempt in (lambda: unreachable.save(b"x"), lambda: unreachable.open("ab/" + "0" * 38)):
        with pytest.raises(OSError, match="The file store did not"):
            attempt()


def _client_at(endpoint: str):
    import boto3
    from botocore.config import Config

    return boto3.client(
        "s3", endpoint_url=endpoint, region_name="us-east-1", config=Config(retries={"max_attempts": 1})
    )


def test_a_release_is_built_from_and_downloaded_out_of_the_bucket(factories, client, s3_files) -> None:
    """The whole path on S3: an upload stored, parsed and scanned from the bucket, the packet built
    into it, and the requester's download served out of it."""
    filed = factories.request()
    request = filed.request
    records.grant(None, request)
    document = _receive(factories, request, pdf(["Incident report 26-1234"]))
    row = release.release(None, request)
    db.session.refresh(row)
    assert row.status.value == "ready"
    stored = _keys(s3_files)
    assert {f"sunshine/{document.storage_key}", f"sunshine/{row.storage_key}"} <= stored
    response = client.get(f"/requests/{filed.tracking_number}/releases/{row.id}?token={filed.access_token}")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    packet = PdfReader(io.BytesIO(response.data))
    assert request.tracking_number in packet.pages[0].extract_text()
    assert "Incident report 26-1234" in packet.pages[1].extract_text()
    letters = db.session.scalars(select(Letter)).all()  # the grant letter and the release cover
    assert len(letters) >= 2 and {f"sunshine/{letter.storage_key}" for letter in letters} <= stored


def _keys(s3_files) -> set[str]:
    return {item["Key"] for item in s3_files.client.list_objects_v2(Bucket=s3_files.bucket)["Contents"]}


@pytest.mark.parametrize(
    ("setting", "value", "message"),
    [
        ("FILES_S3_BUCKET", "Not_A_Bucket", "must be a bucket name"),
        ("FILES_S3_BUCKET", "ab", "must be a bucket name"),
        ("FILES_S3_PREFIX", "no-slash", "ending in a slash"),
        ("FILES_S3_PREFIX", "../up/", "ending in a slash"),
        ("FILES_S3_SSE", "rot13", "AES256, aws:kms or empty"),
        ("FILES_S3_ENDPOINT_URL", "minio.local:9000", "with its scheme"),
        ("FILES_S3_ENDPOINT_URL", "ftp://minio.local", "with its scheme"),
        ("FILES_S3_ENDPOINT_URL", "https://minio.local/bucket", "with its scheme"),
        ("FILES_S3_REGION", "US East", "must be a region name"),
    ],
)
def test_a_file_store_setting_that_cannot_work_stops_the_start(
    tmp_path: Path, setting: str, value: str, message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        load_config({"FILES_S3_BUCKET": "records-bucket", setting: value}, tmp_path)


def test_files_root_is_where_local_files_go(tmp_path: Path) -> None:
    app: Flask = create_app(
        env={
            "SUNSHINE_ENV": "testing",
            "SUNSHINE_INSTANCE_PATH": str(tmp_path / "i"),
            "FILES_ROOT": str(tmp_path / "f"),
        }
    )
    with app.app_context():
        saved = storage().save(b"here")
    assert (tmp_path / "f" / saved.key).read_bytes() == b"here"


def test_files_check_says_where_files_go_and_that_they_come_back(app, runner, s3_files) -> None:
    result = runner.invoke(check_files_command)
    assert result.exit_code == 0, result.output
    assert f"Files are stored in the bucket {s3_files.bucket} under sunshine/" in result.output
    assert s3_files.client.list_objects_v2(Bucket=s3_files.bucket).get("KeyCount") == 0  # cleaned up


def test_files_check_names_the_store_that_does_not_work(app, runner, s3_files) -> None:
    app.config["FILES_S3_BUCKET"] = "no-such-bucket-here"
    result = runner.invoke(check_files_command)
    assert result.exit_code == 1
    assert "Files cannot be stored in the bucket no-such-bucket-here under sunshine/" in result.output
    assert "NoSuchBucket" in result.output
