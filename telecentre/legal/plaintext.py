"""A legal page's HTML as plain text, for screens that show no HTML (the PC's lock screen).

The privacy notice exists once, as a template; the lock screen gets the same
words through this, so the two can never say different things. It handles
what those templates use: headings, paragraphs, lists and tables (a row
becomes a paragraph, its cells joined by " – "); everything else is its text.
"""
from html.parser import HTMLParser

BLOCKS = {"p", "div", "article", "section", "ul", "ol", "table", "caption"}
HEADINGS = {"h1", "h2", "h3", "h4"}
SKIPPED = {"script", "style", "template"}


class _Text(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.headings: list[str] = []
        self.line: list[str] = []
        self.cells: list[str] | None = None
        self.skip = 0
        self.hidden = 0

    def _flush(self):
        text = " ".join("".join(self.line).split())
        self.line = []
        if text:
            self.lines.append(text)

    def _gap(self):
        self._flush()
        if self.lines and self.lines[-1] != "":
            self.lines.append("")

    def handle_starttag(self, tag, attrs):
        classes = (dict(attrs).get("class") or "").split()
        if tag in SKIPPED:
            self.skip += 1
        elif self.hidden or "visually-hidden" in classes:
            self.hidden += 1  # a caption for screen readers: the text says it already
        elif tag in HEADINGS or tag in BLOCKS:
            self._gap()
        elif tag == "li":
            self._flush()
            self.line.append("• ")
        elif tag == "tr":
            self._flush()
            self.cells = []
        elif tag in ("td", "th") and self.cells is not None:
            self._flush()
        elif tag == "br":
            self._flush()

    def handle_endtag(self, tag):
        if tag in SKIPPED:
            self.skip = max(0, self.skip - 1)
        elif self.hidden:
            self.hidden -= 1
        elif tag in ("td", "th") and self.cells is not None:
            self.cells.append(" ".join("".join(self.line).split()))
            self.line = []
        elif tag == "tr" and self.cells is not None:
            row = " – ".join(cell for cell in self.cells if cell)
            self.cells = None
            if row:
                self.lines += [row, ""]  # a row is a paragraph: rows here hold sentences
        elif tag in HEADINGS:
            self._flush()
            if self.lines and self.lines[-1]:
                self.headings.append(self.lines[-1])
            self.lines.append("")
        elif tag in BLOCKS or tag == "li":
            self._flush()

    def handle_data(self, data):
        if not (self.skip or self.hidden):
            self.line.append(data)

    def text(self) -> str:
        self._flush()
        return "\n".join(self.lines).strip() + "\n"


def html_to_text(html: str) -> tuple[str, list[str]]:
    """Return ``html`` as plain text (a line a paragraph, item or table row) and its headings."""
    parser = _Text()
    parser.feed(html)
    parser.close()
    return parser.text(), parser.headings
