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
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Executor, ThreadPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from functools import partial
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
    request_timestamps,
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

TSA_CONNECTIONS = 4
"""Kept connections a round asks the TSA over at once."""


def _stamp_signatures(
    session: Session, settings: ProofSettings, pool: Executor | None, limit: int = 500
) -> list[str]:
    """Fulfil the time-stamps owed at receipt; each stored with its verification, or left owed.

    The owed letters are read in one query, no transaction stays open while the TSA
    is asked, the tokens are asked over a few kept connections at once
    (``TSA_CONNECTIONS``) and stored together every ``STAMPS_PER_COMMIT``: a round
    costs its slowest connection's round trips and a few database ones, not a new
    connection and five database round trips per stamp (the publisher shares the
    worker with the requests).
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
    values: dict[str, list[bytes]] = {}
    asked: list[tuple[int, str, int, bytes]] = []
    for owed_id, number, index in owed:
        if number not in values:
            xml = xml_of.get(number)
            values[number] = signature_values(xml) if xml else []
        if index is not None and index < len(values[number]):
            asked.append((owed_id, number, index, values[number][index]))
    if not asked:
        return []
    try:
        tokens = request_timestamps(
            settings.tsa_url,
            [value for *_, value in asked],
            timeout=settings.timeout,
            connections=TSA_CONNECTIONS,
            pool=pool,
        )
    except TimestampError as exc:
        return [str(exc)]
    failures: list[str] = []
    paid: list[tuple[int, str, int, bytes, Any]] = []
    for (owed_id, number, index, value), token in zip(asked, tokens, strict=True):
        if token is None:
            continue  # not asked after a failure: stays owed until the next round
        try:
            if isinstance(token, TimestampError):
                raise token
            stamp = verify_timestamp(token, value, settings.tsa_roots)
        except TimestampError as exc:
            log.warning("time-stamp of %s signature %s: %s", number, index, exc)
            failures.append(str(exc))
            continue  # stays owed until the next round
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


@dataclass(frozen=True)
class _Latest:
    """The newest checkpoint's size and signed note, read before any network wait (an ORM
    row expired by a commit would begin a transaction again when read)."""

    size: int
    note: str


@dataclass
class _Send:
    """One witness's part of a round: the size it cosigned last, its answer or its refusal."""

    endpoint: WitnessEndpoint
    old: int
    proof: list[bytes] = field(default_factory=list)
    line: str | None = None
    problem: str | None = None
    retry_from: int | None = None  # the witness answered 409 with this size of its own


def _witness_sends(
    session: Session,
    settings: ProofSettings,
    latest: _Latest,
    proof_from: Callable[[int, int], list[bytes]],
) -> tuple[list[_Send], list[str]]:
    """What to send each witness that has not cosigned ``latest`` yet (its consistency
    proof read now, before the network), and the keys of those that have."""
    keys = [str(endpoint.key) for endpoint in settings.witnesses]
    states = {
        state.witness_key: state
        for state in session.scalars(select(WitnessState).where(WitnessState.witness_key.in_(keys)))
    }
    sends, done = [], []
    for endpoint in settings.witnesses:
        state = states.get(str(endpoint.key))
        if state is not None and state.cosigned_size == latest.size and state.last_error is None:
            done.append(str(endpoint.key))
            continue
        send = _Send(endpoint, min(state.cosigned_size if state else 0, latest.size))
        _read_proof(send, latest.size, proof_from)
        sends.append(send)
    return sends, done


def _read_proof(send: _Send, size: int, proof_from: Callable[[int, int], list[bytes]]) -> None:
    try:
        send.proof = proof_from(send.old, size) if 0 < send.old < size else []
    except ProofError as exc:
        send.problem = f"no consistency proof from {send.old}: {exc}"


