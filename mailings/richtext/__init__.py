"""The rich-text editor for email and letter bodies: Trix (from npm, served as a
static file) bound to the field, a picker of merge fields, the plain-text part made
from the HTML as it is typed, and a raw HTML mode for what the editor cannot show."""
