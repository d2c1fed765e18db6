"""Reading people's names into prefix, first name, last name and suffix."""

from itertools import cycle

import pytest

from crm.names.parsed import cells_reading, parsed_reading
from crm.names.parsing import parse_name
from crm.names.person import PersonName, formal_name
from crm.names.quick import all_plain, quick_cells_reading, quick_reading


def name(prefix: str = "", first: str = "", last: str = "", suffix: str = "") -> PersonName:
    return PersonName(prefix=prefix, first=first, last=last, suffix=suffix)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # What the import's full-name split always did
        ("Mary Ann Smith-Jones", name(first="Mary Ann", last="Smith-Jones")),
        ("Smith, Mary", name(first="Mary", last="Smith")),
        ("  Smith ,   Mary   Ann ", name(first="Mary Ann", last="Smith")),
        ("Cher", name(first="Cher")),
        ("  Mary    Smith  ", name(first="Mary", last="Smith")),
        ("Ludwig van Beethoven", name(first="Ludwig", last="van Beethoven")),
        ("Maria de la Cruz", name(first="Maria", last="de la Cruz")),
        ("Van Morrison", name(first="Van", last="Morrison")),
        ("John Smith Jr.", name(first="John", last="Smith", suffix="Jr.")),
        ("John Smith, Jr.", name(first="John", last="Smith", suffix="Jr.")),
        ("", name()),
        ("   ", name()),
        # Particles stay with the last name
        ("Vincent van Gogh", name(first="Vincent", last="van Gogh")),
        ("Ursula von der Leyen", name(first="Ursula", last="von der Leyen")),
        ("Pieter van den Berg", name(first="Pieter", last="van den Berg")),
        ("Jan de Vries", name(first="Jan", last="de Vries")),
        ("Karl-Theodor zu Guttenberg", name(first="Karl-Theodor", last="zu Guttenberg")),
        ("Giulia dell'Orto", name(first="Giulia", last="dell'Orto")),
        ("Luca D'Angelo", name(first="Luca", last="D'Angelo")),
        ("Juan Carlos de la Fuente", name(first="Juan Carlos", last="de la Fuente")),
        # Four parts: two first names and two surnames, as in Spain and Portugal
        ("María José García Pérez", name(first="María José", last="García Pérez")),
        ("José Luis Rodríguez Zapatero", name(first="José Luis", last="Rodríguez Zapatero")),
        ("María del Carmen García López", name(first="María del Carmen", last="García López")),
        ("Ana María Pérez de la Cruz", name(first="Ana María", last="Pérez de la Cruz")),
        ("Luiz Inácio Lula da Silva", name(first="Luiz Inácio", last="Lula da Silva")),
        ("Begoña Muñoz", name(first="Begoña", last="Muñoz")),
        # Three parts: middle names stay with the first name
        ("Hans Peter Müller", name(first="Hans Peter", last="Müller")),
        ("Jean Paul Sartre", name(first="Jean Paul", last="Sartre")),
        ("John F. Kennedy", name(first="John F.", last="Kennedy")),
        ("J. R. R. Tolkien", name(first="J. R. R.", last="Tolkien")),
        ("John and Jane Smith", name(first="John and Jane", last="Smith")),
        # Last, First
        ("Smith Jr., John", name(first="John", last="Smith", suffix="Jr.")),
        ("Baker III, Tom", name(first="Tom", last="Baker", suffix="III")),
        ("MUELLER, HANS", name(first="HANS", last="MUELLER")),
        ("Doe, Jane Mrs", name(prefix="Mrs", first="Jane", last="Doe")),
        ("Smith, Dr. John", name(prefix="Dr.", first="John", last="Smith")),
        # Prefixes and suffixes, casing as written
        ("Prof. Dr. Hans Müller", name(prefix="Prof. Dr.", first="Hans", last="Müller")),
        ("Mr Tom Baker III", name(prefix="Mr", first="Tom", last="Baker", suffix="III")),
        ("Jane Roe PhD", name(first="Jane", last="Roe", suffix="PhD")),
        ("Dr. Jane Roe, MD", name(prefix="Dr.", first="Jane", last="Roe", suffix="MD")),
        ("Dr. Jane Roe, MD, PhD", name(prefix="Dr.", first="Jane", last="Roe", suffix="MD, PhD")),
        ("Mrs. Jane Doe-Smith", name(prefix="Mrs.", first="Jane", last="Doe-Smith")),
        ("Ms Rivera", name(prefix="Ms", last="Rivera")),
        ("Rev. Martin Luther King Jr.", name("Rev.", "Martin Luther", "King", "Jr.")),
        ("Sir Patrick Stewart", name(prefix="Sir", first="Patrick", last="Stewart")),
        ("Dame Judi Dench", name(prefix="Dame", first="Judi", last="Dench")),
        ("Mx Sam Lee", name(prefix="Mx", first="Sam", last="Lee")),
        ("JOHN SMITH MD", name(first="JOHN", last="SMITH", suffix="MD")),
        ("John Smith VIII", name(first="John", last="Smith", suffix="VIII")),
        ("Stefan de Vries MSc", name(first="Stefan", last="de Vries", suffix="MSc")),
        # German, Austrian, French, Spanish, Italian, Dutch, Czech honorifics
        ("Frau Dr. Anna Schmidt", name(prefix="Frau Dr.", first="Anna", last="Schmidt")),
        ("Herr Hans Müller", name(prefix="Herr", first="Hans", last="Müller")),
        ("Dr. med. Anna Schmidt", name(prefix="Dr. med.", first="Anna", last="Schmidt")),
        ("Dipl.-Ing. Klaus Weber", name(prefix="Dipl.-Ing.", first="Klaus", last="Weber")),
        ("Hans Müller, Dipl.-Ing.", name(prefix="Dipl.-Ing.", first="Hans", last="Müller")),
        ("Mag. Eva Huber", name(prefix="Mag.", first="Eva", last="Huber")),
        ("Mme Claire Dubois", name(prefix="Mme", first="Claire", last="Dubois")),
        ("Mlle Zoé Lefèvre", name(prefix="Mlle", first="Zoé", last="Lefèvre")),
        ("Sra. Ana López", name(prefix="Sra.", first="Ana", last="López")),
        ("Lic. Juan Pérez", name(prefix="Lic.", first="Juan", last="Pérez")),
        ("Dott.ssa Giulia Bianchi", name(prefix="Dott.ssa", first="Giulia", last="Bianchi")),
        ("Dhr. Jan de Vries", name(prefix="Dhr.", first="Jan", last="de Vries")),
        ("Mevr. Anna Jansen", name(prefix="Mevr.", first="Anna", last="Jansen")),
        ("Ing. Petr Novák", name(prefix="Ing.", first="Petr", last="Novák")),
        ("Mgr. Jana Nováková", name(prefix="Mgr.", first="Jana", last="Nováková")),
        ("Ing. Mgr. Petr Novák, Ph.D.", name("Ing. Mgr.", "Petr", "Novák", "Ph.D.")),
        ("Herr Dipl.-Ing. (FH) Hans Müller", name("Herr Dipl.-Ing. (FH)", "Hans", "Müller")),
        ("Dr. Dr. h.c. Hans Müller", name(prefix="Dr. Dr. h.c.", first="Hans", last="Müller")),
        ("Frau Prof. Dr. med. Anna Schmidt", name("Frau Prof. Dr. med.", "Anna", "Schmidt")),
        ("Hans Müller (Dr.)", name(prefix="Dr.", first="Hans", last="Müller")),
        ("ir. Jan de Vries", name(prefix="ir.", first="Jan", last="de Vries")),
        ("mr. dr. Anna Jansen", name(prefix="mr. dr.", first="Anna", last="Jansen")),
        ("DR. ANNA SCHMIDT", name(prefix="DR.", first="ANNA", last="SCHMIDT")),
        ("Anna Schmidt BSc (Hons)", name(first="Anna", last="Schmidt", suffix="BSc (Hons)")),
        ("Ms. Jane Doe, CPA, CFA", name(prefix="Ms.", first="Jane", last="Doe", suffix="CPA, CFA")),
        ("Mrs Jane Smith-Jones OBE", name("Mrs", "Jane", "Smith-Jones", "OBE")),
        # "M." is as often an initial: it stays with the first name
        ("M. Night Shyamalan", name(first="M. Night", last="Shyamalan")),
        # Apostrophes, hyphens, letters from everywhere
        ("Sean O'Brien", name(first="Sean", last="O'Brien")),
        ("Anne-Marie O'Neil", name(first="Anne-Marie", last="O'Neil")),
        ("Jean-Luc Picard", name(first="Jean-Luc", last="Picard")),
        ("Søren Ærø", name(first="Søren", last="Ærø")),
        ("Zoë Brändli", name(first="Zoë", last="Brändli")),
        ("Hans Müller-Lüdenscheidt", name(first="Hans", last="Müller-Lüdenscheidt")),
        ("mary ann smith", name(first="mary ann", last="smith")),
        # Nicknames and maiden names are kept as written
        ('Robert "Bob" Smith', name(first='Robert "Bob"', last="Smith")),
        ("(Bob) Robert Smith", name(first="(Bob) Robert", last="Smith")),
        ("Jane Smith (née Jones)", name(first="Jane", last="Smith (née Jones)")),
        # Text with no name in it is kept as typed
        ("???", name(first="???")),
        ("12345", name(first="12345")),
    ],
)
def test_a_whole_name_is_read_into_its_four_parts(text, expected):
    assert parse_name(full=text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Dean Martin", name(first="Dean", last="Martin")),
        ("Will Smith", name(first="Will", last="Smith")),
        ("King Charles", name(first="King", last="Charles")),
        ("Prince Harry", name(first="Prince", last="Harry")),
        ("Earl Grey", name(first="Earl", last="Grey")),
        ("Duke Ellington", name(first="Duke", last="Ellington")),
        ("Count Basie", name(first="Count", last="Basie")),
        ("Chief Joseph", name(first="Chief", last="Joseph")),
        ("Don Johnson", name(first="Don", last="Johnson")),
        ("Major Tom", name(first="Major", last="Tom")),
        ("Judge Reinhold", name(first="Judge", last="Reinhold")),
        ("Pastor Jones", name(first="Pastor", last="Jones")),
        ("Father Brown", name(first="Father", last="Brown")),
        ("Major", name(first="Major")),
        ("Major Tom Jones", name(prefix="Major", first="Tom", last="Jones")),
        ("Father John Smith", name(prefix="Father", first="John", last="Smith")),
        ("Dr Anna", name(prefix="Dr", last="Anna")),
        ("Sir Elton", name(prefix="Sir", first="Elton")),
    ],
)
def test_a_first_name_that_is_also_a_title_is_kept_as_the_name(text, expected):
    assert parse_name(full=text) == expected


