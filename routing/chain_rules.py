"""The rules of the chains of Chapters 1, 2, 3, 4 and 6, as docs/rules.md lists them.

One row per duty the engines (routing/decisions.py, routing/agreements.py,
routing/reporting.py) date, with the Kazakh phrase its deadline comes from and
the reading chosen where the text leaves a choice. ``routing.reference`` renders
them; the engine tests assert each date counted by hand from the phrase.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True, slots=True)
class ChainRule:
    ref: str
    who: str
    duty: str
    deadline: str
    phrase: str
    reading: str = ""


CHAPTER_1: Final = (
    ChainRule(
        "¶2",
        "each CSB → MFA",
        "returns on its treaties: in force on App.1-3, signed and not in force on App.4-5",
        "10 January",
        "жыл сайын 10 қаңтардан кешіктірмей",
        "one return per treaty, on the form its kind and status give; made by the responsible "
        "body marked consolidating; a loan treaty signed and not in force on App.4 (one lender); "
        "on a day off, the previous working day (configurable)",
    ),
    ChainRule(
        "¶4",
        "MFA → GO",
        "the summary in the structure of App.6, with the foreign-policy assessment",
        "10 February",
        "жылына бір рет, 10 ақпаннан кешіктірмей",
        "App.6 is generated from the returns; MFA fills only its assessment fields",
    ),
    ChainRule(
        "¶5",
        "GO → PA",
        "MFA's information with GO's proposals",
        "25 February",
        "жыл сайын, 25 ақпаннан кешіктірмей",
        "on a day off, the previous working day (configurable)",
    ),
    ChainRule(
        "¶6",
        "PA → PRESIDENT",
        "the analysis of the treaties' implementation",
        "15 wd from PA's receipt",
        "алған күнінен бастап он бес жұмыс күні ішінде",
    ),
)

CHAPTER_3: Final = (
    ChainRule(
        "¶19",
        "—",
        "only high-level events (the President) are governed",
        "—",
        "Жоғары деңгейдегі іс-шаралардың мазмұндық бөлігін пысықтау тәртібі осы Қағидалармен "
        "реттеледі",
        "intergovernmental and interdepartmental events are refused (Government regulations)",
    ),
    ChainRule(
        "¶22",
        "MFA → interested bodies and organisations",
        "request materials and proposals",
        "E − 2 months",
        "кемінде екі ай бұрын",
        "E is the first day; on a day off, the previous working day (configurable)",
    ),
    ChainRule(
        "¶23",
        "each interested body → MFA",
        "materials; theses initialled on every page",
        "20 cd from the request's receipt, or PA's period",
        "сұрау салу келіп түскен кезден бастап күнтізбелік жиырма күн ішінде",
        "the initials are checked page by page for each thesis document",
    ),
    ChainRule(
        "¶23",
        "a body whose input MFA returned → MFA",
        "rework poor-quality input",
        "3 wd",
        "үш жұмыс күні ішінде",
        "no start in the text: counted from the body's receipt of the returned input",
    ),
    ChainRule(
        "¶24",
        "MFA → PA",
        "the concept, signed by the Minister",
        "E − 30 cd",
        "кемінде күнтізбелік отыз күн бұрын",
    ),
    ChainRule(
        "¶25",
        "the Government (GO)",
        "meeting 1 (concept, theses); meeting 2 (package, delegation)",
        "1 wd before the concept, 2 wd before the package go to PA",
        "енгізерден бір жұмыс күні бұрын … екі жұмыс күні бұрын",
        "anchored to the actual submission (until then, its deadline), "
        "held no later than that day (at least, not exactly)",
    ),
    ChainRule(
        "¶26",
        "MFA → PA",
        "the package (¶21); optionally a refined package",
        "E − 15 wd; E − 7 wd",
        "кемінде он бес жұмыс күні бұрын … кемінде жеті жұмыс күні бұрын",
        "working days counted backwards from E on the Kazakhstan calendar",
    ),
    ChainRule(
        "¶27",
        "PA on MFA's proposal",
        "periods for ¶24-26 when the date was fixed late",
        "PA's dates",
        "24-тармағын орындау мерзімінен кемінде он жұмыс күні бұрын айқындалса",
        "read as LESS than 10 wd before the ¶24 deadline (the literal «кемінде» is senseless); "
        "PA's dates are entered by hand; ¶22-23 are not affected",
    ),
    ChainRule(
        "¶28",
        "MFA → PA",
        "the Head of State's conversation records",
        "3 wd after the last day",
        "іс-шара өткізілгеннен кейін үш жұмыс күні ішінде",
    ),
    ChainRule(
        "¶29",
        "the registering person (PA_AIDE_INTL) → MFA",
        "the agreements registered in MFA's absence",
        "2 wd after the last day",
        "іс-шарадан кейін екі жұмыс күні ішінде",
        "the sender is not named: the person who registered them; the agreements open a "
        "Chapter 4 file",
    ),
    ChainRule(
        "¶29-1",
        "MFA → PA",
        "media review, expert opinions, draft thank-you letter",
        "5 wd after the last day",
        "өткізілгеннен кейін бес жұмыс күні ішінде",
    ),
)

CHAPTER_2: Final = (
    ChainRule(
        "¶8",
        "interested bodies, MFA; BUDGET_COMMISSION if money",
        "agree a draft decision",
        "none",
        "мүдделі мемлекеттік органдарымен келісілуге тиіс",
        "MFA agrees only on foreign-policy expediency («сыртқы саяси орындылығының мәніне»); "
        "a draft-decision file lists each approver with its ¶, undated; it is agreed when every "
        "one has agreed; an approver may object first and agree later, never object after "
        "agreeing; the body running the agreement records the Budget Commission's answer",
    ),
    ChainRule(
        "¶8 part 2, ¶8-2",
        "MTI, MOJ; NCE if private business is touched",
        "agree an EEC draft decision",
        "none",
        "міндетті түрде келісіледі",
        "¶8-1 leaves the procedure of EEC drafts to the Government's interaction procedure, "
        "outside the Rules: no deadline is invented for it",
    ),
    ChainRule(
        "¶9",
        "the CSB competent for the subject",
        "run the draft's agreement (and notify its result through MFA)",
        "none",
        "реттеу нысанасы құзыретіне жататын орталық мемлекеттік орган жүзеге асырады",
        "the body that opens the draft-decision file is its lead; the notice of the result "
        "is not tracked",
    ),
    ChainRule(
        "¶10",
        "MFA → competent CSBs",
        "send the decision for proposals",
        "5 wd from MFA's receipt",
        "СІМ алған күнінен бастап бес жұмыс күні ішінде",
    ),
    ChainRule(
        "¶11",
        "each competent CSB → MFA",
        "proposals agreed with MOJ (and BUDGET_AUTHORITY if money)",
        "15 wd",
        "он бес жұмыс күні ішінде",
        "no start in the text: counted from the body's receipt of MFA's ¶10 letter",
    ),
    ChainRule(
        "¶12",
        "MFA → GO",
        "MFA's own proposals",
        "10 wd",
        "келіп түскен күнінен бастап он жұмыс күні ішінде",
        "with several bodies, counted from the last proposals to arrive",
    ),
    ChainRule(
        "¶13",
        "GO → PM (and PA)",
        "proposals with draft instructions",
        "10 wd",
        "он жұмыс күні ішінде",
        "no start in the text: counted from GO's receipt; (1) to the PM always, "
        "(2) to PA in addition where the President must consider it",
    ),
    ChainRule(
        "¶14",
        "PA; then PA_HEAD → PRESIDENT",
        "consider GO's proposals",
        "10 wd from PA's receipt",
        "алынған күнінен бастап он жұмыс күні ішінде",
        "the 10 wd cover PA's consideration; PA_HEAD's submission has no deadline",
    ),
    ChainRule(
        "¶14-1",
        "—",
        "EEC decisions governed by the interaction procedure leave ¶10-14",
        "—",
        "өзара іс-қимыл жасау тәртібінде айқындалатын Комиссияның шешімдеріне қолданылмайды",
        "only the decisions that procedure governs (a flag of the decision file, and of an "
        "EEC draft-decision file, whose page says ¶10-14 will not apply once it is adopted), "
        "not every EEC decision",
    ),
)

CHAPTER_4: Final = (
    ChainRule(
        "¶30",
        "MFA",
        "register the agreement reached with its source (1)-(4)",
        "none",
        "нормативтік құқықтық сипатта емес",
    ),
    ChainRule(
        "¶31",
        "interested bodies and organisations → MFA",
        "concrete proposals for the draft",
        "2 wd after the event's (or visit's) last day",
        "іс-шара аяқталғаннан кейін немесе шетелге сапар аяқталғаннан күнінен бастап "
        "екі жұмыс күні ішінде",
    ),
    ChainRule(
        "¶32 part 2",
        "each recipient → MFA",
        "agree the draft",
        "2 wd from receipt; silence = consent",
        "келіп түскен күнінен бастап екі жұмыс күні ішінде … ескертулерсіз келісілді деп саналады",
        "the consent is recorded (file:deemed-agreed) by `flask files silence` on the first "
        "day after the 2nd working day, dated that 2nd working day; a later written answer "
        "does not undo it",
    ),
    ChainRule(
        "¶32 part 3",
        "MFA → PA",
        "the draft instructions, paper and electronic",
        "7 wd after the event",
        "жеті жұмыс күні ішінде … мерзімді ұзартуға жол берілмейді",
        "never extended",
    ),
    ChainRule(
        "¶32-1",
        "PA's unit",
        "the electronic approval sheet",
        "3 wd",
        "үш жұмыс күні ішінде",
        "no start in the text: counted from PA's receipt; MFA records it "
        "(PA is not a registry user), with the sheet's signed record (xml_schemas/"
        "agreement-record.xsd: each approver and day) signed by an officer of PA",
    ),
    ChainRule(
        "¶32-1 part 3",
        "MFA (or PA)",
        "the paper copy of the electronic approval sheet, attached to the paper draft",
        "none",
        "«Электрондық құжаттың көшірмесі дұрыс» деген мөртабанмен куәландырылған",
        "issued from the sheet's signed record by the registry's certified-copy machinery "
        "(the stamp, the registry's seal, a QR code to /verify), as for letters",
    ),
    ChainRule(
        "¶33 part 1",
        "bodies → MFA",
        "progress reports",
        "GO's control-assignment dates (inputs)",
        "бақылауды бекітуінде белгіленген мерзімдерде",
    ),
    ChainRule(
        "¶34",
        "MFA → GO",
        "consolidated report on the instructions' progress",
        "GO's control-assignment dates (inputs)",
        "бақылауды бекітуінде белгіленген мерзімдерде",
        "tracked per agreement: MFA records the date GO's control assignment sets for it "
        "(an input, kept as it is), then the day the report was sent",
    ),
    ChainRule(
        "¶33 part 2",
        "MFA → GO",
        "quarterly investment-agreements report",
        "the 5th of the month after the quarter",
        "есепті тоқсаннан кейінгі айдың 5-күніне дейін",
        "«дейін» read as the 5th inclusive (configurable: before the 5th); "
        "on a day off, the previous working day; tracked per quarter (MFA records it sent), "
        "listed as due or late over the past year up to the next quarter",
    ),
    ChainRule(
        "¶35",
        "GO → PA",
        "half-yearly summary",
        "15 June and 15 December",
        "15 маусымнан және 15 желтоқсаннан кешіктірмей",
        "on a day off, the previous working day (configurable); the first half by 15 June, "
        "the second by 15 December; tracked per half (GO records it sent), listed as due or "
        "late over the past year up to the next half",
    ),
)

CHAPTER_6: Final = (
    ChainRule(
        "¶46(2)",
        "each CSB → MFA",
        "the year's activity and next year's plan",
        "20 December",
        "жылына бір рет 20 желтоқсаннан кешіктірмей",
        "on a day off, the previous working day (configurable)",
    ),
    ChainRule(
        "¶46(3)",
        "the CSB that held the event → MFA",
        "event report, on MFA's request",
        "7 wd from the event's end",
        "іс-шара аяқталған күннен бастап жеті жұмыс күнінен кешіктірмей",
        "a request that arrives after that day gets 7 wd from the request",
    ),
    ChainRule(
        "¶48",
        "head of the CSB delegation → MFA",
        "written consultation",
        "before departure",
        "кеткенге дейін … жазбаша нысанда",
        "by the last working day before the departure day",
    ),
    ChainRule(
        "¶49 part 2",
        "the host body → MFA",
        "participants and agreements of a meeting MFA missed",
        "5 wd after the meeting",
        "кездесуден және (немесе) келіссөздерден кейін бес жұмыс күні ішінде",
        "every such meeting, not only multi-meeting visits; sent by the host",
    ),
    ChainRule(
        "¶50",
        "—",
        "exemptions",
        "—",
        "қолданылмайды",
        "PA and GO: no Chapter 6 duty; ¶46 by subject (criminal proceedings, intelligence, "
        "operational-search, law-enforcement training and operations, protected persons and "
        "facilities, investment, trade within international organisations); ¶48-49 not for special "
        "state bodies; an exempt duty is returned with its reason, never dropped",
    ),
)

CHAINS: Final = (
    ("Chapter 1: treaty-implementation reports (routing/treaties.py)", CHAPTER_1),
    ("Chapter 2: decisions of international organisations (routing/decisions.py)", CHAPTER_2),
    ("Chapter 4: agreements reached (routing/agreements.py)", CHAPTER_4),
    ("Chapter 3: high-level events (routing/high_level.py)", CHAPTER_3),
    ("Chapter 6: reports to MFA (routing/reporting.py)", CHAPTER_6),
)

#: How a fixed-date, calendar-day or month deadline on a day off moves (routing.calendar).
DAY_OFF_READING: Final = (
    "A fixed-date or month deadline that falls on a day off moves to the previous working day "
    "(`DayOffShift.PREVIOUS`, RULES.md's proposal; the Rules are silent); `DayOffShift.NEXT` is "
    "the other reading, a parameter of every such deadline. E−N months where the day is absent "
    "(30 April − 2 months) is the month's last day (the earlier of the two readings)."
)