def _ask(send: _Send, latest: _Latest, timeout: float, last_try: bool) -> None:
    """One add-checkpoint round trip (no database): the cosignature line, or the refusal."""
    if send.problem is not None:
        return
    request = AddCheckpoint(send.old, tuple(send.proof), latest.note)
    try:
        send.line = submit(send.endpoint, request, _note_body(latest.note), timeout)
    except WitnessError as exc:
        send.problem = str(exc)
        if exc.size is not None and exc.size != send.old and exc.size <= latest.size:
            if not last_try:
                send.retry_from = exc.size
            return
        if (exc.size is not None and exc.size > latest.size) or exc.status in (409, 422):
            send.problem = (
                f"{exc} — the log does not extend the checkpoint this witness cosigned: "
                "it was rolled back or forked"
            )


def _ask_all(
    sends: Sequence[_Send],
    latest: _Latest,
    timeout: float,
    last_try: bool,
    pool: Executor | None,
) -> None:
    """Every witness asked at once (``pool``'s threads, or threads of their own): a round
    costs the slowest witness, not their sum."""
    ask = partial(_ask, latest=latest, timeout=timeout, last_try=last_try)
    if pool is None:
        with ThreadPoolExecutor(len(sends)) as own:
            list(own.map(ask, sends))
    else:
        list(pool.map(ask, sends))


def _store_witnessed(session: Session, sends: Sequence[_Send], latest: _Latest) -> None:
    """Record each witness's cosignature or refusal (one unit of work, by the caller)."""
    now = utcnow()
    for send in sends:
        key = str(send.endpoint.key)
        state = session.get(WitnessState, key)
        if state is None:
            state = WitnessState(witness_key=key, url=send.endpoint.url, cosigned_size=0)
            session.add(state)
        state.url, state.attempted_at = send.endpoint.url, now
        if send.line is not None:
            if session.get(Cosignature, (latest.size, key)) is None:
                session.add(Cosignature(size=latest.size, witness_key=key, signature=send.line))
            state.cosigned_size, state.last_error = latest.size, None
        else:
            state.last_error = send.problem
            log.warning("custody witness %s: %s", send.endpoint.url, send.problem)


def _witness(
    session: Session,
    settings: ProofSettings,
    latest: _Latest,
    proof_from: Callable[[int, int], list[bytes]],
    pool: Executor | None,
) -> tuple[list[str], list[str]]:
    """Send the latest checkpoint to every witness that has not cosigned it, all at once,
    with no transaction open while they answer; return the keys cosigned and the failures.

    A witness that answers 409 with a size of its own is sent the checkpoint once more,
    with a consistency proof from that size. Another publisher (``flask custody prove``,
    a worker without the instance's lock file) may record the same cosignature first:
    the store is then rolled back and done once more, seeing it.
    """
    sends, done = _witness_sends(session, settings, latest, proof_from)
    end_reads(session)
    if sends:
        _ask_all(sends, latest, settings.timeout, False, pool)
        again = []
        for send in sends:
            if send.retry_from is not None:
                send.old, send.problem, send.retry_from = send.retry_from, None, None
                _read_proof(send, latest.size, proof_from)
                again.append(send)
        if again:
            end_reads(session)
            _ask_all(again, latest, settings.timeout, True, pool)
        for attempt in (1, 2):
            try:
                with unit_of_work(session):
                    _store_witnessed(session, sends, latest)
                break
            except IntegrityError:  # unit_of_work rolled it back: store once more
                if attempt == 2:
                    raise
    done += [str(send.endpoint.key) for send in sends if send.line is not None]
    return done, [send.problem for send in sends if send.problem is not None]