@pytest.mark.parametrize(
    ("first", "last", "expected"),
    [
        ("Anna", "Schmidt", name(first="Anna", last="Schmidt")),
        ("  Mary   Ann ", " Smith ", name(first="Mary Ann", last="Smith")),
        ("Dr. Anna", "Schmidt PhD", name(prefix="Dr.", first="Anna", last="Schmidt", suffix="PhD")),
        ("Frau Dr. Anna", "Schmidt", name(prefix="Frau Dr.", first="Anna", last="Schmidt")),
        ("Prof. Dr.", "Müller", name(prefix="Prof. Dr.", last="Müller")),
        ("Anna", "Dr. Schmidt", name(prefix="Dr.", first="Anna", last="Schmidt")),
        ("John", "Smith, Jr.", name(first="John", last="Smith", suffix="Jr.")),
        ("Tom", "Baker III", name(first="Tom", last="Baker", suffix="III")),
        ("Hans", "Müller, Dipl.-Ing.", name(prefix="Dipl.-Ing.", first="Hans", last="Müller")),
        ("Anna", "van der Berg", name(first="Anna", last="van der Berg")),
        ("Dipl.-Ing. (FH) Hans", "Müller", name("Dipl.-Ing. (FH)", "Hans", "Müller")),
        ("Anna", "Schmidt BSc (Hons)", name(first="Anna", last="Schmidt", suffix="BSc (Hons)")),
        ("Anna", "Smith (Bob)", name(first="Anna", last="Smith (Bob)")),
        ("María José", "García Pérez", name(first="María José", last="García Pérez")),
        ("Major Tom", "Jones", name(prefix="Major", first="Tom", last="Jones")),
        ("Major", "Jones", name(first="Major", last="Jones")),
        ("Dean", "Martin", name(first="Dean", last="Martin")),
        # A last name cell is a last name, even when it spells a degree
        ("Jack", "MA", name(first="Jack", last="MA")),
        ("", "Schmidt PhD", name(last="Schmidt", suffix="PhD")),
        ("", "Schmidt", name(last="Schmidt")),
        ("", "García Pérez", name(last="García Pérez")),
        # A whole name typed into one cell
        ("", "Smith, John", name(first="John", last="Smith")),
        ("Smith, John", "", name(first="John", last="Smith")),
        ("John Smith Jr.", "", name(first="John", last="Smith", suffix="Jr.")),
        ("Mary Ann Smith", "", name(first="Mary Ann", last="Smith")),
        ("Dr. Anna Maria Schmidt", "", name(prefix="Dr.", first="Anna Maria", last="Schmidt")),
        ("Anna PhD", "", name(first="Anna", suffix="PhD")),
        # ... but two words may be a double first name: they stay the first name
        ("Anna Lena", "", name(first="Anna Lena")),
        ("María José", "", name(first="María José")),
        ("Dr. Anna", "", name(prefix="Dr.", first="Anna")),
        ("Anna", "", name(first="Anna")),
    ],
)
def test_first_and_last_name_cells_give_up_their_prefix_and_suffix(first, last, expected):
    assert parse_name(first=first, last=last) == expected


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        (
            {"prefix": "Frau", "first": "Dr. Anna", "last": "Schmidt"},
            name("Frau Dr.", "Anna", "Schmidt"),
        ),
        ({"prefix": "Dr", "first": "Dr. Anna", "last": "Schmidt"}, name("Dr", "Anna", "Schmidt")),
        ({"prefix": " Ms ", "full": "Jane Roe"}, name(prefix="Ms", first="Jane", last="Roe")),
        ({"suffix": "PhD", "full": "Jane Roe MD"}, name("", "Jane", "Roe", "PhD, MD")),
        ({"suffix": "Jr.", "first": "John", "last": "Smith Jr"}, name("", "John", "Smith", "Jr.")),
        ({"prefix": "Mr", "suffix": "III"}, name(prefix="Mr", suffix="III")),
    ],
)
def test_a_prefix_or_suffix_column_comes_first_and_is_not_repeated(cells, expected):
    assert parse_name(**cells) == expected


