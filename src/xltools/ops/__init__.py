"""The survey's operations: village templates, merge, split, reconcile, diff, per-child forms.

Each is a peer of the others: it imports ``core`` and ``workbooks``, never another
operation; what two of them share lives in a lower layer.
"""
