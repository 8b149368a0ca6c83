"""A libFuzzer harness (atheris) for the file readers: any bytes, a table or one clear error.

Run by hand for a long campaign from a scratch folder (each input is written there as a
file), e.g. ``python tests/fuzz/fuzz_ingest.py -max_total_time=600 CORPUS``;
``tests/fuzz/test_fuzz_ingest.py`` runs it briefly. The first byte picks the reader.
"""

from __future__ import annotations

import sys
from pathlib import Path

import atheris

# Coverage feedback from colead and the file libraries only: instrumenting everything they
# import (pandas, scipy, ...) takes minutes and guides nothing.
with atheris.instrument_imports(include=["colead", "pypdf", "docx", "openpyxl"]):
    import docx  # noqa: F401  (imported here to be instrumented; the readers import it lazily)
    import openpyxl  # noqa: F401
    import pypdf  # noqa: F401

    from colead.errors import ColeadError
    from colead.ingest.reader import read_file
    from colead.ingest.text_stream import scan_text
    from colead.vocab.readers import read_document

_FOLDER = Path.cwd()
_NAMES = ("input.csv", "input.xlsx", "guide.docx", "guide.pdf", "guide.html", "guide.txt")


def one_input(data: bytes) -> None:
    if not data:
        return
    name, body = _NAMES[data[0] % len(_NAMES)], data[1:]
    try:
        if name.startswith("input"):
            path = _FOLDER / name
            path.write_bytes(body)
            read_file(path)
            if name.endswith(".csv"):
                for _ in scan_text(path).chunks(7):
                    pass
        else:
            read_document(name, body)
    except ColeadError as error:
        # the one allowed failure: a domain error that says what is wrong
        assert error.message


def main() -> None:
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