def test_separate_cells_win_over_a_whole_name():
    parsed = parse_name(full="Hans Müller", first="Anna", last="Schmidt")

    assert parsed == name(first="Anna", last="Schmidt")


@pytest.mark.parametrize(
    ("parts", "formal"),
    [
        (name("Dr.", "Anna", "Schmidt", "PhD"), "Dr. Anna Schmidt, PhD"),
        (name("", "John", "Smith", "Jr."), "John Smith Jr."),
        (name("", "Tom", "Baker", "III"), "Tom Baker III"),
        (name("", "John", "Smith", "Jr., PhD"), "John Smith Jr., PhD"),
        (name("Prof. Dr.", "Hans", "Müller"), "Prof. Dr. Hans Müller"),
        (name("Dr.", "", "Schmidt"), "Dr. Schmidt"),
        (name("", "Cher"), "Cher"),
        (name("Dr.", "", "", "PhD"), ""),
        (name("  ", " Anna ", "Schmidt", "  "), "Anna Schmidt"),
        (name(), ""),
    ],
)
def test_the_formal_name_puts_the_prefix_before_and_the_suffix_after(parts, formal):
    assert formal_name(parts) == formal


GIVEN_NAMES = (
    "Mary Ann", "Hans", "Søren", "Begoña", "Zoë", "Jean-Luc", "María José", "Wojciech", "Aisha",
    "Mehmet", "Giulia", "Pieter", "Chloé", "Łukasz", "Ingrid", "Nguyen Thi", "Kenji", "Ayşe",
    "Anne-Sophie", "Dean", "Will", "Mohammed", "Sinéad", "Björn", "Ștefan",
)  # fmt: skip
SURNAMES = (
    "Smith", "Müller", "Ærø", "Muñoz", "Brändli", "O'Brien", "García Pérez", "Kowalski", "Okafor",
    "Şahin", "Bianchi", "Jansen", "Dvořák", "Nowak", "Tanaka", "Smith-Jones", "Lefèvre", "Kim",
    "Ó Briain", "MacLeod", "Martin", "Nguyen", "Fitzgerald", "Ionescu", "SCHMIDT",
)  # fmt: skip


