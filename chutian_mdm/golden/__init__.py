"""Golden records: survivorship with lineage, stable golden IDs, versioned releases, open views.

The public face of the golden-record stage; the pipeline calls :func:`publish_release` at the end
of a matching run. Internals: :mod:`.ids` (stable IDs), :mod:`.survive` (survivorship SQL),
:mod:`.publish` (the release transaction), :mod:`.masking` (open views), :mod:`.query` (reading).
"""

from .publish import PublishError, PublishLockedError, PublishProgress, ReleaseResult, publish_release

__all__ = ["PublishError", "PublishLockedError", "PublishProgress", "ReleaseResult", "publish_release"]
