"""Storage: SQLAlchemy 2 tables, packaged Alembic migrations and the :class:`Store`.

Usage::

    from pipeline.storage import Store

    with Store(resolve_db_url()) as store:   # migrates the schema to head
        file_id = store.register_file(sha256, "ks.pdf", size, "application/pdf", version)
        store.save_document(sha256, result, pages=[1], pipeline_version=version)

Tables and the CSV export columns are described in ``docs/storage.md``.
"""

from pipeline.storage.schema import NAMESPACE, document_id_for, record_id_for
from pipeline.storage.store import Store, mask_url

__all__ = ["NAMESPACE", "Store", "document_id_for", "mask_url", "record_id_for"]
