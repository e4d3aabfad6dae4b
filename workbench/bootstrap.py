"""The composition root: builds the services from settings. The CLI, the TUI, the scheduler and
the webhook server all start here; nothing else wires adapters to the domain."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time, timedelta
from functools import partial
from typing import TYPE_CHECKING

from sqlalchemy import Engine
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session

from workbench import complaint_links
from workbench.callbacks.campaigns import Campaigns
from workbench.callbacks.erasure import erase_member_callbacks
from workbench.callbacks.service import CallbackService, CallingHours, RetryPolicy
from workbench.clock import Clock, SystemClock, local_day_start
from workbench.crypto import BlindIndex, FieldCipher, Keyring, load_keyring
from workbench.db import create_db_engine, make_session_factory
from workbench.members.points import PointsLedger, load_rewards
from workbench.members.registry import MemberRegistry
from workbench.members.review import TierReview
from workbench.members.tiers import TierScheme, load_tier_scheme
from workbench.messaging.desk import DeskMessages
from workbench.messaging.dispatcher import Dispatcher
from workbench.messaging.dispatcher import RetryPolicy as SendRetry
from workbench.messaging.erasure import erase_member_messages
from workbench.messaging.mailings import Mailings
from workbench.messaging.notices import Notices, StaffNotices
from workbench.messaging.outbox import Outbox
from workbench.messaging.policy import ContactPolicy
from workbench.messaging.templates import TemplateCatalogue
from workbench.permissions.access import MemberAccess
from workbench.permissions.audit import AuditLog
from workbench.permissions.auth import Authenticator
from workbench.permissions.changes import ChangeRequests
from workbench.permissions.erasure import erase_member_change_requests
from workbench.permissions.sharing import DataSharing
from workbench.permissions.staff import StaffDirectory
from workbench.settings import Settings
from workbench.statistics.service import Statistics
from workbench.telephony.erasure import erase_member_calls
from workbench.tickets.erasure import erase_member_complaints
from workbench.tickets.policy import ComplaintPolicy, load_complaint_policy
from workbench.tickets.reports import ComplaintReports
from workbench.tickets.service import ComplaintService

if TYPE_CHECKING:
    from workbench.crm.sync import OdooSync


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
    outbox: Outbox
    dispatcher: Dispatcher
    mailings: Mailings
    statistics: Statistics
    messages: DeskMessages = None  # set after the rest: it works through the workbench
    odoo: OdooSync | None = None  # None: no [odoo] host configured

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
    audit = AuditLog(clock)
    registry = MemberRegistry(
        clock=clock,
        cipher=cipher,
        blind_index=blind_index,
        scheme=scheme,
        ledger=ledger,
        audit=audit,
        phone_region=settings.locale_phone_region,
        card_prefix=settings.members_card_prefix,
        termination_notice_days=settings.members_termination_notice_days,
    )
    sessions = make_session_factory(engine)
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
    outbox = build_outbox(settings, clock, cipher, registry)
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
        tier_review=TierReview(clock=clock, scheme=scheme, audit=audit),
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
        staff=StaffDirectory(clock=clock, auth=auth, audit=audit, cipher=cipher),
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
        outbox=outbox,
        dispatcher=build_dispatcher(settings, clock, sessions, outbox),
        mailings=Mailings(
            clock=clock,
            sessions=sessions,
            outbox=outbox,
            ledger=ledger,
            zone=settings.timezone,
            reminder_days=settings.members_expiry_reminder_days,
        ),
        statistics=Statistics(
            clock=clock,
            sessions=sessions,
            audit=audit,
            scheme=scheme,
            zone=settings.timezone,
            min_group_size=settings.protection_min_group_size,
            export_roles=set(settings.protection_export_roles),
        ),
    )
    wb.odoo = build_odoo_sync(settings, wb)
    wb.complaints.follow_up = wb.callbacks.schedule_complaint_follow_up
    wb.messages = DeskMessages(wb)
    wb.registry.erasers = member_erasers()
    notices = Notices(wb.outbox)
    wb.registry.notify = wb.tier_review.notify = wb.complaints.notify = notices
    wb.complaints.notify_staff = StaffNotices(wb.outbox)
    wb.complaints.link_sources = dict(complaint_links.SOURCES)
    return wb


def member_erasers() -> list:
    """Every package's eraser of a member's personal data (see members/erasure.py); the call
    log's loads only the call table, never twilio."""
    return [
        erase_member_calls,
        erase_member_complaints,
        erase_member_callbacks,
        erase_member_messages,
        erase_member_change_requests,
    ]


