"""XML from outside, parsed with no DTD, no entities and bounded size and depth.

Any DOCTYPE is refused before it is read, so neither entity expansion (billion laughs) nor
external entities (file or network reads) can happen; expat itself never fetches anything.
The standard library's expat is used directly (no defusedxml dependency): the tree is built
with `xml.etree.ElementTree.TreeBuilder`, and elements are `xml.etree.ElementTree.Element`.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from xml.parsers import expat

from tessera.domain.errors import InvalidInput

XML_MAX_BYTES = 1 << 20
XML_MAX_DEPTH = 64
XML_MAX_ELEMENTS = 10_000


def parse_untrusted_xml(data: str | bytes, *, field: str) -> ET.Element:
    """The document's root element.

    Raises:
        InvalidInput: naming `field` and the line, for malformed XML, any DOCTYPE or entity
            declaration, or a document past the size, depth or element limits.
    """
    size = len(data.encode("utf-8")) if isinstance(data, str) else len(data)
    if size > XML_MAX_BYTES:
        raise InvalidInput(f"larger than {XML_MAX_BYTES} bytes", field=field)
    builder = ET.TreeBuilder()
    parser = expat.ParserCreate()
    depth = 0
    elements = 0

    def start(tag: str, attrs: dict[str, str]) -> None:
        nonlocal depth, elements
        depth += 1
        elements += 1
        if depth > XML_MAX_DEPTH:
            raise _refuse(f"nested deeper than {XML_MAX_DEPTH} elements")
        if elements > XML_MAX_ELEMENTS:
            raise _refuse(f"more than {XML_MAX_ELEMENTS} elements")
        builder.start(tag, attrs)

    def end(tag: str) -> None:
        nonlocal depth
        depth -= 1
        builder.end(tag)

    def refuse_doctype(*_args: object) -> None:
        raise _refuse("a DOCTYPE is not allowed (no DTDs, no entities)")

    def refuse_entity(*_args: object) -> int:
        raise _refuse("entities are not allowed")

    def _refuse(why: str) -> InvalidInput:
        return InvalidInput(why, field=field, line=parser.CurrentLineNumber)

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = builder.data
    parser.StartDoctypeDeclHandler = refuse_doctype
    parser.EntityDeclHandler = refuse_doctype
    parser.UnparsedEntityDeclHandler = refuse_doctype
    parser.ExternalEntityRefHandler = refuse_entity
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    try:
        parser.Parse(data, True)
    except expat.ExpatError as exc:
        raise InvalidInput(
            f"not well-formed XML ({expat.ErrorString(exc.code)})", field=field, line=exc.lineno
        ) from None
    return builder.close()