PREFIXES = ("", "", "Dr.", "Prof. Dr.", "Mr", "MRS.", "Frau", "Sra.", "dott.", "Ing.", "Mx")
SUFFIXES = ("", "", "", "PhD", "Jr.", "III", "MBA", "md", "Ph.D.")


def names_from_everywhere() -> list[tuple[str, str, str, str]]:
    """(prefix, first, last, suffix) of names from everywhere, written three ways."""
    pairs = [(given, last) for given in GIVEN_NAMES for last in SURNAMES]
    middles = cycle(reversed(GIVEN_NAMES))
    with_middle = [(f"{given} {next(middles)}", last) for given, last in pairs[:200]]
    names = [
        (PREFIXES[n % len(PREFIXES)], first, last, SUFFIXES[n % len(SUFFIXES)])
        for n, (first, last) in enumerate(pairs + with_middle)
    ]
    return [
        tuple(spell(part) for part in name)
        for name in names
        for spell in (str, str.lower, str.upper)
    ]


def test_names_mostly_skip_the_parser_and_read_exactly_as_the_parser_would():
    wholes = [" ".join(part for part in name if part) for name in names_from_everywhere()]
    wholes += [f"{last}, {first}" for _, first, last, _ in names_from_everywhere()]
    wholes += [f"Visitor {n} {last}" for n, (_, _, last, _) in enumerate(names_from_everywhere())]
    quick = [text for text in wholes if quick_reading(text)]

    assert len(quick) > 0.8 * len(wholes)  # most names never reach nameparser
    assert [parse_name(full=text) for text in quick] == [parsed_reading(t) for t in quick]


