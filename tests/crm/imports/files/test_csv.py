"""Reading a CSV or text list: delimiters, quoting, titles above the header, blank rows."""

import pytest

from tests.crm.imports.files.tables import read_all, read_file, xlsx_bytes


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_comma_semicolon_and_tab_separated_files_are_read(delimiter):
    lines = [
        ["Email", "First Name", "Last Name", "Phone"],
        ["mary@example.com", "Mary", "Smith", "+1 415 555 2671"],
        ["john@example.com", "John", "Doe", "030 1234567"],
    ]
    content = "\n".join(delimiter.join(line) for line in lines).encode()

    assert read_all(content) == (lines[0], [(2, lines[1]), (3, lines[2])])


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_quoted_cells_keep_their_newlines_and_delimiters(delimiter):
    d = delimiter
    content = (
        f"Email{d}Name{d}Notes\r\n"
        f'mary@example.com{d}"Smith, Mary"{d}"Met at booth 12;\r\nwants a demo\tnext week"\r\n'
        f'john@example.com{d}John{d}"He said ""call me"""\r\n'
    ).encode()

    assert read_all(content)[1] == [
        (2, ["mary@example.com", "Smith, Mary", "Met at booth 12;\r\nwants a demo\tnext week"]),
        (3, ["john@example.com", "John", 'He said "call me"']),
    ]


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_a_title_and_blank_line_above_the_header_are_skipped(delimiter):
    d = delimiter
    content = (
        "Expo 2026, Berlin — Leads report\n"
        "\n"
        f"Email{d}Name{d}Phone\n"
        f"mary@example.com{d}Mary Smith{d}+1 415 555 2671\n"
        f"john@example.com{d}John Doe{d}\n"
    ).encode()

    header, rows = read_all(content)

    assert header == ["Email", "Name", "Phone"]
    assert [number for number, _cells in rows] == [4, 5]


def test_blank_rows_are_skipped_but_still_counted_and_trailing_ones_ignored():
    content = b"Email,Name\nmary@example.com,Mary\n\n , \njohn@example.com,John\n\n,\n\n"

    assert read_all(content)[1] == [
        (2, ["mary@example.com", "Mary"]),
        (5, ["john@example.com", "John"]),
    ]


def test_a_quoted_cell_spanning_lines_counts_as_one_row():
    content = b'Email,Notes\nmary@example.com,"one\ntwo\nthree"\njohn@example.com,\n'

    assert [number for number, _cells in read_all(content)[1]] == [2, 3]


def test_cells_are_stripped_padded_to_the_header_and_cut_beyond_it():
    content = b"Email,Name,Phone,,\n  mary@example.com , Mary \njohn@example.com,John,123,extra\n"

    assert read_all(content) == (
        ["Email", "Name", "Phone"],
        [(2, ["mary@example.com", "Mary", ""]), (3, ["john@example.com", "John", "123"])],
    )


def test_formulas_in_a_csv_stay_text():
    content = b'Email,Notes\nmary@example.com,"=HYPERLINK(""http://evil.example"",""x"")"\n'

    assert read_all(content)[1] == [
        (2, ["mary@example.com", '=HYPERLINK("http://evil.example","x")'])
    ]


def test_an_excel_sep_line_names_the_delimiter():
    content = b"sep=;\nEmail;Name\nmary@example.com;Smith, Mary\n"

    assert read_all(content) == (["Email", "Name"], [(2, ["mary@example.com", "Smith, Mary"])])


def test_a_one_column_list_of_emails_is_read():
    content = b"Email\nmary@example.com\njohn@example.com\n"

    assert read_all(content) == (["Email"], [(2, ["mary@example.com"]), (3, ["john@example.com"])])


@pytest.mark.parametrize(
    ("filename", "content"),
    [
        ("leads.csv", "Email;Name\nzoe@example.com;Zoë\n".encode("cp1252")),
        ("leads.xlsx", xlsx_bytes(["Email", "Name"], ["zoe@example.com", "Zoë"])),
    ],
)
def test_a_file_on_disk_is_read_and_left_open_for_the_caller(tmp_path, filename, content):
    path = tmp_path / filename
    path.write_bytes(content)

    with path.open("rb") as data:
        assert read_file(data, path.name)[1] == [(2, ["zoe@example.com", "Zoë"])]
        assert not data.closed
