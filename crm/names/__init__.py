"""Reading and writing people's names: parsing (a name read into the four fields
of a lead, and the conventions it keeps), person (the name and how an address
writes it), quick (plain names read without nameparser), parsed (nameparser's
reading), vocabulary (the words names are read by)."""
