"""The shared evidence policy (liangge_zeren/uploads.py): kinds by content, zip-based files
bounded by what they expand to (issue 20, item 4), memory that stays bounded and comes back,
and download names by the detected type (issue 20, item 5)."""

import gc
import json
import os
import re
import subprocess
import sys
import textwrap
import tracemalloc
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from liangge_zeren import uploads
from tests.liangge_zeren import evidence_files as files

MB = 1024 * 1024
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def bomb() -> bytes:
    return files.docx_bomb()  # about 1 MB on disk, 1 GiB inflated


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def test_it_refuses_a_docx_shaped_zip_bomb_with_a_chinese_message(bomb):
    assert len(bomb) < 2 * MB  # under the 10 MB upload limit: the size alone lets it in
    with pytest.raises(ValidationError) as caught:
        uploads.check_upload(upload("会议纪要.docx", bomb))
    message = caught.value.messages[0]
    assert "会议纪要.docx" in message and "压缩炸弹" in message


def test_it_refuses_an_archive_that_expands_past_the_total_limit(settings):
    settings.UPLOAD_MAX_UNCOMPRESSED_MB = 1
    text = b"".join(b"<w:p>%d</w:p>" % n for n in range(200_000))  # ~2.5 MB, ratio < 100
    with pytest.raises(ValidationError) as caught:
        uploads.check_upload(upload("long.docx", files.docx(text)))
    assert "解压后" in caught.value.messages[0]


def test_it_refuses_an_archive_whose_directory_lies_about_the_sizes():
    # The directory says 1 MB (within every limit); the data inflates to 64 MB. Inflating as a
    # stream stops at the declared size and the checksum fails: refused, nothing held.
    liar = files.docx_bomb(64, declared_mb=1)
    with pytest.raises(ValidationError) as caught:
        uploads.check_upload(upload("liar.docx", liar))
    assert "损坏" in caught.value.messages[0]


def test_it_accepts_ordinary_documents_by_their_bytes():
    assert uploads.check_upload(upload("纪要.docx", files.docx())) == "docx"
    assert uploads.check_upload(upload("scan.bin", files.PDF)) == "pdf"
    assert uploads.check_upload(upload("说明.txt", "会议在 <三楼> 召开".encode())) == "txt"


@pytest.mark.parametrize(
    "name, content",
    [
        ("evil.html", b"<!DOCTYPE html><script>alert(1)</script>"),
        ("notes.txt", b"  <html><body onload=alert(1)>"),
        ("picture.png", b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>"),
        ("data.txt", b"\xef\xbb\xbf<?xml version='1.0'?><x/>"),
    ],
)
def test_it_refuses_markup_whatever_it_is_named(name, content):
    with pytest.raises(ValidationError) as caught:
        uploads.check_upload(upload(name, content))
    assert "类型不允许" in caught.value.messages[0]


@pytest.mark.parametrize(
    "original, kind, served",
    [
        ("report.pdf", "pdf", "report.pdf"),
        ("evil.html", "pdf", "evil.pdf"),
        ("evil.htm", "png", "evil.png"),
        ("photo.JPEG", "jpeg", "photo.JPEG"),
        ("scan.png", "jpeg", "scan.jpg"),
        ("说明", "txt", "说明.txt"),
        ("表.xlsx.exe", "xlsx", "表.xlsx.xlsx"),
        ("../../etc/passwd", "txt", "passwd.txt"),
    ],
)
def test_it_downloads_are_named_by_the_detected_type(original, kind, served):
    assert uploads.download_name(original, uploads.KINDS[kind]) == served


def test_it_an_unknown_stored_type_is_served_as_opaque_bytes():
    assert uploads.kind_of("text/html") is None
    assert uploads.download_name("evil.html", None) == "evil.bin"
    assert uploads.kind_of("text/plain; charset=utf-8") is uploads.KINDS["txt"]


def test_it_the_zip_check_keeps_python_memory_bounded_and_returns_to_baseline(bomb):
    def refuse() -> None:
        with pytest.raises(ValidationError):
            uploads.check_upload(upload("bomb.docx", bomb))

    refuse()  # translations and caches warm before measuring
    gc.collect()
    tracemalloc.start()
    try:
        baseline = tracemalloc.get_traced_memory()[0]
        refuse()
        gc.collect()
        current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    print(f"\nbomb refused: peak +{(peak - baseline) / MB:.2f} MB, left {current - baseline} B")
    assert peak - baseline < 8 * MB  # a copy of the 1 MB upload; never the 1 GiB
    assert current - baseline < 256 * 1024


CHILD = textwrap.dedent(
    """
    import json, resource, sys
    import django
    django.setup()
    from django.core.exceptions import ValidationError
    from django.core.files.uploadedfile import SimpleUploadedFile
    from liangge_zeren.uploads import check_upload

    def rss():
        with open("/proc/self/status") as f:
            return int(next(l for l in f if l.startswith("VmRSS:")).split()[1]) * 1024

    with open(sys.argv[1], "rb") as f:
        data = f.read()
    before, peak_before = rss(), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    refused = ""
    for _ in range(3):
        try:
            check_upload(SimpleUploadedFile("bomb.docx", data))
        except ValidationError as error:
            refused = error.messages[0]
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps({"before": before, "peak_before": peak_before, "peak": peak,
                      "after": rss(), "refused": refused}))
    """
)


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux /proc")
def test_it_a_process_that_checks_a_bomb_never_inflates_it(bomb, tmp_path):
    path = tmp_path / "bomb.docx"
    path.write_bytes(bomb)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "liangge_zeren.settings",
        "VAR_DIR": str(tmp_path / "var"),
        "SECRET_KEY": "x" * 64,
    }
    argv = [sys.executable, "-c", CHILD, str(path)]
    done = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    report = json.loads(done.stdout.strip().splitlines()[-1])
    grew = report["peak"] - max(report["peak_before"], report["before"])
    left = report["after"] - report["before"]
    print(f"\nRSS: bomb checked 3 times, peak +{grew / MB:.1f} MB, after +{left / MB:.1f} MB")
    assert "压缩炸弹" in report["refused"]
    assert grew < 32 * MB and left < 16 * MB  # inflated, it would take 1 GiB


def test_it_stored_files_get_a_digest_a_random_name_and_a_private_mode(settings, tmp_path):
    import hashlib

    settings.MEDIA_ROOT = tmp_path
    stored = uploads.store(upload("a.pdf", files.PDF), "evidence", suffix=".pdf")
    path = tmp_path / stored.name
    assert stored.sha256 == hashlib.sha256(files.PDF).hexdigest() == uploads.file_digest(path)
    assert stored.size == len(files.PDF) and stored.basename.endswith(".pdf")
    # Named by a random hex stem, never by the uploaded name.
    assert re.fullmatch(r"evidence/[0-9a-f]{32}\.pdf", stored.name), stored.name
    assert path.stat().st_mode & 0o777 == 0o640
    assert uploads.file_digest(tmp_path / "missing") is None
