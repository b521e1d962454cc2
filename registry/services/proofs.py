"""Proof that outlives certificates and operators: time-stamps, witnesses, evidence packages.

* At receipt, the CRLs an accepted letter was checked against are kept in
  ``evidence``, with a time-stamp owed for each of its signature values; the
  letter's bytes stay untouched.
* After a transaction that appended custody events commits, the owed stamps are
  obtained from the TSA (``ARNA_TSA_URL``), each token verified before it is
  kept; the latest checkpoint is sent to every witness (``ARNA_WITNESSES``) and
  time-stamped too.
  This runs in a background thread per process (:class:`Publisher`), never in
  the submission's own transaction: a witness or TSA that is slow or down
  cannot block a letter. A failure is recorded in ``custody_witnesses`` and
  retried with the next checkpoint, or by ``flask custody prove``. Witnesses
  only ever need the newest checkpoint, so a burst of appends costs one round
  trip per witness.
* A letter's evidence package is the ASiC-E container of
  :mod:`registry.evidence.package`.

With nothing configured every function here is a no-op and Arna works as before.
"""

from __future__ import annotations

import base64
import fcntl
import hashlib
import logging
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from custody.merkle import ProofError
from custody.witness import AddCheckpoint
from custody.witness_http import WitnessEndpoint, WitnessError, submit
from registry.db import utcnow
from registry.evidence.package import Evidence as PackageEvidence
from registry.evidence.package import write_package
from registry.models.custody import CustodyCheckpoint
from registry.models.letters import Letter
from registry.models.proof import (
    CHECKPOINT_TIMESTAMP,
    CRL,
    OCSP,
    SIGNATURE_PENDING,
    SIGNATURE_TIMESTAMP,
    Cosignature,
    Evidence,
    WitnessState,
)
from registry.services.custody import consistency_proof, export_bundle, letter_entries
from registry.services.custody.append import APPENDED
from registry.services.errors import NotFound
from registry.services.pki import trust_store
from registry.services.unit_of_work import end_reads, unit_of_work
from signing.revocation import Evidence as RevocationEvidence
from signing.timestamp import (
    TimestampError,
    request_timestamp,
    signature_values,
    verify_timestamp,
)
from signing.trust import TrustStore, load_certificates
from signing.xmlparse import parse_xml

log = logging.getLogger(__name__)

DS = "http://www.w3.org/2000/09/xmldsig#"


@dataclass(frozen=True)
class ProofSettings:
    """What is configured: a TSA and its roots, witnesses, and how long to wait for them."""

    tsa_url: str = ""
    tsa_roots: tuple[x509.Certificate, ...] = ()
    witnesses: tuple[WitnessEndpoint, ...] = ()
    timeout: float = 5.0

    @property
    def enabled(self) -> bool:
        """True when there is a TSA or a witness to talk to."""
        return bool(self.tsa_url or self.witnesses)

    @classmethod
    def from_config(cls, config: Any) -> ProofSettings:
        """Read ARNA_TSA_URL, ARNA_TSA_ROOTS, ARNA_WITNESSES, ARNA_PROOF_TIMEOUT."""
        url = str(config.get("ARNA_TSA_URL") or "")
        roots_file = str(config.get("ARNA_TSA_ROOTS") or "")
        if url and not roots_file:
            raise ValueError("ARNA_TSA_URL is set but ARNA_TSA_ROOTS (the TSA's root PEM) is not")
        roots = tuple(load_certificates(Path(roots_file).read_bytes())) if roots_file else ()
        entries = [e for e in str(config.get("ARNA_WITNESSES") or "").split(";") if e.strip()]
        witnesses = tuple(WitnessEndpoint.parse(entry) for entry in entries)
        return cls(url, roots, witnesses, float(config.get("ARNA_PROOF_TIMEOUT") or 5))


_SETTINGS: dict[tuple[str, ...], ProofSettings] = {}
_SETTING_NAMES = ("ARNA_TSA_URL", "ARNA_TSA_ROOTS", "ARNA_WITNESSES", "ARNA_PROOF_TIMEOUT")


