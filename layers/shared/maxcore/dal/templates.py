"""The template repository: heads and versions of one tenant's message templates."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from pynamodb.exceptions import DeleteError, DoesNotExist, PutError, TransactWriteError
from pynamodb.expressions.condition import Condition

from maxcore.dal import keys
from maxcore.dal.base import TenantRepository, batch_get, decode_cursor, encode_cursor
from maxcore.dal.conditions import condition_failed
from maxcore.dal.items import TemplateItem, TemplateLibraryItem, TemplateVersionItem
from maxcore.errors import ConflictError, NotFoundError
from maxcore.models.common import Channel
from maxcore.models.template import (
    GeneratedBy,
    Template,
    TemplateCategory,
    TemplateContent,
    TemplateStatus,
    TemplateVersion,
    WhatsAppContent,
)


@dataclass(frozen=True)
class TemplateFilter:
    """What ``GET /templates`` can narrow a list by."""

    channel: Channel | None = None
    status: TemplateStatus | None = None
    category: TemplateCategory | None = None
    generated_by: GeneratedBy | None = None
    locale: str | None = None


class VersionWrite(StrEnum):
    """How a version item is written along with its head."""

    CREATE = "create"
    """A new version number: the item must not exist."""
    UPDATE_DRAFT = "update_draft"
    """Rewrite a draft in place: the item must still be a draft."""
    REPLACE = "replace"
    """Change an existing version's state (activation, supersession)."""


