"""Reconciliation of values that several sources report for the same thing (set-based, in SQL).

``macroeconomic``: one value per (indicator, division code, period), chosen by source authority
and revision, with the groups whose sources disagree.
"""
