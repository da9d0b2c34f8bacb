"""Every feature's models, imported in one place for Alembic and the tests."""
from telecentre.agent_api.models import Agent, AgentEvent, Command, EnrollmentToken  # noqa: F401
from telecentre.alerts.models import Alert, AlertDelivery, AlertRoute  # noqa: F401
from telecentre.audit.models import AuditEntry, AuditPersonal  # noqa: F401
from telecentre.auth.models import (ApiToken, PasswordResetToken, ReservedLogin,  # noqa: F401
                                    ResidentBlock, ResidentNote, User)
from telecentre.booking.models import Booking, CalendarFeed, QueueEntry  # noqa: F401
from telecentre.ops.models import JobRun  # noqa: F401
from telecentre.remote.models import (HostKey, PowerSchedule, RemoteRun,  # noqa: F401
                                      RemoteRunHost, RemoteTarget, SshCredential)
from telecentre.seats.models import Seat  # noqa: F401
from telecentre.sessions.models import UsageSession  # noqa: F401
from telecentre.stats.models import (AvailabilityInterval, DailyUsage, DirtyDay,  # noqa: F401
                                     HourlyUsage, MonthlySiteUsage, NetworkDaily,
                                     RollupState, SessionLength, UniqueUsers, Visitor)
from telecentre.sites.models import OpeningException, OpeningHours, Site, SitePolicy  # noqa: F401
from telecentre.monitoring.models import Device, DeviceState, HourlySample, Sample  # noqa: F401
from telecentre.monitoring.discovery_models import NeighbourLink, ProposedDevice  # noqa: F401
from telecentre.console.models import GuestPass, ResidentNotice  # noqa: F401
from telecentre.common.ratelimit import RateLimitCounter  # noqa: F401
from telecentre.legal.models import AccessibilityStatement  # noqa: F401
from telecentre.incidents.models import Incident  # noqa: F401
from telecentre.printing.models import PrintJob, PrintSettings  # noqa: F401
from telecentre.sites import versions  # noqa: F401,E402  (raises sites.config_version on change)