def proof_settings(config: Any | None = None) -> ProofSettings:
    """The settings of ``config`` (default: the running app's, or the environment's), cached."""
    if config is None:
        from registry.config import current_setting

        config = {name: current_setting(name) for name in _SETTING_NAMES}
    key = tuple(str(config.get(name) or "") for name in _SETTING_NAMES)
    settings = _SETTINGS.get(key)
    if settings is None:
        settings = _SETTINGS[key] = ProofSettings.from_config(config)
    return settings


# ----------------------------------------------------------------------------- at receipt


def _add_evidence(
    session: Session,
    kind: str,
    data: bytes,
    *,
    registry_number: str | None,
    ref: int | None,
    at: Any = None,
) -> None:
    session.add(
        Evidence(
            kind=kind,
            registry_number=registry_number,
            ref=ref,
            data=data,
            digest=hashlib.sha256(data).hexdigest(),
            at=at,
        )
    )


def signer_certificates(xml: bytes) -> list[x509.Certificate]:
    """The certificates the letter's signatures carry (ds:X509Certificate)."""
    return _certificates_in(parse_xml(xml))


def _certificates_in(root: Any) -> list[x509.Certificate]:
    return [
        x509.load_der_x509_certificate(base64.b64decode(element.text or ""))
        for element in root.iter(f"{{{DS}}}X509Certificate")
    ]


def record_receipt(
    session: Session,
    registry_number: str,
    xml: bytes,
    store: TrustStore,
    used: Sequence[RevocationEvidence] = (),
    *,
    first: bool = False,
) -> None:
    """In the receipt's own transaction: the CRLs and OCSP answers the letter was checked
    against (``used``: ``VerificationResult.evidence``, kept whatever else is configured),
    and, with a TSA, the CRLs ``store`` (the trust store it was verified with) holds for
    its signers' issuers and a time-stamp owed for each of its signature values not
    stamped or owed yet.

    The TSA is asked after commit (:func:`publish`), so a slow or absent TSA never
    holds a submission; a signature value's stamp follows its receipt by one round.
    """
    # At most one read and one parse: this runs in every submission's request. A letter's
    # ``first`` receipt (a new registry number) has nothing kept yet.
    kept = (
        []
        if first
        else session.execute(
            select(Evidence.kind, Evidence.ref, Evidence.digest).where(
                Evidence.registry_number == registry_number,
                Evidence.kind.in_((SIGNATURE_TIMESTAMP, SIGNATURE_PENDING, CRL, OCSP)),
            )
        ).all()
    )
    held = {(row.kind, row.digest) for row in kept if row.kind in (CRL, OCSP)}
    for item in used:
        kind = OCSP if item.kind == "ocsp" else CRL
        digest = hashlib.sha256(item.data).hexdigest()
        if (kind, digest) not in held:
            held.add((kind, digest))
            _add_evidence(session, kind, item.data, registry_number=registry_number, ref=None)
    if not proof_settings().tsa_url:
        return
    known = {row.ref for row in kept if row.kind in (SIGNATURE_TIMESTAMP, SIGNATURE_PENDING)}
    root = parse_xml(xml)
    for index in range(sum(1 for _ in root.iter(f"{{{DS}}}SignatureValue"))):
        if index not in known:
            _add_evidence(
                session, SIGNATURE_PENDING, b"", registry_number=registry_number, ref=index
            )
    issuers = [cert.issuer for cert in _certificates_in(root)]
    for crl in (crl.public_bytes(Encoding.DER) for crl in store.crls_of(issuers)):
        if (CRL, hashlib.sha256(crl).hexdigest()) not in held:
            _add_evidence(session, CRL, crl, registry_number=registry_number, ref=None)


def revocation_evidence(session: Session, registry_number: str) -> list[Evidence]:
    """The CRLs and OCSP answers kept with a letter at receipt, oldest first."""
    return list(
        session.scalars(
            select(Evidence)
            .where(Evidence.kind.in_((CRL, OCSP)), Evidence.registry_number == registry_number)
            .order_by(Evidence.id)
        )
    )


STAMPS_PER_COMMIT = 50
"""Signature stamps obtained before they are stored, in one unit of work."""


