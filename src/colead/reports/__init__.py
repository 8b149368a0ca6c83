"""Reports: analysis results rendered as self-contained HTML with inline SVG charts."""

from colead.reports.review import render_review_html, write_review_html

__all__ = ["render_review_html", "write_review_html"]
