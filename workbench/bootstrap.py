"""The composition root: builds the services from settings. The CLI, the TUI, the scheduler and
the webhook server all start here; nothing else wires adapters to the domain."""

from __future__ import annotations

import logging
from dataclasses import dataclass, fields
from datetime import time, timedelta
from functools import partial
from typing import TYPE_CHECKING

from sqlalchemy import Engine
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session

from workbench.audit.anchor import AnchorFile
from workbench.audit.chain import AuditLog
from workbench.backup.ledger import LedgerEraser
from workbench.callbacks.campaigns import Campaigns
from workbench.callbacks.erasure import erase_member_callbacks
from workbench.callbacks.service import CallbackService, CallingHours, RetryPolicy
from workbench.clock import Clock, SystemClock, local_day_start
from workbench.complaints.erasure import erase_member_complaints
from workbench.complaints.policy import ComplaintPolicy, load_complaint_policy
from workbench.complaints.reports import ComplaintReports
from workbench.complaints.service import ComplaintService
from workbench.crm.erasure import erase_member_sync_issues
from workbench.crypto import BlindIndex, FieldCipher, Keyring, load_keyring
from workbench.crypto.check import ensure_key_file_matches
from workbench.db import create_db_engine, make_session_factory
from workbench.members.erasure import Eraser
from workbench.members.points import PointsLedger, load_rewards
from workbench.members.registry import MemberRegistry
from workbench.members.review import TierReview
from workbench.members.terminations import erase_member_terminations
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
from workbench.permissions.auth import Authenticator, password_hasher
from workbench.permissions.changes import ChangeRequests
from workbench.permissions.erasure import erase_member_change_requests
from workbench.permissions.limits import AccessLimits, LimitedAction
from workbench.permissions.reasons import RevealPurposes
from workbench.permissions.sharing import DataSharing
from workbench.permissions.staff import StaffDirectory
from workbench.settings import Settings
from workbench.statistics.rollups import Rollups
from workbench.statistics.service import Statistics
from workbench.telephony.erasure import erase_member_calls
from workbench.usecases import UseCases, build_usecases

if TYPE_CHECKING:
    from workbench.crm.sync import OdooSync
    from workbench.telephony.desk import CallDesk
    from workbench.telephony.events import CallEvents
    from workbench.telephony.hotline import Hotline


@dataclass
class Services:
    """The domain services, built once per process. Edges do not call them: they call the use
    cases (`Workbench.usecases`), which own each transaction."""

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
    messages: DeskMessages
    odoo: OdooSync | None  # None: no [odoo] host configured

    def dispose(self) -> None:
        self.engine.dispose()


@dataclass
class Telephony:
    """The hotline's webhook handlers, the agents' call desk and the call-event bus; built only
    for the processes that take calls (the TUI, the webhook server), which load twilio."""

    hotline: Hotline
    desk: CallDesk
    events: CallEvents


@dataclass
class Workbench(Services):
    usecases: UseCases
    telephony: Telephony | None  # None: built without the hotline (most CLI commands)


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
    telephony: bool = False,
) -> Workbench:
    """Every service and use case, each given its collaborators as it is built.
    `telephony=True` also builds the hotline (and so loads twilio)."""
    services = build_services(settings, clock=clock, keyring=keyring, engine=engine)
    hotline = build_telephony(services) if telephony else None
    usecases = build_usecases(services, hotline)
    # Loud at every start (the console handler puts it on stderr): never a silent wrong count.
    calendar_warning = usecases.calendar.warning()
    if calendar_warning:
        logging.getLogger("workbench.calendar").warning(calendar_warning)
    return Workbench(
        **{f.name: getattr(services, f.name) for f in fields(Services)},
        usecases=usecases,
        telephony=hotline,
    )


