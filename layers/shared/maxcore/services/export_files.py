"""The exports' files on S3: uploaded in parts as they are written, and signed links to read them."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from maxcore.dal import keys
from maxcore.settings import get_settings

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

LINK_LIFETIME = timedelta(minutes=15)
"""How long a signed link to an export's file works: long enough to click, short enough to leak little."""

FILE_LIFETIME = timedelta(days=7)
"""How long an export's file is kept: the bucket's lifecycle rule (template.yaml) deletes it then."""


def s3_client() -> S3Client:
    """The S3 client of this process; a local endpoint (moto) is addressed by path, not by host name."""
    import boto3
    from botocore.config import Config

    settings = get_settings()
    config = Config(
        signature_version="s3v4", s3={"addressing_style": "path" if settings.s3_endpoint else "virtual"}
    )
    return boto3.client("s3", region_name=settings.region, endpoint_url=settings.s3_endpoint, config=config)


def export_bucket() -> str:
    """The exports' bucket; a function deployed without one fails loudly."""
    bucket = get_settings().export_bucket
    if not bucket:
        raise RuntimeError("EXPORT_BUCKET is not set")
    return bucket


class ExportFiles:
    """The files of one tenant's exports, each under ``tenants/<tenant>/exports/``."""

    def __init__(self, tenant_id: str, client: Any = None) -> None:
        self.tenant_id = tenant_id
        self._client = client

    @property
    def client(self) -> Any:
        if self._client is None:
            self._client = s3_client()
        return self._client

    def start(self, export_id: str, filename: str) -> str:
        """Begin the multipart upload of an export's file; return its upload id.

        Nothing is readable under the file's key until :meth:`complete`: a reader sees the whole
        file or none, and an upload never completed is aborted by the bucket's lifecycle after a day.
        """
        answer = self.client.create_multipart_upload(
            Bucket=export_bucket(),
            Key=self._key(export_id),
            ContentType="text/csv; charset=utf-8",
            ContentDisposition=f'attachment; filename="{filename}"',
        )
        return str(answer["UploadId"])

    def put_part(self, export_id: str, upload_id: str, number: int, body: bytes) -> str:
        """Upload part ``number`` (from 1; a part sent again under its number replaces it); its ETag."""
        answer = self.client.upload_part(
            Bucket=export_bucket(),
            Key=self._key(export_id),
            UploadId=upload_id,
            PartNumber=number,
            Body=body,
        )
        return str(answer["ETag"])

    def complete(self, export_id: str, upload_id: str, etags: list[str]) -> None:
        """Make the parts, in order, the file."""
        self.client.complete_multipart_upload(
            Bucket=export_bucket(),
            Key=self._key(export_id),
            UploadId=upload_id,
            MultipartUpload={"Parts": [{"PartNumber": n, "ETag": e} for n, e in enumerate(etags, 1)]},
        )

    def abort(self, export_id: str, upload_id: str) -> None:
        """Drop an upload and the parts it holds (S3 stops charging for them)."""
        self.client.abort_multipart_upload(
            Bucket=export_bucket(), Key=self._key(export_id), UploadId=upload_id
        )

    def _key(self, export_id: str) -> str:
        return keys.export_object_key(self.tenant_id, export_id)

    def link(self, export_id: str, now: datetime) -> tuple[str, datetime]:
        """A signed GET link to the file and when it stops working (computed locally: no request)."""
        url = self.client.generate_presigned_url(
            "get_object",
            Params={"Bucket": export_bucket(), "Key": self._key(export_id)},
            ExpiresIn=int(LINK_LIFETIME.total_seconds()),
        )
        return str(url), now + LINK_LIFETIME