def test_name_cells_mostly_skip_the_parser_and_read_exactly_as_the_parser_would():
    cells = [
        (f"{p} {f}".strip(), f"{last} {s}".strip()) for p, f, last, s in names_from_everywhere()
    ]
    quick = [pair for pair in cells if quick_cells_reading(*pair)]

    assert len(quick) > 0.8 * len(cells)
    assert [parse_name(first=f, last=last) for f, last in quick] == [
        cells_reading(f, last) for f, last in quick
    ]


@pytest.mark.parametrize(
    "text",
    ["Ludwig van Beethoven", "Dr. Anna Schmidt", "Jane Roe PhD", "Luca D'Angelo", "John F Kennedy",
     "Ahmed al-Hassan", "Smith, Mary", "Robert (Bob) Smith", "김민준", "Major Tom",
     "Henry VIII", "Anna Vi", "John and Jane Smith", "Maria geb Schmidt", "Abdul Rahman"],
)  # fmt: skip
def test_names_with_a_word_the_parser_knows_are_not_read_as_plain(text):
    assert not all_plain(text)


@pytest.mark.parametrize(
    "text",
    ["Dr Anna", "Sir Elton John", "Jane Roe, MD", "Dipl.-Ing. Hans Müller", "Jack Ma PhD",
     "Major Tom Jones", "Anna Schmidt PhD Smith", "Dr. Ludwig van Beethoven"],
)  # fmt: skip
def test_names_the_quick_reading_cannot_be_sure_of_go_to_the_parser(text):
    assert quick_reading(text) is None