def build_services(
    settings: Settings,
    *,
    clock: Clock | None = None,
    keyring: Keyring | None = None,
    engine: Engine | None = None,
) -> Services:
    clock = clock or SystemClock()
    keyring = keyring or keyring_from_settings(settings)
    engine = engine or create_db_engine(
        settings.effective_database_url,
        echo=settings.database_echo,
        busy_timeout=settings.database_busy_timeout_seconds,
    )
    # Before anything is read or written: the key file must be this database's (adopted by a
    # fresh one).
    from workbench.db.tables import metadata  # every package's tables

    ensure_key_file_matches(engine, keyring, now=clock.now(), tables=metadata.sorted_tables)
    sessions = make_session_factory(engine)
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
    audit = AuditLog(
        clock,
        keyring,
        anchors=AnchorFile(
            settings.effective_audit_anchor_file, syslog=settings.audit_anchor_syslog
        ),
        anchor_every=settings.audit_anchor_every,
    )
    outbox = build_outbox(settings, clock, cipher, scheme)
    notices = Notices(outbox)
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
        notify=notices,
        erasers=[*member_erasers(), LedgerEraser(settings.effective_erasure_ledger_file)],
    )
    access = MemberAccess(
        clock=clock,
        sessions=sessions,
        registry=registry,
        audit=audit,
        lookup_minutes=settings.protection_lookup_minutes,
        reveal_minutes=settings.protection_reveal_minutes,
        reveal_roles=set(settings.protection_reveal_roles),
        id_number_reveal_roles=set(settings.protection_id_number_reveal_roles),
        purposes=RevealPurposes(settings.access_reveal_purposes),
        limits=AccessLimits(
            clock=clock,
            audit=audit,
            per_hour={
                LimitedAction.LOOKUP: settings.access_lookups_per_hour,
                LimitedAction.REVEAL: settings.access_reveals_per_hour,
            },
            notify_staff=StaffNotices(outbox),
            zone=settings.timezone,
        ),
    )
    auth = Authenticator(
        clock=clock,
        audit=audit,
        max_failed_logins=settings.protection_max_failed_logins,
        lockout_minutes=settings.protection_lockout_minutes,
        idle_timeout_minutes=settings.protection_idle_timeout_minutes,
        hasher=password_hasher(
            settings.protection_password_time_cost, settings.protection_password_memory_kib
        ),
    )
    callbacks = CallbackService(
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
    )
    complaint_policy = load_complaint_policy(settings.config_path("complaints.toml"))
    return Services(
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
        tier_review=TierReview(
            clock=clock, scheme=scheme, audit=audit, notify=notices, ledger=ledger
        ),
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
            notify=notices,
            notify_staff=StaffNotices(outbox),
            follow_up=callbacks.schedule_complaint_follow_up,
            phone_region=settings.locale_phone_region,
        ),
        complaint_reports=ComplaintReports(
            sessions=sessions,
            audit=audit,
            min_group_size=settings.protection_min_group_size,
            export_roles=set(settings.protection_export_roles),
            rollups=Rollups(clock=clock, minutes=settings.scheduler_report_rollups_minutes),
        ),
        callbacks=callbacks,
        campaigns=Campaigns(
            clock=clock,
            sessions=sessions,
            zone=settings.timezone,
            batch_size=settings.callbacks_materialise_batch,
        ),
        outbox=outbox,
        dispatcher=build_dispatcher(settings, clock, sessions, outbox, blind_index),
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
            rollups=Rollups(clock=clock, minutes=settings.scheduler_report_rollups_minutes),
        ),
        messages=DeskMessages(
            clock=clock,
            sessions=sessions,
            outbox=outbox,
            access=access,
            audit=audit,
            ledger=ledger,
            zone=settings.timezone,
            expiry_reminder_days=settings.members_expiry_reminder_days,
        ),
        odoo=build_odoo_sync(settings, clock, engine, sessions, registry, ledger, audit),
    )


