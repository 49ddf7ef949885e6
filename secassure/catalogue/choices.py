"""Fixed vocabularies of the catalogue. Regulation content lives in data files; these are the
names the data files and the code agree on."""

from django.db import models


class FrameworkKind(models.TextChoices):
    REGULATION = "regulation", "Regulation"
    STANDARD = "standard", "Standard"
    CONTROL_SET = "control-set", "Control set"


class VersionStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"


class Origin(models.TextChoices):
    SECASSURE = "secassure", "secassure catalogue file"
    OSCAL = "oscal", "OSCAL catalog"
    CISO = "ciso", "CISO Assistant library"


class Confidence(models.TextChoices):
    """How far a fact is backed: the domain notes' S, I and R tags."""

    STATED = "S", "Stated by a public source"
    INFERRED = "I", "Inferred from sources"
    RECALLED = "R", "Recalled, needs checking"


class Relationship(models.TextChoices):
    """Set-theory relationships between an obligation and another framework's control."""

    EQUIVALENT = "equivalent-to", "equivalent to"
    SUBSET = "subset-of", "subset of"
    SUPERSET = "superset-of", "superset of"
    INTERSECTS = "intersects-with", "intersects with"
    RELATED = "related-to", "related to"


class PartyCategory(models.TextChoices):
    LARGE_SUPPLIER = "large-supplier", "Large Supplier"
    SMALL_SUPPLIER = "small-supplier", "Small Supplier"
    ELECTRICITY_NETWORK = "electricity-network", "Electricity Network Party"
    GAS_NETWORK = "gas-network", "Gas Network Party"
    OTHER_USER = "other-user", "Other User"
    SRP = "srp", "Shared Resource Provider"


class UserRole(models.TextChoices):
    """User Roles as listed in SCF Part 1 Appendix B."""

    IMPORT_SUPPLIER = "import-supplier", "Import Supplier"
    EXPORT_SUPPLIER = "export-supplier", "Export Supplier"
    GAS_SUPPLIER = "gas-supplier", "Gas Supplier"
    ELECTRICITY_DISTRIBUTOR = "electricity-distributor", "Electricity Distributor"
    GAS_TRANSPORTER = "gas-transporter", "Gas Transporter"
    REGISTERED_SUPPLIER_AGENT = "registered-supplier-agent", "Registered Supplier Agent"
    OTHER_USER = "other-user", "Other User"


class QuestionTopic(models.TextChoices):
    CHANGES = "changes", "Changes since the last assessment"
    RISK = "risk", "Risk management"
    SYSTEMS = "systems", "User Systems"
    HOSTING = "hosting", "Hosting"
    PROVIDERS = "providers", "Third-party providers"
    PEOPLE = "people", "People"
    KEYS = "keys", "Cryptographic keys"
    MONITORING = "monitoring", "Protective monitoring"
    VULNERABILITIES = "vulnerabilities", "Vulnerabilities"
    SEPARATION = "separation", "Separation"
    INCIDENTS = "incidents", "Incidents"
    THRESHOLDS = "thresholds", "Anomaly Detection Thresholds"
    SMETS1 = "smets1", "SMETS1"
    PORTFOLIO = "portfolio", "Portfolio"
    ISMS = "isms", "ISMS"


class AnswerKind(models.TextChoices):
    """How a self-assessment question is answered."""

    YES_NO = "yes-no", "Yes or no"
    TEXT = "text", "In words"  # the narrative is the answer; there is no choice to make
    STATUS = "status", "Progress status"  # how far the actions it asks about have got


class Concern(models.TextChoices):
    """Which answer to a yes-no question is the worrying one: "Has anything changed?" worries on
    Yes, "Do you review access as required?" on No."""

    YES = "yes", "Yes"
    NO = "no", "No"


class Fact(models.TextChoices):
    """What may hold for an organisation on a day, as an entry's applicability conditions name it
    (``applicability.when`` and ``applicability.also_when`` in a catalogue file)."""

    SRP_USER = "srp-user", "uses a Shared Resource Provider"
    LIVE_DCC_USER = "live-dcc-user", "is a Live DCC User"


class ScopeKind(models.TextChoices):
    """The assessment types a catalogue version may give a scope for: the same names as the
    assessments' types, so that a file written for one is read by the other."""

    FUSA = "fusa", "Full User Security Assessment (FUSA)"
    VUSA = "vusa", "Verification User Security Assessment (VUSA)"
    SSA = "ssa", "User Security Self-Assessment (SSA)"
    FOLLOW_UP = "follow-up", "Follow-up Security Assessment"
    CIO_COMPLIANCE = "cio-compliance", "CIO compliance assessment (G8.3(d))"
    FPA = "fpa", "Full Privacy Assessment (FPA)"
    RSPA = "rspa", "Random Sample Privacy Assessment (RSPA)"
    PSA = "psa", "Privacy Self-Assessment (PSA)"
