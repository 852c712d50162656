"""The forms and the rules, pure: no file is read or written here.

The schema and the locality profiles, ID numbers, regions and places, dates, phones,
issue codes, what tells children apart, the rule engine (:mod:`.validate` over a
:mod:`.rowtable`), each child's status, the statistics, the departments' fields, the
reports as text and made-up children.  Imports nothing of xltools outside ``core``.
"""