def _stamp_signatures(session: Session, settings: ProofSettings, limit: int = 500) -> list[str]:
    """Fulfil the time-stamps owed at receipt; each stored with its verification, or left owed.

    The owed letters are read in one query, and the tokens stored together, every
    ``STAMPS_PER_COMMIT`` and at the end: a round costs its TSA round trips and a few
    database ones, not five of those per stamp (the publisher shares the worker with
    the requests).
    """
    owed = session.execute(
        select(Evidence.id, Evidence.registry_number, Evidence.ref)
        .where(Evidence.kind == SIGNATURE_PENDING)
        .order_by(Evidence.id)
        .limit(limit)
    ).all()
    numbers = sorted({number for _, number, _ in owed})
    xml_of: dict[str, bytes | None] = {}
    if numbers:
        query = select(Letter.registry_number, Letter.xml).where(
            Letter.registry_number.in_(numbers)
        )
        xml_of = {number: xml for number, xml in session.execute(query)}
    end_reads(session)
    failures: list[str] = []
    values: dict[str, list[bytes]] = {}
    paid: list[tuple[int, str, int, bytes, Any]] = []
    for owed_id, number, index in owed:
        if number not in values:
            xml = xml_of.get(number)
            values[number] = signature_values(xml) if xml else []
        if index is None or index >= len(values[number]):
            continue
        value = values[number][index]
        try:
            token = request_timestamp(settings.tsa_url, value, timeout=settings.timeout)
            stamp = verify_timestamp(token, value, settings.tsa_roots)
        except TimestampError as exc:
            log.warning("time-stamp of %s signature %s: %s", number, index, exc)
            failures.append(str(exc))
            break  # the TSA is failing: the rest stay owed until the next round
        paid.append((owed_id, number, index, token, stamp.gen_time))
        if len(paid) == STAMPS_PER_COMMIT:
            _pay(session, paid)
            paid = []
    _pay(session, paid)
    return failures


def _pay(session: Session, paid: Sequence[tuple[int, str, int, bytes, Any]]) -> None:
    """Claim the debts and store their stamps in one unit of work: of two workers, one does."""
    if not paid:
        return
    with unit_of_work(session):
        claimed = set(
            session.scalars(
                delete(Evidence)
                .where(Evidence.id.in_([owed_id for owed_id, *_ in paid]))
                .returning(Evidence.id)
            )
        )
        for owed_id, number, index, token, at in paid:
            if owed_id in claimed:
                _add_evidence(
                    session, SIGNATURE_TIMESTAMP, token, registry_number=number, ref=index, at=at
                )


# ----------------------------------------------------------------------------- the log


@dataclass
class PublishReport:
    """What one round of publishing did: cosignatures gained and failures met."""

    size: int = 0
    cosigned: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    stamped: bool = False


def _note_body(note: str) -> str:
    """A signed note's text: what the log signed, the witnesses cosign and the TSA stamps."""
    return note[: note.rfind("\n\n") + 1]


def _witness(
    session: Session,
    endpoint: WitnessEndpoint,
    latest: CustodyCheckpoint,
    settings: ProofSettings,
    proof_from: Callable[[int, int], list[bytes]],
) -> str | None:
    """Send the latest checkpoint to one witness; return the failure, or None."""
    key = str(endpoint.key)
    state = session.get(WitnessState, key)
    if state is None:
        state = WitnessState(witness_key=key, url=endpoint.url, cosigned_size=0)
        session.add(state)
    if state.cosigned_size == latest.size and state.last_error is None:
        return None
    body = _note_body(latest.note)
    old = min(state.cosigned_size, latest.size)
    problem: str | None = None
    for _attempt in range(2):  # a 409 names the witness's own size: try once more from it
        try:
            proof = proof_from(old, latest.size) if 0 < old < latest.size else []
            line = submit(
                endpoint, AddCheckpoint(old, tuple(proof), latest.note), body, settings.timeout
            )
        except ProofError as exc:
            problem = f"no consistency proof from {old}: {exc}"
            break
        except WitnessError as exc:
            problem = str(exc)
            if exc.size is not None and exc.size != old and exc.size <= latest.size:
                old = exc.size
                continue
            if (exc.size is not None and exc.size > latest.size) or exc.status in (409, 422):
                problem = (
                    f"{exc} — the log does not extend the checkpoint this witness cosigned: "
                    "it was rolled back or forked"
                )
            break
        if session.get(Cosignature, (latest.size, key)) is None:
            session.add(Cosignature(size=latest.size, witness_key=key, signature=line))
        state.cosigned_size, state.last_error, problem = latest.size, None, None
        break
    state.url, state.attempted_at = endpoint.url, utcnow()
    if problem is not None:
        state.last_error = problem
        log.warning("custody witness %s: %s", endpoint.url, problem)
    return problem


