"""The behaviour: plain async functions taking the acting user and typed inputs.

They know nothing about HTTP or GraphQL; refusals are raised as `errors.Refused`.
"""
