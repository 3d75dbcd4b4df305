"""Imports every model module so ``db.metadata`` describes the whole schema.

Alembic autogenerate and the test fixtures rely on this list being complete.
"""

from sunshine.accounts import models as accounts_models  # noqa: F401
from sunshine.audit import models as audit_models  # noqa: F401
from sunshine.clocks import models as clocks_models  # noqa: F401
from sunshine.documents import models as documents_models  # noqa: F401
from sunshine.letters import models as letters_models  # noqa: F401
from sunshine.notifications import models as notifications_models  # noqa: F401
from sunshine.records import models as records_models  # noqa: F401
from sunshine.units import models as units_models  # noqa: F401