def _stamp_checkpoint(
    session: Session, latest: CustodyCheckpoint, settings: ProofSettings
) -> str | None:
    exists = session.scalar(
        select(Evidence.id).where(
            Evidence.kind == CHECKPOINT_TIMESTAMP, Evidence.ref == latest.size
        )
    )
    if exists is not None:
        return None
    body = _note_body(latest.note).encode()
    try:
        token = request_timestamp(settings.tsa_url, body, timeout=settings.timeout)
        stamp = verify_timestamp(token, body, settings.tsa_roots)
    except TimestampError as exc:
        log.warning("custody checkpoint time-stamp: %s", exc)
        return str(exc)
    _add_evidence(
        session,
        CHECKPOINT_TIMESTAMP,
        token,
        registry_number=None,
        ref=latest.size,
        at=stamp.gen_time,
    )
    return None


def publish(
    session: Session,
    settings: ProofSettings,
    proof_from: Callable[[int, int], list[bytes]],
) -> PublishReport:
    """A job: witness and time-stamp the latest checkpoint, and fetch the signature stamps
    owed; each answer and every failure is committed as a unit of work of its own.

    ``proof_from(old, new)`` gives the log's consistency proof (services.custody).
    """
    report = PublishReport()
    latest = session.scalar(
        select(CustodyCheckpoint).order_by(CustodyCheckpoint.size.desc()).limit(1)
    )
    if latest is None or not settings.enabled:
        return report
    report.size = latest.size
    # Each answer is a unit of work of its own. Two workers publishing at once may record
    # the same cosignature: the second insert fails on the key and is dropped, nothing lost.
    for endpoint in settings.witnesses:
        try:
            with unit_of_work(session):
                problem = _witness(session, endpoint, latest, settings, proof_from)
        except IntegrityError:
            problem = None
        if problem is None:
            report.cosigned.append(str(endpoint.key))
        else:
            report.failures.append(problem)
    if settings.tsa_url:
        report.failures.extend(_stamp_signatures(session, settings))
        with unit_of_work(session):
            problem = _stamp_checkpoint(session, latest, settings)
        report.stamped = problem is None
        if problem is not None:
            report.failures.append(problem)
    return report


@contextmanager
def _one_round_at_a_time(lock_file: Path | None) -> Iterator[None]:
    """Hold an exclusive lock on ``lock_file`` (blocking) for one publishing round."""
    if lock_file is None:
        yield
        return
    with lock_file.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