def build_telephony(services: Services) -> Telephony:
    """The hotline for a process that takes calls; twilio is imported here, not at start."""
    from workbench.telephony import twiml
    from workbench.telephony.desk import CallDesk
    from workbench.telephony.events import call_events_for
    from workbench.telephony.hotline import Hotline, Hours
    from workbench.telephony.routing import Routing
    from workbench.telephony.voice import TwilioVoice

    s = services.settings
    voice = twiml.Voice(
        public_url=s.telephony_public_url.rstrip("/"),
        language=s.telephony_language,
        voice=s.telephony_voice,
        greeting=s.telephony_greeting,
        recording_notice=s.telephony_recording_notice,
        record_calls=s.telephony_record_calls,
        caller_id=s.telephony_hotline_number,
    )
    events = call_events_for(services.engine)
    token = s.twilio_auth_token.get_secret_value() if s.twilio_auth_token else ""
    rest = None
    if s.twilio_account_sid and token:
        rest = TwilioVoice(
            account_sid=s.twilio_account_sid, auth_token=token, api_base=s.twilio_api_base or None
        )
    hotline = Hotline(
        clock=services.clock,
        sessions=services.sessions,
        cipher=services.cipher,
        registry=services.registry,
        access=services.access,
        events=events,
        agent_endpoint=s.telephony_agent_endpoint,
        ledger=services.ledger,
        callbacks=services.callbacks,
        voice=voice,
        hours=Hours(
            time.fromisoformat(s.telephony_agents_open),
            time.fromisoformat(s.telephony_agents_close),
            s.timezone,
        ),
        agent_queue=s.telephony_agent_queue,
        complaint_queue=s.telephony_complaint_queue,
        expiry_reminder_days=s.members_expiry_reminder_days,
        routing=Routing(
            scheme=services.scheme,
            priority_queue=s.telephony_priority_queue,
            general_queue=s.telephony_agent_queue,
            assigned_min_rank=s.telephony_assigned_agent_min_rank,
            ring_seconds=s.telephony_assigned_ring_seconds,
            grant_window=timedelta(minutes=s.telephony_grant_minutes),
            callback_after_seconds=s.telephony_queue_callback_seconds,
            seconds_per_caller=s.telephony_seconds_per_caller,
        ),
    )
    desk = CallDesk(
        clock=services.clock,
        sessions=services.sessions,
        cipher=services.cipher,
        registry=services.registry,
        access=services.access,
        events=events,
        agent_endpoint=s.telephony_agent_endpoint,
        voice=rest,
        hotline_voice=voice,
        transfer_queues=tuple(s.telephony_transfer_queues),
        grant_minutes=s.telephony_grant_minutes,
        wrap_up_seconds=s.telephony_wrap_up_seconds,
        priority_queue=s.telephony_priority_queue,
    )
    return Telephony(hotline, desk, events)


def member_erasers() -> list[Eraser]:
    """Every package's eraser of a member's personal data (see members/erasure.py); the call
    log's loads only the call table, never twilio."""
    return [
        erase_member_calls,
        erase_member_complaints,
        erase_member_callbacks,
        erase_member_messages,
        erase_member_change_requests,
        erase_member_terminations,
        erase_member_sync_issues,
    ]


def build_outbox(
    settings: Settings, clock: Clock, cipher: FieldCipher, scheme: TierScheme
) -> Outbox:
    return Outbox(
        clock=clock,
        cipher=cipher,
        scheme=scheme,
        templates=TemplateCatalogue(settings.config_path("templates/zh-CN.toml").parent),
        policy=ContactPolicy(
            quiet_start=time.fromisoformat(settings.messaging_quiet_start),
            quiet_end=time.fromisoformat(settings.messaging_quiet_end),
            marketing_per_week=settings.messaging_marketing_per_week,
        ),
        zone=settings.timezone,
        language=settings.locale_language,
    )


def build_dispatcher(
    settings: Settings,
    clock: Clock,
    sessions: sessionmaker[Session],
    outbox: Outbox,
    blind_index: BlindIndex | None = None,
) -> Dispatcher:
    """Senders exist only where configured: SMS needs a Twilio account and token."""
    from workbench.messaging.sms import TwilioSms
    from workbench.messaging.smtp import SmtpEmail
    from workbench.messaging.unsubscribe import UnsubscribeLinks

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
    links = (
        UnsubscribeLinks(blind_index=blind_index, public_url=settings.telephony_public_url)
        if blind_index is not None
        else None
    )
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
            unsubscribe_mailto=links.mailto if links else None,
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
        unsubscribe=links.url if links else lambda message_id: None,
    )


def build_odoo_sync(
    settings: Settings,
    clock: Clock,
    engine: Engine,
    sessions: sessionmaker[Session],
    registry: MemberRegistry,
    ledger: PointsLedger,
    audit: AuditLog,
) -> OdooSync | None:
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
            tier_codes=dict(settings.odoo_tier_codes),
            company_ids=tuple(dict.fromkeys(settings.odoo_allowed_company_ids)),
            placeholder_phones=frozenset(settings.odoo_placeholder_phones),
            ticket_stages=dict(settings.odoo_ticket_stages),
            category_labels={
                code: category.label(settings.locale_language)
                for code, category in load_complaint_policy(
                    settings.config_path("complaints.toml")
                ).categories.items()
            },
        ),
        clock=clock,
        engine=engine,
        sessions=sessions,
        registry=registry,
        ledger=ledger,
        audit=audit,
    )