class TemplateRepository(TenantRepository):
    """Templates of one tenant. Every key is built from the tenant given at construction."""

    # --- reads --------------------------------------------------------------------------------
    def get(self, template_id: str) -> Template:
        """AP13: a template head by id; another tenant's id is simply not found."""
        try:
            item = TemplateItem.get(
                keys.template_pk(self.tenant_id), keys.template_sk(template_id), consistent_read=True
            )
        except DoesNotExist as exc:
            raise NotFoundError(f"template {template_id} not found", {"template_id": template_id}) from exc
        return _to_template(item)

    def heads(self, template_ids: Iterable[str]) -> dict[str, Template]:
        """AP13: template heads by id, 100 to a BatchGetItem (strongly consistent, like :meth:`get`).

        Parameters
        ----------
        template_ids
            The ids wanted; repeats are read once.

        Returns
        -------
        dict[str, Template]
            The heads found, by id: a deleted template, or another tenant's id, is simply absent.

        Raises
        ------
        ServiceUnavailableError
            When DynamoDB keeps leaving keys unprocessed (:func:`maxcore.dal.base.batch_get`).
        """
        pk = keys.template_pk(self.tenant_id)
        found = batch_get(TemplateItem, [(pk, keys.template_sk(i)) for i in template_ids], consistent=True)
        return {item.template_id: _to_template(item) for item in found.values()}

    def list_templates(
        self, filters: TemplateFilter, limit: int, cursor: str | None
    ) -> tuple[list[Template], str | None]:
        """AP13: a page of heads, newest first, filtered on the server by the filter expression."""
        after = decode_cursor(cursor) if cursor else None
        condition = _filter_condition(filters)
        page_size = limit + 1 if condition is None else max(limit + 1, 100)
        start = (
            {
                "PK": {"S": keys.template_pk(self.tenant_id)},
                "SK": {"S": keys.template_sk(after)},
            }
            if after
            else None
        )
        results: list[Template] = []
        items = TemplateItem.query(
            keys.template_pk(self.tenant_id),
            TemplateItem.SK.startswith(keys.TEMPLATE_SK_PREFIX),
            filter_condition=condition,
            scan_index_forward=False,
            page_size=page_size,
            last_evaluated_key=start,
        )
        for item in items:
            if len(results) == limit:
                return results, encode_cursor(results[-1].id)
            results.append(_to_template(item))
        return results, None

    def iter_all(self) -> Iterator[Template]:
        """AP13: every head of the tenant, page after page (the recommendations pick templates from them)."""
        for item in TemplateItem.query(
            keys.template_pk(self.tenant_id), TemplateItem.SK.startswith(keys.TEMPLATE_SK_PREFIX)
        ):
            yield _to_template(item)

    def get_version(self, template_id: str, number: int) -> TemplateVersion:
        """AP13: one version of a template."""
        try:
            item = TemplateVersionItem.get(
                keys.template_pk(self.tenant_id),
                keys.template_version_sk(template_id, number),
                consistent_read=True,
            )
        except DoesNotExist as exc:
            raise NotFoundError(
                f"template {template_id} has no version {number}",
                {"template_id": template_id, "version": number},
            ) from exc
        return _to_version(item)

    def list_versions(self, template_id: str) -> list[TemplateVersion]:
        """AP13: every version of a template, oldest first."""
        items = TemplateVersionItem.query(
            keys.template_pk(self.tenant_id),
            TemplateVersionItem.SK.startswith(keys.template_version_prefix(template_id)),
            consistent_read=True,
        )
        return [_to_version(item) for item in items]

    # --- writes -------------------------------------------------------------------------------
    def create(self, template: Template, first: TemplateVersion) -> Template:
        """AP13': put a new head and its first version together."""
        self.commit(template, expected_revision=None, versions=[(first, VersionWrite.CREATE)])
        return template.model_copy(update={"revision": 1})

    def commit(
        self,
        head: Template,
        *,
        expected_revision: int | None,
        versions: Sequence[tuple[TemplateVersion, VersionWrite]] = (),
    ) -> Template:
        """AP13': write a head and the versions it points to in one transaction.

        The head is written only if its revision is still ``expected_revision`` (``None``: it must not
        exist yet), so two concurrent edits cannot both win; the loser gets a 409.
        """
        item = _to_item(self.tenant_id, head)
        if expected_revision is not None:
            item.version = expected_revision
        try:
            with self._transaction() as tx:
                if expected_revision is None:
                    tx.save(item, condition=TemplateItem.PK.does_not_exist())
                else:
                    tx.save(item, condition=TemplateItem.PK.exists())
                for version, how in versions:
                    version_item = _to_version_item(self.tenant_id, version)
                    if how is VersionWrite.CREATE:
                        tx.save(version_item, condition=TemplateVersionItem.PK.does_not_exist())
                    elif how is VersionWrite.UPDATE_DRAFT:
                        tx.save(version_item, condition=TemplateVersionItem.state == "draft")
                    else:
                        tx.save(version_item, condition=TemplateVersionItem.PK.exists())
        except TransactWriteError as exc:
            if not condition_failed(exc):
                raise
            raise ConflictError(
                "the template changed while this change was being saved; read it again and retry",
                {"template_id": head.id},
            ) from exc
        return head.model_copy(update={"revision": (expected_revision or 0) + 1})

    def delete(self, template: Template) -> None:
        """AP13': delete a head (if unchanged since read), then its versions."""
        item = _to_item(self.tenant_id, template)
        item.version = template.revision
        try:
            item.delete(condition=TemplateItem.PK.exists())
        except DeleteError as exc:
            if not condition_failed(exc):
                raise
            raise ConflictError(
                "the template changed while it was being deleted; read it again and retry",
                {"template_id": template.id},
            ) from exc
        versions = TemplateVersionItem.query(
            keys.template_pk(self.tenant_id),
            TemplateVersionItem.SK.startswith(keys.template_version_prefix(template.id)),
        )
        with TemplateVersionItem.batch_write() as batch:
            for version in versions:
                batch.delete(version)

    def seed_library(
        self,
        library_version: int,
        templates: Sequence[tuple[Template, TemplateVersion]],
        now: Any,
        *,
        fresh: bool = False,
    ) -> bool:
        """AP20: put the built-in templates, then the marker saying this library version is in.

        Crash-safe and idempotent without a large transaction (DynamoDB Local takes at most 10 items
        per transaction): the ids are stable, each version then head is a put conditioned on the item
        not existing (an existing one is left as it is), and the marker goes last. Once the marker is
        there nothing is written again, so a built-in the tenant deleted never comes back.

        ``fresh``: the tenant was created by this very call, so none of these items can exist yet and
        they go in batches of 25 instead of one conditional put each.

        Returns whether the marker was written now.
        """
        if self.has_library(library_version):
            return False
        if fresh:
            with TemplateItem.batch_write() as batch:
                for head, version in templates:
                    batch.save(_to_version_item(self.tenant_id, version))
                    head_item = _to_item(self.tenant_id, head)
                    head_item.version = 1  # what a conditional save would have set
                    batch.save(head_item)
        for head, version in templates if not fresh else ():
            for item, attribute in (
                (_to_version_item(self.tenant_id, version), TemplateVersionItem.PK),
                (_to_item(self.tenant_id, head), TemplateItem.PK),
            ):
                try:
                    item.save(condition=attribute.does_not_exist())
                except PutError as exc:
                    if not _condition_failed(exc):
                        raise
        marker = TemplateLibraryItem(
            keys.template_pk(self.tenant_id),
            keys.template_library_sk(library_version),
            library_version=library_version,
            templates=len(templates),
            created_at=now,
        )
        try:
            marker.save(condition=TemplateLibraryItem.PK.does_not_exist())
        except PutError as exc:
            if not _condition_failed(exc):
                raise
            return False
        return True

    def has_library(self, library_version: int) -> bool:
        """AP20: whether the tenant was seeded with this library version."""
        try:
            TemplateLibraryItem.get(
                keys.template_pk(self.tenant_id),
                keys.template_library_sk(library_version),
                consistent_read=True,
            )
        except DoesNotExist:
            return False
        return True


