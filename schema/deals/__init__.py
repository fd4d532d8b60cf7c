"""The API of deals: the deal and its history, lists, inputs, the mutations that change
it, and access requests."""
