"""The composition root: builds the services from settings. The CLI, the TUI, the scheduler and
the webhook server all start here; nothing else wires adapters to the domain."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time, timedelta
from functools import partial

from sqlalchemy import Engine
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session

from workbench.callbacks.campaigns import Campaigns
from workbench.callbacks.service import CallbackService, CallingHours, RetryPolicy
from workbench.clock import Clock, SystemClock, local_day_start
from workbench.crypto import BlindIndex, FieldCipher, Keyring, load_keyring
from workbench.db import create_db_engine, make_session_factory
from workbench.members.points import PointsLedger, load_rewards
from workbench.members.registry import MemberRegistry
from workbench.members.review import TierReview
from workbench.members.tiers import TierScheme, load_tier_scheme
from workbench.permissions.access import MemberAccess
from workbench.permissions.audit import AuditLog
from workbench.permissions.auth import Authenticator
from workbench.permissions.changes import ChangeRequests
from workbench.permissions.sharing import DataSharing
from workbench.permissions.staff import StaffDirectory
from workbench.settings import Settings
from workbench.tickets.policy import ComplaintPolicy, load_complaint_policy
from workbench.tickets.reports import ComplaintReports
from workbench.tickets.service import ComplaintService


@dataclass
class Workbench:
    settings: Settings
    clock: Clock
    engine: Engine
    sessions: sessionmaker[Session]
    keyring: Keyring
    cipher: FieldCipher
    blind_index: BlindIndex
    scheme: TierScheme
    ledger: PointsLedger
    registry: MemberRegistry
    tier_review: TierReview
    audit: AuditLog
    auth: Authenticator
    access: MemberAccess
    sharing: DataSharing
    changes: ChangeRequests
    staff: StaffDirectory
    complaint_policy: ComplaintPolicy
    complaints: ComplaintService
    complaint_reports: ComplaintReports
    callbacks: CallbackService
    campaigns: Campaigns

    def dispose(self) -> None:
        self.engine.dispose()


def load_scheme(settings: Settings) -> TierScheme:
    return load_tier_scheme(settings.config_path(f"tiers/{settings.members_tier_scheme}.toml"))


def keyring_from_settings(settings: Settings) -> Keyring:
    inline = settings.keys_keyring.get_secret_value() if settings.keys_keyring else None
    return load_keyring(inline_json=inline, path=settings.effective_keys_file)


def build(
    settings: Settings,
    *,
    clock: Clock | None = None,
    keyring: Keyring | None = None,
    engine: Engine | None = None,
) -> Workbench:
    clock = clock or SystemClock()
    keyring = keyring or keyring_from_settings(settings)
    engine = engine or create_db_engine(
        settings.effective_database_url, echo=settings.database_echo
    )
    scheme = load_scheme(settings)
    cipher = FieldCipher(keyring)
    blind_index = BlindIndex(keyring)
    ledger = PointsLedger(
        clock=clock,
        scheme=scheme,
        rewards=load_rewards(settings.config_path("rewards.toml")),
        expiry_years=settings.members_points_expiry_years,
        redeem_daily_limit=settings.members_redeem_daily_limit,
        redeem_step=settings.members_redeem_step,
        day_start=partial(local_day_start, zone=settings.timezone),
    )
    registry = MemberRegistry(
        clock=clock,
        cipher=cipher,
        blind_index=blind_index,
        scheme=scheme,
        ledger=ledger,
        phone_region=settings.locale_phone_region,
        card_prefix=settings.members_card_prefix,
        termination_notice_days=settings.members_termination_notice_days,
    )
    sessions = make_session_factory(engine)
    audit = AuditLog(clock)
    access = MemberAccess(
        clock=clock,
        sessions=sessions,
        registry=registry,
        audit=audit,
        lookup_minutes=settings.protection_lookup_minutes,
        reveal_minutes=settings.protection_reveal_minutes,
        reveal_roles=set(settings.protection_reveal_roles),
        id_number_reveal_roles=set(settings.protection_id_number_reveal_roles),
    )
    auth = Authenticator(
        clock=clock,
        audit=audit,
        max_failed_logins=settings.protection_max_failed_logins,
        lockout_minutes=settings.protection_lockout_minutes,
        idle_timeout_minutes=settings.protection_idle_timeout_minutes,
    )
    complaint_policy = load_complaint_policy(settings.config_path("complaints.toml"))
    wb = Workbench(
        settings=settings,
        clock=clock,
        engine=engine,
        sessions=sessions,
        keyring=keyring,
        cipher=cipher,
        blind_index=blind_index,
        scheme=scheme,
        ledger=ledger,
        registry=registry,
        tier_review=TierReview(clock=clock, scheme=scheme),
        audit=audit,
        auth=auth,
        access=access,
        sharing=DataSharing(
            clock=clock,
            sessions=sessions,
            registry=registry,
            audit=audit,
            min_group_size=settings.protection_min_group_size,
            export_roles=set(settings.protection_export_roles),
            share_roles=set(settings.protection_share_roles),
        ),
        changes=ChangeRequests(
            clock=clock, sessions=sessions, registry=registry, access=access, audit=audit
        ),
        staff=StaffDirectory(clock=clock, auth=auth, audit=audit),
        complaint_policy=complaint_policy,
        complaints=ComplaintService(
            clock=clock,
            cipher=cipher,
            registry=registry,
            access=access,
            policy=complaint_policy,
            phone_region=settings.locale_phone_region,
        ),
        complaint_reports=ComplaintReports(
            sessions=sessions,
            audit=audit,
            min_group_size=settings.protection_min_group_size,
            export_roles=set(settings.protection_export_roles),
        ),
        callbacks=CallbackService(
            clock=clock,
            sessions=sessions,
            cipher=cipher,
            access=access,
            calling_hours=CallingHours(
                time.fromisoformat(settings.callbacks_calling_start),
                time.fromisoformat(settings.callbacks_calling_end),
            ),
            default_zone=settings.timezone,
            call_window=timedelta(minutes=settings.callbacks_call_minutes),
            grant_grace=timedelta(minutes=settings.callbacks_grant_grace_minutes),
            lease=timedelta(minutes=settings.callbacks_lease_minutes),
            retry=RetryPolicy(
                max_attempts=settings.callbacks_max_attempts,
                base=timedelta(minutes=settings.callbacks_retry_base_minutes),
                ceiling=timedelta(minutes=settings.callbacks_retry_max_minutes),
            ),
        ),
        campaigns=Campaigns(
            clock=clock,
            sessions=sessions,
            zone=settings.timezone,
            batch_size=settings.callbacks_materialise_batch,
        ),
    )
    wb.complaints.follow_up = wb.callbacks.schedule_complaint_follow_up
    return wb
