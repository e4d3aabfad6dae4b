"""Imports every table module so SQLModel.metadata is complete (for Alembic and tests)."""

from sqlmodel import SQLModel

import workbench.activities.models  # noqa: F401
import workbench.audit.models  # noqa: F401
import workbench.backup.ledger  # noqa: F401
import workbench.callbacks.models  # noqa: F401
import workbench.complaints.models  # noqa: F401
import workbench.crm.models  # noqa: F401
import workbench.crypto.check  # noqa: F401
import workbench.members.consent  # noqa: F401
import workbench.members.gifts  # noqa: F401
import workbench.members.goods  # noqa: F401
import workbench.members.models  # noqa: F401
import workbench.members.return_models  # noqa: F401
import workbench.members.terminations  # noqa: F401
import workbench.messaging.models  # noqa: F401
import workbench.permissions.limits  # noqa: F401
import workbench.permissions.models  # noqa: F401
import workbench.statistics.rollups  # noqa: F401
import workbench.telephony.models  # noqa: F401
import workbench.telephony.presence_models  # noqa: F401
import workbench.telephony.routing_models  # noqa: F401

metadata = SQLModel.metadata