def build_outbox(settings: Settings, clock: Clock, cipher, registry) -> Outbox:
    return Outbox(
        clock=clock,
        cipher=cipher,
        registry=registry,
        templates=TemplateCatalogue(settings.config_path("templates/zh-CN.toml").parent),
        policy=ContactPolicy(
            quiet_start=time.fromisoformat(settings.messaging_quiet_start),
            quiet_end=time.fromisoformat(settings.messaging_quiet_end),
            marketing_per_week=settings.messaging_marketing_per_week,
        ),
        zone=settings.timezone,
        language=settings.locale_language,
    )


def build_dispatcher(settings: Settings, clock: Clock, sessions, outbox: Outbox) -> Dispatcher:
    """Senders exist only where configured: SMS needs a Twilio account and token."""
    from workbench.messaging.sms import TwilioSms
    from workbench.messaging.smtp import SmtpEmail

    sms = None
    token = settings.twilio_auth_token.get_secret_value() if settings.twilio_auth_token else ""
    sender = settings.twilio_from_number or settings.twilio_messaging_service_sid
    if settings.twilio_account_sid and token and sender:
        sms = TwilioSms(
            account_sid=settings.twilio_account_sid,
            auth_token=token,
            from_number=settings.twilio_from_number,
            messaging_service_sid=settings.twilio_messaging_service_sid,
            status_callback=settings.twilio_status_callback_url or None,
            api_base=settings.twilio_api_base or None,
        )
    email = None
    if settings.smtp_host:
        password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
        email = SmtpEmail(
            host=settings.smtp_host,
            port=settings.smtp_port,
            security=settings.smtp_security,
            username=settings.smtp_username,
            password=password,
            sender=settings.smtp_sender,
            ca_file=settings.smtp_ca_file or None,
        )
    return Dispatcher(
        clock=clock,
        sessions=sessions,
        outbox=outbox,
        sms=sms,
        email=email,
        retry=SendRetry(max_attempts=settings.messaging_max_attempts),
        lease=timedelta(seconds=settings.messaging_lease_seconds),
        sms_per_second=settings.messaging_sms_per_second,
    )


def build_odoo_sync(settings: Settings, wb: Workbench) -> OdooSync | None:
    """The Odoo sync exists where a host is configured; odoorpc itself is imported only when it
    connects (workbench.crm.client)."""
    if not settings.odoo_host:
        return None
    from workbench.crm.options import OdooConfig, SyncOptions
    from workbench.crm.sync import OdooSync

    password = settings.odoo_password.get_secret_value() if settings.odoo_password else ""
    service_fields = {
        "tier": settings.odoo_tier_field,
        "points": settings.odoo_points_field,
        "sms_opt_out": settings.odoo_sms_opt_out_field,
        "email_opt_out": settings.odoo_email_opt_out_field,
        "do_not_call": settings.odoo_do_not_call_field,
    }
    return OdooSync(
        config=OdooConfig(
            host=settings.odoo_host,
            port=settings.odoo_port,
            protocol=settings.odoo_protocol,
            database=settings.odoo_database,
            login=settings.odoo_login,
            password=password,
            timeout=settings.odoo_timeout_seconds,
        ),
        options=SyncOptions(
            store_code=settings.odoo_store,
            member_domain=settings.odoo_member_domain,
            id_number_field=settings.odoo_id_number_field,
            order_models=tuple(dict.fromkeys(settings.odoo_order_models)),
            batch_size=settings.odoo_batch_size,
            overlap_seconds=settings.odoo_overlap_seconds,
            phone_region=settings.locale_phone_region,
            service_fields={datum: name for datum, name in service_fields.items() if name},
            push_complaints=settings.odoo_push_complaints,
            complaint_text=settings.odoo_complaint_text,
        ),
        clock=wb.clock,
        engine=wb.engine,
        sessions=wb.sessions,
        registry=wb.registry,
        ledger=wb.ledger,
        audit=wb.audit,
    )
