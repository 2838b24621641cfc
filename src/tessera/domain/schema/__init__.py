"""The label-schema language: fields, questions, and the checks of content and answers.

The public names live in `tessera.domain.label_schema`; these modules are its parts.
"""
