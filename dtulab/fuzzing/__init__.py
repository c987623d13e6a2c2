"""Fuzzing the parsers where bytes from outside arrive (docs/fuzzing.md): the harnesses by name
(``registry``), the Python ones' properties (one module each), and running them (``runner``)."""