class Publisher:
    """A background thread per process that publishes the newest checkpoint when asked.

    :meth:`trigger` only sets a flag, so committing a submission never waits for
    a witness or the TSA; triggers that arrive while a round runs fold into the
    next round, which publishes whatever checkpoint is newest by then.

    The workers of one instance take turns (``lock_file``, in the instance folder):
    each round reads what is owed when its turn comes, so two workers triggered by
    the same burst never both ask the TSA for the same stamps or send the same
    checkpoint to a witness (bench/proof.py saw 42 % of the tokens thrown away).
    """

    def __init__(
        self,
        open_session: Callable[[], Session],
        settings: ProofSettings,
        proof_from: Callable[[Session], Callable[[int, int], list[bytes]]],
        lock_file: Path | None = None,
    ) -> None:
        self._open_session = open_session
        self._settings = settings
        self._proof_from = proof_from
        self._lock_file = lock_file
        self._wanted = threading.Event()
        self._idle = threading.Event()
        self._idle.set()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def trigger(self) -> None:
        """Ask for a round soon (starts the thread on first use, also after a fork)."""
        self._idle.clear()
        self._wanted.set()
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._run, name="arna-proof-publisher", daemon=True
                )
                self._thread.start()

    def drain(self, timeout: float = 30.0) -> bool:
        """Wait until no round is wanted or running; True if that happened in time."""
        return self._idle.wait(timeout)

    def _run(self) -> None:
        while True:
            self._wanted.wait()
            self._wanted.clear()
            try:
                with (
                    _one_round_at_a_time(self._lock_file),
                    self._open_session() as session,
                ):
                    publish(session, self._settings, self._proof_from(session))
            except Exception:  # the thread must survive a bad round; the next one retries
                log.exception("publishing the custody checkpoint failed")
            if not self._wanted.is_set():
                self._idle.set()


def _instance_lock(instance_path: str) -> Path | None:
    """The lock file the instance's workers take turns publishing with (None: no folder)."""
    folder = Path(instance_path)
    return folder / "proof-publisher.lock" if folder.is_dir() else None


def install_publisher(app: Any) -> Publisher | None:
    """Publish after every commit that appended custody events, when something is configured."""
    from sqlalchemy import event

    from registry.db import EXTENSION_KEY

    settings = proof_settings(app.config)
    if not settings.enabled:
        return None
    state = app.extensions[EXTENSION_KEY]
    publisher = Publisher(
        lambda: Session(state.engine, expire_on_commit=False),
        settings,
        lambda session: lambda old, new: consistency_proof(session, old, new),
        lock_file=_instance_lock(app.instance_path),
    )

    @event.listens_for(state.sessionmaker, "after_commit")
    def _after_commit(session: Session) -> None:
        if session.info.pop(APPENDED, False):
            publisher.trigger()

    @event.listens_for(state.sessionmaker, "after_rollback")
    def _after_rollback(session: Session) -> None:
        session.info.pop(APPENDED, None)

    app.extensions["arna_proof_publisher"] = publisher
    return publisher


# ----------------------------------------------------------------------------- packages


def _witnessed_size(session: Session, registry_number: str) -> int | None:
    """The largest cosigned checkpoint that holds every event of the letter, if any."""
    entries = letter_entries(session, registry_number)
    if not entries:
        raise NotFound(f"the custody log has no event of {registry_number}")
    return session.scalar(
        select(Cosignature.size)
        .where(Cosignature.size > entries[-1][0])
        .order_by(Cosignature.size.desc())
        .limit(1)
    )


def _tsa_certificates(tokens: Sequence[bytes]) -> list[bytes]:
    from asn1crypto import cms

    found = []
    for token in tokens:
        for choice in cms.ContentInfo.load(token)["content"]["certificates"] or []:
            found.append(choice.chosen.dump())
    return found


def evidence_package(session: Session, letter: Letter) -> bytes:
    """The letter's ASiC-E evidence package (registry.evidence), against its latest witnessed
    checkpoint when one holds all its events, else the latest checkpoint."""
    if letter.xml is None:
        raise NotFound(f"{letter.registry_number} has no signed XML yet")
    number = letter.registry_number
    bundle = export_bundle(session, number, size=_witnessed_size(session, number))
    signers = signer_certificates(letter.xml)
    anchors = trust_store(session).anchors
    issuers = {cert.issuer for cert in signers}
    tokens = [base64.b64decode(str(stamp["token"])) for stamp in bundle.get("timestamps", [])]
    certificates = [
        *(cert.public_bytes(Encoding.DER) for cert in signers),
        *(cert.public_bytes(Encoding.DER) for cert in anchors if cert.subject in issuers),
        *_tsa_certificates(tokens),
    ]
    kept = revocation_evidence(session, number)
    crls = [e.data for e in kept if e.kind == CRL]
    answers = [e.data for e in kept if e.kind == OCSP]
    return write_package(number, letter.xml, bundle, PackageEvidence(certificates, crls, answers))
