"""Programmes, enrolment, benefit packages and tariffs."""
