"""Letters: .docx documents generated from templates an administrator can replace, stored on the case."""
