"""Inspection evidence gets a sha256 digest, as duty-log evidence has; existing files get
theirs computed from the stored bytes (a file that is missing is skipped, its digest blank)."""

import hashlib
from pathlib import Path

from django.conf import settings
from django.db import migrations, models


def file_digest(path: Path) -> str | None:
    """A frozen copy of liangge_zeren.uploads.file_digest (migrations keep their own code)."""
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as handle:
            while chunk := handle.read(1024 * 1024):
                digest.update(chunk)
    except (FileNotFoundError, IsADirectoryError):
        return None
    return digest.hexdigest()


def fill_digests(apps, schema_editor):
    Attachment = apps.get_model("inspections", "Attachment")
    root = Path(settings.MEDIA_ROOT)
    for attachment in Attachment.objects.filter(sha256="").only("pk", "file").iterator():
        digest = file_digest(root / attachment.file.name) if attachment.file.name else None
        if digest:
            Attachment.objects.filter(pk=attachment.pk).update(sha256=digest)


class Migration(migrations.Migration):
    dependencies = [
        ("inspections", "0005_work_area_labels"),
    ]

    operations = [
        migrations.AddField(
            model_name="attachment",
            name="sha256",
            field=models.CharField(blank=True, editable=False, max_length=64),
        ),
        migrations.RunPython(fill_digests, migrations.RunPython.noop),
    ]