def _condition_failed(exc: PutError) -> bool:
    return exc.cause_response_code == "ConditionalCheckFailedException"


# --- mapping ------------------------------------------------------------------------------------
def _filter_condition(filters: TemplateFilter) -> Condition | None:
    condition: Condition | None = None
    pairs: list[tuple[Any, str | None]] = [
        (TemplateItem.channel, filters.channel),
        (TemplateItem.status, filters.status),
        (TemplateItem.category, filters.category),
        (TemplateItem.generated_by, filters.generated_by),
        (TemplateItem.locale, filters.locale),
    ]
    for attribute, value in pairs:
        if value is None:
            continue
        clause = attribute == str(value)
        condition = clause if condition is None else condition & clause
    return condition


def _to_item(tenant_id: str, template: Template) -> TemplateItem:
    return TemplateItem(
        keys.template_pk(tenant_id),
        keys.template_sk(template.id),
        template_id=template.id,
        channel=template.channel.value,
        name=template.name,
        category=template.category.value,
        locale=template.locale.value,
        status=template.status.value,
        generated_by=template.generated_by.value,
        builtin_key=template.builtin_key,
        serving_version=template.version,
        latest_version=template.latest_version,
        draft_version=template.draft_version,
        subject=template.content.subject,
        body=template.content.body,
        html=template.content.html,
        variables=list(template.content.variables),
        **_whatsapp_attributes(template.whatsapp),
        created_by=template.created_by,
        validated_by=template.validated_by,
        validated_at=template.validated_at,
        created_at=template.created_at,
        updated_at=template.updated_at,
    )


def _to_template(item: TemplateItem) -> Template:
    return Template.model_validate(
        {
            "id": item.template_id,
            "channel": item.channel,
            "name": item.name,
            "category": item.category,
            "locale": item.locale,
            "status": item.status,
            "generated_by": item.generated_by,
            "builtin_key": item.builtin_key,
            "version": int(item.serving_version),
            "latest_version": int(item.latest_version),
            "draft_version": None if item.draft_version is None else int(item.draft_version),
            "content": {
                "subject": item.subject,
                "body": item.body,
                "html": item.html,
                "variables": list(item.variables or []),
            },
            "whatsapp": _whatsapp(item),
            "created_by": item.created_by,
            "validated_by": item.validated_by,
            "validated_at": item.validated_at,
            "created_at": item.created_at,
            "updated_at": item.updated_at,
            "revision": item.version or 1,
        }
    )


def _whatsapp_attributes(whatsapp: WhatsAppContent | None) -> dict[str, Any]:
    if whatsapp is None:
        return {}
    return {
        "whatsapp_content_sid": whatsapp.content_sid,
        "whatsapp_state": whatsapp.state.value,
        "whatsapp_rejection_reason": whatsapp.rejection_reason,
        "whatsapp_updated_at": whatsapp.updated_at,
    }


def _whatsapp(item: TemplateItem) -> dict[str, Any] | None:
    if item.whatsapp_content_sid is None:
        return None
    return {
        "content_sid": item.whatsapp_content_sid,
        "state": item.whatsapp_state,
        "rejection_reason": item.whatsapp_rejection_reason,
        "updated_at": item.whatsapp_updated_at,
    }


def _to_version_item(tenant_id: str, version: TemplateVersion) -> TemplateVersionItem:
    return TemplateVersionItem(
        keys.template_pk(tenant_id),
        keys.template_version_sk(version.template_id, version.number),
        template_id=version.template_id,
        number=version.number,
        state=version.state.value,
        subject=version.content.subject,
        body=version.content.body,
        html=version.content.html,
        variables=list(version.content.variables),
        generated_by=version.generated_by.value,
        created_by=version.created_by,
        validated_by=version.validated_by,
        validated_at=version.validated_at,
        created_at=version.created_at,
        updated_at=version.updated_at,
    )


def _to_version(item: TemplateVersionItem) -> TemplateVersion:
    return TemplateVersion(
        template_id=item.template_id,
        number=int(item.number),
        state=item.state,  # type: ignore[arg-type]
        content=TemplateContent(
            subject=item.subject, body=item.body, html=item.html, variables=list(item.variables or [])
        ),
        generated_by=item.generated_by,  # type: ignore[arg-type]
        created_by=item.created_by,
        validated_by=item.validated_by,
        validated_at=item.validated_at,
        created_at=item.created_at,
        updated_at=item.updated_at,
    )