def _stamp_checkpoint(session: Session, latest: _Latest, settings: ProofSettings) -> str | None:
    """The latest checkpoint's time-stamp, once per size; no transaction open while asking."""
    exists = session.scalar(
        select(Evidence.id).where(
            Evidence.kind == CHECKPOINT_TIMESTAMP, Evidence.ref == latest.size
        )
    )
    end_reads(session)
    if exists is not None:
        return None
    body = _note_body(latest.note).encode()
    try:
        token = request_timestamp(settings.tsa_url, body, timeout=settings.timeout)
        stamp = verify_timestamp(token, body, settings.tsa_roots)
    except TimestampError as exc:
        log.warning("custody checkpoint time-stamp: %s", exc)
        return str(exc)
    with unit_of_work(session):
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
    pool: Executor | None = None,
) -> PublishReport:
    """A job: witness and time-stamp the latest checkpoint, and fetch the signature stamps
    owed; the answers are committed in short units of work of their own, and no
    transaction is open while a witness or the TSA is asked (on SQLite an open one
    would hold the write lock, and with it every submission).

    ``proof_from(old, new)`` gives the log's consistency proof (services.custody);
    ``pool`` runs the round trips that go at once (the publisher's own threads, so that
    their CPU is counted as its own); without one, each batch starts threads of its own.
    """
    report = PublishReport()
    newest = session.execute(
        select(CustodyCheckpoint.size, CustodyCheckpoint.note)
        .order_by(CustodyCheckpoint.size.desc())
        .limit(1)
    ).first()
    if newest is None or not settings.enabled:
        return report
    latest = _Latest(newest.size, newest.note)
    report.size = latest.size
    if settings.witnesses:
        report.cosigned, report.failures = _witness(session, settings, latest, proof_from, pool)
    if settings.tsa_url:
        report.failures.extend(_stamp_signatures(session, settings, pool))
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


ROUND_INTERVAL = 0.5
"""Seconds at least between the starts of two rounds of one publisher. Whatever it
carries, a round costs a round trip to each witness, a checkpoint time-stamp and a few
database round trips: under a stream of submissions a round every half second carries
all that arrived meanwhile, instead of one round per few letters. A quiet log's first
checkpoint is published at once."""

THREAD_NAME = "arna-proof"
"""The publisher thread's name, in the operating system too (``top -H``; bench/proof.py
reads its CPU by it)."""


def _name_os_thread(name: str) -> None:
    """Name the calling thread in the OS too (Linux; Python 3.11 names only its own object)."""
    with suppress(OSError):  # not Linux: only the OS-level name is missing
        Path(f"/proc/self/task/{threading.get_native_id()}/comm").write_text(name[:15])


class Publisher:
    """A background thread per process that publishes the newest checkpoint when asked.

    :meth:`trigger` only sets a flag, so committing a submission never waits for
    a witness or the TSA; triggers that arrive while a round runs, or within
    ``ROUND_INTERVAL`` of its start, fold into the next round, which publishes
    whatever checkpoint is newest by then.

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
        interval: float = ROUND_INTERVAL,
    ) -> None:
        self._open_session = open_session
        self._interval = interval
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
                self._thread = threading.Thread(target=self._run, name=THREAD_NAME, daemon=True)
                self._thread.start()

    def drain(self, timeout: float = 30.0) -> bool:
        """Wait until no round is wanted or running; True if that happened in time."""
        return self._idle.wait(timeout)

    def _run(self) -> None:
        _name_os_thread(THREAD_NAME)
        # Created by this thread, its threads carry the same OS name (Linux copies it).
        pool = ThreadPoolExecutor(
            max(TSA_CONNECTIONS, len(self._settings.witnesses)), thread_name_prefix=THREAD_NAME
        )
        started = -self._interval
        while True:
            self._wanted.wait()
            time.sleep(max(0.0, started + self._interval - time.monotonic()))
            self._wanted.clear()
            started = time.monotonic()
            try:
                with (
                    _one_round_at_a_time(self._lock_file),
                    self._open_session() as session,
                ):
                    publish(session, self._settings, self._proof_from(session), pool)
            except Exception:  # the thread must survive a bad round; the next one retries
                log.exception("publishing the custody checkpoint failed")
            if not self._wanted.is_set():
                self._idle.set()


def _instance_lock(instance_path: str) -> Path | None:
    """The lock file the instance's workers take turns publishing with, in the instance
    folder, made if missing (None where it cannot be: each worker then publishes on its
    own, which the rounds survive — a cosignature recorded twice is stored once)."""
    folder = Path(instance_path)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return folder / "proof-publisher.lock"


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
