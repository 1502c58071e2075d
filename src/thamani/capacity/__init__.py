"""Waiting lists: matching hospital capacity to demand.

The pure core (no database, no web): queueing formulas, clinical priorities, RTT pathways,
patient-level statistics, NHS England RTT CSV import, simulation, scenarios, scheduling,
forecasting and the HTML report.
"""
